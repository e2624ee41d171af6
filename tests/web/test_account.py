"""A member's own account in the browser: search, profile, sessions, recovery codes,
passwords (change, and reset through the mail the server really sends), the home page's
sections, and signing in with the keyboard alone."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx
from playwright.async_api import Browser, BrowserContext, Page, expect
from sqlalchemy.ext.asyncio import AsyncSession

from app.identity import mfa, passwords
from tests.factories import TEST_SECRET_KEY, Member, make_authority, make_forum, make_member
from tests.servers import Server
from tests.web.conftest import Inbox, check_page, link_in, sign_in

PASSWORD = "harbour lantern quietly folds 42"
NEW_PASSWORD = "seven quiet rivers meet the sea"
_HASHES: dict[str, str] = {}


class Totp:
    """The member's authenticator app: a fresh code each time, never one the server saw."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.last_step = -1

    async def code(self) -> str:
        for _ in range(70):  # at most about 35 seconds: one new time step
            step = max(mfa.current_step() - mfa.WINDOW, self.last_step + 1)
            if step <= mfa.current_step() + mfa.WINDOW:
                self.last_step = step
                return mfa.code_at_step(self.secret, step)
            await asyncio.sleep(0.5)
        raise TimeoutError("no unused TOTP step")


async def enrolled_member(session: AsyncSession, **fields: Any) -> tuple[Member, Totp]:
    """A factory member with a real password and an authenticator app set up."""
    member = await make_member(session, **fields)
    if PASSWORD not in _HASHES:
        _HASHES[PASSWORD] = await passwords.hash_password(PASSWORD)
    secret = mfa.new_secret()
    member.user.password_hash = _HASHES[PASSWORD]
    member.user.totp_secret = mfa.seal_secret(TEST_SECRET_KEY, secret)
    member.user.mfa_enrolled_at = member.user.created_at
    await session.flush()
    return member, Totp(secret)


async def sign_in_with_password(
    page: Page, server: Server, email: str, password: str, totp: Totp
) -> None:
    await page.goto(server.http + "/sign-in")
    await page.get_by_label("Email address").fill(email)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Continue").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Enter the code from your authenticator app"
    )
    await page.get_by_label("Code", exact=True).fill(await totp.code())
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Home")


async def new_page(browser: Browser) -> tuple[BrowserContext, Page]:
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    return context, await context.new_page()


def heading(page: Page) -> Any:
    return page.get_by_role("heading", level=1)


async def test_search_from_the_top_bar_to_a_forum_hit(
    web_server: Server, context: BrowserContext, page: Page, session: AsyncSession
) -> None:
    reader = await make_member(session, full_name="Rosa Reader")
    author = await make_member(session, full_name="Ana Author")
    forum = await make_forum(session, name="Asset recovery")
    await session.commit()
    async with httpx.AsyncClient(base_url=web_server.http + "/api/v1") as api:
        started = await api.post(
            f"/forums/{forum.id}/threads",
            json={
                "title": "Freezing orders across borders",
                "body": "Our prosecutors obtained a freezing order for the yacht <b>Aurora</b> "
                "& its tender; how do your courts recognise such orders?",
            },
            headers=author.headers,
        )
        assert started.status_code == 201, started.text
    thread = started.json()
    await sign_in(context, session, reader)

    await page.goto(web_server.http + "/")
    await expect(heading(page)).to_have_text("Home")
    # `/` anywhere outside a field takes the keyboard to the search field of the top bar.
    await page.locator("body").press("/")
    search_field = page.get_by_role("searchbox", name="Search forums, cases and the directory")
    await expect(search_field).to_be_focused()
    await page.keyboard.type("freezing yach")
    await page.keyboard.press("Enter")

    await expect(heading(page)).to_have_text("Search results for “freezing yach”")
    assert re.search(r"/search\?q=freezing\+yach$", page.url), page.url
    hit = page.locator(".search-hit").first
    await expect(hit.get_by_role("link", name="Freezing orders across borders")).to_be_visible()
    await expect(hit.locator("mark").first).to_have_text(re.compile("freezing", re.IGNORECASE))
    # The snippet is text: the post's own markup never becomes elements of the page.
    snippet = hit.locator(".search-snippet")
    await expect(snippet).to_contain_text("& its tender")
    assert await snippet.locator(":not(mark)").count() == 0
    await expect(page.get_by_role("navigation", name="Where to search")).to_be_visible()
    await check_page(page, "search")

    # Scopes are tabs whose choice is in the address; nothing in cases for these words.
    scopes = page.get_by_role("navigation", name="Where to search")
    await scopes.get_by_role("link", name="Cases").click()
    await expect(page.get_by_text("Nothing found for “freezing yach” in Cases.")).to_be_visible()
    assert "scope=cases" in page.url
    await check_page(page, "search-empty")
    await page.get_by_role("link", name="search everywhere instead").click()
    await expect(page.get_by_role("link", name="Freezing orders across borders")).to_be_visible()
    await scopes.get_by_role("link", name="Forums").click()
    assert "scope=forums" in page.url
    link = page.get_by_role("link", name="Freezing orders across borders")
    href = await link.get_attribute("href")
    assert href == f"/threads/{thread['id']}#post-{thread['first_post']['id']}"
    await link.click()
    await expect(page).to_have_url(re.compile(rf"/threads/{thread['id']}#post-"))
    await expect(heading(page)).not_to_have_text("Page not found")

    # With no words: the page says what to do.
    await page.goto(web_server.http + "/search")
    await expect(page.get_by_text("Type the words you are looking for.")).to_be_visible()


async def test_the_snippet_splitter_never_makes_markup(
    web_server: Server, context: BrowserContext, page: Page, session: AsyncSession
) -> None:
    member = await make_member(session)
    await session.commit()
    await sign_in(context, session, member)
    await page.goto(web_server.http + "/search")
    await expect(heading(page)).to_have_text("Search")
    module = await page.evaluate(
        "() => document.querySelector('script[type=module]').src.replace('main.js', "
        "'pages/account-search.js')"
    )
    parts = await page.evaluate(
        "async ([url, text]) => (await import(url)).snippetParts(text)",
        [module, "a &lt;b&gt; &amp; <mark>word</mark> <img src=x onerror=alert(1)> &#x27;q&#x27;"],
    )
    assert parts == [
        {"text": "a <b> & ", "marked": False},
        {"text": "word", "marked": True},
        {"text": " <img src=x onerror=alert(1)> 'q'", "marked": False},
    ]


async def test_a_member_edits_their_details_and_signs_out_another_session(
    web_server: Server, browser: Browser, context: BrowserContext, page: Page, session: AsyncSession
) -> None:
    member = await make_member(session, full_name="Jean Old", handle="jean.old")
    await make_member(session, handle="taken.handle")
    await session.commit()
    await sign_in(context, session, member)
    other_context, other = await new_page(browser)
    try:
        await sign_in(other_context, session, member)
        await other.goto(web_server.http + "/")
        await expect(heading(other)).to_have_text("Home")

        await page.goto(web_server.http + "/")
        await page.get_by_role("button", name="Your account").click()
        await page.get_by_role("link", name="Your profile and security").click()
        await expect(heading(page)).to_have_text("Your profile and security")
        await check_page(page, "profile")

        # A taken handle: the API's message by the field, and what was typed stays.
        await page.get_by_label("Display name").fill("Jean Dupont")
        await page.get_by_label("Handle").fill("taken.handle")
        await page.get_by_role("button", name="Save my details").click()
        await expect(page.get_by_role("link", name="Handle: This handle is taken.")).to_be_visible()
        await expect(page.get_by_label("Display name")).to_have_value("Jean Dupont")
        await check_page(page, "profile-error")
        await page.get_by_label("Handle").fill("jean.dupont")
        await page.get_by_role("button", name="Save my details").click()
        await expect(page.get_by_text("Your details are saved.")).to_be_visible()
        await expect(page.get_by_role("button", name="Your account")).to_contain_text("Jean Dupont")

        # Two browser sessions and the factory's API token; this browser signs out the others.
        sessions = page.locator(".sessions > li")
        await expect(sessions).to_have_count(3)
        await expect(sessions.filter(has_text="This browser")).to_have_count(1)
        revoke = page.get_by_role("button", name=re.compile("^Sign out there"))
        for left in (1, 0):
            await revoke.first.click()
            await expect(revoke).to_have_count(left)
        await expect(page.get_by_text("is signed out. Its next request")).to_be_visible()
        await expect(sessions).to_have_count(1)

        # The other browser is signed out by its next request (or sooner, by the live
        # connection): the sign-in page, nothing of the member left in the page.
        # An in-page navigation, as a click on a link would make: no reload.
        await other.evaluate(
            "() => { history.pushState(null, '', '/profile');"
            " dispatchEvent(new PopStateEvent('popstate')); }"
        )
        await expect(heading(other)).to_have_text("Sign in")
        await expect(other.get_by_text("Jean Dupont")).to_have_count(0)
        await other.goto(web_server.http + "/profile")
        await expect(heading(other)).to_have_text("Sign in")
    finally:
        await other_context.close()


async def test_a_member_regenerates_recovery_codes(
    web_server: Server, context: BrowserContext, page: Page, session: AsyncSession
) -> None:
    _member, totp = await enrolled_member(session, email="codes@example.org")
    await session.commit()
    await sign_in_with_password(page, web_server, "codes@example.org", PASSWORD, totp)
    await page.goto(web_server.http + "/profile")
    await expect(heading(page)).to_have_text("Your profile and security")

    code_field = page.get_by_label("Code from your authenticator app")
    await code_field.fill("000000")
    await page.get_by_role("button", name="Make new recovery codes").click()
    await expect(
        page.get_by_role("link", name=re.compile("The code is wrong or has already been used"))
    ).to_be_visible()
    await code_field.fill(await totp.code())
    await page.get_by_role("button", name="Make new recovery codes").click()

    # The sign-in flow's own page for codes: shown once, to download or print.
    await expect(heading(page)).to_have_text("Save your recovery codes")
    codes = await page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10 and len(set(codes)) == 10
    await check_page(page, "profile-recovery-codes")
    async with page.expect_download() as downloading:
        await page.get_by_role("button", name="Download as a text file").click()
    saved = await (await downloading.value).path()
    assert all(code in saved.read_text() for code in codes)
    await page.get_by_label("I have stored my recovery codes somewhere safe").check()
    await page.get_by_role("button", name="Continue").click()
    await expect(heading(page)).to_have_text("Your profile and security")
    await expect(page.get_by_text("Your new recovery codes are in use.")).to_be_visible()

    # One of them signs in (and once only).
    async with httpx.AsyncClient(base_url=web_server.http + "/api/v1") as api:
        for expected in (200, 401):
            login = await api.post(
                "/auth/login", json={"email": "codes@example.org", "password": PASSWORD}
            )
            verify = await api.post(
                "/auth/mfa/verify",
                json={"challenge_token": login.json()["challenge_token"], "code": codes[0]},
            )
            assert verify.status_code == expected, verify.text


async def test_a_member_changes_their_password(
    web_server: Server, context: BrowserContext, page: Page, session: AsyncSession
) -> None:
    _member, totp = await enrolled_member(session, email="changer@example.org")
    await session.commit()
    await sign_in_with_password(page, web_server, "changer@example.org", PASSWORD, totp)
    await page.goto(web_server.http + "/profile")
    await page.get_by_role("link", name="Change your password").click()
    await expect(heading(page)).to_have_text("Change your password")
    await check_page(page, "password-change")

    await page.get_by_label("Current password").fill("not the password at all")
    await page.get_by_label("New password").fill(NEW_PASSWORD)
    await page.get_by_role("button", name="Change password").click()
    await expect(
        page.get_by_role("link", name="Current password: The current password is wrong.")
    ).to_be_visible()
    await page.get_by_label("Current password").fill(PASSWORD)
    await page.get_by_label("New password").fill("short")
    await page.get_by_role("button", name="Change password").click()
    await expect(page.get_by_role("link", name=re.compile("^New password: "))).to_be_visible()
    await check_page(page, "password-change-error")
    await page.get_by_label("New password").fill(NEW_PASSWORD)
    await page.get_by_role("button", name="Change password").click()
    await expect(page.get_by_text("Your password is changed.")).to_be_visible()

    async with httpx.AsyncClient(base_url=web_server.http + "/api/v1") as api:
        old = await api.post(
            "/auth/login", json={"email": "changer@example.org", "password": PASSWORD}
        )
        assert old.status_code == 401
        new = await api.post(
            "/auth/login", json={"email": "changer@example.org", "password": NEW_PASSWORD}
        )
        assert new.status_code == 200, new.text


async def test_a_forgotten_password_is_reset_by_the_emailed_link(
    web_server: Server, inbox: Inbox, context: BrowserContext, page: Page, session: AsyncSession
) -> None:
    email = "forgetful@example.org"
    await enrolled_member(session, email=email)
    await session.commit()

    await page.goto(web_server.http + "/sign-in")
    await page.get_by_role("link", name="Forgot your password?").click()
    await expect(heading(page)).to_have_text("Reset your password")
    await check_page(page, "password-forgot")
    await page.get_by_label("Email address").fill(email)
    await page.get_by_role("button", name="Send the link").click()
    await expect(heading(page)).to_have_text("Check your email")
    await check_page(page, "password-forgot-sent")

    message = await inbox.wait_for(email, "Reset your canet password")
    link = link_in(message, "reset-password")
    assert link.startswith(web_server.http + "/reset-password?token=")
    await page.goto(link)
    await expect(heading(page)).to_have_text("Choose a new password")
    await check_page(page, "password-reset")
    await page.get_by_label("New password").fill("short")
    await page.get_by_role("button", name="Save the new password").click()
    await expect(page.get_by_role("link", name=re.compile("^New password: "))).to_be_visible()
    await page.get_by_label("New password").fill(NEW_PASSWORD)
    await page.get_by_role("button", name="Save the new password").click()
    await expect(heading(page)).to_have_text("Your password is changed")
    await check_page(page, "password-reset-done")

    # The link is single-use.
    await page.goto(link)
    await page.get_by_label("New password").fill("yet another long passphrase")
    await page.get_by_role("button", name="Save the new password").click()
    await expect(page.get_by_role("link", name="Ask for a new link")).to_be_visible()

    # Signing in with the new password still asks for the authenticator app's code.
    await page.goto(web_server.http + "/sign-in")
    await page.get_by_label("Email address").fill(email)
    await page.get_by_label("Password").fill(NEW_PASSWORD)
    await page.get_by_role("button", name="Continue").click()
    await expect(heading(page)).to_have_text("Enter the code from your authenticator app")
    forgetful_totp = await _totp_of(session, email)
    await page.get_by_label("Code", exact=True).fill(await forgetful_totp.code())
    await page.get_by_role("button", name="Sign in").click()
    await expect(heading(page)).to_have_text("Home")


async def _totp_of(session: AsyncSession, email: str) -> Totp:
    from sqlmodel import select

    from app.models.identity import User

    sealed = await session.scalar(select(User.totp_secret).where(User.email == email))
    assert sealed is not None
    return Totp(mfa.open_secret(TEST_SECRET_KEY, sealed))


async def test_signing_in_with_the_keyboard_alone(
    web_server: Server, page: Page, session: AsyncSession
) -> None:
    _member, totp = await enrolled_member(session, email="keys@example.org")
    await session.commit()
    await page.goto(web_server.http + "/sign-in")
    await expect(heading(page)).to_have_text("Sign in")

    async def tab_to(selector: str, limit: int = 20) -> None:
        for _ in range(limit):
            await page.keyboard.press("Tab")
            if await page.evaluate("(s) => document.activeElement.matches(s)", selector):
                return
        raise AssertionError(f"Tab never reached {selector}")

    await tab_to("#field-email")
    await page.keyboard.type("keys@example.org")
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.id") == "field-password"
    await page.keyboard.type(PASSWORD)
    await page.keyboard.press("Enter")
    await expect(heading(page)).to_have_text("Enter the code from your authenticator app")
    await expect(heading(page)).to_be_focused()
    await tab_to("#field-code", limit=3)
    await page.keyboard.type(await totp.code())
    await page.keyboard.press("Enter")
    await expect(heading(page)).to_have_text("Home")
    await expect(heading(page)).to_be_focused()


async def test_home_shows_followed_threads_cases_and_entries_to_reverify(
    web_server: Server, context: BrowserContext, page: Page, session: AsyncSession
) -> None:
    mine = await make_authority(session, state_code="FRA", name="Ministère de la Justice")
    theirs = await make_authority(session, state_code="ITA", name="Ministero della Giustizia")
    focal = await make_member(session, authority=mine, focal_point=True, full_name="Fay Focal")
    colleague = await make_member(session, authority=theirs)
    forum = await make_forum(session, name="General")
    await session.commit()
    async with httpx.AsyncClient(base_url=web_server.http + "/api/v1") as api:
        started = await api.post(
            f"/forums/{forum.id}/threads",
            json={"title": "Video hearings", "body": "Who has done one recently?"},
            headers=colleague.headers,
        )
        thread = started.json()
        followed = await api.put(f"/threads/{thread['id']}/follow", headers=focal.headers)
        assert followed.status_code == 200, followed.text
        replied = await api.post(
            f"/threads/{thread['id']}/posts",
            json={"body": "We did, in March."},
            headers=colleague.headers,
        )
        assert replied.status_code == 201, replied.text
        case = await api.post(
            "/cases",
            json={
                "type": "mla",
                "requested_authority_id": str(theirs.id),
                "title": "Bank records",
                "summary": "Accounts held in Milan.",
                "legal_basis": {"kind": "untoc_art18"},
                "offences": ["fraud"],
                "measures": ["banking_information"],
                "languages": ["fr"],
                "urgency": "normal",
                "confidential": False,
            },
            headers=focal.headers,
        )
        assert case.status_code == 201, case.text
    await sign_in(context, session, focal)
    await page.goto(web_server.http + "/")
    await expect(heading(page)).to_have_text("Home")

    followed_section = page.get_by_role("region", name="Threads you follow")
    await expect(followed_section.get_by_text("Video hearings")).to_be_visible()
    await expect(followed_section.get_by_text("2 unread")).to_be_visible()
    cases_section = page.get_by_role("region", name="Your cases under way")
    draft = cases_section.get_by_role("link", name="Draft")
    await expect(draft).to_have_attribute("href", "/cases?status=draft")
    await expect(cases_section.get_by_text("1 case", exact=True)).to_be_visible()
    reverify = page.get_by_role("region", name="Directory entries to re-verify")
    await expect(reverify.get_by_text("Ministère de la Justice")).to_be_visible()
    await expect(reverify.get_by_text("never verified")).to_be_visible()
    await check_page(page, "home-account")
