"""The loaded service: engine, GeoJSON views and the estimate cache, shared by CLI and HTTP.

Owns: loading everything once (:meth:`Service.load`), the GeoJSON views served by the API
(places, regions, corridors), the LRU cache of route
estimates (JSON bytes, bounded in entries and bytes) keyed by the normalised request plus the
parameter fingerprint (and, under a stored scenario, its id and version), and the engines of
stored scenarios (:func:`engine_under`, kept per scenario id and version in a small LRU,
:class:`ScenarioEngines`).
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from api.store import StoredScenario
from corridors.engine import Engine, RouteResult
from corridors.request import RouteRequest
from corridors.scenarios import ScenarioEngine, apply_scenario, parse_scenario
from gis.layers import read_layer
from hubs.models import Place
from hubs.regions import regions_feature_collection
from maps.briefings import MapData

HUB_KINDS = frozenset(
    {
        "bonded_zone", "bonded_logistics_centre", "rail_port", "airport", "river_port",
        "seaport", "border_crossing", "overseas_warehouse", "growth_pole",
    }
)  # fmt: skip


CACHE_MAX_BYTES = 64 * 1024 * 1024
"""Default bound of the estimate cache in bytes of JSON (``SHUDAO_CACHE_MB``; assumption).

A route answer with three alternatives is 40-120 KB of JSON (85 KB for a Chengdu-plain point to
Duisburg, 2026-12-02), a batch row's single route about a third of that: 64 MiB keep the last
~800 such answers or ~2,000 batch rows, and keep a server's growth from the cache within 10% of
its ~0.7 GB after start-up (the soak goal). The 4,096 whole results of the old cache were
~0.3 MB each as Python objects, 1.2 GB when full.
"""


@dataclass
class LruCache:
    """A thread-safe LRU cache of route answers as JSON bytes, bounded in entries and bytes.

    The answers are kept serialised: 85 KB of bytes instead of ~0.3 MB of Python objects for one
    route, served as they are without being encoded again, and counted exactly against
    ``max_bytes``.
    """

    size: int
    max_bytes: int = CACHE_MAX_BYTES
    hits: int = 0
    misses: int = 0
    nbytes: int = 0
    _data: OrderedDict[str, bytes] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, key: str) -> bytes | None:
        """Cached value or None."""
        with self._lock:
            value = self._data.get(key)
            if value is None:
                self.misses += 1
                return None
            self._data.move_to_end(key)
            self.hits += 1
            return value

    def put(self, key: str, value: bytes) -> None:
        """Store a value, evicting the least recently used beyond ``size`` or ``max_bytes``."""
        if self.size <= 0 or len(value) > self.max_bytes:
            return
        with self._lock:
            old = self._data.pop(key, None)
            if old is not None:
                self.nbytes -= len(old)
            self._data[key] = value
            self.nbytes += len(value)
            while len(self._data) > self.size or self.nbytes > self.max_bytes:
                _, evicted = self._data.popitem(last=False)
                self.nbytes -= len(evicted)

    def __len__(self) -> int:
        """Entries held."""
        return len(self._data)


def engine_under(base: Engine, stored: StoredScenario) -> ScenarioEngine:
    """The engine of a stored scenario: validated against *base*, applied, named by id/version.

    Raises
    ------
    corridors.scenarios.ScenarioError
        When the stored document no longer fits the data (e.g. a service was renamed since it
        was saved), naming every problem.
    """
    scenario = parse_scenario(stored.document, engine=base)
    return apply_scenario(base, scenario).with_ref(id=stored.id, version=stored.version)


SCENARIO_ENGINES = 8
"""Scenario engines kept per service (assumption: a planning office compares a handful of
scenarios at a time; each engine shares the baseline's layers and adds only changed services)."""


class ScenarioEngines:
    """The engines of stored scenarios, one per (id, version), least recently used evicted."""

    def __init__(self, base: Engine, *, size: int = SCENARIO_ENGINES) -> None:
        self.base = base
        self.size = size
        self._data: OrderedDict[tuple[str, int], ScenarioEngine] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, stored: StoredScenario) -> ScenarioEngine:
        """The engine of *stored* (built on first use; a new version builds a new one)."""
        key = (stored.id, stored.version)
        with self._lock:
            found = self._data.get(key)
            if found is not None:
                self._data.move_to_end(key)
                return found
        made = engine_under(self.base, stored)  # outside the lock: others keep being served
        with self._lock:
            self._data[key] = made
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)
        return made


class Service:
    """Everything the API serves, loaded once."""

    def __init__(
        self,
        engine: Engine,
        *,
        regions: dict[str, Any],
        cache_size: int,
        map_data: MapData | None = None,
        cache_bytes: int = CACHE_MAX_BYTES,
    ) -> None:
        self.engine = engine
        self.regions = regions
        self._map_data = map_data
        self.cache = LruCache(cache_size, max_bytes=cache_bytes)
        self.fingerprint = engine.params.fingerprint()
        self.build_dir = engine.build_dir
        self.corridors = self._corridors_fc()
        self.loaded_at = time.time()
        self.scenario_engines = ScenarioEngines(engine)

    @classmethod
    def load(
        cls,
        *,
        data_dir: Path,
        build_dir: Path,
        cache_size: int = 4096,
        cache_bytes: int = CACHE_MAX_BYTES,
    ) -> Service:
        """Load the engine and the GeoJSON views."""
        engine = Engine.load(data_dir=data_dir, build_dir=build_dir)
        return cls.from_engine(engine, cache_size=cache_size, cache_bytes=cache_bytes)

    @classmethod
    def from_engine(
        cls, engine: Engine, *, cache_size: int = 4096, cache_bytes: int = CACHE_MAX_BYTES
    ) -> Service:
        """The service around an already loaded *engine* (its GeoJSON views and map layers)."""
        build_dir = engine.build_dir
        prefectures = read_layer(build_dir / "prefectures.parquet")
        regions = regions_feature_collection(prefectures, engine.catalog.prefectures)
        return cls(
            engine,
            regions=regions,
            cache_size=cache_size,
            map_data=MapData.load(build_dir),
            cache_bytes=cache_bytes,
        )

    @property
    def map_data(self) -> MapData:
        """Display layers of the briefing maps (loaded on first use when not given)."""
        if self._map_data is None:
            self._map_data = MapData.load(self.build_dir)
        return self._map_data

    # ----------------------------------------------------------------- places
    @property
    def places(self) -> tuple[Place, ...]:
        """Every place the resolver knows (curated places and counties)."""
        return tuple(self.engine.resolver.places)

    def place(self, place_id: str) -> Place | None:
        """A place by id."""
        return self.engine.resolver.get(place_id)

    # -------------------------------------------------------------- corridors
    def _corridors_fc(self) -> dict[str, Any]:
        net = self.engine.network
        by_service: dict[str, list[list[list[float]]]] = {}
        for ride in net.rides:
            coords = [[round(x, 6), round(y, 6)] for x, y in ride.geometry.coords]
            by_service.setdefault(ride.service_id, []).append(coords)
        published = {r.service.id: r for r in self.engine.records}
        features = []
        for sid, svc in sorted(net.services.items()):
            rec = published[sid]
            features.append(
                {
                    "type": "Feature",
                    "id": sid,
                    "geometry": {"type": "MultiLineString", "coordinates": by_service.get(sid, [])},
                    "properties": {
                        "id": sid,
                        "name_en": svc.name_en,
                        "name_zh": svc.name_zh,
                        "corridor": svc.corridor,
                        "mode": svc.mode.value,
                        "operator": svc.operator,
                        "waypoints": list(svc.waypoints),
                        "frequency_per_week": svc.frequency_per_week,
                        "border_crossings": ["-".join(b) for b in svc.border_crossings],
                        "distance_km": round(
                            sum(r.distance_km for r in net.rides if r.service_id == sid), 6
                        ),
                        "published_transit_h": (
                            rec.published_transit_h.value if rec.published_transit_h else None
                        ),
                        "published_distance_km": (
                            rec.published_distance_km.value if rec.published_distance_km else None
                        ),
                    },
                }
            )
        return {"type": "FeatureCollection", "features": features}

    # ------------------------------------------------------------------ route
    def engine_for(self, scenario: StoredScenario | None = None) -> Engine:
        """The baseline engine, or the engine of a stored *scenario*."""
        return self.engine if scenario is None else self.scenario_engines.get(scenario)

    def route(
        self, req: RouteRequest, *, scenario: StoredScenario | None = None
    ) -> tuple[dict[str, Any], bool]:
        """Route estimate for *req* (and whether it came from the cache), under *scenario*."""
        body, hit = self.route_json(req, scenario=scenario)
        return json.loads(body), hit

    def route_json(
        self, req: RouteRequest, *, scenario: StoredScenario | None = None
    ) -> tuple[bytes, bool]:
        """:meth:`route` as the UTF-8 JSON the API sends (serialised once, then cached)."""
        tag = "baseline" if scenario is None else f"scenario:{scenario.id}:v{scenario.version}"
        key = req.key(self.fingerprint, tag)
        cached = self.cache.get(key)
        if cached is not None:
            return cached, True
        body = json_bytes(self.route_result(req, scenario=scenario).to_dict())
        self.cache.put(key, body)
        return body, False

    def route_result(
        self, req: RouteRequest, *, scenario: StoredScenario | None = None
    ) -> RouteResult:
        """The engine's typed answer to *req* (uncached; maps draw from it)."""
        return self.engine_for(scenario).answer(req)


def json_bytes(payload: Any) -> bytes:
    """*payload* as compact UTF-8 JSON, as Starlette's ``JSONResponse`` renders it."""
    return json.dumps(
        payload, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")
    ).encode("utf-8")


def bbox_filter(
    features: Iterable[Mapping[str, Any]], bbox: tuple[float, float, float, float] | None
) -> list[Mapping[str, Any]]:
    """Features whose geometry's bounding box intersects *bbox* (w, s, e, n)."""
    if bbox is None:
        return list(features)
    w, s, e, n = bbox
    out = []
    for f in features:
        xs: list[float] = []
        ys: list[float] = []
        _collect(f["geometry"]["coordinates"], xs, ys)
        if xs and min(xs) <= e and max(xs) >= w and min(ys) <= n and max(ys) >= s:
            out.append(f)
    return out


def _collect(coords: Any, xs: list[float], ys: list[float]) -> None:
    if coords and isinstance(coords[0], int | float):
        xs.append(float(coords[0]))
        ys.append(float(coords[1]))
        return
    for c in coords:
        _collect(c, xs, ys)
