"""Access tokens: short-lived JWTs signed with a key derived from the secret key.

The algorithm is pinned on both sides (HS256): a token naming any other algorithm, `none`
included, is refused before its signature is even considered. A service account's token also
carries its scopes (`scope`, space-separated, as in RFC 8693): a member's never does.

Tokens are issued under the current secret key only. During a rotation of CANET_SECRET_KEY
the previous keys (CANET_SECRET_KEY_PREVIOUS) still verify what they signed, each token until
its own expiry, no longer (docs/keys.md).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

ALGORITHM = "HS256"
ISSUER = "canet"
AUDIENCE = "canet-api"
REQUIRED_CLAIMS = ["sub", "sid", "exp", "iat", "iss", "aud"]
_LEEWAY_S = 5


class InvalidToken(Exception):
    pass


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: uuid.UUID
    session_id: uuid.UUID
    expires_at: datetime
    # A service account's scopes; None for a member's token.
    scopes: frozenset[str] | None = None


def signing_key(secret_key: str) -> bytes:
    # A dedicated key per purpose: the secret key itself is never used to sign directly.
    return hmac.new(secret_key.encode(), b"canet/access-token/v1", hashlib.sha256).digest()


def issue_access_token(
    secret_key: str,
    *,
    user_id: uuid.UUID,
    session_id: uuid.UUID,
    ttl: timedelta,
    scopes: frozenset[str] | None = None,
) -> tuple[str, datetime]:
    now = datetime.now(UTC)
    expires = now + ttl
    claims: dict[str, object] = {
        "sub": str(user_id),
        "sid": str(session_id),
        "iat": int(now.timestamp()),
        "exp": int(expires.timestamp()),
        "iss": ISSUER,
        "aud": AUDIENCE,
        "jti": uuid.uuid4().hex,
    }
    if scopes is not None:
        claims["scope"] = " ".join(sorted(scopes))
    return jwt.encode(claims, signing_key(secret_key), algorithm=ALGORITHM), expires


def decode_access_token(
    secret_key: str, token: str, *, previous: Sequence[str] = ()
) -> AccessClaims:
    claims = _verified_claims((secret_key, *previous), token)
    if claims.expires_at <= datetime.now(UTC) - timedelta(seconds=_LEEWAY_S):
        raise InvalidToken("Signature has expired")
    return claims


# Checking a token's signature and claims costs about 0.4 ms of CPU, and the same token comes
# back on every request of its session: remember the tokens that passed (never the ones that
# failed: exceptions are not cached), and re-check only the expiry above. The session itself
# is still looked up in the database on every request (app/auth/dependencies.py).
@functools.lru_cache(maxsize=8192)
def _verified_claims(secret_keys: tuple[str, ...], token: str) -> AccessClaims:
    try:
        header = jwt.get_unverified_header(token)
        if header.get("alg") != ALGORITHM:
            raise InvalidToken("unexpected algorithm")
        claims = _decode_with_any(secret_keys, token)
        scope = claims.get("scope")
        if scope is not None and not isinstance(scope, str):
            raise InvalidToken("scope is not a string")
        return AccessClaims(
            user_id=uuid.UUID(claims["sub"]),
            session_id=uuid.UUID(claims["sid"]),
            expires_at=datetime.fromtimestamp(claims["exp"], UTC),
            scopes=frozenset(scope.split()) if scope is not None else None,
        )
    except (jwt.PyJWTError, ValueError, KeyError, TypeError) as exc:
        raise InvalidToken(str(exc)) from exc


def _decode_with_any(secret_keys: tuple[str, ...], token: str) -> dict[str, Any]:
    """The claims under the first key whose signature matches (the current key comes first)."""
    for index, secret_key in enumerate(secret_keys):
        try:
            return jwt.decode(
                token,
                signing_key(secret_key),
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=ISSUER,
                options={"require": REQUIRED_CLAIMS},
                leeway=_LEEWAY_S,
            )
        except jwt.InvalidSignatureError:
            # PyJWT checks the signature before the claims: only this error means "another
            # key"; an expired or malformed token is refused whichever key signed it.
            if index == len(secret_keys) - 1:
                raise
    raise InvalidToken("no secret key")
