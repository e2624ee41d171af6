"""Service accounts: an authority's own system signing in with its key (docs/integration.md)."""
