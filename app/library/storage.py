"""Where library files live: the same storage backends as case attachments (a directory or
an S3-compatible bucket), in a place of their own, and not encrypted.

Library documents are public legal texts within the network, so they are stored as uploaded:
no per-case key to hold or lose. They sit apart from case attachments all the same
(`<data_dir>/library`, or the `library/` prefix beside the attachments' one), so that
retention or backup rules for case material never have to reason about them.
"""

from __future__ import annotations

from app.cases.storage import BlobStorage, LocalDirectoryStorage
from app.config import Settings


def library_prefix(attachments_prefix: str) -> str:
    """`attachments/` -> `library/`, `canet/attachments/` -> `canet/library/`."""
    parent = attachments_prefix.rstrip("/").rpartition("/")[0]
    return f"{parent}/library/" if parent else "library/"


def library_storage(settings: Settings) -> BlobStorage:
    """The configured backend, rooted at the library's own place."""
    if settings.storage_backend == "s3":
        # Imported here: aiobotocore is an optional extra, needed only for this backend.
        from app.cases.storage_s3 import S3Storage

        storage = S3Storage.from_settings(settings)
        storage.prefix = library_prefix(settings.s3_prefix)
        return storage
    return LocalDirectoryStorage(settings.ensure_data_dir() / "library")
