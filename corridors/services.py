"""The service layer catalog: ``data/geo/services.toml`` read, validated and typed.

Owns: the schema of a curated service (ordered waypoints served by one mode, with operator,
frequency, border crossings, gauge breaks, expected sea passages, published transit time,
distance and tariff, each sourced) and its validation against the place catalog, reporting every
problem at once with the TOML path.
"""

from __future__ import annotations

import itertools
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


@dataclass(frozen=True)
class ServiceRecord:
    """A service with its published figures and, for waterways, the curated river polyline."""

    service: Service
    published_transit_h: Published | None
    published_distance_km: Published | None
    tariff: Published | None
    coords: tuple[tuple[float, float], ...]


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
    try:
        raw = tomllib.loads(path.read_text("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ParameterError([Problem(file, None, None, f"TOML syntax: {exc}")]) from exc
    problems: list[Problem] = []
    records: list[ServiceRecord] = []
    seen: set[str] = set()
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
            )
        )
    if problems:
        raise ParameterError(problems)
    return sorted(records, key=lambda r: r.service.id)
