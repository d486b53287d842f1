"""Domain models of the `hubs` package.

Owns: the place kinds (`PlaceKind`), Sichuan's five economic regions (`Region`, the "五区"
of the provincial "五区共兴/五区协同" strategy), the immutable `Place` and `Prefecture` records
and their RFC 7946 GeoJSON serialisation. Coordinates are WGS84 lon/lat in degrees.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

COORD_DECIMALS = 6


class PlaceKind(StrEnum):
    """What a place is; values are the ``kind`` column of ``places.csv``.

    ``county`` places are generated from the counties layer and ``coordinate`` places from a
    ``lon,lat`` query; neither appears in ``places.csv``.
    """

    PREFECTURE_SEAT = "prefecture_seat"
    COUNTY_SEAT = "county_seat"
    BONDED_ZONE = "bonded_zone"
    BONDED_LOGISTICS_CENTRE = "bonded_logistics_centre"
    RAIL_PORT = "rail_port"
    AIRPORT = "airport"
    RIVER_PORT = "river_port"
    SEAPORT = "seaport"
    BORDER_CROSSING = "border_crossing"
    CITY = "city"
    OVERSEAS_WAREHOUSE = "overseas_warehouse"
    GROWTH_POLE = "growth_pole"
    COUNTY = "county"
    COORDINATE = "coordinate"


_REGION_LABELS: dict[str, tuple[str, str]] = {
    "chengdu_plain": ("成都平原经济区", "Chengdu Plain Economic Region"),
    "south_sichuan": ("川南经济区", "South Sichuan Economic Region"),
    "northeast_sichuan": ("川东北经济区", "Northeast Sichuan Economic Region"),
    "panxi": ("攀西经济区", "Panxi Economic Region"),
    "northwest_ecological": (
        "川西北生态示范区",
        "Northwest Sichuan Ecological Demonstration Zone",
    ),
}


class Region(StrEnum):
    """Sichuan's five economic regions (the "五区" of the provincial regional strategy)."""

    CHENGDU_PLAIN = "chengdu_plain"
    SOUTH_SICHUAN = "south_sichuan"
    NORTHEAST_SICHUAN = "northeast_sichuan"
    PANXI = "panxi"
    NORTHWEST_ECOLOGICAL = "northwest_ecological"

    @property
    def label_zh(self) -> str:
        """Chinese name of the region, e.g. 成都平原经济区."""
        return _REGION_LABELS[self.value][0]

    @property
    def label_en(self) -> str:
        """English name of the region, e.g. "Chengdu Plain Economic Region"."""
        return _REGION_LABELS[self.value][1]


@dataclass(frozen=True)
class Place:
    """One named point: a city, hub, port, border crossing, county or ad-hoc coordinate.

    Attributes
    ----------
    id : str
        Stable lowercase snake_case identifier (``county_<adcode>`` for counties).
    name_zh, name_en : str
        Chinese and English names.
    aliases : tuple of str
        Other spellings (diacritics, transliterations, Chinese variants).
    kind : PlaceKind
        What the place is.
    lon, lat : float
        WGS84 longitude and latitude in degrees.
    country : str
        ISO 3166-1 alpha-2 code ("" for an ad-hoc coordinate).
    adcode : str
        Adcode of the Sichuan prefecture the place lies in, else "".
    unlocode, iata : str
        UN/LOCODE and IATA codes, or "".
    operator, status : str
        Operator and operating status, free text, or "".
    source, as_of : str
        Where the facts come from and the date they were checked (YYYY-MM-DD).
    assumption : str
        Reasoning behind any assumed value (e.g. an anchor coordinate), else "".
    coord_source : str
        Where the coordinate comes from, e.g. ``airportsdata:CTU``.
    region : Region or None
        Economic region derived from ``adcode``; None outside Sichuan.
    """

    id: str
    name_zh: str
    name_en: str
    aliases: tuple[str, ...]
    kind: PlaceKind
    lon: float
    lat: float
    country: str
    adcode: str = ""
    unlocode: str = ""
    iata: str = ""
    operator: str = ""
    status: str = ""
    source: str = ""
    as_of: str = ""
    assumption: str = ""
    coord_source: str = ""
    region: Region | None = None

    @property
    def lonlat(self) -> tuple[float, float]:
        """The coordinate as ``(lon, lat)`` rounded to 6 decimals."""
        return round(self.lon, COORD_DECIMALS), round(self.lat, COORD_DECIMALS)

    def properties(self) -> dict[str, Any]:
        """Return the non-geometry attributes as a JSON-ready dict."""
        return {
            "id": self.id,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "aliases": list(self.aliases),
            "kind": self.kind.value,
            "country": self.country,
            "adcode": self.adcode or None,
            "region": self.region.value if self.region is not None else None,
            "region_zh": self.region.label_zh if self.region is not None else None,
            "unlocode": self.unlocode or None,
            "iata": self.iata or None,
            "operator": self.operator or None,
            "status": self.status or None,
            "source": self.source or None,
            "as_of": self.as_of or None,
            "assumption": self.assumption or None,
            "coord_source": self.coord_source or None,
        }

    def to_feature(self) -> dict[str, Any]:
        """Return the place as an RFC 7946 GeoJSON Point Feature (coordinates rounded to 6 dp).

        Returns
        -------
        dict
            ``{"type": "Feature", "id": ..., "geometry": {...}, "properties": {...}}``.
        """
        lon, lat = self.lonlat
        return {
            "type": "Feature",
            "id": self.id,
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": self.properties(),
        }


@dataclass(frozen=True)
class Prefecture:
    """One of Sichuan's 21 prefecture-level divisions (rows of ``prefectures.csv``).

    Attributes
    ----------
    adcode : str
        Six-digit administrative division code, e.g. ``"510100"``.
    name_zh, short_zh : str
        Full and short Chinese names (阿坝藏族羌族自治州, 阿坝).
    name_en, short_en : str
        Full and short English names.
    seat_place_id : str
        Id of the prefecture seat in ``places.csv``.
    region : Region
        Economic region.
    source, as_of : str
        Source of the facts and date checked.
    """

    adcode: str
    name_zh: str
    short_zh: str
    name_en: str
    short_en: str
    seat_place_id: str
    region: Region
    source: str
    as_of: str
