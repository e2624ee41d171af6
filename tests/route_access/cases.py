"""Who passes the role-level check of each case route.

Object-level access decides the rest: to anyone outside a case (admins, moderators and
auditors included, whatever their role) every /cases/{case_id} route answers 404.
"""

_CASE = {"officer", "liaison_magistrate"}

ROUTES: dict[tuple[str, str], set[str]] = {
    ("POST", "/api/v1/cases"): {"officer"},
    ("GET", "/api/v1/cases"): _CASE,
    ("GET", "/api/v1/cases/metrics"): {"officer", "admin"},
    ("GET", "/api/v1/cases/counts"): _CASE,
    ("GET", "/api/v1/cases/{case_id}"): _CASE,
    ("PATCH", "/api/v1/cases/{case_id}"): _CASE,
    ("GET", "/api/v1/cases/{case_id}/checks"): _CASE,
    ("POST", "/api/v1/cases/{case_id}/transitions"): _CASE,
    ("GET", "/api/v1/cases/{case_id}/messages"): _CASE,
    ("POST", "/api/v1/cases/{case_id}/messages"): _CASE,
    ("GET", "/api/v1/cases/{case_id}/attachments"): _CASE,
    ("POST", "/api/v1/cases/{case_id}/attachments"): _CASE,
    ("GET", "/api/v1/cases/{case_id}/attachments/{attachment_id}"): _CASE,
    ("DELETE", "/api/v1/cases/{case_id}/attachments/{attachment_id}"): _CASE,
    ("POST", "/api/v1/cases/{case_id}/legal-hold"): _CASE,
    ("DELETE", "/api/v1/cases/{case_id}/legal-hold"): _CASE,
    ("GET", "/api/v1/cases/{case_id}/timeline"): _CASE,
    ("GET", "/api/v1/cases/{case_id}/participants"): _CASE,
    ("POST", "/api/v1/cases/{case_id}/participants"): _CASE,
    ("DELETE", "/api/v1/cases/{case_id}/participants/{user_id}"): _CASE,
    ("GET", "/api/v1/cases/{case_id}/export"): _CASE,
}
