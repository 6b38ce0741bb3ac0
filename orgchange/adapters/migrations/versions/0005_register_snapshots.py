"""Snapshots of the register: the tables of orgchange.adapters.snapshots.

A snapshot is the register's state at one version, so that a process starts from it and
the events after it instead of the whole history. It is a cache of what the events say:
never an event, never read by a rebuild, and dropped without loss (docs/operations.md#snapshots).
Instants are naive UTC (`DateTime`).

Revision ID: 0005_register_snapshots
Revises: 0004_access_paths
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_register_snapshots"
down_revision = "0004_access_paths"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if "register_snapshots" in sa.inspect(op.get_bind()).get_table_names():  # (alembic_version was lost)
        return
    op.create_table(
        "register_snapshots",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("register_version", sa.Integer, nullable=False),
        sa.Column("format", sa.Integer, nullable=False),
        sa.Column("shape", sa.String(64), nullable=False),
        sa.Column("taken_at", sa.DateTime, nullable=False),
        sa.Column("parts", sa.Integer),
        sa.Column("size", sa.BigInteger),
        sa.Column("seconds", sa.Float),
        sa.Column("digest", sa.String(64)),
    )
    op.create_index("ix_register_snapshots_version", "register_snapshots", ["register_version"])
    op.create_table(
        "register_snapshot_parts",
        sa.Column("snapshot_id", sa.Integer, primary_key=True),
        sa.Column("part", sa.Integer, primary_key=True),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("register_snapshot_parts")
    op.drop_index("ix_register_snapshots_version", table_name="register_snapshots")
    op.drop_table("register_snapshots")
