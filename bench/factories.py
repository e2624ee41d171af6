"""Request factories of the scenarios: (client index, request number) -> one HTTP request.

Module-level functions (bound with functools.partial) so they pickle into the load process.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

Request = tuple[str, str, Any, dict[str, str]]
Factory = Callable[[int, int], Request]
API = "/api/v1"


def _auth(tokens: list[str], index: int) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[index % len(tokens)]}"}


def healthz(index: int, n: int) -> Request:
    return "GET", "/healthz", None, {}


def me(tokens: list[str], index: int, n: int) -> Request:
    return "GET", f"{API}/me", None, _auth(tokens, index)


def forum_post(tokens: list[str], thread_ids: list[str], index: int, n: int) -> Request:
    thread_id = thread_ids[index % len(thread_ids)]
    body = {"body": f"Reply {n} from client {index}: the **list** of measures is attached."}
    return "POST", f"{API}/threads/{thread_id}/posts", body, _auth(tokens, index)


def case_message(tokens: list[str], case_ids: list[str], index: int, n: int) -> Request:
    case_id = case_ids[index % len(case_ids)]
    body = {"body": f"Message {n} from client {index}: see the *list*", "handling_code": "H1"}
    return "POST", f"{API}/cases/{case_id}/messages", body, _auth(tokens, index)


def thread_page(tokens: list[str], thread_id: str, index: int, n: int) -> Request:
    return "GET", f"{API}/threads/{thread_id}/posts?limit=50", None, _auth(tokens, index)


def case(tokens: list[str], case_id: str, index: int, n: int) -> Request:
    return "GET", f"{API}/cases/{case_id}", None, _auth(tokens, index)


def case_messages(tokens: list[str], case_id: str, index: int, n: int) -> Request:
    return "GET", f"{API}/cases/{case_id}/messages?limit=50", None, _auth(tokens, index)


def search(tokens: list[str], words: list[str], index: int, n: int) -> Request:
    # Deterministic spread over the query words; every third query has two words (AND).
    k = (index * 7919 + n * 104729) % len(words)
    q = words[k] if n % 3 else f"{words[k]} {words[(k * 31 + 7) % len(words)]}"
    query = urlencode({"q": q, "scope": "forums", "limit": 20})
    return "GET", f"{API}/search?{query}", None, _auth(tokens, index)


def finder(tokens: list[str], queries: list[dict[str, str]], index: int, n: int) -> Request:
    query = urlencode(queries[(index + n) % len(queries)])
    return "GET", f"{API}/finder?{query}", None, _auth(tokens, index)


_DIRECTORY_TERMS = ("justice", "ministry", "central authority", "asset", "prosecutor", "FRA")


def directory(tokens: list[str], index: int, n: int) -> Request:
    term = _DIRECTORY_TERMS[(index + n) % len(_DIRECTORY_TERMS)]
    query = urlencode({"q": term, "limit": 20})
    return "GET", f"{API}/authorities?{query}", None, _auth(tokens, index)
