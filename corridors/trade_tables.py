"""The curated trade tables: published figures and the trade-flow model's specification.

Owns: reading and validating ``data/geo/trade/figures.csv`` (one published or derived figure per
row, each with year, period, definition, unit, source, source date and mark) and
``data/geo/trade/model.toml`` (commodity groups with value density and holding rate, partner
regions with their Belt-and-Road fraction and gateways, prefecture shares, the logit's
calibration and validation figure ids), every problem of both files at once, each naming its
file, row (or TOML key) and column; and :func:`trade_problems`, the hook through which
:func:`corridors.tables.validate_tables` (``shudao data check``) covers them. The model that uses
them lives in :mod:`corridors.trade`.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gis.errors import DataValidationError, Problem

TRADE_DIR = "trade"
FIGURES_FILE = "trade/figures.csv"
MODEL_FILE = "trade/model.toml"

FIGURE_COLUMNS = (
    "id",
    "indicator",
    "scope",
    "year",
    "period",
    "value",
    "unit",
    "definition",
    "source",
    "source_date",
    "mark",
    "note",
)
UNITS = frozenset({"cny_100m", "usd_bn", "share", "count", "tonnes"})
MARKS = frozenset({"published", "derived"})
CNY_PER_100M = 1e8


@dataclass(frozen=True)
class Figure:
    """One row of ``figures.csv``: a published (or derived) trade figure with its provenance."""

    id: str
    indicator: str
    scope: str
    year: int
    period: str
    value: float
    unit: str
    definition: str
    source: str
    source_date: dt.date
    mark: str
    note: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form (``published`` member of an indicator)."""
        return {
            "id": self.id,
            "value": self.value,
            "unit": self.unit,
            "year": self.year,
            "period": self.period,
            "definition": self.definition,
            "source": self.source,
            "source_date": self.source_date.isoformat(),
            "mark": self.mark,
        }


@dataclass(frozen=True)
class Gateway:
    """A destination offered to a region's trade, with its weight and optional onward leg."""

    place: str
    weight: float
    onward_mode: str | None = None
    onward_km: float = 0.0
    market: str = ""  # gateways of one market form one choice set (default: the place)


@dataclass(frozen=True)
class CommoditySpec:
    """A commodity group: names, share rule, value density and holding rate."""

    id: str
    name_zh: str
    name_en: str
    share: Mapping[str, Any]
    value_density_cny_per_t: float
    holding_rate_per_year: float

    @property
    def vot_cny_per_t_h(self) -> float:
        """Value of time per tonne and hour: density x holding rate / 8,760 h."""
        return self.value_density_cny_per_t * self.holding_rate_per_year / 8760.0


@dataclass(frozen=True)
class RegionSpec:
    """A partner region: names, share rule, Belt-and-Road fraction and gateways."""

    id: str
    name_zh: str
    name_en: str
    share: Mapping[str, Any]
    bri_fraction: float
    gateways: tuple[Gateway, ...]


@dataclass(frozen=True)
class LogitSpec:
    """The assignment's options and the figures it is calibrated and validated on."""

    alternatives: int
    objective: str
    theta_start: float
    theta_stop: float
    theta_count: int
    calibration: tuple[str, ...]
    validation: tuple[str, ...]
    vot_scale_start: float = 1.0
    vot_scale_stop: float = 1.0
    vot_scale_count: int = 1
    vot_scale_applies_to: tuple[str, ...] = ()


@dataclass(frozen=True)
class TradeTables:
    """The validated trade tables."""

    figures: Mapping[str, Figure]
    version: str
    base_year: int
    refs: Mapping[str, str]
    commodities: tuple[CommoditySpec, ...]
    regions: tuple[RegionSpec, ...]
    prefecture_shares: tuple[Mapping[str, str], ...]
    logit: LogitSpec
    targets: Mapping[str, Mapping[str, Any]]
    seed: Mapping[str, tuple[tuple[str, ...], float]] = field(default_factory=dict)

    def figure(self, fid: str) -> Figure:
        """The figure *fid* (validated to exist when referenced by the model)."""
        return self.figures[fid]


def _read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = [
            {k: (v or "").strip() for k, v in row.items() if isinstance(k, str)} for row in reader
        ]
        return list(reader.fieldnames or []), rows


def _figures(path: Path, problems: list[Problem]) -> dict[str, Figure]:
    name = FIGURES_FILE
    if not path.is_file():
        problems.append(Problem(name, None, None, f"file not found: {path}"))
        return {}
    header, rows = _read_rows(path)
    missing = [c for c in FIGURE_COLUMNS if c not in header]
    for column in missing:
        problems.append(Problem(name, None, column, "required column is missing"))
    if missing:
        return {}
    out: dict[str, Figure] = {}
    for i, row in enumerate(rows, start=1):
        before = len(problems)
        fid = row["id"]
        if not fid:
            problems.append(Problem(name, i, "id", "empty id"))
        elif fid in out:
            problems.append(Problem(name, i, "id", f"duplicate id {fid!r}"))
        for column in ("indicator", "scope", "period", "definition", "source"):
            if not row[column]:
                problems.append(Problem(name, i, column, "must not be empty"))
        try:
            year = int(row["year"])
            if not 1990 <= year <= 2100:
                raise ValueError
        except ValueError:
            problems.append(Problem(name, i, "year", f"{row['year']!r} is not a year"))
            year = 0
        try:
            value = float(row["value"])
            if not math.isfinite(value) or value < 0:
                raise ValueError
        except ValueError:
            problems.append(Problem(name, i, "value", f"{row['value']!r} is not a number >= 0"))
            value = math.nan
        unit = row["unit"]
        if unit not in UNITS:
            problems.append(Problem(name, i, "unit", f"{unit!r} is not one of {sorted(UNITS)}"))
        elif unit == "share" and not 0.0 <= value <= 1.0:
            problems.append(Problem(name, i, "value", "a share must lie in [0, 1]"))
        try:
            date = dt.date.fromisoformat(row["source_date"])
        except ValueError:
            problems.append(
                Problem(name, i, "source_date", f"{row['source_date']!r} is not a YYYY-MM-DD date")
            )
            date = dt.date.min
        if row["mark"] not in MARKS:
            problems.append(Problem(name, i, "mark", f"{row['mark']!r} is not published|derived"))
        if len(problems) == before:
            out[fid] = Figure(
                fid,
                row["indicator"],
                row["scope"],
                year,
                row["period"],
                value,
                unit,
                row["definition"],
                row["source"],
                date,
                row["mark"],
                row["note"],
            )
    return out


class _Model:
    """Collects problems while reading ``model.toml``; keys are written as dotted paths."""

    def __init__(self, problems: list[Problem], figure_ids: Collection[str]) -> None:
        self.problems = problems
        self.figure_ids = figure_ids

    def add(self, key: str, message: str) -> None:
        self.problems.append(Problem(MODEL_FILE, None, key, message))

    def table(self, doc: Mapping[str, Any], key: str, path: str) -> Mapping[str, Any]:
        value = doc.get(key)
        if not isinstance(value, Mapping):
            self.add(f"{path}{key}", "required table is missing")
            return {}
        return value

    def text(self, doc: Mapping[str, Any], key: str, path: str) -> str:
        value = doc.get(key)
        if not isinstance(value, str) or not value:
            self.add(f"{path}{key}", "required text is missing")
            return ""
        return value

    def figure(self, doc: Mapping[str, Any], key: str, path: str) -> str:
        fid = self.text(doc, key, path)
        if fid and fid not in self.figure_ids:
            self.add(f"{path}{key}", f"unknown figure {fid!r} (not in {FIGURES_FILE})")
        return fid

    def sourced(
        self, doc: Mapping[str, Any], key: str, path: str, *, lo: float, hi: float
    ) -> float:
        """A ``{value, source+as_of | assumption}`` number within [lo, hi]."""
        item = doc.get(key)
        where = f"{path}{key}"
        if not isinstance(item, Mapping):
            self.add(where, "required {value, source/as_of or assumption} is missing")
            return math.nan
        value = item.get("value")
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.add(f"{where}.value", "not a number")
            return math.nan
        if not (math.isfinite(value) and lo <= value <= hi):
            self.add(f"{where}.value", f"{value!r} is not in [{lo}, {hi}]")
        self.provenance(item, where)
        return float(value)

    def provenance(self, item: Mapping[str, Any], where: str) -> None:
        if not ((item.get("source") and item.get("as_of")) or item.get("assumption")):
            self.add(where, "needs source and as_of, or an assumption")


def _gateways(
    raw: object, path: str, m: _Model, known_places: Collection[str] | None
) -> tuple[Gateway, ...]:
    if not isinstance(raw, list) or not raw:
        m.add(f"{path}gateways", "needs a non-empty list of gateways")
        return ()
    out: list[Gateway] = []
    for j, g in enumerate(raw):
        where = f"{path}gateways[{j}]"
        if not isinstance(g, Mapping):
            m.add(where, "not a table")
            continue
        place = m.text(g, "place", f"{where}.")
        if place and known_places is not None and place not in known_places:
            m.add(f"{where}.place", f"unknown place {place!r} (not in places.csv)")
        weight = g.get("weight")
        if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 < weight <= 1:
            m.add(f"{where}.weight", "not a number in (0, 1]")
            weight = 0.0
        mode = g.get("onward_mode")
        km = g.get("onward_km", 0.0)
        if mode is not None and mode not in ("sea", "air"):
            m.add(f"{where}.onward_mode", f"{mode!r} is not sea or air")
        if mode is not None and (
            isinstance(km, bool) or not isinstance(km, int | float) or not 0 < km < 30000
        ):
            m.add(f"{where}.onward_km", "an onward leg needs a distance in (0, 30000) km")
            km = 0.0
        m.provenance(g, where)
        market = g.get("market", place)
        if not isinstance(market, str) or not market:
            m.add(f"{where}.market", "not a name")
            market = place
        out.append(Gateway(place, float(weight), mode, float(km) if mode else 0.0, market))
    total = sum(g.weight for g in out)
    if out and abs(total - 1.0) > 1e-6:
        m.add(f"{path}gateways", f"weights sum to {total:.7f}, not 1")
    return tuple(out)


def _share(raw: object, path: str, m: _Model, ids: Collection[str]) -> Mapping[str, Any]:
    where = f"{path}share"
    if not isinstance(raw, Mapping) or not raw:
        m.add(where, "required share rule is missing")
        return {}
    for key, value in raw.items():
        if key.endswith("figure") or key == "figure":
            m.figure(raw, key, f"{where}.")
        elif key in ("minus",) and value not in ids:
            m.add(f"{where}.{key}", f"{value!r} is not a group of this table")
        elif key == "minus_bri_of" and (
            not isinstance(value, list) or any(v not in ids for v in value)
        ):
            m.add(f"{where}.{key}", "must list regions of this table")
        elif key == "remainder" and value is not True:
            m.add(f"{where}.{key}", "must be true")
    return dict(raw)


def _model(
    path: Path,
    problems: list[Problem],
    figure_ids: Collection[str],
    known_places: Collection[str] | None,
    known_adcodes: Collection[str] | None,
) -> TradeTables | None:
    if not path.is_file():
        problems.append(Problem(MODEL_FILE, None, None, f"file not found: {path}"))
        return None
    try:
        doc = tomllib.loads(path.read_text("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        problems.append(Problem(MODEL_FILE, None, None, f"not valid TOML: {exc}"))
        return None
    before = len(problems)
    m = _Model(problems, figure_ids)
    version = m.text(doc, "version", "")
    base_year = doc.get("base_year")
    if not isinstance(base_year, int) or not 2000 <= base_year <= 2100:
        m.add("base_year", "not a year")
        base_year = 0
    refs = {
        k: m.figure(doc, k, "")
        for k in (
            "total_figure",
            "exports_figure",
            "imports_figure",
            "share_period_total_figure",
            "annual_total_figure",
        )
    }
    raw_c = m.table(doc, "commodities", "")
    commodities: list[CommoditySpec] = []
    for cid, c in raw_c.items():
        p = f"commodities.{cid}."
        if not isinstance(c, Mapping):
            m.add(p[:-1], "not a table")
            continue
        commodities.append(
            CommoditySpec(
                cid,
                m.text(c, "name_zh", p),
                m.text(c, "name_en", p),
                _share(c.get("share"), p, m, raw_c.keys()),
                m.sourced(c, "value_density_cny_per_t", p, lo=1.0, hi=1e9),
                m.sourced(c, "holding_rate_per_year", p, lo=0.0, hi=10.0),
            )
        )
    raw_r = m.table(doc, "regions", "")
    regions: list[RegionSpec] = []
    for rid, r in raw_r.items():
        p = f"regions.{rid}."
        if not isinstance(r, Mapping):
            m.add(p[:-1], "not a table")
            continue
        regions.append(
            RegionSpec(
                rid,
                m.text(r, "name_zh", p),
                m.text(r, "name_en", p),
                _share(r.get("share"), p, m, raw_r.keys()),
                m.sourced(r, "bri_fraction", p, lo=0.0, hi=1.0),
                _gateways(r.get("gateways"), p, m, known_places),
            )
        )
    for kind, items in (("commodities", commodities), ("regions", regions)):
        rest = [x.id for x in items if x.share.get("remainder")]
        if len(rest) != 1:
            m.add(kind, f"exactly one group must take the remainder (found {rest})")
    raw_p = m.table(doc, "prefectures", "")
    shares: list[Mapping[str, str]] = []
    seen: set[str] = set()
    for j, s in enumerate(raw_p.get("shares") or []):
        where = f"prefectures.shares[{j}]."
        adcode = m.text(s, "adcode", where)
        if adcode in seen:
            m.add(f"{where}adcode", f"duplicate prefecture {adcode}")
        seen.add(adcode)
        if adcode and known_adcodes is not None and adcode not in known_adcodes:
            m.add(f"{where}adcode", f"unknown prefecture {adcode!r} (not in prefectures.csv)")
        entry = {"adcode": adcode, "figure": m.figure(s, "figure", where)}
        if "scale_from" in s:
            entry["scale_from"] = m.figure(s, "scale_from", where)
        shares.append(entry)
    rest_p = raw_p.get("rest")
    if not isinstance(rest_p, Mapping) or not rest_p.get("assumption"):
        m.add("prefectures.rest", "needs an assumption saying how the remainder is shared")
    lg = m.table(doc, "logit", "")
    grid = lg.get("theta_grid") if isinstance(lg.get("theta_grid"), Mapping) else {}
    assert isinstance(grid, Mapping)
    start, stop, count = grid.get("start"), grid.get("stop"), grid.get("count")
    if not (
        isinstance(start, int | float)
        and isinstance(stop, int | float)
        and isinstance(count, int)
        and 0 < start < stop
        and 2 <= count <= 10000
    ):
        m.add("logit.theta_grid", "needs 0 < start < stop and 2 <= count <= 10000")
        start, stop, count = 1.0, 2.0, 2
    else:
        m.provenance(grid, "logit.theta_grid")
    vs = lg.get("vot_scale_grid") if isinstance(lg.get("vot_scale_grid"), Mapping) else {}
    assert isinstance(vs, Mapping)
    v0, v1, vn = vs.get("start"), vs.get("stop"), vs.get("count")
    applies = vs.get("applies_to")
    if not (
        isinstance(v0, int | float)
        and isinstance(v1, int | float)
        and isinstance(vn, int)
        and 0 < v0 <= v1
        and 1 <= vn <= 1000
        and isinstance(applies, list)
        and all(a in raw_c for a in applies)
    ):
        m.add("logit.vot_scale_grid", "needs 0 < start <= stop, 1 <= count, applies_to groups")
        v0, v1, vn, applies = 1.0, 1.0, 1, []
    else:
        m.provenance(vs, "logit.vot_scale_grid")
    alternatives = lg.get("alternatives")
    if not isinstance(alternatives, int) or not 1 <= alternatives <= 10:
        m.add("logit.alternatives", "not an integer in 1-10")
        alternatives = 6
    lists: dict[str, tuple[str, ...]] = {}
    for key in ("calibration", "validation"):
        ids = lg.get(key)
        if not isinstance(ids, list) or not ids:
            m.add(f"logit.{key}", "needs a non-empty list of figure ids")
            ids = []
        for j, fid in enumerate(ids):
            if fid not in figure_ids:
                m.add(f"logit.{key}[{j}]", f"unknown figure {fid!r} (not in {FIGURES_FILE})")
        lists[key] = tuple(str(x) for x in ids)
    overlap = sorted(set(lists["calibration"]) & set(lists["validation"]))
    if overlap:
        m.add("logit.validation", f"{overlap} also used for calibration: keep them held out")
    seed: dict[str, tuple[tuple[str, ...], float]] = {}
    raw_seed = doc.get("seed", {})
    for cid, sd in raw_seed.items() if isinstance(raw_seed, Mapping) else ():
        p = f"seed.{cid}."
        if cid not in raw_c or not isinstance(sd, Mapping):
            m.add(p[:-1], "not a commodity group of this table")
            continue
        codes = sd.get("prefectures")
        if not isinstance(codes, list) or not codes:
            m.add(f"{p}prefectures", "needs a list of adcodes")
            codes = []
        for j, a in enumerate(codes):
            if known_adcodes is not None and a not in known_adcodes:
                m.add(f"{p}prefectures[{j}]", f"unknown prefecture {a!r}")
        weight = m.sourced(sd, "other_weight", p, lo=0.0, hi=1.0)
        seed[cid] = (tuple(str(a) for a in codes), weight)
    targets: dict[str, Mapping[str, Any]] = {}
    for tid, t in m.table(doc, "targets", "").items():
        p = f"targets.{tid}."
        if not isinstance(t, Mapping):
            m.add(p[:-1], "not a table")
            continue
        for key in ("section", "unit", "label_zh", "label_en", "definition", "comparator"):
            m.text(t, key, p)
        m.figure(t, "published", p)
        if isinstance(t.get("target"), bool) or not isinstance(t.get("target"), int | float):
            m.add(f"{p}target", "not a number")
        targets[tid] = dict(t)
    if len(problems) > before:
        return None
    return TradeTables(
        {},
        version,
        base_year,
        refs,
        tuple(commodities),
        tuple(regions),
        tuple(shares),
        LogitSpec(
            alternatives,
            str(lg.get("objective", "generalized")),
            float(start),
            float(stop),
            int(count),
            lists["calibration"],
            lists["validation"],
            float(v0),
            float(v1),
            int(vn),
            tuple(str(a) for a in applies),
        ),
        targets,
        seed,
    )


def _check(
    data_dir: Path,
    *,
    known_places: Collection[str] | None,
    known_adcodes: Collection[str] | None,
) -> tuple[list[Problem], TradeTables | None]:
    problems: list[Problem] = []
    figures = _figures(data_dir / FIGURES_FILE, problems)
    ids = set(figures)
    if (data_dir / FIGURES_FILE).is_file():  # rows with problems still count as known ids
        ids |= {r.get("id", "") for r in _read_rows(data_dir / FIGURES_FILE)[1]}
    model = _model(data_dir / MODEL_FILE, problems, ids, known_places, known_adcodes)
    if problems or model is None:
        return problems, None
    return problems, TradeTables(
        figures,
        model.version,
        model.base_year,
        model.refs,
        model.commodities,
        model.regions,
        model.prefecture_shares,
        model.logit,
        model.targets,
        model.seed,
    )


def trade_problems(
    data_dir: Path,
    *,
    known_places: Collection[str] | None = None,
    known_adcodes: Collection[str] | None = None,
) -> list[Problem]:
    """Every problem of the trade tables of *data_dir* (none when it has no ``trade/``).

    Parameters
    ----------
    data_dir : Path
        The curated tables (normally ``data/geo``).
    known_places, known_adcodes : collection of str, optional
        Place ids and prefecture adcodes the gateways and prefecture shares must name.
    """
    if not (data_dir / TRADE_DIR).is_dir():
        return []
    return _check(data_dir, known_places=known_places, known_adcodes=known_adcodes)[0]


def load_trade_tables(
    data_dir: Path,
    *,
    known_places: Collection[str] | None = None,
    known_adcodes: Collection[str] | None = None,
) -> TradeTables:
    """The validated trade tables of *data_dir*.

    Raises
    ------
    gis.errors.DataValidationError
        Every problem of ``figures.csv`` and ``model.toml`` at once (exit code 3).
    """
    problems, tables = _check(data_dir, known_places=known_places, known_adcodes=known_adcodes)
    if problems or tables is None:
        raise DataValidationError(problems or [Problem(MODEL_FILE, None, None, "not loaded")])
    return tables
