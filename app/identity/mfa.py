"""TOTP (RFC 6238) with replay refusal, and single-use recovery codes.

The TOTP secret is stored encrypted (AES-GCM, key derived from the server's secret key), so
a copy of the database alone does not yield second factors. The sealed form names the secret
key that sealed it (`v2:<key id>:...`; the older `v1:...` names none), so that during a
rotation of CANET_SECRET_KEY a secret opens with the previous key until `canet keys rotate
secret` has sealed it again under the current one (app/identity/keys.py).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import time
from collections.abc import Sequence

import pyotp
from cryptography.exceptions import InvalidTag
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


def secret_key_id(secret_key: str) -> str:
    """A fingerprint naming a secret key (safe to store and print; it reveals nothing of it)."""
    return hmac.new(secret_key.encode(), b"canet/key-id/v1", hashlib.sha256).hexdigest()[:16]


def sealed_prefix(secret_key: str) -> str:
    """How every secret sealed under `secret_key` starts."""
    return f"v2:{secret_key_id(secret_key)}:"


def seal_secret(secret_key: str, secret: str) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(_key(secret_key)).encrypt(nonce, secret.encode(), b"totp")
    return sealed_prefix(secret_key) + base64.urlsafe_b64encode(nonce + sealed).decode()


class SealedUnderUnknownKey(ValueError):
    """A sealed TOTP secret that none of the configured secret keys opens."""


def open_secret(secret_key: str, sealed: str, *, previous: Sequence[str] = ()) -> str:
    """The TOTP secret, opened with the current key or, during a rotation, a previous one."""
    keys = (secret_key, *previous)
    if sealed.startswith("v2:"):
        kid, _, body = sealed.removeprefix("v2:").partition(":")
        keys = tuple(k for k in keys if secret_key_id(k) == kid)
    else:  # v1: sealed before secrets named their key; try each
        body = sealed.removeprefix("v1:")
    raw = base64.urlsafe_b64decode(body.encode())
    for key in keys:
        try:
            return AESGCM(_key(key)).decrypt(raw[:12], raw[12:], b"totp").decode()
        except InvalidTag:
            continue
    raise SealedUnderUnknownKey(
        "this TOTP secret was sealed under a secret key that is neither CANET_SECRET_KEY nor "
        "in CANET_SECRET_KEY_PREVIOUS"
    )


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
