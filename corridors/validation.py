"""The validation report: every service's published figures beside what the engine measured.

Owns: :func:`validate` (for every service: published and measured distance and the published
transit time with their sources, the countries crossed in order, breaks of gauge on the network
against the catalog, the itinerary checks that failed, or the published figure's ``note`` where a
non-rail distance is not like for like with the measurement; and for the plan's showcase lanes
the published door-to-door time beside the engine's answer) and its JSON/table rows. Rail
distances are checked by the build (:func:`corridors.network.measure_rail_itinerary`); a rail
figure that is not comparable is left out of ``services.toml`` with the reason in a comment.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from corridors.errors import CorridorError
from corridors.network import DISTANCE_TOLERANCE, SLIVER_KM
from gis.layers import read_layer

if TYPE_CHECKING:
    from shapely.geometry import LineString

    from corridors.engine import Engine

# Sampling step along a geometry for the countries it crosses (degrees, ~5-10 km).
_STEP_DEG = 0.05


@dataclass(frozen=True)
class Showcase:
    """A lane the provincial plan or the operators publish a door-to-door time for."""

    origin: str
    destination: str
    modes: tuple[str, ...]
    published_h: float
    source: str
    as_of: str


_SHOWCASE_SOURCE = (
    "China News via Reportify, 今年1月至6月中欧班列(成渝)累计开行近3000列 "
    "(精品线路: 成都—罗兹 11天, 莫斯科、明斯克 10天, 万象 3天), "
    "https://reportify.cn/news/1148531472861368320"
)
SHOWCASES: tuple[Showcase, ...] = (
    Showcase("chengdu_irp", "lodz", ("rail",), 11 * 24.0, _SHOWCASE_SOURCE, "2025-08-01"),
    Showcase("chengdu_irp", "moscow", ("rail",), 10 * 24.0, _SHOWCASE_SOURCE, "2025-08-01"),
    Showcase("chengdu_irp", "minsk", ("rail",), 10 * 24.0, _SHOWCASE_SOURCE, "2025-08-01"),
    Showcase("chengdu_irp", "vientiane", ("rail",), 3 * 24.0, _SHOWCASE_SOURCE, "2025-08-01"),
)


@dataclass(frozen=True)
class ServiceRow:
    """One service in the report."""

    service_id: str
    corridor: str
    mode: str
    published_km: float | None
    published_km_source: str | None
    measured_km: float
    itinerary_km: float | None
    published_h: float | None
    published_h_source: str | None
    countries: tuple[str, ...]
    expected_countries: tuple[str, ...]
    network_gauge_breaks: int | None
    catalog_gauge_breaks: int
    ok: bool
    problems: tuple[str, ...]
    # Why the published distance and the measurement differ (the figure's own ``note``), when
    # they are more than 10 % apart for a reason the source states; the row is then ``ok``.
    explained: str | None = None

    @property
    def deviation(self) -> float | None:
        """(measured - published) / published, None when nothing is published."""
        if self.published_km is None:
            return None
        km = self.itinerary_km if self.itinerary_km is not None else self.measured_km
        return (km - self.published_km) / self.published_km


@dataclass(frozen=True)
class ShowcaseRow:
    """A showcase lane: published door-to-door time against the engine's fastest route."""

    origin: str
    destination: str
    published_h: float
    engine_h: float | None
    engine_corridor: str | None
    source: str
    note: str


@dataclass(frozen=True)
class ValidationReport:
    """The whole report; ``ok`` when every service passes its checks."""

    services: tuple[ServiceRow, ...]
    showcases: tuple[ShowcaseRow, ...]

    @property
    def ok(self) -> bool:
        """True when no service has a failed check."""
        return all(r.ok for r in self.services)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "ok": self.ok,
            "services": [{**asdict(r), "deviation": r.deviation} for r in self.services],
            "showcases": [asdict(s) for s in self.showcases],
        }


def countries_along(
    geoms: list[LineString], iso3: np.ndarray[Any, Any], tree: shapely.STRtree
) -> tuple[str, ...]:
    """ISO alpha-3 codes of the countries a chain of lines crosses, in order.

    Points at sea belong to no country and are skipped; runs shorter than
    :data:`corridors.network.SLIVER_KM` are border slivers, except at the two ends.
    """
    codes: list[str] = []
    for g in geoms:
        if g.is_empty or g.length == 0:
            continue
        pts = shapely.points(shapely.get_coordinates(shapely.segmentize(g, _STEP_DEG)))
        hit_p, hit_c = tree.query(pts, predicate="within")
        got = np.full(len(pts), "", dtype=object)
        got[hit_p] = iso3[hit_c]
        codes.extend(str(c) for c in got if c)
    runs: list[list[Any]] = []
    for c in codes:
        if runs and runs[-1][0] == c:
            runs[-1][1] += 1
        else:
            runs.append([c, 1])
    min_n = max(int(SLIVER_KM / (_STEP_DEG * 111.0)), 1)
    out: list[str] = []
    for k, (c, n) in enumerate(runs):
        if (n >= min_n or k in {0, len(runs) - 1}) and (not out or out[-1] != c):
            out.append(c)
    return tuple(out)


def validate(engine: Engine, *, showcases: tuple[Showcase, ...] = SHOWCASES) -> ValidationReport:
    """Build the validation report from a loaded engine.

    Parameters
    ----------
    engine : Engine
        A loaded engine (its service network carries the build's measurements).
    showcases : tuple of Showcase, optional
        Lanes to route with :meth:`corridors.engine.Engine.route` (fastest, given modes).
    """
    rows: list[ServiceRow] = []
    net = engine.network
    world_path = engine.build_dir / "world_countries.parquet"
    world = read_layer(world_path) if world_path.exists() else None
    tree = shapely.STRtree(world.geometry.to_numpy()) if world is not None else None
    iso3 = world["iso3"].to_numpy() if world is not None else np.empty(0)
    for rec in engine.records:
        svc = rec.service
        legs = [r for r in net.rides if r.service_id == svc.id]
        m = net.measurements.get(svc.id)
        pub_d, pub_t = rec.published_distance_km, rec.published_transit_h
        problems: tuple[str, ...] = (*m.problems, *m.distance_problems) if m is not None else ()
        if not legs:
            problems = (*problems, "not measured (see the build notes)")
        measured = sum(r.distance_km for r in legs)
        explained: str | None = None
        if (
            pub_d is not None
            and not (m is not None and rec.itinerary)
            and abs(measured - pub_d.value) > DISTANCE_TOLERANCE * pub_d.value
        ):
            far = f"measured {measured:.0f} km, published {pub_d.value:.0f} km (more than 10 %)"
            if pub_d.note:
                explained = f"{far}: {pub_d.note}"
            else:
                problems = (*problems, far)
        rows.append(
            ServiceRow(
                svc.id,
                svc.corridor,
                svc.mode.value,
                pub_d.value if pub_d else None,
                (pub_d.source or pub_d.assumption) if pub_d else None,
                round(sum(r.distance_km for r in legs), 1),
                round(m.distance_km, 1) if m is not None and rec.itinerary else None,
                pub_t.value if pub_t else None,
                (pub_t.source or pub_t.assumption) if pub_t else None,
                tuple(m.countries)
                if m is not None
                else (
                    countries_along([r.geometry for r in legs], iso3, tree)
                    if tree is not None and svc.mode.value != "sea"
                    else ()
                ),
                tuple(m.expected_countries) if m is not None else (),
                len(m.gauge_breaks) if m is not None and rec.itinerary else None,
                len(svc.gauge_breaks),
                not problems,
                problems,
                explained,
            )
        )
    shows: list[ShowcaseRow] = []
    for sc in showcases:
        try:
            res = engine.route(sc.origin, sc.destination, modes=sc.modes, alternatives=1)
            best = res.routes[0] if res.routes else None
            shows.append(
                ShowcaseRow(
                    sc.origin,
                    sc.destination,
                    sc.published_h,
                    round(best.time_h, 1) if best else None,
                    best.corridor if best else None,
                    sc.source,
                    "",
                )
            )
        except CorridorError as exc:
            shows.append(
                ShowcaseRow(
                    sc.origin, sc.destination, sc.published_h, None, None, sc.source, str(exc)
                )
            )
    return ValidationReport(tuple(rows), tuple(shows))
