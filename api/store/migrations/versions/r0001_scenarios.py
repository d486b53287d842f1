"""Scenarios, their audit trail and the places they add (PostGIS geometry on PostgreSQL).

Revision ID: r0001
Revises: (none)
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "r0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def _json() -> sa.types.TypeEngine[object]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    """Create the three tables (and, on PostgreSQL, the PostGIS extension and point column)."""
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "scenarios",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("document", _json(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.Text(), nullable=False),
        sa.CheckConstraint("version >= 1", name="scenarios_version_positive"),
    )
    op.create_table(
        "scenario_audit",
        sa.Column("seq", sa.Integer(), sa.Identity(), primary_key=True),
        sa.Column("scenario_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("diff", _json(), nullable=False),
        sa.Column("previous", _json(), nullable=True),
        sa.CheckConstraint(
            "action IN ('create', 'update', 'delete')", name="scenario_audit_action_known"
        ),
    )
    op.create_index("ix_scenario_audit_scenario_id", "scenario_audit", ["scenario_id"])
    op.create_table(
        "scenario_places",
        sa.Column(
            "scenario_id",
            sa.Uuid(),
            sa.ForeignKey("scenarios.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("place_id", sa.Text(), primary_key=True),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
    )
    if postgres:
        # Needs the postgis package on the server; a database whose owner may not create
        # extensions must have it created once by its administrator (IF NOT EXISTS then passes).
        op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        op.execute("ALTER TABLE scenario_places ADD COLUMN geom geometry(Point, 4326) NOT NULL")
        op.execute("CREATE INDEX scenario_places_geom ON scenario_places USING gist (geom)")


def downgrade() -> None:
    """Drop the tables (the PostGIS extension is left installed)."""
    op.drop_table("scenario_places")
    op.drop_index("ix_scenario_audit_scenario_id", table_name="scenario_audit")
    op.drop_table("scenario_audit")
    op.drop_table("scenarios")
