"""The durable scenario store: SQLite by default, PostgreSQL (with PostGIS) when configured.

Owns: where the store lives (:func:`database_url`: ``SHUDAO_DATABASE_URL`` or the file
``scenarios.sqlite3`` in the state directory), opening it with its schema migrated to the newest
revision (:func:`open_store`, Alembic ``upgrade head``; the migrations ship in
``api/store/migrations``), and the store itself (:mod:`api.store.scenarios`). The CLI and the HTTP
server open the same store from the same settings, so each sees the other's scenarios.
"""

from __future__ import annotations

from api.store.scenarios import (
    AuditEntry,
    ScenarioNotFoundError,
    ScenarioStore,
    StoredScenario,
    VersionConflictError,
    actor_of_key,
    database_url,
    json_diff,
    merge_patch,
    open_store,
)

__all__ = [
    "AuditEntry",
    "ScenarioNotFoundError",
    "ScenarioStore",
    "StoredScenario",
    "VersionConflictError",
    "actor_of_key",
    "database_url",
    "json_diff",
    "merge_patch",
    "open_store",
]
