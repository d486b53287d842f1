"""The place resolver on Chinese, English, diacritic, alias, code and lon,lat inputs."""

from __future__ import annotations

import pytest

from hubs import (
    AmbiguousPlaceError,
    InvalidCoordinateError,
    Place,
    PlaceKind,
    PlaceResolver,
    Region,
    UnknownPlaceError,
    normalize,
)


@pytest.mark.parametrize(
    "query", ["lodz", "Lodz", "Łódź", "LODZ", "  łódź ", "罗兹", "PLLOD", "pllod"]
)
def test_lodz_spellings(resolver: PlaceResolver, query: str) -> None:
    assert resolver.resolve(query).id == "lodz"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("成都", "chengdu"),
        ("成都市", "chengdu"),
        ("Chengdu", "chengdu"),
        ("CTU", "ctu"),
        ("tfu", "tfu"),
        ("Zamyn-Üüd", "zamyn_uud"),
        ("zamyn uud", "zamyn_uud"),
        ("Altynköl", "altynkol"),
        ("Małaszewicze", "malaszewicze"),
        ("Nürnberg", "nuremberg"),
        ("友谊关", "pingxiang"),
        ("Guang'an", "guangan"),
        ("马尔康", "barkam"),
        ("Dartsedo", "kangding"),
        ("CNQZH", "qinzhou_port"),
        ("阿拉山口", "alashankou"),
    ],
)
def test_names_aliases_and_codes(resolver: PlaceResolver, query: str, expected: str) -> None:
    assert resolver.resolve(query).id == expected


def test_lonlat_gives_coordinate_place(resolver: PlaceResolver) -> None:
    place = resolver.resolve(" 104.0665, 30.5723 ")
    assert place.kind is PlaceKind.COORDINATE
    assert place.lonlat == (104.0665, 30.5723)


def test_lonlat_out_of_range(resolver: PlaceResolver) -> None:
    with pytest.raises(InvalidCoordinateError) as err:
        resolver.resolve("200,30")
    assert err.value.status == 422


def test_unknown_name_suggests_closest(resolver: PlaceResolver) -> None:
    with pytest.raises(UnknownPlaceError) as err:
        resolver.resolve("Lodzz")
    exc = err.value
    assert exc.suggestions[0] == "lodz"
    assert "lodz" in str(exc)
    assert isinstance(exc, LookupError)
    assert (exc.status, exc.type_slug, exc.exit_code) == (404, "unknown-place", 2)


def test_misspelt_chinese_city(resolver: PlaceResolver) -> None:
    with pytest.raises(UnknownPlaceError) as err:
        resolver.resolve("Chengduu")
    assert err.value.suggestions[0] == "chengdu"


def _place(pid: str, name_en: str, kind: PlaceKind, *, aliases: tuple[str, ...] = ()) -> Place:
    return Place(pid, "测试", name_en, aliases, kind, 104.0, 30.0, "CN")


def test_priority_prefers_city_over_port_then_raises_on_tie() -> None:
    resolver = PlaceResolver(
        [
            _place("foo", "Foo", PlaceKind.CITY),
            _place("foo_port", "Foo", PlaceKind.SEAPORT),
            _place("bar_a", "Shizhong District", PlaceKind.COUNTY),
            _place("bar_b", "Shizhong District", PlaceKind.COUNTY),
        ]
    )
    assert resolver.resolve("foo").id == "foo"  # id tier wins
    assert resolver.resolve("FOO").id == "foo"
    with pytest.raises(AmbiguousPlaceError) as err:
        resolver.resolve("Shizhong District")
    assert err.value.candidates == ["bar_a", "bar_b"]


def test_name_beats_alias() -> None:
    resolver = PlaceResolver(
        [
            _place("a", "Alpha", PlaceKind.CITY, aliases=("Beta",)),
            _place("b", "Beta", PlaceKind.OVERSEAS_WAREHOUSE),
        ]
    )
    assert resolver.resolve("beta").id == "b"


def test_duplicate_ids_rejected() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        PlaceResolver([_place("a", "A", PlaceKind.CITY), _place("a", "B", PlaceKind.CITY)])


def test_normalize() -> None:
    assert normalize("Łódź") == "lodz"
    assert normalize("Zamyn-Üüd") == "zamynuud"
    assert normalize(" São  Paulo ") == "saopaulo"
    assert normalize("成都（市）") == "成都市"


def test_search_filters(resolver: PlaceResolver) -> None:
    south = resolver.search("", kind="bonded_zone", region=Region.SOUTH_SICHUAN)
    assert [p.id for p in south] == ["cbz_luzhou", "cbz_yibin"]
    hits = resolver.search("lodz", limit=5)
    assert hits[0].id == "lodz"
    assert "ow_lodz_hatrans" in [p.id for p in hits]
