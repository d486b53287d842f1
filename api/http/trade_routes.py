"""``/v1/flows`` and ``/v1/indicators``: Sichuan's trade on the corridors and the plan's targets.

Owns: the endpoints (and ``/v1/flows/validation``, the model against the figures held out of
calibration) and their response models, and :func:`trade_report` / :func:`trade_engine`, the
trade model of a service and a scenario's engine (shared with ``/maps/flows.*``).
``scenario=`` takes a stored scenario's id or a shipped scenario's name; the trade model
(:class:`corridors.trade_report.TradeReport`) is built once per app on first use and caches
each scenario's assignment, so only the first request of a scenario routes the prefecture x
gateway pairs. Errors are problem+json through the one error hierarchy (unknown scenario 404
with suggestions, unknown grouping 422).
"""

from __future__ import annotations

import re
import threading
import weakref
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict

from api.http.deps import get_service, run_limited, stored_scenario
from api.http.problems import problem, problem_responses
from api.service import Service
from corridors.engine import Engine
from corridors.trade_report import TradeReport

router = APIRouter(prefix="/v1", tags=["trade"], responses=problem_responses(401, 500, 503))
ServiceDep = Annotated[Service, Depends(get_service)]
_LOCK = threading.Lock()
UUID_TEXT = re.compile(r"^[0-9A-Fa-f]{8}-?(?:[0-9A-Fa-f]{4}-?){3}[0-9A-Fa-f]{12}$")

TradeScenarioQuery = Annotated[
    str | None,
    Query(
        max_length=64,
        pattern=r"^[0-9A-Za-z-]{1,64}$",
        description="A stored scenario's id (GET /v1/scenarios) or a shipped scenario's name "
        "(e.g. red-sea-closed, plan-southbound-trains). The first request under a scenario "
        "routes its prefecture x gateway pairs (seconds); later ones are cached.",
    ),
]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LogitOut(_Out):
    """The logit scale and its calibration."""

    theta: float
    vot_scale: float
    vot_cny_per_t_h: dict[str, float]
    calibration_figure: str
    calibration_target: float
    calibration_modelled: float


class FlowRowOut(_Out):
    """One group of the flows (modelled)."""

    key: str
    name: str | None = None
    value_cny: float
    tonnes: float
    share_value: float
    share_tonnes: float
    mark: str


class _Meta(_Out):
    scenario: str | None
    base_year: int
    model_version: str
    parameters_version: str
    logit: LogitOut
    mode_definition: str
    seconds: float


class FlowsOut(_Meta):
    """Flows grouped by mode (at the border), corridor, border, gateway, prefecture, ..."""

    by: str
    total_value_cny: float
    total_tonnes: float
    unrouted_value_cny: float
    rows: list[FlowRowOut]


class PublishedOut(_Out):
    """The latest published figure of a target, with its provenance."""

    id: str
    value: float
    unit: str
    year: int
    period: str
    definition: str
    source: str
    source_date: str
    mark: str


class GoalOut(_Out):
    """The plan's goal."""

    comparator: str
    value: float


class IndicatorOut(_Out):
    """One of the plan's targets: published and modelled (baseline beside a scenario)."""

    target: str
    section: str
    label_zh: str
    label_en: str
    definition: str
    goal: GoalOut
    unit: str
    published: PublishedOut
    modelled: float
    mark: str
    baseline: float | None = None
    change: float | None = None
    change_unit: str | None = None


class IndicatorsOut(_Meta):
    """The plan's trade targets."""

    indicators: list[IndicatorOut]


class ValidationRowOut(_Out):
    """One published figure held out of calibration, beside the model's value."""

    figure: str
    kind: str
    metric: str
    published: float
    published_year: int
    published_period: str
    modelled: float
    error: float
    ape: float | None = None
    error_pp: float | None = None
    source: str


class ValidationOut(_Meta):
    """The baseline against figures held out of calibration (in the manner of NODUS)."""

    rows: list[ValidationRowOut]
    wape: float
    mode_share_error_pp: float


_REPORTS: weakref.WeakKeyDictionary[Service, TradeReport] = weakref.WeakKeyDictionary()


def trade_report(request: Request, service: Service) -> TradeReport:
    """The trade model of *service*'s baseline engine (one per service, built on first use)."""
    with _LOCK:
        found = _REPORTS.get(service)
        if found is None or found.base is not service.engine:
            found = TradeReport(service.engine, request.app.state.settings.data_dir)
            _REPORTS[service] = found
    return found


def trade_engine(
    request: Request, service: Service, report: TradeReport, scenario: str | None
) -> tuple[Engine | None, str]:
    """The engine of *scenario* (None: baseline) and its cache key (``<id>@v<version>``).

    A stored scenario's id (unknown: 404) or a shipped scenario's name (unknown: 404 with
    suggestions).
    """
    if scenario is None:
        return None, "baseline"
    if UUID_TEXT.match(scenario):
        stored = stored_scenario(request, scenario)
        assert stored is not None
        return service.engine_for(stored), f"{stored.id}@v{stored.version}"
    return report.shipped(scenario), scenario


async def _answered(request: Request, work: Callable[[], dict[str, Any]], what: str) -> Any:
    """*work* in the lane of seconds-long work, within the request timeout (504 beyond it)."""
    try:
        return await run_limited(request.app.state.settings, work, slow=True)
    except TimeoutError:
        return problem(504, f"The {what} took longer than the request timeout.", slug="timeout")


@router.get(
    "/flows",
    summary="Sichuan's trade on the corridors (modelled)",
    response_model=FlowsOut,
    responses=problem_responses(404, 422, 504),
)
async def get_flows(
    request: Request,
    service: ServiceDep,
    by: Annotated[str, Query(max_length=20, examples=["mode"])] = "mode",
    scenario: TradeScenarioQuery = None,
) -> Any:
    """Value (CNY) and tonnes by mode at the border, corridor, border, gateway or prefecture."""

    def work() -> dict[str, Any]:
        report = trade_report(request, service)
        engine, key = trade_engine(request, service, report, scenario)
        return report.flows(engine, key, by=by)

    return await _answered(request, work, "flows")


@router.get(
    "/indicators",
    summary="The plan's trade targets: published and modelled",
    response_model=IndicatorsOut,
    responses=problem_responses(404, 422, 504),
)
async def get_indicators(
    request: Request, service: ServiceDep, scenario: TradeScenarioQuery = None
) -> Any:
    """Each target with its definition, latest published figure and modelled value."""

    def work() -> dict[str, Any]:
        report = trade_report(request, service)
        engine, key = trade_engine(request, service, report, scenario)
        return report.indicators(engine, key)

    return await _answered(request, work, "indicators")


@router.get(
    "/flows/validation",
    summary="The flow model against published figures held out of calibration",
    response_model=ValidationOut,
    responses=problem_responses(504),
)
async def get_flow_validation(request: Request, service: ServiceDep) -> Any:
    """Each held-out figure, published beside modelled, with WAPE and mode-share error (pp)."""

    def work() -> dict[str, Any]:
        return trade_report(request, service).validation()

    return await _answered(request, work, "validation")
