"""Live updates in the browser: the connection (resume, dedupe, long-poll, session end), the
notification count, the notifications list and the notification settings."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from playwright.async_api import BrowserContext, Page, Route, WebSocketRoute, expect
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.notifications import Notification
from tests.factories import Member, make_forum, make_member
from tests.servers import Server
from tests.web.conftest import check_page, sign_in

WS = re.compile(r"/api/v1/ws$")
EVENTS = re.compile(r"/api/v1/events(\?|$)")
WAIT = 20_000  # ms: bounded waits for what arrives live (reconnects back off for seconds)
# After the cable is mended: the client's next attempt may be up to 30 s away (its backoff
# grew while the cable was cut), then the catch-up and the server's derivation follow.
CATCH_UP = 60_000

# A page of this origin that loads the client's own live.js and writes down, in order, every
# event it delivers: the engine observed from outside, with nothing exposed in the client.
PROBE_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>live probe</title>
<script type="module" src="./live-probe.js"></script></head>
<body><main><h1>Live probe</h1><p id="state"></p><ol id="delivered"></ol></main></body></html>
"""
PROBE_JS = """
import { effect } from '../vendor/signals.mjs';
import { connection, startLive, subscribe } from './live.js';

const list = document.getElementById('delivered');
subscribe(['*'], (message) => {
  const item = document.createElement('li');
  item.textContent = message.event === 'reset' ? 'reset' : `${message.id} ${message.event}`;
  list.append(item);
});
effect(() => {
  document.getElementById('state').textContent = connection.value;
});
startLive();
"""


class Api:
    """The API as members call it from elsewhere (their bearer tokens), against the server."""

    def __init__(self, server: Server) -> None:
        self.client = httpx.AsyncClient(base_url=server.http + "/api/v1", timeout=30)

    async def __aenter__(self) -> Api:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.client.aclose()

    async def call(self, member: Member, method: str, path: str, **kwargs: Any) -> Any:
        response = await self.client.request(method, path, headers=member.headers, **kwargs)
        assert response.status_code < 300, response.text
        return response.json() if response.content else None

    async def thread(self, member: Member, forum_id: uuid.UUID, title: str, body: str) -> Any:
        return await self.call(
            member, "POST", f"/forums/{forum_id}/threads", json={"title": title, "body": body}
        )

    async def post(self, member: Member, thread_id: str, body: str) -> Any:
        return await self.call(member, "POST", f"/threads/{thread_id}/posts", json={"body": body})

    async def visible_events(self, member: Member, after: int) -> list[tuple[int, str]]:
        """Every event `member` may see after `after`, as the long-poll answers them."""
        seen: list[tuple[int, str]] = []
        while True:
            batch = await self.call(member, "GET", "/events", params={"after": after, "timeout": 0})
            if not batch["events"]:
                return seen
            seen += [(e["id"], e["event"]) for e in batch["events"]]
            after = batch["last_id"]


async def open_probe(page: Page, origin: str) -> None:
    """The probe page, served at `origin` (the server's, or the cable's in front of it)."""
    async with httpx.AsyncClient() as client:
        index = await client.get(origin + "/")
    found = re.search(r'src="(/static/[0-9a-f]+)/src/main\.js"', index.text)
    assert found, index.text
    base = origin + found.group(1) + "/src"
    csp = index.headers["content-security-policy"]

    async def html(route: Route) -> None:
        await route.fulfill(
            body=PROBE_HTML, content_type="text/html", headers={"Content-Security-Policy": csp}
        )

    async def script(route: Route) -> None:
        await route.fulfill(body=PROBE_JS, content_type="text/javascript")

    await page.route(base + "/live-probe.html", html)
    await page.route(base + "/live-probe.js", script)
    await page.goto(base + "/live-probe.html")


async def delivered(page: Page) -> list[tuple[int, str]]:
    items = await page.locator("#delivered li").all_inner_texts()
    return [(int(i.split()[0]), i.split()[1]) if i != "reset" else (0, "reset") for i in items]


class Cable:
    """A TCP relay between the browser and the server that the test can cut: a real network
    drop, seen by both ends (the server's socket and the browser's end at once), not a
    browser-side simulation. While cut, new connections are accepted and reset at once, so
    neither the websocket nor the long-poll gets through."""

    def __init__(self, server: Server) -> None:
        self.target = server.port
        self.cut = False
        self.links: set[asyncio.StreamWriter] = set()
        self.relay: asyncio.Server | None = None
        self.origin = ""

    async def __aenter__(self) -> Cable:
        self.relay = await asyncio.start_server(self._connect, "127.0.0.1", 0)
        port = self.relay.sockets[0].getsockname()[1]
        self.origin = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.sever()
        assert self.relay is not None
        self.relay.close()

    async def _connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.cut:
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target)
        except OSError:
            writer.transport.abort()
            return
        self.links.update((writer, up_writer))

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            except (OSError, asyncio.IncompleteReadError):
                pass
            finally:
                sink.transport.abort()
                self.links.discard(sink)

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    def sever(self) -> None:
        self.cut = True
        for link in list(self.links):
            link.transport.abort()
        self.links.clear()

    def mend(self) -> None:
        self.cut = False


class Frames:
    """What the page's websockets received, watched from outside (nothing is intercepted)."""

    def __init__(self, page: Page) -> None:
        self.received: list[str] = []
        page.on(
            "websocket",
            lambda ws: ws.on("framereceived", lambda frame: self.received.append(str(frame))),
        )

    async def ready(self) -> None:
        await until(
            lambda: any('"type":"ready"' in str(f) for f in self.received), "a ready socket"
        )


async def until(check: Callable[[], bool], what: str) -> None:
    """A bounded wait for a condition (not a timing assertion)."""
    for _ in range(WAIT // 100):
        if check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"still waiting for {what}")


async def test_the_engine_resumes_after_its_last_id_and_never_delivers_an_id_twice(
    web_server: Server, page: Page, session: AsyncSession
) -> None:
    """live.js against a scripted server: what it sends to resume, what it hands to pages."""
    auths: list[dict[str, Any]] = []
    closing: list[asyncio.Future[None]] = []

    async def scripted(ws: WebSocketRoute) -> None:
        def answer(message: str | bytes) -> None:
            frame = json.loads(message)
            if frame["type"] != "auth":
                return
            auths.append(frame)
            if len(auths) == 1:
                ws.send(json.dumps({"type": "ready", "last_id": 10}))
                # The same event twice, and an old one again: each reaches pages once.
                for n in (11, 11, 12, 10, 13):
                    ws.send(json.dumps({"type": "event", "id": n, "event": "x", "data": {}}))
                closing.append(asyncio.ensure_future(ws.close(code=1001, reason="restart")))
            elif len(auths) == 2:
                ws.send(json.dumps({"type": "ready", "last_id": 15}))
                # A resume overlapping what the page has: only the new ones go through.
                for n in (12, 13, 14, 15):
                    ws.send(json.dumps({"type": "event", "id": n, "event": "x", "data": {}}))
                ws.send(json.dumps({"type": "ping", "last_id": 20}))
                closing.append(asyncio.ensure_future(ws.close(code=4008, reason="too slow")))
            else:
                ws.send(json.dumps({"type": "ready", "last_id": 30}))
                ws.send(json.dumps({"type": "reset", "reason": "position-expired", "last_id": 30}))
                ws.send(json.dumps({"type": "event", "id": 30, "event": "x", "data": {}}))
                ws.send(json.dumps({"type": "event", "id": 31, "event": "x", "data": {}}))

        ws.on_message(answer)

    await page.route_web_socket(WS, scripted)
    await open_probe(page, web_server.http)
    await expect(page.locator("#delivered li")).to_have_count(7, timeout=WAIT)
    assert await page.locator("#delivered").inner_text() == "\n".join(
        ["11 x", "12 x", "13 x", "14 x", "15 x", "reset", "31 x"]
    )
    await expect(page.locator("#state")).to_have_text("online")
    # Sent with the cookie (no token); resumed after the last delivered id, or after the
    # position the last heartbeat named.
    assert [a.get("after") for a in auths] == [None, 13, 20]
    assert all("token" not in a for a in auths)


async def test_events_missed_while_cut_off_arrive_once_each_in_order(
    web_server: Server, context: BrowserContext, page: Page, session: AsyncSession
) -> None:
    forum = await make_forum(session)
    author = await make_member(session, full_name="Ana Author")
    reader = await make_member(session, full_name="Rui Reader")
    await session.commit()
    await sign_in(context, session, reader)
    async with Cable(web_server) as cable, Api(web_server) as api:
        await open_probe(page, cable.origin)
        state = page.locator("#state")
        await expect(state).to_have_text("online", timeout=WAIT)
        posts = page.locator("#delivered li", has_text="post.created")

        thread = await api.thread(author, forum.id, "Hearing by video link", "First post")
        await expect(page.locator("#delivered li", has_text="thread.created")).to_have_count(1)
        for n in range(2):
            await api.post(author, thread["id"], f"Live reply {n}")
        await expect(posts).to_have_count(2, timeout=WAIT)

        cable.sever()
        await expect(state).to_have_text("offline", timeout=WAIT)
        for n in range(3):
            await api.post(author, thread["id"], f"Reply while cut off {n}")
        cable.mend()

        await expect(posts).to_have_count(5, timeout=CATCH_UP)
        await expect(state).to_have_text("online", timeout=CATCH_UP)
        got = await delivered(page)
        # Once each, in order, and exactly what the server says this member may see.
        ids = [i for i, _ in got]
        assert ids == sorted(set(ids)), got
        assert got == await api.visible_events(reader, ids[0] - 1)


async def test_long_poll_when_websockets_are_blocked(
    web_server: Server, context: BrowserContext, page: Page, session: AsyncSession
) -> None:
    forum = await make_forum(session)
    author = await make_member(session)
    reader = await make_member(session)
    await session.commit()
    await sign_in(context, session, reader)
    refused: list[int] = []

    async def refuse(ws: WebSocketRoute) -> None:
        refused.append(1)
        await ws.close(code=1011, reason="blocked by a proxy")

    await page.route_web_socket(WS, refuse)
    await open_probe(page, web_server.http)
    await expect(page.locator("#state")).to_have_text("online", timeout=WAIT)
    assert len(refused) >= 3  # it tried the websocket before falling back
    async with Api(web_server) as api:
        thread = await api.thread(author, forum.id, "Polling", "Over plain HTTP")
        for n in range(3):
            await api.post(author, thread["id"], f"Polled reply {n}")
        posts = page.locator("#delivered li", has_text="post.created")
        await expect(posts).to_have_count(3, timeout=WAIT)
        got = await delivered(page)
        assert got == await api.visible_events(reader, got[0][0] - 1)


async def test_an_administrator_suspending_the_member_signs_the_page_out(
    web_server: Server, context: BrowserContext, page: Page, session: AsyncSession
) -> None:
    admin = await make_member(session, roles=["admin"])
    member = await make_member(session, full_name="Sam Suspended")
    await session.commit()
    await sign_in(context, session, member)
    frames = Frames(page)
    await page.goto(web_server.http + "/")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Home")
    await frames.ready()
    async with Api(web_server) as api:
        await api.call(admin, "PATCH", f"/users/{member.id}", json={"status": "suspended"})
    await expect(page.get_by_text("You were signed out")).to_be_visible(timeout=WAIT)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    await check_page(page, "live-signed-out")


async def seed_notifications(
    session: AsyncSession,
    member: Member,
    count: int,
    *,
    subject_id: str | None = None,
    days_ago: int = 2,
) -> None:
    """`count` unread status notifications, about `subject_id` or each about a case of its own."""
    start = datetime.now(UTC) - timedelta(days=days_ago)
    first = -1 - int(await session.scalar(select(func.count()).select_from(Notification)) or 0)
    for n in range(count):
        session.add(
            Notification(
                user_id=member.id,
                type="case_status",
                event_position=first - n,
                subject_type="case",
                subject_id=subject_id or str(uuid.uuid4()),
                data={},
                title=f"Case MLA-2026-{n + 1:06d} changed status",
                delivery="in_app",
                created_at=start + timedelta(minutes=n),
            )
        )
    await session.commit()


async def test_notifications_list_moves_live_and_settings_are_saved(
    web_server: Server, context: BrowserContext, page: Page, session: AsyncSession
) -> None:
    forum = await make_forum(session)
    author = await make_member(session, full_name="Ana Author")
    member = await make_member(session, handle="bea.live", full_name="Bea Live")
    await session.commit()
    await seed_notifications(session, member, 22)
    await sign_in(context, session, member)

    await page.goto(web_server.http + "/")
    bell = page.get_by_role("link", name=re.compile("^Notifications"))
    count = bell.locator(".count")
    await expect(count).to_have_text("22")
    await bell.click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    items = page.get_by_role("list", name="Your notifications").get_by_role("listitem")
    await expect(items).to_have_count(20)
    await expect(page.get_by_text("You have 22 unread notifications.")).to_be_visible()
    await check_page(page, "notifications")
    await page.get_by_role("button", name="Load more").click()
    await expect(items).to_have_count(22)
    await expect(page.get_by_role("button", name="Load more")).to_have_count(0)

    # A mention arrives while the page is open: on top of the list, and in the count.
    async with Api(web_server) as api:
        thread = await api.thread(
            author, forum.id, "Service of documents", "Could @bea.live tell us how it went?"
        )
    mention = page.get_by_role("link", name="You were mentioned in a forum post")
    await expect(mention).to_be_visible(timeout=WAIT)
    await expect(items).to_have_count(23)
    await expect(items.first).to_contain_text("You were mentioned in a forum post")
    await expect(count).to_have_text("23")
    assert (await mention.get_attribute("href") or "").startswith(f"/threads/{thread['id']}#post-")

    mark = page.get_by_role("button", name=re.compile(r"^Mark as read\W+You were mentioned"))
    await mark.click()
    await expect(count).to_have_text("22")
    await expect(items.first).to_contain_text("Read")
    await page.get_by_role("button", name="Mark all as read").click()
    await expect(page.get_by_text("You have no unread notifications.")).to_be_visible()
    await expect(count).to_have_text("0")
    await page.get_by_role("link", name="Unread (0)").click()
    await expect(page.get_by_text("You have read all your notifications.")).to_be_visible()
    await check_page(page, "notifications-unread-empty")

    # The settings: the page every notification email links to.
    await page.get_by_role("link", name="Choose how you are notified").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Notification settings")
    mentions = page.get_by_role("group", name="Someone mentions you in a forum post")
    await expect(mentions.get_by_label("In canet, and by email straight away")).to_be_checked()
    await check_page(page, "notification-settings")
    await mentions.get_by_label("Off").check()
    await (
        page.get_by_role("group", name="A new message or attachment in a case")
        .get_by_label("In canet, and in a daily summary email")
        .check()
    )
    await page.get_by_role("button", name="Save settings").click()
    await expect(page.get_by_text("Your notification settings are saved.")).to_be_visible()
    async with Api(web_server) as api:
        saved = await api.call(member, "GET", "/me/notification-preferences")
    assert saved["preferences"]["mention"] == "off"
    assert saved["preferences"]["case_message"] == "digest"
    await page.reload()
    await expect(mentions.get_by_label("Off")).to_be_checked()


async def test_the_client_says_it_is_offline_and_catches_up_when_back(
    web_server: Server, context: BrowserContext, page: Page, session: AsyncSession
) -> None:
    forum = await make_forum(session)
    author = await make_member(session)
    member = await make_member(session, handle="olu.offline")
    await session.commit()
    await sign_in(context, session, member)
    async with Cable(web_server) as cable, Api(web_server) as api:
        frames = Frames(page)
        await page.goto(cable.origin + "/notifications")
        await expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
        await frames.ready()
        banner = page.get_by_role("status").filter(has_text="The connection dropped")
        await expect(banner).to_have_count(0)

        cable.sever()
        await expect(banner).to_be_visible(timeout=WAIT)
        await check_page(page, "live-offline")
        thread = await api.thread(author, forum.id, "While you were away", "Hello @olu.offline")
        cable.mend()

        await expect(banner).to_have_count(0, timeout=CATCH_UP)
        mention = page.get_by_role("link", name="You were mentioned in a forum post")
        await expect(mention).to_have_count(1, timeout=CATCH_UP)
        assert f"/threads/{thread['id']}#post-" in (await mention.get_attribute("href") or "")
        await expect(page.get_by_role("link", name=re.compile("^Notifications"))).to_contain_text(
            "1"
        )


# --- journeys on the thread page: two people, one reading while the other writes ------------


async def open_thread(page: Page, origin: str, thread: dict[str, Any]) -> None:
    frames = Frames(page)
    await page.goto(f"{origin}/threads/{thread['id']}")
    await expect(page.get_by_role("heading", level=1)).to_have_text(thread["title"])
    # Live from here on: what is posted now reaches this page by the socket, not the load.
    await frames.ready()


async def reply_in_page(page: Page, text: str) -> None:
    await page.get_by_label("Your reply").fill(text)
    await page.get_by_role("button", name="Post the reply").click()
    await expect(page.get_by_text("Your reply is posted.")).to_be_visible()


def post_saying(page: Page, text: str) -> Any:
    return page.locator("#thread-posts article.post", has_text=text)


async def test_a_reply_appears_for_the_reader_and_a_mention_raises_the_badge(
    web_server: Server, browser: Any, context: BrowserContext, page: Page, session: AsyncSession
) -> None:
    forum = await make_forum(session, name="Mutual legal assistance: practice")
    writer = await make_member(session, handle="ada.writer", full_name="Ada Writer")
    reader = await make_member(session, handle="bruno.reader", full_name="Bruno Reader")
    await session.commit()
    async with Api(web_server) as api:
        thread = await api.thread(
            writer, forum.id, "Video hearings: which platform?", "Which platform do you accept?"
        )
    # Bruno reads the thread in his browser.
    await sign_in(context, session, reader)
    await open_thread(page, web_server.http, thread)
    await page.evaluate("document.documentElement.dataset.sameDocument = 'yes'")
    badge = page.get_by_role("link", name=re.compile("^Notifications")).locator(".count")
    await expect(badge).to_have_text("0")

    # Ada replies from hers.
    other = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    try:
        await sign_in(other, session, writer)
        writer_page = await other.new_page()
        await open_thread(writer_page, web_server.http, thread)
        await reply_in_page(writer_page, "We use the court's own platform; a test call first.")

        await expect(post_saying(page, "the court's own platform")).to_have_count(1, timeout=WAIT)
        await expect(page.locator("#thread-live")).to_contain_text("1 new post")
        await expect(badge).to_have_text("0")
        await check_page(page, "thread-live-reply")

        await reply_in_page(writer_page, "@bruno.reader could you share your checklist?")
        await expect(post_saying(page, "could you share your checklist")).to_have_count(
            1, timeout=WAIT
        )
        await expect(badge).to_have_text("1", timeout=WAIT)
    finally:
        await other.close()
    # The same document all along: nothing was reloaded.
    assert await page.evaluate("document.documentElement.dataset.sameDocument") == "yes"
    await expect(post_saying(page, "could you share your checklist")).to_have_count(1)


async def test_posts_made_while_the_reader_was_cut_off_appear_once_each(
    web_server: Server, browser: Any, context: BrowserContext, page: Page, session: AsyncSession
) -> None:
    forum = await make_forum(session)
    writer = await make_member(session, full_name="Ada Writer")
    reader = await make_member(session, full_name="Bruno Reader")
    await session.commit()
    async with Api(web_server) as api:
        thread = await api.thread(writer, forum.id, "Freezing orders", "Who has done one lately?")
    await sign_in(context, session, reader)
    other = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    try:
        await sign_in(other, session, writer)
        writer_page = await other.new_page()
        await open_thread(writer_page, web_server.http, thread)
        async with Cable(web_server) as cable:
            # Bruno's browser reaches the server through a line the test can cut.
            await open_thread(page, cable.origin, thread)
            await reply_in_page(writer_page, "Before the cut: we did one in March.")
            await expect(post_saying(page, "Before the cut")).to_have_count(1, timeout=WAIT)

            cable.sever()
            banner = page.get_by_role("status").filter(has_text="The connection dropped")
            await expect(banner).to_be_visible(timeout=WAIT)
            await check_page(page, "thread-offline")
            meanwhile = [f"While you were away, point {n}." for n in range(1, 4)]
            for text in meanwhile:
                await reply_in_page(writer_page, text)
            cable.mend()

            await expect(banner).to_have_count(0, timeout=CATCH_UP)
            for text in meanwhile:
                await expect(post_saying(page, text)).to_have_count(1, timeout=CATCH_UP)
            await expect(post_saying(page, "Before the cut")).to_have_count(1)
            await expect(page.locator("#thread-posts article.post")).to_have_count(5)
    finally:
        await other.close()
