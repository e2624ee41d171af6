"""Cases in the browser: a request drafted from the finder, checked, given files, submitted and
taken through to its close by two officers in two browsers (the inbox and the timeline move
without a reload); refusal offered only after a consultation; the not-found page for those
who may not see a case; submitting by the keyboard alone; the figures."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import Browser, BrowserContext, Locator, Page, expect
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.db import Database
from app.models.cases import Case
from app.models.directory import Authority
from app.models.notifications import Notification
from tests.factories import Member, make_member
from tests.notifications.conftest import notifications_of
from tests.servers import Server
from tests.web.conftest import check_page, sign_in
from tests.web.test_directory import ITALY_MOJ, member_of, seed_directory, tab_to
from tests.web.test_live import seed_notifications

LONG = 15_000  # ms: bounded waits for what a real server and browser do (not timing checks)
FIVE_MB = 5 * 1024 * 1024


async def _api(server: Server, member: Member, method: str, path: str, **kwargs: Any) -> Any:
    async with httpx.AsyncClient(base_url=server.http + "/api/v1") as client:
        response = await client.request(method, path, headers=member.headers, **kwargs)
    assert response.status_code < 300, response.text
    return response.json() if response.content else None


@asynccontextmanager
async def _person(browser: Browser, session: AsyncSession, member: Member) -> AsyncIterator[Page]:
    """Another person's browser (its own cookies), signed in; no script error in its page."""
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    errors: list[str] = []
    try:
        await sign_in(context, session, member)
        opened = await context.new_page()
        opened.on("pageerror", lambda error: errors.append(str(error)))
        yield opened
    finally:
        await context.close()
    assert not errors, f"errors in the page: {errors}"


def _text_file(folder: Path, name: str, size: int) -> Path:
    """A plain-text file of `size` bytes (text is judged by its content, so it is accepted)."""
    line = b"Account statement line: 2026-01-15 transfer 12,500.00 EUR to IT60X0542811101\n"
    body = (line * (size // len(line) + 1))[:size]
    path = folder / name
    path.write_bytes(body)
    return path


async def _throttle_uploads(page: Page, bytes_per_second: int) -> None:
    """Slow this page's uploads (DevTools network conditions), so progress can be seen."""
    cdp = await page.context.new_cdp_session(page)
    await cdp.send("Network.enable")
    await cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 0,
            "downloadThroughput": -1,
            "uploadThroughput": bytes_per_second,
        },
    )


async def _act(page: Page, action: str, note: str | None = None) -> None:
    """Open an action's form from its button, fill the note if given, confirm."""
    await page.get_by_role("button", name=action, exact=True).click()
    form = page.locator(".case-action-form")
    await expect(form.get_by_role("heading", name=action)).to_be_focused()
    if note is not None:
        await form.get_by_role("textbox").last.fill(note)
    await form.get_by_role("button", name=f"Confirm: {action}").click()
    await expect(form).to_have_count(0, timeout=LONG)


def _status(page: Page) -> Locator:
    return page.locator(".case-status-line .case-status")


async def _new_case(server: Server, officer: Member, requested: uuid.UUID, **fields: Any) -> Any:
    body = {
        "type": "mla",
        "requested_authority_id": str(requested),
        "title": "Records of the port authority",
        "summary": "Containers declared as machinery held cocaine.",
        "legal_basis": {"kind": "untoc_art18"},
        "offences": ["drug trafficking"],
        "measures": ["taking_of_evidence"],
        "languages": ["en"],
        **fields,
    }
    case = await _api(server, officer, "POST", "/cases", json=body)
    await _api(
        server, officer, "POST", f"/cases/{case['id']}/transitions", json={"action": "submit"}
    )
    return case


async def test_a_request_from_the_finder_to_its_close_in_two_browsers(
    web_server: Server,
    browser: Browser,
    context: BrowserContext,
    page: Page,
    session: AsyncSession,
    tmp_path: Path,
) -> None:
    ids = await seed_directory(session)
    claire = await member_of(session, ids["fra"], name="Claire Martin")
    luca = await member_of(session, ids["ita"], name="Luca Bianchi")
    await sign_in(context, session, claire)

    # The finder's answer leads to a new request with its answers filled in.
    await page.goto(
        web_server.http + "/finder?requesting_state=FRA&requested_state=ITA&request_type=mla"
        "&measure=banking_information&urgent=false"
    )
    await expect(page.locator("main h1")).to_have_text("Where to send your request")
    await page.get_by_role("link", name="Start a request from this answer").click()
    await expect(page.locator("main h1")).to_have_text("New request")
    await expect(page.get_by_text("Filled in from the finder's answer")).to_be_visible()
    await expect(page.get_by_label("Requested authority")).to_have_value(str(ids["ita"]))
    await expect(page.get_by_label("Mutual legal assistance", exact=True)).to_be_checked()
    await expect(page.get_by_label("The Convention, article 18")).to_be_checked()
    await expect(page.get_by_label("Banking information")).to_be_checked()
    await expect(page.get_by_label("Languages of the request")).to_have_value(re.compile("it"))
    await check_page(page, "case-new-from-finder")

    # Saved with a title only: the checks beside the form say what blocks the submission.
    await page.get_by_label("Title").fill("Bank records of Acme Ltd")
    await page.get_by_role("button", name="Save the draft").click()
    checks = page.locator(".case-checks-panel")
    await expect(
        checks.get_by_text(re.compile(r"\d checks? blocks? the submission"))
    ).to_be_visible(timeout=LONG)
    blocking = checks.locator(".case-check-blocking")
    await expect(blocking.filter(has_text="Summary of the facts")).to_be_visible()
    await expect(blocking.filter(has_text="summarise the facts of the case")).to_be_visible()
    await expect(page.get_by_text("Who can see this:")).to_be_visible()
    await expect(page.get_by_text(re.compile("this draft has not been sent"))).to_be_visible()
    case_url = page.url
    case_id = case_url.rsplit("/", 1)[1]
    await check_page(page, "case-draft-blocked")

    # Fixed, saved: nothing blocks any more.
    await page.get_by_label("Summary of the facts").fill(
        "Proceeds of a fraud on 40 pensioners were moved through accounts of Acme Ltd in Milan."
    )
    await page.get_by_label("Offences").fill("fraud\nmoney laundering")
    await page.get_by_role("button", name="Save the changes").click()
    await expect(page.get_by_text("Draft saved.")).to_be_visible(timeout=LONG)
    await expect(checks.get_by_text("Nothing blocks the submission.")).to_be_visible(timeout=LONG)
    await expect(checks.locator(".case-check-blocking")).to_have_count(0)

    # A 5 MB file, its progress shown as it goes (uploads slowed to watch it), then its digest.
    big = _text_file(tmp_path, "statements-2025.txt", FIVE_MB)
    await _throttle_uploads(page, 1_000_000)
    await page.get_by_label("Choose files").set_input_files(str(big))
    upload = page.locator(".case-upload").filter(has_text="statements-2025.txt")
    await expect(upload.locator("progress")).to_be_visible()
    await expect(upload.get_by_text(re.compile(r"Uploading: .* of 5\.0 MB"))).to_be_visible()
    await expect(upload.get_by_role("button", name="Cancel")).to_be_visible()
    digest = hashlib.sha256(big.read_bytes()).hexdigest()
    await expect(upload.get_by_text("Uploaded.", exact=True)).to_be_visible(timeout=60_000)
    await expect(upload.locator(".case-hash")).to_have_text(digest)
    files = page.locator(".case-files")
    await expect(files.get_by_role("link", name="statements-2025.txt")).to_be_visible()
    await expect(files.locator(".case-hash")).to_have_text(digest)
    # A second file, cancelled on its way.
    second = _text_file(tmp_path, "not-this-one.txt", FIVE_MB)
    await page.get_by_label("Choose files").set_input_files(str(second))
    cancelled = page.locator(".case-upload").filter(has_text="not-this-one.txt")
    await cancelled.get_by_role("button", name="Cancel").click()
    await expect(cancelled.get_by_text("Cancelled: the file was not added.")).to_be_visible()
    await _throttle_uploads(page, -1)
    await check_page(page, "case-draft-ready")

    async with _person(browser, session, luca) as luca_page:
        # The requested side's inbox is open before the request is sent.
        await luca_page.goto(web_server.http + "/cases?box=inbox")
        await expect(luca_page.locator("main h1")).to_have_text("Cases")
        await expect(
            luca_page.get_by_text("No request has been sent to your authority yet.")
        ).to_be_visible(timeout=LONG)

        await _act(page, "Submit the request")
        await expect(_status(page)).to_contain_text("Submitted", timeout=LONG)
        reference = (await page.locator(".breadcrumbs [aria-current=page]").inner_text()).strip()
        assert re.fullmatch(r"MLA-\d{4}-\d{6}", reference), reference

        # It arrives without a reload, with its counterpart, type, status and due date.
        row = luca_page.locator(".case-row").filter(has_text=reference)
        await expect(row).to_be_visible(timeout=LONG)
        await expect(row).to_contain_text("From Ministry of Justice, Office for International")
        await expect(row).to_contain_text("Mutual legal assistance")
        await expect(row.locator(".case-status")).to_contain_text("Submitted")
        await check_page(luca_page, "case-inbox")

        # Opening it is the receipt: the requesting side's timeline shows it without a reload.
        await row.get_by_role("link").click()
        await expect(luca_page.locator("main h1")).to_contain_text(reference)
        await expect(_status(luca_page)).to_contain_text("Received")
        received = page.locator(".case-timeline .case-receipt").filter(
            has_text="Received: the requested side opened the request"
        )
        await expect(received).to_be_visible(timeout=LONG)
        await expect(received.get_by_text("Receipt")).to_be_visible()
        await check_page(luca_page, "case-received")

        # Acknowledge, then ask for more information.
        await _act(luca_page, "Acknowledge receipt", "Registered under 2026/IT/123.")
        await expect(_status(luca_page)).to_contain_text("Acknowledged")
        await _act(luca_page, "Ask for more information", "Please send the account numbers.")
        await expect(_status(luca_page)).to_contain_text("Information requested")

        # The requester sees it move, answers with another file.
        await expect(_status(page)).to_contain_text("Information requested", timeout=LONG)
        await expect(page.get_by_text("Please send the account numbers.")).to_be_visible()
        answer = _text_file(tmp_path, "account-numbers.txt", 2048)
        await page.get_by_label("Choose files").set_input_files(str(answer))
        await expect(
            page.locator(".case-files").get_by_role("link", name="account-numbers.txt")
        ).to_be_visible(timeout=LONG)
        await _act(page, "Provide the information", "The account numbers are in the file.")
        await expect(_status(page)).to_contain_text("Acknowledged")

        # The requested side executes it.
        await expect(_status(luca_page)).to_contain_text("Acknowledged", timeout=LONG)
        await expect(
            luca_page.locator(".case-files").get_by_role("link", name="account-numbers.txt")
        ).to_be_visible()
        await _act(luca_page, "Start execution")
        await _act(luca_page, "Mark as executed", "Records sent by the Procura di Milano.")
        await expect(_status(luca_page)).to_contain_text("Executed")
        await check_page(luca_page, "case-executed")

    # The requester closes it and downloads the case file.
    await expect(_status(page)).to_contain_text("Executed", timeout=LONG)
    await _act(page, "Close the case")
    await expect(_status(page)).to_contain_text("Closed")
    await expect(page.locator(".case-action-buttons button")).to_have_count(0)
    timeline = page.locator(".case-timeline")
    for step in ("Draft created", "Request submitted", "Receipt acknowledged", "Case closed"):
        await expect(timeline.get_by_text(step, exact=False).first).to_be_visible()
    async with page.expect_download() as started:
        await page.get_by_role("link", name="Download the case file").click()
    download = await started.value
    assert download.suggested_filename == f"{reference}.json"
    exported = json.loads(Path(await download.path()).read_text())
    assert exported["case"]["status"] == "closed"
    assert {a["sha256"] for a in exported["attachments"]} >= {digest}
    await check_page(page, "case-closed")

    # The figures of the requesting authority count it.
    await page.goto(web_server.http + "/cases/metrics")
    await expect(page.locator("main h1")).to_have_text("Case figures")
    await expect(
        page.get_by_role("table", name="Time to acknowledge, in hours, by month")
    ).to_be_visible(timeout=LONG)
    await expect(page.get_by_role("img", name="Time to execute, in days, by month")).to_be_visible()
    pairs = page.locator("main table").last
    await expect(pairs).to_contain_text(ITALY_MOJ)
    async with page.expect_download() as started:
        await page.get_by_role("link", name="Download the figures (CSV)").click()
    csv_file = await started.value
    assert (Path(await csv_file.path()).read_text()).startswith("scope,")
    await check_page(page, "case-metrics")
    assert case_id in case_url


async def test_refusal_is_offered_only_after_a_consultation(
    web_server: Server,
    browser: Browser,
    context: BrowserContext,
    page: Page,
    session: AsyncSession,
) -> None:
    ids = await seed_directory(session)
    claire = await member_of(session, ids["fra"], name="Claire Martin")
    luca = await member_of(session, ids["ita"], name="Luca Bianchi")
    case = await _new_case(web_server, claire, ids["ita"])
    await _api(
        web_server, luca, "POST", f"/cases/{case['id']}/transitions", json={"action": "acknowledge"}
    )
    await sign_in(context, session, luca)
    await page.goto(f"{web_server.http}/cases/{case['id']}")
    await expect(_status(page)).to_contain_text("Acknowledged")
    buttons = page.locator(".case-action-buttons")
    await expect(buttons.get_by_role("button", name="Report a delay")).to_be_visible()
    await expect(buttons.get_by_role("button", name="Refuse after consultation")).to_have_count(0)

    # A consultation, with a stated handling restriction shown before the message.
    composer = page.locator(".case-composer")
    await composer.get_by_label("Consultation", exact=True).check()
    await composer.get_by_label("Handling code").select_option("H3")
    await composer.get_by_label("The restriction").fill("Not for the investigating judge.")
    await composer.get_by_label("Message", exact=True).fill(
        "We consider refusing: the facts were tried here."
    )
    await composer.get_by_role("button", name="Send the message").click()
    await expect(composer.get_by_text("Sent.")).to_be_visible(timeout=LONG)
    message = page.locator(".case-message").filter(has_text="We consider refusing")
    await expect(message.get_by_text("Consultation", exact=True)).to_be_visible()
    await expect(message.get_by_text("H3: other restriction, stated")).to_be_visible()
    note = message.locator(".case-handling-note")
    await expect(note).to_contain_text("Not for the investigating judge.")
    order = await message.evaluate(
        "m => m.querySelector('.case-handling-note').compareDocumentPosition("
        "m.querySelector('.case-message-body'))"
    )
    assert order & 4, "the handling note comes before the content"

    # Now refusal is offered, and asks for its ground.
    await expect(buttons.get_by_role("button", name="Refuse after consultation")).to_be_visible(
        timeout=LONG
    )
    await check_page(page, "case-consulted")
    await buttons.get_by_role("button", name="Refuse after consultation").click()
    form = page.locator(".case-action-form")
    await form.get_by_role("button", name="Confirm: Refuse after consultation").click()
    await expect(form.get_by_role("alert")).to_contain_text("Ground for refusal")
    await form.get_by_label("Ground for refusal").select_option("ne_bis_in_idem")
    await form.get_by_role("button", name="Confirm: Refuse after consultation").click()
    await expect(_status(page)).to_contain_text("Refused", timeout=LONG)
    await expect(page.get_by_text("Ne bis in idem (already tried)").first).to_be_visible()

    # The delay report asks for a new date (on another case).
    other = await _new_case(web_server, claire, ids["ita"], title="Second request")
    await page.goto(f"{web_server.http}/cases/{other['id']}")
    await page.get_by_role("button", name="Report a delay").click()
    form = page.locator(".case-action-form")
    await expect(form.get_by_label("New expected date")).to_be_visible()
    later = (date.today() + timedelta(days=30)).isoformat()
    await form.get_by_label("New expected date").fill(later)
    await form.get_by_label("Why the deadline cannot be met").fill("The bank answers slowly.")
    await form.get_by_role("button", name="Confirm: Report a delay").click()
    await expect(page.locator(".case-timeline")).to_contain_text("new expected date", timeout=LONG)
    await check_page(page, "case-delay")

    # A case past its due date comes first in the inbox and says so in words.
    late = await _new_case(web_server, claire, ids["ita"], title="Third request")
    await session.execute(
        update(Case)
        .where(Case.id == late["id"])
        .values(
            deadline=date.today() - timedelta(days=2), due_date=date.today() - timedelta(days=2)
        )
    )
    await session.commit()
    await page.goto(f"{web_server.http}/cases?box=inbox")
    rows = page.locator(".case-row")
    await expect(rows).to_have_count(3, timeout=LONG)
    await expect(rows.first).to_contain_text(late["reference"])
    await expect(rows.first.get_by_text("Overdue", exact=True)).to_be_visible()
    await expect(page.get_by_text("1 overdue")).to_be_visible()
    await page.get_by_label("Deadline").select_option("true")
    await page.get_by_role("button", name="Show cases").click()
    await expect(page).to_have_url(re.compile(r"box=inbox&overdue=true"))
    await expect(rows).to_have_count(1, timeout=LONG)
    await check_page(page, "case-inbox-overdue")


async def test_messages_of_the_other_side_arrive_live_once_each_and_in_order(
    web_server: Server, context: BrowserContext, page: Page, session: AsyncSession
) -> None:
    """A new message asks only for the messages after the last one fetched (not the whole
    channel and timeline again); a message sent from the page shows at once and once."""
    ids = await seed_directory(session)
    claire = await member_of(session, ids["fra"], name="Claire Martin")
    luca = await member_of(session, ids["ita"], name="Luca Bianchi")
    case = await _new_case(web_server, claire, ids["ita"])
    url = f"/cases/{case['id']}/messages"
    first = await _api(web_server, claire, "POST", url, json={"body": "First from Paris"})
    await _api(web_server, luca, "GET", f"/cases/{case['id']}")  # the receipt, before the page
    await sign_in(context, session, luca)
    await page.goto(f"{web_server.http}/cases/{case['id']}")
    messages = page.locator(".case-messages .case-message")
    await expect(messages).to_have_count(1, timeout=LONG)
    await expect(_status(page)).to_contain_text("Received")
    asked: list[str] = []
    page.on(
        "request",
        lambda request: (
            asked.append(request.url) if f"/cases/{case['id']}/" in request.url else None
        ),
    )

    second = await _api(web_server, claire, "POST", url, json={"body": "Second from Paris"})
    await expect(messages).to_have_count(2, timeout=LONG)
    composer = page.locator(".case-composer")
    await composer.get_by_label("Message", exact=True).fill("Answer from Rome")
    await composer.get_by_role("button", name="Send the message").click()
    await expect(composer.get_by_text("Sent.")).to_be_visible(timeout=LONG)
    third = await _api(web_server, claire, "POST", url, json={"body": "Third from Paris"})
    await expect(messages).to_have_count(4, timeout=LONG)
    await expect(messages.nth(3)).to_contain_text("Third from Paris")
    texts = [text.split("\n")[-1] for text in await messages.all_inner_texts()]
    assert [t.strip() for t in texts] == [
        "First from Paris",
        "Second from Paris",
        "Answer from Rome",
        "Third from Paris",
    ], texts

    # Only new messages were asked for, each time after one already fetched; the timeline
    # and the channel from its start were not fetched again.
    pages = [u for u in asked if "/messages?" in u]
    assert pages and all("after_message_id=" in u for u in pages), asked
    assert pages[0].rpartition("after_message_id=")[2].split("&")[0] == first["id"], asked
    assert not [u for u in asked if "/timeline" in u], asked
    assert {second["id"], third["id"]} <= {
        m["id"] for m in (await _api(web_server, luca, "GET", url))["items"]
    }


async def test_opening_a_case_marks_read_every_notification_about_it(
    web_server: Server, context: BrowserContext, page: Page, session: AsyncSession, db: Database
) -> None:
    """However many other notifications are unread (these ones older than the newest 100),
    the case page marks read what is about its case, and only that."""
    ids = await seed_directory(session)
    claire = await member_of(session, ids["fra"], name="Claire Martin")
    luca = await member_of(session, ids["ita"], name="Luca Bianchi")
    case = await _new_case(web_server, claire, ids["ita"])
    # The server's own notice of the submission first, so none arrives after the page.
    await notifications_of(db, luca.id, count=1, timeout=20)
    await seed_notifications(session, luca, 2, subject_id=case["id"], days_ago=3)
    await seed_notifications(session, luca, 120)

    async def unread() -> dict[str, int]:
        about = (Notification.subject_id == case["id"]).label("about")
        async with db.sessionmaker() as fresh:
            rows = await fresh.execute(
                select(about, func.count())
                .where(Notification.user_id == luca.id, col(Notification.read_at).is_(None))
                .group_by(about)
            )
            return {"this case" if this else "others": n for this, n in rows.all()}

    assert (await unread())["this case"] >= 3
    await sign_in(context, session, luca)
    await page.goto(f"{web_server.http}/cases/{case['id']}")
    await expect(page.get_by_role("heading", level=1)).to_contain_text(case["reference"])
    bell = page.locator(".bell .count")
    await expect(bell).to_have_text("120", timeout=LONG)
    assert await unread() == {"others": 120}


async def test_others_get_the_not_found_page_and_never_see_the_case(
    web_server: Server,
    browser: Browser,
    context: BrowserContext,
    page: Page,
    session: AsyncSession,
) -> None:
    ids = await seed_directory(session)
    claire = await member_of(session, ids["fra"], name="Claire Martin")
    ana = await member_of(session, ids["bra"], name="Ana Souza")
    admin = await make_member(session, roles=["admin"], full_name="Ada Admin")
    await session.commit()
    title = "Freezing of the Banca Esempio account 4471"
    case = await _new_case(web_server, claire, ids["ita"], title=title)
    reference = case["reference"]
    found = await _api(web_server, claire, "GET", "/search", params={"q": reference})
    assert any(reference in json.dumps(hit) for hit in found["items"]), found

    await sign_in(context, session, admin)
    async with _person(browser, session, ana) as ana_page:
        for who, seen in (("admin", page), ("officer", ana_page)):
            await seen.goto(f"{web_server.http}/cases/{case['id']}")
            await expect(seen.locator("main h1")).to_have_text("Page not found", timeout=LONG)
            await expect(seen.get_by_role("link", name="Go to the home page")).to_be_visible()
            content = await seen.content()
            assert reference not in content and "4471" not in content, who
            await check_page(seen, f"case-not-found-{who}")
            # Nowhere else either: search (which finds it for its own side), the list, home.
            for words in (reference, "Banca Esempio 4471"):
                await seen.goto(f"{web_server.http}/search?q={words}")
                await expect(seen.locator(".search-empty")).to_contain_text(
                    "Nothing found", timeout=LONG
                )
                await expect(seen.locator(".search-hit")).to_have_count(0)
            await seen.goto(f"{web_server.http}/cases")
            await expect(seen.locator("main h1")).to_have_text("Cases")
            await seen.wait_for_load_state("networkidle")
            assert reference not in await seen.content(), who
            await seen.goto(f"{web_server.http}/")
            await seen.wait_for_load_state("networkidle")
            assert reference not in await seen.content(), who
        await page.goto(f"{web_server.http}/cases")
        await expect(
            page.get_by_text(re.compile("Your roles do not include case work"))
        ).to_be_visible()
        await expect(
            page.get_by_role("navigation", name="Main").get_by_role(
                "link", name="Cases", exact=True
            )
        ).to_have_count(0)
        await expect(
            ana_page.get_by_role("navigation", name="Main").get_by_role(
                "link", name="Cases", exact=True
            )
        ).to_be_visible()


async def test_a_request_is_drafted_and_submitted_with_the_keyboard_alone(
    web_server: Server, context: BrowserContext, page: Page, session: AsyncSession
) -> None:
    ids = await seed_directory(session)
    claire = await member_of(session, ids["fra"], name="Claire Martin")
    await sign_in(context, session, claire)
    await page.goto(web_server.http + "/cases")
    await expect(page.locator("main h1")).to_have_text("Cases")
    await tab_to(page, page.get_by_role("link", name="Start a new request"))
    await page.keyboard.press("Enter")
    await expect(page.locator("main h1")).to_have_text("New request")
    await expect(page.locator("main h1")).to_be_focused()

    states = page.get_by_label("Requested State")
    await expect(states.locator("option[value=ITA]")).to_have_count(1, timeout=LONG)
    await tab_to(page, states)
    await page.keyboard.type("Italy")
    await expect(page.get_by_label("Requested State")).to_have_value("ITA")
    authority = page.get_by_label("Requested authority")
    await expect(authority.locator("option", has_text=ITALY_MOJ)).to_have_count(1, timeout=LONG)
    await page.keyboard.press("Tab")
    await expect(authority).to_be_focused()
    await page.keyboard.type("Ministry")
    await expect(authority).to_have_value(str(ids["ita"]))
    await page.keyboard.press("Tab")
    await expect(page.get_by_label("Mutual legal assistance", exact=True)).to_be_focused()
    await page.keyboard.press("Space")
    await expect(page.get_by_label("Mutual legal assistance", exact=True)).to_be_checked()
    await page.keyboard.press("Tab")
    await expect(page.get_by_label("Title")).to_be_focused()
    await page.keyboard.type("Witness hearing in Turin")
    await page.keyboard.press("Tab")
    await page.keyboard.type("A witness of the fraud lives in Turin.")
    await page.keyboard.press("Tab")
    await expect(page.get_by_label("The Convention, article 18")).to_be_focused()
    await page.keyboard.press("Space")
    await page.keyboard.press("Tab")
    await expect(page.get_by_label("Offences")).to_be_focused()
    await page.keyboard.type("fraud")
    await tab_to(page, page.get_by_label("Hearing of a witness"))
    await page.keyboard.press("Space")
    await tab_to(page, page.get_by_label("Languages of the request"))
    await page.keyboard.type("en")
    await tab_to(page, page.get_by_role("button", name="Save the draft"))
    await page.keyboard.press("Enter")

    await expect(page.get_by_text("Nothing blocks the submission.")).to_be_visible(timeout=LONG)
    submit = page.get_by_role("button", name="Submit the request")
    await tab_to(page, submit, limit=250)
    await page.keyboard.press("Enter")
    await expect(page.locator(".case-action-form h3")).to_be_focused()
    await tab_to(page, page.get_by_role("button", name="Confirm: Submit the request"))
    await page.keyboard.press("Enter")
    await expect(_status(page)).to_contain_text("Submitted", timeout=LONG)
    await check_page(page, "case-submitted-keyboard")


async def test_an_observer_is_invited_for_a_time_and_the_invitation_ended(
    web_server: Server,
    browser: Browser,
    context: BrowserContext,
    page: Page,
    session: AsyncSession,
) -> None:
    ids = await seed_directory(session)
    claire = await member_of(session, ids["fra"], name="Claire Martin")
    authority = await session.get(Authority, ids["bra"])
    marta = await make_member(
        session,
        roles=["liaison_magistrate"],
        authority=authority,
        full_name="Marta Lima",
        handle="marta.lima",
    )
    await session.commit()
    case = await _new_case(web_server, claire, ids["ita"], title="Hearing in Rome")
    await sign_in(context, session, claire)
    await page.goto(f"{web_server.http}/cases/{case['id']}")
    people = page.locator("section").filter(
        has=page.get_by_role("heading", name="Observers and assigned officers")
    )
    await expect(people.get_by_text("No observer follows this case.")).to_be_visible(timeout=LONG)

    invite = page.locator(".case-invite")
    await invite.get_by_role("button", name="Invite").click()
    await expect(invite.get_by_role("alert")).to_contain_text("There is a problem")
    await invite.get_by_label("Member's handle").fill("@marta.lima")
    until = date.today() + timedelta(days=14)
    await invite.get_by_label("Invitation ends on").fill(until.isoformat())
    await invite.get_by_role("button", name="Invite").click()
    observer = people.locator("li").filter(has_text="Marta Lima")
    await expect(observer.get_by_text("Observer", exact=True)).to_be_visible(timeout=LONG)
    await expect(observer.get_by_text(re.compile(f"Until {until.day} "))).to_be_visible()
    await expect(
        page.locator(".case-timeline").get_by_text(re.compile("Marta Lima invited as observer"))
    ).to_be_visible()

    # She follows the case, and is offered no action.
    async with _person(browser, session, marta) as marta_page:
        await marta_page.goto(f"{web_server.http}/cases/{case['id']}")
        await expect(marta_page.locator("main h1")).to_contain_text("Hearing in Rome")
        await expect(marta_page.get_by_text("You follow this case as an observer")).to_be_visible()
        await expect(marta_page.locator(".case-action-buttons")).to_have_count(0)
        await expect(
            marta_page.locator(".case-composer").get_by_label("Consultation")
        ).to_have_count(0)
        await check_page(marta_page, "case-observer")

        await observer.get_by_role("button", name="End the invitation").click()
        await expect(observer.get_by_text(re.compile("Invitation ended on"))).to_be_visible(
            timeout=LONG
        )
        await marta_page.reload()
        await expect(marta_page.locator("main h1")).to_have_text("Page not found", timeout=LONG)

    await page.get_by_label("Language").select_option("fr")
    await expect(
        page.get_by_role("heading", name="Observateurs et agents désignés")
    ).to_be_visible()
    await expect(page.get_by_role("heading", name="Chronologie")).to_be_visible()
    await check_page(page, "case-fr")


async def test_a_legal_hold_then_a_file_deleted_with_its_reason(
    web_server: Server, context: BrowserContext, page: Page, session: AsyncSession
) -> None:
    ids = await seed_directory(session)
    focal = await member_of(session, ids["fra"], focal_point=True, name="Hélène Roy")
    case = await _new_case(web_server, focal, ids["ita"], title="Seized phones")
    async with httpx.AsyncClient(base_url=web_server.http + "/api/v1") as client:
        uploaded = await client.post(
            f"/cases/{case['id']}/attachments",
            files={"file": ("phones.txt", b"IMEI list\n" * 50, "text/plain")},
            headers=focal.headers,
        )
    assert uploaded.status_code == 201, uploaded.text
    await sign_in(context, session, focal)
    await page.goto(f"{web_server.http}/cases/{case['id']}")
    hold = page.locator(".case-hold")
    files = page.locator(".case-files")
    await expect(files.get_by_role("button", name="Delete phones.txt")).to_be_visible(timeout=LONG)

    await hold.get_by_role("button", name="Place a legal hold").click()
    await expect(hold.get_by_role("heading", name="Place a legal hold")).to_be_focused()
    await hold.get_by_label("Reason").fill("Appeal pending before the Cour de cassation")
    await hold.get_by_role("button", name="Place a legal hold").click()
    await expect(
        hold.get_by_text(re.compile("A legal hold placed by the requesting side"))
    ).to_be_visible(timeout=LONG)
    await expect(
        hold.get_by_text("Reason: Appeal pending before the Cour de cassation")
    ).to_be_visible()
    await expect(files.get_by_role("button", name="Delete phones.txt")).to_have_count(0)

    await hold.get_by_role("button", name="Release the legal hold").click()
    await hold.get_by_label("Reason").fill("Appeal decided")
    await hold.get_by_role("button", name="Release the legal hold").click()
    await expect(hold.get_by_role("button", name="Place a legal hold")).to_be_visible(timeout=LONG)

    await files.get_by_role("button", name="Delete phones.txt").click()
    form = page.locator(".case-file-delete")
    await expect(form.get_by_role("heading", name="Delete phones.txt")).to_be_focused()
    await form.get_by_label("Reason for deleting the file").fill("Sent to the wrong case")
    await form.get_by_role("button", name="Delete the file").click()
    tombstone = files.locator(".case-file-deleted")
    await expect(tombstone.get_by_text("Deleted file")).to_be_visible(timeout=LONG)
    await expect(tombstone.get_by_text("Deleted by Hélène Roy")).to_be_visible()
    await expect(tombstone.get_by_text("Reason: Sent to the wrong case")).to_be_visible()
    await expect(files.get_by_role("link", name="phones.txt")).to_have_count(0)
    timeline = page.locator(".case-timeline")
    await expect(timeline.get_by_text("A file was deleted")).to_be_visible()
    await expect(timeline.get_by_text("Legal hold placed by the requesting side")).to_be_visible()
    await expect(timeline.get_by_text("Legal hold released")).to_be_visible()
    await check_page(page, "case-retention")
