"""Administration in the browser: a moderator grant confirmed by a second administrator (the
first cannot confirm their own), a directory import whose bad row is reported and writes
nothing before the corrected file imports, treaties and authorities with the API's field
errors, and a member suspended, reinstated and signed out everywhere."""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import Any

from playwright.async_api import Browser, BrowserContext, Page, expect
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.directory import Authority, Treaty
from app.models.identity import User, VettingStep
from tests.factories import Member, make_authority, make_member
from tests.servers import Server
from tests.web.conftest import check_page, sign_in

LONG = 15_000  # ms: bounded waits for what a real server and browser do (not timing checks)


async def _own_page(browser: Browser, session: AsyncSession, member: Member) -> Page:
    """Another person's browser (its own cookies), signed in."""
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    await sign_in(context, session, member)
    return await context.new_page()


async def _fresh(session: AsyncSession, model: Any, id: uuid.UUID) -> Any:
    # populate_existing rather than expire_all: the members built here stay usable.
    return await session.get(model, id, populate_existing=True)


async def _socket_ready(page: Page) -> None:
    """Wait (bounded) until the page's live connection says it is ready."""
    frames: list[str] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda f: frames.append(str(f))))
    await page.reload()
    for _ in range(LONG // 100):
        if any('"type":"ready"' in f for f in frames):
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the live connection never became ready")


async def test_a_second_admin_confirms_a_moderator_grant_the_first_cannot(
    web_server: Server, context: BrowserContext, page: Page, browser: Browser, session: AsyncSession
) -> None:
    authority = await make_authority(session, state_code="PRT", name="Procuradoria-Geral")
    first = await make_member(session, roles=["admin"], full_name="Amira Haddad")
    second = await make_member(session, roles=["admin"], full_name="Jonas Berg")
    target = await make_member(
        session, full_name="Ana Souza", handle="ana.souza", authority=authority
    )
    await session.commit()
    target_id = target.id
    await sign_in(context, session, first)

    # The first administrator finds the member from the console.
    await page.goto(web_server.http + "/")
    nav = page.get_by_role("navigation", name="Main")
    await nav.get_by_role("link", name="Administration").click()
    heading = page.get_by_role("heading", level=1)
    await expect(heading).to_have_text("Administration")
    await expect(
        page.get_by_text("No role change is waiting for a second administrator.")
    ).to_be_visible()
    await check_page(page, "admin-home")
    await page.get_by_role("link", name="Members", exact=True).click()
    await expect(heading).to_have_text("Members")
    await page.get_by_label("Name, handle, email or authority").fill("souza")
    await page.get_by_role("button", name="Find members").click()
    assert "q=souza" in page.url
    await expect(page.get_by_text("1 member.")).to_be_visible()
    await check_page(page, "admin-members")
    await page.get_by_role("link", name="Ana Souza").click()
    await expect(heading).to_have_text("Ana Souza")
    # The navigation says which section this page is in.
    await expect(nav.get_by_role("link", name="Administration")).to_have_attribute(
        "aria-current", "true"
    )
    await expect(page.get_by_text("Procuradoria-Geral", exact=True)).to_be_visible()

    # Granting moderator waits for a second administrator.
    await page.get_by_label("Grant a role").select_option("moderator")
    await page.get_by_role("button", name="Grant", exact=True).click()
    await expect(
        page.get_by_text(
            "The role of moderator for Ana Souza is waiting for a second administrator"
        )
    ).to_be_visible()
    pending = page.locator(".admin-change")
    await expect(pending.get_by_text("Grants: moderator")).to_be_visible()
    await expect(pending.get_by_text("Waiting for a second administrator")).to_be_visible()
    await check_page(page, "admin-member-pending")

    # The one who asked cannot confirm it: the API says so, and nothing changes.
    await pending.get_by_role("button", name="Confirm").click()
    await expect(pending.get_by_role("alert")).to_have_text(
        re.compile("A second administrator must decide this change")
    )
    assert (await _fresh(session, User, target_id)).roles == ["officer"]

    # A second administrator, in another browser, confirms it.
    other = await _own_page(browser, session, second)
    try:
        await other.goto(web_server.http + "/admin")
        await expect(
            other.get_by_text("1 role change is waiting for a second administrator.")
        ).to_be_visible()
        await other.get_by_role("link", name="Role changes").click()
        await expect(other.get_by_role("heading", level=1)).to_have_text("Role changes")
        item = other.locator(".admin-change").filter(has_text="Ana Souza")
        await expect(item.get_by_text("Grants: moderator")).to_be_visible()
        await expect(item.get_by_text("Asked by Amira Haddad")).to_be_visible()
        await check_page(other, "admin-roles")
        await item.get_by_role("button", name="Confirm").click()
        await expect(
            other.get_by_text("Confirmed: the new roles of Ana Souza apply now.")
        ).to_be_visible()
        await expect(
            other.get_by_text("No role change is waiting for a second administrator.")
        ).to_be_visible()
        assert sorted((await _fresh(session, User, target_id)).roles) == ["moderator", "officer"]
        await other.get_by_role("link", name="Confirmed").click()
        confirmed = other.locator(".admin-change").filter(has_text="Ana Souza")
        await expect(confirmed.get_by_text("Confirmed by Jonas Berg")).to_be_visible()
    finally:
        await other.context.close()

    # The new moderator, in a third browser, has no Administration: each of its pages is
    # the not-found page, even those whose reads are open to moderators or to everyone.
    third = await _own_page(browser, session, target)
    try:
        for path in ("/admin", "/admin/members", f"/admin/members/{target_id}", "/admin/treaties"):
            await third.goto(web_server.http + path)
            await expect(third.get_by_role("heading", level=1)).to_have_text("Page not found")
        nav = third.get_by_role("navigation", name="Main")
        await expect(nav.get_by_role("link", name="Home")).to_be_visible()
        await expect(nav.get_by_role("link", name="Administration")).to_have_count(0)
    finally:
        await third.context.close()


def _authorities_csv(second_state: str) -> bytes:
    return (
        "state_code,name,types,email,languages\n"
        "MOZ,Procuradoria-Geral da República de Moçambique,mla;extradition,"
        "cooperacao@pgr.example.mz,pt;en\n"
        f"{second_state},Ministerio de Justicia y Derechos Humanos,mla,"
        "cooperacion@mj.example.org,es\n"
    ).encode()


async def _named(session: AsyncSession, *names: str) -> int:
    statement = select(func.count()).select_from(Authority).where(Authority.name.in_(names))  # type: ignore[attr-defined]
    return int((await session.execute(statement)).scalar_one())


async def test_an_import_with_a_bad_row_writes_nothing_then_the_corrected_file_imports(
    web_server: Server, context: BrowserContext, page: Page, session: AsyncSession
) -> None:
    admin = await make_member(session, roles=["admin"], full_name="Amira Haddad")
    await session.commit()
    await sign_in(context, session, admin)
    names = (
        "Procuradoria-Geral da República de Moçambique",
        "Ministerio de Justicia y Derechos Humanos",
    )

    await page.goto(web_server.http + "/admin")
    await page.get_by_role("link", name="Import and export the directory").click()
    heading = page.get_by_role("heading", level=1)
    await expect(heading).to_have_text("Import and export the directory")
    await check_page(page, "admin-import")

    # Export: each link downloads a file.
    async with page.expect_download() as download:
        await page.get_by_role("link", name="Treaties (CSV)").click()
    assert (await download.value).suggested_filename == "canet-directory-treaties.csv"

    # Checking with no file says what is missing.
    await page.get_by_role("button", name="Check the file").click()
    await expect(page.get_by_text("Choose the file to import.")).to_be_visible()

    # A file with a bad row: the report names the row and the field, nothing is written.
    await page.get_by_label("File to import").set_input_files(
        {"name": "authorities.csv", "mimeType": "text/csv", "buffer": _authorities_csv("XXZ")}
    )
    await expect(page.get_by_label("Format")).to_have_value("csv")
    await expect(page.get_by_label("What the file holds")).to_have_value("authorities")
    await page.get_by_role("button", name="Check the file").click()
    await expect(page.get_by_role("heading", name="1 problem in the file")).to_be_visible()
    await expect(page.get_by_text("Nothing was imported.")).to_be_visible()
    table = page.get_by_role("table", name="Problems found, by row")
    rows = table.locator("tbody tr")
    await expect(rows).to_have_count(1)
    cells = rows.first.locator("td")
    await expect(cells).to_have_text(["Authorities", "3", "state_code", "unknown state XXZ"])
    await expect(page.get_by_role("button", name="Import now")).to_have_count(0)
    await check_page(page, "admin-import-report")
    assert await _named(session, *names) == 0

    # The corrected file: checked (still nothing written), then imported.
    await page.get_by_label("File to import").set_input_files(
        {"name": "authorities.csv", "mimeType": "text/csv", "buffer": _authorities_csv("ARG")}
    )
    await page.get_by_role("button", name="Check the file").click()
    await expect(page.get_by_text("authorities.csv is correct.")).to_be_visible()
    await expect(page.get_by_text("Authorities: 2 rows")).to_be_visible()
    assert await _named(session, *names) == 0
    await page.get_by_role("button", name="Import now").click()
    await expect(page.get_by_text("authorities.csv is imported.")).to_be_visible()
    await expect(page.get_by_text("Authorities: 2 added, 0 updated, of 2")).to_be_visible()
    await check_page(page, "admin-import-done")
    assert await _named(session, *names) == 2


async def test_an_admin_adds_a_treaty_after_a_validation_error_then_edits_it(
    web_server: Server, context: BrowserContext, page: Page, session: AsyncSession
) -> None:
    admin = await make_member(session, roles=["admin"], full_name="Amira Haddad")
    await session.commit()
    await sign_in(context, session, admin)
    title = "Treaty between Portugal and Cabo Verde on Mutual Legal Assistance"

    await page.goto(web_server.http + "/admin/treaties")
    heading = page.get_by_role("heading", level=1)
    await expect(heading).to_have_text("Treaties")
    await page.get_by_role("link", name="Add a treaty").click()
    await expect(heading).to_have_text("Add a treaty")
    await page.get_by_label("Title").fill(title)
    await page.get_by_label("Bilateral treaty").check()
    await page.get_by_label("Parties").fill("prt, XXZ")
    await page.get_by_label("Mutual legal assistance", exact=True).check()
    await page.get_by_label("Signed on").fill("2019-05-14")
    await page.get_by_role("button", name="Add the treaty").click()

    # The API's field error: in the summary (a link to the field) and by the field.
    summary = page.locator(".error-summary")
    await expect(summary).to_be_focused()
    message = "XXZ is not a State code we know."
    await expect(
        summary.get_by_role("link", name=re.compile(f"Parties: {message}"))
    ).to_be_visible()
    await expect(page.locator("#field-parties-error")).to_contain_text(message)
    await expect(page.get_by_label("Title")).to_have_value(title)  # nothing typed is lost
    await check_page(page, "admin-treaty-error")
    await summary.get_by_role("link", name=re.compile("Parties")).click()
    await expect(page.get_by_label("Parties")).to_be_focused()

    await page.get_by_label("Parties").fill("PRT, CPV")
    await expect(page.get_by_text("Read as: Portugal, Cabo Verde.")).to_be_visible()
    await page.get_by_role("button", name="Add the treaty").click()
    await expect(heading).to_have_text("Treaties")
    await expect(page.get_by_text(f"The treaty “{title}” is added.")).to_be_visible()
    row = page.locator(".admin-treaty").filter(has_text=title)
    await expect(row.get_by_text("Parties: Cabo Verde, Portugal")).to_be_visible()
    await check_page(page, "admin-treaties")
    treaty = (await session.execute(select(Treaty).where(Treaty.title == title))).scalar_one()  # type: ignore[arg-type]
    assert treaty.kind == "bilateral" and treaty.subjects == ["mla"]

    # Editing: an emptied title is refused by the API; then a date is added and saved.
    await row.get_by_role("link", name=f"Edit {title}").click()
    await expect(heading).to_have_text("Edit a treaty")
    await page.get_by_label("Title").fill("")
    await page.get_by_role("button", name="Save changes").click()
    await expect(page.locator("#field-title-error")).to_contain_text("This field is required.")
    await check_page(page, "admin-treaty-edit-error")
    await page.get_by_label("Title").fill(title)
    await page.get_by_label("In force since").fill("2021-01-01")
    await page.get_by_role("button", name="Save changes").click()
    await expect(page.get_by_text(f"The changes to “{title}” are saved.")).to_be_visible()
    await expect(row.get_by_text(re.compile("In force since .*2021"))).to_be_visible()


async def test_an_admin_adds_an_authority_after_field_errors(
    web_server: Server, context: BrowserContext, page: Page, session: AsyncSession
) -> None:
    admin = await make_member(session, roles=["admin"], full_name="Amira Haddad")
    await session.commit()
    await sign_in(context, session, admin)
    name = "Ministry of Justice of Cabo Verde"

    await page.goto(web_server.http + "/admin")
    await page.get_by_role("link", name="Add an authority").click()
    heading = page.get_by_role("heading", level=1)
    await expect(heading).to_have_text("Add an authority")
    await page.get_by_label("Name", exact=True).fill(name)
    await page.get_by_label("Email").fill("not an address")
    await page.get_by_role("button", name="Add to the directory").click()
    summary = page.locator(".error-summary")
    await expect(summary).to_be_focused()
    await expect(summary.get_by_text("Choose the State of the authority.")).to_be_visible()
    await expect(summary.get_by_text("Choose at least one type of request.")).to_be_visible()
    await expect(page.locator("#field-email-error")).to_be_visible()
    await expect(page.get_by_label("Name", exact=True)).to_have_value(name)
    await check_page(page, "admin-authority-error")

    await page.get_by_label("State", exact=True).select_option("CPV")
    await page.get_by_label("Mutual legal assistance", exact=True).check()
    await page.get_by_label("Email").fill("cooperacao@mj.example.cv")
    await page.get_by_role("button", name="Add to the directory").click()
    await expect(heading).to_have_text(name)
    await expect(page.get_by_text(f"{name} is added to the directory.")).to_be_visible()
    assert await _named(session, name) == 1

    # The directory's own edit form, for the admin with the State among its fields.
    await page.get_by_role("link", name="Edit this entry").click()
    await expect(heading).to_have_text("Edit a directory entry")
    await expect(page.get_by_label("State", exact=True)).to_have_value("CPV")
    await page.get_by_label("Telephone").fill("call the switchboard")
    await page.get_by_role("button", name="Save changes").click()
    await expect(page.locator("#field-phone-error")).to_be_visible()
    await check_page(page, "admin-authority-edit-error")
    await page.get_by_label("Telephone").fill("+238 260 76 00")
    await page.get_by_role("button", name="Save changes").click()
    await expect(heading).to_have_text(name)
    await expect(page.get_by_role("link", name="+238 260 76 00")).to_be_visible()

    # The console in French.
    await page.goto(web_server.http + "/admin")
    await page.get_by_label("Language").select_option("fr")
    await expect(heading).to_have_text("Administration")
    await expect(page.get_by_role("heading", name="Membres et rôles")).to_be_visible()
    await check_page(page, "admin-home-fr")


async def test_an_admin_signs_a_member_out_suspends_and_reinstates_them(
    web_server: Server,
    context: BrowserContext,
    page: Page,
    browser: Browser,
    session: AsyncSession,
) -> None:
    admin = await make_member(session, roles=["admin"], full_name="Amira Haddad")
    member = await make_member(session, full_name="Sam Okoro", handle="sam.okoro")
    await session.commit()
    member_id = member.id
    await sign_in(context, session, admin)
    theirs = await _own_page(browser, session, member)
    try:
        await theirs.goto(web_server.http + "/")
        await expect(theirs.get_by_role("heading", level=1)).to_have_text("Home")
        await _socket_ready(theirs)

        # Signed out everywhere: the member's open page says so at once.
        await page.goto(f"{web_server.http}/admin/members/{member_id}")
        heading = page.get_by_role("heading", level=1)
        await expect(heading).to_have_text("Sam Okoro")
        await check_page(page, "admin-member")
        await page.get_by_role("button", name="Sign out everywhere").click()
        await expect(page.get_by_text(re.compile(r"sessions? of Sam Okoro ended"))).to_be_visible()
        await expect(theirs.get_by_text("You were signed out")).to_be_visible(timeout=LONG)
        await expect(theirs.get_by_role("heading", level=1)).to_have_text("Sign in")

        # Suspended with a reason (required), signed out again.
        await sign_in(theirs.context, session, member)
        await theirs.goto(web_server.http + "/")
        await _socket_ready(theirs)
        await page.get_by_role("button", name="Suspend this member").click()
        await page.get_by_role("button", name="Suspend", exact=True).click()
        await expect(page.locator("#field-reason-error")).to_contain_text("Say why.")
        await page.get_by_label("Why are you suspending this member?").fill(
            "Reported leaving case files on a shared computer."
        )
        await check_page(page, "admin-member-suspend")
        await page.get_by_role("button", name="Suspend", exact=True).click()
        await expect(
            page.get_by_text("Sam Okoro is suspended and signed out everywhere.")
        ).to_be_visible()
        await expect(page.locator(".admin-facts").get_by_text("Suspended")).to_be_visible()
        await expect(theirs.get_by_text("You were signed out")).to_be_visible(timeout=LONG)
        assert (await _fresh(session, User, member_id)).status == "suspended"

        # Reinstated.
        await page.get_by_role("button", name="Reinstate this member").click()
        await page.get_by_label("Why are you reinstating this member?").fill(
            "The authority confirmed the computer was his own."
        )
        await page.get_by_role("button", name="Reinstate", exact=True).click()
        await expect(
            page.get_by_text("Sam Okoro is reinstated and can sign in again.")
        ).to_be_visible()
        await expect(page.locator(".admin-facts").get_by_text("Active")).to_be_visible()
        await check_page(page, "admin-member-reinstated")
        assert (await _fresh(session, User, member_id)).status == "active"
        steps = (
            await session.execute(
                select(VettingStep.step, VettingStep.note).where(VettingStep.user_id == member_id)  # type: ignore[arg-type]
            )
        ).all()
        assert ("suspended", "Reported leaving case files on a shared computer.") in steps
    finally:
        await theirs.context.close()
