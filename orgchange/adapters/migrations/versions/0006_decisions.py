"""Delegated decisions: the read model of the decisions' own event streams
(projections/decisions.py, docs/decisions.md#storage).

The tables are rebuilt from the events by `orgchange rebuild`; they are made here, beside
the register's read models, because their events are not the register's.
Instants are stored as naive UTC (`DateTime`), as `projections.tables.UTCDateTime` writes them.

Revision ID: 0006_decisions
Revises: 0005_search_names
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_decisions"
down_revision = "0005_search_names"
branch_labels = None
depends_on = None


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "delegated_decisions" not in existing:
        op.create_table(
            "delegated_decisions",
            sa.Column("decision_id", sa.String(100), primary_key=True),
            sa.Column("seq", sa.Integer, nullable=False),
            sa.Column("delegation_ref", sa.String(200), nullable=False),
            sa.Column("decided_by", sa.String(64), nullable=False),
            sa.Column("decision_date", sa.Date, nullable=False),
            sa.Column("matter", sa.Text, nullable=False),
            sa.Column("reference", sa.String(200)),
            sa.Column("amount", sa.Float),
            sa.Column("acting_as_substitute", sa.Boolean, nullable=False),
            sa.Column("recorded_at", sa.DateTime, nullable=False),
            sa.Column("recorded_by", sa.String(100), nullable=False),
            sa.Column("content", sa.Text, nullable=False),
            sa.Column("delegation_id", sa.String(64)),
            sa.Column("board_id", sa.String(64)),
            sa.Column("report_to", sa.String(64)),
            sa.Column("not_reported", sa.Boolean, nullable=False),
            sa.Column("finding_count", sa.Integer, nullable=False),
            sa.Column("listed_for", sa.String(64)),
        )
        op.create_index(
            "ix_delegated_decisions_listed", "delegated_decisions", ["listed_for", "decision_date"]
        )
        op.create_index(
            "ix_delegated_decisions_report_to", "delegated_decisions", ["report_to", "decision_date"]
        )
        op.create_index("ix_delegated_decisions_board", "delegated_decisions", ["board_id", "decision_date"])
        op.create_index("ix_delegated_decisions_delegation", "delegated_decisions", ["delegation_id"])
        op.create_index("ix_delegated_decisions_decided_by", "delegated_decisions", ["decided_by"])
        op.create_index("ix_delegated_decisions_date", "delegated_decisions", ["decision_date"])
    if "decision_checks" not in existing:
        op.create_table(
            "decision_checks",
            sa.Column("row_id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("decision_id", sa.String(100), nullable=False),
            sa.Column("delegation_id", sa.String(64)),
            sa.Column("board_id", sa.String(64)),
            sa.Column("report_to", sa.String(64)),
            sa.Column("not_reported", sa.Boolean, nullable=False),
            sa.Column("findings", sa.Text, nullable=False),
            sa.Column("recorded_from", sa.DateTime, nullable=False),
            sa.Column("recorded_to", sa.DateTime),
        )
        op.create_index("ix_decision_checks_decision", "decision_checks", ["decision_id", "recorded_to"])
    if "decision_reports" not in existing:
        op.create_table(
            "decision_reports",
            sa.Column("decision_id", sa.String(100), primary_key=True),
            sa.Column("to_id", sa.String(64), primary_key=True),
            sa.Column("meeting", sa.Date, nullable=False),
            sa.Column("recorded_at", sa.DateTime, nullable=False),
        )
        op.create_index("ix_decision_reports_meeting", "decision_reports", ["to_id", "meeting"])
    if "decision_report_meetings" not in existing:
        op.create_table(
            "decision_report_meetings",
            sa.Column("to_id", sa.String(64), primary_key=True),
            sa.Column("meeting", sa.Date, primary_key=True),
            sa.Column("noted_paragraph", sa.String(200)),
            sa.Column("noted_at", sa.DateTime),
        )


def downgrade() -> None:
    for table in ("decision_report_meetings", "decision_reports", "decision_checks", "delegated_decisions"):
        op.drop_table(table)
