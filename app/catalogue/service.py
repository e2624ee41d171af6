"""The catalogue's verbs: what its router calls, and its contract for other domains.

No other domain imports the catalogue (the finder links to the obstacles view by its path).
The verbs live in `entries` (nominate, write, edit: the personal-data check), `workflow`
(submit, consent, review, withdraw), `reading` (browse, facets, export, figures, obstacles)
and `discussion` (the forum thread of a published entry).
"""

from __future__ import annotations

from app.catalogue.entries import (
    create_entry,
    get_entry,
    my_queue,
    nomination_check,
    update_entry,
)
from app.catalogue.reading import export_catalogue, facets, figures, list_entries, obstacles
from app.catalogue.workflow import transition_entry

__all__ = [
    "create_entry",
    "export_catalogue",
    "facets",
    "figures",
    "get_entry",
    "list_entries",
    "my_queue",
    "nomination_check",
    "obstacles",
    "transition_entry",
    "update_entry",
]
