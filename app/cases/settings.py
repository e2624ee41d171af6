"""Cases settings (CANET_CASES_* environment variables)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.cases.constants import CASE_TYPES


class CasesSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CANET_CASES_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    # Both sides hear once that a case's due date is this many days away or fewer.
    deadline_near_days: int = Field(default=3, ge=0)

    # Retention (docs/retention.md): a case's files are purged this many years after the case
    # ended (closed, or executed / refused / withdrawn and never closed), unless it is under a
    # legal hold. CANET_CASES_RETENTION_YEARS is every type's default; 0 keeps them forever.
    retention_years: int = Field(default=10, ge=0, le=100)
    # Per case type, as JSON: CANET_CASES_RETENTION_YEARS_BY_TYPE='{"extradition": 30}'.
    retention_years_by_type: dict[str, int] = Field(default_factory=dict)
    # How often each worker tries a purge pass (one at a time across workers), in hours.
    purge_interval_hours: float = Field(default=6.0, gt=0)
    # Files tombstoned per transaction.
    purge_batch: int = Field(default=200, ge=1, le=10_000)
    # A stored blob with no attachment row, or an upload never finished, is removed once it is
    # this old (an upload in progress is never that old).
    orphan_grace_hours: float = Field(default=24.0, ge=1)

    @field_validator("retention_years_by_type")
    @classmethod
    def _known_types(cls, value: dict[str, int]) -> dict[str, int]:
        unknown = sorted(set(value) - set(CASE_TYPES))
        if unknown:
            raise ValueError(f"unknown case types {unknown}; known: {', '.join(CASE_TYPES)}")
        bad = sorted(k for k, years in value.items() if not 0 <= years <= 100)
        if bad:
            raise ValueError(f"years must be 0 (keep forever) to 100: {bad}")
        return value

    def retention_for(self, case_type: str) -> int:
        """Years after a case ended that its files are kept (0: kept forever)."""
        return self.retention_years_by_type.get(case_type, self.retention_years)


@lru_cache(maxsize=1)
def get_cases_settings() -> CasesSettings:
    return CasesSettings()
