"""Directory settings (CANET_DIRECTORY_* environment variables)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class DirectorySettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CANET_DIRECTORY_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    # An entry not verified for this long is stale (the issue asks for 12 months by default).
    stale_after_days: int = 365
    # A focal point is reminded of a stale entry again after this many days at the earliest.
    remind_every_days: int = 30
    # How often each worker looks for stale entries (the work itself runs on one worker).
    reminder_interval_seconds: int = 3600

    def stale_before(self, now: datetime | None = None) -> datetime:
        """Entries last verified before this instant (or never) are stale."""
        return (now or datetime.now(UTC)) - timedelta(days=self.stale_after_days)


@lru_cache(maxsize=1)
def get_directory_settings() -> DirectorySettings:
    return DirectorySettings()


def is_stale(last_verified_at: datetime | None, stale_before: datetime) -> bool:
    return last_verified_at is None or last_verified_at < stale_before
