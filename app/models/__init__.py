"""Every table of the application; importing this package registers them all on `metadata`.

One module per domain. A domain adds its module here so Alembic and the tests see it.
"""

from app.models.audit import AuditChainLink, AuditCheckpoint, AuditEntry
from app.models.base import NAMING_CONVENTION, Timestamps, UUIDPrimaryKey, metadata, utcnow
from app.models.cases import (
    Case,
    CaseAttachment,
    CaseDataKey,
    CaseDeadlineNotice,
    CaseMessage,
    CaseParticipant,
    CaseReferenceCounter,
    CaseTimelineEntry,
)
from app.models.catalogue import CatalogueCaseLink, CatalogueDiscussion, CatalogueEntry
from app.models.directory import Authority, State
from app.models.events import Event, EventRetention
from app.models.forums import Forum, ForumGroup, Post, Thread
from app.models.idempotency import IdempotencyKey
from app.models.identity import (
    Application,
    LoginThrottle,
    OneTimeToken,
    RecoveryCode,
    RefreshToken,
    RoleChange,
    User,
    UserSession,
    VettingStep,
)
from app.models.library import (
    LibraryAuthorityLink,
    LibraryDocument,
    LibraryFile,
    LibraryRevision,
    LibrarySheetLink,
    LibraryTreatyLink,
)
from app.models.mail import OutgoingMail
from app.models.notifications import Notification, NotificationPreferences, NotificationProgress

__all__ = [
    "NAMING_CONVENTION",
    "Application",
    "AuditChainLink",
    "AuditCheckpoint",
    "AuditEntry",
    "Authority",
    "Case",
    "CaseAttachment",
    "CaseDataKey",
    "CaseDeadlineNotice",
    "CaseMessage",
    "CaseParticipant",
    "CaseReferenceCounter",
    "CaseTimelineEntry",
    "CatalogueCaseLink",
    "CatalogueDiscussion",
    "CatalogueEntry",
    "Event",
    "EventRetention",
    "Forum",
    "ForumGroup",
    "IdempotencyKey",
    "LibraryAuthorityLink",
    "LibraryDocument",
    "LibraryFile",
    "LibraryRevision",
    "LibrarySheetLink",
    "LibraryTreatyLink",
    "LoginThrottle",
    "Notification",
    "NotificationPreferences",
    "NotificationProgress",
    "OneTimeToken",
    "OutgoingMail",
    "Post",
    "RecoveryCode",
    "RefreshToken",
    "RoleChange",
    "State",
    "Thread",
    "Timestamps",
    "UUIDPrimaryKey",
    "User",
    "UserSession",
    "VettingStep",
    "metadata",
    "utcnow",
]
