"""The read models' access paths by another key than a version's own, with the day and the belief.

A unit's children (`parent_id`), a unit's posts (`position_versions.unit_id`) and a
board's or a delegate's delegations (`board_id`, `to_id`) are each found through an
index of (key, `recorded_to`, `valid_from`): the rows of those keys only, never a scan
(projections/tables.py; tests/test_query_plans.py). Version 0.3's read models had an
index of (key, `recorded_to`) for the last three and none for the first.

The read models are rebuildable, and read models of another shape are rebuilt by
`orgchange migrate` (their fingerprint says so). That is right, but slow for a large
register, when all that changed is four indexes. So this revision makes the indexes in
place, and marks the read models as of the new shape, only when they are exactly of the
shape this revision knows as the one before it (its fingerprint, `BEFORE`); read models of
any other shape are left to the rebuild, as before. Index names made by a rebuild carry a
token (`projections.tables.new_tables`), so indexes are found by their columns, not names.

Revision ID: 0004_access_paths
Revises: 0003_web_sessions
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_access_paths"
down_revision = "0003_web_sessions"
branch_labels = None
depends_on = None

# `projections.tables.schema_fingerprint()` of the read models before and after this revision.
BEFORE = "ae80cb374af79d8c434b3175f1244534"
AFTER = "c5459fbea0fbf17ef42edeba8c6965d9"

# (table, index, its columns, the columns of the index it replaces, if any)
ACCESS_PATHS: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...] | None], ...] = (
    ("unit_versions", "ix_unit_versions_parent", ("parent_id", "recorded_to", "valid_from"), None),
    (
        "position_versions",
        "ix_position_versions_unit",
        ("unit_id", "recorded_to", "valid_from"),
        ("unit_id", "recorded_to"),
    ),
    (
        "delegation_versions",
        "ix_delegation_versions_board",
        ("board_id", "recorded_to", "valid_from"),
        ("board_id", "recorded_to"),
    ),
    (
        "delegation_versions",
        "ix_delegation_versions_to",
        ("to_id", "recorded_to", "valid_from"),
        ("to_id", "recorded_to"),
    ),
)


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


def _replace(table: str, drop: tuple[str, ...] | None, name: str, columns: tuple[str, ...]) -> None:
    found = sa.inspect(op.get_bind()).get_indexes(table)
    for index in found:
        if drop is not None and tuple(index["column_names"]) == drop and index["name"]:
            op.drop_index(index["name"], table_name=table)
    if not any(tuple(index["column_names"]) == columns for index in found):
        op.create_index(name, table, list(columns))


def upgrade() -> None:
    if _stored_fingerprint() != BEFORE:
        return
    for table, name, columns, replaces in ACCESS_PATHS:
        _replace(table, replaces, name, columns)
    _mark(AFTER)


def downgrade() -> None:
    if _stored_fingerprint() != AFTER:
        return
    for table, name, columns, replaces in ACCESS_PATHS:
        found = sa.inspect(op.get_bind()).get_indexes(table)
        for index in found:
            if tuple(index["column_names"]) == columns and index["name"]:
                op.drop_index(index["name"], table_name=table)
        if replaces is not None:
            op.create_index(name, table, list(replaces))
    _mark(BEFORE)
