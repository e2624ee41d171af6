"""Every event the service publishes, declared once: its name, what it means, to which
audiences it goes and what its payload carries (ids only).

The declarations are the one source of truth. `events.publish` checks each event against
them, so code cannot publish a name or a payload key that is not declared (tests run strict,
and fail; production logs the drift once and publishes anyway, rather than refuse a write
over its notice). docs/events.md is rendered from them (`python -m app.event_catalog`), and
a test fails when the page and the declarations differ.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)


class UndeclaredEvent(RuntimeError):
    """An event name, audience or payload key that no declaration names."""


@dataclass(frozen=True, slots=True)
class EventSpec:
    name: str
    summary: str
    audiences: tuple[str, ...]  # audience kinds: case, thread, forum, user, authority, ...
    payload: Mapping[str, str]  # key -> what it is (ids and small facts only, never content)
    optional: frozenset[str] = field(default_factory=frozenset)  # keys not always present


_specs: dict[str, EventSpec] = {}
_warned: set[str] = set()
# Tests set this: a publish that drifts from its declaration raises instead of logging.
strict = False


def declare(
    name: str,
    summary: str,
    *,
    audiences: tuple[str, ...],
    payload: Mapping[str, str],
    optional: tuple[str, ...] = (),
) -> None:
    """Declare an event (in the domain's events.py)."""
    spec = EventSpec(name, summary, audiences, dict(payload), frozenset(optional))
    if not spec.optional <= set(spec.payload):
        raise ValueError(f"event {name!r}: optional keys must be payload keys")
    if _specs.get(name, spec) != spec:
        raise ValueError(f"event {name!r} is declared twice")
    _specs[name] = spec


def specs() -> list[EventSpec]:
    return sorted(_specs.values(), key=lambda s: s.name)


def check(name: str, data: Mapping[str, Any], audience_kind: str) -> None:
    """Whether a published event matches its declaration (see the module's docstring)."""
    spec = _specs.get(name)
    if spec is None:
        problem = f"event {name!r} is not declared (app/<domain>/events.py)"
    elif audience_kind not in spec.audiences:
        problem = f"event {name!r} is not declared for audience {audience_kind!r}"
    else:
        keys = set(data)
        required = set(spec.payload) - spec.optional
        if not required <= keys <= set(spec.payload):
            problem = (
                f"event {name!r} carries {sorted(keys)}, declared {sorted(spec.payload)} "
                f"(optional {sorted(spec.optional)})"
            )
        else:
            return
    if strict:
        raise UndeclaredEvent(problem)
    if problem not in _warned:
        _warned.add(problem)
        log.warning("%s", problem)


def markdown() -> str:
    """docs/events.md: every event, its audiences and its payload."""
    lines = [
        "# Events",
        "",
        "Every event canet publishes, on the websocket (`/api/v1/ws`) and the long-poll",
        '(`GET /api/v1/events`), as `{"type": "event", "id": N, "event": NAME, "data": {...}}`.',
        "A member receives an event only if they may see what it is about when it is sent;",
        "payloads carry ids (and a few small facts), never content: fetch what you may read.",
        "",
        "This page is generated from the declarations in the code",
        "(`app/<domain>/events.py`, `app.core.event_catalog.declare`) by",
        "`python -m app.event_catalog > docs/events.md`; a test fails when they differ.",
        "",
        "| event | meaning | audiences | payload |",
        "|---|---|---|---|",
    ]
    for spec in specs():
        payload = "<br>".join(
            f"`{key}`{' (optional)' if key in spec.optional else ''}: {meaning}"
            for key, meaning in spec.payload.items()
        )
        audiences = ", ".join(f"`{a}`" for a in spec.audiences)
        lines.append(f"| `{spec.name}` | {spec.summary} | {audiences} | {payload} |")
    return "\n".join(lines) + "\n"
