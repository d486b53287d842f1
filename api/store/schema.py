"""The tables of the scenario store, as SQLAlchemy Core metadata (the migrations create them).

Owns: the table definitions the store queries. The schema itself is created and changed only by
the Alembic revisions in ``api/store/migrations/versions``; this module mirrors the newest one
(``tests/api/test_scenario_store.py`` checks that they agree on both databases).

- ``scenarios``: one row per live scenario: a UUID ``id``, the ``version`` (1 at creation, +1
  per update), the validated ``document`` (JSON; JSONB on PostgreSQL), its ``title``, creation
  and update times (UTC) and actors.
- ``scenario_audit``: one row per change, kept after a scenario is deleted: the action
  (create, update, delete), the version it produced (or deleted), when, by which actor (an API
  key's label, never the key), the JSON diff and the previous document.
- ``scenario_places``: the places a scenario adds (``changes.add_places``), with their
  lon/lat; on PostgreSQL also a PostGIS ``geom geometry(Point, 4326)`` column (written by the
  store with ``ST_SetSRID(ST_MakePoint(lon, lat), 4326)``, not declared here so that this
  metadata stays dialect-neutral).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

metadata = sa.MetaData()

JSONDoc = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
"""A JSON document column (JSONB on PostgreSQL)."""

scenarios = sa.Table(
    "scenarios",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Column("title", sa.Text(), nullable=False),
    sa.Column("document", JSONDoc, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("created_by", sa.Text(), nullable=False),
    sa.Column("updated_by", sa.Text(), nullable=False),
    sa.CheckConstraint("version >= 1", name="scenarios_version_positive"),
)

scenario_audit = sa.Table(
    "scenario_audit",
    metadata,
    sa.Column("seq", sa.Integer(), sa.Identity(), primary_key=True),
    sa.Column("scenario_id", sa.Uuid(), nullable=False, index=True),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Column("action", sa.Text(), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", sa.Text(), nullable=False),
    sa.Column("diff", JSONDoc, nullable=False),
    sa.Column("previous", JSONDoc, nullable=True),
    sa.CheckConstraint(
        "action IN ('create', 'update', 'delete')", name="scenario_audit_action_known"
    ),
)

scenario_places = sa.Table(
    "scenario_places",
    metadata,
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
