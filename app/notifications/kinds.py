"""Notification types, what each defaults to, and the delivery modes a member can choose."""

from __future__ import annotations

from typing import Literal

Mode = Literal["in_app", "email", "digest", "off"]
MODES: tuple[str, ...] = ("in_app", "email", "digest", "off")

# type -> (default mode, what it is, for the preferences screen)
TYPES: dict[str, tuple[Mode, str]] = {
    "mention": ("email", "someone mentioned you in a forum post"),
    "reply": ("in_app", "a reply to one of your posts"),
    "followed_thread": ("in_app", "a new post in a thread you follow"),
    "followed_forum": ("in_app", "a new thread in a forum you follow"),
    "case_received": ("email", "a case submitted to your authority"),
    "case_acknowledged": ("email", "a case of yours was acknowledged"),
    "case_message": ("email", "a new message or attachment in a case"),
    "case_status": ("email", "a case changed status"),
    "case_deadline": ("email", "a case deadline is near or has passed"),
    "case_cannot_meet": ("email", "the requested side cannot meet a deadline"),
    "case_invitation": ("email", "you were invited to follow or assigned to a case"),
    # in_app: the decision itself is already mailed by the vetting step.
    "vetting_decision": ("in_app", "a decision on your membership"),
    "moderation_application": ("digest", "a membership application waits for review"),
    "moderation_flag": ("in_app", "a flagged post waits for a moderator"),
    # Focal points are mailed the reminder itself by the directory: in-app by default.
    "directory_stale": ("in_app", "a directory entry of your authority needs verifying"),
    "directory_contact_failed": ("email", "a contact of an authority was reported as failing"),
}


def default_modes() -> dict[str, str]:
    return {name: mode for name, (mode, _) in TYPES.items()}
