"""Who passes the role-level check of each directory route.

Every vetted member reads (Permission.DIRECTORY_READ: admin, moderator, officer,
liaison_magistrate; auditors do not). Creating authorities and treaties and importing are for
admins at the role level. Editing an existing entry, writing sheets and handling failure
reports pass the role check for every reader and are decided per object: an admin, or the
focal point of that authority (of that state, for sheets); moderators also handle failure
reports. Everyone else gets 403 there.
"""

_READERS = {"admin", "moderator", "officer", "liaison_magistrate"}
_ADMIN = {"admin"}

ROUTES: dict[tuple[str, str], set[str]] = {
    ("GET", "/api/v1/states"): _READERS,
    ("GET", "/api/v1/directory/authority-names"): {"anonymous"},
    ("GET", "/api/v1/authorities"): _READERS,
    ("POST", "/api/v1/authorities"): _ADMIN,
    ("GET", "/api/v1/authorities/{authority_id}"): _READERS,
    ("PATCH", "/api/v1/authorities/{authority_id}"): _READERS,
    ("POST", "/api/v1/authorities/{authority_id}/verify"): _READERS,
    ("GET", "/api/v1/authorities/{authority_id}/revisions"): _READERS,
    ("POST", "/api/v1/authorities/{authority_id}/contact-failures"): _READERS,
    ("GET", "/api/v1/authorities/{authority_id}/contact-failures"): _READERS,
    ("GET", "/api/v1/directory/contact-failures"): _READERS,
    ("POST", "/api/v1/directory/contact-failures/{report_id}/resolve"): _READERS,
    ("GET", "/api/v1/states/{code}/requirements"): _READERS,
    ("GET", "/api/v1/states/{code}/requirements/{request_type}"): _READERS,
    ("PUT", "/api/v1/states/{code}/requirements/{request_type}"): _READERS,
    ("POST", "/api/v1/states/{code}/requirements/{request_type}/verify"): _READERS,
    ("GET", "/api/v1/requirement-sheets/{sheet_id}/revisions"): _READERS,
    ("GET", "/api/v1/requirements/compare"): _READERS,
    ("GET", "/api/v1/treaties"): _READERS,
    ("POST", "/api/v1/treaties"): _ADMIN,
    ("GET", "/api/v1/treaties/{treaty_id}"): _READERS,
    ("PATCH", "/api/v1/treaties/{treaty_id}"): _READERS,
    ("GET", "/api/v1/treaties/{treaty_id}/revisions"): _READERS,
    ("GET", "/api/v1/finder"): _READERS,
    ("GET", "/api/v1/directory/export"): _READERS,
    ("POST", "/api/v1/directory/import"): _ADMIN,
}
