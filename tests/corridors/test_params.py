"""Tests of corridors.params: the shipped parameter file, validation, overrides, conversions."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from corridors.errors import (
    CorridorError,
    InfeasibleConstraintError,
    NoRouteError,
    ParameterError,
    QuantityError,
    UnknownCorridorError,
    UnknownParameterError,
)
from corridors.params import (
    MODES,
    Parameters,
    apply_overrides,
    default_parameters_path,
    load_overrides,
    load_parameters,
)
from gis.errors import DataValidationError

SHIPPED = default_parameters_path()


@pytest.fixture(scope="module")
def params() -> Parameters:
    return load_parameters(SHIPPED)


def _numeric_leaves(node: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Yield (key path, parent table) for every number in the raw TOML."""
    if isinstance(node, dict):
        for key, value in node.items():
            child = f"{path}.{key}" if path else key
            if isinstance(value, bool):
                continue
            if isinstance(value, int | float):
                yield child, node
            else:
                yield from _numeric_leaves(value, child)


# ------------------------------------------------------------------ the shipped file


def test_shipped_file_loads(params: Parameters) -> None:
    assert params.version.startswith("2026-")
    assert set(MODES) == {"road", "rail", "sea", "inland_waterway", "air"}
    for border_id in (
        "alashankou",
        "khorgos",
        "erenhot",
        "manzhouli",
        "mohan",
        "pingxiang",
        "hekou",
        "brest",
        "default",
    ):
        assert border_id in params.border_table
    assert set(params.gauge_break_table) == {"1435-1520", "1000-1435"}


def test_every_number_in_raw_toml_is_sourced_or_assumed() -> None:
    raw = tomllib.loads(SHIPPED.read_text(encoding="utf-8"))
    leaves = list(_numeric_leaves(raw))
    assert len(leaves) > 100
    for key, table in leaves:
        assert key.endswith(".value"), f"bare number at {key}: wrap it in a sourced table"
        has_source = bool(table.get("source")) and table.get("as_of") is not None
        has_assumption = bool(str(table.get("assumption", "")).strip())
        assert has_source or has_assumption, key
        assert str(table.get("unit", "")).strip(), f"{key} has no unit"


def test_sources_lists_every_value_sorted(params: Parameters) -> None:
    rows = params.sources()
    keys = [r.key for r in rows]
    assert keys == sorted(keys)
    raw = tomllib.loads(SHIPPED.read_text(encoding="utf-8"))
    raw_keys = sorted(k.removesuffix(".value") for k, _ in _numeric_leaves(raw))
    assert keys == raw_keys
    rail = next(r for r in rows if r.key == "modes.rail.speed_kph")
    assert rail.value == 40.0
    assert rail.unit == "km/h"
    assert rail.source is not None
    assert rail.as_of is not None


def test_plausible_orders_of_magnitude(params: Parameters) -> None:
    co2 = {m: params.mode(m).co2_g_per_tkm.value for m in MODES}
    assert co2["sea"] < co2["rail"] < co2["road"] < co2["air"]
    speed = {m: sv.value for m in MODES if (sv := params.mode(m).speed_kph) is not None}
    speed["road"] = params.road_region("CN")[1].speed_kph.value  # road speeds are per region
    assert speed["inland_waterway"] < speed["sea"] < speed["rail"] < speed["road"] < speed["air"]
    per_t_km = {m: params.tariff_cny_per_km(m, "tonne") for m in MODES}
    assert per_t_km["sea"] < per_t_km["rail"] < per_t_km["road"] < per_t_km["air"]


# ---------------------------------------------------------------------- conversions


def test_tonnes_scales_with_payload(params: Parameters) -> None:
    assert params.tonnes("FEU", 2) == pytest.approx(2 * params.payload.FEU.value)
    assert params.tonnes("TEU", 3) == pytest.approx(30.0)
    assert params.tonnes("kg", 1500) == pytest.approx(1.5)
    assert params.tonnes("tonne", 0) == 0.0


@pytest.mark.parametrize("quantity", [-1.0, float("nan"), float("inf")])
def test_tonnes_rejects_bad_quantity(params: Parameters, quantity: float) -> None:
    with pytest.raises(QuantityError):
        params.tonnes("TEU", quantity)


def test_unknown_unit_mode_currency(params: Parameters) -> None:
    with pytest.raises(UnknownParameterError) as unit_err:
        params.tonnes("FEUs", 1)
    assert "FEU" in unit_err.value.suggestions["FEUs"]
    with pytest.raises(UnknownParameterError, match="rail"):
        params.mode("rial")
    with pytest.raises(UnknownParameterError):
        params.to_cny(1.0, "XYZ")


def test_per_unit_derivation_by_mass(params: Parameters) -> None:
    # Air gives only a per-kg tariff: one FEU costs payload_kg times the kg rate.
    kg_rate = params.tariff_cny_per_km("air", "kg")
    assert params.tariff_cny_per_km("air", "FEU") == pytest.approx(kg_rate * 20_000)
    # Value of time gives only TEU: FEU is twice, tonne a tenth.
    teu = params.value_of_time_cny_per_h("TEU")
    assert params.value_of_time_cny_per_h("FEU") == pytest.approx(2 * teu)
    assert params.value_of_time_cny_per_h("tonne") == pytest.approx(teu / 10)
    # A directly given value wins over the derivation.
    assert params.tariff_cny_per_km("rail", "TEU") == params.modes.rail.tariff_cny_per_km.TEU.value  # type: ignore[union-attr]


def test_fx_and_lookups(params: Parameters) -> None:
    assert params.to_cny(100.0, "usd") == pytest.approx(100 * params.fx["USD"].value)
    assert params.to_cny(5.0, "CNY") == 5.0
    assert params.border("Alashankou") is params.border_table["alashankou"]
    assert params.border("no-such-border") is params.border_table["default"]
    assert params.gauge_break("1520-1435") is params.gauge_break("1435_1520")
    with pytest.raises(UnknownParameterError):
        params.gauge_break("1435-1676")
    assert params.transfer("sea", "rail") is params.transfer_table["rail-sea"]
    assert params.transfer("air", "sea") is params.transfer_table["default"]
    assert params.average_wait_h(2) == pytest.approx(42.0)
    with pytest.raises(QuantityError):
        params.average_wait_h(0)


# ------------------------------------------------------------------ malformed files


def test_malformed_file_reports_all_problems_with_key_paths(tmp_path: Path) -> None:
    text = SHIPPED.read_text(encoding="utf-8")
    text = text.replace('version = "2026-12-05.1"', 'version = "v1"')
    # a bare number, a value without provenance, a negative speed, an unknown key
    text = text.replace(
        'tonne = { value = 1.0, unit = "t/tonne", assumption = "Definition." }', "tonne = 1.0"
    )
    text = text.replace(
        'USD = { value = 7.1072, unit = "CNY/USD", source = "Xinhua',
        'USD = { value = 7.1072, unit = "CNY/USD", sauce = "Xinhua',
    )
    text = text.replace(
        'speed_kph = { value = 800.0, unit = "km/h"', 'speed_kph = { value = -800.0, unit = "km/h"'
    )
    text = re.sub(
        r'handling_h = \{ value = 2\.0, unit = "h", assumption = "Loading/unloading[^\n]*',
        'handling_h = { value = 2.0, unit = "h" }',
        text,
        count=1,
    )
    bad = tmp_path / "parameters.toml"
    bad.write_text(text, encoding="utf-8")

    with pytest.raises(ParameterError) as exc_info:
        load_parameters(bad)
    err = exc_info.value
    assert isinstance(err, DataValidationError)
    assert isinstance(err, CorridorError)
    columns = {p.column for p in err.problems}
    assert "version" in columns
    assert "payload.tonne" in columns
    assert "fx.USD.sauce" in columns
    assert "modes.air" in columns
    assert "modes.road.handling_h" in columns
    assert all(p.file == str(bad) for p in err.problems)
    assert any("speed_kph must be > 0" in p.message for p in err.problems)
    assert any("source" in p.message and "as_of" in p.message for p in err.problems)
    assert len(err.problems) >= 5


def test_source_without_date_is_rejected(tmp_path: Path) -> None:
    text = SHIPPED.read_text(encoding="utf-8").replace(", as_of = 2024-03-20 }", " }")
    bad = tmp_path / "p.toml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ParameterError) as exc_info:
        load_parameters(bad)
    (problem,) = exc_info.value.problems
    assert problem.column == "border.mohan.time_h"
    assert "as_of" in problem.message


def test_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "p.toml"
    bad.write_text('version = "2025-01-01.1"\nas_of = 2025-01-01\n[fx]\nUSD = { value = }\n')
    with pytest.raises(ParameterError) as exc_info:
        load_parameters(bad)
    (problem,) = exc_info.value.problems
    assert problem.row == 4
    assert "TOML" in problem.message


def test_missing_file_is_a_parameter_error(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match="cannot read"):
        load_parameters(tmp_path / "nope.toml")


# ------------------------------------------------------------------------ overrides


def test_override_changes_value_and_fingerprint(params: Parameters) -> None:
    new = apply_overrides(params, {"modes.rail.speed_kph": 45, "fx.USD.value": 7.0})
    assert new.modes.rail.speed_kph.value == 45.0
    assert new.fx["USD"].value == 7.0
    assert new.modes.rail.speed_kph.assumption is not None
    assert "override" in new.modes.rail.speed_kph.assumption
    assert new.modes.rail.speed_kph.unit == "km/h"
    assert new.fingerprint() != params.fingerprint()
    # the original is untouched
    assert params.modes.rail.speed_kph.value == 40.0


def test_fingerprint_is_stable(params: Parameters) -> None:
    again = load_parameters(SHIPPED)
    assert again.fingerprint() == params.fingerprint()
    assert len(params.fingerprint()) == 64
    assert apply_overrides(params, {}).fingerprint() == params.fingerprint()


def test_unknown_override_keys_fail_with_suggestions(params: Parameters) -> None:
    with pytest.raises(UnknownParameterError) as exc_info:
        apply_overrides(params, {"modes.rail.sped_kph": 45, "modes.rail.speed_kph": 50})
    err = exc_info.value
    assert err.keys == ("modes.rail.sped_kph",)
    assert "modes.rail.speed_kph" in err.suggestions["modes.rail.sped_kph"]
    assert "did you mean" in str(err)
    # a section is not a value
    with pytest.raises(UnknownParameterError):
        apply_overrides(params, {"modes.rail": 1.0})


def test_invalid_override_values(params: Parameters) -> None:
    with pytest.raises(ParameterError) as exc_info:
        apply_overrides(params, {"modes.rail.speed_kph": 0})
    assert exc_info.value.problems[0].column == "modes.rail"
    with pytest.raises(QuantityError):
        apply_overrides(params, {"modes.rail.speed_kph": float("nan")})


def test_load_overrides_file(tmp_path: Path, params: Parameters) -> None:
    f = tmp_path / "o.toml"
    f.write_text("modes.sea.speed_kph = 30\n[border.brest]\ntime_h = 24\n", encoding="utf-8")
    overrides = load_overrides(f)
    assert overrides == {"modes.sea.speed_kph": 30.0, "border.brest.time_h": 24.0}
    new = apply_overrides(params, overrides)
    assert new.border("brest").time_h.value == 24.0
    f.write_text('modes.sea.speed_kph = "fast"\n', encoding="utf-8")
    with pytest.raises(ParameterError):
        load_overrides(f)


# --------------------------------------------------------------------------- errors


def test_error_classes_carry_status_and_kind() -> None:
    assert NoRouteError.status == 422
    assert issubclass(NoRouteError, LookupError)
    assert UnknownCorridorError.status == 404
    err = InfeasibleConstraintError("max_time_h", limit=240, best=310.5)
    assert isinstance(err, ValueError)
    assert err.status == 422
    assert err.constraint == "max_time_h"
    assert "max_time_h" in str(err)
    assert "310.5" in str(err)
    assert issubclass(ParameterError, DataValidationError)
