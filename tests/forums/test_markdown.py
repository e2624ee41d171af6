"""Hostile markdown: nothing executable survives, a giant body is refused before any work."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.markdown import render_markdown
from app.forums.mentions import extract_handles
from app.forums.schemas import MAX_BODY_CHARS
from app.forums.vectors import _BREAKS, plain_text
from tests.factories import make_forum, make_member
from tests.forums.helpers import API, reply, start_thread


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def _tags(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """Every element of the rendered HTML as a browser would parse it."""
    collector = _Collector()
    collector.feed(html)
    return collector.tags


HOSTILE = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](  javascript:alert(1) )",
    "![img](javascript:alert(1))",
    "<a href='javascript:alert(1)'>x</a>",
    '<div onclick="alert(1)">x</div>',
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<iframe src=https://evil.example></iframe>",
    "<svg><script>alert(1)</script></svg>",
    "[x](vbscript:msgbox(1))",
    '<p style="background:url(javascript:alert(1))">x</p>',
]


@pytest.mark.parametrize("body", HOSTILE)
async def test_hostile_markdown_is_neutralised(
    client: httpx.AsyncClient, session: AsyncSession, body: str
) -> None:
    member = await make_member(session)
    forum = await make_forum(session)
    await session.commit()
    thread = await start_thread(client, member, forum.id, body=body)
    html = thread["first_post"]["body_html"]
    tags = _tags(html)
    assert not {t for t, _ in tags} & {"script", "img", "iframe", "svg", "div", "style"}, html
    for _tag, attrs in tags:
        for name, value in attrs:
            assert not name.startswith("on") and name != "style", html
            if name in ("href", "src"):
                assert (value or "").startswith(("http://", "https://", "mailto:")), html
    assert thread["first_post"]["body"] == body  # the markdown is kept as written


async def test_links_are_marked_nofollow(client: httpx.AsyncClient, session: AsyncSession):
    member = await make_member(session)
    forum = await make_forum(session)
    await session.commit()
    thread = await start_thread(client, member, forum.id, body="See [UNODC](https://unodc.org).")
    html = thread["first_post"]["body_html"]
    assert 'href="https://unodc.org"' in html
    assert "noopener" in html and "nofollow" in html


async def test_giant_input_is_refused(client: httpx.AsyncClient, session: AsyncSession) -> None:
    member = await make_member(session)
    forum = await make_forum(session)
    await session.commit()
    thread = await start_thread(client, member, forum.id)
    giant = "a" * (MAX_BODY_CHARS + 1)
    response = await client.post(
        f"{API}/threads/{thread['id']}/posts", json={"body": giant}, headers=member.headers
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body"
    # Pathological nesting at the limit renders quickly and safely.
    nested = ("> " * 2000 + "x\n") + ("[" * 5000) + ("*" * 5000) + ("`" * 5000)
    ok = await reply(client, member, thread["id"], nested[:MAX_BODY_CHARS])
    assert "script" not in {t for t, _ in _tags(ok["body_html"])}


def test_mentions_are_found_outside_code_only() -> None:
    text = "Hi @ana.b, mail me@x.org or @Ben. ```\n@code\n``` and `@inline` @ana.b again"
    assert extract_handles(text) == ["ana.b", "ben"]
    assert extract_handles("no at signs") == []
    assert len(extract_handles(" ".join(f"@user{i}" for i in range(100)))) == 20


class _Text(HTMLParser):
    """The text a browser shows, with a space at every block's edge (app.forums.vectors)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.parts.append(" " if tag in _BREAKS else "")

    def handle_endtag(self, tag: str) -> None:
        self.parts.append(" " if tag in _BREAKS else "")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


TRICKY = [
    '[a link](https://example.org/?a>b&c=1 "a title > with quotes")',
    "`code <with> tags & entities`",
    "```\n<fence> &amp; </fence>\n```",
    "x < y > z & w, &copy; &#169; &#x27;",
    "| a | b |\n|---|---|\n| 1 | <2> |",
    "# Heading\n\n> quoted **bold** and _em_\n\n- one\n- two\n\n1. first",
    "line one  \nline two",
    "~~gone~~ and \\*not emphasis\\*",
]


@pytest.mark.parametrize("body", HOSTILE + TRICKY)
def test_a_posts_plain_text_is_what_a_parser_reads(body: str) -> None:
    """Search indexes the text of the sanitised HTML: the same as a full HTML parser reads."""
    rendered = render_markdown(body)
    parser = _Text()
    parser.feed(rendered)
    parser.close()
    expected = re.sub(r"\s+", " ", "".join(parser.parts)).strip()
    assert plain_text(rendered) == expected
