"""Rail services measured along their curated itineraries: countries, gauge, high speed, km.

Expected figures are independent of the code: country sequences and breaks of gauge follow the
lines' geography (Trans-Mongolian via Ulaanbaatar; Kazakhstan 1,520 mm; Vietnam metre gauge with
a dual-gauge Đồng Đăng line), distances are published ones (sources in services.toml and
rail_sections.toml).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import shapely

from corridors.engine import Engine, endpoint_of
from corridors.errors import ParameterError
from corridors.models import Mode, Terminal
from corridors.network import ServiceCheckError, build_service_network, sea_trip
from corridors.services import Published, load_services
from corridors.validation import validate
from gis.crs import geodesic_distance_m


@pytest.fixture(scope="module")
def engine(built_dir: Path, data_dir: Path) -> Engine:
    return Engine.load(data_dir=data_dir, build_dir=built_dir)


def _rail_ids(engine: Engine) -> list[str]:
    return [r.service.id for r in engine.records if r.service.mode is Mode.RAIL]


def test_every_rail_service_has_an_itinerary(engine: Engine) -> None:
    missing = [
        r.service.id for r in engine.records if r.service.mode is Mode.RAIL and not r.itinerary
    ]
    assert missing == []


def test_every_rail_service_passes_the_structural_checks(engine: Engine) -> None:
    # countries in itinerary order, breaks of gauge as in the catalog, no high-speed link, every
    # piece connected and on the network
    bad = {
        sid: engine.network.measurements[sid].problems
        for sid in _rail_ids(engine)
        if engine.network.measurements[sid].problems
    }
    assert bad == {}
    assert all(engine.network.measurements[s].hsr_km == 0.0 for s in _rail_ids(engine))


COUNTRIES = {
    "cr_express_chengdu_lodz_alashankou": ("CHN", "KAZ", "RUS", "BLR", "POL"),
    "cr_express_chengdu_tilburg_alashankou": ("CHN", "KAZ", "RUS", "BLR", "POL", "DEU", "NLD"),
    # Trans-Mongolian: never back into China, never through Kazakhstan (issue 10)
    "cr_express_chengdu_moscow_erenhot": ("CHN", "MNG", "RUS"),
    "cr_express_chengdu_moscow_manzhouli": ("CHN", "RUS"),
    # the Almaty–Tashkent line runs in Kazakhstan, not Kyrgyzstan
    "cr_express_chengdu_tashkent_khorgos": ("CHN", "KAZ", "UZB"),
    "cl_rail_kunming_vientiane": ("CHN", "LAO"),
    "cl_rail_kunming_bangkok": ("CHN", "LAO", "THA"),
    "cv_rail_nanning_yen_vien": ("CHN", "VNM"),
    "mc_rail_alat_kars_istanbul": ("AZE", "GEO", "TUR"),
    "ilstc_rail_chengdu_qinzhou": ("CHN",),
    # North–South railway Uzen–Bereket–Etrek–Gorgan (TASS 2014-12-03)
    "cr_rail_chengdu_tehran_khorgos": ("CHN", "KAZ", "TKM", "IRN"),
}


@pytest.mark.parametrize(("sid", "expected"), sorted(COUNTRIES.items()))
def test_countries_crossed_in_order(engine: Engine, sid: str, expected: tuple[str, ...]) -> None:
    assert engine.network.measurements[sid].countries == expected


GAUGE_BREAKS = {
    # Dostyk and Brest–Małaszewicze
    "cr_express_chengdu_lodz_alashankou": 2,
    # Altynkol and Brest–Małaszewicze
    "cr_express_chengdu_duisburg_khorgos": 2,
    "cr_express_chengdu_moscow_alashankou": 1,
    # Erenhot/Zamyn-Üüd and Manzhouli/Zabaykalsk
    "cr_express_chengdu_moscow_erenhot": 1,
    "cr_express_chengdu_moscow_manzhouli": 1,
    # Akhalkalaki (1,520 -> 1,435)
    "mc_rail_alat_kars_istanbul": 1,
    "mc_rail_alat_tbilisi_poti": 0,
    # Thanaleng metre gauge; Hekou/Lào Cai metre gauge
    "cl_rail_kunming_bangkok": 1,
    "cl_rail_kunming_vientiane": 0,
    "cv_rail_kunming_haiphong_metre": 1,
    # Pingxiang–Đồng Đăng–Yên Viên is dual gauge: no break
    "cv_rail_nanning_yen_vien": 0,
    "cv_rail_chengdu_hanoi": 0,
    # Altynkol (1,435 -> 1,520) and the Turkmenistan–Iran border (1,520 -> 1,435)
    "cr_rail_chengdu_tehran_khorgos": 2,
}


@pytest.mark.parametrize(("sid", "count"), sorted(GAUGE_BREAKS.items()))
def test_breaks_of_gauge_come_from_the_network(engine: Engine, sid: str, count: int) -> None:
    assert len(engine.network.measurements[sid].gauge_breaks) == count


PUBLISHED_KM = {
    # China Daily 2016-09-26: 9,826 km
    "cr_express_chengdu_lodz_alashankou": 9826.0,
    # Belt and Road Portal 2017-09-29: 10,947 km
    "cr_express_chengdu_tilburg_alashankou": 10947.0,
    # Xinhua / People's Daily 2024-12-03: 1,035 km
    "cl_rail_kunming_vientiane": 1035.0,
    # CGTN 2025-04-20: 4,700 km Chongqing–Tashkent
    "cr_express_chongqing_tashkent_khorgos": 4700.0,
}


@pytest.mark.parametrize(("sid", "km"), sorted(PUBLISHED_KM.items()))
def test_itinerary_km_within_ten_percent(engine: Engine, sid: str, km: float) -> None:
    assert engine.network.measurements[sid].distance_km == pytest.approx(km, rel=0.10)


def test_trans_mongolian_section_matches_the_line_km(engine: Engine) -> None:
    # Trans-Mongolian route map: Zamyn-Üüd at km 7,013 from Moscow (via Naushki, Ulan-Ude)
    m = engine.network.measurements["cr_express_chengdu_moscow_erenhot"]
    assert m.sections_km["mn_ru_zamyn_uud_moscow"] == pytest.approx(7013.0, rel=0.10)


def test_china_laos_train_runs_through_to_vientiane(engine: Engine) -> None:
    legs = [r for r in engine.network.rides if r.service_id == "cl_rail_kunming_vientiane"]
    assert [r.to_id for r in legs][-1] == "vientiane"
    # CGTN 2021-12-03: 422 km Boten–Vientiane
    assert legs[-1].distance_km == pytest.approx(422.0, rel=0.10)


def test_check_mode_fails_naming_the_service(engine: Engine) -> None:
    # A published distance far from the line (2,000 km for a line of about 1,220 km) fails
    # the check, which names the service.
    (rec,) = [r for r in engine.records if r.service.id == "ilstc_rail_chongqing_qinzhou"]
    wrong = replace(rec, published_distance_km=Published(2000.0, "km", None, None, "test"))
    terminals = {p.id: endpoint_of(p) for p in engine.catalog.places}
    with pytest.raises(ServiceCheckError) as exc:
        build_service_network([wrong], terminals, engine.infra, check=True)
    assert "ilstc_rail_chongqing_qinzhou" in str(exc.value)


def test_chongqing_qinzhou_keeps_off_the_guiyang_nanning_high_speed_line(engine: Engine) -> None:
    # Freight runs on the Guizhou–Guangxi railway via Nandan; Libo has only the 350 km/h
    # Guiyang–Nanning line (Xinhua 2023-08-31). Station points from Wikipedia (county seats).
    (ride,) = [r for r in engine.network.rides if r.service_id == "ilstc_rail_chongqing_qinzhou"]
    nandan, libo = shapely.Point(107.54, 24.98), shapely.Point(107.88, 25.41)
    assert ride.geometry.distance(nandan) < 0.1  # degrees, ~10 km
    assert ride.geometry.distance(libo) > 0.1
    # the detour via Nandan is longer than the 1,190 km the path measured across Libo
    m = engine.network.measurements["ilstc_rail_chongqing_qinzhou"]
    assert m.hsr_km == 0.0
    assert 1200 < m.distance_km < 1400


def test_a_published_figure_that_is_not_like_for_like_is_explained(engine: Engine) -> None:
    rows = {r.service_id: r for r in validate(engine, showcases=()).services}
    wuhan = rows["yz_iww_wuhan_shanghai"]
    # 1,140 km runs to the river mouth, 46 km past the port: more than 10 % apart, explained
    assert wuhan.deviation is not None
    assert wuhan.deviation < -0.10
    assert wuhan.ok
    assert wuhan.problems == ()
    assert wuhan.explained is not None
    assert "river mouth" in wuhan.explained
    # a figure without a note is not excused
    assert all(r.explained is None for r in rows.values() if r.service_id != wuhan.service_id)
    assert validate(engine, showcases=()).ok


def test_validation_report_covers_every_service(engine: Engine) -> None:
    report = validate(engine, showcases=())
    assert {r.service_id for r in report.services} == {r.service.id for r in engine.records}
    lodz = next(r for r in report.services if r.service_id == "cr_express_chengdu_lodz_alashankou")
    assert lodz.published_km == 9826.0
    assert lodz.countries == ("CHN", "KAZ", "RUS", "BLR", "POL")
    assert lodz.ok


def test_avoiding_suez_sails_round_the_cape_not_panama() -> None:
    shanghai, rotterdam = (121.8, 31.2), (4.0, 51.95)
    km, geom, passages = sea_trip(shanghai, rotterdam, ("northwest", "suez"))
    assert "south_africa" in passages
    assert "panama" not in passages
    # Shanghai–Rotterdam via the Cape is about 25,500 km (19,600 km via Suez, services.toml)
    assert 24000 < km < 27500
    assert max(x for x, _ in geom.coords) <= 180.0


def test_route_geometry_longitudes_are_valid(engine: Engine) -> None:
    res = engine.route("Shanghai port", "Rotterdam", modes=["sea"], avoid=["suez"], alternatives=1)
    route = res.routes[0]
    assert "south_africa" in route.passages
    xs = [c[0] for part in route.geometry()["coordinates"] for c in part]
    assert min(xs) >= -180.0
    assert max(xs) <= 180.0


def test_sea_routing_setting_switches_asia_europe_to_the_cape(
    engine: Engine, tmp_path: Path, data_dir: Path
) -> None:
    text = (data_dir / "services.toml").read_text("utf-8")
    assert 'asia_europe = "suez"' in text
    for name in ("rail_sections.toml", "itinerary_points.csv"):
        (tmp_path / name).write_bytes((data_dir / name).read_bytes())
    cape = tmp_path / "services.toml"
    cape.write_text(text.replace('asia_europe = "suez"', 'asia_europe = "cape"'), "utf-8")
    recs = load_services(
        cape, known_places={p.id for p in engine.catalog.places}, to_cny=engine.params.to_cny
    )
    sea = [r for r in recs if r.service.id == "sea_shanghai_rotterdam"]
    assert sea[0].sea_via == "cape"
    terminals = {p.id: endpoint_of(p) for p in engine.catalog.places}
    net = build_service_network(sea, terminals, engine.infra)
    (ride,) = net.rides
    assert "south_africa" in ride.passages
    assert "suez" not in ride.passages
    assert "panama" not in ride.passages
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace('asia_europe = "suez"', 'asia_europe = "arctic"'), "utf-8")
    with pytest.raises(ParameterError, match=r"sea_routing\.asia_europe"):
        load_services(
            bad, known_places={p.id for p in engine.catalog.places}, to_cny=engine.params.to_cny
        )


GATEWAYS_ONCE_UNREACHABLE = (
    "colombo_port",
    "jebel_ali",
    "karachi_port",
    "nhava_sheva",
    "trieste_port",
    "koper_port",
    "constanta_port",
    "tehran",
)


@pytest.mark.parametrize("place", GATEWAYS_ONCE_UNREACHABLE)
def test_gateway_is_served_and_reachable_from_chengdu(engine: Engine, place: str) -> None:
    assert place in engine.network.terminals
    res = engine.route("chengdu_irp", place, alternatives=1)
    assert res.routes
    assert res.routes[0].legs[-1].to_id == place


def test_eu_freighters_route_around_russia_and_belarus(engine: Engine) -> None:
    closed = engine.infra.closed_airspace(("RUS", "BLR"))
    assert closed is not None
    for sid, a, b in (
        ("air_ctu_fra_lh_cargo", "pvg", "fra"),
        ("air_ctu_bru_hongyuan", "ctu", "bru"),
    ):
        (ride,) = [
            r
            for r in engine.network.rides
            if r.service_id == sid and (r.from_id, r.to_id) == (a, b)
        ]
        assert not closed.intersects(ride.geometry)
        ta, tb = engine.network.terminals[a], engine.network.terminals[b]
        gc_km = gc(ta, tb)
        # the detour is longer than the great circle, but not absurdly (Flightradar24: +1-4 h)
        assert gc_km < ride.distance_km < 1.3 * gc_km
    # a Chinese carrier may overfly Russia: great circle
    (free,) = [r for r in engine.network.rides if r.service_id == "air_tfu_bru_sichuan_airlines"]
    ta, tb = engine.network.terminals["tfu"], engine.network.terminals["bru"]
    assert free.distance_km == pytest.approx(gc(ta, tb), rel=1e-6)


def gc(ta: Terminal, tb: Terminal) -> float:
    return float(geodesic_distance_m(ta.lon, ta.lat, tb.lon, tb.lat)) / 1000.0


OVERSEAS = (
    "ow_brussels_ctu",
    "ow_amsterdam_ctu",
    "ow_chicago_ctu",
    "ow_malaszewicze_cdirp",
    "ow_tilburg_cdirp",
    "ow_nuremberg_cdirp",
    "ow_lodz_cdirp",
    "ow_hamburg_cdirp",
)


@pytest.mark.parametrize("place", OVERSEAS)
def test_routes_end_at_the_overseas_warehouses_and_centres(engine: Engine, place: str) -> None:
    p = engine.resolver.resolve(place)
    assert p.kind.value == "overseas_warehouse"
    assert p.operator
    assert p.status
    assert p.source
    res = engine.route("chengdu_irp", place, alternatives=1)
    assert res.routes
    assert res.destination.id == place


def test_report_gives_countries_of_road_and_air_services(engine: Engine) -> None:
    rows = {r.service_id: r for r in validate(engine, showcases=()).services}
    # international road freight stays on the roads of its itinerary's countries
    assert rows["road_chengdu_vientiane_bangkok"].countries == ("CHN", "LAO", "THA")
    assert rows["road_chengdu_khorgos_tashkent"].countries == ("CHN", "KAZ", "UZB")
    assert rows["road_nanning_youyiguan_hanoi"].countries == ("CHN", "VNM")
    # EU-operated freighters never overfly Russia or Belarus; a Chinese carrier may
    for sid in ("air_ctu_fra_lh_cargo", "air_ctu_bru_hongyuan"):
        assert not {"RUS", "BLR"} & set(rows[sid].countries)
    assert "RUS" in rows["air_tfu_bru_sichuan_airlines"].countries
