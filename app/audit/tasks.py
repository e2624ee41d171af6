"""The per-worker audit task: seal new entries moments after they commit, sign checkpoints.

Every worker runs one; the advisory lock in seal_pending lets only one of them seal at a
time, so the cluster has a single sealer without any election. Polling (not LISTEN/NOTIFY)
on purpose: a NOTIFY from every audited transaction would take PostgreSQL's global notify
lock at each commit and serialise exactly the writes this design keeps parallel.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI

from app.audit.checkpoints import maybe_checkpoint
from app.audit.sealing import oldest_unsealed, seal_pending
from app.audit.signing import load_signing_key, trusted_public_keys
from app.core import metrics
from app.db import Database

log = logging.getLogger(__name__)

SEAL_INTERVAL_S = 0.25
# Checkpoint and backlog checks are cheap but need not run four times a second.
CHECK_EVERY_S = 15.0
CHECKPOINT_EVERY = timedelta(minutes=10)
HELD_BACK_WARNING = timedelta(minutes=1)
ERROR_BACKOFF_S = 5.0

# The first entry after the chain head's (xact_id, id), as the sealer orders them (an empty
# chain starts before every entry); both lookups use an index.
metrics.database_gauge(
    "canet_audit_sealing_lag_seconds",
    "Age of the oldest committed audit entry not sealed into the chain yet (0: none).",
    """
    SELECT extract(epoch FROM now() - e.occurred_at) FROM audit_entries e
     WHERE (e.xact_id, e.id) > (
           SELECT xact_id, id FROM (
                  (SELECT h.xact_id, h.id, c.seq FROM audit_chain c
                     JOIN audit_entries h ON h.id = c.entry_id ORDER BY c.seq DESC LIMIT 1)
                  UNION ALL SELECT -1, -1, 0) head
            ORDER BY seq DESC LIMIT 1)
     ORDER BY e.xact_id, e.id LIMIT 1
    """,
)


class AuditSealer:
    def __init__(self, db: Database, key: Ed25519PrivateKey) -> None:
        self.db = db
        self.key = key
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="audit-sealer")

    async def _run(self) -> None:
        next_check = 0.0
        while True:
            try:
                await seal_pending(self.db, wait=False)
                if time.monotonic() >= next_check:
                    next_check = time.monotonic() + CHECK_EVERY_S
                    await self._checkpoint_if_due()
                    await self._warn_if_held_back()
                await asyncio.sleep(SEAL_INTERVAL_S)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("audit sealing failed; retrying")
                await asyncio.sleep(ERROR_BACKOFF_S)

    async def _checkpoint_if_due(self) -> None:
        signed = await maybe_checkpoint(self.db, self.key, every=CHECKPOINT_EVERY)
        if signed is not None:
            # One line in the logs too: a copy of the checkpoint outside the database.
            log.info("audit checkpoint: %s", signed.text().replace("\n", " | "))

    async def _warn_if_held_back(self) -> None:
        # A transaction left open anywhere in the cluster holds the sealing horizon back:
        # entries stay searchable but unsealed (seq null) until it ends. Say so, with its id.
        oldest = await oldest_unsealed(self.db)
        if oldest is not None and datetime.now(UTC) - oldest[0] > HELD_BACK_WARNING:
            log.warning(
                "audit entries since %s are not sealed yet: a transaction older than "
                "xid %s is still open (see pg_stat_activity.backend_xid)",
                oldest[0].isoformat(),
                oldest[1],
            )

    async def stop(self) -> None:
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


async def start_audit_sealer(app: FastAPI) -> AuditSealer:
    # Both keys settings are read here, at start-up: a malformed one stops the worker with
    # the setting's name instead of failing every verification later with a 500.
    trusted_public_keys(app.state.settings)
    sealer = AuditSealer(app.state.db, load_signing_key(app.state.settings))
    sealer.start()
    return sealer
