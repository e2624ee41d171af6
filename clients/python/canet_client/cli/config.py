"""Profiles: which server, and how to sign in, read from a TOML file.

    # ~/.config/canet-client/config.toml  (or --config PATH, or CANET_CLIENT_CONFIG)
    default_profile = "ministry"

    [profiles.ministry]                  # a person
    base_url = "https://canet.example.org"
    email = "ana.pereira@justice.example"
    password_env = "CANET_PASSWORD"      # else asked at the terminal
    totp_secret_env = "CANET_TOTP_SECRET"  # else the code is asked at the terminal

    [profiles.case-system]               # a service account, with a key file
    base_url = "https://canet.example.org"
    key_file = "~/.config/canet-client/case-system.json"  # from `canet-client keygen`

    [profiles.other-system]              # a service account, with a PEM key (openssl)
    base_url = "https://canet.example.org"
    private_key_file = "/etc/case-system/canet-key.pem"
    account_id = "0b6b7c1e-..."          # ServiceAccountRead.id
    kid = "..."                          # ServiceAccountKeyRead.kid

A person's tokens are kept between runs in the token cache (owner-only file, by default
~/.cache/canet-client/<profile>.json), so the TOTP code is asked only when the session ends.
"""

from __future__ import annotations

import getpass
import os
import sys
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from canet_client.auth import (
    Credentials,
    FileTokenStore,
    PersonCredentials,
    StaticToken,
    totp_from_secret,
)
from canet_client.errors import ConfigurationError

KNOWN_KEYS = {
    "base_url",
    "email",
    "password_env",
    "totp_secret_env",
    "key_file",
    "private_key_file",
    "account_id",
    "kid",
    "token_env",
    "token_cache",
    "scope",
    "audience",
    "verify",
    "timeout",
}


def _xdg(variable: str, fallback: str) -> Path:
    value = os.environ.get(variable)
    return Path(value) if value else Path.home() / fallback


def default_config_path() -> Path:
    override = os.environ.get("CANET_CLIENT_CONFIG")
    if override:
        return Path(override)
    return _xdg("XDG_CONFIG_HOME", ".config") / "canet-client" / "config.toml"


def default_cache_dir() -> Path:
    return _xdg("XDG_CACHE_HOME", ".cache") / "canet-client"


@dataclass
class Profile:
    name: str
    base_url: str
    settings: dict[str, Any]

    @property
    def timeout(self) -> float:
        return float(self.settings.get("timeout", 30.0))

    @property
    def verify(self) -> bool | str:
        value = self.settings.get("verify", True)
        return value if isinstance(value, bool | str) else True

    @property
    def token_cache(self) -> Path:
        path = self.settings.get("token_cache")
        return Path(path).expanduser() if path else default_cache_dir() / f"{self.name}.json"

    @property
    def is_person(self) -> bool:
        return "email" in self.settings

    def credentials(self, *, interactive: bool = True) -> Credentials:
        s = self.settings
        options = {k: s[k] for k in ("scope", "audience") if k in s}
        if s.get("key_file") or s.get("private_key_file"):
            from canet_client.service_account import ServiceAccountCredentials
        if s.get("key_file"):
            return ServiceAccountCredentials.from_key_file(
                s["key_file"], account_id=s.get("account_id"), **options
            )
        if s.get("private_key_file"):
            missing = [k for k in ("account_id", "kid") if not s.get(k)]
            if missing:
                raise ConfigurationError(
                    f"profile {self.name!r}: a private_key_file needs {' and '.join(missing)}"
                )
            try:
                pem = Path(s["private_key_file"]).expanduser().read_bytes()
            except OSError as exc:
                raise ConfigurationError(f"cannot read {s['private_key_file']}: {exc}") from exc
            return ServiceAccountCredentials(s["account_id"], s["kid"], pem, **options)
        if s.get("token_env"):
            token = os.environ.get(s["token_env"])
            if not token:
                raise ConfigurationError(f"${s['token_env']} is not set")
            return StaticToken(token)
        if s.get("email"):
            return PersonCredentials(
                s["email"],
                self._password(interactive),
                self._totp(interactive),
                token_store=FileTokenStore(self.token_cache),
            )
        raise ConfigurationError(
            f"profile {self.name!r} says not how to sign in: set email, key_file,"
            " private_key_file or token_env"
        )

    def _password(self, interactive: bool) -> Callable[[], str]:
        env = self.settings.get("password_env", "CANET_PASSWORD")

        def ask() -> str:
            value = os.environ.get(env)
            if value:
                return value
            if not interactive or not sys.stdin.isatty():
                raise ConfigurationError(f"signing in needs a password: set ${env}")
            return getpass.getpass(f"Password for {self.settings['email']}: ")

        return ask

    def _totp(self, interactive: bool) -> Callable[[], str]:
        env = self.settings.get("totp_secret_env", "CANET_TOTP_SECRET")

        def ask() -> str:
            secret = os.environ.get(env)
            if secret:
                return totp_from_secret(secret)()
            if not interactive or not sys.stdin.isatty():
                raise ConfigurationError(f"signing in needs a TOTP code: set ${env} or run it")
            return input("TOTP code (or recovery code): ").strip()

        return ask


def load_profile(
    config_path: Path | None, name: str | None, *, base_url: str | None = None
) -> Profile:
    path = config_path or default_config_path()
    data: dict[str, Any] = {}
    if path.exists():
        try:
            data = tomllib.loads(path.read_text())
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigurationError(f"cannot read {path}: {exc}") from exc
    elif config_path is not None:
        raise ConfigurationError(f"no configuration file at {path}")
    profiles = data.get("profiles", {})
    chosen = name or os.environ.get("CANET_PROFILE") or data.get("default_profile") or "default"
    settings = dict(profiles.get(chosen, {}))
    if not settings and name is not None:
        raise ConfigurationError(f"no profile {chosen!r} in {path}")
    unknown = set(settings) - KNOWN_KEYS
    if unknown:
        raise ConfigurationError(
            f"profile {chosen!r} in {path}: unknown keys {', '.join(sorted(unknown))}"
        )
    url = base_url or os.environ.get("CANET_URL") or settings.get("base_url")
    if not url:
        raise ConfigurationError(
            f"no server: set base_url in profile {chosen!r} of {path}, CANET_URL or --url"
        )
    return Profile(name=chosen, base_url=str(url), settings=settings)
