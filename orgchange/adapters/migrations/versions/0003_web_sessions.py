"""The web page's sessions: the table of orgchange.application.sessions.

Instants are stored as naive UTC (`DateTime`), as `projections.tables.UTCDateTime` writes them.
Sessions are kept beside the register, like the API tokens: they cannot be rebuilt from
the events (docs/security.md#sessions-of-the-web-page).

Revision ID: 0003_web_sessions
Revises: 0002_drafts
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_web_sessions"
down_revision = "0002_drafts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if "web_sessions" in sa.inspect(op.get_bind()).get_table_names():  # made before its revision existed
        return
    op.create_table(
        "web_sessions",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("key_id", sa.String(32)),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("last_seen_at", sa.DateTime, nullable=False),
        sa.Column("ended_at", sa.DateTime),
    )
    op.create_index("ix_web_sessions_key_id", "web_sessions", ["key_id"])


def downgrade() -> None:
    op.drop_index("ix_web_sessions_key_id", table_name="web_sessions")
    op.drop_table("web_sessions")
