"""A board's (or post's) list of delegated decisions is read a page at a time through one index.

The list is ordered by decision date, recording order and id, and a page starts right after
the last decision of the one before it (keyset paging, projections/decisions.py): the
indexes of `listed_for` and `report_to` hold the whole order, so a month's page at any depth
of 500,000 decisions is an index search that stops when the page is full (no sort, no scan).
Version 0006's indexes of (key, date) are replaced in place; the decisions' tables are not
rebuilt.

Revision ID: 0007_decision_pages
Revises: 0006_decisions
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_decision_pages"
down_revision = "0006_decisions"
branch_labels = None
depends_on = None

# (index, its columns now, its columns before)
INDEXES = (
    (
        "ix_delegated_decisions_listed",
        ("listed_for", "decision_date", "seq", "decision_id"),
        ("listed_for", "decision_date"),
    ),
    (
        "ix_delegated_decisions_report_to",
        ("report_to", "decision_date", "seq", "decision_id"),
        ("report_to", "decision_date"),
    ),
)


def _replace(columns_of: int) -> None:
    existing = {i["name"] for i in sa.inspect(op.get_bind()).get_indexes("delegated_decisions")}
    for name, *shapes in INDEXES:
        if name in existing:
            op.drop_index(name, table_name="delegated_decisions")
        op.create_index(name, "delegated_decisions", list(shapes[columns_of]))


def upgrade() -> None:
    _replace(0)


def downgrade() -> None:
    _replace(1)
