"""Timing of the trade assignment: routing the pairs, calibrating, assigning, a cached answer.

Run: ``PYTHONPATH=. SHUDAO_BUILD_DIR=... python bench/trade_bench.py``. Prints seconds.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from corridors.engine import Engine
from corridors.trade_assign import assign, build_network, calibrate
from corridors.trade_report import TradeReport

DATA = Path(__file__).resolve().parent.parent / "data" / "geo"
BUILD = Path(os.environ.get("SHUDAO_BUILD_DIR") or DATA / "build")


def main() -> None:
    """Print the seconds of each step."""
    engine = Engine.load(data_dir=DATA, build_dir=BUILD)
    report = TradeReport(engine, DATA)
    m = report.model
    t0 = time.perf_counter()
    net = build_network(engine, report.tables, m.seats)
    t1 = time.perf_counter()
    logit = calibrate(net, m.flows, report.tables).logit
    t2 = time.perf_counter()
    assign(net, m.flows, report.tables, logit)
    t3 = time.perf_counter()
    report.flows(None, "baseline", by="mode")
    t4 = time.perf_counter()
    report.flows(None, "baseline", by="corridor")
    t5 = time.perf_counter()
    print(
        f"route {net.pairs} seat x gateway pairs ({len(net.blocks)} choice sets): {t1 - t0:.2f} s"
    )
    print(f"calibrate (scale x VOT grid): {t2 - t1:.2f} s")
    print(f"assign (logit split of every cell): {t3 - t2:.3f} s")
    print(f"first flows answer (routing + calibration + assignment): {t4 - t3:.2f} s")
    print(f"cached flows answer: {1000 * (t5 - t4):.1f} ms")


if __name__ == "__main__":
    main()
