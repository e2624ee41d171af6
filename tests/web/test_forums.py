"""Forums in the browser: reading and following, replying with markdown, moderation, the
not-found page for restricted threads, the keyboard, live posts and a thread of 1,000 posts."""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import Any

import httpx
from playwright.async_api import Browser, BrowserContext, Locator, Page, Route, expect
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import Member, make_authority, make_forum, make_forum_group, make_member
from tests.servers import Server
from tests.web.conftest import check_page, sign_in

LONG = 15_000  # ms: bounded waits for what a real server and browser do (not timing checks)


async def _api(server: Server, member: Member, method: str, path: str, **kwargs: Any) -> Any:
    async with httpx.AsyncClient(base_url=server.http + "/api/v1") as client:
        response = await client.request(method, path, headers=member.headers, **kwargs)
    assert response.status_code < 300, response.text
    return response.json() if response.content else None


async def _thread(
    server: Server, author: Member, forum_id: uuid.UUID, title: str, *bodies: str
) -> dict[str, Any]:
    thread: dict[str, Any] = await _api(
        server,
        author,
        "POST",
        f"/forums/{forum_id}/threads",
        json={"title": title, "body": bodies[0]},
    )
    for body in bodies[1:]:
        await _api(server, author, "POST", f"/threads/{thread['id']}/posts", json={"body": body})
    return thread


def _post(page: Page, containing: str) -> Locator:
    return page.locator("#thread-posts article.post").filter(has_text=containing)


async def _own_page(browser: Browser, session: AsyncSession, member: Member) -> Page:
    """A second person's browser (its own cookies), signed in."""
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    await sign_in(context, session, member)
    return await context.new_page()


async def test_a_liaison_magistrate_follows_a_thread_and_reads_it(
    web_server: Server, context: BrowserContext, page: Page, session: AsyncSession
) -> None:
    authority = await make_authority(session, state_code="ESP", name="Fiscalía General")
    magistrate = await make_member(
        session, roles=["liaison_magistrate"], full_name="Lucía Ortega", authority=authority
    )
    officer = await make_member(session, full_name="Ben Okafor", handle="ben.okafor")
    forum = await make_forum(session, name="Extradition practice")
    await session.commit()
    thread = await _thread(
        web_server, officer, forum.id, "Surrender after a European arrest warrant", "First post."
    )
    await sign_in(context, session, magistrate)

    # Following from the thread page (reading its one post on the way).
    await page.goto(f"{web_server.http}/forums/{forum.id}/threads/{thread['id']}")
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Surrender after a European arrest warrant"
    )
    await expect(page.get_by_text("Who can read this: Open to the whole network")).to_be_visible()
    await expect(page.locator(".unread-state")).to_have_text("All posts read", timeout=LONG)
    await page.get_by_role("button", name="Follow this thread").click()
    await expect(page.get_by_role("button", name="Stop following this thread")).to_be_visible()
    await expect(page.get_by_text("You follow this thread")).to_be_visible()

    # Two replies arrive while she is elsewhere: the forum says so.
    await page.goto(f"{web_server.http}/forums")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Forums")
    for body in ("Second post.", "Third post."):
        await _api(
            web_server, officer, "POST", f"/threads/{thread['id']}/posts", json={"body": body}
        )
    await page.goto(f"{web_server.http}/forums/{forum.id}")
    row = page.locator(".thread-row").filter(has_text="Surrender after a European arrest warrant")
    await expect(row.get_by_text("2 unread posts")).to_be_visible()
    await expect(row.get_by_text("Following")).to_be_visible()
    await check_page(page, "forum-unread")
    await page.goto(f"{web_server.http}/forums")
    await expect(page.get_by_text("2 unread posts in 1 thread")).to_be_visible()
    await check_page(page, "forums")

    # Reading the thread clears the count, where she left off.
    await page.get_by_role("link", name="Extradition practice").click()
    await page.get_by_role("link", name="Surrender after a European arrest warrant").click()
    await expect(page.locator("#first-unread")).to_have_text("Unread posts start here")
    await expect(page.locator(".unread-state")).to_have_text("All posts read", timeout=LONG)
    await check_page(page, "thread")
    await (
        page.get_by_role("navigation", name="You are here")
        .get_by_role("link", name="Extradition practice")
        .click()
    )
    await expect(row.get_by_text("All posts read")).to_be_visible()
    await page.get_by_role("link", name="Forums", exact=True).first.click()
    await expect(page.get_by_text("No unread posts")).to_be_visible()

    # In French, and right to left in Arabic (whose catalog falls back to English here).
    await page.get_by_label("Language").select_option("fr")
    await expect(page.get_by_text("Ouvert à tout le réseau")).to_be_visible()
    await expect(page.get_by_text("Aucun message non lu")).to_be_visible()
    await check_page(page, "forums-fr")
    await page.get_by_label("Langue").select_option("ar")
    await expect(page.locator("html")).to_have_attribute("dir", "rtl")
    await page.get_by_role("link", name="Extradition practice").click()
    await expect(page.locator(".thread-row")).to_have_count(1)
    await check_page(page, "forum-ar")


async def test_an_outsider_gets_the_not_found_page_for_a_restricted_thread(
    web_server: Server, context: BrowserContext, page: Page, session: AsyncSession
) -> None:
    insider = await make_member(session)
    outsider = await make_member(session, full_name="Olga Outsider")
    group = await make_forum_group(session, name="Asset recovery group", members=[insider])
    forum = await make_forum(session, name="Asset recovery", audience="group", group=group)
    await session.commit()
    title = "Freezing order for account 4471 at Banque Exemple"
    thread = await _thread(web_server, insider, forum.id, title, "Confidential details.")
    post_id = thread["first_post"]["id"]
    await sign_in(context, session, outsider)

    for path in (
        f"/threads/{thread['id']}#post-{post_id}",
        f"/forums/{forum.id}/threads/{thread['id']}",
        f"/forums/{forum.id}",
    ):
        await page.goto(web_server.http + path)
        await expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
        await expect(page.get_by_role("link", name="Go to the home page")).to_be_visible()
        content = await page.content()
        assert title not in content and "4471" not in content and "Asset recovery" not in content
        assert title not in await page.title()
    await check_page(page, "forum-not-found")


async def test_a_member_starts_a_thread_and_follows_a_forum(
    web_server: Server, context: BrowserContext, page: Page, session: AsyncSession
) -> None:
    ana = await make_member(session, full_name="Ana Silva")
    group = await make_forum_group(session, name="Lusophone authorities", members=[ana])
    forum = await make_forum(session, name="Lusophone practice", audience="group", group=group)
    await session.commit()
    await sign_in(context, session, ana)
    await page.goto(f"{web_server.http}/forums/{forum.id}")
    await expect(page.get_by_text("Working group: Lusophone authorities")).to_be_visible()
    await expect(page.get_by_text("No one has started a thread here yet.")).to_be_visible()

    await page.get_by_role("button", name="Follow this forum").click()
    await expect(page.get_by_role("button", name="Stop following this forum")).to_be_visible()
    await page.get_by_role("button", name="New thread").click()
    await expect(page.get_by_label("Title")).to_be_focused()
    await page.get_by_role("button", name="Start the thread").click()
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    await expect(
        summary.get_by_role("link", name="Title: Enter a title of at least 3")
    ).to_be_visible()
    await expect(
        summary.get_by_role("link", name="First post: Write the first post")
    ).to_be_visible()
    await check_page(page, "new-thread-errors")
    await page.get_by_label("Title").fill("Translations of freezing orders")
    await page.get_by_label("First post").fill("Which *language* do you accept?")
    await page.get_by_role("button", name="Start the thread").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Translations of freezing orders"
    )
    await expect(page.locator("#thread-posts .post-body em")).to_have_text("language")
    await expect(page.get_by_role("button", name="Stop following this thread")).to_be_visible()
    await (
        page.get_by_role("navigation", name="You are here")
        .get_by_role("link", name="Lusophone practice")
        .click()
    )
    row = page.locator(".thread-row").filter(has_text="Translations of freezing orders")
    await expect(row.get_by_text("All posts read")).to_be_visible()
    await page.get_by_role("button", name="Mark this forum as read").click()
    await expect(page.get_by_text("Every thread of this forum is marked as read.")).to_be_visible()
    await check_page(page, "forum-followed")


async def test_a_member_replies_previews_edits_and_quotes(
    web_server: Server, context: BrowserContext, page: Page, session: AsyncSession
) -> None:
    authority = await make_authority(session, state_code="FRA", name="Bureau de l'entraide")
    ana = await make_member(session, full_name="Ana Silva", handle="ana.silva", authority=authority)
    ben = await make_member(session, full_name="Ben Okafor", handle="ben.okafor")
    forum = await make_forum(session, name="Mutual legal assistance")
    await session.commit()
    thread = await _thread(
        web_server, ben, forum.id, "Hearing witnesses by video link", "Who has done this lately?"
    )
    await sign_in(context, session, ana)
    await page.goto(f"{web_server.http}/threads/{thread['id']}")
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Hearing witnesses by video link"
    )

    # Markdown, a mention completed from the forum's readers, then the server's preview.
    reply = page.get_by_label("Your reply")
    await reply.fill("We did, in **March**. Ask @be")
    await reply.press("n")
    await expect(page.get_by_role("option", name=re.compile("@ben.okafor"))).to_be_visible()
    await reply.press("Enter")
    await expect(reply).to_have_value("We did, in **March**. Ask @ben.okafor ")
    await reply.press_sequentially("for the form.")
    await page.get_by_role("tab", name="Preview").click()
    preview = page.get_by_role("tabpanel", name="Preview")
    await expect(preview.locator("strong")).to_have_text("March")
    await expect(preview.locator(".mention")).to_have_text("@ben.okafor")
    await check_page(page, "thread-preview")
    await page.get_by_role("tab", name="Write").click()
    await page.get_by_role("button", name="Post the reply").click()
    await expect(page.get_by_text("Your reply is posted.")).to_be_visible()
    mine = _post(page, "We did, in")
    await expect(mine.locator(".post-body strong")).to_have_text("March")
    await expect(mine.get_by_text("Bureau de l'entraide")).to_be_visible()
    await expect(reply).to_have_value("")

    # Until the API answers, the reply says "sending"; if the network fails, the text stays.
    release = asyncio.Event()
    fail = False

    async def hold(route: Route) -> None:
        if route.request.method != "POST":
            await route.continue_()
            return
        await release.wait()
        if fail:
            await route.abort()
        else:
            await route.continue_()

    await page.route("**/api/v1/threads/*/posts", hold)
    await reply.fill("Held back for a moment.")
    await page.get_by_role("button", name="Post the reply").click()
    await expect(page.get_by_text("Sending your reply…")).to_be_visible()
    await expect(_post(page, "Held back for a moment.")).to_have_count(0)
    release.set()
    await expect(_post(page, "Held back for a moment.")).to_be_visible()
    release.clear()
    fail = True
    await reply.fill("This one will not get through.")
    await page.get_by_role("button", name="Post the reply").click()
    await expect(page.get_by_text("Sending your reply…")).to_be_visible()
    release.set()
    await expect(page.get_by_role("alert")).to_contain_text("The server could not be reached")
    await expect(reply).to_have_value("This one will not get through.")
    await expect(_post(page, "This one will not get through.")).to_have_count(0)
    await page.unroute("**/api/v1/threads/*/posts")

    # A failed reply keeps its text and says why (an empty body is refused by the API).
    await reply.fill("   ")
    await page.get_by_role("button", name="Post the reply").click()
    await expect(page.get_by_role("alert")).to_contain_text("Write your reply before posting it.")
    await expect(reply).to_have_value("   ")
    await reply.fill("")

    # Editing keeps the history, which the author can open.
    await mine.get_by_role("button", name="Edit").click()
    editor = page.get_by_label("Your post")
    await editor.fill("We did, in **April** (corrected).")
    await page.get_by_role("button", name="Save the changes").click()
    await expect(page.get_by_text("Your post was updated.")).to_be_visible()
    mine = _post(page, "corrected")
    await expect(mine.get_by_text("Edited")).to_be_visible()
    await mine.get_by_role("button", name="See the earlier versions").click()
    history = mine.get_by_role("region", name="Versions of this post")
    await expect(history.get_by_text("Version 1")).to_be_visible()
    await expect(history.get_by_text("Version 2")).to_be_visible()
    await expect(history.get_by_text("March")).to_be_visible()
    await check_page(page, "thread-history")

    # Quoting Ben's post puts it in the reply box; the reply shows it folded.
    await _post(page, "Who has done this lately?").get_by_role("button", name="Quote").click()
    await expect(reply).to_be_focused()
    assert (await reply.input_value()).startswith("> @ben.okafor wrote:\n> Who has done this")
    await reply.press("End")
    await reply.press_sequentially("Answered above.")
    await page.get_by_role("button", name="Post the reply").click()
    quoting = _post(page, "Answered above.")
    await expect(quoting.get_by_text("In reply to")).to_be_visible()
    fold = quoting.locator("details.quote-fold")
    await expect(fold.locator("summary")).to_have_text("Quoted text")
    await expect(fold.locator("blockquote")).to_be_hidden()
    await fold.locator("summary").click()
    await expect(fold.locator("blockquote")).to_contain_text("Who has done this lately?")

    # Soft delete: the post stays, marked.
    quoting = page.locator(f"#{await quoting.get_attribute('id')}")
    await quoting.get_by_role("button", name="Delete").click()
    await quoting.get_by_role("button", name="Yes, delete the post").click()
    await expect(quoting.get_by_text("This post was deleted by its author.")).to_be_visible()
    await expect(quoting.get_by_role("button", name="Edit")).to_have_count(0)
    await check_page(page, "thread-replied")


async def test_a_moderator_hides_a_post_and_works_the_flag_queue(
    web_server: Server,
    browser: Browser,
    context: BrowserContext,
    page: Page,
    session: AsyncSession,
) -> None:
    member = await make_member(session, full_name="Ana Silva")
    author = await make_member(session, full_name="Carl Spammer", handle="carl")
    moderator = await make_member(session, roles=["moderator"], full_name="Mona Moderator")
    forum = await make_forum(session, name="General")
    other = await make_forum(session, name="Archive")
    await session.commit()
    thread = await _thread(
        web_server, author, forum.id, "Cheap translations", "Buy now at example.com", "Second"
    )

    # A member reports the post.
    await sign_in(context, session, member)
    await page.goto(f"{web_server.http}/threads/{thread['id']}")
    spam = _post(page, "Buy now")
    await expect(spam.get_by_role("button", name="Hide")).to_have_count(0)  # not a moderator
    await expect(page.get_by_role("link", name="Moderation")).to_have_count(0)
    await spam.get_by_role("button", name="Report").click()
    await page.get_by_label("Why should the moderators look at this post?").fill("Advertising")
    await page.get_by_role("button", name="Send the report").click()
    await expect(page.get_by_text("the moderators have your report")).to_be_visible()

    # The moderator works the queue from the navigation.
    mod = await _own_page(browser, session, moderator)
    try:
        await mod.goto(web_server.http + "/")
        await mod.get_by_role("link", name="Moderation").click()
        await expect(mod.get_by_role("heading", level=1)).to_have_text("Moderation")
        await mod.get_by_role("link", name="Reported posts").click()
        await expect(mod.get_by_role("heading", level=1)).to_have_text("Reported posts")
        flag = mod.locator(".flag").filter(has_text="Cheap translations")
        await expect(flag.get_by_text("Advertising")).to_be_visible()
        await check_page(mod, "moderation-flags")
        await flag.get_by_role("button", name="Hide the post").click()
        await mod.get_by_label("Why hide this post?").fill("Advertising is not allowed here.")
        await flag.get_by_role("button", name="Hide the post").click()
        await expect(mod.get_by_text("is hidden and its reports are settled")).to_be_visible()
        await expect(mod.get_by_text("No open reports")).to_be_visible()
        await mod.get_by_role("link", name="Handled").click()
        await expect(mod.locator(".flag").filter(has_text="Advertising")).to_be_visible()

        # On the thread: the hidden post with its reason, shown again, hidden from the page.
        await mod.goto(f"{web_server.http}/threads/{thread['id']}")
        hidden = _post(mod, "Buy now")
        await expect(hidden.get_by_text("Hidden by a moderator.")).to_be_visible()
        await expect(hidden.get_by_text("Advertising is not allowed here.")).to_be_visible()
        await hidden.get_by_role("button", name="Show again").click()
        await expect(mod.get_by_text("visible to members again")).to_be_visible()
        second = _post(mod, "Second")
        await second.get_by_role("button", name="Hide").click()
        await second.get_by_label("Why hide this post?").fill("Duplicate")
        await second.get_by_role("button", name="Hide the post").click()
        await expect(second.get_by_text("Hidden by a moderator.")).to_be_visible()

        # Thread tools: pin, lock (the reply box goes), move with a reason.
        await mod.get_by_role("button", name="Pin").click()
        await mod.get_by_role("button", name="Pin").last.click()
        await expect(mod.get_by_text("Pinned", exact=True)).to_be_visible()
        await mod.get_by_role("button", name="Lock").click()
        await mod.get_by_label("Reason").fill("Settled")
        await mod.get_by_role("button", name="Lock").last.click()
        await expect(mod.get_by_text("This thread is locked")).to_be_visible()
        await expect(mod.get_by_text("Locked", exact=True)).to_be_visible()
        await check_page(mod, "thread-moderator")
        await mod.get_by_role("button", name="Move").click()
        await mod.get_by_label("Forum", exact=True).select_option(label="Archive")
        await mod.get_by_label("Reason").fill("Old topic")
        await mod.get_by_role("button", name="Move the thread").click()
        await expect(mod).to_have_url(f"{web_server.http}/forums/{other.id}/threads/{thread['id']}")
        await expect(
            mod.get_by_role("navigation", name="You are here").get_by_role("link", name="Archive")
        ).to_be_visible()
    finally:
        await mod.context.close()

    # What the member sees now: the post hidden without the reason, a locked thread.
    await page.reload()
    await expect(_post(page, "This post was hidden")).to_be_visible()
    await expect(page.get_by_text("Duplicate")).to_have_count(0)
    await expect(page.get_by_text("This thread is locked")).to_be_visible()
    await expect(page.get_by_label("Your reply")).to_have_count(0)


async def test_replying_with_the_keyboard_only(
    web_server: Server, context: BrowserContext, page: Page, session: AsyncSession
) -> None:
    ana = await make_member(session, full_name="Ana Silva")
    ben = await make_member(session, full_name="Ben Okafor")
    forum = await make_forum(session, name="General")
    await session.commit()
    thread = await _thread(web_server, ben, forum.id, "Keyboard thread", "One", "Two", "Three")
    await sign_in(context, session, ana)
    await page.goto(f"{web_server.http}/threads/{thread['id']}")
    await expect(page.locator("#thread-posts article.post")).to_have_count(3)

    # ? lists the shortcuts; Escape closes the list.
    await page.keyboard.press("?")
    shortcuts = page.get_by_role("dialog", name="Keyboard shortcuts")
    await expect(shortcuts).to_be_visible()
    await check_page(page, "thread-shortcuts")
    await page.keyboard.press("Escape")
    await expect(shortcuts).to_be_hidden()

    # j and k move between posts.
    posts = page.locator("#thread-posts article.post")
    await page.evaluate("() => window.scrollTo(0, 0)")  # j starts from the top of the window
    await page.keyboard.press("j")
    await expect(posts.nth(0)).to_be_focused()
    await page.keyboard.press("j")
    await page.keyboard.press("j")
    await expect(posts.nth(2)).to_be_focused()
    await page.keyboard.press("k")
    await expect(posts.nth(1)).to_be_focused()

    # Tab from the last post's last action reaches the reply box (after the Write tab).
    await posts.nth(2).get_by_role("button", name="Report").focus()
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("tab", name="Write")).to_be_focused()
    await page.keyboard.press("Tab")
    await expect(page.get_by_label("Your reply")).to_be_focused()

    # r goes to the reply box from anywhere; type, Tab to the button, Enter.
    await posts.nth(0).focus()
    await page.keyboard.press("r")
    await expect(page.get_by_label("Your reply")).to_be_focused()
    await page.keyboard.type("Typed without a mouse.")
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("button", name="Post the reply")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(_post(page, "Typed without a mouse.")).to_be_visible()
    await expect(page.get_by_text("Your reply is posted.")).to_be_visible()

    # Ctrl+Enter sends from the text box.
    await page.keyboard.press("Shift+Tab")
    await page.keyboard.type("And with Ctrl+Enter.")
    await page.keyboard.press("Control+Enter")
    await expect(_post(page, "And with Ctrl+Enter.")).to_be_visible()


async def test_new_posts_arrive_in_place_once(
    web_server: Server, context: BrowserContext, page: Page, session: AsyncSession
) -> None:
    """The thread's side of live updates: a post.created for the open thread fetches what is
    new, from the last post shown (not the whole last page again), shows it once, and says so
    in the live region (the connection is live.js's)."""
    ana = await make_member(session, full_name="Ana Silva")
    ben = await make_member(session, full_name="Ben Okafor")
    forum = await make_forum(session, name="General")
    await session.commit()
    thread = await _thread(web_server, ben, forum.id, "Live thread", "First")
    await sign_in(context, session, ana)
    await page.goto(f"{web_server.http}/threads/{thread['id']}")
    await expect(page.locator("#thread-posts article.post")).to_have_count(1)
    await page.locator("#thread-posts article.post").first.focus()
    first_id = (await page.locator("#thread-posts article.post").first.get_attribute("id"))[5:]
    asked: list[str] = []
    page.on(
        "request",
        lambda request: asked.append(request.url) if "/posts?" in request.url else None,
    )

    post = await _api(
        web_server, ben, "POST", f"/threads/{thread['id']}/posts", json={"body": "Arrived live"}
    )
    event = {
        "id": 1,
        "event": "post.created",
        "data": {"thread_id": thread["id"], "post_id": post["id"]},
    }
    script = await page.evaluate(
        "() => document.querySelector('script[type=module]').src.replace('main.js', 'live.js')"
    )
    for _ in range(2):  # the same event twice (a resumed connection) shows the post once
        await page.evaluate("async ([src, e]) => (await import(src)).dispatch(e)", [script, event])
    await expect(page.locator(f"#post-{post['id']}")).to_be_visible(timeout=LONG)
    await expect(page.locator("#thread-live")).to_have_text("1 new post")
    await expect(page.locator("#thread-posts article.post")).to_have_count(2)
    await expect(page.locator("#thread-posts article.post").first).to_be_focused()
    # The first event asks from the post shown, every later one (the repeat, and the real
    # event when the socket brings it too) from the post it brought.
    froms = [url.rpartition("from_post_id=")[2] for url in asked]
    assert froms[0] == first_id and set(froms[1:]) == {post["id"]}, asked


async def test_a_thread_of_a_thousand_posts_loads_a_page_at_a_time(
    web_server: Server, context: BrowserContext, page: Page, session: AsyncSession
) -> None:
    ana = await make_member(session, full_name="Ana Silva")
    forum = await make_forum(session, name="General")
    await session.commit()
    thread = await _thread(web_server, ana, forum.id, "A very long thread", "Post number 1")
    await session.execute(
        text(
            """
            INSERT INTO forum_posts (id, thread_id, author_id, body, body_html, body_text,
                                     search_vector, created_at)
            SELECT gen_random_uuid(), :thread, :author, 'Post number ' || n,
                   '<p>Post number ' || n || '</p>', 'Post number ' || n, ''::tsvector,
                   now() + n * interval '1 millisecond'
            FROM generate_series(2, 1000) AS n ORDER BY n
            """
        ),
        {"thread": thread["id"], "author": ana.id},
    )
    await session.execute(
        text(
            "UPDATE forum_threads SET post_count = 1000, last_post_seq = "
            "(SELECT max(seq) FROM forum_posts WHERE thread_id = :thread) WHERE id = :thread"
        ),
        {"thread": thread["id"]},
    )
    post_900 = await session.scalar(
        text("SELECT id FROM forum_posts WHERE thread_id = :thread AND body = 'Post number 900'"),
        {"thread": thread["id"]},
    )
    await session.commit()
    await sign_in(context, session, ana)

    await page.goto(f"{web_server.http}/threads/{thread['id']}")
    posts = page.locator("#thread-posts article.post")
    await expect(posts).to_have_count(50)
    await expect(page.get_by_text("1,000 posts")).to_be_visible()
    await page.get_by_role("button", name="Load more posts").click()
    await expect(posts).to_have_count(100)
    await expect(_post(page, "Post number 51")).to_be_focused()
    await check_page(page, "thread-long")

    # A link to a post deep in the thread opens there, not after 900 posts.
    await page.goto(f"{web_server.http}/forums")
    await page.goto(f"{web_server.http}/threads/{thread['id']}#post-{post_900}")
    await expect(page.locator(f"#post-{post_900}")).to_be_focused()
    await expect(posts).to_have_count(50)
    await expect(posts.first).to_contain_text("Post number 900")
    await expect(page.get_by_text("Earlier posts are not shown.")).to_be_visible()
    await page.get_by_role("button", name="Read from the start").click()
    await expect(posts.first).to_contain_text("Post number 1")
