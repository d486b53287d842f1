"""Alembic migrations of the scenario store (run by :func:`api.store.open_store`)."""
