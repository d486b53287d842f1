"""OGC API – Features (Part 1, core subset): collections ``hubs``, ``regions``, ``corridors``.

Owns: the landing page, conformance declaration, collection metadata, paged items
(``limit``, ``offset``, ``bbox``, with ``self``/``next``/``prev`` links, ``numberMatched`` and
``numberReturned``) and single items, all in CRS84 GeoJSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request

from api.http.deps import GeoJSONResponse, get_service
from api.http.problems import problem, problem_responses
from api.service import HUB_KINDS, Service, bbox_filter
from hubs.regions import places_feature_collection

router = APIRouter(tags=["ogc-features"], responses=problem_responses(401, 422, 500, 503))
ServiceDep = Annotated[Service, Depends(get_service)]

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
]
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


class CollectionId(StrEnum):
    """The published collections."""

    hubs = "hubs"
    regions = "regions"
    corridors = "corridors"


TITLES = {
    CollectionId.hubs: (
        "Hubs and gateways",
        "Bonded zones, logistics centres, rail and river ports, "
        "airports, seaports, border crossings, overseas warehouses, growth poles.",
    ),
    CollectionId.regions: (
        "Economic regions",
        "Sichuan's 21 prefectures with their economic region.",
    ),
    CollectionId.corridors: (
        "Corridor services",
        "Curated freight services with measured geometry.",
    ),
}


def _features(service: Service, cid: CollectionId) -> list[Mapping[str, Any]]:
    if cid is CollectionId.regions:
        feats: list[Mapping[str, Any]] = service.regions["features"]
        return [{**f, "id": f["properties"]["adcode"]} for f in feats]
    if cid is CollectionId.corridors:
        return list(service.corridors["features"])
    places = [p for p in service.places if p.kind.value in HUB_KINDS]
    return list(places_feature_collection(places)["features"])


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _collection(request: Request, cid: CollectionId) -> dict[str, Any]:
    base = _base(request)
    title, description = TITLES[cid]
    return {
        "id": cid.value,
        "title": title,
        "description": description,
        "itemType": "feature",
        "crs": [CRS84],
        "links": [
            {
                "href": f"{base}/collections/{cid.value}",
                "rel": "self",
                "type": "application/json",
                "title": title,
            },
            {
                "href": f"{base}/collections/{cid.value}/items",
                "rel": "items",
                "type": "application/geo+json",
                "title": f"{title} (items)",
            },
        ],
    }


@router.get("/", summary="Landing page")
def landing(request: Request) -> dict[str, Any]:
    """Links to the API description, conformance and collections."""
    base = _base(request)
    return {
        "title": "Shudao 蜀道 corridor GIS",
        "description": (
            "OGC API – Features for Sichuan's hubs, economic regions and corridor services."
        ),
        "links": [
            {"href": f"{base}/", "rel": "self", "type": "application/json"},
            {
                "href": f"{base}/openapi.json",
                "rel": "service-desc",
                "type": "application/vnd.oai.openapi+json;version=3.0",
            },
            {"href": f"{base}/docs", "rel": "service-doc", "type": "text/html"},
            {"href": f"{base}/conformance", "rel": "conformance", "type": "application/json"},
            {"href": f"{base}/collections", "rel": "data", "type": "application/json"},
        ],
    }


@router.get("/conformance", summary="Conformance classes")
def conformance() -> dict[str, list[str]]:
    """The conformance classes implemented."""
    return {"conformsTo": CONFORMANCE}


@router.get("/collections", summary="Collections")
def collections(request: Request) -> dict[str, Any]:
    """The three collections."""
    base = _base(request)
    return {
        "links": [{"href": f"{base}/collections", "rel": "self", "type": "application/json"}],
        "collections": [_collection(request, cid) for cid in CollectionId],
    }


@router.get(
    "/collections/{collection_id}", summary="One collection", responses=problem_responses(404)
)
def collection(request: Request, collection_id: CollectionId) -> dict[str, Any]:
    """Metadata of one collection."""
    return _collection(request, collection_id)


@router.get(
    "/collections/{collection_id}/items",
    summary="Items of a collection (paged)",
    response_class=GeoJSONResponse,
    responses=problem_responses(400, 404),
)
def items(
    request: Request,
    service: ServiceDep,
    collection_id: CollectionId,
    limit: Annotated[int, Query(ge=1, le=1000)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    bbox: Annotated[
        str | None,
        Query(pattern=r"^-?\d+(\.\d+)?,-?\d+(\.\d+)?,-?\d+(\.\d+)?,-?\d+(\.\d+)?$"),
    ] = None,
) -> dict[str, Any]:
    """GeoJSON FeatureCollection with paging links."""
    box = None
    if bbox is not None:
        w, s, e, n = (float(x) for x in bbox.split(","))
        box = (w, s, e, n)
    feats = bbox_filter(_features(service, collection_id), box)
    page = feats[offset : offset + limit]
    base = f"{_base(request)}/collections/{collection_id.value}/items"
    extra = f"&bbox={bbox}" if bbox else ""
    links = [
        {
            "href": f"{base}?limit={limit}&offset={offset}{extra}",
            "rel": "self",
            "type": "application/geo+json",
        },
        {
            "href": f"{_base(request)}/collections/{collection_id.value}",
            "rel": "collection",
            "type": "application/json",
        },
    ]
    if offset + limit < len(feats):
        links.append(
            {
                "href": f"{base}?limit={limit}&offset={offset + limit}{extra}",
                "rel": "next",
                "type": "application/geo+json",
            }
        )
    if offset > 0:
        links.append(
            {
                "href": f"{base}?limit={limit}&offset={max(0, offset - limit)}{extra}",
                "rel": "prev",
                "type": "application/geo+json",
            }
        )
    return {
        "type": "FeatureCollection",
        "features": page,
        "numberMatched": len(feats),
        "numberReturned": len(page),
        "links": links,
    }


@router.get(
    "/collections/{collection_id}/items/{feature_id}",
    summary="One item",
    response_class=GeoJSONResponse,
    responses=problem_responses(404),
)
def item(
    service: ServiceDep,
    collection_id: CollectionId,
    feature_id: Annotated[str, Path(max_length=100)],
) -> Any:
    """One feature by id (404 problem when absent)."""
    for f in _features(service, collection_id):
        if str(f["id"]) == feature_id:
            return GeoJSONResponse(dict(f))
    return problem(404, f"no item {feature_id!r} in {collection_id.value}", slug="unknown-item")
