"""The search vector of a post, and the text search configuration everything uses."""

from __future__ import annotations

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


def search_vector(title: str | ColumnElement[str], body: str) -> ColumnElement[str]:
    """Title weighted A over body weighted B, in one tsvector."""
    title_vector = sa.func.setweight(
        sa.func.to_tsvector(TS_CONFIG, sa.cast(title, sa.Text)), _WEIGHT_A
    )
    body_vector = sa.func.setweight(
        sa.func.to_tsvector(TS_CONFIG, sa.cast(body, sa.Text)), _WEIGHT_B
    )
    return title_vector.op("||")(body_vector)
