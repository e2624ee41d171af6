"""Operator knobs of real-time delivery (CANET_REALTIME_* environment variables)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class RealtimeSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CANET_REALTIME_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    # Events a connection may have waiting before it counts as a slow consumer and is cut off.
    queue_size: int = 1000
    # Server ping on idle sockets (clients learn the head position from it too).
    heartbeat_seconds: float = 25.0
    # The listening connection proves it is alive this often, and catches up from the table.
    listener_heartbeat_seconds: float = 5.0
    # Sessions of connected clients are re-read this often (suspension, role changes).
    recheck_seconds: float = 1.0
    auth_timeout_seconds: float = 10.0
    # How long after `auth` a `resume` is still honoured before live events start flowing.
    resume_grace_seconds: float = 0.25
    # Events committed by processes without a sequencer (CLI) are numbered within this.
    sweep_seconds: float = 1.0
    retention_days: int = 14
    prune_every_seconds: float = 3600.0
    # Recent events kept in memory for resumes and long-polls without a database query.
    ring_size: int = 10_000
