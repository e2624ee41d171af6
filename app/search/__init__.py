"""Permission-filtered full-text search across forums, cases and the directory."""
