"""The scenario store: versioned documents with optimistic concurrency and an audit trail.

Owns: :class:`ScenarioStore` (create, get, all, update, delete, audit), its records
(:class:`StoredScenario`, :class:`AuditEntry`), its errors (:class:`ScenarioNotFoundError`
404, :class:`VersionConflictError` 412), where the store lives (:func:`database_url`), opening it
with the schema migrated (:func:`open_store`), the audit's JSON diff (:func:`json_diff`), RFC 7396
merge patches (:func:`merge_patch`) and the actor label of an API key (:func:`actor_of_key`).

The store keeps documents that the caller has already validated (``corridors.scenarios``
validates against the loaded data; the store does not load it). Guarantees:

- ids are random UUIDs; a scenario's version is 1 at creation and +1 per update;
- an update or delete names the version it was based on; if the stored version differs, it
  raises :class:`VersionConflictError` and changes nothing (the row is locked while it is
  checked and written: ``SELECT ... FOR UPDATE`` on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite,
  and the write is ``UPDATE ... WHERE version = :expected``, so two writers cannot both win);
- each change writes one audit row in the same transaction (what: a JSON diff and the previous
  document; when; who: an actor label such as ``key:sha256:1a2b…`` — an API key is never
  stored, only the first 16 hex digits of its SHA-256), and audit rows outlive a deletion.
"""

from __future__ import annotations

import getpass
import hashlib
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from api.store.schema import scenario_audit, scenario_places, scenarios
from gis.errors import ShudaoError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_FILE = "scenarios.sqlite3"


class ScenarioNotFoundError(ShudaoError, LookupError):
    """No scenario has this id (never created, deleted, or not a UUID)."""

    status = 404
    type_slug = "unknown-scenario"
    exit_code = 64

    def __init__(self, scenario_id: str) -> None:
        self.scenario_id = scenario_id
        super().__init__(
            f"no scenario {scenario_id!r} in the store (list them with `shudao scenario list` "
            "or GET /v1/scenarios)"
        )


class VersionConflictError(ShudaoError):
    """The change was based on a version that is no longer the stored one (nothing changed)."""

    status = 412
    type_slug = "version-conflict"
    exit_code = 64

    def __init__(self, scenario_id: str, *, expected: int, current: int) -> None:
        self.scenario_id = scenario_id
        self.expected = expected
        self.current = current
        super().__init__(
            f"scenario {scenario_id} is at version {current}, not {expected}: it was changed "
            "meanwhile; fetch it again, re-apply your change and retry (nothing was changed)"
        )


@dataclass(frozen=True)
class StoredScenario:
    """One scenario as stored.

    Attributes
    ----------
    id : str
        UUID (canonical text form).
    version : int
        1 at creation, +1 per update.
    document : dict
        The validated scenario document (title, description, changes).
    created_at, updated_at : datetime
        UTC times of creation and of the last update.
    created_by, updated_by : str
        Actor labels (never an API key in clear).
    """

    id: str
    version: int
    document: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    created_by: str
    updated_by: str

    @property
    def title(self) -> str:
        """The document's title."""
        return str(self.document.get("title", ""))

    @property
    def etag(self) -> str:
        """The HTTP entity tag of this version (a strong tag: ``"v<version>"``)."""
        return f'"v{self.version}"'

    def summary(self) -> dict[str, Any]:
        """JSON form without the document (``shudao scenario list --json``)."""
        return {
            "id": self.id,
            "version": self.version,
            "title": self.title,
            "updated_at": self.updated_at.isoformat(),
            "updated_by": self.updated_by,
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON form with the document (``shudao scenario show --json``, ``create --json``)."""
        return {
            "id": self.id,
            "version": self.version,
            "etag": self.etag,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "created_by": self.created_by,
            "updated_by": self.updated_by,
            "document": self.document,
        }


@dataclass(frozen=True)
class AuditEntry:
    """One change of a scenario.

    Attributes
    ----------
    seq : int
        Order of the change in the whole store.
    scenario_id : str
        The scenario changed.
    version : int
        The version the change produced (for a delete: the version deleted).
    action : str
        ``create``, ``update`` or ``delete``.
    at : datetime
        UTC time of the change.
    actor : str
        Who: an API key's label, ``cli:<user>`` or ``anonymous``.
    diff : list of dict
        What changed: ``{"op": "add"|"remove"|"replace", "path": JSON Pointer, "from", "to"}``.
    previous : dict or None
        The document before the change (None for a create).
    """

    seq: int
    scenario_id: str
    version: int
    action: str
    at: datetime
    actor: str
    diff: list[dict[str, Any]]
    previous: dict[str, Any] | None

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "seq": self.seq,
            "scenario_id": self.scenario_id,
            "version": self.version,
            "action": self.action,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "diff": self.diff,
            "previous": self.previous,
        }


def database_url(*, url: str | None, state_dir: Path) -> str:
    """The store's SQLAlchemy URL: *url* when set, else SQLite in *state_dir*.

    A ``postgresql://`` or ``postgres://`` URL is given the psycopg 3 driver
    (``postgresql+psycopg://``).
    """
    if url:
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url.removeprefix(prefix)
        return url
    return f"sqlite:///{state_dir / SQLITE_FILE}"


def open_store(*, url: str | None, state_dir: Path, pooled: bool = True) -> ScenarioStore:
    """Open the scenario store (SQLite in *state_dir*, or *url*) with its schema migrated.

    Parameters
    ----------
    url : str or None
        ``SHUDAO_DATABASE_URL`` (PostgreSQL, e.g. ``postgresql://user@host/db``), or None.
    state_dir : Path
        The state directory (created when needed) holding ``scenarios.sqlite3``.
    pooled : bool
        Keep connections open for reuse (a server); False closes each after use (a CLI
        command, which opens the store once and never disposes of it).
    """
    full = database_url(url=url, state_dir=state_dir)
    if full.startswith("sqlite"):
        state_dir.mkdir(parents=True, exist_ok=True)
    engine = _create_engine(full, pooled=pooled)
    migrate(engine)
    return ScenarioStore(engine)


def _create_engine(url: str, *, pooled: bool) -> sa.Engine:
    pool: dict[str, Any] = {} if pooled else {"poolclass": sa.pool.NullPool}
    if not url.startswith("sqlite"):
        return sa.create_engine(url, pool_pre_ping=True, **pool)
    engine = sa.create_engine(url, connect_args={"timeout": 30}, **pool)

    # SQLAlchemy's documented pysqlite recipe: the driver's own transaction handling off, BEGIN
    # emitted by SQLAlchemy; writes take the write lock at once (BEGIN IMMEDIATE), so a
    # read-check-write never meets a concurrent writer half way.
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        write = conn.get_execution_options().get("shudao_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def migrate(engine: sa.Engine) -> None:
    """Bring the schema to the newest revision (Alembic ``upgrade head``)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def actor_of_key(api_key: str | None, *, fallback: str = "anonymous") -> str:
    """The audit label of a request's API key: ``key:sha256:<16 hex>``, or *fallback*."""
    if not api_key:
        return fallback
    return "key:sha256:" + hashlib.sha256(api_key.encode("utf-8")).hexdigest()[:16]


def cli_actor() -> str:
    """The audit label of a CLI user: ``cli:<login name>``."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no login name (a container without passwd entry)
        return "cli:unknown"


def _pointer(path: tuple[str, ...]) -> str:
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in path)


def json_diff(before: Any, after: Any, path: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """The changes from *before* to *after*, object member by member (lists compared whole).

    Each change is ``{"op", "path", "from", "to"}`` with a JSON Pointer (RFC 6901) path;
    ``add`` has no ``from``, ``remove`` no ``to``.
    """
    if isinstance(before, dict) and isinstance(after, dict):
        out: list[dict[str, Any]] = []
        for key in sorted(set(before) | set(after)):
            sub = (*path, str(key))
            if key not in after:
                out.append({"op": "remove", "path": _pointer(sub), "from": before[key]})
            elif key not in before:
                out.append({"op": "add", "path": _pointer(sub), "to": after[key]})
            else:
                out.extend(json_diff(before[key], after[key], sub))
        return out
    if before == after and type(before) is type(after):
        return []
    return [{"op": "replace", "path": _pointer(path), "from": before, "to": after}]


def merge_patch(target: Any, patch: Any) -> Any:
    """Apply an RFC 7396 JSON merge patch (``null`` removes a member; arrays are replaced)."""
    if not isinstance(patch, Mapping):
        return patch
    out = dict(target) if isinstance(target, Mapping) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


def _uuid(scenario_id: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(scenario_id))
    except ValueError:
        raise ScenarioNotFoundError(scenario_id) from None


def _utc(value: datetime) -> datetime:
    # SQLite keeps no time zone: the store writes UTC only, so a naive value is UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _added_places(document: Mapping[str, Any]) -> list[tuple[str, float, float]]:
    changes = document.get("changes") or {}
    out = []
    for place in changes.get("add_places") or []:
        if isinstance(place, Mapping) and {"id", "lon", "lat"} <= set(place):
            out.append((str(place["id"]), float(place["lon"]), float(place["lat"])))
    return out


class ScenarioStore:
    """Scenarios in a SQL database (SQLite or PostgreSQL); open it with :func:`open_store`.

    Parameters
    ----------
    engine : sqlalchemy.Engine
        A database whose schema is at the newest revision.
    """

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name

    def dispose(self) -> None:
        """Close the store's connections."""
        self.engine.dispose()

    @contextmanager
    def _tx(self) -> Iterator[sa.Connection]:
        """A write transaction (SQLite: BEGIN IMMEDIATE; rows read in it are locked)."""
        with self.engine.connect() as conn:
            conn.execution_options(shudao_write=True)
            with conn.begin():
                yield conn

    def _locked(self, conn: sa.Connection, sid: uuid.UUID, scenario_id: str) -> StoredScenario:
        """The row of *sid*, locked until the transaction ends (PostgreSQL ``FOR UPDATE``)."""
        row = conn.execute(
            sa.select(scenarios).where(scenarios.c.id == sid).with_for_update()
        ).first()
        if row is None:
            raise ScenarioNotFoundError(scenario_id)
        return self._record(row)

    # ------------------------------------------------------------------ reads
    def _record(self, row: sa.Row[Any]) -> StoredScenario:
        return StoredScenario(
            id=str(row.id),
            version=int(row.version),
            document=dict(row.document),
            created_at=_utc(row.created_at),
            updated_at=_utc(row.updated_at),
            created_by=str(row.created_by),
            updated_by=str(row.updated_by),
        )

    def get(self, scenario_id: str) -> StoredScenario:
        """The scenario *scenario_id* (raises :class:`ScenarioNotFoundError`)."""
        sid = _uuid(scenario_id)
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(scenarios).where(scenarios.c.id == sid)).first()
        if row is None:
            raise ScenarioNotFoundError(scenario_id)
        return self._record(row)

    def all(self) -> list[StoredScenario]:
        """Every scenario, most recently updated first."""
        query = sa.select(scenarios).order_by(scenarios.c.updated_at.desc(), scenarios.c.id)
        with self.engine.connect() as conn:
            return [self._record(row) for row in conn.execute(query)]

    def audit(self, scenario_id: str) -> list[AuditEntry]:
        """Every change of *scenario_id*, oldest first (also after a delete)."""
        sid = _uuid(scenario_id)
        query = (
            sa.select(scenario_audit)
            .where(scenario_audit.c.scenario_id == sid)
            .order_by(scenario_audit.c.seq)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        if not rows:
            raise ScenarioNotFoundError(scenario_id)
        return [
            AuditEntry(
                seq=int(r.seq),
                scenario_id=str(r.scenario_id),
                version=int(r.version),
                action=str(r.action),
                at=_utc(r.at),
                actor=str(r.actor),
                diff=list(r.diff),
                previous=dict(r.previous) if r.previous is not None else None,
            )
            for r in rows
        ]

    def places(self, scenario_id: str) -> list[tuple[str, float, float]]:
        """The places *scenario_id* adds, as stored: ``(place_id, lon, lat)``.

        On PostgreSQL lon/lat are read back from the PostGIS point (``ST_X``/``ST_Y``), so this
        also checks the geometry column.
        """
        sid = _uuid(scenario_id)
        if self.dialect == "postgresql":
            query = sa.text(
                "SELECT place_id, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM scenario_places "
                "WHERE scenario_id = :sid AND ST_SRID(geom) = 4326 ORDER BY place_id"
            )
            params: dict[str, Any] = {"sid": sid}
        else:
            query = sa.text(
                "SELECT place_id, lon, lat FROM scenario_places WHERE scenario_id = :sid "
                "ORDER BY place_id"
            )
            params = {"sid": sid.hex}
        with self.engine.connect() as conn:
            return [
                (str(r.place_id), float(r.lon), float(r.lat)) for r in conn.execute(query, params)
            ]

    # ----------------------------------------------------------------- writes
    def _write_places(
        self, conn: sa.Connection, sid: uuid.UUID, document: Mapping[str, Any]
    ) -> None:
        conn.execute(sa.delete(scenario_places).where(scenario_places.c.scenario_id == sid))
        rows = _added_places(document)
        if not rows:
            return
        if self.dialect == "postgresql":
            conn.execute(
                sa.text(
                    "INSERT INTO scenario_places (scenario_id, place_id, lon, lat, geom) "
                    "VALUES (:sid, :pid, :lon, :lat, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))"
                ),
                [{"sid": sid, "pid": p, "lon": x, "lat": y} for p, x, y in rows],
            )
        else:
            conn.execute(
                sa.insert(scenario_places),
                [{"scenario_id": sid, "place_id": p, "lon": x, "lat": y} for p, x, y in rows],
            )

    def _audit(
        self,
        conn: sa.Connection,
        sid: uuid.UUID,
        *,
        version: int,
        action: str,
        at: datetime,
        actor: str,
        diff: list[dict[str, Any]],
        previous: dict[str, Any] | None,
    ) -> None:
        conn.execute(
            sa.insert(scenario_audit).values(
                scenario_id=sid,
                version=version,
                action=action,
                at=at,
                actor=actor,
                diff=diff,
                previous=previous,
            )
        )

    def create(self, document: Mapping[str, Any], *, actor: str) -> StoredScenario:
        """Store a new scenario (version 1) and its audit row."""
        sid = uuid.uuid4()
        now = datetime.now(UTC)
        doc = dict(document)
        with self._tx() as conn:
            conn.execute(
                sa.insert(scenarios).values(
                    id=sid,
                    version=1,
                    title=str(doc.get("title", "")),
                    document=doc,
                    created_at=now,
                    updated_at=now,
                    created_by=actor,
                    updated_by=actor,
                )
            )
            self._write_places(conn, sid, doc)
            self._audit(
                conn,
                sid,
                version=1,
                action="create",
                at=now,
                actor=actor,
                diff=json_diff({}, doc),
                previous=None,
            )
        return StoredScenario(str(sid), 1, doc, now, now, actor, actor)

    def update(
        self,
        scenario_id: str,
        document: Mapping[str, Any],
        *,
        expected_version: int,
        actor: str,
    ) -> StoredScenario:
        """Replace the document of version *expected_version* (raises on a stale version).

        Raises
        ------
        ScenarioNotFoundError
            No such scenario.
        VersionConflictError
            The stored version is not *expected_version*; nothing is changed.
        """
        sid = _uuid(scenario_id)
        now = datetime.now(UTC)
        doc = dict(document)
        with self._tx() as conn:
            before = self._locked(conn, sid, scenario_id)
            if before.version != expected_version:
                raise VersionConflictError(
                    scenario_id, expected=expected_version, current=before.version
                )
            result = conn.execute(
                sa.update(scenarios)
                .where(scenarios.c.id == sid, scenarios.c.version == expected_version)
                .values(
                    version=scenarios.c.version + 1,
                    title=str(doc.get("title", "")),
                    document=doc,
                    updated_at=now,
                    updated_by=actor,
                )
            )
            if result.rowcount != 1:  # cannot happen under the row lock; never write blind
                raise VersionConflictError(scenario_id, expected=expected_version, current=-1)
            self._write_places(conn, sid, doc)
            self._audit(
                conn,
                sid,
                version=expected_version + 1,
                action="update",
                at=now,
                actor=actor,
                diff=json_diff(before.document, doc),
                previous=before.document,
            )
        return StoredScenario(
            str(sid),
            expected_version + 1,
            doc,
            before.created_at,
            now,
            before.created_by,
            actor,
        )

    def delete(self, scenario_id: str, *, expected_version: int, actor: str) -> None:
        """Delete version *expected_version* (raises on a stale version); the audit remains."""
        sid = _uuid(scenario_id)
        now = datetime.now(UTC)
        with self._tx() as conn:
            before = self._locked(conn, sid, scenario_id)
            if before.version != expected_version:
                raise VersionConflictError(
                    scenario_id, expected=expected_version, current=before.version
                )
            result = conn.execute(
                sa.delete(scenarios).where(
                    scenarios.c.id == sid, scenarios.c.version == expected_version
                )
            )
            if result.rowcount != 1:  # cannot happen under the row lock; never write blind
                raise VersionConflictError(scenario_id, expected=expected_version, current=-1)
            conn.execute(sa.delete(scenario_places).where(scenario_places.c.scenario_id == sid))
            self._audit(
                conn,
                sid,
                version=expected_version,
                action="delete",
                at=now,
                actor=actor,
                diff=json_diff(before.document, {}),
                previous=before.document,
            )
