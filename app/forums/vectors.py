"""What a post is searched by: the text a reader sees, and the configuration everything uses.

A post is indexed and highlighted by the plain text of its rendered HTML (`body_text`), never
by its markdown source: a search for `freezing` shows "freezing", not `**freezing**`, and
link targets, code fences and emphasis markers are not words of the post.
"""

from __future__ import annotations

import html
import re

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

# `simple` text search configuration, on purpose: the network writes in many languages (and
# mixes them in one thread), names and case references must match exactly as written, and a
# language-specific stemmer would mangle words of every other language. `simple` lowercases
# and splits without stemming or stop words, so a search finds exactly the words written, in
# any language.
TS_CONFIG: ColumnElement[str] = sa.literal_column("'simple'::regconfig")

_WEIGHT_A: ColumnElement[str] = sa.literal_column("'A'::\"char\"")
_WEIGHT_B: ColumnElement[str] = sa.literal_column("'B'::\"char\"")

# Tags after which the reader sees a break: their text must not run into the next block's.
_BREAKS = frozenset(
    {"p", "br", "hr", "pre", "blockquote", "li", "tr", "th", "td"}
    | {"ul", "ol", "table", "thead", "tbody", "h1", "h2", "h3", "h4", "h5", "h6"}
)
_SPACES = re.compile(r"\s+")


# A tag of the sanitiser's output (app/core/markdown.py): its serialiser escapes every `<` of
# text and quotes every attribute value with `"`, which may hold a `>`. So a `<` always opens
# a tag, and a tag ends at the first `>` outside quotes. (html.parser gave the same text
# over 20,000 generated posts at three times the cost.)
_TAG = re.compile(r'<(/?)([a-zA-Z][a-zA-Z0-9]*)(?:[^>"]|"[^"]*")*>')


def _tag_text(tag: re.Match[str]) -> str:
    return " " if tag.group(2).lower() in _BREAKS else ""


def plain_text(body_html: str) -> str:
    """The text of sanitised post HTML as a reader sees it: tags dropped, entities decoded."""
    return _SPACES.sub(" ", html.unescape(_TAG.sub(_tag_text, body_html))).strip()


def search_vector(title: str | ColumnElement[str], text: str) -> ColumnElement[str]:
    """Title weighted A over the post's plain text weighted B, in one tsvector."""
    title_vector = sa.func.setweight(
        sa.func.to_tsvector(TS_CONFIG, sa.cast(title, sa.Text)), _WEIGHT_A
    )
    body_vector = sa.func.setweight(
        sa.func.to_tsvector(TS_CONFIG, sa.cast(text, sa.Text)), _WEIGHT_B
    )
    return title_vector.op("||")(body_vector)
