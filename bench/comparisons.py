"""The README's representative comparisons, regenerated from the engine (a Markdown table).

Run after ``shudao data build``::

    .venv/bin/python bench/comparisons.py [--before DIR]

Each row is one planner's question (1 FEU of 20 t, the time objective, the options given); the
answer is the engine's best route under those options. With ``--before DIR`` (a checkout of an
earlier commit, e.g. ``git worktree add /tmp/before 55a1d95``) the same questions are answered
by that code in a subprocess and printed beside (hours and CNY before -> after).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
QUERIES: list[tuple[str, str, str, dict[str, Any]]] = [
    ("Chengdu → Duisburg, rail", "成都", "Duisburg", {"modes": ["rail"]}),
    (
        "Chengdu → Duisburg, Yangtze + sea",
        "成都",
        "Duisburg",
        {"modes": ["inland_waterway", "sea"]},
    ),
    (
        "Chengdu → Duisburg, Land-Sea corridor + sea",
        "成都",
        "Duisburg",
        {"modes": ["rail", "sea"], "via": ["Qinzhou"]},
    ),
    ("Chengdu → Duisburg, air", "成都", "Duisburg", {"modes": ["air"]}),
    ("Chengdu → Singapore, Land-Sea corridor", "成都", "Singapore", {"via": ["Qinzhou"]}),
    (
        "Chengdu → Singapore, China–Laos railway (`--via Boten`)",
        "成都",
        "Singapore",
        {"via": ["Boten"]},
    ),
    ("Chengdu → Hanoi, rail", "成都", "Hanoi", {"modes": ["rail"]}),
    ("Chengdu → Hanoi, road", "成都", "Hanoi", {"modes": ["road"]}),
    ("Chengdu → Qinzhou, road", "成都", "Qinzhou", {"modes": ["road"]}),
    ("Yibin → Shanghai, Yangtze", "Yibin", "Shanghai", {"modes": ["inland_waterway"]}),
    ("Kunming → Vientiane, rail", "Kunming", "Vientiane", {"modes": ["rail"]}),
    ("Chengdu → Vientiane, China–Laos railway", "成都", "Vientiane", {"modes": ["rail"]}),
    (
        "Chengdu → Moscow, rail via Erenhot (Trans-Mongolian)",
        "成都",
        "Moscow",
        {"modes": ["rail"], "via": ["Erenhot"]},
    ),
    ("Chengdu → Łódź, rail", "成都", "Lodz", {"modes": ["rail"]}),
]

ANSWER = """
import json, sys
from pathlib import Path
from corridors.engine import Engine
repo = Path(sys.argv[1])
engine = Engine.load(data_dir=repo / "data/geo", build_dir=repo / "data/geo/build")
out = []
for _, o, d, opts in json.loads(sys.argv[2]):
    try:
        r = engine.route(o, d, alternatives=1, **opts).routes[0]
        out.append([r.corridor, "/".join(r.modes), r.distance_km, r.time_h, r.cost_cny, r.co2_kg])
    except Exception as exc:  # noqa: BLE001 (an older commit may refuse a query)
        out.append([type(exc).__name__, "", None, None, None, None])
print(json.dumps(out))
"""


def answers(repo: Path) -> list[list[Any]]:
    """The answers of the code in *repo* (its own data and build) to :data:`QUERIES`."""
    env = {**os.environ, "PYTHONPATH": str(repo)}
    proc = subprocess.run(
        [sys.executable, "-c", ANSWER, str(repo), json.dumps(QUERIES)],
        env=env,
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    rows: list[list[Any]] = json.loads(proc.stdout.strip().splitlines()[-1])
    return rows


def main() -> None:
    """Print the table (and the before/after columns with ``--before``)."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--before", type=Path, help="checkout of an earlier commit to compare")
    args = ap.parse_args()
    now = answers(REPO)
    before = answers(args.before) if args.before else None
    head = "| query | corridor | modes | km | hours (days) | CNY | kg CO2e |"
    sep = "|---|---|---|---|---|---|---|"
    if before:
        head += " before: hours, CNY |"
        sep += "---|"
    print(head)
    print(sep)
    for k, (label, *_rest) in enumerate(QUERIES):
        corridor, modes, km, h, cny, co2 = now[k]
        if km is None:
            row = f"| {label} | {corridor} (no route) | | | | | |"
        else:
            row = (
                f"| {label} | {corridor} | {modes} | {km:,.0f} | {h:,.0f} ({h / 24:.1f}) "
                f"| {cny:,.0f} | {co2:,.0f} |"
            )
        if before:
            b = before[k]
            row += f" {b[3]:,.0f} h, {b[4]:,.0f} |" if b[2] is not None else f" {b[0]} |"
        print(row)


if __name__ == "__main__":
    main()
