"""Readers for the small sources shipped in pinned PyPI packages: sea lanes, ports, airports.

Owns: turning ``searoute``'s bundled maritime network and port list, and ``airportsdata``'s
airport table, into WGS84 GeoDataFrames with provenance. Rail and roads are in
:mod:`gis.network`; boundaries in :mod:`gis.boundaries`.
"""

from __future__ import annotations

import importlib.util
import json
from importlib import metadata
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis.crs import GEOD, WGS84
from gis.errors import LayerMissingError


def package_version(dist: str) -> str:
    """Return the installed version of distribution *dist* (for provenance records)."""
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError as exc:
        msg = f"the data package {dist!r} is not installed; install the project's requirements.lock"
        raise LayerMissingError(msg) from exc


def package_file(package: str, *parts: str) -> Path:
    """Locate a data file inside an installed package without importing the package."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        msg = f"package {package!r} is not installed; install the project's requirements.lock"
        raise LayerMissingError(msg)
    path = Path(next(iter(spec.submodule_search_locations))).joinpath(*parts)
    if not path.exists():
        msg = f"{path} not found in package {package!r}"
        raise LayerMissingError(msg)
    return path


def _round_geoms(geoms: gpd.GeoSeries) -> gpd.GeoSeries:
    return gpd.GeoSeries(shapely.set_precision(geoms.values, 1e-6), crs=WGS84, index=geoms.index)


def sea_lanes() -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Return searoute's maritime network as a GeoDataFrame of lanes.

    Columns: ``lane_id`` (int), ``passage`` (chokepoint name such as ``suez`` or ``malacca``,
    or empty), ``length_m`` (geodesic), geometry (LineString, WGS84).
    """
    path = package_file("searoute", "data", "marnet_searoute.geojson")
    raw = json.loads(path.read_text(encoding="utf-8"))
    geoms = [shapely.geometry.shape(f["geometry"]) for f in raw["features"]]
    passages = [str((f.get("properties") or {}).get("passage") or "") for f in raw["features"]]
    gdf = gpd.GeoDataFrame(
        {"lane_id": np.arange(len(geoms), dtype=np.int64), "passage": passages},
        geometry=geoms,
        crs=WGS84,
    )
    gdf["geometry"] = _round_geoms(gdf.geometry)
    gdf["length_m"] = np.round([GEOD.geometry_length(g) for g in gdf.geometry], 3)
    prov = {
        "layer": "sea_lanes",
        "source": f"searoute {package_version('searoute')} (marnet_searoute.geojson)",
        "upstream": "Eurostat SeaRoute maritime network (EUPL-1.2)",
        "licence": "Apache-2.0 (searoute-py); network EUPL-1.2 (Eurostat)",
        "crs": WGS84,
    }
    return gdf[["lane_id", "passage", "length_m", "geometry"]], prov


def sea_ports() -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Return searoute's port list (UN/LOCODE, name, country) as points."""
    path = package_file("searoute", "data", "ports.geojson")
    raw = json.loads(path.read_text(encoding="utf-8"))
    rows = []
    for f in raw["features"]:
        p = f.get("properties") or {}
        lon, lat = f["geometry"]["coordinates"][:2]
        rows.append(
            {
                "unlocode": str(p.get("port") or ""),
                "name": str(p.get("name") or ""),
                "country": str(p.get("cty") or ""),
                "lon": round(float(lon), 6),
                "lat": round(float(lat), 6),
            }
        )
    df = pd.DataFrame(rows).sort_values(["unlocode", "name"], kind="stable").reset_index(drop=True)
    gdf = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs=WGS84)
    prov = {
        "layer": "sea_ports",
        "source": f"searoute {package_version('searoute')} (ports.geojson)",
        "licence": "Apache-2.0 (searoute-py)",
        "crs": WGS84,
    }
    return gdf, prov


def airports() -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Return the airports with an IATA code from ``airportsdata`` as points."""
    import airportsdata  # noqa: PLC0415  (data package, imported only when building)

    table = airportsdata.load("IATA")
    df = pd.DataFrame(
        [
            {
                "iata": code,
                "icao": a["icao"],
                "name": a["name"],
                "city": a["city"],
                "country": a["country"],
                "lon": round(float(a["lon"]), 6),
                "lat": round(float(a["lat"]), 6),
                "elevation_ft": float(a["elevation"]),
            }
            for code, a in table.items()
        ]
    ).sort_values("iata", kind="stable")
    df = df.reset_index(drop=True)
    gdf = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs=WGS84)
    prov = {
        "layer": "airports",
        "source": f"airportsdata {package_version('airportsdata')}",
        "licence": "MIT (includes mwgg/Airports, MIT)",
        "crs": WGS84,
    }
    return gdf, prov
