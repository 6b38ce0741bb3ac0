"""The tables of orgchange 0.1.0 that the events cannot rebuild: api_tokens, generated_outputs.

A database made by 0.1.0 already has them (made without migrations): they are adopted as
they are. The shapes are written out here, not taken from the code, so that this revision
makes the same tables however the code changes later.

Revision ID: 0001_base
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_base"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "api_tokens" not in existing:
        op.create_table(
            "api_tokens",
            sa.Column("key_id", sa.String(32), primary_key=True),
            sa.Column("name", sa.String(100), nullable=False),
            sa.Column("role", sa.String(16), nullable=False),
            sa.Column("secret_hash", sa.String(64), nullable=False),
            sa.Column("created_at", sa.DateTime, nullable=False),
            sa.Column("revoked_at", sa.DateTime),
        )
        op.create_index("ix_api_tokens_name", "api_tokens", ["name", "revoked_at"])
    if "generated_outputs" not in existing:
        op.create_table(
            "generated_outputs",
            sa.Column("output_id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("kind", sa.String(32), nullable=False),
            sa.Column("description", sa.String(500), nullable=False),
            sa.Column("covers_from", sa.Date, nullable=False),
            sa.Column("covers_to", sa.Date, nullable=False),
            sa.Column("generated_at", sa.DateTime, nullable=False),
            sa.Column("generated_by", sa.String(200), nullable=False),
            sa.Column("location", sa.String(1000)),
        )


def downgrade() -> None:
    op.drop_table("generated_outputs")
    op.drop_index("ix_api_tokens_name", table_name="api_tokens")
    op.drop_table("api_tokens")
