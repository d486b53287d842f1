"""The planner's workbench: bilingual browser pages under ``/app/`` and their exports.

Owns: the pages (home, route comparison with its scenario view, accessibility, matrix, stored
scenarios, trade and the plan's targets with its labels of partner regions, commodity groups and
shipped scenarios) rendered from ``api/http/web/templates``; the static files of
``api/http/web/static`` and the vendored browser libraries, each served from the PyPI package that
ships it (Leaflet from ``xstatic-leaflet``, plotly.js from ``plotly``, Swagger UI and ReDoc from
``fastapi-offline``); the offline ``/docs`` and ``/redoc``; the ``/`` content negotiation (browsers
go to ``/app/``, API clients keep the OGC landing JSON, also with ``?f=json``); the zh/en vocabulary
of corridors, modes, place kinds and cost items; the comparison exports (GeoJSON, CSV with a UTF-8
BOM, XLSX; under a stored scenario with ``scenario=ID``), the matrix exports, the county
accessibility table and the display basemap as GeoJSON.

The pages talk to the public HTTP API (``/v1/route``, ``/v1/places``, ``/v1/matrix``,
``/v1/scenarios`` with its comparison and difference map, ``/v1/flows``, ``/v1/indicators``,
``/maps/*``) from the browser; this
module adds no estimate of its own, it only reformats the service's answers.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import threading
import weakref
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

import fastapi_offline
import plotly
import xstatic.pkg.leaflet
from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from api.http.deps import (
    GeoJSONResponse,
    ScenarioQuery,
    get_service,
    run_limited,
    stored_scenario,
)
from api.http.maps_routes import AccessKind, access_inputs, scenario_ref
from api.http.matrix_routes import get_matrix
from api.http.problems import problem, problem_responses
from api.http.routes import RouteReq
from api.service import Service
from api.settings import Settings
from corridors.models import CargoUnit, Mode, Objective
from corridors.request import MAX_AVOID, MAX_QUANTITY
from hubs.models import PlaceKind, Region
from maps.briefings import CORRIDOR_STYLES, HUB_STYLES
from maps.palette import ROUTE_COLOURS

WEB_DIR = Path(__file__).resolve().parent / "web"
TEMPLATES = Jinja2Templates(directory=str(WEB_DIR / "templates"))
LEAFLET_DIR = Path(xstatic.pkg.leaflet.BASE_DIR)
PLOTLY_JS = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
DOCS_STATIC_DIR = Path(fastapi_offline.__file__).resolve().parent / "static"
DOCS_STATIC_URL = "/docs-static"
#: Paths the optional API key does not guard: the page shells (labels only, no data; their
#: scripts send the key the user entered) and the browser assets.
OPEN_PAGES = frozenset(
    {"/app/", "/app/route", "/app/access", "/app/matrix", "/app/scenarios", "/app/trade"}
)
OPEN_PREFIXES = ("/app/static/", "/app/vendor/", f"{DOCS_STATIC_URL}/")

Lang = Literal["zh", "en"]
LangQ = Annotated[Lang, Query(description="Language of headers and names: zh or en.")]
ServiceDep = Annotated[Service, Depends(get_service)]

# ----------------------------------------------------------------------------- vocabulary
# Corridor and hub-kind names have one definition, in maps.briefings ("中文 English"); the
# workbench splits them at the first space. The direct all-road route has corridor "road".
CORRIDOR_LABELS: dict[str, dict[str, str]] = {
    cid: dict(zip(("zh", "en"), label.split(" ", 1), strict=True))
    for cid, (label, _) in CORRIDOR_STYLES.items()
} | {"road": {"zh": "公路直达", "en": "Direct road"}}

MODE_LABELS: dict[str, dict[str, str]] = {
    "road": {"zh": "公路", "en": "Road"},
    "rail": {"zh": "铁路", "en": "Rail"},
    "sea": {"zh": "海运", "en": "Sea"},
    "inland_waterway": {"zh": "内河航运", "en": "Inland waterway"},
    "air": {"zh": "航空", "en": "Air"},
}

_KIND_EXTRA: dict[PlaceKind, tuple[str, str]] = {
    PlaceKind.PREFECTURE_SEAT: ("地级市驻地", "Prefecture seat"),
    PlaceKind.COUNTY_SEAT: ("县城", "County seat"),
    PlaceKind.SEAPORT: ("海港", "Seaport"),
    PlaceKind.CITY: ("城市", "City"),
    PlaceKind.OVERSEAS_WAREHOUSE: ("海外仓", "Overseas warehouse"),
    PlaceKind.GROWTH_POLE: ("增长极", "Growth pole"),
    PlaceKind.COUNTY: ("区县", "County"),
    PlaceKind.COORDINATE: ("坐标", "Coordinate"),
}
KIND_LABELS: dict[str, dict[str, str]] = {
    kind.value: dict(zip(("zh", "en"), label.split(" ", 1), strict=True))
    for kind, (label, _) in HUB_STYLES.items()
} | {k.value: {"zh": zh, "en": en} for k, (zh, en) in _KIND_EXTRA.items()}

REGION_LABELS: dict[str, dict[str, str]] = {
    r.value: {"zh": r.label_zh, "en": r.label_en} for r in Region
}

#: Cost and time items of a leg's ``breakdown`` (``<item>_cny`` / ``<item>_h``).
BREAKDOWN_LABELS: dict[str, dict[str, str]] = {
    "line_haul": {"zh": "干线运输", "en": "Line haul"},
    "handling": {"zh": "场站作业", "en": "Terminal handling"},
    "wait": {"zh": "候班等待", "en": "Waiting for departure"},
    "border": {"zh": "口岸通关", "en": "Border crossing"},
    "gauge": {"zh": "换轨换装", "en": "Break of gauge"},
}

OBJECTIVE_LABELS: dict[str, dict[str, str]] = {
    "time": {"zh": "最快", "en": "Fastest"},
    "cost": {"zh": "最省", "en": "Cheapest"},
    "co2": {"zh": "最低碳", "en": "Lowest CO2"},
    "generalized": {"zh": "综合成本", "en": "Generalised cost"},
}

#: The sea passages ``avoid`` accepts (besides places and border crossings).
PASSAGES: dict[str, dict[str, str]] = {
    "suez": {"zh": "苏伊士运河", "en": "Suez Canal"},
    "babalmandab": {"zh": "曼德海峡", "en": "Bab-el-Mandeb"},
    "malacca": {"zh": "马六甲海峡", "en": "Strait of Malacca"},
    "panama": {"zh": "巴拿马运河", "en": "Panama Canal"},
    "gibraltar": {"zh": "直布罗陀海峡", "en": "Strait of Gibraltar"},
    "bosporus": {"zh": "博斯普鲁斯海峡", "en": "Bosporus"},
    "ormuz": {"zh": "霍尔木兹海峡", "en": "Strait of Hormuz"},
}


def vocabulary() -> dict[str, Any]:
    """Every code-to-label table the pages need, zh and en."""
    return {
        "corridors": CORRIDOR_LABELS,
        "modes": MODE_LABELS,
        "kinds": KIND_LABELS,
        "regions": REGION_LABELS,
        "breakdown": BREAKDOWN_LABELS,
        "objectives": OBJECTIVE_LABELS,
        "passages": PASSAGES,
        "access_kinds": [k.value for k in AccessKind],
        "units": [u.value for u in CargoUnit],
        # the print maps' colour-blind-safe route colours (one definition: maps.palette)
        "route_colours": list(ROUTE_COLOURS),
    }


def label(table: Mapping[str, Mapping[str, str]], code: str, lang: Lang) -> str:
    """The *lang* label of *code* in *table* (the code itself when it has none)."""
    entry = table.get(code)
    return entry[lang] if entry else code


# ----------------------------------------------------------------------------- exports
ROUTE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("rank", "排名", "Rank"),
    ("corridor", "通道", "Corridor"),
    ("modes", "运输方式", "Modes"),
    ("path", "路径", "Path"),
    ("distance_km", "距离（公里）", "Distance (km)"),
    ("time_h", "时间（小时）", "Time (h)"),
    ("time_d", "时间（天）", "Time (days)"),
    ("cost_cny", "费用（元）", "Cost (CNY)"),
    ("co2_kg", "二氧化碳（千克）", "CO2e (kg)"),
    ("border_crossings", "过境口岸", "Border crossings"),
    ("passages", "海上通道", "Sea passages"),
    ("corridor_id", "通道代码", "Corridor id"),
)
LEG_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("rank", "排名", "Rank"),
    ("leg", "航段", "Leg"),
    ("from", "起点", "From"),
    ("to", "终点", "To"),
    ("mode", "运输方式", "Mode"),
    ("service", "班列/航线", "Service"),
    ("distance_km", "距离（公里）", "Distance (km)"),
    ("time_h", "时间（小时）", "Time (h)"),
    ("cost_cny", "费用（元）", "Cost (CNY)"),
    ("co2_kg", "二氧化碳（千克）", "CO2e (kg)"),
    ("breakdown", "构成", "Breakdown"),
    ("sources", "来源", "Sources"),
)


def _name(names: Mapping[str, Any] | None, fallback: str, lang: Lang) -> str:
    if not names:
        return fallback
    return str(names.get(f"name_{lang}") or names.get("name_en") or fallback)


def _service_names(service: Service) -> dict[str, Mapping[str, Any]]:
    return {str(f["id"]): f["properties"] for f in service.corridors["features"]}


def _breakdown_text(breakdown: Mapping[str, float], lang: Lang) -> str:
    parts = []
    for key, value in breakdown.items():
        item, _, unit = key.rpartition("_")
        unit_label = "元" if unit == "cny" and lang == "zh" else ("CNY" if unit == "cny" else "h")
        parts.append(f"{label(BREAKDOWN_LABELS, item, lang)} {value:.1f} {unit_label}")
    return "; ".join(parts)


def route_rows(result: Mapping[str, Any], lang: Lang) -> list[dict[str, Any]]:
    """One row per route of a ``/v1/route`` answer, with names in *lang* (comparison table)."""
    rows = []
    for r in result["routes"]:
        legs = r["legs"]
        stops = [_name(legs[0]["from_name"], legs[0]["from"], lang)] if legs else []
        stops += [_name(leg["to_name"], leg["to"], lang) for leg in legs]
        rows.append(
            {
                "rank": r["rank"],
                "corridor": label(CORRIDOR_LABELS, r["corridor"], lang),
                "modes": " → ".join(label(MODE_LABELS, m, lang) for m in r["modes"]),
                "path": " → ".join(stops),
                "distance_km": round(r["distance_km"], 1),
                "time_h": round(r["time_h"], 1),
                "time_d": round(r["time_h"] / 24.0, 2),
                "cost_cny": round(r["cost_cny"]),
                "co2_kg": round(r["co2_kg"], 1),
                "border_crossings": ", ".join(r["border_crossings"]),
                "passages": ", ".join(label(PASSAGES, p, lang) for p in r["passages"]),
                "corridor_id": r["corridor"],
            }
        )
    return rows


def leg_rows(
    result: Mapping[str, Any], lang: Lang, services: Mapping[str, Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """One row per leg of every route, with its cost items and sources."""
    rows = []
    for r in result["routes"]:
        for i, leg in enumerate(r["legs"], start=1):
            svc = leg.get("service")
            rows.append(
                {
                    "rank": r["rank"],
                    "leg": i,
                    "from": _name(leg["from_name"], leg["from"], lang),
                    "to": _name(leg["to_name"], leg["to"], lang),
                    "mode": label(MODE_LABELS, leg["mode"], lang),
                    "service": _name(services.get(svc), svc, lang) if svc else "",
                    "distance_km": round(leg["distance_km"], 1),
                    "time_h": round(leg["time_h"], 2),
                    "cost_cny": round(leg["cost_cny"]),
                    "co2_kg": round(leg["co2_kg"], 1),
                    "breakdown": _breakdown_text(leg.get("breakdown", {}), lang),
                    "sources": "; ".join(leg.get("sources", [])),
                }
            )
    return rows


def route_features(result: Mapping[str, Any], lang: Lang) -> dict[str, Any]:
    """The comparison as an RFC 7946 FeatureCollection: one feature per route, then the ends.

    A result computed under a stored scenario names it in a ``scenario`` member.
    """
    rows = route_rows(result, lang)
    feats: list[dict[str, Any]] = []
    for r, row in zip(result["routes"], rows, strict=True):
        props = {k: v for k, v in r.items() if k not in ("geometry", "legs")}
        props |= {
            "corridor_label": row["corridor"],
            "modes_label": row["modes"],
            "path": row["path"],
            "legs": [{k: v for k, v in leg.items() if k != "geometry"} for leg in r["legs"]],
        }
        feats.append({"type": "Feature", "id": f"route-{r['rank']}", "geometry": r["geometry"]})
        feats[-1]["properties"] = props
    for end in ("origin", "destination"):
        feat = dict(result[end])
        feat["properties"] = {**feat["properties"], "role": end}
        feats.append(feat)
    out: dict[str, Any] = {"type": "FeatureCollection", "features": feats}
    if result.get("scenario"):
        out["scenario"] = result["scenario"]  # a foreign member (RFC 7946 §6.1)
    return out


def _headers(columns: Sequence[tuple[str, str, str]], lang: Lang) -> list[str]:
    return [zh if lang == "zh" else en for _, zh, en in columns]


def csv_bytes(
    rows: Iterable[Mapping[str, Any]], columns: Sequence[tuple[str, str, str]], lang: Lang
) -> bytes:
    """CSV in UTF-8 with a byte-order mark (Excel on Chinese Windows reads it as UTF-8)."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(_headers(columns, lang))
    for row in rows:
        writer.writerow([row.get(key, "") for key, _, _ in columns])
    return b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8")


def xlsx_bytes(
    sheets: Sequence[tuple[str, Sequence[tuple[str, str, str]], Iterable[Mapping[str, Any]]]],
    lang: Lang,
    about: Sequence[tuple[str, Any]] = (),
) -> bytes:
    """An XLSX workbook: one sheet per ``(title, columns, rows)``, then an "about" sheet."""
    from openpyxl import Workbook  # noqa: PLC0415  (only exports need it)
    from openpyxl.styles import Font  # noqa: PLC0415

    wb = Workbook()
    wb.remove(wb.active)
    for title, columns, rows in sheets:
        ws = wb.create_sheet(title)
        ws.append(_headers(columns, lang))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append([row.get(key, "") for key, _, _ in columns])
        ws.freeze_panes = "A2"
        for col, (_, zh, en) in zip(ws.columns, columns, strict=True):
            width = max([len(zh if lang == "zh" else en) * 2] + [len(str(c.value)) for c in col])
            ws.column_dimensions[col[0].column_letter].width = min(60, max(8, width + 2))
    if about:
        ws = wb.create_sheet("说明" if lang == "zh" else "About")
        for key, value in about:
            ws.append([key, value])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _download(body: bytes, media_type: str, filename: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _route_about(result: Mapping[str, Any], lang: Lang) -> list[tuple[str, Any]]:
    zh = lang == "zh"
    cargo = result["cargo"]
    return [
        ("起点" if zh else "Origin", _name(result["origin"]["properties"], "", lang)),
        ("终点" if zh else "Destination", _name(result["destination"]["properties"], "", lang)),
        ("货物" if zh else "Cargo", f"{cargo['quantity']:g} {cargo['unit']} ({cargo['tonnes']} t)"),
        ("目标" if zh else "Objective", label(OBJECTIVE_LABELS, result["objective"], lang)),
        ("参数版本" if zh else "Parameters version", result["parameters_version"]),
        *_scenario_about(result.get("scenario"), lang),
        (
            "说明" if zh else "Note",
            "各路线合计为各航段之和；来源见航段表。"
            if zh
            else "Route totals are the sums of the legs; sources per leg in the Legs sheet.",
        ),
    ]


def _scenario_about(named: Mapping[str, Any] | None, lang: Lang) -> list[tuple[str, Any]]:
    """The "about" rows naming the scenario a result was computed under (none: baseline)."""
    zh = lang == "zh"
    if not named:
        return [("情景" if zh else "Scenario", "基准（无情景）" if zh else "Baseline (none)")]
    return [
        ("情景" if zh else "Scenario", f"{named['title']} (v{named['version']})"),
        ("情景代码" if zh else "Scenario id", named["id"]),
        ("情景指纹" if zh else "Scenario fingerprint", named["fingerprint"]),
    ]


# ----------------------------------------------------------------------------- router
router = APIRouter(prefix="/app", tags=["workbench"])
_PAGES = {
    "": "home.html",
    "route": "route.html",
    "access": "access.html",
    "matrix": "matrix.html",
    "scenarios": "scenarios.html",
    "trade": "trade.html",
}


def _page(request: Request, name: str, extra: Mapping[str, Any] | None = None) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(
        request,
        _PAGES[name],
        {"page": name or "home", "vocabulary": vocabulary(), **(extra or {})},
    )


#: The groupings of the trade page's chart (``/v1/flows?by=``), in the order of its selector.
TRADE_GROUPINGS = ("mode", "corridor", "border", "gateway", "prefecture", "region", "commodity")


@functools.cache
def trade_vocabulary(data_dir: Path) -> dict[str, Any]:
    """The trade page's labels: partner regions, commodity groups, shipped scenarios (zh, en)."""
    from corridors.trade_report import shipped_scenario_titles  # noqa: PLC0415
    from corridors.trade_tables import load_trade_tables  # noqa: PLC0415

    tables = load_trade_tables(data_dir)
    return {
        "regions": {r.id: {"zh": r.name_zh, "en": r.name_en} for r in tables.regions},
        "commodities": {c.id: {"zh": c.name_zh, "en": c.name_en} for c in tables.commodities},
        "shipped": shipped_scenario_titles(data_dir),
        "groupings": list(TRADE_GROUPINGS),
    }


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def home(request: Request) -> HTMLResponse:
    """What the service does, with links to every page, map and API description."""
    return _page(request, "")


@router.get("/route", response_class=HTMLResponse, include_in_schema=False)
def route_page(request: Request) -> HTMLResponse:
    """Route comparison (query parameters as on ``/v1/route`` open it already computed)."""
    return _page(request, "route")


@router.get("/access", response_class=HTMLResponse, include_in_schema=False)
def access_page(request: Request) -> HTMLResponse:
    """Accessibility: raster map, county choropleth and county table of a hub kind."""
    return _page(request, "access")


@router.get("/matrix", response_class=HTMLResponse, include_in_schema=False)
def matrix_page(request: Request) -> HTMLResponse:
    """Counties (or prefectures) x chosen destinations."""
    return _page(request, "matrix")


@router.get("/scenarios", response_class=HTMLResponse, include_in_schema=False)
def scenarios_page(request: Request) -> HTMLResponse:
    """Stored scenarios: description, changes, version, and the access difference map of one."""
    return _page(request, "scenarios")


@router.get("/trade", response_class=HTMLResponse, include_in_schema=False)
def trade_page(request: Request) -> HTMLResponse:
    """Sichuan's trade: the plan's targets, flows by group, the flow map and the validation."""
    return _page(request, "trade", {"trade": trade_vocabulary(_settings(request).data_dir)})


@router.get("/vendor/plotly.min.js", include_in_schema=False)
def plotly_js() -> FileResponse:
    """plotly.js as shipped by the ``plotly`` package."""
    return FileResponse(PLOTLY_JS, media_type="text/javascript")


async def _route_result(
    request: Request, service: Service, req: Any, scenario: str | None = None
) -> Any:
    def work() -> tuple[dict[str, Any], bool]:
        return service.route(req, scenario=stored_scenario(request, scenario))

    try:
        result, _ = await run_limited(_settings(request), work)
    except TimeoutError:
        return problem(504, "The route took longer than the request timeout.", slug="timeout")
    return result


def _file(*media_types: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` of a download: the file types at 200, then the problems."""
    return {
        200: {"content": {m: {} for m in media_types}, "description": "A file to download"},
        **problem_responses(401, 404, 413, 422, 500, 503, 504),
    }


@router.get(
    "/export/route.geojson",
    summary="Route comparison as GeoJSON",
    response_class=Response,
    responses=_file("application/geo+json"),
)
async def export_route_geojson(
    request: Request,
    service: ServiceDep,
    req: RouteReq,
    lang: LangQ = "en",
    scenario: ScenarioQuery = None,
) -> Any:
    """The alternatives of ``/v1/route`` as a FeatureCollection (routes, then the two ends)."""
    result = await _route_result(request, service, req, scenario)
    if isinstance(result, Response):
        return result
    body = json.dumps(route_features(result, lang), ensure_ascii=False).encode("utf-8")
    return _download(body, GeoJSONResponse.media_type, "shudao-route.geojson")


@router.get(
    "/export/route.csv",
    summary="Route comparison as CSV",
    response_class=Response,
    responses=_file("text/csv"),
)
async def export_route_csv(
    request: Request,
    service: ServiceDep,
    req: RouteReq,
    lang: LangQ = "en",
    scenario: ScenarioQuery = None,
) -> Any:
    """One row per alternative, headers and names in *lang*; UTF-8 with BOM."""
    result = await _route_result(request, service, req, scenario)
    if isinstance(result, Response):
        return result
    body = csv_bytes(route_rows(result, lang), ROUTE_COLUMNS, lang)
    return _download(body, "text/csv; charset=utf-8", "shudao-route.csv")


@router.get(
    "/export/route.xlsx",
    summary="Route comparison as XLSX",
    response_class=Response,
    responses=_file(XLSX_TYPE),
)
async def export_route_xlsx(
    request: Request,
    service: ServiceDep,
    req: RouteReq,
    lang: LangQ = "en",
    scenario: ScenarioQuery = None,
) -> Any:
    """Sheets: the comparison, every leg with cost items and sources, and the query."""
    result = await _route_result(request, service, req, scenario)
    if isinstance(result, Response):
        return result
    zh = lang == "zh"
    body = xlsx_bytes(
        [
            ("路线比较" if zh else "Routes", ROUTE_COLUMNS, route_rows(result, lang)),
            (
                "航段" if zh else "Legs",
                LEG_COLUMNS,
                leg_rows(result, lang, _service_names(service)),
            ),
        ],
        lang,
        _route_about(result, lang),
    )
    return _download(body, XLSX_TYPE, "shudao-route.xlsx")


MATRIX_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("origin", "起点", "Origin"),
    ("destination", "终点", "Destination"),
    ("time_h", "时间（小时）", "Time (h)"),
    ("cost_cny", "费用（元）", "Cost (CNY)"),
    ("co2_kg", "二氧化碳（千克）", "CO2e (kg)"),
    ("distance_km", "距离（公里）", "Distance (km)"),
    ("corridor", "通道", "Corridor"),
    ("modes", "运输方式", "Modes"),
    ("origin_id", "起点代码", "Origin id"),
    ("destination_id", "终点代码", "Destination id"),
)


def matrix_rows(result: Mapping[str, Any], lang: Lang) -> list[dict[str, Any]]:
    """The cells of a ``/v1/matrix`` answer with names and labels in *lang*."""
    rows = []
    for c in result["cells"]:
        rows.append(
            {
                "origin": c[f"origin_name_{lang}"] or c["origin_id"],
                "destination": c[f"destination_name_{lang}"] or c["destination_id"],
                "time_h": None if c["time_h"] is None else round(c["time_h"], 1),
                "cost_cny": None if c["cost_cny"] is None else round(c["cost_cny"]),
                "co2_kg": None if c["co2_kg"] is None else round(c["co2_kg"], 1),
                "distance_km": None if c["distance_km"] is None else round(c["distance_km"], 1),
                "corridor": label(CORRIDOR_LABELS, c["corridor"], lang) if c["corridor"] else "",
                "modes": " → ".join(
                    label(MODE_LABELS, m, lang) for m in (c["modes"] or "").split("/") if m
                ),
                "origin_id": c["origin_id"],
                "destination_id": c["destination_id"],
            }
        )
    return rows


SetText = Annotated[str, Query(pattern=r"^[^\x00-\x1f]{1,2000}$")]


@router.get(
    "/export/matrix.{fmt}",
    summary="Matrix as CSV or XLSX",
    response_class=Response,
    responses=_file("text/csv", XLSX_TYPE),
)
async def export_matrix(
    request: Request,
    service: ServiceDep,
    fmt: Literal["csv", "xlsx"],
    origins: SetText,
    destinations: SetText,
    unit: CargoUnit = CargoUnit.FEU,
    quantity: Annotated[float, Query(gt=0, le=MAX_QUANTITY)] = 1.0,
    modes: Annotated[list[Mode] | None, Query(max_length=len(Mode))] = None,
    avoid: Annotated[list[str], Query(max_length=MAX_AVOID)] = [],  # noqa: B006
    objective: Objective = Objective.TIME,
    lang: LangQ = "en",
) -> Any:
    """The ``/v1/matrix`` cells with names in *lang* (CSV with BOM, or XLSX)."""
    result = await get_matrix(
        request, service, origins, destinations, unit, quantity, modes, avoid, objective
    )
    if result.status_code != 200:  # a problem (413, 404, 504 ...): answered as it is
        return result
    result = json.loads(bytes(result.body))  # the JSON the worker process encoded
    rows = matrix_rows(result, lang)
    if fmt == "csv":
        return _download(
            csv_bytes(rows, MATRIX_COLUMNS, lang), "text/csv; charset=utf-8", "shudao-matrix.csv"
        )
    zh = lang == "zh"
    about = [
        ("目标" if zh else "Objective", label(OBJECTIVE_LABELS, result["objective"], lang)),
        ("货物" if zh else "Cargo", f"{result['cargo']['quantity']:g} {result['cargo']['unit']}"),
        ("参数版本" if zh else "Parameters version", result["parameters_version"]),
    ]
    body = xlsx_bytes([("矩阵" if zh else "Matrix", MATRIX_COLUMNS, rows)], lang, about)
    return _download(body, XLSX_TYPE, "shudao-matrix.xlsx")


@router.get(
    "/data/access-counties.json",
    summary="County accessibility table of a hub kind",
    responses=problem_responses(401, 404, 422, 500, 503, 504),
)
async def access_counties(
    request: Request, service: ServiceDep, to: AccessKind, scenario: ScenarioQuery = None
) -> Any:
    """Mean and max hours to the nearest hub of *to* for each county (the map's summary).

    With ``scenario=ID``, under that stored scenario (the raster ``/maps/access.*`` caches); the
    answer then names it (``scenario``: id, version, title, fingerprint, baseline).
    """

    def work() -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        stored = stored_scenario(request, scenario)
        _, summary, _ = access_inputs(service, to.value, stored)
        ref = scenario_ref(service.engine_for(stored))
        names = {p.id: p for p in service.places}
        rows = []
        for rec in summary.to_dict("records"):
            place = names.get(f"county_{rec['adcode']}")
            rows.append(
                {
                    "adcode": str(rec["adcode"]),
                    "name_zh": str(rec["name_zh"]),
                    "name_en": place.name_en if place else str(rec["name_zh"]),
                    "prefecture_adcode": str(rec["prefecture_adcode"]),
                    "region": place.region.value if place and place.region else None,
                    "mean_h": _finite(rec["mean_h"]),
                    "max_h": _finite(rec["max_h"]),
                }
            )
        return rows, None if ref is None else ref.to_dict()

    try:
        rows, named = await run_limited(_settings(request), work, timeout_s=120.0, slow=True)
    except TimeoutError:
        return problem(504, "The raster took longer than the time limit.", slug="timeout")
    out: dict[str, Any] = {"to": to.value, "counties": rows}
    if named is not None:
        out["scenario"] = named
    return out


def _finite(x: Any) -> float | None:
    v = float(x)
    return round(v, 3) if v == v and v not in (float("inf"), float("-inf")) else None


_BASEMAP_LOCK = threading.Lock()
_BASEMAPS: weakref.WeakKeyDictionary[Service, bytes] = weakref.WeakKeyDictionary()


def basemap_geojson(service: Service) -> bytes:
    """World countries, China and Sichuan's prefectures, as displayed by the briefing maps."""
    with _BASEMAP_LOCK:
        cached = _BASEMAPS.get(service)
        if cached is not None:
            return cached
        data = service.map_data
        feats: list[Any] = []
        for layer, frame in (
            ("world", data.world),
            ("china", data.china),
            ("prefecture", data.prefectures),
        ):
            cols = [c for c in ("name_zh", "name_en", "adcode", "iso3") if c in frame.columns]
            fc = json.loads(frame[[*cols, "geometry"]].to_json(drop_id=True))
            for f in fc["features"]:
                f["properties"]["layer"] = layer
                f["geometry"] = _rounded(f["geometry"])
            feats.extend(fc["features"])
        body = json.dumps(
            {"type": "FeatureCollection", "features": feats},
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode("utf-8")
        _BASEMAPS[service] = body
        return body


def _rounded(geom: dict[str, Any]) -> dict[str, Any]:
    def r(c: Any) -> Any:
        if c and isinstance(c[0], (int, float)):
            return [round(float(c[0]), 3), round(float(c[1]), 3)]
        return [r(x) for x in c]

    return {"type": geom["type"], "coordinates": r(geom["coordinates"])}


@router.get("/data/basemap.geojson", include_in_schema=False)
async def basemap(request: Request, service: ServiceDep) -> Response:
    """The offline basemap of the workbench map (our own boundaries, no tiles)."""
    body = await run_limited(_settings(request), lambda: basemap_geojson(service), slow=True)
    return Response(
        body, media_type="application/geo+json", headers={"Cache-Control": "max-age=3600"}
    )


# ----------------------------------------------------------------------------- installation
def _accept_q(accept: str, media_type: str) -> float:
    """The quality the Accept header gives *media_type* (its most specific match, RFC 9110)."""
    main = media_type.split("/")[0]
    best: tuple[int, float] = (-1, 0.0)
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        rng, q = fields[0].lower(), 1.0
        for f in fields[1:]:
            if f.startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        rank = 2 if rng == media_type else 1 if rng == f"{main}/*" else 0 if rng == "*/*" else -1
        if rank > best[0]:
            best = (rank, q)
    return best[1]


def wants_html(request: Request) -> bool:
    """Whether a request for ``/`` prefers HTML to JSON (a browser); ``?f=`` decides first."""
    fmt = request.query_params.get("f")
    if fmt is not None:
        return fmt == "html"
    accept = request.headers.get("accept", "")
    html = _accept_q(accept, "text/html")
    return html > 0 and html > _accept_q(accept, "application/json")


#: ReDoc's menu footer shows a logo from Redocly's CDN (hard-coded in the bundle, no option turns
#: it off); the bundle is served with that one address pointed at the package's own favicon.
REDOC_REMOTE_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


@functools.cache
def redoc_bundle() -> bytes:
    """``redoc.standalone.js`` from ``fastapi-offline``, with no address outside this server."""
    text = (DOCS_STATIC_DIR / "redoc.standalone.js").read_text("utf-8")
    return text.replace(REDOC_REMOTE_LOGO, f"{DOCS_STATIC_URL}/favicon.png").encode("utf-8")


def install_workbench(app: FastAPI) -> None:
    """Add the workbench, its assets, the offline docs and the ``/`` negotiation to *app*.

    *app* must be created with ``docs_url=None, redoc_url=None``: the docs here load Swagger UI
    and ReDoc from the ``fastapi-offline`` package instead of a CDN (and ReDoc without web fonts).
    """

    @app.get(f"{DOCS_STATIC_URL}/redoc.standalone.js", include_in_schema=False)
    def redoc_js() -> Response:
        return Response(redoc_bundle(), media_type="text/javascript")

    app.mount("/app/static", StaticFiles(directory=WEB_DIR / "static"), name="workbench-static")
    app.mount("/app/vendor/leaflet", StaticFiles(directory=LEAFLET_DIR), name="leaflet")
    app.mount(DOCS_STATIC_URL, StaticFiles(directory=DOCS_STATIC_DIR), name="docs-static")
    app.include_router(router)

    @app.get("/docs", include_in_schema=False)
    def swagger(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}/openapi.json",
            title=f"{app.title} – Swagger UI",
            swagger_js_url=f"{root}{DOCS_STATIC_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{DOCS_STATIC_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{DOCS_STATIC_URL}/favicon.png",
            # no badge from the online validator
            swagger_ui_parameters={"validatorUrl": None},
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=f"{root}/openapi.json",
            title=f"{app.title} – ReDoc",
            redoc_js_url=f"{root}{DOCS_STATIC_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{DOCS_STATIC_URL}/favicon.png",
            with_google_fonts=False,
        )

    @app.middleware("http")
    async def landing_negotiation(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if request.url.path == "/" and request.method == "GET" and wants_html(request):
            return RedirectResponse("/app/", status_code=303)
        return await call_next(request)
