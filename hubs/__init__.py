"""Places, hubs and Sichuan's economic regions.

Owns: the curated place and prefecture tables (``data/geo/places.csv``,
``data/geo/prefectures.csv``), their validation and loading, the place resolver used by the
CLI and API, and GeoJSON collections of places and regions. Depends only on `gis`.
"""

from hubs.errors import AmbiguousPlaceError, HubsError, InvalidCoordinateError, UnknownPlaceError
from hubs.models import Place, PlaceKind, Prefecture, Region
from hubs.regions import filter_places, places_feature_collection, regions_feature_collection
from hubs.resolver import PlaceResolver, normalize
from hubs.tables import Catalog, county_places, load_catalog, load_places, load_prefectures

__all__ = [
    "AmbiguousPlaceError",
    "Catalog",
    "HubsError",
    "InvalidCoordinateError",
    "Place",
    "PlaceKind",
    "PlaceResolver",
    "Prefecture",
    "Region",
    "UnknownPlaceError",
    "county_places",
    "filter_places",
    "load_catalog",
    "load_places",
    "load_prefectures",
    "normalize",
    "places_feature_collection",
    "regions_feature_collection",
]
