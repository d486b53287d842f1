"""The trade answers shared by ``shudao flows|indicators`` and ``/v1/flows|/v1/indicators``.

Owns: the shipped scenarios by name (``data/geo/scenarios/<name>.toml``, an unknown name is an
error with suggestions; their titles for pickers), :class:`TradeReport` (one per baseline
engine: the trade tables, the fitted flows and the cached assignments per scenario key), and the
JSON payloads of the flows grouped by mode, corridor, border, gateway, prefecture, region or
commodity, of the indicators and of the validation.
"""

from __future__ import annotations

import difflib
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corridors.errors import CorridorError
from corridors.trade_assign import GROUPINGS, Assignment, TradeModel
from corridors.trade_indicators import indicators, validation
from corridors.trade_tables import load_trade_tables

if TYPE_CHECKING:
    from corridors.engine import Engine

SCENARIO_DIR = "scenarios"


class UnknownTradeScenarioError(CorridorError, LookupError):
    """No shipped scenario has this name (exit 64, HTTP 404); carries suggestions."""

    status = 404
    type_slug = "unknown-scenario"
    exit_code = 64

    def __init__(self, name: str, known: list[str]) -> None:
        self.suggestions = difflib.get_close_matches(name, known, n=3, cutoff=0.4) or known[:5]
        super().__init__(
            f"unknown scenario {name!r}; shipped scenarios: {', '.join(known)}"
            f" (did you mean: {', '.join(self.suggestions)}?)"
        )


class UnknownGroupingError(CorridorError, ValueError):
    """``by`` is not one of the groupings (exit 64, HTTP 422)."""

    status = 422
    type_slug = "bad-request"
    exit_code = 64

    def __init__(self, by: str) -> None:
        self.suggestions = difflib.get_close_matches(by, GROUPINGS, n=2) or list(GROUPINGS)
        super().__init__(f"unknown grouping {by!r}; choose from {', '.join(GROUPINGS)}")


def shipped_scenarios(data_dir: Path) -> list[str]:
    """Names of the shipped scenarios (file stems in ``data_dir/scenarios``), sorted."""
    return sorted(p.stem for p in (data_dir / SCENARIO_DIR).glob("*.toml"))


def shipped_scenario_titles(data_dir: Path) -> list[dict[str, str]]:
    """Name, English and Chinese title of each shipped scenario, sorted by name (for pickers)."""
    import tomllib  # noqa: PLC0415

    out = []
    for name in shipped_scenarios(data_dir):
        doc = tomllib.loads((data_dir / SCENARIO_DIR / f"{name}.toml").read_text(encoding="utf-8"))
        title = str(doc.get("title") or name)
        out.append({"name": name, "title": title, "title_zh": str(doc.get("title_zh") or title)})
    return out


def shipped_scenario_engine(base: Engine, data_dir: Path, name: str) -> Engine:
    """The baseline with the shipped scenario *name* applied (validated against the data)."""
    from corridors.scenarios import apply_scenario, load_scenario_file  # noqa: PLC0415

    known = shipped_scenarios(data_dir)
    if name not in known:
        raise UnknownTradeScenarioError(name, known)
    path = data_dir / SCENARIO_DIR / f"{name}.toml"
    return apply_scenario(base, load_scenario_file(path, engine=base))


class TradeReport:
    """The trade model of one baseline engine, answering per scenario key (cached).

    Parameters
    ----------
    base : Engine
        The baseline engine (calibrates the logit scale once).
    data_dir : Path
        The curated tables (``trade/figures.csv``, ``trade/model.toml``).
    """

    def __init__(self, base: Engine, data_dir: Path) -> None:
        self.base = base
        self.data_dir = data_dir
        self.tables = load_trade_tables(
            data_dir,
            known_places={p.id for p in base.catalog.places},
            known_adcodes={p.adcode for p in base.catalog.prefectures},
        )
        seats = {p.adcode: p.seat_place_id for p in base.catalog.prefectures}
        self.model = TradeModel(self.tables, seats)
        self.names = {p.adcode: f"{p.short_zh} {p.short_en}" for p in base.catalog.prefectures}
        self._engines: dict[str, Engine] = {}
        self._lock = threading.Lock()

    def shipped(self, name: str) -> Engine:
        """The engine of the shipped scenario *name* (built once)."""
        with self._lock:
            found = self._engines.get(name)
        if found is None:
            found = shipped_scenario_engine(self.base, self.data_dir, name)
            with self._lock:
                self._engines[name] = found
        return found

    def assignment(self, engine: Engine | None, key: str) -> tuple[Assignment, float]:
        """The assignment under *engine* (baseline when None) and the seconds it took."""
        if engine is None:
            return self.model.assignment(self.base, "baseline", baseline=self.base)
        return self.model.assignment(engine, key, baseline=self.base)

    def _meta(self, scenario: str | None, seconds: float) -> dict[str, Any]:
        cal = self.model.calibration(self.base)
        return {
            "scenario": scenario,
            "base_year": self.tables.base_year,
            "model_version": self.tables.version,
            "parameters_version": self.base.params.version,
            "logit": {
                "theta": round(cal.logit.theta, 6),
                "vot_scale": round(cal.logit.vot_scale, 6),
                "vot_cny_per_t_h": {
                    c.id: round(v, 6)
                    for c, v in zip(self.tables.commodities, cal.logit.vot_cny_per_t_h, strict=True)
                },
                "calibration_figure": cal.figure,
                "calibration_target": round(cal.target, 6),
                "calibration_modelled": round(cal.modelled, 6),
            },
            "mode_definition": "mode at the Chinese border (customs 'mode of transport')",
            "seconds": round(seconds, 6),
        }

    def flows(self, engine: Engine | None, key: str, *, by: str) -> dict[str, Any]:
        """Flows grouped *by* one of :data:`GROUPINGS`, with the model's metadata."""
        if by not in GROUPINGS:
            raise UnknownGroupingError(by)
        a, seconds = self.assignment(engine, key)
        names = self.names if by == "prefecture" else None
        return {
            **self._meta(None if engine is None else key, seconds),
            "by": by,
            "total_value_cny": round(a.total("value_cny"), 6),
            "total_tonnes": round(a.total("tonnes"), 6),
            "unrouted_value_cny": round(a.unrouted_cny, 6),
            "rows": a.by(by, names),
        }

    def indicators(self, engine: Engine | None, key: str) -> dict[str, Any]:
        """The plan's indicators (with the baseline beside a scenario's)."""
        a, seconds = self.assignment(engine, key)
        base = None if engine is None else self.assignment(None, "baseline")[0]
        return {
            **self._meta(None if engine is None else key, seconds),
            "indicators": indicators(a, self.tables, baseline=base),
        }

    def validation(self) -> dict[str, Any]:
        """The baseline against the figures held out of calibration."""
        a, seconds = self.assignment(None, "baseline")
        usd = self.base.params.to_cny(1.0, "USD")
        return {**self._meta(None, seconds), **validation(a, self.tables, usd_cny=usd)}
