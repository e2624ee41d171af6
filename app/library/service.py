"""The library's verbs: what its router calls (no other domain imports the library).

The directory links to the library by paths it builds itself (`app/directory/library_links`);
the library reads the directory through the directory's service only. The verbs live in
`documents` (create, edit, read one), `files` (streamed upload, download) and `reading`
(browse and search, revisions, the documents that apply).
"""

from __future__ import annotations

from app.library.documents import create_document, get_document, update_document
from app.library.files import Download, download_file, upload_file
from app.library.reading import applicable, list_documents, list_revisions

__all__ = [
    "Download",
    "applicable",
    "create_document",
    "download_file",
    "get_document",
    "list_documents",
    "list_revisions",
    "update_document",
    "upload_file",
]
