"""Residents' own subscription requests, waiting for their confirmation.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from gateway.db import UtcDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pending_subscriptions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("ticket", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("address", sa.String(2000), nullable=False),
        sa.Column("language", sa.String(35), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("areas", sa.String(1000), nullable=True),
        sa.Column("secret_digest", sa.String(64), nullable=False),
        sa.Column("wrong_codes", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("ticket", name="uq_pending_subscriptions_ticket"),
        sa.UniqueConstraint(
            "secret_digest", name="uq_pending_subscriptions_secret_digest"
        ),
    )
    op.create_index(
        "ix_pending_subscriptions_address",
        "pending_subscriptions",
        ["channel", "address"],
    )
    op.create_index(
        "ix_pending_subscriptions_expires_at", "pending_subscriptions", ["expires_at"]
    )


def downgrade() -> None:
    op.drop_table("pending_subscriptions")
