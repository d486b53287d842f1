"""The validation report: every service's published figures beside what the engine measured.

Owns: :func:`validate` (for every service: published and measured distance and the published
transit time with their sources, the countries crossed in order, breaks of gauge on the network
against the catalog, the itinerary checks that failed, or the published figure's ``note`` where a
non-rail distance is not like for like with the measurement; and for the plan's showcase lanes
the published time beside the engine's answer, like with like: the operators publish transit
times (运输时效, departure to arrival), which are compared with the engine's time on the train
(line haul and stops en route); the engine's door-to-door time, which adds terminal handling and
the expected wait for a departure, is shown separately, with the difference explained) and its
JSON/table rows. Rail
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
    from corridors.models import Route

# Sampling step along a geometry for the countries it crosses (degrees, ~5-10 km).
_STEP_DEG = 0.05


@dataclass(frozen=True)
class Showcase:
    """A lane the provincial plan or the operators publish a time for.

    ``basis`` says what the published time measures: ``"transit"`` (departure to arrival, the
    operators' 运输时效) or ``"door_to_door"``.
    """

    origin: str
    destination: str
    modes: tuple[str, ...]
    published_h: float
    source: str
    as_of: str
    basis: str = "transit"


_SHOWCASE_SOURCE = (
    "China News via Reportify, 今年1月至6月中欧班列(成渝)累计开行近3000列 "
    "(精品线路 运输时效: 成都—罗兹 11天, 莫斯科、明斯克 10天, 万象 3天), "
    "https://reportify.cn/news/1148531472861368320"
)
_VIENTIANE_SOURCE = (
    "China.com.cn 2025-06-25, 中老班列跑出开放加速度: the 2025-06-07 direct premium train "
    "(中老去程直达精品班列) Chengdu rail port -> Mohan -> Vientiane South, 70小时的运作时效; "
    "全程时效压缩至3天以内; customs clearance cut from 48 h to under 8 h, "
    "http://big5.china.com.cn/gate/big5/iot.china.com.cn/content/2025-06/25/content_43155028.html"
)
SHOWCASES: tuple[Showcase, ...] = (
    Showcase("chengdu_irp", "lodz", ("rail",), 11 * 24.0, _SHOWCASE_SOURCE, "2025-08-01"),
    Showcase("chengdu_irp", "moscow", ("rail",), 10 * 24.0, _SHOWCASE_SOURCE, "2025-08-01"),
    Showcase("chengdu_irp", "minsk", ("rail",), 10 * 24.0, _SHOWCASE_SOURCE, "2025-08-01"),
    Showcase("chengdu_irp", "vientiane", ("rail",), 70.0, _VIENTIANE_SOURCE, "2025-06-25"),
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
    """A showcase lane: the published time against the engine's fastest route, like with like.

    ``engine_transit_h`` is the time on the train (line haul, borders, gauge breaks and
    transhipments en route) from the departure at the first terminal to the arrival at the
    last: what a published transit time (``basis`` ``"transit"``) measures.
    ``engine_h`` is the engine's door-to-door time: transit plus terminal handling
    (``engine_handling_h``), road legs and the expected wait for a departure
    (``engine_wait_h``, half the headway of each service boarded).
    """

    origin: str
    destination: str
    published_h: float
    engine_h: float | None
    engine_corridor: str | None
    source: str
    note: str
    basis: str = "transit"
    engine_transit_h: float | None = None
    engine_wait_h: float | None = None
    engine_handling_h: float | None = None
    services: tuple[str, ...] = ()
    frequency_per_week: tuple[float, ...] = ()

    @property
    def compared_h(self) -> float | None:
        """The engine's time on the published figure's basis."""
        return self.engine_transit_h if self.basis == "transit" else self.engine_h

    @property
    def deviation(self) -> float | None:
        """(engine - published) / published on the published figure's basis."""
        got = self.compared_h
        return None if got is None else (got - self.published_h) / self.published_h


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
            "showcases": [
                {**asdict(s), "compared_h": s.compared_h, "deviation": s.deviation}
                for s in self.showcases
            ],
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
        except CorridorError as exc:
            shows.append(
                ShowcaseRow(
                    sc.origin,
                    sc.destination,
                    sc.published_h,
                    None,
                    None,
                    sc.source,
                    str(exc),
                    basis=sc.basis,
                )
            )
            continue
        best = res.routes[0] if res.routes else None
        shows.append(_showcase_row(engine, sc, best))
    return ValidationReport(tuple(rows), tuple(shows))


def _showcase_row(engine: Engine, sc: Showcase, best: Route | None) -> ShowcaseRow:
    """The engine's fastest route split into transit, handling and wait, with the comparison."""
    if best is None:
        return ShowcaseRow(
            sc.origin, sc.destination, sc.published_h, None, None, sc.source, "", basis=sc.basis
        )
    rides = [leg for leg in best.legs if leg.service is not None]
    wait_h = sum(leg.wait_h for leg in best.legs)
    handling_h = sum(leg.breakdown.get("handling_h", 0.0) for leg in best.legs)
    transit_h = sum(leg.time_h - leg.wait_h - leg.breakdown.get("handling_h", 0.0) for leg in rides)
    moving_h = sum(leg.moving_h for leg in rides)
    ride_km = sum(leg.distance_km for leg in rides)
    stops_h = transit_h - moving_h
    services = engine.network.services
    ids = tuple(str(leg.service) for leg in rides)
    freq = tuple(services[i].frequency_per_week for i in ids if i in services)
    published = f"{sc.published_h:.0f} h ({sc.published_h / 24.0:.1f} d)"
    if sc.basis == "transit":
        dev = (transit_h - sc.published_h) / sc.published_h
        head = (
            f"published {published} is a transit time (运输时效: departure to arrival); the "
            f"engine's time on the train is {transit_h:.1f} h ({dev:+.0%}): line haul "
            f"{moving_h:.1f} h over {ride_km:,.0f} km ({ride_km / moving_h:.0f} km/h on "
            f"average), stops en route {stops_h:.1f} h (borders, gauge breaks)"
            if moving_h > 0
            else f"published {published} is a transit time; engine transit {transit_h:.1f} h"
        )
        if moving_h > 0 and sc.published_h > stops_h:
            implied = ride_km / (sc.published_h - stops_h)
            head += (
                f"; with the same stops the published time implies {implied:.0f} km/h on the "
                f"line against the engine's {ride_km / moving_h:.0f} km/h (modes.rail.speed_kph, "
                "one network average)"
            )
    else:
        head = f"published {published} is door to door"
    heads = ", ".join(f"{h:g}/week" for h in freq)
    door = (
        f"; door to door the engine gives {best.time_h:.1f} h: it adds terminal handling "
        f"{handling_h:.0f} h, road legs and the expected wait for a departure {wait_h:.0f} h "
        f"(half the headway of {heads}: {', '.join(ids)}); no door-to-door figure is "
        "published for the lane"
    )
    return ShowcaseRow(
        sc.origin,
        sc.destination,
        sc.published_h,
        round(best.time_h, 1),
        best.corridor,
        sc.source,
        head + door,
        basis=sc.basis,
        engine_transit_h=round(transit_h, 1),
        engine_wait_h=round(wait_h, 1),
        engine_handling_h=round(handling_h, 1),
        services=ids,
        frequency_per_week=freq,
    )
