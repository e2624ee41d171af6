"""Loaded first by the Python that bench/instructions.py starts under callgrind.

`bench.inprocess` (in this tree and in older commits alike) reads `time.process_time()`
exactly twice: just before its measured requests and just after them. Wrapped here, the first
call turns callgrind's counting on and the second turns it off, so the count holds the
measured requests only: not the start, the seeding, the sign-ins nor the warm-up. The switch
is callgrind_control, which waits until valgrind has taken the command.
"""

from __future__ import annotations

import os
import subprocess
import time

_process_time = time.process_time
_calls = 0


def _switch(state: str) -> None:
    subprocess.run(
        ["callgrind_control", "--instr=" + state, str(os.getpid())],
        check=True,
        capture_output=True,
    )


def _counting_process_time() -> float:
    global _calls
    _calls += 1
    if _calls == 2:
        _switch("off")
    value = _process_time()
    if _calls == 1:
        _switch("on")
    return value


time.process_time = _counting_process_time
