"""Vetting and moderation in the browser: an applicant applies, their focal point endorses,
a moderator approves with roles and the checks made, and the new member sees each step; an
application without the focal point's endorsement is approved only with a stated reason;
a moderator re-attests, suspends and reinstates a member with a reason."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
from playwright.async_api import Browser, BrowserContext, Page, expect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.models.directory import Authority
from app.models.identity import User, VettingStep
from tests.factories import Member, make_authority, make_member
from tests.servers import Server
from tests.web.conftest import Inbox, check_page, link_in, sign_in

LONG = 15_000  # ms: bounded waits for what a real server and browser do (not timing checks)
PASSWORD = "harbour lantern quietly folds 42"


async def _browser_of(browser: Browser, session: AsyncSession, member: Member) -> Page:
    """Another person's browser (its own cookies), signed in."""
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    await sign_in(context, session, member)
    return await context.new_page()


async def _apply_in_browser(
    page: Page, server: Server, inbox: Inbox, authority: Authority, name: str, email: str
) -> None:
    """Part 1's applicant journey up to the confirmed address: the form, then the link from
    the mail the server really sent."""
    await page.goto(server.http + "/apply")
    await page.get_by_label("Your authority").select_option(str(authority.id))
    await page.get_by_label("Full name").fill(name)
    await page.get_by_label("Work email address").fill(email)
    await page.get_by_label("Position").fill("Prosecutor, international cooperation")
    await page.get_by_label("Why you need access").fill("I handle requests to and from France.")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Send application").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    message = await inbox.wait_for(email, "Confirm your email address")
    await page.goto(link_in(message, "verify-email"))
    await page.get_by_role("button", name="Confirm my email address").click()
    await expect(page.get_by_text("Your email address is confirmed.")).to_be_visible()


async def _applied_by_api(server: Server, inbox: Inbox, authority: Authority, email: str) -> str:
    """An application whose address is confirmed, made through the API; its id."""
    async with httpx.AsyncClient(base_url=server.http + "/api/v1") as api:
        applied = await api.post(
            "/auth/applications",
            json={
                "email": email,
                "full_name": "Kwame Mensah",
                "password": PASSWORD,
                "authority_id": str(authority.id),
                "position": "State attorney",
                "justification": "Extradition requests to European States.",
            },
        )
        assert applied.status_code == 201, applied.text
        link = link_in(await inbox.wait_for(email, "Confirm your email address"), "verify-email")
        verified = await api.post(
            "/auth/applications/verify", json={"token": link.split("token=")[1]}
        )
        assert verified.status_code == 200, verified.text
    return str(applied.json()["id"])


async def _as_member(session: AsyncSession, email: str) -> Member:
    """The member an approval created, for signing their browser in."""
    user = await session.scalar(select(User).where(col(User.email) == email))
    assert user is not None
    return Member(user=user, session_id=uuid.uuid4(), token="")


async def test_an_applicant_is_endorsed_approved_and_sees_each_step(
    web_server: Server,
    inbox: Inbox,
    browser: Browser,
    context: BrowserContext,
    page: Page,
    session: AsyncSession,
) -> None:
    authority = await make_authority(session, state_code="ITA", name="Ministero della Giustizia")
    focal_point = await make_member(
        session, authority=authority, focal_point=True, full_name="Paola Bianchi"
    )
    moderator = await make_member(session, roles=["moderator"], full_name="Mona Said")
    await session.commit()
    email = "giulia.rossi@example.org"

    # The applicant applies and confirms the address: the page shows the steps so far.
    await _apply_in_browser(page, web_server, inbox, authority, "Giulia Rossi", email)
    own_steps = page.locator("#own-steps li")
    await expect(own_steps).to_have_count(2)
    await expect(own_steps.nth(0)).to_contain_text("You applied")
    await expect(own_steps.nth(1)).to_contain_text("You confirmed your email address")
    await check_page(page, "vetting-applicant-confirmed")

    # The focal point finds the application in their queue (their own menu entry) and
    # endorses it.
    focal = await _browser_of(browser, session, focal_point)
    await focal.goto(web_server.http + "/")
    await focal.get_by_role("navigation", name="Main").get_by_role("link", name="Vetting").click()
    await expect(focal.get_by_role("heading", level=1)).to_have_text("Membership applications")
    tab = focal.get_by_role("link", name="Waiting for your endorsement")
    await expect(tab).to_have_attribute("aria-current", "page")
    await expect(focal.get_by_text("Not endorsed yet")).to_be_visible()
    await check_page(focal, "vetting-queue-focal-point")
    await focal.get_by_role("link", name="Giulia Rossi").click()
    await expect(focal.get_by_role("heading", level=1)).to_have_text(
        "Application from Giulia Rossi"
    )
    await expect(focal.get_by_role("heading", name="Decide")).to_have_count(0)
    await check_page(focal, "vetting-application-focal-point")
    await focal.get_by_label("Yes: I endorse this application").check()
    await focal.get_by_label("Note for the moderators").fill("Works in our extradition unit.")
    await focal.get_by_role("button", name="Send my answer").click()
    await expect(focal.get_by_text("You endorsed the application of Giulia Rossi.")).to_be_visible()
    record = focal.locator("#vetting-record")
    await expect(record).to_contain_text("Endorsed by the focal point · by Paola Bianchi")
    await expect(record).to_contain_text("Works in our extradition unit.")
    await focal.goto(web_server.http + "/vetting?queue=endorse")
    await expect(
        focal.get_by_text("No application is waiting for your endorsement.")
    ).to_be_visible()
    await focal.context.close()

    # A moderator: one "Moderation" entry leads to the applications, their vetting and the
    # reported posts.
    mod = await _browser_of(browser, session, moderator)
    await mod.goto(web_server.http + "/")
    nav = mod.get_by_role("navigation", name="Main")
    await nav.get_by_role("link", name="Moderation").click()
    await expect(mod.get_by_role("heading", level=1)).to_have_text("Moderation")
    await check_page(mod, "vetting-moderation-menu")
    await mod.get_by_role("link", name="Reported posts").click()
    await expect(mod.get_by_role("heading", level=1)).to_have_text("Reported posts")
    await mod.go_back()
    await mod.get_by_role("link", name="Membership applications").click()
    await expect(mod.get_by_role("heading", level=1)).to_have_text("Membership applications")
    await expect(nav.get_by_role("link", name="Moderation")).to_have_attribute(
        "aria-current", "true"
    )
    row = mod.locator(".vet-row").filter(has_text="Giulia Rossi")
    await expect(row.get_by_text("Endorsed by the focal point")).to_be_visible()
    await expect(row.get_by_text("Ministero della Giustizia")).to_be_visible()
    await check_page(mod, "vetting-queue-moderator")

    # The record, then approval with roles and the checks made.
    await row.get_by_role("link", name="Giulia Rossi").click()
    await expect(mod.get_by_role("heading", level=1)).to_have_text("Application from Giulia Rossi")
    await expect(mod.get_by_text("I handle requests to and from France.")).to_be_visible()
    await check_page(mod, "vetting-application-moderator")
    await mod.get_by_role("button", name="Approve").click()
    await expect(mod.get_by_label("Officer")).to_be_checked()
    await mod.get_by_label("Liaison magistrate").check()
    await mod.get_by_label("Identity confirmed with the focal point").check()
    await mod.get_by_label("Another check").fill("Called the unit's secretariat")
    await check_page(mod, "vetting-approve-form")
    await mod.get_by_role("button", name="Approve and create the membership").click()
    await expect(mod.get_by_text("Giulia Rossi is approved.")).to_be_visible()
    await expect(mod.locator(".vet-badges")).to_contain_text("Approved")
    approved = mod.locator("#vetting-record li").filter(has_text="Approved · by Mona Said")
    await expect(approved).to_contain_text("liaison magistrate, officer")
    await expect(approved).to_contain_text("Identity confirmed with the focal point")
    await expect(approved).to_contain_text("Called the unit's secretariat")
    await expect(mod.get_by_role("button", name="Approve")).to_have_count(0)
    await check_page(mod, "vetting-application-approved")
    await mod.context.close()

    # The new member sees each step of their vetting.
    await sign_in(context, session, await _as_member(session, email))
    await page.goto(web_server.http + "/")
    await page.get_by_role("button", name="Your account").click()
    await page.get_by_role("link", name="Your vetting").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Your vetting")
    steps = page.locator("#own-steps li")
    await expect(steps).to_have_count(4)
    for i, text in enumerate(
        (
            "You applied",
            "You confirmed your email address",
            "Your authority's focal point endorsed your application",
            "A moderator approved your membership (liaison magistrate, officer)",
        )
    ):
        await expect(steps.nth(i)).to_contain_text(text)
    # The reviewers' notes stay with the reviewers.
    await expect(page.get_by_text("Works in our extradition unit.")).to_have_count(0)
    await check_page(page, "vetting-own-steps")


async def test_an_unendorsed_application_is_approved_only_with_a_reason(
    web_server: Server, inbox: Inbox, context: BrowserContext, page: Page, session: AsyncSession
) -> None:
    authority = await make_authority(session, state_code="GHA", name="Office of the Attorney")
    moderator = await make_member(session, roles=["moderator"], full_name="Mona Said")
    await session.commit()
    application_id = await _applied_by_api(web_server, inbox, authority, "kwame@example.org")
    await sign_in(context, session, moderator)

    # The page the moderators' notification links to.
    await page.goto(f"{web_server.http}/vetting/applications/{application_id}")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Application from Kwame Mensah")
    await expect(page.locator(".vet-badges")).to_contain_text("Not endorsed yet")
    await expect(page.get_by_text("has not endorsed this application yet")).to_be_visible()
    await page.get_by_role("button", name="Approve").click()
    await page.get_by_label("Identity confirmed with the focal point").check()
    await page.get_by_role("button", name="Approve and create the membership").click()

    # The API refuses without the reason: the message says so and points at the field.
    summary = page.locator(".error-summary")
    await expect(summary).to_be_focused()
    await expect(summary.get_by_role("link")).to_have_text(
        "Why approve without the focal point's endorsement: Say why you approve without "
        "the focal point's endorsement."
    )
    await expect(
        page.get_by_text("Ask them to endorse it, or give the reason for approving")
    ).to_be_visible()
    await check_page(page, "vetting-approve-needs-reason")
    await summary.get_by_role("link").click()
    reason = page.get_by_label("Why approve without the focal point's endorsement")
    await expect(reason).to_be_focused()
    await reason.fill("The authority has no focal point yet; confirmed by phone with its head.")
    await page.get_by_role("button", name="Approve and create the membership").click()
    await expect(page.get_by_text("Kwame Mensah is approved.")).to_be_visible()
    facts = page.locator(".vet-facts")
    await expect(facts).to_contain_text("Approved without endorsement because")
    await expect(facts).to_contain_text("The authority has no focal point yet")
    record = page.locator("#vetting-record")
    await expect(record).to_contain_text(
        "Approved without the focal point's endorsement because: The authority has no focal "
        "point yet; confirmed by phone with its head."
    )
    await check_page(page, "vetting-approved-with-reason")

    # An application nobody may see, or none at all, is the not-found page.
    await page.goto(f"{web_server.http}/vetting/applications/{uuid.uuid4()}")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")


async def test_a_moderator_reattests_suspends_and_reinstates_a_member(
    web_server: Server, browser: Browser, context: BrowserContext, page: Page, session: AsyncSession
) -> None:
    now = datetime.now(UTC)
    authority = await make_authority(session, state_code="FRA", name="Ministère de la Justice")
    moderator = await make_member(session, roles=["moderator"], full_name="Mona Said")
    officer = await make_member(
        session,
        authority=authority,
        full_name="Jean Dupont",
        handle="jean.dupont",
        vetting_expires_at=now + timedelta(days=5),
    )
    await make_member(session, full_name="Lena Lapsed", vetting_expires_at=now - timedelta(days=3))
    await session.commit()
    await sign_in(context, session, moderator)
    officer_page = await _browser_of(browser, session, officer)
    await officer_page.goto(web_server.http + "/")
    await expect(officer_page.get_by_role("heading", level=1)).to_have_text("Home")

    # Whose vetting lapses: soon, and already.
    await page.goto(web_server.http + "/moderation")
    await page.get_by_role("link", name="Members' vetting").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Members' vetting")
    row = page.locator(".vet-row").filter(has_text="Jean Dupont")
    await expect(row.get_by_text("Vetting lapses on")).to_be_visible()
    await expect(page.get_by_text("Lena Lapsed")).to_have_count(0)
    await check_page(page, "vetting-members-soon")
    await page.get_by_role("link", name="Lapsed", exact=True).click()
    await expect(page.locator(".vet-row").filter(has_text="Lena Lapsed")).to_be_visible()
    await check_page(page, "vetting-members-lapsed")
    await page.get_by_role("link", name="Lapsing within 30 days").click()

    # Re-attestation with the checks made.
    await page.get_by_role("link", name="Jean Dupont").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Jean Dupont")
    await check_page(page, "vetting-member")
    await page.get_by_role("button", name="Re-attest").click()
    await page.get_by_label("Works at the authority (confirmed with the authority)").check()
    await page.get_by_role("button", name="Re-attest").click()
    await expect(page.get_by_text("The vetting of Jean Dupont is renewed.")).to_be_visible()
    renewed = page.locator("#vetting-record li").filter(has_text="Vetting renewed")
    await expect(renewed).to_contain_text("by Mona Said")
    await expect(renewed).to_contain_text("Works at the authority")

    # Suspension needs a reason; it signs the member out.
    await page.get_by_role("button", name="Suspend").click()
    await page.get_by_role("button", name="Suspend the member").click()
    await expect(page.locator(".error-summary")).to_be_focused()
    await expect(page.locator(".field.has-error")).to_contain_text("Reason for the suspension")
    await check_page(page, "vetting-suspend-needs-reason")
    await page.get_by_label("Reason for the suspension").fill(
        "Shared his account with a colleague."
    )
    await page.get_by_role("button", name="Suspend the member").click()
    await expect(page.get_by_text("Jean Dupont is suspended.")).to_be_visible()
    await expect(page.locator(".vet-badges")).to_contain_text("Suspended")
    suspended = page.locator("#vetting-record li").filter(has_text="Suspended · by Mona Said")
    await expect(suspended).to_contain_text("Shared his account with a colleague.")
    await check_page(page, "vetting-member-suspended")
    await officer_page.reload()
    await expect(officer_page.get_by_role("heading", level=1)).to_have_text("Sign in", timeout=LONG)
    await officer_page.context.close()

    # Reinstating, with its reason too.
    await page.get_by_role("button", name="Reinstate").click()
    await page.get_by_label("Reason for reinstating").fill("Account rules explained; he agreed.")
    await page.get_by_role("button", name="Reinstate the member").click()
    await expect(page.get_by_text("Jean Dupont is reinstated.")).to_be_visible()
    await expect(page.locator("#vetting-record")).to_contain_text(
        "Account rules explained; he agreed."
    )
    await expect(page.get_by_role("button", name="Suspend")).to_be_visible()
    steps = await session.scalars(
        select(VettingStep.step)
        .where(col(VettingStep.user_id) == officer.id)
        .order_by(col(VettingStep.created_at))
    )
    assert list(steps) == ["reattested", "suspended", "reinstated"]
