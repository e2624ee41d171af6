"""Opaque single-use secrets (links, challenges, refresh tokens): random, stored as SHA-256."""

from __future__ import annotations

import hashlib
import secrets


def new_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def hash_token(token: str) -> str:
    # These are 256-bit random values: a fast hash is enough (no guessing to slow down).
    return hashlib.sha256(token.encode()).hexdigest()
