"""Validation of every curated table of the data directory in one run.

Owns: :func:`validate_tables`, the one entry point that checks every curated table of
``data/geo`` (places, prefectures, parameters, services, rail sections, itinerary points, rail
gauges, high-speed lines, network links, country extents, the trade tables of
``data/geo/trade``) and returns every problem of every
file, each naming its file, row (or TOML key) and column; :func:`load_tables`, which gives the
engine its validated tables or raises one :class:`gis.errors.DataValidationError` carrying all
of those problems (exit code 3); and the check that each place and itinerary point lies in its
country (:func:`country_problems`), against the country polygons of the built boundary layer
(``world_countries``) or, without a build, against the extents of ``country_bounds.csv``.

The per-file rules stay with the loaders that own each file (`hubs.tables`, `corridors.params`,
`corridors.services`, `gis.rail_attributes`, `gis.network`); this module runs them all, keeps
going after a file with problems, and adds the checks across files.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from corridors.params import Parameters, load_parameters
from corridors.services import POINTS_FILE, ServiceRecord, load_services
from corridors.trade_tables import trade_problems
from gis.errors import DataValidationError, Problem
from gis.network import read_network_links
from gis.rail_attributes import read_gauge_rules, read_hsr_lines
from hubs.tables import PLACES_FILE, Catalog, load_catalog

if TYPE_CHECKING:
    import shapely

PARAMETERS_FILE = "parameters.toml"
SERVICES_FILE = "services.toml"
GAUGE_FILE = "rail_gauge.csv"
HSR_FILE = "hsr_lines.csv"
LINKS_FILE = "network_links.csv"
COUNTRY_BOUNDS_FILE = "country_bounds.csv"
COUNTRIES_LAYER = "world_countries.parquet"

COUNTRY_TOLERANCE_KM = 5.0
"""How far outside its country's outline a point may lie before it is flagged (assumption).

Border stations sit on the line itself, and seaports on quays or anchorages beyond a coastline
that the boundary layer draws in simplified form: the display layer is simplified with a
0.01° Douglas-Peucker tolerance (up to ~1.1 km off the true line) and drops islets under
~30 km²; UN/LOCODE points have minute precision (up to ~1.3 km off). The farthest point of the
curated tables of 2026-12-02 lies 0.5 km outside (Amsterdam's UN/LOCODE point); 5 km is about
three times the sum of these errors, while a misplaced point (a sign error, a swapped lon/lat,
degrees-minutes written as decimals) lies tens to thousands of km away.
"""

_COUNTRY_BOUNDS_COLUMNS = (
    "iso2",
    "iso3",
    "name_en",
    "lon_min",
    "lat_min",
    "lon_max",
    "lat_max",
    "source",
    "as_of",
    "assumption",
)
_KM_PER_DEG_LAT = 111.2  # mean length of a degree of latitude (6,371 km x pi / 180)
_T = TypeVar("_T")


@dataclass(frozen=True)
class CountryBounds:
    """One country's ISO codes, English name and extent (``country_bounds.csv``)."""

    iso2: str
    iso3: str
    name_en: str
    lon_min: float
    lat_min: float
    lon_max: float
    lat_max: float


@dataclass(frozen=True)
class Tables:
    """The validated curated tables the engine needs.

    Attributes
    ----------
    catalog : hubs.tables.Catalog
        Places and prefectures.
    params : corridors.params.Parameters
        The parameters in force (``parameters.toml`` or the file given instead).
    records : tuple of ServiceRecord
        The service catalog with its rail itineraries.
    """

    catalog: Catalog
    params: Parameters
    records: tuple[ServiceRecord, ...]


def _collect(problems: list[Problem], load: Callable[[], _T]) -> _T | None:
    """Run *load*; on a validation error keep its problems and return None."""
    try:
        return load()
    except DataValidationError as exc:
        problems.extend(exc.problems)
        return None


def _raw_rows(path: Path) -> list[dict[str, str]]:
    """The rows of a UTF-8 CSV as stripped strings (empty when the file is missing)."""
    if not path.is_file():
        return []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [
            {k: (v or "").strip() for k, v in row.items() if isinstance(k, str)}
            for row in csv.DictReader(fh)
        ]


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def read_country_bounds(path: Path) -> dict[str, CountryBounds]:
    """Read ``country_bounds.csv`` (ISO alpha-2 -> codes, name and extent).

    Raises
    ------
    gis.errors.DataValidationError
        Every bad row and column at once.
    """
    name = path.name
    if not path.is_file():
        raise DataValidationError([Problem(name, None, None, f"file not found: {path}")])
    rows = _raw_rows(path)
    problems: list[Problem] = []
    header = set(rows[0]) if rows else set()
    for column in _COUNTRY_BOUNDS_COLUMNS:
        if rows and column not in header:
            problems.append(Problem(name, None, column, "required column is missing"))
    if problems:
        raise DataValidationError(problems)
    out: dict[str, CountryBounds] = {}
    for i, row in enumerate(rows, start=1):
        iso2, iso3 = row.get("iso2", ""), row.get("iso3", "")
        if len(iso2) != 2 or not iso2.isalpha() or not iso2.isupper():
            problems.append(Problem(name, i, "iso2", f"{iso2!r} is not an ISO 3166-1 alpha-2 code"))
        elif iso2 in out:
            problems.append(Problem(name, i, "iso2", f"duplicate country {iso2}"))
        if len(iso3) != 3 or not iso3.isalpha() or not iso3.isupper():
            problems.append(Problem(name, i, "iso3", f"{iso3!r} is not an ISO 3166-1 alpha-3 code"))
        values: dict[str, float] = {}
        for column, lo, hi in (
            ("lon_min", -180.0, 180.0),
            ("lat_min", -90.0, 90.0),
            ("lon_max", -180.0, 180.0),
            ("lat_max", -90.0, 90.0),
        ):
            value = _number(row.get(column, ""))
            if value is None or not lo <= value <= hi:
                problems.append(Problem(name, i, column, f"not a number in [{lo}, {hi}]"))
            else:
                values[column] = value
        if len(values) == 4 and not (
            values["lon_min"] <= values["lon_max"] and values["lat_min"] <= values["lat_max"]
        ):
            problems.append(Problem(name, i, "lon_min", "the minimum exceeds the maximum"))
        if not (row.get("source") and row.get("as_of")) and not row.get("assumption"):
            problems.append(Problem(name, i, "source", "needs source and as_of, or an assumption"))
        if len(values) == 4 and len(iso2) == 2:
            out[iso2] = CountryBounds(
                iso2,
                iso3,
                row.get("name_en", ""),
                values["lon_min"],
                values["lat_min"],
                values["lon_max"],
                values["lat_max"],
            )
    if problems:
        raise DataValidationError(problems)
    return out


def _bbox_km(lon: float, lat: float, b: CountryBounds) -> float:
    """Distance (km, slightly underestimated) from a point to the country's extent; 0 inside."""
    dlat = max(b.lat_min - lat, 0.0, lat - b.lat_max)
    dlon = max(b.lon_min - lon, 0.0, lon - b.lon_max)
    # the east-west gap is measured at the latitude of the extent nearest to the point
    near_lat = min(max(lat, b.lat_min), b.lat_max)
    dx = dlon * _KM_PER_DEG_LAT * math.cos(math.radians(near_lat))
    return math.hypot(dlat * _KM_PER_DEG_LAT, dx)


def _country_polygons(build_dir: Path, iso3s: Iterable[str]) -> dict[str, shapely.Geometry]:
    """The polygons of *iso3s* in the built ``world_countries`` layer (one per country)."""
    import pyarrow.parquet as pq  # noqa: PLC0415 - only when a build is checked
    import shapely  # noqa: PLC0415

    wanted = sorted(set(iso3s))
    table = pq.read_table(
        build_dir / COUNTRIES_LAYER, columns=["iso3", "geometry"], filters=[("iso3", "in", wanted)]
    )
    geoms = shapely.from_wkb(table.column("geometry").to_numpy(zero_copy_only=False))
    parts: dict[str, list[shapely.Geometry]] = {}
    for code, geom in zip(table.column("iso3").to_pylist(), geoms, strict=True):
        parts.setdefault(str(code), []).append(geom)
    # one row per country in the layer; a country in several rows becomes one collection
    out = {
        code: gs[0] if len(gs) == 1 else shapely.GeometryCollection(gs)
        for code, gs in parts.items()
    }
    for geom in out.values():
        shapely.prepare(geom)
    return out


def _polygon_km(lon: float, lat: float, polygon: shapely.Geometry) -> float:
    """Geodesic distance (km) from a point to the nearest point of *polygon*; 0 inside."""
    import shapely  # noqa: PLC0415
    from shapely.ops import nearest_points  # noqa: PLC0415

    from gis.crs import GEOD  # noqa: PLC0415

    point = shapely.Point(lon, lat)
    if polygon.covers(point):
        return 0.0
    near = nearest_points(polygon, point)[0]
    return float(GEOD.inv(lon, lat, near.x, near.y)[2]) / 1000.0


def country_problems(
    points: Sequence[tuple[str, int, str, str, float, float]],
    bounds: Mapping[str, CountryBounds],
    *,
    build_dir: Path | None = None,
    tolerance_km: float = COUNTRY_TOLERANCE_KM,
) -> list[Problem]:
    """Flag every point that lies more than *tolerance_km* outside its country.

    Parameters
    ----------
    points : sequence of (file, row, id, iso2, lon, lat)
        The points to check, with the file and 1-based data row they come from.
    bounds : mapping
        ISO alpha-2 -> :class:`CountryBounds` (``country_bounds.csv``).
    build_dir : Path, optional
        A build whose ``world_countries`` layer gives the country polygons (the PRC-official
        outlines the routes are drawn with); without it, or for a country missing from the
        layer, the point is checked against the country's extent in *bounds*.
    tolerance_km : float, optional
        See :data:`COUNTRY_TOLERANCE_KM`.

    Returns
    -------
    list of Problem
        One per point outside, naming the point, its country, how far outside it lies and
        against what it was checked; and one per point whose country is not in *bounds*.
    """
    problems: list[Problem] = []
    polygons: dict[str, shapely.Geometry] = {}
    if build_dir is not None and (build_dir / COUNTRIES_LAYER).is_file():
        used = {bounds[c].iso3 for _, _, _, c, _, _ in points if c in bounds}
        polygons = _country_polygons(build_dir, used)
    for file, row, pid, iso2, lon, lat in points:
        b = bounds.get(iso2)
        if b is None:
            msg = f"{pid!r}: country {iso2!r} is not in {COUNTRY_BOUNDS_FILE}"
            problems.append(Problem(file, row, "country", msg))
            continue
        polygon = polygons.get(b.iso3)
        if polygon is not None:
            km, against = _polygon_km(lon, lat, polygon), f"{COUNTRIES_LAYER} outline"
        else:
            km, against = _bbox_km(lon, lat, b), f"extent in {COUNTRY_BOUNDS_FILE}"
        if km > tolerance_km:
            msg = (
                f"{pid!r} at ({lon}, {lat}) lies {km:,.1f} km outside its country "
                f"{iso2} ({b.name_en}; {against}; tolerance {tolerance_km:g} km)"
            )
            problems.append(Problem(file, row, "lon,lat", msg))
    return problems


def _located_points(data_dir: Path) -> list[tuple[str, int, str, str, float, float]]:
    """(file, row, id, country, lon, lat) of every row of places and itinerary points.

    Rows whose coordinates or country are unreadable are skipped: their own loaders report them.
    """
    out: list[tuple[str, int, str, str, float, float]] = []
    for file in (PLACES_FILE, POINTS_FILE):
        for i, row in enumerate(_raw_rows(data_dir / file), start=1):
            lon, lat = _number(row.get("lon", "")), _number(row.get("lat", ""))
            country = row.get("country", "")
            if lon is None or lat is None or not -180 <= lon <= 180 or not -90 <= lat <= 90:
                continue
            if len(country) != 2:  # not an ISO alpha-2 code
                continue
            out.append((file, i, row.get("id", ""), country, lon, lat))
    return out


def _check(
    data_dir: Path, *, build_dir: Path | None, parameters_path: Path | None
) -> tuple[list[Problem], Tables | None]:
    problems: list[Problem] = []
    catalog = _collect(problems, lambda: load_catalog(data_dir))
    params_file = parameters_path or data_dir / PARAMETERS_FILE
    params = _collect(problems, lambda: load_parameters(params_file))
    if catalog is not None:
        known = {p.id for p in catalog.places}
    else:  # check the services against the ids as written, so that their problems still show
        known = {r["id"] for r in _raw_rows(data_dir / PLACES_FILE) if r.get("id")}

    def _as_is(amount: float, _currency: str) -> float:
        return amount  # parameters.toml failed: its fx table cannot check the currencies

    to_cny = params.to_cny if params is not None else _as_is
    records = _collect(
        problems,
        lambda: load_services(data_dir / SERVICES_FILE, known_places=known, to_cny=to_cny),
    )
    _collect(problems, lambda: read_gauge_rules(data_dir / GAUGE_FILE))
    _collect(problems, lambda: read_hsr_lines(data_dir / HSR_FILE))
    _collect(problems, lambda: read_network_links(data_dir / LINKS_FILE))
    bounds = _collect(problems, lambda: read_country_bounds(data_dir / COUNTRY_BOUNDS_FILE))
    if bounds is not None:
        problems += country_problems(_located_points(data_dir), bounds, build_dir=build_dir)
    adcodes = {p.adcode for p in catalog.prefectures} if catalog is not None else None
    problems += trade_problems(data_dir, known_places=known, known_adcodes=adcodes)
    tables = None
    if not problems and catalog is not None and params is not None and records is not None:
        tables = Tables(catalog, params, tuple(records))
    return problems, tables


def validate_tables(
    data_dir: Path, *, build_dir: Path | None = None, parameters_path: Path | None = None
) -> list[Problem]:
    """Every problem of every curated table of *data_dir*, in one run.

    Parameters
    ----------
    data_dir : Path
        The curated tables (normally ``data/geo``).
    build_dir : Path, optional
        A build whose ``world_countries`` layer gives the country outlines for the check that
        every place lies in its country (else the extents of ``country_bounds.csv``).
    parameters_path : Path, optional
        A parameter file checked instead of ``data_dir/parameters.toml``.

    Returns
    -------
    list of Problem
        Empty when every table is valid; otherwise every problem, file by file (places and
        prefectures, parameters, services with their sections and itinerary points, gauges,
        high-speed lines, network links, country extents), then the points outside their
        country, then the trade tables (``trade/figures.csv``, ``trade/model.toml``).
    """
    return _check(data_dir, build_dir=build_dir, parameters_path=parameters_path)[0]


def load_tables(
    data_dir: Path, *, build_dir: Path | None = None, parameters_path: Path | None = None
) -> Tables:
    """The validated tables of *data_dir*, after :func:`validate_tables`.

    Raises
    ------
    gis.errors.DataValidationError
        One error carrying every problem of every table (exit code 3).
    """
    problems, tables = _check(data_dir, build_dir=build_dir, parameters_path=parameters_path)
    if problems or tables is None:
        raise DataValidationError(problems)
    return tables


def problems_to_dicts(problems: Iterable[Problem]) -> list[dict[str, Any]]:
    """The problems as JSON-ready dicts (``file``, ``row``, ``column``, ``message``)."""
    return [
        {"file": p.file, "row": p.row, "column": p.column, "message": p.message} for p in problems
    ]
