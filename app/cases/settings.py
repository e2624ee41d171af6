"""Cases settings (CANET_CASES_* environment variables)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class CasesSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CANET_CASES_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    # Both sides hear once that a case's due date is this many days away or fewer.
    deadline_near_days: int = Field(default=3, ge=0)


@lru_cache(maxsize=1)
def get_cases_settings() -> CasesSettings:
    return CasesSettings()
