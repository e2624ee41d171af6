"""Journeys through the web client in real Chromium against a real server."""

from __future__ import annotations

import re

import httpx
import pyotp
from playwright.async_api import BrowserContext, Page, expect
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import make_authority, make_member
from tests.servers import Server
from tests.web.conftest import Inbox, check_page, link_in

PASSWORD = "harbour lantern quietly folds 42"


async def test_an_applicant_applies_is_approved_enrolls_and_lands_home(
    web_server: Server, inbox: Inbox, context: BrowserContext, page: Page, session: AsyncSession
) -> None:
    authority = await make_authority(session, state_code="ITA", name="Ministero della Giustizia")
    focal_point = await make_member(session, authority=authority, focal_point=True)
    moderator = await make_member(session, roles=["moderator"])
    await session.commit()
    email = "giulia.rossi@example.org"

    # Applying, with the authority picked from the directory.
    await page.goto(web_server.http + "/apply")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Apply for membership")
    await check_page(page, "apply")
    await page.get_by_label("Your authority").select_option(str(authority.id))
    await page.get_by_label("Full name").fill("Giulia Rossi")
    await page.get_by_label("Work email address").fill(email)
    await page.get_by_label("Position").fill("Prosecutor, international cooperation")
    await page.get_by_label("Why you need access").fill("I handle requests to and from France.")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Send application").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    await check_page(page, "apply-sent")

    # The link from the email the server really sent.
    message = await inbox.wait_for(email, "Confirm your email address")
    link = link_in(message, "verify-email")
    assert link.startswith(web_server.http + "/verify-email?token=")
    await page.goto(link)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your email address")
    await check_page(page, "verify-email")
    await page.get_by_role("button", name="Confirm my email address").click()
    await expect(page.get_by_text("Your email address is confirmed.")).to_be_visible()
    await expect(page.get_by_text("waiting for review")).to_be_visible()
    await check_page(page, "verify-email-done")

    # The focal point endorses and a moderator approves, through the API.
    async with httpx.AsyncClient(base_url=web_server.http + "/api/v1") as api:
        queue = await api.get(
            "/vetting/applications",
            params={"status": "pending_review"},
            headers=moderator.headers,
        )
        assert queue.status_code == 200, queue.text
        (application,) = [a for a in queue.json()["items"] if a["email"] == email]
        endorsed = await api.post(
            f"/vetting/applications/{application['id']}/endorse",
            json={"endorsement": "endorse", "note": "Works in our office."},
            headers=focal_point.headers,
        )
        assert endorsed.status_code == 200, endorsed.text
        decided = await api.post(
            f"/vetting/applications/{application['id']}/decision",
            json={
                "decision": "approve",
                "roles": ["officer"],
                "checks": ["identity confirmed with the focal point"],
            },
            headers=moderator.headers,
        )
        assert decided.status_code == 200, decided.text

    # First sign-in: password, then enrollment from the key shown as text.
    await page.goto(web_server.http + "/")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    await check_page(page, "sign-in")
    await page.get_by_label("Email address").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Continue").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Set up your authenticator app")
    secret_text = page.locator("#totp-secret")
    await expect(secret_text).to_be_visible()
    qr_code = page.get_by_role("img", name="QR code holding the key shown below")
    await expect(qr_code).to_be_visible()
    await check_page(page, "enroll")
    secret = re.sub(r"\s+", "", await secret_text.inner_text())
    assert secret == await secret_text.get_attribute("data-secret")
    await page.get_by_label("Code", exact=True).fill(pyotp.TOTP(secret).now())
    await page.get_by_role("button", name="Confirm and sign in").click()

    # The recovery codes, once: kept by download.
    await expect(page.get_by_role("heading", level=1)).to_have_text("Save your recovery codes")
    codes = await page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10 and len(set(codes)) == 10
    await check_page(page, "recovery-codes")
    async with page.expect_download() as downloading:
        await page.get_by_role("button", name="Download as a text file").click()
    download = await downloading.value
    assert download.suggested_filename == "canet-recovery-codes.txt"
    saved = await download.path()
    assert all(code in saved.read_text() for code in codes)
    await page.get_by_role("button", name="Continue").click()
    unconfirmed = page.get_by_text("Confirm that you have stored your recovery codes.")
    await expect(unconfirmed).to_have_count(2)  # in the summary and by the checkbox
    await page.get_by_label("I have stored my recovery codes somewhere safe").check()
    await page.get_by_role("button", name="Continue").click()

    # Home, signed in by the session cookie alone: nothing in web storage.
    await expect(page.get_by_role("heading", level=1)).to_have_text("Home")
    await expect(page.get_by_text("Signed in as Giulia Rossi")).to_be_visible()
    await expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    await check_page(page, "home")
    stored = await page.evaluate(
        "() => [...Object.keys(localStorage), ...Object.keys(sessionStorage)]"
    )
    assert stored == []
    cookies = {c["name"]: c for c in await context.cookies()}
    assert cookies["__Host-canet_session"]["httpOnly"] is True
    assert not cookies["canet_csrf"]["httpOnly"]

    # Signing out ends the session on the server and forgets it in the page.
    await page.get_by_role("button", name="Your account").click()
    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    await expect(page.get_by_text("You have signed out.")).to_be_visible()
    assert "__Host-canet_session" not in {c["name"] for c in await context.cookies()}
    await page.goto(web_server.http + "/")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")


async def test_unknown_client_route_shows_the_not_found_page(
    web_server: Server, page: Page
) -> None:
    await page.goto(web_server.http + "/no/such/page")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    await expect(page.get_by_role("link", name="Go to the home page")).to_be_visible()
    await check_page(page, "not-found")


async def test_the_language_switcher_sets_lang_and_dir(web_server: Server, page: Page) -> None:
    await page.goto(web_server.http + "/sign-in")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    await page.get_by_label("Language").select_option("fr")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Se connecter")
    await expect(page.locator("html")).to_have_attribute("lang", "fr")
    await check_page(page, "sign-in-fr")
    await page.get_by_label("Langue").select_option("ar")
    await expect(page.locator("html")).to_have_attribute("dir", "rtl")
    await expect(page.get_by_role("heading", level=1)).to_have_text("تسجيل الدخول")
    await check_page(page, "sign-in-ar")
    # The choice is a preference kept across visits (it is the only thing in storage).
    await page.reload()
    await expect(page.locator("html")).to_have_attribute("lang", "ar")
