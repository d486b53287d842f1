"""OGC API – Features (Part 1, core subset): collections ``hubs``, ``regions``, ``corridors``.

Owns: the landing page, conformance declaration, collection metadata, paged items
(``limit``, ``offset``, ``bbox``, with ``self``/``next``/``prev`` links, ``numberMatched`` and
``numberReturned``) and single items, all in CRS84 GeoJSON; and :func:`public_base`, the base
URL of every absolute link the API writes (the configured ``SHUDAO_PUBLIC_URL``, else the request's
host only when it is one of ``SHUDAO_TRUSTED_HOSTS``, else the address the server listens on:
never an arbitrary ``Host`` header). An unknown collection is a 404, as OGC API – Features
requires; the conformance list claims no OpenAPI 3.0 document, since the one served is 3.1.
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

# Part 1 defines an OpenAPI conformance class for 3.0 only (conf/oas30); the document served is
# OpenAPI 3.1 (FastAPI), so that class is not claimed.
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
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


def public_base(request: Request) -> str:
    """The base URL for absolute links, never taken from an untrusted ``Host`` header."""
    settings = request.app.state.settings
    if settings.public_url:
        return str(settings.public_url).rstrip("/")
    host = request.url.hostname or ""
    if host and host in settings.trusted_hosts:
        return str(request.base_url).rstrip("/")
    server = request.scope.get("server")
    scheme = request.url.scheme
    if server is None:
        return f"{scheme}://localhost"
    name, port = server[0], server[1]
    default = port is None or (scheme, port) in {("http", 80), ("https", 443)}
    name = f"[{name}]" if ":" in str(name) else str(name)
    return f"{scheme}://{name}" if default else f"{scheme}://{name}:{port}"


def _cid(collection_id: str) -> CollectionId | None:
    try:
        return CollectionId(collection_id)
    except ValueError:
        return None


def _no_collection(collection_id: str) -> Any:
    known = ", ".join(c.value for c in CollectionId)
    return problem(
        404,
        f"no collection {collection_id!r}; the collections are {known}",
        slug="unknown-collection",
    )


CollectionPath = Annotated[str, Path(max_length=100, examples=["hubs"])]


def _collection(request: Request, cid: CollectionId) -> dict[str, Any]:
    base = public_base(request)
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
    base = public_base(request)
    oas_version = ".".join(str(request.app.openapi_version).split(".")[:2])
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
                "type": f"application/vnd.oai.openapi+json;version={oas_version}",
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
    base = public_base(request)
    return {
        "links": [{"href": f"{base}/collections", "rel": "self", "type": "application/json"}],
        "collections": [_collection(request, cid) for cid in CollectionId],
    }


@router.get(
    "/collections/{collection_id}", summary="One collection", responses=problem_responses(404)
)
def collection(request: Request, collection_id: CollectionPath) -> Any:
    """Metadata of one collection (404 problem for an unknown collection)."""
    cid = _cid(collection_id)
    if cid is None:
        return _no_collection(collection_id)
    return _collection(request, cid)


@router.get(
    "/collections/{collection_id}/items",
    summary="Items of a collection (paged)",
    response_class=GeoJSONResponse,
    responses=problem_responses(400, 404),
)
def items(
    request: Request,
    service: ServiceDep,
    collection_id: CollectionPath,
    limit: Annotated[int, Query(ge=1, le=1000)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    bbox: Annotated[
        str | None,
        Query(pattern=r"^-?\d+(\.\d+)?,-?\d+(\.\d+)?,-?\d+(\.\d+)?,-?\d+(\.\d+)?$"),
    ] = None,
) -> Any:
    """GeoJSON FeatureCollection with paging links."""
    cid = _cid(collection_id)
    if cid is None:
        return _no_collection(collection_id)
    box = None
    if bbox is not None:
        w, s, e, n = (float(x) for x in bbox.split(","))
        box = (w, s, e, n)
    feats = bbox_filter(_features(service, cid), box)
    page = feats[offset : offset + limit]
    base = f"{public_base(request)}/collections/{cid.value}/items"
    extra = f"&bbox={bbox}" if bbox else ""
    links = [
        {
            "href": f"{base}?limit={limit}&offset={offset}{extra}",
            "rel": "self",
            "type": "application/geo+json",
        },
        {
            "href": f"{public_base(request)}/collections/{cid.value}",
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
    collection_id: CollectionPath,
    feature_id: Annotated[str, Path(max_length=100)],
) -> Any:
    """One feature by id (404 problem when the collection or the item is absent)."""
    cid = _cid(collection_id)
    if cid is None:
        return _no_collection(collection_id)
    for f in _features(service, cid):
        if str(f["id"]) == feature_id:
            return GeoJSONResponse(dict(f))
    return problem(404, f"no item {feature_id!r} in {cid.value}", slug="unknown-item")
