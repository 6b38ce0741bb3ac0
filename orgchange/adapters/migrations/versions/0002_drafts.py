"""Drafts (utkast): the table of orgchange.application.drafts.

Instants are stored as naive UTC (`DateTime`), as `projections.tables.UTCDateTime` writes them.

Drafts are kept beside the register, like the API tokens: they cannot be rebuilt from the
events, so they are made by a revision of their own (docs/drafts.md#storage).

Revision ID: 0002_drafts
Revises: 0001_base
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_drafts"
down_revision = "0001_base"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if "drafts" in sa.inspect(op.get_bind()).get_table_names():  # made before its revision existed
        return
    op.create_table(
        "drafts",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("file", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("based_on", sa.Integer, nullable=False),
        sa.Column("recorded_ids", sa.Text),
    )
    op.create_index("ix_drafts_created_by_status", "drafts", ["created_by", "status"])


def downgrade() -> None:
    op.drop_index("ix_drafts_created_by_status", table_name="drafts")
    op.drop_table("drafts")
