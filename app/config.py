"""Settings from CANET_* environment variables and an optional .env file."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import Field, PrivateAttr, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class CommandError(Exception):
    """A `canet` command cannot run as asked; its message is one line that says what to do.

    Defined here rather than in app.cli so that `python -m app.cli` (a second copy of that
    module) and the domains' commands raise and catch the same class.
    """


class ConfigurationError(RuntimeError):
    """The configuration cannot run safely (raised at start-up, never at request time)."""


def default_data_dir() -> Path:
    # Per-user data directory: ~/.local/share/canet on Linux,
    # ~/Library/Application Support/canet on macOS.
    return platformdirs.user_data_path("canet", appauthor=False)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CANET_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    env: Literal["development", "production", "test"] = "development"
    database_url: str | None = None
    data_dir: Path = Field(default_factory=default_data_dir)
    secret_key: SecretStr | None = None
    base_url: str = "http://127.0.0.1:8000"
    # Production refuses the embedded server unless this says otherwise.
    allow_embedded_database: bool = False

    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_tls: Literal["none", "starttls", "tls"] = "none"
    mail_from: str = "canet <no-reply@canet.invalid>"

    log_format: Literal["text", "json"] = "text"
    log_level: str = "INFO"

    audit_signing_key: SecretStr | None = None
    storage_master_key: SecretStr | None = None
    # Key rotation (docs/keys.md). The keys being retired, still accepted for what they made
    # before the rotation, never used to make anything new; several are comma-separated.
    secret_key_previous: SecretStr | None = None
    storage_master_key_previous: SecretStr | None = None
    # Public keys of earlier checkpoint signing keys that verification still trusts (PEM
    # blocks or base64 of the raw 32 bytes). Trust comes from here, never from the database.
    audit_previous_public_keys: str | None = None
    # Where encrypted attachments live: `<data_dir>/attachments` or an S3-compatible bucket
    # (needs the `s3` extra). Without explicit S3 keys, botocore's default chain applies.
    storage_backend: Literal["local", "s3"] = "local"
    s3_endpoint_url: str | None = None
    s3_bucket: str | None = None
    s3_region: str = "us-east-1"
    s3_access_key_id: str | None = None
    s3_secret_access_key: SecretStr | None = None
    s3_prefix: str = "attachments/"

    # Request bodies larger than this are refused with 413 before they are read whole;
    # attachment uploads have their own, larger limit.
    max_request_bytes: int = 1_048_576
    max_attachment_bytes: int = 100 * 1_048_576
    cors_origins: list[str] = []
    # Sealing, mail sending, event listening; tests switch them off where they drive them.
    run_background_tasks: bool = True
    # Keep the rows of authenticated sessions in each worker, forgotten when PostgreSQL says
    # they changed (app/auth/actor_cache.py). Off, every request reads them.
    actor_cache: bool = True
    # Connections each worker keeps open. Size it for the requests a worker has in flight:
    # connections beyond it (the overflow) are opened on demand and closed again when
    # returned, and each new one pays a connect, type introspection and re-preparing every
    # statement; under sustained load that churn cost more than the queries (bench/).
    db_pool_size: int = 20
    db_max_overflow: int = 10
    # Where `canet serve` answers Prometheus scrapes (host:port), apart from the public port:
    # the metrics are for operators only. An empty value serves none (docs/observability.md).
    metrics_listen: str = "127.0.0.1:9464"
    _generated: dict[str, str] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _production_needs_explicit_secrets(self) -> Settings:
        if self.env != "production":
            return self
        missing = [
            name
            for name, value in (
                ("CANET_SECRET_KEY", self.secret_key),
                ("CANET_AUDIT_SIGNING_KEY", self.audit_signing_key),
                ("CANET_STORAGE_MASTER_KEY", self.storage_master_key),
            )
            if value is None or not value.get_secret_value()
        ]
        if missing:
            raise ConfigurationError(
                "production mode refuses to start without " + ", ".join(missing)
            )
        if self.database_url is None and not self.allow_embedded_database:
            raise ConfigurationError(
                "production mode needs CANET_DATABASE_URL (or "
                "CANET_ALLOW_EMBEDDED_DATABASE=true to accept the embedded server)"
            )
        return self

    @model_validator(mode="after")
    def _s3_storage_needs_a_bucket(self) -> Settings:
        if self.storage_backend == "s3" and not self.s3_bucket:
            raise ConfigurationError("CANET_STORAGE_BACKEND=s3 needs CANET_S3_BUCKET")
        return self

    @model_validator(mode="after")
    def _metrics_listen_is_host_and_port(self) -> Settings:
        if self.metrics_listen:
            metrics_address(self.metrics_listen)
        return self

    @property
    def uses_embedded_database(self) -> bool:
        return self.database_url is None

    def ensure_data_dir(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        return self.data_dir

    def resolved_secret_key(self) -> str:
        """The explicit secret key, else one generated once and kept in the data directory."""
        if self.secret_key is not None and self.secret_key.get_secret_value():
            return self.secret_key.get_secret_value()
        return self.generated_secret("secret_key")

    def previous_secret_keys(self) -> tuple[str, ...]:
        """CANET_SECRET_KEY_PREVIOUS: keys whose tokens and sealed secrets are still accepted."""
        return split_keys(self.secret_key_previous)

    def generated_secret(
        self, filename: str, generate: Callable[[], str] = lambda: secrets.token_urlsafe(48)
    ) -> str:
        """A development key made once into `<data_dir>/<filename>` (mode 0600), then cached.

        Production configures every key explicitly; this keeps `make run` free of setup.
        Read once per process: these are consulted on hot paths (every request's token).
        """
        cached = self._generated.get(filename)
        if cached is None:
            cached = _read_or_create_secret(self.ensure_data_dir() / filename, generate)
            self._generated[filename] = cached
        return cached


def metrics_address(value: str) -> tuple[str, int]:
    """(host, port) of CANET_METRICS_LISTEN: `127.0.0.1:9464`, `0.0.0.0:9464`, `[::]:9464`."""
    host, sep, port = value.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigurationError(
            f"CANET_METRICS_LISTEN must be host:port (or empty to serve no metrics), not {value!r}"
        )
    return host, int(port)


def split_keys(value: SecretStr | str | None) -> tuple[str, ...]:
    """The keys of a `*_PREVIOUS` setting: comma- or newline-separated, blanks dropped."""
    if value is None:
        return ()
    text = value.get_secret_value() if isinstance(value, SecretStr) else value
    return tuple(key.strip() for key in text.replace("\n", ",").split(",") if key.strip())


def _read_or_create_secret(path: Path, generate: Callable[[], str]) -> str:
    if path.exists():
        return path.read_text().strip()
    value = generate()
    # O_EXCL: two workers starting together must agree on one key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
