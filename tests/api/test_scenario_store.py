"""The scenario store on SQLite and on PostgreSQL: versions, conflicts, audit, migrations.

Every test runs twice (``store_config``: SQLite in a temporary state directory, then a fresh
database on the PostgreSQL test server, skipped without one outside CI).
"""

from __future__ import annotations

import hashlib
import threading
import uuid
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from api.store import (
    ScenarioNotFoundError,
    ScenarioStore,
    VersionConflictError,
    actor_of_key,
    json_diff,
    merge_patch,
    open_store,
)
from api.store.schema import metadata

DOC: dict[str, Any] = {
    "title": "China–Laos daily",
    "description": "two trains a day",
    "changes": {"services": {"cl_rail_kunming_vientiane": {"frequency_per_week": 14}}},
}


@pytest.fixture
def store(store_config: Any) -> Iterator[ScenarioStore]:
    s = open_store(url=store_config.url, state_dir=store_config.state_dir)
    yield s
    s.dispose()


def test_create_then_get_returns_version_1_under_a_uuid(store: ScenarioStore) -> None:
    created = store.create(DOC, actor="cli:alice")
    assert uuid.UUID(created.id).version == 4
    got = store.get(created.id)
    assert (got.version, got.document, got.title) == (1, DOC, "China–Laos daily")
    assert got.etag == '"v1"'
    assert got.created_at == got.updated_at
    assert got.created_at.utcoffset() is not None  # UTC-aware on both databases


def test_stale_update_conflicts_and_changes_nothing(store: ScenarioStore) -> None:
    s = store.create(DOC, actor="a")
    v2 = store.update(s.id, {**DOC, "title": "second"}, expected_version=1, actor="b")
    assert v2.version == 2
    with pytest.raises(VersionConflictError) as info:
        store.update(s.id, {**DOC, "title": "lost?"}, expected_version=1, actor="c")
    assert (info.value.expected, info.value.current, info.value.status) == (1, 2, 412)
    assert store.get(s.id).document["title"] == "second"
    assert [e.action for e in store.audit(s.id)] == ["create", "update"]
    with pytest.raises(VersionConflictError):
        store.delete(s.id, expected_version=1, actor="c")
    assert store.get(s.id).version == 2


def test_concurrent_writers_from_one_version_exactly_one_wins(store: ScenarioStore) -> None:
    s = store.create(DOC, actor="a")
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def write(n: int) -> None:
        barrier.wait()
        try:
            store.update(s.id, {**DOC, "title": f"w{n}"}, expected_version=1, actor=f"w{n}")
            outcomes.append("ok")
        except VersionConflictError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "conflict", "conflict", "ok"]
    final = store.get(s.id)
    assert final.version == 2
    assert len(store.audit(s.id)) == 2
    assert store.audit(s.id)[1].actor == final.document["title"]  # the winner's own change


def test_audit_lists_each_change_with_actor_diff_and_previous(store: ScenarioStore) -> None:
    s = store.create(DOC, actor="key:sha256:aaaa")
    new = {
        "title": DOC["title"],
        "changes": {
            "services": {"cl_rail_kunming_vientiane": {"frequency_per_week": 7}},
            "close": ["alashankou"],
        },
    }
    store.update(s.id, new, expected_version=1, actor="cli:bob")
    store.delete(s.id, expected_version=2, actor="anonymous")
    trail = store.audit(s.id)
    assert [(e.action, e.version, e.actor) for e in trail] == [
        ("create", 1, "key:sha256:aaaa"),
        ("update", 2, "cli:bob"),
        ("delete", 2, "anonymous"),
    ]
    assert trail[0].previous is None
    assert trail[1].previous == DOC
    assert trail[2].previous == new
    # written out by hand from the two documents above
    assert trail[1].diff == [
        {"op": "add", "path": "/changes/close", "to": ["alashankou"]},
        {
            "op": "replace",
            "path": "/changes/services/cl_rail_kunming_vientiane/frequency_per_week",
            "from": 14,
            "to": 7,
        },
        {"op": "remove", "path": "/description", "from": "two trains a day"},
    ]
    assert trail[0].at <= trail[1].at <= trail[2].at
    with pytest.raises(ScenarioNotFoundError):
        store.get(s.id)


def test_unknown_and_malformed_ids_are_not_found(store: ScenarioStore) -> None:
    for bad in (str(uuid.uuid4()), "not-a-uuid", "1; DROP TABLE scenarios"):
        with pytest.raises(ScenarioNotFoundError):
            store.get(bad)
        with pytest.raises(ScenarioNotFoundError):
            store.update(bad, DOC, expected_version=1, actor="x")
    assert store.all() == []


def test_two_store_handles_share_the_scenarios(store_config: Any) -> None:
    """The CLI and the server each open the store from the same settings."""
    cli = open_store(url=store_config.url, state_dir=store_config.state_dir)
    server = open_store(url=store_config.url, state_dir=store_config.state_dir)
    try:
        made = cli.create(DOC, actor="cli:alice")
        assert [s.id for s in server.all()] == [made.id]
        server.update(made.id, {**DOC, "title": "by server"}, expected_version=1, actor="srv")
        assert cli.get(made.id).title == "by server"
    finally:
        cli.dispose()
        server.dispose()


def test_added_places_are_stored_as_points(store: ScenarioStore) -> None:
    doc = {
        "title": "new gateway",
        "changes": {
            "add_places": [
                {"id": "zz_depot", "lon": 104.0657, "lat": 30.6595, "kind": "rail_port"},
            ]
        },
    }
    s = store.create(doc, actor="a")
    # on PostgreSQL read back through ST_X/ST_Y of the SRID-4326 PostGIS point
    assert store.places(s.id) == [("zz_depot", 104.0657, 30.6595)]
    store.update(s.id, {"title": "none"}, expected_version=1, actor="a")
    assert store.places(s.id) == []


def test_postgis_column_is_a_4326_point(store: ScenarioStore) -> None:
    if store.dialect != "postgresql":
        pytest.skip("PostGIS geometry exists on PostgreSQL only")
    with store.engine.connect() as conn:
        kind = conn.execute(
            sa.text(
                "SELECT type, srid FROM geometry_columns WHERE f_table_name = 'scenario_places'"
            )
        ).one()
    assert tuple(kind) == ("POINT", 4326)


def test_migrated_schema_matches_the_metadata(store_config: Any) -> None:
    store = open_store(url=store_config.url, state_dir=store_config.state_dir)
    made = store.create(DOC, actor="a")
    inspector = sa.inspect(store.engine)
    for table in metadata.sorted_tables:
        with warnings.catch_warnings():  # SQLAlchemy has no type for PostGIS's geometry
            warnings.filterwarnings("ignore", "Did not recognize type 'geometry'", sa.exc.SAWarning)
            columns = {c["name"] for c in inspector.get_columns(table.name)}
        assert {c.name for c in table.columns} <= columns, table.name
    with store.engine.connect() as conn:
        heads = conn.execute(sa.text("SELECT version_num FROM scenario_store_version")).all()
    assert [tuple(h) for h in heads] == [("r0001",)]
    store.dispose()
    # reopening an up-to-date store migrates nothing and loses nothing
    again = open_store(url=store_config.url, state_dir=store_config.state_dir)
    assert [s.id for s in again.all()] == [made.id]
    again.dispose()


def test_api_key_is_recorded_as_a_hash_label_only(store: ScenarioStore) -> None:
    key = "s3cret-key-value"
    actor = actor_of_key(key)
    assert actor == "key:sha256:" + hashlib.sha256(key.encode()).hexdigest()[:16]
    s = store.create(DOC, actor=actor)
    store.update(s.id, {**DOC, "title": "t2"}, expected_version=1, actor=actor)
    with store.engine.connect() as conn:
        dumped = " ".join(
            str(row) for t in metadata.sorted_tables for row in conn.execute(sa.select(t))
        )
    assert key not in dumped
    assert actor in dumped


# The test cases of RFC 7396, appendix A (original, patch, result).
RFC7396 = [
    ({"a": "b"}, {"a": "c"}, {"a": "c"}),
    ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
    ({"a": "b"}, {"a": None}, {}),
    ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
    ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
    ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
    ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
    ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
    (["a", "b"], ["c", "d"], ["c", "d"]),
    ({"a": "b"}, ["c"], ["c"]),
    ({"a": "foo"}, None, None),
    ({"a": "foo"}, "bar", "bar"),
    ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
    ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
    ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
]


@pytest.mark.parametrize(("original", "patch", "result"), RFC7396)
def test_merge_patch_follows_rfc_7396(original: Any, patch: Any, result: Any) -> None:
    assert merge_patch(original, patch) == result


def test_json_diff_escapes_pointer_tokens_and_types() -> None:
    assert json_diff({"a/b": 1, "m~n": True}, {"a/b": 1.5, "m~n": 1}) == [
        {"op": "replace", "path": "/a~1b", "from": 1, "to": 1.5},
        {"op": "replace", "path": "/m~0n", "from": True, "to": 1},
    ]
    assert json_diff({"x": [1, 2]}, {"x": [1, 2]}) == []
