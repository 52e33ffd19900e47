"""Places: administrative areas, shelters and evacuation routes.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from gateway.db import UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _create_areas()
    _create_shelters()
    _create_routes()


def downgrade() -> None:
    for table in ("evacuation_routes", "shelters", "areas"):
        op.drop_table(table)


def _bounding_box() -> list[sa.Column[float]]:
    return [
        sa.Column(name, sa.Float(), nullable=False)
        for name in ("min_lon", "min_lat", "max_lon", "max_lat")
    ]


def _create_areas() -> None:
    op.create_table(
        "areas",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("scheme", sa.String(50), nullable=False),
        sa.Column("code", sa.String(50), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("level", sa.String(10), nullable=False),
        sa.Column("parent_code", sa.String(50), nullable=True),
        sa.Column("geometry", sa.Text(), nullable=False),
        *_bounding_box(),
        sa.Column("source", sa.String(500), nullable=True),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("scheme", "code", name="uq_areas_code"),
    )
    op.create_index("ix_areas_code", "areas", ["code"])
    op.create_index("ix_areas_level", "areas", ["level", "name"])


def _create_shelters() -> None:
    op.create_table(
        "shelters",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("external_id", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("facilities", sa.JSON(), nullable=False),
        sa.Column("address", sa.String(500), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("area_code", sa.String(50), nullable=True),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("external_id", name="uq_shelters_external_id"),
    )
    op.create_index("ix_shelters_position", "shelters", ["lat", "lon"])


def _create_routes() -> None:
    op.create_table(
        "evacuation_routes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("external_id", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("geometry", sa.Text(), nullable=False),
        *_bounding_box(),
        sa.Column(
            "shelter_id",
            sa.Integer(),
            sa.ForeignKey("shelters.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("external_id", name="uq_evacuation_routes_external_id"),
    )
    op.create_index(
        "ix_evacuation_routes_box",
        "evacuation_routes",
        ["min_lat", "max_lat", "min_lon", "max_lon"],
    )
    op.create_index("ix_evacuation_routes_shelter", "evacuation_routes", ["shelter_id"])
