"""The re-check of delegated decisions after a write reads through indexes, never a scan.

After every write the decisions under what it changed are checked again
(projections/decisions.py `affected_by`): the vidaredelegations of a changed delegation
(`delegation_versions.parent_delegation_id`), the delegations a changed post stands in for
(`substitute_id`), and the decisions naming a changed delegation by its code
(`delegated_decisions.delegation_ref`). None of the three had an index, so with decisions
recorded every write read those tables whole — a write's cost grew with the register and
with the decisions. This revision makes the three indexes in place.

The two of the register's read models follow 0004_access_paths: made in place, and the read
models marked as of the new shape, only when they are exactly of the shape before it
(`BEFORE`); read models of any other shape are left to the rebuild `orgchange migrate` makes.
The decisions' table is not fingerprinted: its index is made whenever it is missing.

Revision ID: 0008_recheck_paths
Revises: 0007_decision_pages
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_recheck_paths"
down_revision = "0007_decision_pages"
branch_labels = None
depends_on = None

# `projections.tables.schema_fingerprint()` of the read models before and after this revision.
BEFORE = "4a98e2457b6ed9ef96fc83c810678aa7"
AFTER = "42f94dfb5124843e52e9114987bd5ba2"

# (table, index, its columns)
READ_MODEL_PATHS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "delegation_versions",
        "ix_delegation_versions_parent",
        ("parent_delegation_id", "recorded_to", "valid_from"),
    ),
    (
        "delegation_versions",
        "ix_delegation_versions_substitute",
        ("substitute_id", "recorded_to", "valid_from"),
    ),
)
DECISION_PATH = ("delegated_decisions", "ix_delegated_decisions_ref", ("delegation_ref",))


def _stored_fingerprint() -> str | None:
    bind = op.get_bind()
    if "read_model_schema" not in sa.inspect(bind).get_table_names():
        return None  # no read models yet: they are made at this version's shape
    return bind.execute(sa.text("SELECT fingerprint FROM read_model_schema")).scalar()


def _mark(fingerprint: str) -> None:
    bind = op.get_bind()
    bind.execute(sa.text("UPDATE read_model_schema SET fingerprint = :f"), {"f": fingerprint})
    if "schema_versions" in sa.inspect(bind).get_table_names():
        bind.execute(
            sa.text("UPDATE schema_versions SET fingerprint = :f WHERE component = 'read_models'"),
            {"f": fingerprint},
        )


def _make(table: str, name: str, columns: tuple[str, ...]) -> None:
    """The index, unless one of the same columns is there (a rebuild's carry a token in their name)."""
    bind = op.get_bind()
    if table not in sa.inspect(bind).get_table_names():
        return
    if not any(tuple(i["column_names"]) == columns for i in sa.inspect(bind).get_indexes(table)):
        op.create_index(name, table, list(columns))


def _drop(table: str, columns: tuple[str, ...]) -> None:
    bind = op.get_bind()
    if table not in sa.inspect(bind).get_table_names():
        return
    for index in sa.inspect(bind).get_indexes(table):
        if tuple(index["column_names"]) == columns and index["name"]:
            op.drop_index(index["name"], table_name=table)


def upgrade() -> None:
    _make(*DECISION_PATH)
    if _stored_fingerprint() != BEFORE:
        return
    for path in READ_MODEL_PATHS:
        _make(*path)
    _mark(AFTER)


def downgrade() -> None:
    _drop(DECISION_PATH[0], DECISION_PATH[2])
    if _stored_fingerprint() != AFTER:
        return
    for table, _, columns in READ_MODEL_PATHS:
        _drop(table, columns)
    _mark(BEFORE)
