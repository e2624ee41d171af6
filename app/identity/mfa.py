"""TOTP (RFC 6238) with replay refusal, and single-use recovery codes.

The TOTP secret is stored encrypted (AES-GCM, key derived from the server's secret key), so
a copy of the database alone does not yield second factors.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import time

import pyotp
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

ISSUER = "canet"
STEP_SECONDS = 30
# One step either side of now: phone clocks drift.
WINDOW = 1
RECOVERY_CODE_COUNT = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def _key(secret_key: str) -> bytes:
    return hmac.new(secret_key.encode(), b"canet/totp-secret/v1", hashlib.sha256).digest()


def new_secret() -> str:
    return pyotp.random_base32(32)


def seal_secret(secret_key: str, secret: str) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(_key(secret_key)).encrypt(nonce, secret.encode(), b"totp")
    return "v1:" + base64.urlsafe_b64encode(nonce + sealed).decode()


def open_secret(secret_key: str, sealed: str) -> str:
    raw = base64.urlsafe_b64decode(sealed.removeprefix("v1:").encode())
    return AESGCM(_key(secret_key)).decrypt(raw[:12], raw[12:], b"totp").decode()


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def current_step(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // STEP_SECONDS)


def code_at_step(secret: str, step: int) -> str:
    return pyotp.TOTP(secret).at(step * STEP_SECONDS)


def match_totp(
    secret: str, code: str, *, last_step: int | None, now: float | None = None
) -> int | None:
    """The time step `code` belongs to, if valid and later than `last_step` (no replay)."""
    code = code.strip().replace(" ", "")
    if len(code) != 6 or not code.isdigit():
        return None
    step = current_step(now)
    for candidate in range(step - WINDOW, step + WINDOW + 1):
        if last_step is not None and candidate <= last_step:
            continue
        if hmac.compare_digest(code_at_step(secret, candidate), code):
            return candidate
    return None


def looks_like_totp(code: str) -> bool:
    code = code.strip().replace(" ", "")
    return len(code) == 6 and code.isdigit()


def new_recovery_codes() -> list[str]:
    """Ten codes like `k7pq-3mzt-x9ra` (about 62 bits each)."""
    return [
        "-".join("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(3))
        for _ in range(RECOVERY_CODE_COUNT)
    ]


def hash_recovery_code(code: str) -> str:
    normalised = code.strip().lower().replace("-", "").replace(" ", "")
    return hashlib.sha256(b"canet-recovery:" + normalised.encode()).hexdigest()
