"""Browser tests: a real `canet serve` with a real SMTP server, driven in real Chromium.

Debian's Chromium (/usr/bin/chromium) where it is installed, else Playwright's own browser
(`playwright install chromium`). axe-core (tests/web/vendor/axe.min.js) checks each page;
screenshots of each page at 1280 and 375 px wide go to build/screenshots/ (not committed).
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from playwright.async_api import Browser, BrowserContext, Page, async_playwright
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.dependencies import CSRF_COOKIE, SESSION_COOKIE, csrf_token_for
from app.models.identity import UserSession
from tests.factories import TEST_SECRET_KEY, Member
from tests.servers import Server, free_port

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "build" / "screenshots"
AXE = Path(__file__).with_name("vendor") / "axe.min.js"
DEBIAN_CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDTHS = (1280, 375)


class Inbox:
    """What the server's mail sender delivered, as parsed messages."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 OK"

    async def wait_for(self, to: str, subject: str = "", timeout: float = 20) -> EmailMessage:
        """The first message to `to` whose subject contains `subject`, once it has come."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for message in self.messages:
                if to in str(message["To"]) and subject in str(message["Subject"]):
                    return message
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"no mail to {to} about {subject!r}")
            await asyncio.sleep(0.1)


def body_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def link_in(message: EmailMessage, path: str) -> str:
    found = re.search(r"https?://\S+/" + re.escape(path) + r"\?token=[\w-]+", body_text(message))
    assert found, body_text(message)
    return found.group(0)


@pytest.fixture(scope="module")
def inbox() -> Iterator[Inbox]:
    port = free_port()
    received = Inbox()
    controller = Controller(received, hostname="127.0.0.1", port=port)
    controller.start()
    received.port = port  # type: ignore[attr-defined]
    try:
        yield received
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def web_server(
    database_url: str, tmp_path_factory: pytest.TempPathFactory, inbox: Inbox
) -> Iterator[Server]:
    port = free_port()
    server = Server(
        database_url,
        tmp_path_factory.mktemp("web"),
        extra_env={
            "CANET_SMTP_HOST": "127.0.0.1",
            "CANET_SMTP_PORT": str(inbox.port),  # type: ignore[attr-defined]
            "CANET_BASE_URL": f"http://127.0.0.1:{port}",
        },
        port=port,
    )
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        executable = str(DEBIAN_CHROMIUM) if DEBIAN_CHROMIUM.exists() else None
        launched = await playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def context(browser: Browser) -> AsyncIterator[BrowserContext]:
    """One person's browser: its own cookies and storage."""
    opened = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
async def page(context: BrowserContext) -> AsyncIterator[Page]:
    opened = await context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    yield opened
    assert not errors, f"errors in the page: {errors}"


async def check_page(page: Page, name: str) -> None:
    """axe-core on the page as it stands (no serious or critical violation), then
    screenshots at each width."""
    # Evaluated through the DevTools protocol: the page's CSP rightly refuses injected scripts.
    if not await page.evaluate("typeof axe !== 'undefined'"):
        await page.evaluate(AXE.read_text())
    result = await page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})"
    )
    serious = [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not serious, f"{name}: {serious}"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size or {"width": 1280, "height": 900}
    for width in WIDTHS:
        await page.set_viewport_size({"width": width, "height": size["height"]})
        await page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
    await page.set_viewport_size(size)


async def sign_in(context: BrowserContext, session: AsyncSession, member: Member) -> None:
    """Give the browser a cookie session of a factory member, as signing in with both factors
    would (the sign-in journey itself is tested once, in test_journeys.py)."""
    cookie = secrets.token_urlsafe(32)
    user_session = UserSession(
        user_id=member.id,
        kind="cookie",
        cookie_hash=hashlib.sha256(cookie.encode()).hexdigest(),
        expires_at=datetime.now(UTC) + timedelta(hours=8),
    )
    session.add(user_session)
    await session.commit()
    csrf = csrf_token_for(TEST_SECRET_KEY, user_session.id)
    # Domain and path rather than a URL: Chromium refuses a Secure cookie set for an http URL
    # through the protocol, though it keeps one that 127.0.0.1 sends.
    host: dict[str, Any] = {"domain": "127.0.0.1", "path": "/", "secure": True}
    await context.add_cookies(
        [
            {
                "name": SESSION_COOKIE,
                "value": cookie,
                "httpOnly": True,
                "sameSite": "Strict",
                **host,
            },
            {"name": CSRF_COOKIE, "value": csrf, "sameSite": "Strict", **host},
        ]
    )
