"""Results: one JSON line per scenario in bench/results/, and a markdown table at the end."""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def machine_facts(postgres_version: str) -> dict[str, Any]:
    return {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "postgresql": postgres_version,
        "platform": platform.platform(),
    }


class Report:
    def __init__(self, facts: dict[str, Any]) -> None:
        RESULTS_DIR.mkdir(exist_ok=True)
        self.facts = facts
        self.rows: list[dict[str, Any]] = []
        self.path = RESULTS_DIR / f"{time.strftime('%Y%m%d-%H%M%S')}.jsonl"

    def add(self, scenario: str, variant: str, figures: dict[str, Any]) -> None:
        row = {"scenario": scenario, "variant": variant, **figures}
        self.rows.append(row)
        with self.path.open("a") as handle:
            handle.write(json.dumps({**row, "machine": self.facts}) + "\n")
        print(f"  {scenario:<14} {variant:<22} {_short(figures)}", flush=True)

    def find(self, scenario: str, variant: str) -> dict[str, Any] | None:
        for row in self.rows:
            if row["scenario"] == scenario and row["variant"] == variant:
                return row
        return None

    def markdown(self) -> str:
        facts = self.facts
        lines = [
            f"Machine: {facts['cores']} cores, Python {facts['python']}, "
            f"PostgreSQL {facts['postgresql']} ({facts['platform']})",
            "; ".join(
                f"{k}={v}"
                for k, v in facts.items()
                if k not in {"cores", "python", "postgresql", "platform"}
            ),
            "",
            "| scenario | variant | req/s | p50 ms | p95 ms | p99 ms | errors | other |",
            "|---|---|---:|---:|---:|---:|---:|---|",
        ]
        for row in self.rows:
            # Nested figures (per action, per event kind) stay in the JSON line only.
            other = {
                k: v
                for k, v in row.items()
                if not isinstance(v, dict)
                and k
                not in {
                    "scenario",
                    "variant",
                    "rps",
                    "p50_ms",
                    "p95_ms",
                    "p99_ms",
                    "errors",
                    "requests",
                    "statuses",
                }
            }
            lines.append(
                f"| {row['scenario']} | {row['variant']} | {row.get('rps', '')} | "
                f"{row.get('p50_ms', '')} | {row.get('p95_ms', '')} | {row.get('p99_ms', '')} | "
                f"{row.get('errors', '')} | {', '.join(f'{k}={v}' for k, v in other.items())} |"
            )
        return "\n".join(lines)


def _short(figures: dict[str, Any]) -> str:
    keys = ("rps", "p50_ms", "p99_ms", "errors")
    head = " ".join(f"{k}={figures[k]}" for k in keys if k in figures)
    rest = " ".join(
        f"{k}={v}" for k, v in figures.items() if k not in keys and not isinstance(v, dict)
    )
    return f"{head} {rest}".strip()
