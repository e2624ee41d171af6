"""The identity endpoints, one module per audience (anonymous sign-in, reviewers, admins, me)."""
