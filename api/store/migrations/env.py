"""Alembic environment of the scenario store: migrate the connection the store hands over.

:func:`api.store.scenarios.migrate` runs ``upgrade head`` with an open SQLAlchemy connection in
``config.attributes["connection"]``; there is no ``alembic.ini`` and no offline (SQL script)
mode. The version table is ``scenario_store_version`` so that other stores (the matrix jobs)
may share the database with migrations of their own.
"""

from __future__ import annotations

from alembic import context

from api.store.schema import metadata

VERSION_TABLE = "scenario_store_version"


def run_migrations_online() -> None:
    """Run the revisions on the connection given by the store."""
    connection = context.config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


try:
    OFFLINE: bool | None = context.is_offline_mode()
except NameError:  # imported outside an Alembic run (e.g. a walk over every module): no-op
    OFFLINE = None
if OFFLINE:  # pragma: no cover - not offered
    msg = "the scenario store migrates online only (api.store.open_store)"
    raise RuntimeError(msg)
if OFFLINE is False:
    run_migrations_online()
