"""`make audit-deps`: pip-audit over the lock file, with accepted findings that expire.

A known vulnerability fails the audit unless `.ci/accepted-vulnerabilities.toml` accepts it
with a reason and an expiry date; an expired acceptance fails the audit as loudly as the
finding itself, so an exception is re-examined instead of forgotten. pip-audit asks a
vulnerability service (PyPI's JSON API, OSV) for every locked version, so this needs the
internet: a hosted CI workflow (.github/workflows/audit-deps.yml) runs it daily.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ACCEPTED = ROOT / ".ci" / "accepted-vulnerabilities.toml"


def accepted_ids(today: date) -> tuple[list[str], list[str]]:
    """(ids to ignore, problems with the file): every entry needs id, reason and expires."""
    entries = tomllib.loads(ACCEPTED.read_text()).get("accepted", [])
    ignore: list[str] = []
    problems: list[str] = []
    for entry in entries:
        vuln, reason, expires = entry.get("id"), entry.get("reason"), entry.get("expires")
        if not vuln or not reason or not isinstance(expires, date):
            problems.append(f"{entry}: needs id, reason and expires (a TOML date)")
        elif expires < today:
            problems.append(f"{vuln}: its acceptance expired on {expires}; fix it or re-accept")
        else:
            ignore.append(vuln)
    return ignore, problems


def main() -> int:
    ignore, problems = accepted_ids(date.today())
    for problem in problems:
        print(f"audit-deps: {problem}", file=sys.stderr)
    command = [
        str(Path(sys.executable).with_name("pip-audit")),
        "--requirement",
        str(ROOT / "requirements.lock"),
        "--disable-pip",
        "--strict",
        *[arg for vuln in ignore for arg in ("--ignore-vuln", vuln)],
    ]
    status = subprocess.call(command)  # noqa: S603 (our own fixed argv)
    return status or (1 if problems else 0)


if __name__ == "__main__":
    sys.exit(main())
