"""Every table of the application; importing this package registers them all on `metadata`."""

from app.models.base import NAMING_CONVENTION, Timestamps, UUIDPrimaryKey, metadata, utcnow

__all__ = ["NAMING_CONVENTION", "Timestamps", "UUIDPrimaryKey", "metadata", "utcnow"]
