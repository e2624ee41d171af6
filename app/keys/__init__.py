"""Key rotation and generation across domains: `canet keys ...` (docs/keys.md)."""
