"""GeoJSON feature collections of Sichuan's economic regions and of places.

Owns: `regions_feature_collection` (the 21 prefectures with their economic region, geometry
from the built prefectures layer) and `places_feature_collection` (places filtered by kind,
region and text). Both return RFC 7946 FeatureCollections: WGS84 lon/lat, coordinates rounded
to 6 decimals, polygon exteriors counter-clockwise, features sorted by id.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from shapely.geometry import mapping

from gis.errors import DataValidationError, Problem
from hubs.models import COORD_DECIMALS, Place, PlaceKind, Prefecture, Region
from hubs.resolver import normalize

if TYPE_CHECKING:
    import geopandas as gpd
    from numpy.typing import NDArray
    from shapely.geometry.base import BaseGeometry


def _round_coords(coords: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.round(coords, COORD_DECIMALS)


def _listify(obj: Any) -> Any:
    if isinstance(obj, tuple | list):
        return [_listify(o) for o in obj]
    if isinstance(obj, dict):
        return {k: _listify(v) for k, v in obj.items()}
    if isinstance(obj, float):
        return round(obj, COORD_DECIMALS)
    return obj


def geometry_to_geojson(geom: BaseGeometry) -> dict[str, Any]:
    """Return *geom* as an RFC 7946 geometry dict (6 dp, CCW exterior rings, lists)."""
    oriented = shapely.orient_polygons(geom, exterior_cw=False)
    rounded = shapely.transform(oriented, _round_coords)
    result: dict[str, Any] = _listify(mapping(rounded))
    return result


def regions_feature_collection(
    prefectures_gdf: gpd.GeoDataFrame, prefectures_table: Iterable[Prefecture]
) -> dict[str, Any]:
    """Return the 21 prefectures with their economic region as a FeatureCollection.

    Parameters
    ----------
    prefectures_gdf : geopandas.GeoDataFrame
        Built prefectures layer with an ``adcode`` column and polygon geometry (WGS84; a layer
        in another CRS is reprojected; a layer without CRS is taken as WGS84).
    prefectures_table : iterable of Prefecture
        Rows of ``prefectures.csv`` (names and regions).

    Returns
    -------
    dict
        FeatureCollection sorted by adcode; feature ``id`` = adcode; properties ``adcode``,
        ``name_zh``, ``name_en``, ``short_zh``, ``short_en``, ``region``, ``region_zh``,
        ``region_en``.

    Raises
    ------
    gis.errors.DataValidationError
        If the layer lacks ``adcode``, or a prefecture is missing from the layer or the
        layer has an adcode that is not in the table.
    """
    table = {p.adcode: p for p in prefectures_table}
    file = "prefectures layer"
    if "adcode" not in prefectures_gdf:
        raise DataValidationError([Problem(file, None, "adcode", "required column is missing")])
    gdf = prefectures_gdf
    if gdf.crs is not None and not gdf.crs.equals("EPSG:4326"):
        gdf = gdf.to_crs("EPSG:4326")
    geoms: dict[str, BaseGeometry] = {}
    problems: list[Problem] = []
    for i, (adcode_raw, geom) in enumerate(zip(gdf["adcode"], gdf.geometry, strict=True), start=1):
        adcode = str(adcode_raw)
        if adcode not in table:
            problems.append(Problem(file, i, "adcode", f"{adcode} is not in prefectures.csv"))
        elif geom is None or geom.is_empty:
            problems.append(Problem(file, i, "geometry", "empty geometry"))
        else:
            geoms[adcode] = geom
    problems += [
        Problem(file, None, "adcode", f"prefecture {a} ({table[a].name_zh}) is not in the layer")
        for a in sorted(table)
        if a not in geoms and all(str(x) != a for x in gdf["adcode"])
    ]
    if problems:
        raise DataValidationError(problems)
    features = []
    for adcode in sorted(geoms):
        pref = table[adcode]
        features.append(
            {
                "type": "Feature",
                "id": adcode,
                "geometry": geometry_to_geojson(geoms[adcode]),
                "properties": {
                    "adcode": adcode,
                    "name_zh": pref.name_zh,
                    "name_en": pref.name_en,
                    "short_zh": pref.short_zh,
                    "short_en": pref.short_en,
                    "region": pref.region.value,
                    "region_zh": pref.region.label_zh,
                    "region_en": pref.region.label_en,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def filter_places(
    places: Iterable[Place],
    *,
    kind: PlaceKind | str | None = None,
    region: Region | str | None = None,
    q: str | None = None,
) -> list[Place]:
    """Return the places matching every given filter, sorted by id.

    Parameters
    ----------
    places : iterable of Place
        Places to filter.
    kind : PlaceKind or str, optional
        Keep only this kind.
    region : Region or str, optional
        Keep only this economic region.
    q : str, optional
        Keep places whose id, names, aliases, UN/LOCODE or IATA contain this text
        (compared with :func:`hubs.resolver.normalize`).

    Returns
    -------
    list of Place
    """
    kind_f = PlaceKind(kind) if kind is not None else None
    region_f = Region(region) if region is not None else None
    key = normalize(q) if q else ""
    out = []
    for p in places:
        if kind_f is not None and p.kind is not kind_f:
            continue
        if region_f is not None and p.region is not region_f:
            continue
        if key:
            texts = (p.id, p.name_en, p.name_zh, p.unlocode, p.iata, *p.aliases)
            if not any(key in normalize(t) for t in texts if t):
                continue
        out.append(p)
    return sorted(out, key=lambda p: p.id)


def places_feature_collection(
    places: Iterable[Place],
    *,
    kind: PlaceKind | str | None = None,
    region: Region | str | None = None,
    q: str | None = None,
) -> dict[str, Any]:
    """Return places as an RFC 7946 FeatureCollection of Points, sorted by id.

    Parameters
    ----------
    places : iterable of Place
        Places to include.
    kind, region, q : optional
        Filters, as in :func:`filter_places`.

    Returns
    -------
    dict
        ``{"type": "FeatureCollection", "features": [...]}``.
    """
    selected = filter_places(places, kind=kind, region=region, q=q)
    return {"type": "FeatureCollection", "features": [p.to_feature() for p in selected]}
