"""Identity policy knobs (CANET_* environment variables), with safe defaults."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class IdentitySettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CANET_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    vetting_validity_days: int = 365
    # Reminder mails go out this many days before the vetting expires.
    vetting_reminder_days: int = 30
    email_token_hours: int = 48
    unverified_application_days: int = 30
    challenge_minutes: int = 5
    # Applications one client address may submit in quick succession. Past it each further
    # one waits a growing delay (1 s doubling to 60 s), at six times as many the address is
    # locked for 15 minutes, and the count starts over after 15 minutes without one. An
    # office whose staff apply from behind one address may need more.
    applications_per_address: int = Field(default=5, ge=1)
    access_token_minutes: int = 15
    # A service account's access token (POST /oauth/token); there is no refresh token: the
    # system signs a new assertion. docs/integration.md promises 600.
    service_token_seconds: int = Field(default=600, ge=60, le=3600)
    refresh_token_days: int = 14
    # A session (bearer or cookie) ends this long after sign-in, however active.
    session_absolute_days: int = 30
    # Browser (cookie) sessions have no refresh token: they simply end after this.
    cookie_session_hours: int = 12
    # Off only for local http:// development (browsers drop Secure cookies on plain http
    # except for localhost).
    cookie_secure: bool = True


@lru_cache(maxsize=1)
def identity_settings() -> IdentitySettings:
    return IdentitySettings()
