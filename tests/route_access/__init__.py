"""Route permission tables: each module defines ROUTES for its domain.

`ROUTES: dict[tuple[str, str], set[str]]` maps (METHOD, OpenAPI path template) to the roles
that pass the role-level check: role names, "anonymous" for public routes (everyone passes),
"any" for every signed-in member. tests/test_route_permissions.py checks every app route
against these tables and fails on a route without an entry.
"""
