"""Notification types, what each defaults to, and the delivery modes a member can choose.

The types are declared by the domains that make them (app/<domain>/events.py) in
app.core.event_rules; this module reads them from there for the notifications domain.
"""

from __future__ import annotations

from app.core.event_rules import MODES, Mode, notification_types

__all__ = ["MODES", "Mode", "allowed_modes", "default_modes", "descriptions", "is_known"]


def default_modes() -> dict[str, str]:
    return {name: kind.default for name, kind in notification_types().items()}


def descriptions() -> dict[str, str]:
    """type -> what it is, for the preferences screen."""
    return {name: kind.description for name, kind in notification_types().items()}


def allowed_modes() -> dict[str, list[str]]:
    """type -> the modes a member may choose for it."""
    return {name: list(kind.modes) for name, kind in notification_types().items()}


def is_known(name: str) -> bool:
    return name in notification_types()
