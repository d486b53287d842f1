"""Freight attributes of the rail layer: country, track gauge and passenger-dedicated high speed.

Owns: reading and validating the curated tables ``data/geo/rail_gauge.csv`` (track gauge by
country, with line overrides such as dual-gauge or metre-gauge stretches) and
``data/geo/hsr_lines.csv`` (passenger-dedicated high-speed lines, each matched to the layer by
points on its own alignment), and annotating ``rail_edges.parquet`` with ``country`` (ISO 3166
alpha-3 of the country holding the middle of the link), ``gauge`` (``"1435"``, ``"1520"``,
``"1000"``, ``"1668"`` or ``"1435+1000"`` for dual gauge) and ``hsr`` / ``hsr_line``.

Why a curated list for high speed: the scgraph-data geograph carries no attributes at all (only
nodes and lengths), so neither speed nor usage can be read from the data package. A link is
flagged when it passes within ``radius_km`` of a curated point that lies on the high-speed
alignment where no conventional line runs (links are junction-to-junction chains, so the flag
covers the stretch between the junctions on either side of that point).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis.errors import DataValidationError, Problem
from gis.network import parse_coords

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = [
    "GAUGES",
    "RAIL_ATTRIBUTES_FILE",
    "RAIL_ATTRIBUTE_COLUMNS",
    "GaugeRules",
    "annotate_rail_edges",
    "gauges_compatible",
    "read_gauge_rules",
    "read_hsr_lines",
]

RAIL_ATTRIBUTE_COLUMNS: Final = ("country", "gauge", "hsr", "hsr_line")
RAIL_ATTRIBUTES_FILE: Final = "rail_attributes.json"
"""Written next to ``rail_edges.parquet``: the ISO alpha-2 -> alpha-3 map of the gauge table."""

GAUGES: Final = ("1435", "1520", "1000", "1668", "1435+1000")
"""Gauge labels on the layer (mm); ``1435+1000`` is dual (mixed) gauge, usable by both."""

GAUGE_COLUMNS: Final = (
    "rule_id",
    "kind",
    "iso3",
    "iso2",
    "name",
    "coords",
    "buffer_km",
    "gauge",
    "source",
    "as_of",
    "assumption",
)
HSR_COLUMNS: Final = (
    "point_id",
    "line_id",
    "name_zh",
    "name_en",
    "lon",
    "lat",
    "radius_km",
    "source",
    "as_of",
    "assumption",
)
_KM_PER_DEG: Final = 111.32


@dataclass(frozen=True)
class GaugeRules:
    """Gauge by country and line overrides, plus the ISO alpha-2 -> alpha-3 map of the table."""

    by_country: dict[str, str]
    lines: tuple[tuple[str, shapely.LineString, float, str], ...]
    iso3_of: dict[str, str]


def gauges_compatible(a: str, b: str) -> bool:
    """True when a wagon on gauge *a* can run on gauge *b* (dual gauge serves both)."""
    sa, sb = set(a.split("+")), set(b.split("+"))
    return bool(sa & sb)


def _read_csv(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    if not path.is_file():
        raise DataValidationError([Problem(path.name, None, None, f"file not found: {path}")])
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DataValidationError(
            [Problem(path.name, None, c, "required column is missing") for c in missing]
        )
    return df


def _provenance(rec: dict[str, str], name: str, i: int, problems: list[Problem]) -> None:
    if rec["source"]:
        try:
            date.fromisoformat(rec["as_of"])
        except ValueError:
            problems.append(Problem(name, i, "as_of", "a sourced row needs a YYYY-MM-DD date"))
    elif not rec["assumption"]:
        problems.append(Problem(name, i, "source", "neither a source nor an assumption"))


def read_gauge_rules(path: Path) -> GaugeRules:
    """Read ``rail_gauge.csv``: every problem at once, with row and column.

    Raises
    ------
    DataValidationError
        Missing columns, unknown kinds or gauges, bad coordinates, duplicate countries, rows
        without provenance.
    """
    name = path.name
    df = _read_csv(path, GAUGE_COLUMNS)
    problems: list[Problem] = []
    by_country: dict[str, str] = {}
    iso3_of: dict[str, str] = {}
    lines: list[tuple[str, shapely.LineString, float, str]] = []
    for i, row in enumerate(df.itertuples(index=False), start=1):
        rec = {c: str(getattr(row, c)).strip() for c in GAUGE_COLUMNS}
        if rec["gauge"] not in GAUGES:
            problems.append(Problem(name, i, "gauge", f"{rec['gauge']!r} not one of {GAUGES}"))
        _provenance(rec, name, i, problems)
        if rec["kind"] == "country":
            if len(rec["iso3"]) != 3 or len(rec["iso2"]) != 2:
                problems.append(Problem(name, i, "iso3", "country rows need iso3 and iso2"))
                continue
            if rec["iso3"] in by_country:
                problems.append(Problem(name, i, "iso3", f"duplicate country {rec['iso3']}"))
            by_country[rec["iso3"]] = rec["gauge"]
            iso3_of[rec["iso2"]] = rec["iso3"]
        elif rec["kind"] == "line":
            try:
                xy = parse_coords(rec["coords"])
                buf = float(rec["buffer_km"])
            except ValueError as exc:
                problems.append(Problem(name, i, "coords", str(exc)))
                continue
            if not (math.isfinite(buf) and 0 < buf <= 20):
                problems.append(Problem(name, i, "buffer_km", "must be in (0, 20] km"))
                continue
            lines.append((rec["rule_id"], shapely.LineString(xy), buf, rec["gauge"]))
        else:
            problems.append(Problem(name, i, "kind", f"{rec['kind']!r} is not country|line"))
    if problems:
        raise DataValidationError(problems)
    return GaugeRules(by_country, tuple(lines), iso3_of)


def read_hsr_lines(path: Path) -> pd.DataFrame:
    """Read ``hsr_lines.csv`` (one row per matching point of a high-speed line).

    Raises
    ------
    DataValidationError
        Listing every bad row and column.
    """
    name = path.name
    df = _read_csv(path, HSR_COLUMNS)
    problems: list[Problem] = []
    lon, lat, rad = [], [], []
    for i, row in enumerate(df.itertuples(index=False), start=1):
        rec = {c: str(getattr(row, c)).strip() for c in HSR_COLUMNS}
        _provenance(rec, name, i, problems)
        try:
            x, y, r = float(rec["lon"]), float(rec["lat"]), float(rec["radius_km"])
        except ValueError:
            problems.append(Problem(name, i, "lon", "lon, lat and radius_km must be numbers"))
            x = y = r = math.nan
        else:
            if not (-180 <= x <= 180 and -90 <= y <= 90):
                problems.append(Problem(name, i, "lon", "out of range"))
            if not 0 < r <= 5:
                problems.append(Problem(name, i, "radius_km", "must be in (0, 5] km"))
        lon.append(x)
        lat.append(y)
        rad.append(r)
        if not rec["line_id"]:
            problems.append(Problem(name, i, "line_id", "empty"))
    if problems:
        raise DataValidationError(problems)
    out = df.loc[:, list(HSR_COLUMNS)].copy()
    out["lon"], out["lat"], out["radius_km"] = lon, lat, rad
    return out


def _deg(km: float, lat: float) -> float:
    """A conservative planar radius in degrees for *km* at latitude *lat* (longitude shrinks)."""
    return km / (_KM_PER_DEG * max(math.cos(math.radians(abs(lat))), 0.2))


def annotate_rail_edges(
    edges: gpd.GeoDataFrame,
    countries: gpd.GeoDataFrame,
    gauge: GaugeRules,
    hsr: pd.DataFrame,
) -> gpd.GeoDataFrame:
    """Add ``country``, ``gauge``, ``hsr`` and ``hsr_line`` to the rail links.

    Parameters
    ----------
    edges : GeoDataFrame
        ``rail_edges`` of :func:`gis.network.build_network_layers`.
    countries : GeoDataFrame
        ``world_countries`` of the boundaries build (``iso3``, geometry).
    gauge : GaugeRules
        From :func:`read_gauge_rules`. Countries missing from the table get ``1435`` only when
        the table says so; otherwise the link's gauge is left empty (reported by the checks).
    hsr : DataFrame
        From :func:`read_hsr_lines`.

    Returns
    -------
    GeoDataFrame
        A copy of *edges* with the four columns.
    """
    out = edges.copy()
    geoms = out.geometry.to_numpy()
    tree = shapely.STRtree(countries.geometry.to_numpy())
    iso3 = countries["iso3"].to_numpy()

    def country_at(frac: float) -> NDArray[np.object_]:
        pts = shapely.line_interpolate_point(geoms, frac, normalized=True)
        pidx, cidx = tree.query(pts, predicate="within")
        got = np.full(len(out), "", dtype=object)
        got[pidx] = iso3[cidx]
        # points just off a coast or on a border sliver: the nearest country
        lost = np.flatnonzero(got == "")
        if lost.size:
            got[lost] = iso3[tree.nearest(pts[lost])]
        return got

    # The country of the middle of the link, unless both ends lie in one other country: a line
    # that runs along a border (Taraz–Shymkent along Kyrgyzstan) then keeps its own country
    # where the generalised boundary polygons put its middle across the border.
    start, mid, end = country_at(0.0), country_at(0.5), country_at(1.0)
    iso = np.where(start == end, start, mid)
    out["country"] = iso.astype(str)
    g = np.asarray([gauge.by_country.get(c, "") for c in out["country"]], dtype=object)
    ltree = shapely.STRtree(geoms)
    for _rule, line, buf_km, label in gauge.lines:
        lat0 = float(np.mean(shapely.get_coordinates(line)[:, 1]))
        zone = shapely.buffer(line, _deg(buf_km, lat0))
        hit = ltree.query(zone, predicate="covers")
        g[hit] = label
    out["gauge"] = g.astype(str)
    flag = np.zeros(len(out), dtype=bool)
    line_of = np.full(len(out), "", dtype=object)
    for x, y, r_km, line_id in zip(
        hsr["lon"].to_numpy(dtype=float),
        hsr["lat"].to_numpy(dtype=float),
        hsr["radius_km"].to_numpy(dtype=float),
        hsr["line_id"].astype(str),
        strict=True,
    ):
        pt = shapely.Point(float(x), float(y))
        hit = ltree.query(pt, predicate="dwithin", distance=_deg(float(r_km), float(y)))
        flag[hit] = True
        line_of[hit] = line_id
    out["hsr"] = flag
    out["hsr_line"] = line_of.astype(str)
    return out
