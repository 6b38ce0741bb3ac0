"""A unit's changes read a page at a time, in the log's order, from one index.

A click on a unit lists its changes in the log's order (effective day, then recording
order), a page of them. The log's order lived in `change_log` only, so the page sorted every
change the unit had had before taking the first hundred: a board with 743 changes cost 5–9
ms of PostgreSQL's time on every click, and it grows with the board's history. The log's
order is now kept beside each of a change's units (`change_units.effective`, `seq`) with an
index of (`unit_id`, `effective`, `seq`) in place of the index of `unit_id` alone
(projections/tables.py; projections/queries.py `_change_page`).

As 0004_access_paths and 0008_recheck_paths do, this revision acts in place only on read
models of exactly the shape before it (`BEFORE`): it adds the two columns, fills them from
each change's row of the log, replaces the index and marks the read models as of the shape
after it, and of version 4 (`projections.tables.CONTENT_VERSION`), so that a process of the
version before, still running, refuses to write into them (`DATABASE_TOO_NEW`) rather than
add rows without the two columns. Read models of any other shape are left to the rebuild
`orgchange migrate` makes.

Revision ID: 0009_unit_change_order
Revises: 0008_recheck_paths
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_unit_change_order"
down_revision = "0008_recheck_paths"
branch_labels = None
depends_on = None

# `projections.tables.schema_fingerprint()` of the read models before and after this revision.
BEFORE = "42f94dfb5124843e52e9114987bd5ba2"
AFTER = "dd49b71acae0be5419af8a9114d01290"
VERSION_BEFORE, VERSION_AFTER = 3, 4

TABLE = "change_units"
INDEX = "ix_change_units_unit"
COLUMNS_BEFORE = ("unit_id",)
COLUMNS_AFTER = ("unit_id", "effective", "seq")


def _stored_fingerprint() -> str | None:
    bind = op.get_bind()
    if "read_model_schema" not in sa.inspect(bind).get_table_names():
        return None  # no read models yet: they are made at this version's shape
    return bind.execute(sa.text("SELECT fingerprint FROM read_model_schema")).scalar()


def _mark(fingerprint: str, version: int) -> None:
    bind = op.get_bind()
    bind.execute(sa.text("UPDATE read_model_schema SET fingerprint = :f"), {"f": fingerprint})
    if "schema_versions" in sa.inspect(bind).get_table_names():
        bind.execute(
            sa.text(
                "UPDATE schema_versions SET fingerprint = :f, version = :v WHERE component = 'read_models'"
            ),
            {"f": fingerprint, "v": version},
        )


def _replace_index(columns_before: tuple[str, ...], columns_after: tuple[str, ...]) -> None:
    """The index of `columns_after` in place of that of `columns_before` (found by its columns:
    a rebuild's index names carry a token of their own)."""
    for index in sa.inspect(op.get_bind()).get_indexes(TABLE):
        if tuple(index["column_names"]) == columns_before and index["name"]:
            op.drop_index(index["name"], table_name=TABLE)
    op.create_index(INDEX, TABLE, list(columns_after))


def upgrade() -> None:
    if _stored_fingerprint() != BEFORE:
        return
    op.add_column(TABLE, sa.Column("effective", sa.Date()))
    op.add_column(TABLE, sa.Column("seq", sa.Integer()))
    op.get_bind().execute(
        sa.text(
            "UPDATE change_units SET"
            " effective = (SELECT l.effective FROM change_log AS l"
            " WHERE l.change_id = change_units.change_id),"
            " seq = (SELECT l.seq FROM change_log AS l WHERE l.change_id = change_units.change_id)"
        )
    )
    _replace_index(COLUMNS_BEFORE, COLUMNS_AFTER)
    _mark(AFTER, VERSION_AFTER)


def downgrade() -> None:
    if _stored_fingerprint() != AFTER:
        return
    _replace_index(COLUMNS_AFTER, COLUMNS_BEFORE)
    with op.batch_alter_table(TABLE) as batch:
        batch.drop_column("seq")
        batch.drop_column("effective")
    _mark(BEFORE, VERSION_BEFORE)
