"""directory: authority details, requirement sheets, treaties, revisions, failure reports

Also fills every state's UN M49 region, sub-region and intermediate region from the
`countryinfo` package (MIT; its region fields follow the UN Statistics Division's M49
standard), and installs the trigger that keeps `authorities.search_vector` current.

Revision ID: 0005_directory
Revises: 0002_core
Create Date: 2026-11-29 01:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005_directory"
down_revision: str | None = "0002_core"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_AUTO = sqlmodel.sql.sqltypes.AutoString


def _ts(name: str, *, server_default: bool = False) -> sa.Column:  # type: ignore[type-arg]
    if server_default:
        return sa.Column(
            name, sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        )
    return sa.Column(name, sa.DateTime(timezone=True), nullable=True)


def _array(name: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, postgresql.ARRAY(sa.String()), server_default="{}", nullable=False)


# Weighted: names A, state B, contact details C, free text D. `{fold}` lowercases with an
# ICU collation when the server has one, so "Überstellung" is found as "überst" even on a
# server whose default collation is C (the embedded one); the query side lowercases in Python.
SEARCH_FUNCTION = """
CREATE FUNCTION authorities_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    state_text text;
    contact_text text;
BEGIN
    SELECT concat_ws(' ', s.name, s.official_name, s.code, s.alpha2)
      INTO state_text FROM states s WHERE s.code = NEW.state_code;
    SELECT string_agg(concat_ws(' ', c->>'name', c->>'position'), ' ')
      INTO contact_text FROM jsonb_array_elements(NEW.contacts) AS c;
    NEW.search_vector :=
        setweight(to_tsvector('simple', {fold_names}), 'A')
        || setweight(to_tsvector('simple', {fold_state}), 'B')
        || setweight(to_tsvector('simple', {fold_contact}), 'C')
        || setweight(to_tsvector('simple', {fold_text}), 'D');
    RETURN NEW;
END
$$
"""
_DOCUMENT_PARTS = {
    "fold_names": "concat_ws(' ', NEW.name, NEW.name_original)",
    "fold_state": "coalesce(state_text, '')",
    "fold_contact": "concat_ws(' ', NEW.address, NEW.email, NEW.website, contact_text)",
    "fold_text": "concat_ws(' ', NEW.notes, NEW.urgent_procedure, NEW.alternative_arrangements)",
}


# Collations whose lower() folds all of Unicode, best first: ICU ones, then PostgreSQL 17+'s
# built-in provider. Listed in the catalog is not enough (a build may lack ICU): each is tried.
_FOLDING_COLLATIONS = ("unicode", "und-x-icu", "pg_unicode_fast", "pg_c_utf8")


def _folding_collation() -> str | None:
    connection = op.get_bind()
    for name in _FOLDING_COLLATIONS:
        savepoint = connection.begin_nested()
        try:
            folded = connection.scalar(sa.text(f"SELECT lower('ÉÜΩ' COLLATE \"{name}\")"))
        except sa.exc.DBAPIError:
            savepoint.rollback()
            continue
        savepoint.commit()
        if folded == "éüω":
            return name
    return None


def _search_function() -> str:
    collation = _folding_collation()
    parts = {
        name: f'lower(({expr}) COLLATE "{collation}")' if collation else expr
        for name, expr in _DOCUMENT_PARTS.items()
    }
    return SEARCH_FUNCTION.format(**parts)


SEARCH_TRIGGER = """
CREATE TRIGGER authorities_search_vector
    BEFORE INSERT OR UPDATE ON authorities
    FOR EACH ROW EXECUTE FUNCTION authorities_search_vector();
"""


def upgrade() -> None:
    op.add_column("states", sa.Column("intermediate_region", _AUTO(), nullable=True))
    op.create_index(op.f("ix_states_region"), "states", ["region"], unique=False)

    for column in (
        sa.Column("name_original", _AUTO(), nullable=True),
        sa.Column("address", _AUTO(), nullable=True),
        sa.Column("phone", _AUTO(length=64), nullable=True),
        sa.Column("fax", _AUTO(length=64), nullable=True),
        sa.Column("email", _AUTO(length=320), nullable=True),
        sa.Column("website", _AUTO(length=2048), nullable=True),
        sa.Column("time_zone", _AUTO(length=64), nullable=True),
        sa.Column("office_hours", _AUTO(), nullable=True),
        _array("languages"),
        _array("channels"),
        sa.Column("urgent_procedure", _AUTO(), nullable=True),
        sa.Column("contact_24_7", _AUTO(), nullable=True),
        sa.Column("convention_basis_extradition", sa.Boolean(), nullable=True),
        sa.Column("convention_basis_mla", sa.Boolean(), nullable=True),
        sa.Column("alternative_arrangements", _AUTO(), nullable=True),
        sa.Column("notes", _AUTO(), nullable=True),
        sa.Column(
            "law_links",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="[]",
            nullable=False,
        ),
        sa.Column(
            "contacts",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="[]",
            nullable=False,
        ),
        _ts("last_verified_at"),
        sa.Column("last_verified_by", sa.Uuid(), nullable=True),
        _ts("stale_reminded_at"),
        sa.Column("search_vector", postgresql.TSVECTOR(), nullable=True),
    ):
        op.add_column("authorities", column)
    op.create_foreign_key(
        op.f("fk_authorities_last_verified_by_users"),
        "authorities",
        "users",
        ["last_verified_by"],
        ["id"],
        ondelete="SET NULL",
    )
    op.create_index(
        op.f("ix_authorities_last_verified_at"), "authorities", ["last_verified_at"], unique=False
    )
    for name, column in (
        ("ix_authorities_types", "types"),
        ("ix_authorities_languages", "languages"),
        ("ix_authorities_channels", "channels"),
        ("ix_authorities_search_vector", "search_vector"),
    ):
        op.create_index(name, "authorities", [column], unique=False, postgresql_using="gin")

    op.create_table(
        "requirement_sheets",
        _ts("created_at", server_default=True),
        _ts("updated_at", server_default=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("state_code", _AUTO(length=3), nullable=False),
        sa.Column("request_type", _AUTO(length=64), nullable=False),
        sa.Column("measure", _AUTO(length=64), nullable=False),
        sa.Column("possible", sa.Boolean(), nullable=True),
        sa.Column("legal_framework", _AUTO(), nullable=True),
        sa.Column("receiving_authority_id", sa.Uuid(), nullable=True),
        sa.Column("executing_authority", _AUTO(), nullable=True),
        _array("languages"),
        sa.Column("usual_execution_time", _AUTO(), nullable=True),
        _array("requirements"),
        sa.Column("special_requirements", _AUTO(), nullable=True),
        sa.Column("alternatives", _AUTO(), nullable=True),
        sa.Column("notes", _AUTO(), nullable=True),
        _ts("last_verified_at"),
        sa.Column("last_verified_by", sa.Uuid(), nullable=True),
        _ts("stale_reminded_at"),
        sa.ForeignKeyConstraint(
            ["last_verified_by"],
            ["users.id"],
            name=op.f("fk_requirement_sheets_last_verified_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["receiving_authority_id"],
            ["authorities.id"],
            name=op.f("fk_requirement_sheets_receiving_authority_id_authorities"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["state_code"], ["states.code"], name=op.f("fk_requirement_sheets_state_code_states")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_requirement_sheets")),
        sa.UniqueConstraint(
            "state_code", "request_type", "measure", name="uq_requirement_sheets_key"
        ),
    )
    op.create_index(
        op.f("ix_requirement_sheets_last_verified_at"),
        "requirement_sheets",
        ["last_verified_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_requirement_sheets_receiving_authority_id"),
        "requirement_sheets",
        ["receiving_authority_id"],
        unique=False,
    )

    op.create_table(
        "treaties",
        _ts("created_at", server_default=True),
        _ts("updated_at", server_default=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("title", _AUTO(), nullable=False),
        sa.Column("kind", _AUTO(length=16), nullable=False),
        _array("subjects"),
        sa.Column("signed_on", sa.Date(), nullable=True),
        sa.Column("in_force_on", sa.Date(), nullable=True),
        sa.Column("url", _AUTO(length=2048), nullable=True),
        sa.Column("notes", _AUTO(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_treaties")),
    )
    op.create_table(
        "treaty_parties",
        sa.Column("treaty_id", sa.Uuid(), nullable=False),
        sa.Column("state_code", _AUTO(length=3), nullable=False),
        sa.ForeignKeyConstraint(
            ["state_code"], ["states.code"], name=op.f("fk_treaty_parties_state_code_states")
        ),
        sa.ForeignKeyConstraint(
            ["treaty_id"],
            ["treaties.id"],
            name=op.f("fk_treaty_parties_treaty_id_treaties"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("treaty_id", "state_code", name=op.f("pk_treaty_parties")),
    )
    op.create_index(
        op.f("ix_treaty_parties_state_code"), "treaty_parties", ["state_code"], unique=False
    )

    op.create_table(
        "directory_revisions",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("target_type", _AUTO(length=32), nullable=False),
        sa.Column("target_id", sa.Uuid(), nullable=False),
        sa.Column("action", _AUTO(length=32), nullable=False),
        sa.Column("actor_user_id", sa.Uuid(), nullable=True),
        sa.Column("changes", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        _ts("created_at", server_default=True),
        sa.ForeignKeyConstraint(
            ["actor_user_id"],
            ["users.id"],
            name=op.f("fk_directory_revisions_actor_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_revisions")),
    )
    op.create_index(
        "ix_directory_revisions_target",
        "directory_revisions",
        ["target_type", "target_id", "id"],
        unique=False,
    )

    op.create_table(
        "contact_failure_reports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("authority_id", sa.Uuid(), nullable=False),
        sa.Column("reporter_user_id", sa.Uuid(), nullable=True),
        sa.Column("channel", _AUTO(length=16), nullable=False),
        sa.Column("detail", _AUTO(length=2000), nullable=True),
        _ts("created_at", server_default=True),
        _ts("resolved_at"),
        sa.Column("resolved_by", sa.Uuid(), nullable=True),
        sa.Column("resolution", _AUTO(length=2000), nullable=True),
        sa.ForeignKeyConstraint(
            ["authority_id"],
            ["authorities.id"],
            name=op.f("fk_contact_failure_reports_authority_id_authorities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reporter_user_id"],
            ["users.id"],
            name=op.f("fk_contact_failure_reports_reporter_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by"],
            ["users.id"],
            name=op.f("fk_contact_failure_reports_resolved_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_failure_reports")),
    )
    op.create_index(
        op.f("ix_contact_failure_reports_authority_id"),
        "contact_failure_reports",
        ["authority_id"],
        unique=False,
    )

    op.execute(_search_function())
    op.execute(SEARCH_TRIGGER)
    # Existing rows get their search vector through the trigger.
    op.execute("UPDATE authorities SET name = name")
    _fill_regions()


# The one ISO 3166-1 entry the package leaves without a region although M49 places it
# (code 334, "Australia and New Zealand"). Antarctica (010) has no M49 region: it stays NULL.
_M49_GAPS = {"HMD": ("Oceania", "Australia and New Zealand", None)}


def _fill_regions() -> None:
    """UN M49 region, sub-region and intermediate region of every seeded state."""
    from countryinfo import CountryInfo
    from countryinfo.exceptions import CountryNotFoundError

    connection = op.get_bind()
    codes = [row[0] for row in connection.execute(sa.text("SELECT code FROM states"))]
    states = sa.table(
        "states",
        sa.column("code", sa.String),
        sa.column("region", sa.String),
        sa.column("subregion", sa.String),
        sa.column("intermediate_region", sa.String),
    )
    for code in codes:
        try:
            info: dict[str, str | None] = dict(CountryInfo(code).info())  # type: ignore[arg-type]
        except CountryNotFoundError:
            continue
        values = {
            "region": info.get("region") or None,
            "subregion": info.get("subregion") or None,
            "intermediate_region": info.get("intermediateregion") or None,
        }
        if code in _M49_GAPS:
            values = dict(zip(values, _M49_GAPS[code], strict=True))
        if any(values.values()):
            connection.execute(states.update().where(states.c.code == code).values(**values))


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS authorities_search_vector ON authorities")
    op.execute("DROP FUNCTION IF EXISTS authorities_search_vector()")
    op.drop_index(
        op.f("ix_contact_failure_reports_authority_id"), table_name="contact_failure_reports"
    )
    op.drop_table("contact_failure_reports")
    op.drop_index("ix_directory_revisions_target", table_name="directory_revisions")
    op.drop_table("directory_revisions")
    op.drop_index(op.f("ix_treaty_parties_state_code"), table_name="treaty_parties")
    op.drop_table("treaty_parties")
    op.drop_table("treaties")
    op.drop_index(
        op.f("ix_requirement_sheets_receiving_authority_id"), table_name="requirement_sheets"
    )
    op.drop_index(op.f("ix_requirement_sheets_last_verified_at"), table_name="requirement_sheets")
    op.drop_table("requirement_sheets")
    for name in (
        "ix_authorities_search_vector",
        "ix_authorities_channels",
        "ix_authorities_languages",
        "ix_authorities_types",
        "ix_authorities_last_verified_at",
    ):
        op.drop_index(name, table_name="authorities")
    op.drop_constraint(
        op.f("fk_authorities_last_verified_by_users"), "authorities", type_="foreignkey"
    )
    for name in (
        "search_vector",
        "stale_reminded_at",
        "last_verified_by",
        "last_verified_at",
        "contacts",
        "law_links",
        "notes",
        "alternative_arrangements",
        "convention_basis_mla",
        "convention_basis_extradition",
        "contact_24_7",
        "urgent_procedure",
        "channels",
        "languages",
        "office_hours",
        "time_zone",
        "website",
        "email",
        "fax",
        "phone",
        "address",
        "name_original",
    ):
        op.drop_column("authorities", name)
    op.drop_index(op.f("ix_states_region"), table_name="states")
    op.drop_column("states", "intermediate_region")
    op.execute("UPDATE states SET region = NULL, subregion = NULL")
