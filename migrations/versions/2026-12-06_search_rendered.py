"""search: index the rendered text of posts

Adds `forum_posts.body_text`, the text of the sanitised HTML as a reader sees it (tags dropped,
entities decoded), fills it for every existing post and rebuilds each post's search vector from
it (thread title weight A, text weight B), so searches and snippets no longer see markdown.
Downgrade rebuilds the vectors from the markdown source, as before, and drops the column.

Revision ID: 0013_search_rendered
Revises: 0012_vetting_audit_actors
Create Date: 2026-12-06 04:00:00
"""

import re
from collections.abc import Sequence
from html.parser import HTMLParser

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0013_search_rendered"
down_revision: str | None = "0012_vetting_audit_actors"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 1000

# A frozen copy of app.forums.vectors.plain_text as of this revision: migrations do not import
# application code, which keeps changing after them.
_BREAKS = frozenset(
    {"p", "br", "hr", "pre", "blockquote", "li", "tr", "th", "td"}
    | {"ul", "ol", "table", "thead", "tbody", "h1", "h2", "h3", "h4", "h5", "h6"}
)
_SPACES = re.compile(r"\s+")


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BREAKS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BREAKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _plain_text(body_html: str) -> str:
    collector = _TextCollector()
    collector.feed(body_html)
    collector.close()
    return _SPACES.sub(" ", "".join(collector.parts)).strip()


_REINDEX = sa.text(
    """
    UPDATE forum_posts AS p
    SET body_text = CAST(:text AS text),
        search_vector = setweight(to_tsvector('simple'::regconfig, t.title), 'A')
            || setweight(to_tsvector('simple'::regconfig, CAST(:text AS text)), 'B')
    FROM forum_threads AS t
    WHERE p.id = :id AND t.id = p.thread_id
    """
)


def upgrade() -> None:
    op.add_column(
        "forum_posts", sa.Column("body_text", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
    )
    conn = op.get_bind()
    after = 0
    while True:
        rows = conn.execute(
            sa.text(
                "SELECT seq, id, body_html FROM forum_posts WHERE seq > :after "
                "ORDER BY seq LIMIT :batch"
            ),
            {"after": after, "batch": _BATCH},
        ).all()
        if not rows:
            break
        conn.execute(_REINDEX, [{"id": r.id, "text": _plain_text(r.body_html)} for r in rows])
        after = rows[-1].seq
    op.alter_column("forum_posts", "body_text", nullable=False)


def downgrade() -> None:
    op.execute(
        """
        UPDATE forum_posts AS p
        SET search_vector = setweight(to_tsvector('simple'::regconfig, t.title), 'A')
            || setweight(to_tsvector('simple'::regconfig, p.body), 'B')
        FROM forum_threads AS t
        WHERE t.id = p.thread_id
        """
    )
    op.drop_column("forum_posts", "body_text")
