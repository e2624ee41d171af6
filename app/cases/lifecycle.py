"""The case state machine: which side may take which action from which status.

Pure data and one function, so the rules read off one table and are tested without a database.
`received` is not an action: the system records it when the requested side first opens a
submitted case (see service.receipts).

`provide_information` resumes the case where it was when the information was requested: a
case asked about while `acknowledged` returns to `acknowledged` (execution has not started),
one asked about while `in_execution` returns to `in_execution`. The status to return to is read
from the timeline (the `request_information` entry's `from_status`); `in_execution` only when
the timeline has no such entry.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.cases.exceptions import TransitionNotAllowed, WrongSide


@dataclass(frozen=True, slots=True)
class Rule:
    side: str
    sources: frozenset[str]
    # None: the status does not change (a deadline notice).
    target: str | None
    # The action whose source status this one returns to; `target` is then the fallback when
    # the timeline records no such step.
    resumes: str | None = None
    # UNTOC art. 18(26): taken only once the requested side has consulted the requesting side
    # (posted a `consultation` message in the case).
    needs_consultation: bool = False


_ANSWERABLE = frozenset({"received", "acknowledged", "in_execution", "information_requested"})
_LIVE = frozenset(
    {
        "submitted",
        "received",
        "acknowledged",
        "in_execution",
        "information_requested",
        "postponed",
    }
)

RULES: dict[str, Rule] = {
    # requesting side
    "submit": Rule("requesting", frozenset({"draft"}), "submitted"),
    "provide_information": Rule(
        "requesting",
        frozenset({"information_requested"}),
        "in_execution",
        resumes="request_information",
    ),
    "withdraw": Rule("requesting", _LIVE | {"draft"}, "withdrawn"),
    "close": Rule(
        "requesting",
        frozenset({"executed", "partially_executed", "refused", "withdrawn"}),
        "closed",
    ),
    # requested side
    "acknowledge": Rule("requested", frozenset({"submitted", "received"}), "acknowledged"),
    "start_execution": Rule("requested", frozenset({"acknowledged", "postponed"}), "in_execution"),
    "request_information": Rule(
        "requested", frozenset({"acknowledged", "in_execution"}), "information_requested"
    ),
    "report_delay": Rule("requested", _ANSWERABLE | {"postponed"}, None),
    "execute": Rule("requested", frozenset({"in_execution"}), "executed"),
    "execute_partially": Rule("requested", frozenset({"in_execution"}), "partially_executed"),
    "refuse": Rule("requested", _ANSWERABLE | {"postponed"}, "refused", needs_consultation=True),
    "postpone": Rule("requested", frozenset({"acknowledged", "in_execution"}), "postponed"),
}

# Receipts a court may later ask for; the timeline marks them as such.
RECEIPT_STATUSES = frozenset({"submitted", "received", "acknowledged"})


def check_transition(action: str, *, side: str, status: str) -> Rule:
    """The rule for `action`, or 403 (wrong side) / 409 (not allowed from `status`)."""
    rule = RULES[action]
    if side != rule.side:
        raise WrongSide.for_action(action, rule.side)
    if status not in rule.sources:
        raise TransitionNotAllowed(action, status, rule.sources)
    return rule


def actions_for(side: str, status: str, *, consulted: bool) -> list[str]:
    """What the caller's side may do now (the client shows these as buttons): the rules for
    the side and status, less those that wait for a consultation not yet held."""
    return [
        name
        for name, rule in RULES.items()
        if rule.side == side
        and status in rule.sources
        and (consulted or not rule.needs_consultation)
    ]
