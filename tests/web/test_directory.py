"""The directory in the browser: search, an authority's page, editing by its focal point,
reporting a failed contact, the finder (by keyboard alone) and the two-State comparison.

The data is the demo directory (app/directory/demo.py), seeded through its import path.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

from playwright.async_api import Browser, Locator, Page, expect
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import Database
from app.demo.context import DemoContext
from app.directory import demo
from app.directory.staleness import remind_stale
from app.models.directory import Authority, ContactFailureReport, RequirementSheet
from tests.factories import Member, make_authority, make_member
from tests.notifications.conftest import notifications_of
from tests.servers import Server
from tests.web.conftest import check_page, sign_in

ITALY_MOJ = (
    "Ministry of Justice, Directorate-General for International Affairs and Judicial Cooperation"
)


async def seed_directory(session: AsyncSession) -> dict[str, uuid.UUID]:
    """The demo directory; its authorities' ids by short name ("ita", "fra", ...)."""
    ctx = DemoContext()
    await demo.seed(session, ctx)
    await session.commit()
    return ctx.authorities


async def member_of(
    session: AsyncSession, authority_id: uuid.UUID, *, focal_point: bool = False, name: str
) -> Member:
    authority = await session.get(Authority, authority_id)
    assert authority is not None
    member = await make_member(
        session, authority=authority, focal_point=focal_point, full_name=name
    )
    await session.commit()
    return member


async def tab_to(page: Page, target: Locator, limit: int = 120) -> None:
    """Press Tab until `target` has the focus, as a keyboard user would."""
    handle = await target.element_handle()
    for _ in range(limit):
        await page.keyboard.press("Tab")
        if await page.evaluate("(element) => document.activeElement === element", handle):
            return
    raise AssertionError(f"Tab never reached {target}")


async def test_finder_by_keyboard_to_the_authority_and_the_comparison(
    web_server: Server, context, page: Page, session: AsyncSession
) -> None:
    ids = await seed_directory(session)
    officer = await member_of(session, ids["bra"], name="Ana Souza")
    await sign_in(context, session, officer)

    await page.goto(web_server.http + "/finder")
    heading = page.locator("main h1")

    # 1. Requesting State: a select, chosen by typing its name.
    await expect(heading).to_have_text("Which State is sending the request?")
    await expect(heading).to_be_focused()
    await check_page(page, "finder-question")
    await page.keyboard.press("Tab")
    await expect(page.locator("#field-answer")).to_be_focused()
    await page.keyboard.type("Brazil")
    await expect(page.locator("#field-answer")).to_have_value("BRA")
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")
    assert "requesting_state=BRA" in page.url

    # 2. Requested State.
    await expect(heading).to_have_text("Which State are you asking?")
    await expect(heading).to_be_focused()
    await page.keyboard.press("Tab")
    await page.keyboard.type("Italy")
    await expect(page.locator("#field-answer")).to_have_value("ITA")
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")

    # 3. Type of request: radios, moved through with the arrow keys.
    await expect(heading).to_have_text("What type of request is it?")
    await expect(heading).to_be_focused()
    await page.keyboard.press("Tab")
    await page.keyboard.press("ArrowDown")
    await expect(page.get_by_label("Extradition")).to_be_checked()
    await page.keyboard.press("ArrowUp")
    await expect(page.get_by_label("Mutual legal assistance")).to_be_checked()
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")

    # 4. Measure.
    await expect(heading).to_have_text("Which measure do you ask for?")
    await expect(heading).to_be_focused()
    await check_page(page, "finder-measure")
    await page.keyboard.press("Tab")
    await page.keyboard.press("ArrowDown")
    await page.keyboard.press("ArrowDown")
    await expect(page.get_by_label("Freezing of assets")).to_be_checked()
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")

    # 5. Urgency.
    await expect(heading).to_have_text("Is the request urgent?")
    await expect(heading).to_be_focused()
    await page.keyboard.press("Tab")
    await page.keyboard.press("ArrowDown")
    await expect(page.get_by_label("Yes, it is urgent")).to_be_checked()
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")

    # The answer, with every answer kept in the address.
    await expect(heading).to_have_text("Where to send your request")
    for part in (
        "requesting_state=BRA",
        "requested_state=ITA",
        "request_type=mla",
        "measure=freezing",
        "urgent=true",
    ):
        assert part in page.url, page.url
    main = page.locator("main")
    recommended = main.locator(".dir-recommended")
    await expect(recommended.get_by_text("Address your request here")).to_be_visible()
    await expect(recommended.get_by_role("link", name=ITALY_MOJ)).to_be_visible()
    await expect(main.get_by_text("The requirement sheet for Freezing of assets.")).to_be_visible()
    await expect(main.get_by_text("Court order in the requesting State")).to_be_visible()
    await expect(
        main.get_by_text("Treaty between Italy and Brazil on Mutual Assistance in Criminal Matters")
    ).to_be_visible()
    await expect(main.get_by_text("Can the Convention serve as legal basis?")).to_be_visible()
    await expect(main.get_by_text("Advance copy by email")).to_be_visible()
    await expect(
        main.get_by_text("Everything in this answer was verified recently.")
    ).to_be_visible()
    await check_page(page, "finder-answer")

    # A changed answer keeps the others and comes back to the answer.
    change = main.get_by_role("link", name="Change Urgent")
    await tab_to(page, change)
    await page.keyboard.press("Enter")
    await expect(heading).to_have_text("Is the request urgent?")
    await expect(heading).to_be_focused()
    await page.keyboard.press("Tab")
    await expect(page.get_by_label("Yes, it is urgent")).to_be_focused()
    await page.keyboard.press("ArrowUp")
    await expect(page.get_by_label("No, it follows the normal procedure")).to_be_checked()
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")
    await expect(heading).to_have_text("Where to send your request")
    assert "urgent=false" in page.url and "measure=freezing" in page.url
    await expect(main.get_by_text("Advance copy by email")).to_have_count(0)

    # On to the authority's page.
    await tab_to(page, recommended.get_by_role("link", name=ITALY_MOJ))
    await page.keyboard.press("Enter")
    await expect(heading).to_have_text(ITALY_MOJ)
    assert page.url.endswith(f"/authorities/{ids['ita']}")
    await expect(main.get_by_text("Office II - Mutual assistance", exact=True)).to_be_visible()
    await expect(main.get_by_text("Mutual legal assistance: Freezing of assets")).to_be_visible()
    facts = main.get_by_role("complementary", name="At a glance")
    await expect(facts.get_by_text("Via Arenula 70, 00186 Roma, Italy")).to_be_visible()
    await expect(
        main.get_by_role("link", name=re.compile("Codice di procedura penale"))
    ).to_be_visible()
    await expect(main.get_by_text("Visible to every vetted member of the network.")).to_be_visible()
    # An officer who is not its focal point is offered no editing.
    await expect(main.get_by_role("link", name="Edit this entry")).to_have_count(0)
    await expect(
        main.get_by_role("button", name="Confirm this entry is still accurate")
    ).to_have_count(0)
    await check_page(page, "authority")

    # Then to the comparison of the two States.
    await tab_to(
        page,
        main.get_by_role("link", name="Compare these requirements of Italy with another State"),
    )
    await page.keyboard.press("Enter")
    await expect(heading).to_have_text("Compare two States")
    await tab_to(page, page.get_by_label("Second State"))
    await page.keyboard.type("Brazil")
    await expect(page.get_by_label("Second State")).to_have_value("BRA")
    await tab_to(page, page.get_by_role("button", name="Compare", exact=True))
    await page.keyboard.press("Enter")
    await expect(main.get_by_role("heading", name="Italy and Brazil")).to_be_visible()
    assert "state_a=ITA" in page.url and "state_b=BRA" in page.url
    assert "request_type=mla" in page.url
    await expect(main.get_by_text(re.compile(r"\d+ of 10 fields differ\."))).to_be_visible()
    languages = main.get_by_role("heading", name=re.compile("^Languages"))
    await expect(languages).to_contain_text("Different")
    await expect(main.get_by_role("heading", name=re.compile("^Possible"))).to_contain_text("Same")
    await check_page(page, "compare")


async def test_the_focal_point_edits_the_entry_and_sees_the_revision(
    web_server: Server, context, page: Page, session: AsyncSession
) -> None:
    ids = await seed_directory(session)
    focal = await member_of(session, ids["ita"], focal_point=True, name="Giulia Rossi")
    await sign_in(context, session, focal)

    await page.goto(web_server.http + f"/authorities/{ids['ita']}")
    main = page.locator("main")
    await expect(page.locator("main h1")).to_have_text(ITALY_MOJ)
    await main.get_by_role("link", name="Edit this entry").click()
    await expect(page.locator("main h1")).to_have_text("Edit a directory entry")
    await check_page(page, "authority-edit")

    # The API's field error, in the summary and by the field; nothing typed is lost.
    await page.locator("#field-email").fill("not-an-email")
    await page.locator("#field-office_hours").fill("Mon-Fri 08:00-17:00")
    await main.get_by_role("button", name="Save changes").click()
    summary = main.locator(".error-summary")
    await expect(summary).to_be_visible()
    await expect(
        summary.get_by_role("link", name=re.compile("^Email: Enter an email address"))
    ).to_be_visible()
    await expect(main.locator("#field-email-error")).to_contain_text("Enter an email address")
    await expect(page.locator("#field-office_hours")).to_have_value("Mon-Fri 08:00-17:00")
    await check_page(page, "authority-edit-error")
    await summary.get_by_role("link", name=re.compile("^Email")).click()
    await expect(page.locator("#field-email")).to_be_focused()

    await page.locator("#field-email").fill("cooperazione@giustizia.example")
    await main.get_by_role("button", name="Save changes").click()
    await expect(page.locator("main h1")).to_have_text(ITALY_MOJ)
    await expect(main.get_by_text("Your changes are saved")).to_be_visible()

    history = main.locator("section", has=page.get_by_role("heading", name="History of changes"))
    latest = history.locator(".dir-revision").first
    await expect(latest).to_contain_text("Changed")
    await expect(latest).to_contain_text("by Giulia Rossi")
    office = latest.locator("li", has_text="Office hours")
    await expect(office.locator(".dir-diff-old")).to_contain_text("Before: Mon-Fri 08:30-17:30")
    await expect(office.locator(".dir-diff-new")).to_contain_text("After: Mon-Fri 08:00-17:00")
    email = latest.locator("li", has_text="Email")
    await expect(email.locator(".dir-diff-new")).to_contain_text("cooperazione@giustizia.example")
    await expect(main.get_by_text("cooperazione@giustizia.example").first).to_be_visible()
    await check_page(page, "authority-revisions")

    # Confirming the entry as it stands adds a revision without changes.
    await main.get_by_role("button", name="Confirm this entry is still accurate").click()
    await expect(main.get_by_text("Thank you: the entry is confirmed as accurate")).to_be_visible()
    confirmed = history.locator(".dir-revision").first
    await expect(confirmed).to_contain_text("Confirmed")
    await expect(confirmed).to_contain_text("Confirmed as accurate, without changes.")


async def test_a_member_reports_that_a_contact_failed(
    web_server: Server, context, page: Page, session: AsyncSession
) -> None:
    ids = await seed_directory(session)
    officer = await member_of(session, ids["bra"], name="Ana Souza")
    await sign_in(context, session, officer)

    await page.goto(web_server.http + f"/authorities/{ids['fra']}")
    main = page.locator("main")
    await expect(page.locator("main h1")).to_contain_text("Ministry of Justice, Office for")
    form = main.locator("#report-failure")
    await form.get_by_role("button", name="Send the report").click()
    await expect(form.locator(".error-summary")).to_contain_text(
        "Which contact failed: This field is required."
    )
    await form.get_by_label("Which contact failed").select_option(label="Email address")
    await form.get_by_label("What happened").fill("550 5.1.1 mailbox unavailable")
    await form.get_by_role("button", name="Send the report").click()
    await expect(form.get_by_text("Thank you: your report is sent.")).to_be_visible()
    await expect(main.locator(".dir-side-panel")).to_contain_text("1 report of a failed contact")
    await check_page(page, "authority-failure-reported")

    # The page in French, from the directory's own catalog.
    await page.get_by_label("Language", exact=True).select_option("fr")
    await expect(
        main.get_by_role("heading", name="Signaler qu’un contact a échoué")
    ).to_be_visible()
    await expect(main.locator(".dir-side-panel")).to_contain_text(
        "1 signalement de contact en échec"
    )
    await check_page(page, "authority-fr")

    reports = (
        (
            await session.execute(
                select(ContactFailureReport).where(ContactFailureReport.authority_id == ids["fra"])
            )
        )
        .scalars()
        .all()
    )
    assert [(r.channel, r.detail, r.reporter_user_id) for r in reports] == [
        ("email", "550 5.1.1 mailbox unavailable", officer.id)
    ]


async def test_directory_search_filters_live_in_the_address(
    web_server: Server, context, page: Page, session: AsyncSession
) -> None:
    ids = await seed_directory(session)
    for n in range(26):
        await make_authority(session, state_code="MEX", name=f"Fiscalía estatal {n:02d}")
    officer = await member_of(session, ids["bra"], name="Ana Souza")
    await sign_in(context, session, officer)

    await page.goto(web_server.http + "/")
    navigation = page.get_by_role("navigation", name="Main")
    await expect(navigation.get_by_role("link", name="Finder")).to_be_visible()
    await navigation.get_by_role("link", name="Directory").click()
    main = page.locator("main")
    await expect(page.locator("main h1")).to_have_text("Directory")
    await expect(main.get_by_role("link", name=ITALY_MOJ)).to_be_visible()
    await check_page(page, "directory")

    # Filters are a row of controls; searching writes them into the address.
    await page.get_by_label("Search", exact=True).fill("justice")
    await page.get_by_label("Type of request").select_option(label="Extradition")
    await main.get_by_role("button", name="Search").click()
    await expect(page).to_have_url(re.compile(r"/directory\?q=justice&type=extradition$"))
    await expect(main.get_by_role("link", name="Federal Office of Justice")).to_be_visible()
    await expect(main.get_by_text("matching: “justice”; Extradition.")).to_be_visible()
    # The matched words are <mark>ed; snippets are built as text, so nothing else is markup.
    snippets = main.locator(".dir-snippet")
    await expect(snippets.locator("mark").first).to_have_text(re.compile("^justice$", re.I))
    assert await snippets.locator(":not(mark)").count() == 0

    # A bookmarked view opens as it was; an empty one says why.
    await page.goto(web_server.http + "/directory?flagged=true")
    await expect(page.get_by_label("Only entries with a reported contact failure")).to_be_checked()
    await expect(
        main.get_by_role("link", name="Service for International Police Cooperation (SCIP)")
    ).to_be_visible()
    await expect(main.get_by_text("1 report of a failed contact")).to_be_visible()
    await page.goto(web_server.http + "/directory?stale=true&region=Africa")
    nigeria = main.locator(
        ".dir-result", has_text="Federal Ministry of Justice, Central Authority Unit"
    )
    await expect(nigeria.get_by_text("Out of date")).to_be_visible()
    await expect(main.locator(".dir-result")).to_have_count(1)
    await page.goto(web_server.http + "/directory?q=nowhere-to-be-found&state=ZAF")
    await expect(main.get_by_text("No authority matches your search.")).to_be_visible()
    await expect(
        main.get_by_text("You searched for: “nowhere-to-be-found”; South Africa.")
    ).to_be_visible()
    await check_page(page, "directory-empty")

    # Cursor paging.
    await page.goto(web_server.http + "/directory?state=MEX")
    results = main.locator(".dir-result")
    await expect(results).to_have_count(25)
    await main.get_by_role("button", name="Load more").click()
    await expect(results).to_have_count(27)
    await expect(results.nth(25).get_by_role("link")).to_be_focused()
    await expect(main.get_by_role("button", name="Load more")).to_have_count(0)


async def test_an_unknown_authority_is_the_not_found_page(
    web_server: Server, context, page: Page, session: AsyncSession
) -> None:
    officer = await make_member(session)
    await session.commit()
    await sign_in(context, session, officer)
    await page.goto(web_server.http + f"/authorities/{uuid.uuid4()}")
    await expect(page.locator("main h1")).to_have_text("Page not found")
    await page.goto(web_server.http + f"/authorities/{uuid.uuid4()}/edit")
    await expect(page.locator("main h1")).to_have_text("Page not found")


async def test_a_focal_point_confirms_a_stale_sheet_from_its_reminder(
    web_server: Server, browser: Browser, context, page: Page, session: AsyncSession, db: Database
) -> None:
    ids = await seed_directory(session)
    focal = await member_of(session, ids["fra"], focal_point=True, name="Claire Martin")
    colleague = await member_of(session, ids["fra"], name="Luc Bernard")
    # France's sheet for searches and seizures has not been confirmed for over a year.
    await session.execute(
        update(RequirementSheet)
        .where(
            RequirementSheet.state_code == "FRA",
            RequirementSheet.request_type == "mla",
            RequirementSheet.measure == "search_and_seizure",
        )
        .values(last_verified_at=datetime.now(UTC) - timedelta(days=400))
    )
    await session.commit()
    async with db.transaction() as tx:
        reminded = await remind_stale(tx)
    assert len(reminded.sheets) == 2  # France's, and Nigeria's from the demo (no focal point)
    await notifications_of(db, focal.id, count=1, timeout=20)  # the server's deriver made it
    await sign_in(context, session, focal)

    # The reminder's link opens that very sheet (its measure), said to be out of date.
    await page.goto(web_server.http + "/notifications")
    await page.get_by_role(
        "link", name="The mla (search_and_seizure) requirement sheet of FRA needs verifying"
    ).click()
    heading = page.locator("main h1")
    main = page.locator("main")
    await expect(heading).to_have_text("Mutual legal assistance: Search and seizure")
    assert page.url.endswith("/states/FRA/requirements/mla?measure=search_and_seizure")
    await expect(main.get_by_text("Requirement sheet of France")).to_be_visible()
    await expect(main.locator(".dir-verified").get_by_text("Out of date")).to_be_visible()
    await expect(main.locator(".dir-facts")).to_contain_text(
        "Investigating judge (juge d'instruction)"
    )
    others = main.get_by_role("navigation", name="Sheets of France for this type of request")
    await expect(others.get_by_role("link", name="General requirements")).to_be_visible()
    await expect(others.locator("[aria-current=page]")).to_have_text("Search and seizure")
    await check_page(page, "sheet-stale")

    # Confirming it as it stands: no longer out of date, and the history says who and when.
    await main.get_by_role("button", name="Confirm this sheet is still accurate").click()
    await expect(
        main.get_by_text("Thank you: the sheet is confirmed as accurate on")
    ).to_be_visible()
    await expect(main.get_by_text("Out of date")).to_have_count(0)
    history = main.locator("section", has=page.get_by_role("heading", name="History of changes"))
    confirmed = history.locator(".dir-revision").first
    await expect(confirmed).to_contain_text("Confirmed")
    await expect(confirmed).to_contain_text("by Claire Martin")
    await expect(confirmed).to_contain_text("Confirmed as accurate, without changes.")
    await check_page(page, "sheet-confirmed")
    sheet = (
        await session.execute(
            select(RequirementSheet).where(
                RequirementSheet.state_code == "FRA",
                RequirementSheet.measure == "search_and_seizure",
            )
        )
    ).scalar_one()
    await session.refresh(sheet)
    assert sheet.last_verified_by == focal.id

    # Editing: the API's field error in the summary and by the field, nothing typed lost.
    await main.get_by_role("link", name="Edit this sheet").click()
    await expect(heading).to_have_text("Edit a requirement sheet")
    await expect(page.locator("#field-languages")).to_have_value("fr")
    await check_page(page, "sheet-edit")
    await page.locator("#field-languages").fill("French")
    await page.locator("#field-usual_execution_time").fill("2 to 5 months")
    await main.get_by_role("button", name="Save changes").click()
    summary = main.locator(".error-summary")
    await expect(
        summary.get_by_role("link", name=re.compile("^Languages: Enter two-letter language codes"))
    ).to_be_visible()
    await expect(main.locator("#field-languages-error")).to_contain_text("two-letter")
    await expect(page.locator("#field-usual_execution_time")).to_have_value("2 to 5 months")
    await check_page(page, "sheet-edit-error")
    await page.locator("#field-languages").fill("fr, en")
    await main.get_by_role("button", name="Save changes").click()
    await expect(heading).to_have_text("Mutual legal assistance: Search and seizure")
    await expect(main.get_by_text("Your changes are saved")).to_be_visible()
    changed = history.locator(".dir-revision").first
    await expect(changed).to_contain_text("Changed")
    timing = changed.locator("li", has_text="Usual time to execute")
    await expect(timing.locator(".dir-diff-old")).to_contain_text("3 to 6 months")
    await expect(timing.locator(".dir-diff-new")).to_contain_text("2 to 5 months")
    languages = changed.locator(".dir-diff > li", has_text="Languages")
    await expect(languages.locator(".dir-diff-new")).to_contain_text("English")

    # Another member of the authority reads the sheet, from a link or directly, and is
    # offered neither editing nor confirming.
    other = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    try:
        await sign_in(other, session, colleague)
        reader = await other.new_page()
        reader_main = reader.locator("main")
        await reader.goto(web_server.http + f"/authorities/{ids['fra']}")
        await reader_main.get_by_role(
            "link", name="Mutual legal assistance: Search and seizure"
        ).click()
        await expect(reader.locator("main h1")).to_have_text(
            "Mutual legal assistance: Search and seizure"
        )
        await expect(reader_main.get_by_text("2 to 5 months").first).to_be_visible()
        await expect(reader_main.get_by_role("link", name="Edit this sheet")).to_have_count(0)
        await expect(
            reader_main.get_by_role("button", name="Confirm this sheet is still accurate")
        ).to_have_count(0)
        await check_page(reader, "sheet-reader")
        await reader.goto(
            web_server.http + "/states/FRA/requirements/mla/edit?measure=search_and_seizure"
        )
        await expect(reader_main.get_by_text("You cannot edit this sheet.")).to_be_visible()
        await expect(reader_main.locator("form")).to_have_count(0)

        # From the comparison to a State's sheet.
        await reader.goto(web_server.http + "/compare?state_a=FRA&state_b=ITA&request_type=mla")
        await reader_main.get_by_role("link", name="Open the requirement sheet of Italy").click()
        await expect(reader.locator("main h1")).to_have_text(
            "Mutual legal assistance: general requirements"
        )
        assert reader.url.endswith("/states/ITA/requirements/mla")

        # A State, type or measure without a sheet is the not-found page.
        for path in (
            "/states/XXX/requirements/mla",
            "/states/FRA/requirements/mla?measure=interception",
            "/states/FRA/requirements/nonsense",
            "/states/DEU/requirements/extradition",
        ):
            await reader.goto(web_server.http + path)
            await expect(reader.locator("main h1")).to_have_text("Page not found")
    finally:
        await other.close()
