"""One set of rules for route options: the same input is accepted or refused everywhere."""

from __future__ import annotations

import math

import pytest

from corridors.errors import RequestError
from corridors.models import CargoUnit, Mode, Objective
from corridors.request import MAX_VIA, parse_options, parse_request, split_list


def test_lists_are_split_trimmed_and_order_free() -> None:
    a = parse_request(
        {
            "origin": " 成都 ",
            "destination": "Duisburg",
            "modes": ["sea, rail", "rail"],
            "avoid": "suez,malacca",
            "via": ["Khorgos , Almaty"],
        }
    )
    b = parse_request(
        {
            "origin": "成都",
            "destination": "Duisburg",
            "modes": ["rail", "sea"],
            "avoid": ["malacca", "suez"],
            "via": ["Khorgos", "Almaty"],
        }
    )
    assert a == b
    assert a.origin == "成都"
    assert a.modes == (Mode.RAIL, Mode.SEA)
    assert a.via == ("Khorgos", "Almaty")  # via keeps its order: it is a sequence
    assert a.key("fp") == b.key("fp")
    assert a.key("fp") != b.key("other fingerprint")
    assert split_list(None) == []
    assert split_list(" a,,b ,") == ["a", "b"]


@pytest.mark.parametrize(
    ("values", "names"),
    [
        ({"quantity": math.inf}, ["quantity"]),
        ({"quantity": math.nan}, ["quantity"]),
        ({"quantity": 0}, ["quantity"]),
        ({"quantity": -1}, ["quantity"]),
        ({"quantity": 1e308}, ["quantity"]),
        ({"alternatives": 11}, ["alternatives"]),
        ({"alternatives": 0}, ["alternatives"]),
        ({"modes": "rail,bus"}, ["modes"]),
        ({"unit": "box", "objective": "fast"}, ["unit", "objective"]),
        ({"via": [",".join(f"p{i}" for i in range(MAX_VIA + 1))]}, ["via"]),
    ],
)
def test_bad_options_name_every_problem(values: dict[str, object], names: list[str]) -> None:
    with pytest.raises(RequestError) as info:
        parse_request({"origin": "Chengdu", "destination": "Lodz", **values})
    err = info.value
    assert err.exit_code == 64
    assert err.status == 422
    assert sorted(e["loc"][0] for e in err.errors) == sorted(names)
    assert "--" not in str(err)  # parameters, never CLI flags


def test_limits_apply_after_splitting() -> None:
    # one comma-separated value with six places is six vias, over the limit of five
    with pytest.raises(RequestError, match="via"):
        parse_options({"via": "a,b,c,d,e,f"})
    assert parse_options({"via": "a,b,c,d,e"}).via == ("a", "b", "c", "d", "e")


def test_defaults() -> None:
    o = parse_options({})
    assert (o.unit, o.quantity, o.objective, o.alternatives, o.pareto) == (
        CargoUnit.FEU,
        1.0,
        Objective.TIME,
        3,
        False,
    )
    assert o.modes is None
