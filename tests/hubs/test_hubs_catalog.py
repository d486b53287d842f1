"""The curated tables: required rows, the prefecture -> region mapping, provenance."""

from __future__ import annotations

from collections import Counter

from hubs import Catalog, PlaceKind, Region

REQUIRED_IDS_TEXT = """
chengdu zigong panzhihua luzhou deyang mianyang guangyuan suining neijiang leshan nanchong meishan
yibin guangan dazhou yaan bazhong ziyang barkam kangding xichang
chengdu_irp ctu tfu yibin_port luzhou_port cbz_chengdu_hitech cbz_chengdu_irp
cbz_chengdu_tianfu_airport cbz_mianyang cbz_yibin cbz_luzhou
alashankou dostyk khorgos altynkol erenhot zamyn_uud manzhouli zabaikalsk mohan boten pingxiang
dong_dang hekou lao_cai brest malaszewicze
qinzhou_port beihai_port fangchenggang_port zhanjiang_port shanghai_port ningbo_port
chongqing_guoyuan wuhan_port singapore laem_chabang hcmc_port haiphong_port port_klang jakarta_port
rotterdam hamburg antwerp piraeus aktau kuryk alat poti
lodz duisburg nuremberg tilburg budapest moscow minsk almaty tashkent istanbul vientiane bangkok
hanoi kunming nanning chongqing xian urumqi lanzhou frankfurt liege amsterdam sao_paulo tbilisi
kars baku yen_vien fra lgg ams bud gru sin bkk han kmg
"""
REQUIRED_IDS = REQUIRED_IDS_TEXT.split()


def test_required_ids_present(catalog: Catalog) -> None:
    missing = [i for i in REQUIRED_IDS if i not in catalog.places_by_id]
    assert missing == []


def test_at_least_150_places_sorted_by_id(catalog: Catalog) -> None:
    ids = [p.id for p in catalog.places]
    assert len(ids) >= 150
    assert ids == sorted(ids)


def test_required_airports_have_their_iata_as_id(catalog: Catalog) -> None:
    for code in ("fra", "lgg", "ams", "bud", "gru", "sin", "bkk", "han", "kmg", "ctu", "tfu"):
        place = catalog.places_by_id[code]
        assert place.kind is PlaceKind.AIRPORT
        assert place.iata == code.upper()


def test_region_counts_8_4_5_2_2(catalog: Catalog) -> None:
    # Sichuan's five economic regions (五区): 8 Chengdu Plain, 4 South, 5 Northeast, 2 Panxi,
    # 2 Northwest ecological zone = 21 prefecture-level divisions.
    counts = Counter(p.region for p in catalog.prefectures)
    assert counts == {
        Region.CHENGDU_PLAIN: 8,
        Region.SOUTH_SICHUAN: 4,
        Region.NORTHEAST_SICHUAN: 5,
        Region.PANXI: 2,
        Region.NORTHWEST_ECOLOGICAL: 2,
    }


def test_specific_region_members(catalog: Catalog) -> None:
    def members(region: Region) -> set[str]:
        return {p.short_en for p in catalog.prefectures if p.region is region}

    assert members(Region.SOUTH_SICHUAN) == {"Zigong", "Luzhou", "Neijiang", "Yibin"}
    assert members(Region.PANXI) == {"Panzhihua", "Liangshan"}
    assert members(Region.NORTHWEST_ECOLOGICAL) == {"Ngawa", "Garzê"}
    assert {"Leshan", "Ya'an", "Suining"} <= members(Region.CHENGDU_PLAIN)
    assert "Guang'an" in members(Region.NORTHEAST_SICHUAN)
    assert Region.NORTHWEST_ECOLOGICAL.label_zh == "川西北生态示范区"


def test_places_inherit_region_from_adcode(catalog: Catalog) -> None:
    by_id = catalog.places_by_id
    assert by_id["yibin_port"].region is Region.SOUTH_SICHUAN
    assert by_id["kangding"].region is Region.NORTHWEST_ECOLOGICAL
    assert by_id["xic"].region is Region.PANXI
    assert by_id["lodz"].region is None
    assert by_id["lodz"].adcode == ""


def test_every_seat_is_a_prefecture_seat_with_its_adcode(catalog: Catalog) -> None:
    for pref in catalog.prefectures:
        seat = catalog.seat(pref.adcode)
        assert seat.kind is PlaceKind.PREFECTURE_SEAT
        assert seat.adcode == pref.adcode


def test_every_place_has_provenance(catalog: Catalog) -> None:
    for p in catalog.places:
        assert p.coord_source, p.id
        assert (p.source and p.as_of) or p.assumption, p.id


def test_feature_is_rfc7946_point(catalog: Catalog) -> None:
    feature = catalog.places_by_id["lodz"].to_feature()
    assert feature["type"] == "Feature"
    assert feature["id"] == "lodz"
    assert feature["geometry"] == {"type": "Point", "coordinates": [19.466667, 51.75]}
    assert "Łódź" in feature["properties"]["aliases"]
