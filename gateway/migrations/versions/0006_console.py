"""Console: each user's language, and the office's own protocol templates.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from gateway.db import UtcDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as users:
        users.add_column(sa.Column("language", sa.String(8), nullable=True))

    op.create_table(
        "protocol_templates",
        sa.Column("key", sa.String(40), primary_key=True),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(80), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("protocol_templates")
    with op.batch_alter_table("users") as users:
        users.drop_column("language")
