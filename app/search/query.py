"""One safe way from what a member typed to a tsquery: web-search syntax, last word a prefix.

The input only ever reaches `websearch_to_tsquery`, which accepts any text (quotes, `or`,
`-word`, stray punctuation) without a syntax error. Its output, in which PostgreSQL itself has
quoted every lexeme, gets `:*` on the final lexeme and is read back by `to_tsquery`; so
`freez` finds "freezing" and `asset freez` finds "asset freezing orders", while nothing the
member types is ever parsed as tsquery syntax. A negated final term (`-bar`) stays exact.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

MAX_QUERY_CHARS = 200

_CONFIG: sa.ColumnElement[str] = sa.literal_column("'simple'::regconfig")
# The last quoted lexeme of a tsquery's text form (a quote inside one is doubled), unless it
# is negated.
_LAST_LEXEME = r"(^|[^!])('(?:[^']|'')*')$"


def has_words(q: str) -> bool:
    """Whether `q` holds anything to search for (punctuation alone matches nothing)."""
    return any(ch.isalnum() for ch in q)


def prefix_query(q: str) -> sa.ColumnElement[Any]:
    """The tsquery for `q` (`simple` configuration), its last term matched as a prefix."""
    exact = sa.func.websearch_to_tsquery(_CONFIG, q[:MAX_QUERY_CHARS])
    text = sa.func.regexp_replace(sa.cast(exact, sa.Text), _LAST_LEXEME, r"\1\2:*")
    return sa.func.to_tsquery(_CONFIG, text)
