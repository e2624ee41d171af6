"""The library in the browser: a focal point adds a law of their State with its file, which
the authority page, the requirement sheet and the finder's answer then list; a reader finds
it by search, downloads it and sees its versions, without the editing the API keeps for its
editors."""

from __future__ import annotations

import hashlib
import re

from playwright.async_api import BrowserContext, Page, expect
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import make_authority, make_member, make_requirement_sheet
from tests.servers import Server
from tests.web.conftest import check_page, sign_in

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n" + b"Codice di procedura penale " * 400
PDF += b"\n%%EOF\n"


async def test_a_focal_point_adds_a_law_that_the_directory_then_shows(
    web_server: Server,
    context: BrowserContext,
    page: Page,
    session: AsyncSession,
) -> None:
    ita = await make_authority(session, state_code="ITA", name="Ministero della Giustizia")
    await make_authority(session, state_code="FRA", name="Ministère de la Justice")
    await make_requirement_sheet(session, state_code="ITA", request_type="mla")
    focal = await make_member(session, authority=ita, focal_point=True, full_name="Giulia Neri")
    await session.commit()
    await sign_in(context, session, focal)
    heading = page.locator("main h1")
    main = page.locator("main")

    # The library, empty, from the navigation.
    await page.goto(web_server.http + "/")
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Library").click()
    await expect(heading).to_have_text("Library of legal texts")
    await expect(page.get_by_text("The library has no documents yet.")).to_be_visible()
    await check_page(page, "library-empty")

    # A law of Italy, linked to its authority and sheet, with its file.
    await page.get_by_role("link", name="Add a document").click()
    await expect(heading).to_have_text("Add a document to the library")
    await main.get_by_label("Type of document").select_option("national_law")
    await main.get_by_label("Title").fill("Codice di procedura penale, libro XI")
    await main.get_by_label("State").select_option("ITA")
    await main.get_by_label("Language").select_option("it")
    await main.get_by_label("Version date").fill("2024-03-01")
    await main.get_by_label("Official source (web address)").fill(
        "https://www.normattiva.it/codice-procedura-penale"
    )
    await main.get_by_label("Summary").fill("Rapporti giurisdizionali con autorità straniere.")
    await main.get_by_label("Tags").fill("mla, rogatorie")
    await main.get_by_label("Ministero della Giustizia").check()
    await main.get_by_label("Mutual legal assistance: general requirements").check()
    await main.get_by_label("File").set_input_files(
        {"name": "cpp-libro-xi.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    await main.get_by_label("What changed").fill("First version in the library")
    await check_page(page, "library-new")
    await page.get_by_role("button", name="Save").click()

    await expect(heading).to_have_text("Codice di procedura penale, libro XI")
    await expect(page.get_by_text("The document and its file are saved.")).to_be_visible()
    await expect(page.get_by_text(hashlib.sha256(PDF).hexdigest())).to_be_visible()
    await expect(page.get_by_role("link", name="Edit this document")).to_be_visible()
    versions = page.locator(".dir-revision")
    await expect(versions).to_have_count(2)
    await expect(versions.first).to_contain_text("New file")
    await expect(page.get_by_text("First version in the library").first).to_be_visible()
    await check_page(page, "library-document")
    async with page.expect_download() as waiting:
        await (
            page.locator(".dir-detail-body")
            .get_by_role("link", name="cpp-libro-xi.pdf")
            .first.click()
        )
    download = await waiting.value
    path = await download.path()
    assert path is not None and path.read_bytes() == PDF
    document_url = page.url

    # A mistake in the form: the API's field error, next to the field and in the summary.
    await page.get_by_role("link", name="Edit this document").click()
    await expect(heading).to_have_text(re.compile("^Edit "))
    await main.get_by_label("Official source (web address)").fill("not a web address")
    await page.get_by_role("button", name="Save").click()
    await expect(page.locator(".error-summary")).to_be_visible()
    await check_page(page, "library-edit-error")
    await main.get_by_label("Official source (web address)").fill("https://www.normattiva.it/")
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_text("The document is saved.")).to_be_visible()
    await expect(versions).to_have_count(3)

    # The authority's page, its requirement sheet and the finder's answer list it.
    await page.goto(web_server.http + f"/authorities/{ita.id}")
    section = page.locator("section", has=page.locator("#library-heading"))
    await expect(
        section.get_by_role("link", name="Codice di procedura penale, libro XI")
    ).to_be_visible()
    await expect(section.get_by_text("Linked to this authority")).to_be_visible()
    await page.goto(web_server.http + "/states/ITA/requirements/mla")
    await expect(section.get_by_text("Linked to the requirement sheet")).to_be_visible()
    await page.goto(
        web_server.http + "/finder?requesting_state=FRA&requested_state=ITA&request_type=mla"
        "&measure=general&urgent=false"
    )
    await expect(heading).to_have_text("Where to send your request")
    await expect(
        section.get_by_role("link", name="Codice di procedura penale, libro XI")
    ).to_be_visible()
    await check_page(page, "library-finder")
    await section.get_by_role("link", name="All documents of Italy in the library").click()
    await expect(heading).to_have_text("Library of legal texts")
    assert "state=ITA" in page.url

    # Another member reads it and finds it by search, but is offered no editing.
    officer = await make_member(session, full_name="Paul Durand")
    await session.commit()
    await context.clear_cookies()
    await sign_in(context, session, officer)
    await page.goto(web_server.http + "/library")
    await expect(page.get_by_role("link", name="Add a document")).to_have_count(0)
    await main.get_by_label("Words to find").fill("rogatorie")
    await main.get_by_label("Words to find").press("Enter")
    await expect(page).to_have_url(re.compile(r"/library\?q=rogatorie"))
    result = page.get_by_role("link", name="Codice di procedura penale, libro XI")
    await expect(result).to_be_visible()
    await check_page(page, "library-search")
    await result.click()
    await expect(heading).to_have_text("Codice di procedura penale, libro XI")
    assert page.url == document_url
    await expect(page.get_by_role("link", name="Edit this document")).to_have_count(0)
    await page.goto(document_url + "/edit")
    await expect(heading).to_have_text("Page not found")
