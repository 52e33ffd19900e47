"""Fan-outs: which published messages have had their deliveries planned.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from gateway.db import UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fanouts",
        sa.Column(
            "alert_id", sa.String(32), sa.ForeignKey("alerts.id"), primary_key=True
        ),
        sa.Column("planned_at", UtcDateTime(), nullable=False),
        sa.Column("deliveries", sa.Integer(), nullable=False),
    )

    # Every message published before this table existed counts as planned,
    # so upgrading never sends an old alert again.
    op.execute(
        "INSERT INTO fanouts (alert_id, planned_at, deliveries) "
        "SELECT alerts.id, alerts.published_at, COUNT(deliveries.id) FROM alerts "
        "LEFT JOIN deliveries ON deliveries.alert_id = alerts.id "
        "WHERE alerts.published_at IS NOT NULL "
        "GROUP BY alerts.id, alerts.published_at"
    )


def downgrade() -> None:
    op.drop_table("fanouts")
