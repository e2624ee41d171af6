"""The processes of a running `canet serve`, read from /proc (Linux)."""

from __future__ import annotations

from pathlib import Path


def worker_pids(parent: int) -> set[int]:
    """The live worker processes of `canet serve` (multiprocessing's spawned children)."""
    workers = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces, so split after its ")".
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if int(ppid) == parent and state != "Z" and b"spawn_main" in cmdline:
            workers.add(int(entry.name))
    return workers
