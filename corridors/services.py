"""The service layer catalog: ``data/geo/services.toml`` read, validated and typed.

Owns: the schema of a curated service (ordered waypoints served by one mode, with operator,
emission vehicle type (``vehicle``, default per mode from :mod:`corridors.emissions`),
frequency, border crossings, gauge breaks, expected sea passages, published transit time,
distance and tariff, each sourced) and its validation against the place catalog, reporting every
problem at once with the TOML path; and the rail itineraries: the curated line sections
(``data/geo/rail_sections.toml``) and station points (``data/geo/itinerary_points.csv``) that a
rail service chains (``sections = [...]``), so that it is measured on the lines its trains use.
"""

from __future__ import annotations

import csv
import itertools
import math
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corridors.emissions import DEFAULT_VEHICLE, VEHICLES
from corridors.errors import ParameterError
from corridors.models import GaugeBreak, Mode, Service
from gis.errors import Problem

CORRIDORS: tuple[str, ...] = (
    "china_europe_rail",
    "middle_corridor",
    "ilstc",
    "china_laos",
    "china_vietnam",
    "road_international",
    "air_cargo",
    "yangtze",
    "sea",
)


@dataclass(frozen=True)
class Published:
    """A published figure of a service (transit time, distance, tariff) with its source."""

    value: float
    unit: str
    source: str | None
    as_of: str | None
    assumption: str | None
    # Why the figure and the engine's measurement are not like for like (e.g. a published
    # distance to the river mouth, measured to a port upstream of it); shown in the report.
    note: str | None = None


@dataclass(frozen=True)
class ItineraryPoint:
    """A station point of a rail itinerary that is not a place (``itinerary_points.csv``)."""

    id: str
    name_zh: str
    name_en: str
    country: str
    lon: float
    lat: float
    coord_source: str


@dataclass(frozen=True)
class Section:
    """A curated rail line section: ordered station points with its provenance."""

    id: str
    name_en: str
    points: tuple[str, ...]
    source: str | None
    as_of: str | None
    assumption: str | None
    published_km: Published | None


@dataclass(frozen=True)
class ServiceRecord:
    """A service with its published figures and, for waterways, the curated river polyline.

    ``itinerary`` is the chained point sequence of the service's ``sections`` (empty when the
    service has none); ``points`` resolves the ids of it that are not places.
    """

    service: Service
    published_transit_h: Published | None
    published_distance_km: Published | None
    tariff: Published | None
    coords: tuple[tuple[float, float], ...]
    sections: tuple[Section, ...] = ()
    itinerary: tuple[str, ...] = ()
    points: Mapping[str, ItineraryPoint] = field(default_factory=dict, compare=False, hash=False)
    sea_via: str = "suez"
    airspace_closed: tuple[str, ...] = ()
    air_corridor: tuple[str, ...] = ()


SEA_ROUTINGS: tuple[str, ...] = ("suez", "cape")
"""Asia–Europe sea routing settings (``[sea_routing] asia_europe`` in services.toml)."""


SECTIONS_FILE = "rail_sections.toml"
POINTS_FILE = "itinerary_points.csv"


def load_itinerary_points(path: Path) -> dict[str, ItineraryPoint]:
    """Read ``itinerary_points.csv`` (id, name_zh, name_en, country, lon, lat, coord_source).

    Raises
    ------
    ParameterError
        Every bad row and column at once.
    """
    problems: list[Problem] = []
    out = _read_itinerary_points(path, problems)
    if problems:
        raise ParameterError(problems)
    return out


def _read_itinerary_points(path: Path, problems: list[Problem]) -> dict[str, ItineraryPoint]:
    """The points of *path*, appending each problem to *problems* instead of raising."""
    out: dict[str, ItineraryPoint] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for i, row in enumerate(csv.DictReader(fh), start=1):
            pid = (row.get("id") or "").strip()
            try:
                lon, lat = float(row["lon"]), float(row["lat"])
            except (KeyError, TypeError, ValueError):
                problems.append(Problem(path.name, i, "lon", "lon and lat must be numbers"))
                lon = lat = math.nan  # the id stays known: the sections naming it are not wrong
            if not (-180 <= lon <= 180 and -90 <= lat <= 90) and math.isfinite(lon + lat):
                problems.append(Problem(path.name, i, "lon", "out of range"))
            if not pid or pid in out:
                problems.append(Problem(path.name, i, "id", f"empty or duplicate id {pid!r}"))
            if len((row.get("country") or "").strip()) != 2:
                problems.append(Problem(path.name, i, "country", "ISO 3166 alpha-2 expected"))
            if not (row.get("coord_source") or "").strip():
                problems.append(Problem(path.name, i, "coord_source", "empty"))
            out[pid] = ItineraryPoint(
                pid,
                (row.get("name_zh") or "").strip(),
                (row.get("name_en") or "").strip(),
                (row.get("country") or "").strip(),
                lon,
                lat,
                (row.get("coord_source") or "").strip(),
            )
    return out


def load_sections(path: Path, *, known_points: set[str]) -> dict[str, Section]:
    """Read ``rail_sections.toml``; every point must be a place or an itinerary point.

    Raises
    ------
    ParameterError
        Every problem at once, with its TOML path.
    """
    problems: list[Problem] = []
    out = _read_sections(path, known_points=known_points, problems=problems)
    if problems:
        raise ParameterError(problems)
    return out


def _read_sections(
    path: Path, *, known_points: set[str], problems: list[Problem]
) -> dict[str, Section]:
    """The sections of *path*, appending each problem to *problems* instead of raising."""
    file = path.name
    try:
        raw = tomllib.loads(path.read_text("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        problems.append(Problem(file, None, None, f"TOML syntax: {exc}"))
        return {}
    out: dict[str, Section] = {}
    for sid, sec in sorted(raw.get("section", {}).items()):
        p = f"section.{sid}"
        pts = tuple(str(x) for x in sec.get("points", []))
        if len(pts) < 2:
            problems.append(Problem(file, None, f"{p}.points", "needs at least two points"))
        for x in pts:
            if x not in known_points:
                problems.append(Problem(file, None, f"{p}.points", f"unknown point id {x!r}"))
        if not sec.get("assumption") and not (sec.get("source") and sec.get("as_of")):
            problems.append(Problem(file, None, p, "needs source and as_of, or an assumption"))
        out[sid] = Section(
            sid,
            str(sec.get("name_en", sid)),
            pts,
            sec.get("source") and str(sec["source"]),
            sec.get("as_of") and str(sec["as_of"]),
            sec.get("assumption") and str(sec["assumption"]),
            _sourced(sec.get("published_km"), f"{p}.published_km", problems, file, unit="km"),
        )
    return out


def _chain(
    names: list[str],
    sections: Mapping[str, Section],
    waypoints: tuple[str, ...],
    p: str,
    file: str,
    problems: list[Problem],
) -> tuple[tuple[Section, ...], tuple[str, ...]]:
    chosen: list[Section] = []
    seq: list[str] = []
    for name in names:
        sec = sections.get(name)
        if sec is None:
            problems.append(Problem(file, None, f"{p}.sections", f"unknown section {name!r}"))
            return (), ()
        if seq and sec.points[0] != seq[-1]:
            msg = f"section {name!r} starts at {sec.points[0]!r}, not at {seq[-1]!r}"
            problems.append(Problem(file, None, f"{p}.sections", msg))
            return (), ()
        seq.extend(sec.points if not seq else sec.points[1:])
        chosen.append(sec)
    # every waypoint must appear in the itinerary, in order
    pos = -1
    for w in waypoints:
        try:
            pos = seq.index(w, pos + 1)
        except ValueError:
            msg = f"waypoint {w!r} is not on the itinerary (in order) of its sections"
            problems.append(Problem(file, None, f"{p}.sections", msg))
            return (), ()
    if seq[0] != waypoints[0] or seq[-1] != waypoints[-1]:
        msg = "the itinerary must start and end at the service's first and last waypoints"
        problems.append(Problem(file, None, f"{p}.sections", msg))
        return (), ()
    return tuple(chosen), tuple(seq)


def _sourced(
    raw: Any, path: str, problems: list[Problem], file: str, *, unit: str = ""
) -> Published | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping) or "value" not in raw:
        problems.append(
            Problem(
                file, None, path, "expected a table { value = ..., source/as_of or assumption }"
            )
        )
        return None
    value = raw.get("value")
    if not isinstance(value, int | float) or isinstance(value, bool):
        problems.append(Problem(file, None, f"{path}.value", f"not a number: {value!r}"))
        return None
    source, as_of, assumption = raw.get("source"), raw.get("as_of"), raw.get("assumption")
    if not assumption and not (source and as_of):
        problems.append(Problem(file, None, path, "needs source and as_of, or an assumption"))
    return Published(
        float(value),
        str(raw.get("unit", unit)),
        source and str(source),
        as_of and str(as_of),
        assumption and str(assumption),
        str(raw["note"]) if raw.get("note") else None,
    )


def _parse_coords(text: str) -> tuple[tuple[float, float], ...]:
    pts = []
    for chunk in text.replace("\n", " ").split(";"):
        if chunk.strip():
            lon, lat = (float(x) for x in chunk.split())
            pts.append((lon, lat))
    return tuple(pts)


def load_services(
    path: Path,
    *,
    known_places: set[str],
    to_cny: Callable[[float, str], float],
) -> list[ServiceRecord]:
    """Read and validate the service catalog.

    Parameters
    ----------
    path : Path
        ``services.toml``.
    known_places : set of str
        Place ids of the catalog; every waypoint must be one of them.
    to_cny : callable
        ``(amount, currency) -> CNY`` for published tariffs (from the parameters' fx table).

    Returns
    -------
    list of ServiceRecord
        Sorted by service id.

    Raises
    ------
    ParameterError
        Listing every problem found, each with the TOML path of the offending value.
    """
    file = path.name
    problems: list[Problem] = []
    try:
        raw = tomllib.loads(path.read_text("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        problems.append(Problem(file, None, None, f"TOML syntax: {exc}"))
        raw = {}
    records: list[ServiceRecord] = []
    seen: set[str] = set()
    points: dict[str, ItineraryPoint] = {}
    sections: dict[str, Section] = {}
    # the problems of the itinerary files are reported with those of the services
    if (path.parent / POINTS_FILE).is_file():
        points = _read_itinerary_points(path.parent / POINTS_FILE, problems)
    if (path.parent / SECTIONS_FILE).is_file():
        sections = _read_sections(
            path.parent / SECTIONS_FILE, known_points=known_places | set(points), problems=problems
        )
    air = raw.get("air_routing", {})
    air_corridor = tuple(str(x) for x in air.get("corridor_points", []))
    for x in air_corridor:
        if x not in known_places:
            problems.append(
                Problem(file, None, "air_routing.corridor_points", f"unknown place id {x!r}")
            )
    if air and not (air.get("source") and air.get("as_of")):
        problems.append(Problem(file, None, "air_routing", "needs source and as_of"))
    routing = raw.get("sea_routing", {})
    sea_via = str(routing.get("asia_europe", "suez"))
    if sea_via not in SEA_ROUTINGS:
        problems.append(
            Problem(file, None, "sea_routing.asia_europe", f"{sea_via!r} not one of {SEA_ROUTINGS}")
        )
    if routing and not (routing.get("source") and routing.get("as_of")):
        problems.append(Problem(file, None, "sea_routing", "needs source and as_of"))
    for i, s in enumerate(raw.get("service", [])):
        p = f"service[{i}]"
        sid = str(s.get("id", ""))
        if sid:
            p = f"service[{i}]({sid})"
        missing = [
            k for k in ("id", "name_en", "name_zh", "corridor", "mode", "waypoints") if not s.get(k)
        ]
        for key in missing:
            problems.append(Problem(file, None, f"{p}.{key}", "required"))
        if missing:
            continue
        if sid in seen:
            problems.append(Problem(file, None, f"{p}.id", f"duplicate service id {sid!r}"))
        seen.add(sid)
        if s["corridor"] not in CORRIDORS:
            problems.append(
                Problem(
                    file,
                    None,
                    f"{p}.corridor",
                    f"unknown corridor {s['corridor']!r}; one of {CORRIDORS}",
                )
            )
        try:
            mode = Mode(s["mode"])
        except ValueError:
            problems.append(Problem(file, None, f"{p}.mode", f"unknown mode {s['mode']!r}"))
            continue
        vehicle = str(s.get("vehicle", DEFAULT_VEHICLE[mode]))
        if vehicle not in VEHICLES[mode]:
            problems.append(
                Problem(
                    file,
                    None,
                    f"{p}.vehicle",
                    f"unknown {mode.value} vehicle {vehicle!r}; one of {VEHICLES[mode]}",
                )
            )
        waypoints = tuple(str(w) for w in s["waypoints"])
        if len(waypoints) < 2:
            problems.append(Problem(file, None, f"{p}.waypoints", "needs at least two waypoints"))
        for w in waypoints:
            if w not in known_places:
                problems.append(Problem(file, None, f"{p}.waypoints", f"unknown place id {w!r}"))
        crossings = tuple((str(a), str(b)) for a, b in s.get("border_crossings", []))
        pairs = set(itertools.pairwise(waypoints))
        for a, b in crossings:
            if (a, b) not in pairs:
                problems.append(
                    Problem(
                        file,
                        None,
                        f"{p}.border_crossings",
                        f"{a}->{b} is not a pair of consecutive waypoints",
                    )
                )
        gbs = []
        for g in s.get("gauge_breaks", []):
            if g.get("at") not in waypoints:
                problems.append(
                    Problem(file, None, f"{p}.gauge_breaks", f"{g.get('at')!r} is not a waypoint")
                )
                continue
            gbs.append(GaugeBreak(str(g["at"]), int(g["from_mm"]), int(g["to_mm"])))
        freq = _sourced(s.get("frequency_per_week"), f"{p}.frequency_per_week", problems, file)
        if freq is None or freq.value <= 0:
            problems.append(Problem(file, None, f"{p}.frequency_per_week", "required, > 0"))
            continue
        tariff = _sourced(s.get("tariff_per_unit"), f"{p}.tariff_per_unit", problems, file)
        tariff_cny = None
        tariff_unit = None
        if tariff is not None:
            money, _, unit = tariff.unit.partition("/")
            if unit not in {"FEU", "TEU", "tonne", "kg"}:
                problems.append(
                    Problem(
                        file,
                        None,
                        f"{p}.tariff_per_unit.unit",
                        f"expected '<CUR>/<FEU|TEU|tonne|kg>', got {tariff.unit!r}",
                    )
                )
            else:
                try:
                    tariff_cny = to_cny(tariff.value, money)
                    tariff_unit = unit
                except LookupError as exc:
                    problems.append(Problem(file, None, f"{p}.tariff_per_unit.unit", str(exc)))
        coords: tuple[tuple[float, float], ...] = ()
        if s.get("coords"):
            try:
                coords = _parse_coords(str(s["coords"]))
            except ValueError:
                problems.append(
                    Problem(file, None, f"{p}.coords", "expected 'lon lat; lon lat; ...'")
                )
        if mode is Mode.INLAND_WATERWAY and len(coords) < 2:
            problems.append(
                Problem(
                    file, None, f"{p}.coords", "inland waterway services need the river polyline"
                )
            )
        sources = tuple(
            str(v["source"])
            for v in (
                s.get("frequency_per_week"),
                s.get("published_transit_h"),
                s.get("tariff_per_unit"),
            )
            if isinstance(v, Mapping) and v.get("source")
        )
        service = Service(
            id=sid,
            name_en=str(s["name_en"]),
            name_zh=str(s["name_zh"]),
            corridor=str(s["corridor"]),
            mode=mode,
            operator=str(s.get("operator", "")),
            waypoints=waypoints,
            frequency_per_week=freq.value,
            border_crossings=crossings,
            gauge_breaks=tuple(gbs),
            passages=tuple(str(x) for x in s.get("passages", [])),
            tariff_cny_per_unit=tariff_cny,
            tariff_unit=tariff_unit,
            sources=tuple(dict.fromkeys(sources)),
            tariff_as_of=tariff.as_of if tariff is not None and tariff_cny is not None else None,
            vehicle=vehicle,
        )
        closed: tuple[str, ...] = ()
        over = s.get("overflight")
        if over is not None:
            if not isinstance(over, Mapping) or not (over.get("source") and over.get("as_of")):
                problems.append(
                    Problem(file, None, f"{p}.overflight", "needs closed = [...], source, as_of")
                )
            else:
                closed = tuple(str(x) for x in over.get("closed", []))
                bad = [x for x in closed if len(x) != 3 or not x.isupper()]
                if bad:
                    problems.append(
                        Problem(file, None, f"{p}.overflight.closed", f"not ISO alpha-3: {bad}")
                    )
        elif mode is Mode.AIR:
            problems.append(
                Problem(file, None, f"{p}.overflight", "air services need their overflight rights")
            )
        chosen: tuple[Section, ...] = ()
        itinerary: tuple[str, ...] = ()
        if s.get("sections"):
            chosen, itinerary = _chain(
                [str(x) for x in s["sections"]], sections, waypoints, p, file, problems
            )
        elif mode is Mode.RAIL and sections:
            problems.append(
                Problem(file, None, f"{p}.sections", "rail services need their line sections")
            )
        records.append(
            ServiceRecord(
                service,
                _sourced(s.get("published_transit_h"), f"{p}.published_transit_h", problems, file),
                _sourced(
                    s.get("published_distance_km"), f"{p}.published_distance_km", problems, file
                ),
                tariff,
                coords,
                chosen,
                itinerary,
                points,
                sea_via,
                closed,
                air_corridor,
            )
        )
    if problems:
        raise ParameterError(problems)
    return sorted(records, key=lambda r: r.service.id)
