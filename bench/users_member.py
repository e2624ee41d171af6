"""The members of the `users` scenario, simulated in one load process pinned to its own core.

Each member holds one websocket for its whole session and, between think times drawn from
a seeded RNG (at the issue's rates unless `speed` compresses them), acts as a member of the
web client does:

    open      every 30-60 s, a thread or a case (half each; a thread of a network forum or
              of the member's region, half each):
              thread: GET /threads/{id}, GET its first page of 50 posts, PUT the read marker;
              case: GET /cases/{id}, its timeline and its first page of 50 messages, then,
              as the case page does, POST /notifications/read for those about the case
    write     every 2-5 min, a reply in the thread it has open (a third answer a post of the
              page) or a message in the case it has open
    search    every 5-10 min, GET /search in the forums
    finder    every 5-10 min, GET /finder
    bell      on a notification.created event, 1-3 s later and at most every 30 s:
              GET /notifications (the bell refreshing)
    live      what the client does for the page it has open, 0.4 s after an event about it:
              a new post in the thread -> GET the posts from the last one it has (when the
              member has the thread's end in view); a new message in the case -> GET the
              case and the messages after the last one it has, and mark its notifications read

The member's own steps come one at a time; the bell and the live page run beside them, as
in the client. Every request's latency is recorded under its action (a live reload under
the same names as the first load); any answer other than 2xx, and any failed request, is
an error. Every event the members receive is kept by id, for bench/users_events.py to hold
against what they should have received.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

import aiohttp

from bench.users_seed import Crowd, group_of, pair_of

API = "/api/v1"
# Table order: what opening a thread, opening a case, writing, searching and the bell send.
ACTIONS = (
    "thread",
    "posts",
    "thread_read",
    "case",
    "timeline",
    "messages",
    "mark_read",
    "reply",
    "case_message",
    "search",
    "finder",
    "notifications",
)


@dataclass(frozen=True)
class Rates:
    """Think times in seconds: each activity recurs after a uniform draw from its span."""

    open: tuple[float, float] = (30.0, 60.0)
    write: tuple[float, float] = (120.0, 300.0)
    search: tuple[float, float] = (300.0, 600.0)
    finder: tuple[float, float] = (300.0, 600.0)
    bell_delay: tuple[float, float] = (1.0, 3.0)
    bell_every: float = 30.0
    live_delay: float = 0.4  # the client's own debounce, not a think time: never scaled

    def faster(self, speed: float) -> Rates:
        """The same mix `speed` times as often (a compressed day, for short trial runs)."""

        def span(s: tuple[float, float]) -> tuple[float, float]:
            return (s[0] / speed, s[1] / speed)

        return replace(
            self,
            open=span(self.open),
            write=span(self.write),
            search=span(self.search),
            finder=span(self.finder),
            bell_delay=span(self.bell_delay),
            bell_every=self.bell_every / speed,
        )


@dataclass
class Plan:
    base_url: str
    database_url: str
    crowd: Crowd
    members: int
    seconds: float
    warmup: float
    rates: Rates
    search_words: list[str]
    finder_queries: list[dict[str, str]]
    seed: int = 1
    live: bool = True  # reload the open page on its events, as the web client does
    server_pids: list[int] = field(default_factory=list)  # the workers, for their CPU time


@dataclass
class Recorder:
    """Latencies of the measured window by action; errors over the whole run."""

    measure_from: float = 0.0
    latencies_ms: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, action: str, started: float, ms: float, outcome: str | None) -> None:
        if outcome is not None:
            counts = self.errors.setdefault(action, {})
            counts[outcome] = counts.get(outcome, 0) + 1
        if started >= self.measure_from:
            self.latencies_ms.setdefault(action, []).append(ms)


class Listener:
    """One member's websocket: every event id and every post, message and notification id."""

    def __init__(self) -> None:
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.positions: set[int] = set()
        self.ids: set[str] = set()  # post and case message ids
        self.notifications: set[str] = set()
        self.duplicates = 0
        self.closing = False
        self.closed_early = False
        self.last_at = 0.0
        self.notified = asyncio.Event()
        self.watching: str | None = None  # the thread or case the member has open
        self.changed = asyncio.Event()

    async def read(self) -> None:
        assert self.ws is not None
        clock = asyncio.get_running_loop().time
        with contextlib.suppress(aiohttp.ClientError):
            async for message in self.ws:
                if message.type != aiohttp.WSMsgType.TEXT:
                    continue
                self.last_at = clock()
                event = json.loads(message.data)
                if event.get("type") != "event":
                    continue  # ready, ping, pong
                if event["id"] in self.positions:
                    self.duplicates += 1
                    continue
                self.positions.add(event["id"])
                name, data = event["event"], event["data"]
                if name == "post.created":
                    self.ids.add(data["post_id"])
                    if data["thread_id"] == self.watching:
                        self.changed.set()
                elif name == "case.message.created":
                    self.ids.add(data["message_id"])
                    if data["case_id"] == self.watching:
                        self.changed.set()
                elif name == "notification.created":
                    self.notifications.add(data["notification_id"])
                    self.notified.set()
        self.closed_early = not self.closing


def _last_id(page: Any, otherwise: str | None) -> str | None:
    items = (page or {}).get("items") or []
    return str(items[-1]["id"]) if items else otherwise


class Member:
    def __init__(
        self, index: int, plan: Plan, http: aiohttp.ClientSession, recorder: Recorder
    ) -> None:
        self.index = index
        self.plan = plan
        self.http = http
        self.recorder = recorder
        self.rng = random.Random(plan.seed * 1_000_003 + index)
        self.headers = {"Authorization": f"Bearer {plan.crowd.tokens[index]}"}
        self.listener = Listener()
        crowd = plan.crowd
        self.threads = [(t, ("all", 0)) for t in crowd.network_threads]
        group = group_of(index)
        self.group_threads = [(t, ("group", group)) for t in crowd.group_threads[group]]
        self.cases = crowd.pair_cases[pair_of(index)]
        # What the member has open: ("thread" | "case", id, audience), and a page's post ids.
        self.open: tuple[str, str, tuple[str, int]] | None = None
        self.page: list[str] = []
        self.page_complete = False  # no next page: new posts would show at its end
        # The last message fetched of a case, by case (a live reload may still be on its way
        # for the case the member just left).
        self.case_tails: dict[str, str | None] = {}
        self.writes: list[tuple[str, tuple[str, int]]] = []  # (id, audience)

    async def call(self, action: str, method: str, path: str, body: Any = None) -> Any:
        """One request, recorded; the decoded answer, or None when it failed."""
        started = time.perf_counter()
        outcome: str | None = None
        answer: Any = None
        try:
            async with self.http.request(
                method, API + path, json=body, headers=self.headers
            ) as resp:
                raw = await resp.read()
                if 200 <= resp.status < 300:
                    answer = json.loads(raw) if raw else {}
                else:
                    outcome = str(resp.status)
        except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
            outcome = type(exc).__name__
        self.recorder.add(action, started, (time.perf_counter() - started) * 1000, outcome)
        return answer

    # -- the activities ----------------------------------------------------------------------
    async def open_something(self) -> None:
        if self.cases and self.rng.random() < 0.5:
            await self.open_case(self.rng.choice(self.cases))
        else:
            pool = self.threads if self.rng.random() < 0.5 else self.group_threads
            thread_id, audience = self.rng.choice(pool or self.threads)
            await self.open_thread(thread_id, audience)

    async def open_thread(self, thread_id: str, audience: tuple[str, int]) -> None:
        self.open = ("thread", thread_id, audience)
        self.listener.watching, self.page, self.page_complete = thread_id, [], False
        await self.call("thread", "GET", f"/threads/{thread_id}")
        await self.load_posts(thread_id)
        if self.page:
            marker = {"last_read_post_id": self.page[-1]}
            await self.call("thread_read", "PUT", f"/threads/{thread_id}/read", marker)

    async def load_posts(self, thread_id: str) -> None:
        page = await self.call("posts", "GET", f"/threads/{thread_id}/posts?limit=50")
        if page and self.listener.watching == thread_id:
            self.page = [p["id"] for p in page["items"]]
            self.page_complete = page.get("next_cursor") is None

    async def load_newer(self, thread_id: str) -> None:
        """What the thread page does on a new post: ask from the last post it has (which
        comes back too), never the whole page again."""
        if not self.page:
            await self.load_posts(thread_id)
            return
        query = f"limit=50&from_post_id={self.page[-1]}"
        page = await self.call("posts", "GET", f"/threads/{thread_id}/posts?{query}")
        if page and self.listener.watching == thread_id:
            known = set(self.page)
            self.page += [p["id"] for p in page["items"] if p["id"] not in known]
            self.page_complete = page.get("next_cursor") is None

    async def open_case(self, case_id: str) -> None:
        self.open = ("case", case_id, ("pair", pair_of(self.index)))
        self.listener.watching = case_id
        await self.load_case(case_id)

    async def load_case(self, case_id: str) -> None:
        await self.call("case", "GET", f"/cases/{case_id}")
        await self.call("timeline", "GET", f"/cases/{case_id}/timeline")
        page = await self.call("messages", "GET", f"/cases/{case_id}/messages?limit=50")
        self.case_tails[case_id] = _last_id(page, None)
        await self.mark_case_read(case_id)

    async def load_newer_messages(self, case_id: str) -> None:
        """As the case page does on a new message: the case, and the messages after the last
        one fetched (the timeline does not change)."""
        await self.call("case", "GET", f"/cases/{case_id}")
        tail = self.case_tails.get(case_id)
        query = "limit=100" + (f"&after_message_id={tail}" if tail else "")
        page = await self.call("messages", "GET", f"/cases/{case_id}/messages?{query}")
        self.case_tails[case_id] = _last_id(page, tail)
        await self.mark_case_read(case_id)

    async def mark_case_read(self, case_id: str) -> None:
        about = {"subject_type": "case", "subject_id": case_id}
        await self.call("mark_read", "POST", "/notifications/read", about)

    async def write(self) -> None:
        if self.open is None:
            await self.open_something()
        assert self.open is not None
        kind, target, audience = self.open
        word = self.rng.choice(self.plan.search_words)
        if kind == "thread":
            body: dict[str, Any] = {"body": f"Member {self.index}: the **{word}** list differs."}
            if self.page and self.rng.random() < 1 / 3:
                body["reply_to_post_id"] = self.rng.choice(self.page)
            made = await self.call("reply", "POST", f"/threads/{target}/posts", body)
        else:
            body = {"body": f"Member {self.index}: see the *{word}* annex.", "handling_code": "H1"}
            made = await self.call("case_message", "POST", f"/cases/{target}/messages", body)
        if made and "id" in made:
            self.writes.append((str(made["id"]), audience))

    async def search(self) -> None:
        words = self.plan.search_words
        q = self.rng.choice(words)
        if self.rng.random() < 1 / 3:
            q = f"{q} {self.rng.choice(words)}"
        query = urlencode({"q": q, "scope": "forums", "limit": 20})
        await self.call("search", "GET", f"/search?{query}")

    async def finder(self) -> None:
        query = urlencode(self.rng.choice(self.plan.finder_queries))
        await self.call("finder", "GET", f"/finder?{query}")

    # -- the member's session ----------------------------------------------------------------
    async def run(self, stop_at: float) -> None:
        """Act until `stop_at` (loop time); an action under way then is finished."""
        clock = asyncio.get_running_loop().time
        rates = self.plan.rates
        spans = {"open": rates.open, "write": rates.write}
        spans |= {"search": rates.search, "finder": rates.finder}
        acts = {
            "open": self.open_something,
            "write": self.write,
            "search": self.search,
            "finder": self.finder,
        }
        # First occurrences spread over one think time: the run starts in a steady state,
        # not with every member opening something in the same second.
        now = clock()
        due = {name: now + self.rng.random() * self.rng.uniform(*s) for name, s in spans.items()}
        while True:
            name = min(due, key=due.__getitem__)
            if due[name] >= stop_at:
                return
            await asyncio.sleep(max(0.0, due[name] - clock()))
            await acts[name]()
            due[name] = clock() + self.rng.uniform(*spans[name])

    async def bell(self, stop_at: float) -> None:
        """Refresh the notifications shortly after one arrives, at most every `bell_every`."""
        clock = asyncio.get_running_loop().time
        rates = self.plan.rates
        last = -rates.bell_every
        while True:
            try:
                async with asyncio.timeout_at(stop_at):
                    await self.listener.notified.wait()
            except TimeoutError:
                return
            wait = max(self.rng.uniform(*rates.bell_delay), last + rates.bell_every - clock())
            if clock() + wait >= stop_at:
                return
            await asyncio.sleep(wait)
            self.listener.notified.clear()  # one refresh covers what came meanwhile
            last = clock()
            await self.call("notifications", "GET", "/notifications?limit=20")

    async def live(self, stop_at: float) -> None:
        """Reload the open thread or case shortly after an event about it (a burst, once)."""
        changed = self.listener.changed
        while self.plan.live:
            try:
                async with asyncio.timeout_at(stop_at):
                    await changed.wait()
            except TimeoutError:
                return
            await asyncio.sleep(self.plan.rates.live_delay)
            changed.clear()
            if self.open is None:
                continue
            kind, target, _ = self.open
            if kind == "case":
                await self.load_newer_messages(target)
            elif self.page_complete:
                await self.load_newer(target)
