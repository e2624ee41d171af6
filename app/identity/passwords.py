"""Passwords: the NIST SP 800-63B policy and argon2id hashing off the event loop.

The policy is length (12..128) plus a check against a bundled list of 30,000 common leaked
passwords (also with digits or symbols stuck on either end) and against the person's own
email and name; no composition rules, as 800-63B recommends.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import re
import threading
import unicodedata
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from typing import TypeVar

from passlib.hash import argon2

MIN_LENGTH = 12
MAX_LENGTH = 128

# OWASP's first argon2id recommendation (46 MiB, 1 pass, 1 lane). Changing these makes
# every stored hash "need update": it is rehashed at the member's next sign-in.
HASHER = argon2.using(type="ID", memory_cost=47104, time_cost=1, parallelism=1)

# One hash at a time per worker: each takes a core for about 50 ms and 46 MiB, so eight
# sign-ins at once in the default thread pool would take every core from everyone else's
# requests. Sign-ins queue here instead (slower under a burst, never starving the rest).
#
# The hashing thread also runs at a lower scheduling priority (10 nicer than the worker;
# Linux sets it per thread): with two cores shared by two workers' hashing threads, their
# event loops and PostgreSQL, a burst of sign-ins at equal priority took half the CPU from
# everything else (GET /me's p99 beside 8 sign-ins rose to 5.6x its p99 alone). A sign-in
# waits a little more; the others keep their time.
HASHING_NICENESS = 10


def _lower_priority() -> None:
    # Not Linux, or not allowed: the thread keeps the process's priority.
    with contextlib.suppress(AttributeError, OSError):
        thread = threading.get_native_id()
        nice = min(os.getpriority(os.PRIO_PROCESS, thread) + HASHING_NICENESS, 19)
        os.setpriority(os.PRIO_PROCESS, thread, nice)


_HASHING = ThreadPoolExecutor(
    max_workers=1, thread_name_prefix="canet-argon2", initializer=_lower_priority
)
_T = TypeVar("_T")


async def _hashing(work: Callable[[], _T]) -> _T:
    return await asyncio.get_running_loop().run_in_executor(_HASHING, work)


_AFFIXES = re.compile(r"^[\W\d_]+|[\W\d_]+$")


@functools.cache
def common_passwords() -> frozenset[str]:
    text = (resources.files("app.identity") / "data" / "common_passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def normalise(password: str) -> str:
    # NFKC as 800-63B asks, so visually identical passwords hash the same.
    return unicodedata.normalize("NFKC", password)


def password_problems(password: str, *, context: tuple[str, ...] = ()) -> list[str]:
    """Why `password` is not acceptable (empty list: acceptable)."""
    password = normalise(password)
    if len(password) < MIN_LENGTH:
        return [f"Use at least {MIN_LENGTH} characters."]
    if len(password) > MAX_LENGTH:
        return [f"Use at most {MAX_LENGTH} characters."]
    lowered = password.lower()
    core = _AFFIXES.sub("", lowered)
    common = common_passwords()
    if lowered in common or (core in common and len(core) >= 4):
        return ["This password appears in lists of common or leaked passwords."]
    if len(set(lowered)) <= 3:
        return ["This password repeats too few characters."]
    for word in context:
        word = word.lower().strip()
        if len(word) >= 4 and word in lowered:
            return ["The password must not contain your name or email address."]
    return []


def _context_words(email: str, full_name: str) -> tuple[str, ...]:
    local = email.split("@", 1)[0]
    return (local, *full_name.split(), "canet")


def problems_for(password: str, *, email: str, full_name: str) -> list[str]:
    return password_problems(password, context=_context_words(email, full_name))


async def hash_password(password: str) -> str:
    """argon2id hash, computed in a worker thread (about 50 ms of CPU)."""
    normalised = normalise(password)
    return await _hashing(lambda: HASHER.hash(normalised))


def _verify(password: str, stored: str) -> tuple[bool, str | None]:
    try:
        ok = HASHER.verify(normalise(password), stored)
    except (ValueError, TypeError):
        # Not an argon2 hash at all (e.g. an account with no usable password).
        return False, None
    if ok and HASHER.needs_update(stored):
        return True, HASHER.hash(normalise(password))
    return ok, None


async def verify_password(password: str, stored: str) -> tuple[bool, str | None]:
    """(matches, new hash when the parameters changed and it should be replaced)."""
    return await _hashing(lambda: _verify(password, stored))


@functools.cache
def dummy_hash() -> str:
    return HASHER.hash("canet-dummy-password-for-unknown-accounts")


async def burn_verify(password: str) -> None:
    """Spend the time of a real verification, for unknown emails (no timing oracle)."""

    def run() -> None:
        _verify(password, dummy_hash())

    await _hashing(run)
