"""Who is calling and what they may do: the actor, permissions, token checks."""
