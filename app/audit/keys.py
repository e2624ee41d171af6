"""The checkpoint keys and what each signed: which keys verification trusts (configuration
only) and, from the checkpoints table, the first and last checkpoint of each key id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from app.audit import repository
from app.audit.chain import format_time
from app.audit.signing import public_key_pem, trusted_public_keys
from app.config import Settings


@dataclass(frozen=True, slots=True)
class KeyValidity:
    key_id: str
    # "current" (the signing key), "previous" (CANET_AUDIT_PREVIOUS_PUBLIC_KEYS), or
    # "untrusted" (named by checkpoints, configured nowhere: they verify nothing).
    status: str
    public_key_pem: str | None
    checkpoints: int = 0
    first_seq: int | None = None
    last_seq: int | None = None
    first_signed_at: datetime | None = None
    last_signed_at: datetime | None = None

    def describe(self) -> str:
        """One line: the key id, its status and the checkpoints it signed."""
        if not self.checkpoints:
            signed = "no checkpoint signed yet"
        else:
            assert self.first_signed_at is not None and self.last_signed_at is not None
            signed = (
                f"{self.checkpoints} checkpoint(s), seq {self.first_seq} to {self.last_seq}, "
                f"signed {format_time(self.first_signed_at)} to "
                f"{format_time(self.last_signed_at)}"
            )
        text = f"key {self.key_id} ({self.status}): {signed}"
        if self.status == "untrusted":
            text += "; no public key configured for it, so these checkpoints verify nothing"
        return text


def configured_keys(settings: Settings) -> list[KeyValidity]:
    """The trusted keys, current first, without the database."""
    return [
        KeyValidity(
            key_id=kid,
            status="current" if index == 0 else "previous",
            public_key_pem=public_key_pem(key),
        )
        for index, (kid, key) in enumerate(trusted_public_keys(settings).items())
    ]


async def key_validity(
    conn: AsyncConnection | AsyncSession, settings: Settings
) -> list[KeyValidity]:
    """Every trusted key with what it signed, then any key id the checkpoints name that no
    configuration trusts."""
    signed: dict[str, Any] = {row.key_id: row for row in await repository.checkpoints_by_key(conn)}
    keys = []
    for key in [*configured_keys(settings), *_untrusted(signed, settings)]:
        row = signed.get(key.key_id)
        if row is None:
            keys.append(key)
            continue
        keys.append(
            KeyValidity(
                key_id=key.key_id,
                status=key.status,
                public_key_pem=key.public_key_pem,
                checkpoints=int(row.checkpoints),
                first_seq=int(row.first_seq),
                last_seq=int(row.last_seq),
                first_signed_at=row.first_signed_at,
                last_signed_at=row.last_signed_at,
            )
        )
    return keys


def _untrusted(signed: dict[str, Any], settings: Settings) -> list[KeyValidity]:
    trusted = trusted_public_keys(settings)
    return [
        KeyValidity(key_id=kid, status="untrusted", public_key_pem=None)
        for kid in signed
        if kid not in trusted
    ]
