"""Service accounts: OAuth 2.0 client credentials with a signed JWT (`private_key_jwt`).

No shared secret: the private key (Ed25519 or P-256) never leaves the machine, canet keeps
only the public key. Each token request carries a fresh assertion (iss = sub = the account's
id, aud = the token URL, a new single-use `jti`, one minute), so a retried token request is
never a replay. The access token lasts minutes and comes without a refresh token: the client
signs a new assertion shortly before it expires, or at once on a 401 (docs/integration.md).
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from canet_client._engine import Call, Plan, perform
from canet_client.auth import Credentials, TokenState, write_private_atomically
from canet_client.errors import ConfigurationError
from canet_client.models import ServiceToken

if TYPE_CHECKING:
    from canet_client._engine import Session

TOKEN_PATH = "/oauth/token"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_SECONDS = 60


def load_private_key(pem: str | bytes) -> Any:
    data = pem.encode() if isinstance(pem, str) else pem
    key = serialization.load_pem_private_key(data, password=None)
    if not isinstance(key, ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey):
        raise ConfigurationError("a service account key must be Ed25519 or EC P-256")
    if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name != "secp256r1":
        raise ConfigurationError("an EC service account key must be on P-256 (ES256)")
    return key


def algorithm_for(key: Any) -> str:
    return "EdDSA" if isinstance(key, ed25519.Ed25519PrivateKey) else "ES256"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwk_thumbprint(private_key: Any) -> str:
    """The RFC 7638 thumbprint of the key's public half: the kid canet gives a key
    registered without one."""
    public = private_key.public_key()
    if isinstance(public, ed25519.Ed25519PublicKey):
        raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        members = {"crv": "Ed25519", "kty": "OKP", "x": _b64url(raw)}
    else:
        numbers = public.public_numbers()
        members = {
            "crv": "P-256",
            "kty": "EC",
            "x": _b64url(numbers.x.to_bytes(32, "big")),
            "y": _b64url(numbers.y.to_bytes(32, "big")),
        }
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True)
    return _b64url(hashlib.sha256(canonical.encode()).digest())


@dataclass
class KeyFile:
    """What a service account's key file holds (JSON, owner-only).

    `account_id` is known once the focal point has proposed the account with the public key
    (ServiceAccountRead.id); until then it may be empty and be given by the profile.
    """

    account_id: str | None
    kid: str
    private_key: str  # PEM (PKCS#8), Ed25519 or EC P-256
    audience: str | None = None  # the token URL as the server knows it; default from base URL
    scope: str | None = None  # space-separated scopes to ask for; default: all granted

    @classmethod
    def read(cls, path: str | Path) -> KeyFile:
        try:
            data = json.loads(Path(path).expanduser().read_text())
        except (OSError, ValueError) as exc:
            raise ConfigurationError(f"cannot read the key file {path}: {exc}") from exc
        try:
            return cls(
                account_id=data.get("account_id") or None,
                kid=str(data["kid"]),
                private_key=str(data["private_key"]),
                audience=data.get("audience"),
                scope=data.get("scope"),
            )
        except KeyError as exc:
            raise ConfigurationError(f"the key file {path} lacks {exc.args[0]!r}") from exc

    def write(self, path: str | Path) -> None:
        target = Path(path).expanduser()
        target.parent.mkdir(parents=True, exist_ok=True)
        data = {k: v for k, v in asdict(self).items() if v is not None}
        write_private_atomically(target, (json.dumps(data, indent=2) + "\n").encode())


def generate_key(algorithm: str = "EdDSA") -> tuple[str, str]:
    """A new private key and its public key, both PEM: keep the first, register the second.

    The key's kid, when registered without one, is `jwk_thumbprint(load_private_key(...))`.
    """
    key: Any = (
        ed25519.Ed25519PrivateKey.generate()
        if algorithm == "EdDSA"
        else ec.generate_private_key(ec.SECP256R1())
    )
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


class ServiceAccountCredentials(Credentials):
    """A service account: its id, the id (`kid`) of its registered key, and the private key."""

    def __init__(
        self,
        account_id: str,
        kid: str,
        private_key: str | bytes | Any,
        *,
        audience: str | None = None,
        scope: str | list[str] | None = None,
    ) -> None:
        self.account_id = account_id
        self.kid = kid
        self.key = (
            load_private_key(private_key) if isinstance(private_key, str | bytes) else private_key
        )
        self.algorithm = algorithm_for(self.key)
        self.audience = audience
        self.scope = " ".join(scope) if isinstance(scope, list) else scope

    @classmethod
    def from_key_file(cls, path: str | Path, **overrides: Any) -> ServiceAccountCredentials:
        """From a key file (see KeyFile); `account_id`, `audience`, `scope` may override it."""
        key = KeyFile.read(path)
        account_id = overrides.get("account_id") or key.account_id
        if not account_id:
            raise ConfigurationError(f"the key file {path} names no account_id: give one")
        return cls(
            account_id,
            key.kid,
            key.private_key,
            audience=overrides.get("audience", key.audience),
            scope=overrides.get("scope", key.scope),
        )

    def token_url(self, session: Session) -> str:
        return self.audience or session.url(TOKEN_PATH)

    def assertion(self, audience: str, *, now: float | None = None) -> str:
        """A fresh signed assertion: iss = sub = the account, single-use jti, one minute."""
        issued = int(time.time() if now is None else now)
        claims = {
            "iss": self.account_id,
            "sub": self.account_id,
            "aud": audience,
            "iat": issued,
            "nbf": issued,
            "exp": issued + ASSERTION_SECONDS,
            "jti": str(uuid.uuid4()),
        }
        return jwt.encode(claims, self.key, algorithm=self.algorithm, headers={"kid": self.kid})

    def sign_in(self, session: Session) -> Plan[TokenState]:
        audience = self.token_url(session)

        def form() -> dict[str, str]:
            body = {
                "grant_type": "client_credentials",
                "client_assertion_type": ASSERTION_TYPE,
                "client_assertion": self.assertion(audience),
            }
            if self.scope:
                body["scope"] = self.scope
            return body

        # Each attempt signs a new assertion (a jti is single use), so a retry is never a
        # replay; the endpoint is retried like a read.
        response = yield from perform(
            Call("POST", TOKEN_PATH, form=form, authenticated=False, replayable=True),
            session.policy,
        )
        token = ServiceToken.from_dict(response.json())
        return TokenState.issued(token.access_token, token.expires_in, scope=token.scope)
