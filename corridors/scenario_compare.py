"""A scenario beside its baseline: routes and matrices compared.

Owns: :func:`compare_route` (each alternative's time, cost, CO2, borders and corridor, baseline
beside scenario, the deltas, and whether the best corridor changes) and :func:`compare_matrix`
(delta hours and delta cost per cell, and the origins whose best corridor changes) and
:func:`compare_access` (the accessibility raster's delta hours as a GeoTIFF, and per county), as
typed frozen dataclasses with a JSON form. Deltas are scenario minus baseline. The scenario itself
is :mod:`corridors.scenarios`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from corridors.accessibility import AccessRaster, access_raster, county_summary
from corridors.engine import Engine, RouteResult, SharedWork
from corridors.errors import InfeasibleConstraintError, NoRouteError
from corridors.matrix import TravelMatrix, travel_matrix
from corridors.models import Route
from corridors.request import RouteOptions, RouteRequest
from corridors.scenarios import ScenarioEngine, ScenarioRef, baseline_ref
from gis.raster import write_geotiff
from hubs.models import Place

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd


@dataclass(frozen=True)
class RouteSummary:
    """One alternative in a comparison: what a planner compares."""

    rank: int
    corridor: str
    modes: tuple[str, ...]
    services: tuple[str, ...]
    distance_km: float
    time_h: float
    cost_cny: float
    co2_kg: float
    border_crossings: tuple[str, ...]
    passages: tuple[str, ...]

    @classmethod
    def of(cls, route: Route) -> RouteSummary:
        """The summary of *route*."""
        return cls(
            route.rank,
            route.corridor,
            route.modes,
            route.services,
            route.distance_km,
            route.time_h,
            route.cost_cny,
            route.co2_kg,
            route.border_crossings,
            route.passages,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON form (6 decimals)."""
        return {
            "rank": self.rank,
            "corridor": self.corridor,
            "modes": list(self.modes),
            "services": list(self.services),
            "distance_km": round(self.distance_km, 6),
            "time_h": round(self.time_h, 6),
            "cost_cny": round(self.cost_cny, 6),
            "co2_kg": round(self.co2_kg, 6),
            "border_crossings": list(self.border_crossings),
            "passages": list(self.passages),
        }


def _delta(a: RouteSummary | None, b: RouteSummary | None, field: str) -> float | None:
    if a is None or b is None:
        return None
    return float(getattr(b, field)) - float(getattr(a, field))


@dataclass(frozen=True)
class AlternativeDelta:
    """One corridor's alternative, baseline beside scenario (None where a side has none)."""

    corridor: str
    baseline: RouteSummary | None
    scenario: RouteSummary | None

    @property
    def delta_time_h(self) -> float | None:
        """Scenario minus baseline hours."""
        return _delta(self.baseline, self.scenario, "time_h")

    @property
    def delta_cost_cny(self) -> float | None:
        """Scenario minus baseline cost."""
        return _delta(self.baseline, self.scenario, "cost_cny")

    @property
    def delta_co2_kg(self) -> float | None:
        """Scenario minus baseline CO2e."""
        return _delta(self.baseline, self.scenario, "co2_kg")

    @property
    def borders_changed(self) -> bool:
        """True when the border crossings differ (or one side has no route)."""
        if self.baseline is None or self.scenario is None:
            return True
        return self.baseline.border_crossings != self.scenario.border_crossings

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        r = _round_or_none
        return {
            "corridor": self.corridor,
            "baseline": self.baseline.to_dict() if self.baseline else None,
            "scenario": self.scenario.to_dict() if self.scenario else None,
            "delta_time_h": r(self.delta_time_h),
            "delta_cost_cny": r(self.delta_cost_cny),
            "delta_co2_kg": r(self.delta_co2_kg),
            "borders_changed": self.borders_changed,
        }


def _round_or_none(x: float | None) -> float | None:
    return None if x is None else round(x, 6)


@dataclass(frozen=True)
class RouteComparison:
    """A route request answered on the baseline and under a scenario."""

    origin: Place
    destination: Place
    scenario: ScenarioRef | None
    baseline_parameters_version: str
    alternatives: tuple[AlternativeDelta, ...]
    best_corridor_baseline: str | None
    best_corridor_scenario: str | None
    baseline_problem: str | None = None
    scenario_problem: str | None = None

    @property
    def best_corridor_changed(self) -> bool:
        """True when the best route's corridor differs (or one side has no route)."""
        return self.best_corridor_baseline != self.best_corridor_scenario

    @property
    def best(self) -> AlternativeDelta | None:
        """Baseline best beside scenario best (whatever their corridors)."""
        base = next(
            (a.baseline for a in self.alternatives if a.baseline and a.baseline.rank == 1), None
        )
        scen = next(
            (a.scenario for a in self.alternatives if a.scenario and a.scenario.rank == 1), None
        )
        if base is None and scen is None:
            return None
        return AlternativeDelta("best", base, scen)

    def to_dict(self) -> dict[str, Any]:
        """JSON form (``GET /v1/scenarios/{id}/compare``, ``shudao scenario diff --json``)."""
        best = self.best
        return {
            "origin": self.origin.to_feature(),
            "destination": self.destination.to_feature(),
            "scenario": self.scenario.to_dict() if self.scenario else None,
            "baseline_parameters_version": self.baseline_parameters_version,
            "best_corridor_baseline": self.best_corridor_baseline,
            "best_corridor_scenario": self.best_corridor_scenario,
            "best_corridor_changed": self.best_corridor_changed,
            "best": best.to_dict() if best else None,
            "alternatives": [a.to_dict() for a in self.alternatives],
            "baseline_problem": self.baseline_problem,
            "scenario_problem": self.scenario_problem,
        }


def _answer(
    engine: Engine, req: RouteRequest, shared: SharedWork | None
) -> tuple[RouteResult | None, str | None]:
    try:
        return engine.answer(req, shared=shared), None
    except (NoRouteError, InfeasibleConstraintError) as exc:
        return None, str(exc)


def compare_route(
    base: Engine,
    scen: Engine,
    req: RouteRequest,
    *,
    baseline_result: RouteResult | None = None,
) -> RouteComparison:
    """Answer *req* on the baseline and under the scenario, and pair the alternatives.

    *baseline_result* is the baseline's answer to *req* when the caller has it (e.g. from its
    route cache): then only the scenario is routed, and a comparison costs about one route.
    Otherwise both are answered sharing their road trips, and their charges when the scenario
    leaves the parameters alone (:class:`corridors.engine.SharedWork`), with the answers each
    engine gives alone.

    Alternatives are paired by corridor (the n-th route of a corridor with the n-th of the
    same corridor on the other side); a corridor one side lacks is paired with None. A side
    without any route (the scenario closed every way) is reported in ``*_problem``, not
    raised; an unknown place or a bad option still raises, as for a route.
    """
    b: RouteResult | None = baseline_result
    b_problem: str | None = None
    if b is None:
        # both answered here: the road trips, and the charges when the parameters are equal,
        # are measured and priced once for both (SharedWork; the answers are unchanged)
        shared = SharedWork.between(base, scen)
        with base.hierarchy.session(), scen.hierarchy.session():
            b, b_problem = _answer(base, req, shared)
            s, s_problem = _answer(scen, req, shared)
    else:
        s, s_problem = _answer(scen, req, None)
    b_routes = list(b.routes) if b else []
    s_routes = list(s.routes) if s else []
    keys: list[tuple[str, int]] = []
    paired: dict[tuple[str, int], list[RouteSummary | None]] = {}
    for side, routes in ((0, b_routes), (1, s_routes)):
        seen: dict[str, int] = {}
        for r in routes:
            n = seen.get(r.corridor, 0)
            seen[r.corridor] = n + 1
            key = (r.corridor, n)
            if key not in paired:
                paired[key] = [None, None]
                keys.append(key)
            paired[key][side] = RouteSummary.of(r)
    alts = tuple(AlternativeDelta(k[0], paired[k][0], paired[k][1]) for k in keys)
    ref = scen.ref if isinstance(scen, ScenarioEngine) else None
    result = b or s
    if result is None:
        o_place, _ = base.endpoint(req.origin)
        d_place, _ = base.endpoint(req.destination)
    else:
        o_place, d_place = result.origin, result.destination
    return RouteComparison(
        o_place,
        d_place,
        ref,
        baseline_ref(base)[0],
        alts,
        b_routes[0].corridor if b_routes else None,
        s_routes[0].corridor if s_routes else None,
        b_problem,
        s_problem,
    )


@dataclass(frozen=True)
class CorridorChange:
    """A matrix cell whose best corridor changes under the scenario."""

    origin_id: str
    destination_id: str
    baseline: str
    scenario: str


@dataclass(frozen=True)
class MatrixComparison:
    """Two matrices over the same origins and destinations, and their differences."""

    baseline: TravelMatrix
    scenario_matrix: TravelMatrix
    scenario: ScenarioRef | None

    @property
    def delta_time_h(self) -> NDArray[np.float64]:
        """Scenario minus baseline hours per cell (NaN where either has no route)."""
        return self.scenario_matrix.time_h - self.baseline.time_h

    @property
    def delta_cost_cny(self) -> NDArray[np.float64]:
        """Scenario minus baseline cost per cell (NaN where either has no route)."""
        return self.scenario_matrix.cost_cny - self.baseline.cost_cny

    @property
    def lost(self) -> NDArray[np.bool_]:
        """Cells with a baseline route and none under the scenario."""
        return ~np.isnan(self.baseline.time_h) & np.isnan(self.scenario_matrix.time_h)

    @property
    def corridor_changes(self) -> tuple[CorridorChange, ...]:
        """Cells whose best corridor differs (a lost route counts, its corridor is "")."""
        out: list[CorridorChange] = []
        for i, o in enumerate(self.baseline.origins):
            for j, d in enumerate(self.baseline.destinations):
                a, b = self.baseline.corridor[i][j], self.scenario_matrix.corridor[i][j]
                if a != b:
                    out.append(CorridorChange(o.id, d.id, a, b))
        return tuple(out)

    @property
    def origins_changing_corridor(self) -> tuple[str, ...]:
        """Ids of the origins (counties) with at least one cell whose best corridor changes."""
        return tuple(dict.fromkeys(c.origin_id for c in self.corridor_changes))

    def to_dict(self) -> dict[str, Any]:
        """JSON form: one row per cell with both sides and the deltas, and the summaries."""
        b, s = self.baseline, self.scenario_matrix
        dt, dc = self.delta_time_h, self.delta_cost_cny
        cells = []
        for i, o in enumerate(b.origins):
            for j, d in enumerate(b.destinations):
                cells.append(
                    {
                        "origin_id": o.id,
                        "destination_id": d.id,
                        "baseline_time_h": _num(b.time_h[i, j]),
                        "scenario_time_h": _num(s.time_h[i, j]),
                        "delta_time_h": _num(dt[i, j]),
                        "baseline_cost_cny": _num(b.cost_cny[i, j]),
                        "scenario_cost_cny": _num(s.cost_cny[i, j]),
                        "delta_cost_cny": _num(dc[i, j]),
                        "baseline_corridor": b.corridor[i][j],
                        "scenario_corridor": s.corridor[i][j],
                    }
                )
        finite = dt[np.isfinite(dt)]
        return {
            "scenario": self.scenario.to_dict() if self.scenario else None,
            "baseline_parameters_version": b.parameters_version,
            "objective": b.objective.value,
            "cargo": b.cargo.to_dict(),
            "summary": {
                "cells": int(dt.size),
                "cells_changing_corridor": len(self.corridor_changes),
                "cells_losing_route": int(self.lost.sum()),
                "origins_changing_corridor": list(self.origins_changing_corridor),
                "mean_delta_time_h": _num(float(finite.mean())) if finite.size else None,
                "max_delta_time_h": _num(float(finite.max())) if finite.size else None,
            },
            "cells": cells,
        }


def _num(x: float) -> float | None:
    v = float(x)
    return None if math.isnan(v) else round(v, 6)


def compare_matrix(
    base: Engine,
    scen: Engine,
    origins: Sequence[Place],
    destinations: Sequence[Place],
    *,
    options: RouteOptions | None = None,
    **option_values: Any,
) -> MatrixComparison:
    """The travel matrix on the baseline and under the scenario (:func:`travel_matrix`)."""
    b = travel_matrix(base, origins, destinations, options=options, **option_values)
    s = travel_matrix(scen, origins, destinations, options=options, **option_values)
    ref = scen.ref if isinstance(scen, ScenarioEngine) else None
    return MatrixComparison(b, s, ref)


@dataclass(frozen=True)
class AccessComparison:
    """Hours to the nearest hub of one kind on the baseline and under the scenario."""

    baseline: AccessRaster
    scenario_raster: AccessRaster
    scenario: ScenarioRef | None

    @property
    def delta_hours(self) -> NDArray[np.float32]:
        """Scenario minus baseline hours per cell (NaN outside the province)."""
        out: NDArray[np.float32] = (self.scenario_raster.hours - self.baseline.hours).astype(
            np.float32
        )
        return out

    def write(self, path: Path) -> Path:
        """Write the delta hours as a GeoTIFF (float32, negative = closer under the scenario)."""
        tags = {
            "units": "hours (scenario minus baseline)",
            "target_kind": self.baseline.kind.value,
            "baseline_parameters_version": self.baseline.parameters_version,
            "scenario": self.scenario.title if self.scenario else "",
            "scenario_fingerprint": self.scenario.fingerprint if self.scenario else "",
            "baseline_targets": ",".join(h.id for h in self.baseline.hubs),
            "scenario_targets": ",".join(h.id for h in self.scenario_raster.hubs),
        }
        return write_geotiff(
            path,
            self.delta_hours,
            self.baseline.grid,
            description=f"delta_travel_time_to_{self.baseline.kind.value}",
            units="hours",
            tags=tags,
        )

    def county_delta(self, counties: gpd.GeoDataFrame) -> pd.DataFrame:
        """Per county: baseline and scenario mean hours and their difference (6 decimals)."""
        b = county_summary(self.baseline, counties)
        s = county_summary(self.scenario_raster, counties)
        out = b[["adcode", "name_zh", "prefecture_adcode", "cells"]].copy()
        out["baseline_mean_h"] = b["mean_h"]
        out["scenario_mean_h"] = s["mean_h"].to_numpy()
        out["delta_mean_h"] = (out["scenario_mean_h"] - out["baseline_mean_h"]).round(6)
        return out


def compare_access(
    base: Engine, scen: Engine, kind: str, *, build_dir: Path, **raster_options: Any
) -> AccessComparison:
    """The accessibility raster (:func:`access_raster`) on the baseline and under the scenario.

    The scenario changes it through the hubs (added places of *kind*, closed ones left out)
    and the road speed.
    """
    b = access_raster(base, kind, build_dir=build_dir, **raster_options)
    s = access_raster(scen, kind, build_dir=build_dir, **raster_options)
    ref = scen.ref if isinstance(scen, ScenarioEngine) else None
    return AccessComparison(b, s, ref)
