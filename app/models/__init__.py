"""Every table of the application; importing this package registers them all on `metadata`.

One module per domain. A domain adds its module here so Alembic and the tests see it.
"""

from app.models.audit import AuditEntry
from app.models.base import NAMING_CONVENTION, Timestamps, UUIDPrimaryKey, metadata, utcnow
from app.models.directory import Authority, State
from app.models.events import Event
from app.models.identity import User, UserSession

__all__ = [
    "NAMING_CONVENTION",
    "AuditEntry",
    "Authority",
    "Event",
    "State",
    "Timestamps",
    "UUIDPrimaryKey",
    "User",
    "UserSession",
    "metadata",
    "utcnow",
]
