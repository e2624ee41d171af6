"""Credentials: a person (password, then a TOTP code) or a service account (a private key).

A client asks its credentials for a token before the first call, again shortly before the
token expires, and at once when the server answers 401 with it:

- `PersonCredentials`: `POST /auth/login` (email, password) -> a challenge, the TOTP code
  from your callback -> `POST /auth/mfa/verify` -> access and refresh tokens. Renewal
  spends the refresh token (`POST /auth/refresh`); if that is refused (the session ended),
  it signs in again from the start when it can (password and TOTP callback at hand).
- `ServiceAccountCredentials` (canet_client.service_account): OAuth 2.0 client credentials
  with a signed JWT assertion (`private_key_jwt`, RFC 7523) at `POST /oauth/token`.
- `StaticToken`: an access token obtained elsewhere; nothing to renew.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from canet_client._engine import Call, CannotRenew, Plan, Prompt, perform
from canet_client.errors import (
    BadRequest,
    ConfigurationError,
    Unauthorized,
    ValidationFailed,
)
from canet_client.models import (
    Challenge,
    LoginRequest,
    MfaVerifyRequest,
    RefreshRequest,
    Tokens,
)

if TYPE_CHECKING:
    from canet_client._engine import Session

TotpCallback = Callable[[], str | Awaitable[str]]


@dataclass
class TokenState:
    """An access token, when to renew it, and the refresh token if there is one."""

    access_token: str
    expires_at: float  # epoch seconds
    renew_at: float  # epoch seconds: renew from here on, before the server refuses it
    refresh_token: str | None = None
    scope: str | None = None

    @classmethod
    def issued(
        cls,
        access_token: str,
        expires_in: int,
        *,
        refresh_token: str | None = None,
        scope: str | None = None,
        now: float | None = None,
    ) -> TokenState:
        now = time.time() if now is None else now
        margin = min(60.0, expires_in * 0.2)
        return cls(
            access_token=access_token,
            expires_at=now + expires_in,
            renew_at=now + expires_in - margin,
            refresh_token=refresh_token,
            scope=scope,
        )

    def expiring(self, now: float) -> bool:
        return now >= self.renew_at


class TokenStore(ABC):
    """Where a person's tokens are kept between runs (the CLI's token cache)."""

    @abstractmethod
    def load(self) -> TokenState | None: ...

    @abstractmethod
    def save(self, tokens: TokenState) -> None: ...

    def lock(self) -> contextlib.AbstractContextManager[None]:
        """Held while a refresh token is spent, so two processes never spend the same one
        (the server would take the second use for a theft and end the session)."""
        return contextlib.nullcontext()


class FileTokenStore(TokenStore):
    """A JSON file readable by its owner only, replaced atomically."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).expanduser()

    def load(self) -> TokenState | None:
        try:
            data = json.loads(self.path.read_text())
            return TokenState(**data)
        except (OSError, ValueError, TypeError):
            return None

    def save(self, tokens: TokenState) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_private_atomically(self.path, json.dumps(asdict(tokens)).encode())

    def clear(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        try:
            import fcntl
        except ImportError:  # pragma: no cover -- not POSIX: no cross-process lock
            yield
            return
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with self.path.with_name(self.path.name + ".lock").open("a") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def write_private_atomically(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class Credentials(ABC):
    """How a client obtains and renews its access token (as plans, see _engine)."""

    @abstractmethod
    def sign_in(self, session: Session) -> Plan[TokenState]: ...

    def renew(self, session: Session, tokens: TokenState) -> Plan[TokenState]:
        return self.sign_in(session)

    def cached(self) -> TokenState | None:
        """Tokens kept from an earlier run, if any."""
        return None

    def store(self, tokens: TokenState) -> None:  # noqa: B027 -- optional hook
        """Keep new tokens (called after every sign-in and renewal)."""


class StaticToken(Credentials):
    """An access token obtained elsewhere; when the server refuses it, Unauthorized."""

    def __init__(self, access_token: str) -> None:
        self.access_token = access_token

    def cached(self) -> TokenState:
        return TokenState(self.access_token, expires_at=float("inf"), renew_at=float("inf"))

    def sign_in(self, session: Session) -> Plan[TokenState]:
        raise CannotRenew("The access token was refused and cannot be renewed.", status=401)
        yield  # pragma: no cover -- makes this a generator


def totp_from_secret(secret: str) -> Callable[[], str]:
    """A TOTP callback computing the current code from the base32 secret (needs pyotp)."""
    try:
        import pyotp
    except ImportError as exc:  # pragma: no cover -- pyotp is an optional dependency
        raise ConfigurationError(
            "computing TOTP codes needs pyotp: pip install 'canet-client[totp]'"
        ) from exc
    generator = pyotp.TOTP(secret)
    return lambda: str(generator.now())


class PersonCredentials(Credentials):
    """A member's email and password, and a callback that returns the current TOTP code.

    `password` may be a callable (asked only when a full sign-in is needed). `tokens` starts
    from tokens kept earlier (see `FileTokenStore`): the first call then needs no TOTP code.
    """

    def __init__(
        self,
        email: str,
        password: str | Callable[[], str] | None,
        totp: TotpCallback | None,
        *,
        token_store: TokenStore | None = None,
    ) -> None:
        self.email = email
        self._password = password
        self.totp = totp
        self.token_store = token_store

    def cached(self) -> TokenState | None:
        return self.token_store.load() if self.token_store else None

    def store(self, tokens: TokenState) -> None:
        if self.token_store is not None:
            self.token_store.save(tokens)

    def _password_now(self) -> str:
        if self._password is None:
            raise ConfigurationError("signing in needs the password")
        return self._password() if callable(self._password) else self._password

    def sign_in(self, session: Session) -> Plan[TokenState]:
        if self.totp is None:
            raise ConfigurationError("signing in needs a TOTP callback (totp=...)")
        body = LoginRequest(email=self.email, password=self._password_now()).to_dict()
        # A repeated login only opens another challenge: safe to re-send.
        response = yield from perform(
            Call("POST", "/auth/login", json=body, authenticated=False, replayable=True),
            session.policy,
        )
        challenge = Challenge.from_dict(response.json())
        if challenge.status != "mfa_required":
            raise ConfigurationError(
                "This member has not enrolled TOTP yet: sign in once in the web client first."
            )
        code = yield Prompt(self.totp)
        verify = MfaVerifyRequest(challenge_token=challenge.challenge_token, code=str(code).strip())
        # A TOTP code is single use: never re-sent once it may have reached the server.
        response = yield from perform(
            Call("POST", "/auth/mfa/verify", json=verify.to_dict(), authenticated=False),
            session.policy,
        )
        return _person_tokens(Tokens.from_dict(response.json()))

    def renew(self, session: Session, tokens: TokenState) -> Plan[TokenState]:
        if tokens.refresh_token:
            lock = self.token_store.lock() if self.token_store else contextlib.nullcontext()
            with lock:
                # Another process sharing the cache may have renewed meanwhile: take its pair.
                kept = self.cached()
                if kept is not None and kept.refresh_token != tokens.refresh_token:
                    if not kept.expiring(time.time()):
                        return kept
                    tokens = kept
                body = RefreshRequest(refresh_token=tokens.refresh_token or "").to_dict()
                try:
                    # Spent on arrival: re-sent only if the connection failed before sending.
                    response = yield from perform(
                        Call("POST", "/auth/refresh", json=body, authenticated=False),
                        session.policy,
                    )
                    renewed = _person_tokens(Tokens.from_dict(response.json()))
                    self.store(renewed)  # before the lock is let go
                    return renewed
                except (Unauthorized, BadRequest, ValidationFailed):
                    if self.totp is None or self._password is None:
                        raise
        return (yield from self.sign_in(session))


def _person_tokens(tokens: Tokens) -> TokenState:
    if not tokens.access_token:
        raise Unauthorized("The server issued no bearer token.", status=401)
    return TokenState.issued(
        tokens.access_token, tokens.expires_in, refresh_token=tokens.refresh_token
    )
