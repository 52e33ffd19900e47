"""Deliveries: one row per (alert message, subscriber, channel).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from gateway.db import UtcDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deliveries",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
        ),
        sa.Column(
            "alert_id", sa.String(32), sa.ForeignKey("alerts.id"), nullable=False
        ),
        sa.Column("chain_id", sa.String(32), nullable=False),
        sa.Column(
            "subscriber_id",
            sa.Integer(),
            sa.ForeignKey("subscribers.id"),
            nullable=False,
        ),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("info_index", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("due_at", UtcDateTime(), nullable=False),
        sa.Column("lease_until", UtcDateTime(), nullable=True),
        sa.Column("provider_reference", sa.String(200), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("sent_at", UtcDateTime(), nullable=True),
        sa.Column("finished_at", UtcDateTime(), nullable=True),
        sa.UniqueConstraint(
            "alert_id", "subscriber_id", "channel", name="uq_deliveries_recipient"
        ),
    )
    op.create_index("ix_deliveries_chain_id", "deliveries", ["chain_id"])
    op.create_index(
        "ix_deliveries_work", "deliveries", ["alert_id", "channel", "status", "due_at"]
    )
    op.create_index("ix_deliveries_lease", "deliveries", ["status", "lease_until"])


def downgrade() -> None:
    op.drop_table("deliveries")
