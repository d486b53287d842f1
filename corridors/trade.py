"""Sichuan's trade-flow model: published marginals, iterative proportional fitting, indicators.

Owns: the marginals of the base year derived from the published figures of
:mod:`corridors.trade_tables` (direction, partner region, commodity group and prefecture totals,
each share traced to its figure or its stated assumption); :func:`ipf`, iterative proportional
fitting of a seed array to any set of marginals; :func:`fit_flows`, the prefecture x region x
commodity x direction matrix in CNY and tonnes (every cell ``modelled``); and
:func:`indicators` and :func:`validation`, the plan's targets and the held-out checks computed
from an assignment (:mod:`corridors.trade_assign` routes the flows on the engine).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from corridors.trade_tables import CNY_PER_100M, Figure, TradeTables
from gis.errors import DataValidationError, Problem

DIRECTIONS = ("export", "import")
FloatArray = npt.NDArray[np.float64]
OVER_10BN_CNY = 1e10


def ipf(
    seed: FloatArray,
    targets: Mapping[tuple[int, ...], FloatArray],
    *,
    tol: float = 1e-10,
    max_iter: int = 1000,
) -> FloatArray:
    """Iterative proportional fitting of *seed* to the marginals *targets*.

    Parameters
    ----------
    seed : ndarray
        Non-negative prior (ones give the maximum-entropy fit).
    targets : mapping
        Axes kept by a marginal -> that marginal (the sum of the fitted array over the other
        axes must equal it); all marginals must have the same grand total.
    tol : float, optional
        Largest relative marginal error accepted.
    max_iter : int, optional
        Sweeps before giving up.

    Returns
    -------
    ndarray
        The fitted array.

    Raises
    ------
    ValueError
        When the marginals disagree on the total or the fit does not converge.
    """
    x = np.array(seed, dtype=np.float64)
    totals = [float(t.sum()) for t in targets.values()]
    if max(totals) - min(totals) > 1e-9 * max(totals):
        raise ValueError(f"marginals disagree on the total: {totals}")
    all_axes = tuple(range(x.ndim))
    for _ in range(max_iter):
        worst = 0.0
        for axes, target in targets.items():
            other = tuple(a for a in all_axes if a not in axes)
            current = x.sum(axis=other, keepdims=True)
            shape = [x.shape[a] if a in axes else 1 for a in all_axes]
            want = np.asarray(target, dtype=np.float64).reshape(shape)
            factor = np.divide(want, current, out=np.zeros_like(current), where=current > 0)
            x = x * factor
        for axes, target in targets.items():
            other = tuple(a for a in all_axes if a not in axes)
            got = x.sum(axis=other)
            scale = max(float(np.abs(target).max()), 1.0)
            worst = max(worst, float(np.abs(got - target).max()) / scale)
        if worst <= tol:
            return x
    raise ValueError(f"IPF did not converge in {max_iter} sweeps (error {worst:.3g})")


@dataclass(frozen=True)
class Marginals:
    """The base year's marginals in CNY, with the figures each was derived from."""

    prefectures: tuple[str, ...]
    prefecture_cny: FloatArray
    regions: tuple[str, ...]
    region_cny: FloatArray
    commodities: tuple[str, ...]
    commodity_cny: FloatArray
    direction_cny: FloatArray
    total_cny: float


def _cny(fig: Figure) -> float:
    if fig.unit != "cny_100m":
        raise DataValidationError(
            [Problem("trade/figures.csv", None, "unit", f"{fig.id}: expected cny_100m")]
        )
    return fig.value * CNY_PER_100M


def marginals(tables: TradeTables, adcodes: Sequence[str]) -> Marginals:
    """The base year's marginals derived from the published figures (see ``model.toml``).

    Region and prefecture shares are the H1 shares applied to the annual total; the commodity
    shares come from the published composition figures; each remainder goes to the one group that
    takes it (regions, commodities) or is shared equally (prefectures without a figure).

    Raises
    ------
    gis.errors.DataValidationError
        When the published shares add up to more than the whole.
    """
    fig = tables.figure
    refs = tables.refs
    total = _cny(fig(refs["total_figure"]))
    exports, imports = _cny(fig(refs["exports_figure"])), _cny(fig(refs["imports_figure"]))
    h1_total = _cny(fig(refs["share_period_total_figure"]))
    problems: list[Problem] = []
    # regions
    rshare: dict[str, float] = {}
    for r in tables.regions:
        if "figure" in r.share:
            rshare[r.id] = _cny(fig(r.share["figure"])) / h1_total
    for r in tables.regions:
        if "bri_figure" in r.share:
            bri = _cny(fig(r.share["bri_figure"])) / h1_total
            bri_of = {x.id: x.bri_fraction for x in tables.regions}
            rshare[r.id] = bri - sum(rshare[o] * bri_of[o] for o in r.share["minus_bri_of"])
    rest_r = [r.id for r in tables.regions if r.share.get("remainder")]
    rshare[rest_r[0]] = 1.0 - sum(rshare.values())
    # commodities
    cshare: dict[str, float] = {}
    for c in tables.commodities:
        if "figure" in c.share:
            cshare[c.id] = fig(c.share["figure"]).value
    for c in tables.commodities:
        if "electromechanical_exports_figure" in c.share:
            em = (
                fig(c.share["electromechanical_exports_figure"]).value * exports
                + fig(c.share["electromechanical_imports_figure"]).value * imports
            ) / total
            cshare[c.id] = em - cshare[c.share["minus"]]
    rest_c = [c.id for c in tables.commodities if c.share.get("remainder")]
    cshare[rest_c[0]] = 1.0 - sum(cshare.values())
    # prefectures
    pshare: dict[str, float] = {}
    for s in tables.prefecture_shares:
        value = _cny(fig(s["figure"]))
        base = _cny(fig(s["scale_from"])) if "scale_from" in s else h1_total
        pshare[s["adcode"]] = value / base
    rest_p = [a for a in adcodes if a not in pshare]
    left = 1.0 - sum(pshare.values())
    for a in rest_p:
        pshare[a] = left / len(rest_p)
    for kind, shares in (("regions", rshare), ("commodities", cshare), ("prefectures", pshare)):
        bad = {k: round(v, 6) for k, v in shares.items() if v < 0}
        if bad:
            msg = f"published shares exceed the whole; negative remainder {bad}"
            problems.append(Problem("trade/model.toml", None, kind, msg))
    if problems:
        raise DataValidationError(problems)
    regions = tuple(r.id for r in tables.regions)
    commodities = tuple(c.id for c in tables.commodities)
    prefectures = tuple(adcodes)
    return Marginals(
        prefectures,
        np.array([pshare[a] * total for a in prefectures]),
        regions,
        np.array([rshare[r] * total for r in regions]),
        commodities,
        np.array([cshare[c] * total for c in commodities]),
        np.array([exports, imports]),
        total,
    )


@dataclass(frozen=True)
class Flows:
    """The fitted flow matrix (every cell ``modelled``).

    Value (CNY) and tonnes per prefecture x region x commodity x direction.
    """

    marginals: Marginals
    value_cny: FloatArray
    tonnes: FloatArray

    def cells(self) -> list[dict[str, Any]]:
        """One row per non-empty cell, sorted, marked ``modelled``."""
        m = self.marginals
        out: list[dict[str, Any]] = []
        for idx in zip(*np.nonzero(self.value_cny), strict=True):
            p, r, c, d = (int(i) for i in idx)
            out.append(
                {
                    "prefecture": m.prefectures[p],
                    "region": m.regions[r],
                    "commodity": m.commodities[c],
                    "direction": DIRECTIONS[d],
                    "value_cny": round(float(self.value_cny[idx]), 6),
                    "tonnes": round(float(self.tonnes[idx]), 6),
                    "mark": "modelled",
                }
            )
        return out


def fit_flows(tables: TradeTables, adcodes: Sequence[str]) -> Flows:
    """Fit the flow matrix to the published marginals by IPF from a uniform seed.

    The seed is uniform except where ``[seed]`` of ``model.toml`` concentrates a commodity
    group in some prefectures (the other prefectures get ``other_weight``); with
    one-dimensional marginals the fit keeps the seed's interactions and each prefecture
    otherwise has the province's partner mix. Tonnes are value / value density.
    """
    m = marginals(tables, adcodes)
    shape = (len(m.prefectures), len(m.regions), len(m.commodities), len(DIRECTIONS))
    seed = np.ones(shape)
    for cid, (codes, weight) in tables.seed.items():
        c = m.commodities.index(cid)
        for p, adcode in enumerate(m.prefectures):
            if adcode not in codes:
                seed[p, :, c, :] = weight
    value = ipf(
        seed,
        {
            (0,): m.prefecture_cny,
            (1,): m.region_cny,
            (2,): m.commodity_cny,
            (3,): m.direction_cny,
        },
    )
    density = np.array([c.value_density_cny_per_t for c in tables.commodities])
    tonnes = value / density.reshape(1, 1, -1, 1)
    return Flows(m, value, tonnes)


def logit_shares(gc: FloatArray, theta: float) -> FloatArray:
    """Multinomial logit shares over the last axis on the relative generalized cost.

    P_a = exp(-theta x GC_a / GC_min) / sum_b exp(-theta x GC_b / GC_min); alternatives with
    an infinite cost get no share.
    """
    g = np.asarray(gc, dtype=np.float64)
    gmin = np.min(g, axis=-1, keepdims=True)
    rel = g / gmin
    u = -theta * rel
    u = u - np.max(u, axis=-1, keepdims=True)
    e = np.where(np.isfinite(rel), np.exp(u), 0.0)
    out: FloatArray = e / e.sum(axis=-1, keepdims=True)
    return out


def bri_value_cny(flows: Flows, tables: TradeTables) -> float:
    """Value of trade with 共建 Belt-and-Road partners: each region x its BRI fraction."""
    frac = np.array([r.bri_fraction for r in tables.regions])
    return float((flows.value_cny.sum(axis=(0, 2, 3)) * frac).sum())


def prefectures_over(flows: Flows, threshold_cny: float = OVER_10BN_CNY) -> int:
    """Number of prefectures whose modelled annual trade exceeds *threshold_cny*."""
    return int((flows.value_cny.sum(axis=(1, 2, 3)) > threshold_cny).sum())
