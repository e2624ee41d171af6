"""Markdown to sanitised HTML, on write.

markdown-it-py renders CommonMark with raw HTML disabled; nh3 (ammonia) then keeps only an
allow-list of tags and attributes, only http(s)/mailto links, and marks every link
rel="noopener nofollow noreferrer". Input is capped so a giant body cannot stall a worker.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

MAX_MARKDOWN_CHARS = 100_000

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)

_TAGS = {
    "p",
    "br",
    "hr",
    "strong",
    "em",
    "del",
    "s",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "span",
}
_ATTRIBUTES = {
    "a": {"href", "title"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
    "span": {"class"},
    "code": {"class"},
}


# Built once: nh3.clean would convert these allow-lists for every post.
_cleaner = nh3.Cleaner(
    tags=_TAGS,
    attributes=_ATTRIBUTES,
    url_schemes={"http", "https", "mailto"},
    link_rel="noopener nofollow noreferrer",
    strip_comments=True,
)


def render_markdown(text: str) -> str:
    return _cleaner.clean(_md.render(text[:MAX_MARKDOWN_CHARS]))
