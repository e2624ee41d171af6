"""What demo steps share: the records created so far, by a short name."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any


@dataclass
class DemoContext:
    authorities: dict[str, uuid.UUID] = field(default_factory=dict)  # short name -> id
    users: dict[str, uuid.UUID] = field(default_factory=dict)  # email -> id
    passwords: dict[str, str] = field(default_factory=dict)  # email -> demo password
    extra: dict[str, Any] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)  # what to print at the end
