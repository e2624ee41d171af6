"""Who passes the role-level check of each library route.

Every member but auditors reads the library and may ask to write; the document decides the
rest (admins edit any, a focal point their State's laws and bilateral treaties: 403
otherwise; a missing document answers 404).
"""

_MEMBERS = {"admin", "moderator", "officer", "liaison_magistrate"}

ROUTES: dict[tuple[str, str], set[str]] = {
    ("POST", "/api/v1/library/documents"): _MEMBERS,
    ("GET", "/api/v1/library/documents"): _MEMBERS,
    ("GET", "/api/v1/library/applicable"): _MEMBERS,
    ("GET", "/api/v1/library/documents/{document_id}"): _MEMBERS,
    ("PATCH", "/api/v1/library/documents/{document_id}"): _MEMBERS,
    ("POST", "/api/v1/library/documents/{document_id}/file"): _MEMBERS,
    ("GET", "/api/v1/library/documents/{document_id}/file"): _MEMBERS,
    ("GET", "/api/v1/library/documents/{document_id}/files/{file_id}"): _MEMBERS,
    ("GET", "/api/v1/library/documents/{document_id}/revisions"): _MEMBERS,
}
