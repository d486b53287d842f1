"""Scenarios: named, sourced sets of changes to the baseline data, validated and applied.

Owns: the scenario document (:class:`Scenario` and its parts, a frozen pydantic model whose
JSON Schema the HTTP API can publish), its validation against an engine's data
(:func:`parse_scenario`, :func:`load_scenario_file`: every problem at once, as a
:class:`ScenarioError`), its stable fingerprint (:func:`scenario_fingerprint`) and applying it
(:func:`apply_scenario`: a new :class:`ScenarioEngine`, the baseline untouched, whole or not at
all). Comparing a scenario with the baseline is :mod:`corridors.scenario_compare`.

How a change acts on the engine (nothing in the search rules is edited; the engine's inputs
are):

- ``parameters``: dotted-key overrides, as ``--param`` (:meth:`Engine.with_overrides`);
- ``borders``: a border crossing's dwell ``time_h`` and ``fee_cny`` (the ``[border.<id>]``
  entry, created from ``border.default`` when the crossing has none);
- ``close``: a place (border crossing, port, terminal, hub): every service that stops there is
  withdrawn (a through train or liner cannot call at a closed place), the place stops being
  a terminal for road access and leaves the catalog of platforms (so it is no hub for
  accessibility or matrices; it still resolves as a place); a sea passage (``suez``,
  ``bab_el_mandeb``, ``malacca`` ...): sea hops through it are measured again around it (as
  ``--avoid`` does), services that cannot avoid it are withdrawn; an airspace
  (``airspace:RUS``, ISO alpha-3): air hops crossing it are measured again around it through
  the ``[air_routing]`` corridor;
- ``services``: a service's frequency (the wait is ``wait_fraction_of_headway`` x 168 h / f),
  its all-in tariff, its line-haul speed and a dwell at each intermediate stop;
- ``remove_services`` / ``add_services``: services withdrawn, or added with an itinerary of
  existing (or added) places, measured on the layers when the scenario is applied;
- ``add_places``: a new hub, warehouse or gateway (resolvable by id and names);
- ``sea_routing``: ``cape`` sends Asia–Europe voyages round the Cape of Good Hope (Suez
  closed), ``suez`` through the Red Sea (only hops measured otherwise are re-measured).

Unchanged services are not measured again; only added and re-routed hops are.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import itertools
import json
import math
import re
import time
import tomllib
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from corridors.engine import SEA_PASSAGES, Engine, RouteResult, SharedWork, endpoint_of
from corridors.errors import RequestError
from corridors.models import Mode, RideLeg, SeaVariants, Service, ServiceNetwork, Terminal
from corridors.network import air_trip, great_circle, no_sea_route, sea_leg
from corridors.params import Parameters, apply_overrides, parse_parameters
from corridors.request import RouteRequest
from corridors.routing import LruCache, Router
from corridors.search import Query, SearchEdge
from corridors.services import CORRIDORS
from gis.errors import ShudaoError
from hubs.errors import AmbiguousPlaceError
from hubs.models import Place, PlaceKind
from hubs.resolver import PlaceResolver

SCENARIO_FORMAT: Literal[1] = 1
"""Version of the scenario document format (``format`` in the JSON)."""

PASSAGE_ALIASES: Mapping[str, str] = MappingProxyType(
    {
        "bab_el_mandeb": "babalmandab",
        "bab-el-mandeb": "babalmandab",
        "red_sea": "babalmandab",
        "hormuz": "ormuz",
        "strait_of_hormuz": "ormuz",
        "suez_canal": "suez",
        "panama_canal": "panama",
        "cape_of_good_hope": "south_africa",
        "cape": "south_africa",
        "bosphorus": "bosporus",
    }
)
"""Spellings of sea passages accepted in ``close``, mapped to the sea-router's names."""

AIRSPACE_PREFIX = "airspace:"
PLACE_KINDS_ADDABLE: tuple[str, ...] = tuple(
    k.value for k in PlaceKind if k not in {PlaceKind.COUNTY, PlaceKind.COORDINATE}
)
_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_UNITS = ("FEU", "TEU", "tonne", "kg")


# --------------------------------------------------------------------------- the document


class _Doc(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Provenance(_Doc):
    """Where a change comes from: ``source`` (and ``as_of``), or an ``assumption``."""

    source: str | None = None
    as_of: date | None = None
    assumption: str | None = None

    @property
    def cited(self) -> bool:
        """True when the change has a source or an assumption."""
        return bool(self.source or self.assumption)


PositiveFloat = Annotated[float, Field(gt=0, allow_inf_nan=False)]
NonNegativeFloat = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class Tariff(_Doc):
    """An all-in published price of a service: ``value`` in ``unit`` (``USD/FEU``, ``CNY/TEU``)."""

    value: NonNegativeFloat
    unit: Annotated[str, Field(pattern=r"^[A-Za-z]{3}/(FEU|TEU|tonne|kg)$")]


class ServiceEdit(Provenance):
    """Changes to one existing service (every field optional)."""

    frequency_per_week: PositiveFloat | None = None
    tariff: Tariff | None = None
    speed_kph: PositiveFloat | None = None
    dwell_h: NonNegativeFloat | None = None


class BorderEdit(Provenance):
    """Customs dwell time and fee at a border crossing (named by its exit place id)."""

    time_h: NonNegativeFloat | None = None
    fee_cny: dict[Literal["FEU", "TEU", "tonne", "kg"], NonNegativeFloat] | None = None


class NewService(Provenance):
    """A service added by the scenario: its itinerary is a list of place ids."""

    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    name_zh: Annotated[str, Field(min_length=1)]
    name_en: Annotated[str, Field(min_length=1)]
    corridor: str
    mode: Mode
    waypoints: Annotated[list[str], Field(min_length=2)]
    frequency_per_week: PositiveFloat
    operator: str = ""
    border_crossings: list[tuple[str, str]] = Field(default_factory=list)
    tariff: Tariff | None = None


class NewPlace(Provenance):
    """A place added by the scenario (a new hub, warehouse or gateway)."""

    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    name_zh: Annotated[str, Field(min_length=1)]
    name_en: Annotated[str, Field(min_length=1)]
    lon: Annotated[float, Field(ge=-180, le=180)]
    lat: Annotated[float, Field(ge=-90, le=90)]
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
    kind: str
    aliases: list[str] = Field(default_factory=list)


class ScenarioChanges(_Doc):
    """The changes of a scenario relative to the baseline data."""

    parameters: dict[str, Annotated[float, Field(allow_inf_nan=False)]] = Field(
        default_factory=dict,
        description="Dotted-key parameter overrides, as --param (e.g. modes.rail.speed_kph).",
    )
    close: list[str] = Field(
        default_factory=list,
        description="Places (ids or names), sea passages (suez, bab_el_mandeb, ...) and "
        "airspaces (airspace:RUS) closed.",
    )
    services: dict[str, ServiceEdit] = Field(default_factory=dict)
    remove_services: list[str] = Field(default_factory=list)
    add_services: list[NewService] = Field(default_factory=list)
    borders: dict[str, BorderEdit] = Field(default_factory=dict)
    add_places: list[NewPlace] = Field(default_factory=list)
    sea_routing: Literal["suez", "cape"] | None = None
    notes: dict[str, Provenance] = Field(
        default_factory=dict,
        description="Provenance of the changes that carry none of their own, keyed "
        "'parameters.<key>', 'close.<item>', 'remove_services.<id>' or 'sea_routing'.",
    )


class Scenario(_Doc):
    """A named, described set of changes to the baseline (the scenario document)."""

    title: Annotated[str, Field(min_length=1, max_length=200)]
    description: str = ""
    title_zh: str = ""
    format: Literal[1] = SCENARIO_FORMAT
    changes: ScenarioChanges = Field(default_factory=ScenarioChanges)
    source: str | None = None
    as_of: date | None = None
    assumption: str | None = None

    def canonical_json(self) -> str:
        """The canonical JSON text (sorted keys, no spaces, defaults included)."""
        return json.dumps(
            self.model_dump(mode="json"),
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )


def scenario_fingerprint(scenario: Scenario) -> str:
    """Stable SHA-256 (hex) of the scenario's canonical JSON; use it as a cache key."""
    return hashlib.sha256(scenario.canonical_json().encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- errors


class ScenarioError(RequestError):
    """A scenario document that is not valid; lists every problem at once.

    Attributes
    ----------
    problems : tuple[str, ...]
        One message per problem, naming its place in the document (``changes.close[1]``).
    errors : list of dict
        The same, structured (``loc``, ``msg``, ``type``, and ``suggestions`` when known).
    """

    type_slug = "invalid-scenario"

    def __init__(
        self, problems: Sequence[str], errors: Sequence[Mapping[str, object]] = ()
    ) -> None:
        self.problems = tuple(problems)
        self.errors = [dict(e) for e in errors]
        ValueError.__init__(
            self,
            f"invalid scenario ({len(self.problems)} problem(s)): " + "; ".join(self.problems),
        )


class _Problems:
    def __init__(self) -> None:
        self.errors: list[dict[str, object]] = []

    def add(
        self,
        loc: Sequence[str | int],
        msg: str,
        kind: str = "value_error",
        suggestions: Sequence[str] = (),
    ) -> None:
        entry: dict[str, object] = {"loc": list(loc), "msg": msg, "type": kind}
        if suggestions:
            entry["suggestions"] = list(suggestions)
        self.errors.append(entry)

    def raise_if_any(self) -> None:
        if self.errors:
            problems = []
            for e in self.errors:
                loc = _loc_text(e["loc"])  # type: ignore[arg-type]
                hint = e.get("suggestions")
                extra = f" (did you mean: {', '.join(hint)}?)" if hint else ""  # type: ignore[arg-type]
                problems.append(f"{loc}: {e['msg']}{extra}")
            raise ScenarioError(problems, self.errors)


def _loc_text(loc: Sequence[str | int]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "<document>"


# --------------------------------------------------------------------------- validation


def _close(word: str, choices: Sequence[str], n: int = 3) -> list[str]:
    return difflib.get_close_matches(word, list(choices), n=n, cutoff=0.6)


def passage_id(item: str) -> str | None:
    """The sea-router name of a passage spelled *item*, or None when it is not a passage."""
    key = item.strip().lower()
    key = PASSAGE_ALIASES.get(key, key)
    return key if key in SEA_PASSAGES else None


def _iso3_codes(engine: Engine) -> frozenset[str]:
    path = engine.build_dir / "rail_attributes.json"
    if not path.exists():
        return frozenset()
    raw = json.loads(path.read_text("utf-8"))
    return frozenset(str(v) for v in raw.get("iso3_of", {}).values())


def _is_id_pair(value: object) -> bool:
    """True for a pair of strings (a border crossing's exit and entry place ids)."""
    return (
        isinstance(value, Sequence)
        and not isinstance(value, str)
        and len(value) == 2
        and all(isinstance(x, str) for x in value)
    )


def parse_scenario(doc: Mapping[str, Any], *, engine: Engine) -> Scenario:
    """Validate a scenario document's shape and its references to *engine*'s data.

    Parameters
    ----------
    doc : mapping
        The document (parsed JSON or TOML).
    engine : Engine
        The baseline the scenario changes: services, places, parameters and borders are
        checked against it.

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        Listing every problem at once: shape (missing title, bad numbers, unknown fields) and
        references (unknown service, place, passage, airspace or parameter, with suggestions),
        and values the parameters refuse (e.g. a negative speed).
    """
    out = _Problems()
    scenario: Scenario | None = None
    try:
        scenario = Scenario.model_validate(doc)
    except ValidationError as exc:
        for e in exc.errors(include_url=False):
            out.add(tuple(e["loc"]), str(e["msg"]), str(e["type"]))
    if not isinstance(doc, Mapping):
        out.raise_if_any()
    changes = doc.get("changes", {}) if isinstance(doc, Mapping) else {}
    if isinstance(changes, Mapping):
        _check_references(changes, engine, out)
    out.raise_if_any()
    assert scenario is not None
    return scenario


def _check_references(changes: Mapping[str, Any], engine: Engine, out: _Problems) -> None:
    base = ("changes",)
    services = set(engine.network.services) | {r.service.id for r in engine.records}
    added_places: dict[str, Mapping[str, Any]] = {}
    for i, p in enumerate(_list(changes.get("add_places"))):
        if not isinstance(p, Mapping):
            continue
        pid = str(p.get("id", ""))
        if engine.resolver.get(pid) is not None or pid in added_places:
            out.add((*base, "add_places", i, "id"), f"place id {pid!r} already exists")
        added_places[pid] = p
        kind = p.get("kind")
        if kind not in PLACE_KINDS_ADDABLE:
            out.add(
                (*base, "add_places", i, "kind"),
                f"unknown place kind {kind!r}; one of {', '.join(PLACE_KINDS_ADDABLE)}",
                suggestions=_close(str(kind), PLACE_KINDS_ADDABLE),
            )

    # parameters: known keys, then the values the parameter model accepts
    params = changes.get("parameters")
    if isinstance(params, Mapping):
        known = {row.key for row in engine.params.sources()}
        good: dict[str, float] = {}
        for key, value in params.items():
            k = str(key).removesuffix(".value")
            if k not in known:
                out.add(
                    (*base, "parameters", str(key)),
                    f"unknown parameter {key!r}",
                    "unknown_parameter",
                    _close(k, sorted(known)),
                )
            elif (
                isinstance(value, int | float)
                and not isinstance(value, bool)
                and math.isfinite(value)
            ):
                good[k] = float(value)
        if good:
            try:
                apply_overrides(engine.params, good)
            except ShudaoError as exc:
                for line in _problem_lines(exc):
                    out.add((*base, "parameters"), line)
    # close: places, passages, airspaces
    iso3: frozenset[str] | None = None
    for i, item in enumerate(_list(changes.get("close"))):
        if not isinstance(item, str):
            continue
        loc = (*base, "close", i)
        if passage_id(item) is not None:
            continue
        if item.lower().startswith(AIRSPACE_PREFIX):
            code = item[len(AIRSPACE_PREFIX) :].strip().upper()
            iso3 = _iso3_codes(engine) if iso3 is None else iso3
            if iso3 and code not in iso3:
                out.add(
                    loc,
                    f"unknown airspace {item!r} (ISO 3166 alpha-3 expected)",
                    suggestions=[AIRSPACE_PREFIX + c for c in _close(code, sorted(iso3))],
                )
            continue
        if item not in added_places and engine.resolver.get(item) is None:
            try:
                engine.resolver.resolve(item)
            except ShudaoError as exc:
                hint = list(getattr(exc, "suggestions", []) or [])
                hint += [p for p in _close(item.lower(), sorted(SEA_PASSAGES)) if p not in hint]
                if isinstance(exc, AmbiguousPlaceError):
                    out.add(loc, str(exc), "ambiguous_place", exc.candidates)
                else:
                    out.add(loc, f"unknown place or sea passage {item!r}", "unknown_place", hint)
    # service edits and removals
    edits = changes.get("services")
    if isinstance(edits, Mapping):
        for sid, edit in edits.items():
            if sid not in services:
                out.add(
                    (*base, "services", str(sid)),
                    f"unknown service {sid!r}",
                    "unknown_service",
                    _close(str(sid), sorted(services)),
                )
            elif isinstance(edit, Mapping):
                _check_tariff(
                    edit.get("tariff"), (*base, "services", str(sid), "tariff"), engine, out
                )
    for i, sid in enumerate(_list(changes.get("remove_services"))):
        if isinstance(sid, str) and sid not in services:
            out.add(
                (*base, "remove_services", i),
                f"unknown service {sid!r}",
                "unknown_service",
                _close(sid, sorted(services)),
            )
    # added services
    new_ids: set[str] = set()
    for i, s in enumerate(_list(changes.get("add_services"))):
        if not isinstance(s, Mapping):
            continue
        loc = (*base, "add_services", i)
        sid = str(s.get("id", ""))
        if sid in services or sid in new_ids:
            out.add((*loc, "id"), f"service id {sid!r} already exists")
        new_ids.add(sid)
        corridor = s.get("corridor")
        if corridor not in CORRIDORS:
            out.add(
                (*loc, "corridor"),
                f"unknown corridor {corridor!r}",
                "unknown_corridor",
                _close(str(corridor), CORRIDORS),
            )
        wps = [w for w in _list(s.get("waypoints")) if isinstance(w, str)]
        for j, w in enumerate(_list(s.get("waypoints"))):
            if isinstance(w, str) and w not in added_places and engine.resolver.get(w) is None:
                out.add(
                    (*loc, "waypoints", j),
                    f"unknown place id {w!r} (waypoints are place ids)",
                    "unknown_place",
                    engine.resolver.suggest(w, limit=3),
                )
        pairs = set(itertools.pairwise(wps))
        for j, pair in enumerate(_list(s.get("border_crossings"))):
            if not _is_id_pair(pair):
                out.add(
                    (*loc, "border_crossings", j),
                    f"a border crossing is a pair of place ids (got {pair!r})",
                )
            elif tuple(pair) not in pairs:
                out.add(
                    (*loc, "border_crossings", j),
                    f"{pair[0]}->{pair[1]} is not a pair of consecutive waypoints",
                )
        _check_tariff(s.get("tariff"), (*loc, "tariff"), engine, out)
    # borders: a crossing is named by its exit place (as the [border] table is)
    crossings = {a for svc in engine.network.services.values() for a, _ in svc.border_crossings}
    crossings |= {
        str(pair[0])
        for s in _list(changes.get("add_services"))
        if isinstance(s, Mapping)
        for pair in _list(s.get("border_crossings"))
        if _is_id_pair(pair)
    }
    known_borders = (set(engine.params.border_table) | crossings) - {"default"}
    borders = changes.get("borders")
    if isinstance(borders, Mapping):
        for bid in borders:
            if bid not in known_borders:
                out.add(
                    (*base, "borders", str(bid)),
                    f"unknown border crossing {bid!r} (named by the exit place of a service's "
                    "border_crossings, as in [border] of parameters.toml)",
                    "unknown_border",
                    _close(str(bid), sorted(known_borders)),
                )


def _check_tariff(raw: object, loc: tuple[str | int, ...], engine: Engine, out: _Problems) -> None:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("unit"), str):
        return
    money = str(raw["unit"]).partition("/")[0]
    try:
        engine.params.to_cny(1.0, money)
    except ShudaoError as exc:
        out.add((*loc, "unit"), str(exc))


def _problem_lines(exc: ShudaoError) -> list[str]:
    problems = getattr(exc, "problems", None)
    if problems:
        return [str(p) for p in problems]
    return [str(exc)]


def _list(value: object) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def load_scenario_file(path: str | Path, *, engine: Engine) -> Scenario:
    """Read a scenario from a ``.toml`` or ``.json`` file and validate it (:func:`parse_scenario`).

    Raises
    ------
    ScenarioError
        For a file that cannot be read or parsed (naming it) or any invalid content.
    """
    p = Path(path)
    try:
        text = p.read_text("utf-8")
    except OSError as exc:
        raise ScenarioError([f"{p}: cannot read the scenario file ({exc.strerror})"]) from exc
    return parse_scenario_text(text, engine=engine, name=str(p))


def parse_scenario_text(text: str, *, engine: Engine, name: str = "<scenario>") -> Scenario:
    """Parse scenario text, JSON or TOML (JSON when it starts with ``{``), and validate it."""
    doc: Any
    stripped = text.lstrip()
    try:
        if stripped.startswith("{") or name.endswith(".json"):
            doc = json.loads(text)
        else:
            doc = tomllib.loads(text)
    except json.JSONDecodeError as exc:
        msg = f"{name}: JSON syntax, line {exc.lineno} column {exc.colno}: {exc.msg}"
        raise ScenarioError([msg], [{"loc": [], "msg": msg, "type": "json_invalid"}]) from exc
    except tomllib.TOMLDecodeError as exc:
        msg = f"{name}: TOML syntax: {exc}"
        raise ScenarioError([msg], [{"loc": [], "msg": msg, "type": "toml_invalid"}]) from exc
    if not isinstance(doc, Mapping):
        msg = f"{name}: a scenario is an object with title and changes"
        raise ScenarioError([msg], [{"loc": [], "msg": msg, "type": "dict_type"}])
    return parse_scenario(doc, engine=engine)


# --------------------------------------------------------------------------- the applied engine


@dataclasses.dataclass(frozen=True)
class ScenarioRef:
    """How a result names the scenario it was computed under, and the baseline it changes."""

    title: str
    fingerprint: str
    baseline_parameters_version: str
    baseline_parameters_fingerprint: str
    id: str | None = None
    version: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "id": self.id,
            "version": self.version,
            "title": self.title,
            "fingerprint": self.fingerprint,
            "baseline": {
                "parameters_version": self.baseline_parameters_version,
                "parameters_fingerprint": self.baseline_parameters_fingerprint,
            },
        }


@dataclasses.dataclass(frozen=True)
class ServiceTiming:
    """Per-service line-haul speed and dwell of a scenario (see :class:`ScenarioRouter`)."""

    speed_kph: Mapping[str, float] = dataclasses.field(default_factory=dict)
    dwell_h: Mapping[str, float] = dataclasses.field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.speed_kph or self.dwell_h)


@dataclasses.dataclass(frozen=True)
class ScenarioRouteResult(RouteResult):
    """A route result that names its scenario (``scenario`` in the JSON)."""

    scenario: ScenarioRef | None = None

    def to_dict(self) -> dict[str, Any]:
        """The result contract plus ``scenario``."""
        out = super().to_dict()
        if self.scenario is not None:
            out["scenario"] = self.scenario.to_dict()
        return out


class ScenarioRouter(Router):
    """A :class:`Router` whose priced service edges follow a scenario's per-service timing.

    A service's ``speed_kph`` replaces its mode's speed on its rides (the line-haul time is
    distance / speed); ``dwell_h`` is spent at each intermediate stop while the cargo stays on
    board. Everything else (tariffs, waits, borders) comes from the cost model unchanged.
    """

    def __init__(self, *args: Any, timing: ServiceTiming = ServiceTiming(), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.timing = timing
        self._timed: LruCache[tuple[Any, frozenset[str]], list[SearchEdge]] = LruCache(64)

    def service_edges(self, q: Query) -> list[SearchEdge]:
        """The router's service edges with the scenario's speeds and dwells (cached)."""
        base = super().service_edges(q)
        if not self.timing:
            return base
        return self._timed.get_or_make((q.cargo, q.avoid), lambda: self._retime(base))

    def _retime(self, edges: list[SearchEdge]) -> list[SearchEdge]:
        speed, dwell = self.timing.speed_kph, self.timing.dwell_h
        out: list[SearchEdge] = []
        for e in edges:
            sid = e.service
            if sid is not None and e.kind == "ride" and sid in speed:
                old_h = e.charge.breakdown.get("line_haul_h", 0.0)
                new_h = e.distance_km / speed[sid]
                bd = {**e.charge.breakdown, "line_haul_h": new_h}
                charge = dataclasses.replace(
                    e.charge,
                    time_h=e.charge.time_h - old_h + new_h,
                    breakdown=bd,
                    sources=(*e.charge.sources, f"scenario:services.{sid}.speed_kph"),
                )
                e = dataclasses.replace(e, charge=charge)
            elif sid is not None and e.kind == "stay" and dwell.get(sid):
                charge = dataclasses.replace(
                    e.charge,
                    time_h=e.charge.time_h + dwell[sid],
                    breakdown={**e.charge.breakdown, "dwell_h": dwell[sid]},
                    sources=(*e.charge.sources, f"scenario:services.{sid}.dwell_h"),
                )
                e = dataclasses.replace(e, charge=charge)
            out.append(e)
        return out


class ScenarioEngine(Engine):
    """An :class:`Engine` under a scenario: its results name the scenario and the baseline.

    Build it with :func:`apply_scenario`; :meth:`with_parameters` keeps the scenario.
    """

    scenario: Scenario
    ref: ScenarioRef
    timing: ServiceTiming

    def __init__(
        self,
        *,
        scenario: Scenario,
        ref: ScenarioRef,
        timing: ServiceTiming,
        **fields: Any,
    ) -> None:
        super().__init__(**fields)
        self.scenario = scenario
        self.ref = ref
        self.timing = timing
        if timing:
            self.router = ScenarioRouter(
                self.network,
                self.router.costs,
                self.access,
                sea_reroute=self.router.sea_reroute,
                timing=timing,
            )

    def _fields(self) -> dict[str, Any]:
        return {
            "catalog": self.catalog,
            "resolver": self.resolver,
            "params": self.params,
            "records": self.records,
            "network": self.network,
            "road": self.road,
            "hierarchy": self.hierarchy,
            "timings": dict(self.timings),
            "build_dir": self.build_dir,
        }

    def with_parameters(self, params: Parameters) -> Engine:
        """The same scenario engine priced with other parameters (nothing re-measured)."""
        return ScenarioEngine(
            scenario=self.scenario,
            ref=self.ref,
            timing=self.timing,
            **{**self._fields(), "params": params},
        )

    def sea_closed(self, ride: RideLeg) -> frozenset[str]:
        """As :meth:`Engine.sea_closed`, with the passages the scenario closes.

        ``sea_routing = "suez"`` reopens Suez for services the baseline routes round the Cape
        (unless the scenario closes it too), as :func:`apply_scenario` measured them.
        """
        ch = self.scenario.changes
        base = set(super().sea_closed(ride))
        if ch.sea_routing == "suez":
            base.discard("suez")
        return frozenset(base | closed_sea_passages(ch))

    def with_ref(self, *, id: str | None, version: int | None) -> ScenarioEngine:
        """The same engine naming its scenario by a store's ``id`` and ``version``."""
        ref = dataclasses.replace(self.ref, id=id, version=version)
        return ScenarioEngine(scenario=self.scenario, ref=ref, timing=self.timing, **self._fields())

    def answer(self, req: RouteRequest, *, shared: SharedWork | None = None) -> RouteResult:
        """As :meth:`Engine.answer`, the result naming the scenario."""
        r = super().answer(req, shared=shared)
        return ScenarioRouteResult(
            r.origin,
            r.destination,
            r.cargo,
            r.objective,
            r.routes,
            r.parameters_version,
            r.names,
            scenario=self.ref,
        )


# --------------------------------------------------------------------------- applying


def baseline_ref(engine: Engine) -> tuple[str, str]:
    """The baseline's parameter version and fingerprint (of a scenario engine: its baseline)."""
    if isinstance(engine, ScenarioEngine):
        return engine.ref.baseline_parameters_version, engine.ref.baseline_parameters_fingerprint
    return engine.params.version, engine.params.fingerprint()


def cache_fingerprint(engine: Engine) -> str:
    """A cache key of everything that decides *engine*'s answers.

    The parameter fingerprint, and for a scenario engine also the scenario's fingerprint (a
    scenario that only closes places leaves the parameters as they were).
    """
    fp = engine.params.fingerprint()
    if isinstance(engine, ScenarioEngine):
        return f"{fp}+{engine.ref.fingerprint}"
    return fp


def apply_scenario(engine: Engine, scenario: Scenario) -> ScenarioEngine:
    """A new engine with *scenario* applied; *engine* (the baseline) is not changed.

    The scenario should come from :func:`parse_scenario` against this engine; everything is
    prepared before the new engine is made, so a change that fails leaves nothing applied.
    Only added services and re-routed sea or air hops are measured; the other services keep
    their stored measurement.

    Raises
    ------
    ScenarioError
        When a change cannot be applied (e.g. an added rail service that the rail layer does
        not connect), naming it.
    """
    t0 = time.perf_counter()
    ch = scenario.changes
    out = _Problems()
    # 1. places
    new_places = [_place_of(p) for p in ch.add_places]
    resolver = engine.resolver
    catalog = engine.catalog
    if new_places:
        resolver = PlaceResolver([*engine.resolver.places, *new_places])
        places = tuple(sorted((*catalog.places, *new_places), key=lambda p: p.id))
        catalog = dataclasses.replace(
            catalog, places=places, places_by_id=MappingProxyType({p.id: p for p in places})
        )

    def pid(text: str) -> str:
        exact = resolver.get(text)
        return exact.id if exact is not None else resolver.resolve(text).id

    # 2. parameters and borders
    params = apply_overrides(
        engine.params, {k.removesuffix(".value"): v for k, v in ch.parameters.items()}
    )
    if ch.borders:
        params = _with_borders(params, ch.borders)
    # 3. closures
    closed_places: set[str] = set()
    closed_passages: set[str] = set()
    closed_air: set[str] = set()
    for item in ch.close:
        passage = passage_id(item)
        if passage is not None:
            closed_passages.add(passage)
        elif item.lower().startswith(AIRSPACE_PREFIX):
            closed_air.add(item[len(AIRSPACE_PREFIX) :].strip().upper())
        else:
            closed_places.add(pid(item))
    closed_passages |= closed_sea_passages(ch)
    # 4. services
    net = engine.network
    services: dict[str, Service] = dict(net.services)
    removed = set(ch.remove_services)
    removed |= {sid for sid, s in services.items() if closed_places & set(s.waypoints)}
    for sid, edit in ch.services.items():
        svc = services.get(sid)
        if svc is None:
            continue
        changes: dict[str, Any] = {}
        if edit.frequency_per_week is not None:
            changes["frequency_per_week"] = edit.frequency_per_week
        if edit.tariff is not None:
            money, _, unit = edit.tariff.unit.partition("/")
            changes["tariff_cny_per_unit"] = params.to_cny(edit.tariff.value, money)
            changes["tariff_unit"] = unit
        if changes:
            services[sid] = dataclasses.replace(svc, **changes)
    timing = ServiceTiming(
        {sid: e.speed_kph for sid, e in ch.services.items() if e.speed_kph is not None},
        {sid: e.dwell_h for sid, e in ch.services.items() if e.dwell_h is not None},
    )
    # 5. rides: re-route sea hops through closed passages (and by the routing setting), air
    #    hops through closed airspace; keep the rest as measured
    records = {r.service.id: r for r in engine.records}
    terminals: dict[str, Terminal] = dict(net.terminals)
    rides: list[RideLeg] = []
    airspaces = _Airspaces(engine)
    air_closed = airspaces.closed(closed_air) if closed_air else None
    rerouted = 0
    for ride in net.rides:
        if ride.service_id in removed:
            continue
        if ride.mode is Mode.SEA:
            rec = records.get(ride.service_id)
            base_cape = rec is not None and rec.sea_via == "cape"
            want = set(closed_passages)
            redo = bool(set(ride.passages) & want)
            if ch.sea_routing == "suez" and base_cape:
                redo = True  # measured round the Cape; the scenario reopens Suez
            if redo:
                alt = _sea_hop(ride, terminals, want, net.sea_variants)
                rerouted += 1
                if set(alt.passages) & closed_passages or no_sea_route(alt.distance_km):
                    removed.add(ride.service_id)
                    continue
                ride = alt
        elif ride.mode is Mode.AIR and air_closed is not None:
            a, b = terminals[ride.from_id], terminals[ride.to_id]
            if air_closed.intersects(great_circle((a.lon, a.lat), (b.lon, b.lat), step_km=50.0)):
                ride = _air_hop(ride, engine, terminals, closed_air, airspaces)
                rerouted += 1
                if air_closed.intersects(ride.geometry):
                    removed.add(ride.service_id)
                    continue
        rides.append(ride)
    rides = [r for r in rides if r.service_id not in removed]
    for sid in removed:
        services.pop(sid, None)
    # 6. added services, measured now
    added_rides: list[RideLeg] = []
    for place in new_places:
        terminals.setdefault(place.id, endpoint_of(place))
    for i, ns in enumerate(ch.add_services):
        for w in ns.waypoints:
            known = resolver.get(w)
            if w not in terminals and known is not None:
                terminals[w] = endpoint_of(known)
        svc = Service(
            id=ns.id,
            name_en=ns.name_en,
            name_zh=ns.name_zh,
            corridor=ns.corridor,
            mode=ns.mode,
            operator=ns.operator,
            waypoints=tuple(ns.waypoints),
            frequency_per_week=ns.frequency_per_week,
            border_crossings=tuple((a, b) for a, b in ns.border_crossings),
            tariff_cny_per_unit=(
                params.to_cny(ns.tariff.value, ns.tariff.unit.partition("/")[0])
                if ns.tariff
                else None
            ),
            tariff_unit=ns.tariff.unit.partition("/")[2] if ns.tariff else None,
            sources=tuple(
                x for x in (ns.source, ns.assumption and f"assumption: {ns.assumption}") if x
            ),
        )
        if closed_places & set(svc.waypoints):
            continue  # an added service calling at a closed place does not run either
        hops = _measure(svc, engine, terminals, closed_passages, closed_air, airspaces)
        if isinstance(hops, str):
            out.add(("changes", "add_services", i), hops)
            continue
        services[svc.id] = svc
        added_rides.extend(hops)
    out.raise_if_any()
    for place_id in closed_places:
        terminals.pop(place_id, None)
    if closed_places:  # a closed platform is not in operation: not a hub for access or matrices
        kept = tuple(p for p in catalog.places if p.id not in closed_places)
        catalog = dataclasses.replace(
            catalog, places=kept, places_by_id=MappingProxyType({p.id: p for p in kept})
        )
    used = {t for s in services.values() for t in s.waypoints}
    network = ServiceNetwork(
        {k: v for k, v in sorted(terminals.items()) if k in used},
        dict(sorted(services.items())),
        (*rides, *added_rides),
        (
            *net.notes,
            f"scenario {scenario.title!r}: {len(removed)} service(s) withdrawn, "
            f"{rerouted} hop(s) re-routed, {len(ch.add_services)} service(s) added",
        ),
        {k: v for k, v in net.measurements.items() if k in services},
        net.sea_variants,
    )
    version, fp = baseline_ref(engine)
    ref = ScenarioRef(scenario.title, scenario_fingerprint(scenario), version, fp)
    timings = {**engine.timings, "scenario_s": round(time.perf_counter() - t0, 4)}
    return ScenarioEngine(
        scenario=scenario,
        ref=ref,
        timing=timing,
        catalog=catalog,
        resolver=resolver,
        params=params,
        records=engine.records,
        network=network,
        road=engine.road,
        hierarchy=engine.hierarchy,
        timings=timings,
        build_dir=engine.build_dir,
    )


def _place_of(p: NewPlace) -> Place:
    return Place(
        id=p.id,
        name_zh=p.name_zh,
        name_en=p.name_en,
        aliases=tuple(p.aliases),
        kind=PlaceKind(p.kind),
        lon=p.lon,
        lat=p.lat,
        country=p.country,
        source=p.source or "",
        as_of=p.as_of.isoformat() if p.as_of else "",
        assumption=p.assumption or "",
        coord_source="scenario",
    )


def _with_borders(params: Parameters, borders: Mapping[str, BorderEdit]) -> Parameters:
    data = params.model_dump(by_alias=True)
    table: dict[str, Any] = data["border"]
    for bid, edit in borders.items():
        entry = json.loads(json.dumps(table.get(bid, table["default"]), default=str))
        why = edit.source or edit.assumption or "scenario"
        if edit.time_h is not None:
            entry["time_h"].update(
                value=edit.time_h,
                source=edit.source,
                as_of=edit.as_of,
                assumption=f"scenario: border {bid} time_h={edit.time_h:g} ({why})"
                if not edit.source
                else edit.assumption,
            )
        for unit, fee in (edit.fee_cny or {}).items():
            slot = entry["fee_cny"].get(unit) or {"unit": f"CNY/{unit}"}
            slot.update(
                value=fee,
                source=edit.source,
                as_of=edit.as_of,
                assumption=f"scenario: border {bid} fee {fee:g} CNY/{unit} ({why})"
                if not edit.source
                else edit.assumption,
            )
            entry["fee_cny"][unit] = slot
        table[bid] = entry
    return parse_parameters(data, file="<scenario borders>")


def closed_sea_passages(changes: ScenarioChanges) -> set[str]:
    """The sea passages a scenario's changes close (``sea_routing = "cape"`` closes Suez)."""
    out = {p for p in (passage_id(item) for item in changes.close) if p is not None}
    if changes.sea_routing == "cape":
        out.add("suez")
    return out


def _sea_hop(
    ride: RideLeg, terminals: Mapping[str, Terminal], closed: set[str], variants: SeaVariants
) -> RideLeg:
    """*ride* measured again around *closed*: looked up in the stored variants, else measured."""
    blocked = tuple(sorted((closed & SEA_PASSAGES) | {"northwest"}))
    a, b = terminals[ride.from_id], terminals[ride.to_id]
    km, geom, passages = sea_leg(variants, (a.lon, a.lat), (b.lon, b.lat), blocked)
    return dataclasses.replace(
        ride,
        distance_km=km,
        geometry=geom,
        passages=passages,
        variant=f"scenario: avoiding {','.join(blocked)}",
    )


class _Airspaces:
    """Closed airspaces (unions of countries of the boundaries layer), read once per apply."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._world: Any = None
        self._union: dict[frozenset[str], Any] = {}

    def closed(self, iso3: set[str] | frozenset[str]) -> Any:
        import shapely  # noqa: PLC0415

        from gis.layers import read_layer  # noqa: PLC0415

        key = frozenset(iso3)
        if key not in self._union:
            if self._world is None:
                self._world = read_layer(self.engine.build_dir / "world_countries.parquet")
            w = self._world
            # a collection, not a union: only ``intersects`` is asked of it (a union of
            # Russia's polygons alone takes a second)
            parts = list(w.loc[w["iso3"].isin(sorted(key))].geometry.to_numpy())
            geom = shapely.geometrycollections(parts)
            shapely.prepare(geom)
            self._union[key] = geom
        return self._union[key]


def _air_hop(
    ride: RideLeg,
    engine: Engine,
    terminals: Mapping[str, Terminal],
    closed_air: set[str],
    airspaces: _Airspaces,
) -> RideLeg:
    rec = next((r for r in engine.records if r.service.id == ride.service_id), None)
    codes = set(closed_air) | set(rec.airspace_closed if rec else ())
    closed = airspaces.closed(codes)
    corridor_ids = rec.air_corridor if rec else ()
    corridor = [(terminals[c].lon, terminals[c].lat) for c in corridor_ids if c in terminals]
    if rec is not None and not corridor:
        places = {p.id: p for p in engine.catalog.places}
        corridor = [(places[c].lon, places[c].lat) for c in corridor_ids if c in places]
    a, b = terminals[ride.from_id], terminals[ride.to_id]
    km, geom, _ = air_trip((a.lon, a.lat), (b.lon, b.lat), closed=closed, corridor=corridor)
    return dataclasses.replace(
        ride,
        distance_km=km,
        geometry=geom,
        variant=f"scenario: avoiding airspace {','.join(sorted(codes))}",
    )


def _measure(
    svc: Service,
    engine: Engine,
    terminals: Mapping[str, Terminal],
    closed_passages: set[str],
    closed_air: set[str],
    airspaces: _Airspaces,
) -> list[RideLeg] | str:
    """The ride legs of an added service, or why it cannot be measured."""
    out: list[RideLeg] = []
    src = svc.sources
    for i, (fa, fb) in enumerate(zip(svc.waypoints, svc.waypoints[1:], strict=False)):
        a, b = terminals[fa], terminals[fb]
        pa, pb = (a.lon, a.lat), (b.lon, b.lat)
        passages: tuple[str, ...] = ()
        if svc.mode is Mode.SEA:
            blocked = tuple(sorted((closed_passages & SEA_PASSAGES) | {"northwest"}))
            km, geom, passages = sea_leg(engine.network.sea_variants, pa, pb, blocked)
            if no_sea_route(km):
                return f"{svc.id}: {fa}->{fb} has no sea route avoiding {', '.join(blocked)}"
            how = "searoute (Eurostat SeaRoute network)"
        elif svc.mode is Mode.AIR:
            closed = airspaces.closed(closed_air) if closed_air else None
            ids = next((r.air_corridor for r in engine.records if r.air_corridor), ())
            pts = [engine.resolver.get(c) for c in ids]
            corridor = [(p.lon, p.lat) for p in pts if p is not None]
            km, geom, _ = air_trip(pa, pb, closed=closed, corridor=corridor)
            how = "great circle (WGS84 geodesic)"
        elif svc.mode in {Mode.RAIL, Mode.ROAD}:
            net = engine.infra.rail if svc.mode is Mode.RAIL else engine.road
            try:
                km, geom, _snap = net.trip(pa, pb, count_gaps=False)
            except ShudaoError as exc:
                return (
                    f"{svc.id}: {fa}->{fb} is not connected on the {svc.mode.value} layer ({exc})"
                )
            how = "OpenStreetMap-derived layer (measured for the scenario)"
        else:
            return (
                f"{svc.id}: added {svc.mode.value} services are not supported (no river polyline)"
            )
        out.append(
            RideLeg(svc.id, i, fa, fb, svc.mode, km, geom, passages, "scenario", (how, *src))
        )
    return out
