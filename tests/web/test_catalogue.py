"""The catalogue in the browser: a closed case nominated from its page, the personal-data
check's flags shown by their fields (one fixed, one justified) and submission held back until
they are; the other side's focal point consents from the notification, a moderator approves;
the entry is then found by search and by a facet and read by a member of a third State, who
writes a good-practice note; the obstacles view (linked from the finder) shows "fewer than 3"
for counts the API withholds."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from playwright.async_api import Browser, BrowserContext, Page, expect
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.directory import Authority
from tests.factories import Member, make_member
from tests.servers import Server
from tests.web.conftest import check_page, sign_in
from tests.web.test_directory import member_of, seed_directory

LONG = 15_000  # ms: bounded waits for what a real server and browser do (not timing checks)
PERSON = "Mario Rossi"
TITLE = "Bank records obtained within eight weeks"


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


async def _closed_case(server: Server, requesting: Member, requested: Member, to: Any) -> Any:
    """A request from `requesting`'s authority to `to`, executed and closed, about a person."""
    body = {
        "type": "mla",
        "requested_authority_id": str(to),
        "title": "Bank records of Acme Ltd",
        "summary": "Laundering of proceeds of fraud through accounts held in Milan.",
        "legal_basis": {"kind": "untoc_art18"},
        "offences": ["money laundering"],
        "measures": ["banking_information"],
        "languages": ["en"],
        "persons": [{"role": "suspect", "name": PERSON}],
    }
    case = await _api(server, requesting, "POST", "/cases", json=body)
    path = f"/cases/{case['id']}/transitions"
    for member, action in (
        (requesting, "submit"),
        (requested, "acknowledge"),
        (requested, "start_execution"),
        (requested, "execute"),
        (requesting, "close"),
    ):
        await _api(server, member, "POST", path, json={"action": action})
    return case


async def _step(page: Page, action: str, note: str | None = None) -> None:
    """Open a step's form from its button, write its note if given, confirm."""
    await page.get_by_role("button", name=action, exact=True).click()
    form = page.locator(".cat-action-form")
    await expect(form.get_by_role("heading", name=action)).to_be_focused()
    if note is not None:
        await form.get_by_role("textbox").fill(note)
    await form.get_by_role("button", name=f"Confirm: {action}").click()
    await expect(form).to_have_count(0, timeout=LONG)


async def test_a_closed_case_nominated_checked_consented_published_and_found(
    web_server: Server,
    browser: Browser,
    context: BrowserContext,
    page: Page,
    session: AsyncSession,
) -> None:
    ids = await seed_directory(session)
    claire = await member_of(session, ids["fra"], name="Claire Martin")
    luca = await member_of(session, ids["ita"], name="Luca Bianchi")
    giulia = await member_of(session, ids["ita"], focal_point=True, name="Giulia Romano")
    moderator = await make_member(session, roles=["moderator"], full_name="Mona Moderator")
    brazil = await session.get(Authority, ids["bra"])
    reader = await make_member(session, authority=brazil, full_name="Ana Souza")
    await session.commit()
    case = await _closed_case(web_server, claire, luca, ids["ita"])
    await sign_in(context, session, claire)

    # The closed case's page offers the nomination (the API says Claire may).
    await page.goto(f"{web_server.http}/cases/{case['id']}")
    await expect(page.locator("main h1")).to_contain_text(case["reference"], timeout=LONG)
    await page.get_by_role("link", name="Nominate for the catalogue").click()
    await expect(page.locator("main h1")).to_have_text("Nominate a case for the catalogue")
    await page.get_by_label("Title").fill(TITLE)
    await page.get_by_label("Laundering of proceeds of crime (art. 6)").check()
    await page.get_by_label("The two States").check()
    await page.get_by_label("Obstacles met").fill(
        f"The first request for {PERSON} lacked the link between the accounts and the offence."
    )
    await page.get_by_label("Solutions found").fill(
        "A call to the ministry's switchboard on +33 1 44 77 60 60 settled it within a week."
    )
    await page.get_by_label("Lessons for practitioners").fill(
        "State the link between each account and the facts in the request itself."
    )
    await check_page(page, "catalogue-nominate")
    await page.get_by_role("button", name="Save the draft and check it").click()

    # The draft, with each finding by its field; submitting waits, and says why.
    await expect(page.locator("main h1")).to_have_text("Edit the catalogue entry", timeout=LONG)
    saved = page.get_by_text("Draft saved. The personal-data check found 3 things")
    await expect(saved).to_be_visible()
    obstacles_flags = page.get_by_role("group", name="Personal-data check: Obstacles met")
    await expect(obstacles_flags.locator(".cat-flag")).to_have_count(2)
    await expect(obstacles_flags).to_contain_text("The name of a person or party in the case")
    await expect(obstacles_flags.locator("q").first).to_have_text("Mario")
    phone = page.get_by_role("group", name="Personal-data check: Solutions found")
    await expect(phone).to_contain_text("A telephone number")
    await expect(phone.locator("q")).to_have_text("+33 1 44 77 60 60")
    submit = page.get_by_role("button", name="Submit the entry")
    await expect(submit).to_be_disabled()
    await expect(page.locator("#cat-submit-why")).to_contain_text(
        "once every finding of the personal-data check is fixed or justified"
    )
    await check_page(page, "catalogue-flags")

    # Fix the name (edit it away), justify the switchboard's number, save: checked again.
    await page.get_by_role("textbox", name="Obstacles met").fill(
        "The first request lacked the link between the accounts and the offence."
    )
    await expect(page.locator("#cat-submit-why")).to_contain_text("Save your changes first")
    await phone.get_by_label("Why this may stay").fill(
        "The ministry's public switchboard, published on its website."
    )
    await page.get_by_role("button", name="Save and check again").click()
    await expect(page.get_by_text("Saved. The personal-data check passes")).to_be_visible(
        timeout=LONG
    )
    await expect(obstacles_flags).to_have_count(0)
    await expect(phone.locator(".cat-flag-ok")).to_have_text("Justified")
    await expect(submit).to_be_enabled()
    await submit.click()
    await expect(page.locator("main h1")).to_have_text(TITLE, timeout=LONG)
    await expect(page.locator(".cat-status-line")).to_contain_text(
        "Awaiting the other side's consent"
    )
    entry_url = page.url
    entry_id = entry_url.rstrip("/").split("/")[-1]
    # A draft no longer: no edit, no submit for the author now.
    await expect(page.get_by_role("link", name="Edit the entry")).to_have_count(0)
    await expect(page.get_by_text("Who can see this:")).to_be_visible()

    # The other side's focal point is told (a notification linking to the entry) and consents.
    async with _person(browser, session, giulia) as focal:
        await focal.goto(web_server.http + "/notifications")
        notice = focal.get_by_role("link", name=f"consent is asked for a catalogue entry: {TITLE}")
        # The list follows new notifications live: it shows once the worker has derived it.
        await expect(notice).to_be_visible(timeout=LONG)
        await notice.click()
        await expect(focal.locator("main h1")).to_have_text(TITLE, timeout=LONG)
        assert focal.url.endswith(f"/catalogue/entries/{entry_id}")
        await check_page(focal, "catalogue-consent")
        await _step(focal, "Consent")
        await expect(focal.locator(".cat-status-line")).to_contain_text("In review")

    # A moderator finds it in the queue and publishes it.
    async with _person(browser, session, moderator) as mod:
        await mod.goto(web_server.http + "/catalogue/queue")
        await expect(mod.locator("main h1")).to_have_text("Entries waiting for me")
        await check_page(mod, "catalogue-queue")
        await mod.get_by_role("link", name=TITLE).click()
        await expect(mod.locator("main h1")).to_have_text(TITLE, timeout=LONG)
        await _step(mod, "Approve and publish")
        await expect(mod.locator(".cat-status-line")).to_contain_text("Published")
        await expect(mod.get_by_role("link", name="Read and add comments")).to_be_visible()

    # A member of a third State finds it: by words, then narrowed by a facet.
    async with _person(browser, session, reader) as other:
        await other.goto(web_server.http + "/")
        await other.locator("#sidenav").get_by_role("link", name="Catalogue", exact=True).click()
        await expect(other.locator("main h1")).to_have_text("Catalogue of cases and good practice")
        await other.get_by_label("Words to find").fill("eight weeks")
        search = other.get_by_role("search", name="Search the catalogue")
        await search.get_by_role("button", name="Search").click()
        await expect(other.locator(".cat-total")).to_have_text("1 entry matches.", timeout=LONG)
        await expect(other.get_by_role("link", name=TITLE)).to_be_visible()
        facet = other.locator(".cat-facet").filter(has_text="Crime type")
        await facet.get_by_role("link", name="Laundering of proceeds of crime (art. 6)").click()
        await expect(other).to_have_url(re.compile(r"crime_type=laundering_of_proceeds_of_crime"))
        await expect(other.locator(".cat-total")).to_have_text("1 entry matches.", timeout=LONG)
        await expect(
            facet.get_by_role("link", name="Laundering of proceeds of crime (art. 6)")
        ).to_have_attribute("aria-current", "true")
        await expect(other.locator(".cat-table")).to_contain_text("The Convention")
        await check_page(other, "catalogue-browse")
        await other.get_by_role("link", name=TITLE).click()
        await expect(other.locator("main h1")).to_have_text(TITLE, timeout=LONG)
        # The public read: no status, no author, no flags; the two States it discloses.
        await expect(other.locator(".cat-side")).to_contain_text("France → Italy")
        await expect(other.get_by_text("Claire Martin")).to_have_count(0)
        await expect(other.locator(".cat-actions")).to_have_count(0)
        assert case["reference"] not in await other.content()
        await check_page(other, "catalogue-entry")

        # A good-practice note with nothing to flag: submitted straight to the moderators.
        await other.get_by_role("link", name="Catalogue of cases and good practice").click()
        await other.get_by_role("link", name="Write a good-practice note").click()
        await expect(other.locator("main h1")).to_have_text("Write a good-practice note")
        await other.get_by_label("Title").fill("Ask for the executing court's name early")
        await other.get_by_label("Type of cooperation").select_option("mla")
        await other.get_by_label("Corruption (art. 8)").check()
        await other.get_by_role("button", name="Save the draft and check it").click()
        await expect(other.get_by_text("The personal-data check found nothing")).to_be_visible(
            timeout=LONG
        )
        await other.get_by_role("button", name="Submit the entry").click()
        await expect(other.locator(".cat-status-line")).to_contain_text("In review", timeout=LONG)

    # The finder's answer links to the obstacles view of its pair and measure, where every
    # count under three (one closed case stands behind these) reads "fewer than 3".
    await page.goto(
        web_server.http + "/finder?requesting_state=FRA&requested_state=ITA&request_type=mla"
        "&measure=banking_information&urgent=false"
    )
    await page.get_by_role("link", name="Obstacles and solutions from France to Italy").click()
    await expect(page.locator("main h1")).to_have_text("Obstacles and solutions", timeout=LONG)
    assert "requesting_state=FRA" in page.url and "measure=banking_information" in page.url
    counts = page.locator(".cat-counts")
    await expect(counts.locator("tr").first).to_contain_text("fewer than 3", timeout=LONG)
    await expect(counts).not_to_contain_text("1")
    await expect(page.get_by_role("link", name=TITLE).first).to_be_visible()
    await check_page(page, "catalogue-obstacles")

    # The case's page now names its entry to its author instead of offering a nomination.
    await page.goto(f"{web_server.http}/cases/{case['id']}")
    await expect(page.get_by_role("link", name="This case's catalogue entry")).to_have_attribute(
        "href", f"/catalogue/entries/{entry_id}", timeout=LONG
    )
    await expect(page.get_by_role("link", name="Nominate for the catalogue")).to_have_count(0)
