"""Output: plain tables for people, JSON for scripts, a progress bar on stderr."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, TextIO

from canet_client.models import Model


def plain(value: Any) -> Any:
    """JSON-ready: models as the JSON the server sent (`raw`), dates as ISO strings."""
    if isinstance(value, Model):
        return value.raw or value.to_dict()
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def print_json(value: Any, out: TextIO | None = None) -> None:
    out = out or sys.stdout
    out.write(json.dumps(plain(value), indent=2, ensure_ascii=False, default=str) + "\n")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return ", ".join(_cell(v) for v in value)
    return str(value).replace("\n", " ")


def print_table(
    rows: Sequence[Sequence[Any]],
    headers: Sequence[str],
    out: TextIO | None = None,
    max_width: int = 60,
) -> None:
    out = out or sys.stdout
    cells = [[_cell(v) for v in row] for row in rows]
    cells = [[c if len(c) <= max_width else c[: max_width - 1] + "…" for c in row] for row in cells]
    widths = [len(h) for h in headers]
    for row in cells:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    line = "  ".join(h.upper().ljust(w) for h, w in zip(headers, widths, strict=True))
    out.write(line.rstrip() + "\n")
    for row in cells:
        out.write("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() + "\n")


def print_fields(pairs: Sequence[tuple[str, Any]], out: TextIO | None = None) -> None:
    out = out or sys.stdout
    width = max((len(k) for k, _ in pairs), default=0)
    for key, value in pairs:
        out.write(f"{key.ljust(width)}  {_cell(value)}\n")


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"  # pragma: no cover


class ProgressBar:
    """`label [#########.........]  45%  4.5/10.0 MB` on stderr, redrawn in place.

    Drawn only on a terminal (or when forced); at most ten redraws a second.
    """

    def __init__(self, label: str, *, enabled: bool | None = None, stream: TextIO | None = None):
        self.label = label[:30]
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self._last = 0.0
        self._drawn = False

    def __call__(self, done: int, total: int | None) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        finished = total is not None and done >= total
        if not finished and now - self._last < 0.1:
            return
        self._last = now
        if total:
            fraction = min(1.0, done / total)
            bar = "#" * int(fraction * 24)
            sizes = f"{_size(done)}/{_size(total)}"
            text = f"{self.label} [{bar.ljust(24, '.')}] {fraction:4.0%}  {sizes}"
        else:
            text = f"{self.label} {_size(done)}"
        self.stream.write("\r" + text)
        self._drawn = True
        if finished:
            self.stream.write("\n")
            self._drawn = False
        self.stream.flush()

    def close(self) -> None:
        if self.enabled and self._drawn:
            self.stream.write("\n")
            self.stream.flush()
