"""Public keys of service accounts: which are accepted, their algorithm, kid and thumbprint.

Only two kinds: Ed25519 (signs EdDSA) and NIST P-256 (signs ES256). The algorithm is a
property of the stored key, never taken from a token, so an assertion cannot pick a weaker
one (`none`, or HS256 with the public key as its secret).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from app.core.errors import ValidationFailed

ALGORITHMS = ("EdDSA", "ES256")
KID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
MAX_PEM_CHARS = 4096

PublicKey = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey


@dataclass(frozen=True, slots=True)
class ParsedKey:
    alg: str
    pem: str  # re-encoded SubjectPublicKeyInfo PEM
    thumbprint: str  # RFC 7638, SHA-256, base64url


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _jwk_members(key: PublicKey) -> dict[str, str]:
    """The members of the key's JWK that RFC 7638 hashes."""
    if isinstance(key, ed25519.Ed25519PublicKey):
        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {"crv": "Ed25519", "kty": "OKP", "x": _b64url(raw)}
    numbers = key.public_numbers()
    return {
        "crv": "P-256",
        "kty": "EC",
        "x": _b64url(numbers.x.to_bytes(32, "big")),
        "y": _b64url(numbers.y.to_bytes(32, "big")),
    }


def thumbprint(key: PublicKey) -> str:
    canonical = json.dumps(_jwk_members(key), separators=(",", ":"), sort_keys=True)
    return _b64url(hashlib.sha256(canonical.encode()).digest())


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, errors=[{"field": field, "message": message}])


def parse_public_key(pem: str, *, field: str) -> ParsedKey:
    """The key of an SPKI PEM text, or 422 on `field` for anything but Ed25519 or P-256."""
    if "PRIVATE KEY" in pem:
        raise _invalid(field, "send the public key (SPKI PEM); the private key stays with you")
    if len(pem) > MAX_PEM_CHARS:
        raise _invalid(field, "too long for a public key")
    try:
        key = serialization.load_pem_public_key(pem.strip().encode())
    except (ValueError, TypeError, UnicodeError) as exc:
        raise _invalid(field, "not a PEM public key (-----BEGIN PUBLIC KEY-----)") from exc
    if isinstance(key, ed25519.Ed25519PublicKey):
        alg = "EdDSA"
    elif isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        alg = "ES256"
    else:
        raise _invalid(field, "only Ed25519 (EdDSA) and P-256 (ES256) keys are accepted")
    encoded = key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    return ParsedKey(alg=alg, pem=encoded, thumbprint=thumbprint(key))


def check_kid(kid: str | None, *, field: str) -> str | None:
    if kid is not None and not KID_PATTERN.match(kid):
        raise _invalid(field, "1-64 letters, digits, dots, hyphens or underscores")
    return kid


def load_verifying_key(pem: str) -> PublicKey:
    """A stored key, ready to verify (stored keys were checked when added)."""
    key = serialization.load_pem_public_key(pem.encode())
    assert isinstance(key, ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey)
    return key
