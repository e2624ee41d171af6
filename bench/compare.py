"""CPU per request, this tree against another commit, side by side on the same machine.

    .venv/bin/python -m bench.compare [--ref 46392c9] [--scenarios me,post,...] [--rounds 3]
                                      [--instructions]

Absolute CPU times move with the host from day to day, so a figure only means something next
to one taken in the same run. This checks the other commit out into a temporary directory
(`git worktree`), then runs `python -m bench.inprocess` for every scenario in both trees,
alternating (ref, this, ref, this...) so that a busy moment hurts both alike, and prints the
median of each with the ratio. Both trees run on this checkout's virtualenv.

`--instructions` counts instructions per request instead (bench/instructions.py, under
callgrind; 200 requests, one round is enough): on a busy host, where CPU time moves by a
factor of two from one run to the next, the count stays within 1%.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import instructions

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ("me", "post", "case_message", "thread_page")
# What the issue asks of each scenario: at most this fraction of the reference's CPU.
TARGETS = {"me": 0.4, "post": 0.4, "case_message": 0.4, "thread_page": 0.5}
_FIGURE = re.compile(r"CPU ([0-9.]+) ms/request")


def measure(tree: Path, scenario: str, requests: int) -> float:
    """CPU ms per request of one `bench.inprocess` run in `tree`."""
    env = os.environ | {"PYTHONPATH": str(tree)}
    done = subprocess.run(
        [sys.executable, "-m", "bench.inprocess", scenario, "--requests", str(requests)],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    found = _FIGURE.search(done.stdout)
    if done.returncode != 0 or found is None:
        raise RuntimeError(f"{tree}: {scenario} failed:\n{done.stdout}\n{done.stderr}")
    return float(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref", default="46392c9")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, help="per run (2000, or 200 counting)")
    parser.add_argument("--instructions", action="store_true", help="count them (callgrind)")
    args = parser.parse_args()
    requests = args.requests or (200 if args.instructions else 2000)
    unit = "M instructions" if args.instructions else "ms"

    def run(tree: Path, scenario: str) -> float:
        if args.instructions:
            return instructions.count(tree, scenario, requests) / 1e6
        return measure(tree, scenario, requests)

    scenarios = [s for s in args.scenarios.split(",") if s]
    with tempfile.TemporaryDirectory(prefix="canet-compare-") as tmp:
        ref_tree = Path(tmp) / "ref"
        subprocess.run(
            ["git", "worktree", "add", "--detach", "--quiet", str(ref_tree), args.ref],
            cwd=ROOT,
            check=True,
        )
        try:
            figures: dict[str, dict[str, list[float]]] = {
                s: {"ref": [], "this": []} for s in scenarios
            }
            for round_ in range(args.rounds):
                for scenario in scenarios:
                    for side, tree in (("ref", ref_tree), ("this", ROOT)):
                        value = run(tree, scenario)
                        figures[scenario][side].append(value)
                        print(
                            f"  round {round_ + 1} {scenario:13} {side:4} {value:.2f} {unit}",
                            flush=True,
                        )
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(ref_tree)], cwd=ROOT, check=False
            )
    what = "Instructions" if args.instructions else "CPU"
    print(f"\n{what} per request in process (median of {args.rounds}), {args.ref} against this")
    print(f"| scenario | ref {unit} | this {unit} | ratio | target |")
    print("|---|---:|---:|---:|---:|")
    for scenario in scenarios:
        ref = statistics.median(figures[scenario]["ref"])
        this = statistics.median(figures[scenario]["this"])
        target = TARGETS.get(scenario)
        verdict = (
            "" if target is None else f"<= {target} {'met' if this / ref <= target else 'missed'}"
        )
        print(f"| {scenario} | {ref:.2f} | {this:.2f} | {this / ref:.2f} | {verdict} |")


if __name__ == "__main__":
    main()
