"""Instructions per request, in process, counted by callgrind: a figure that stays the same
however busy the host is, where CPU time moved by a factor of two between runs.

    .venv/bin/python -m bench.instructions post [--requests 200] [--tree PATH]

Runs `python -m bench.inprocess <scenario>` of `tree` (this checkout unless given; any commit
of the project, as `bench.compare --instructions` does) under valgrind's callgrind, counting
only its measured requests (bench/callgrind/sitecustomize.py says how), and prints the
instructions per request. About 35 times slower than the plain run while counting: 200
requests take a minute or two. Needs valgrind (Debian's package).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_SITE = Path(__file__).resolve().parent / "callgrind"
_TOTALS = re.compile(r"^totals: (\d+)", re.MULTILINE)


def count(tree: Path, scenario: str, requests: int) -> float:
    """Instructions per request of `requests` requests of `scenario`, in `tree`."""
    with tempfile.TemporaryDirectory(prefix="canet-callgrind-") as tmp:
        out = Path(tmp) / "callgrind.out"
        env = os.environ | {"PYTHONPATH": f"{_SITE}{os.pathsep}{tree}"}
        done = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--instr-atstart=no",
                f"--callgrind-out-file={out}",
                sys.executable,
                "-m",
                "bench.inprocess",
                scenario,
                "--requests",
                str(requests),
            ],
            cwd=tree,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        found = _TOTALS.search(out.read_text()) if out.exists() else None
        if done.returncode != 0 or found is None:
            raise RuntimeError(f"{tree}: {scenario} failed:\n{done.stdout}\n{done.stderr[-3000:]}")
        return int(found.group(1)) / requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--tree", type=Path, default=ROOT)
    args = parser.parse_args()
    per = count(args.tree.resolve(), args.scenario, args.requests)
    print(f"{args.scenario}: {args.requests} requests, {per / 1e6:.2f} M instructions/request")


if __name__ == "__main__":
    main()
