"""Print each briefing map's HTML size and time, and its print layouts' sizes and times.

Run after ``shudao data build``: ``python bench/maps_bench.py``. The regions map must stay
under 3 MB (display geometries simplified; tolerances in ``maps.briefings.TOLERANCE_DEG``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from api.settings import get_settings
from corridors.engine import Engine
from maps.briefings import MapData, corridors_scene, regions_scene, route_scene
from maps.chromium import find_chromium, to_png
from maps.export import scene_html
from maps.layout import OutputFormat, PrintOptions
from maps.scene import Scene
from maps.static import print_map


def _timed(fn: Callable[[], object]) -> tuple[object, float]:
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def main() -> None:
    settings = get_settings()
    engine, t_engine = _timed(
        lambda: Engine.load(data_dir=settings.data_dir, build_dir=settings.build_dir)
    )
    assert isinstance(engine, Engine)
    data, t_data = _timed(lambda: MapData.load(settings.build_dir))
    assert isinstance(data, MapData)
    print(f"engine load {t_engine:.1f} s; MapData.load (read + simplify) {t_data:.2f} s")
    result = engine.route("成都", "Duisburg", alternatives=3)
    builders: dict[str, Callable[[], Scene]] = {
        "regions": lambda: regions_scene(data=data, catalog=engine.catalog, network=engine.network),
        "corridors": lambda: corridors_scene(
            data=data, catalog=engine.catalog, network=engine.network
        ),
        "route 成都→Duisburg x3": lambda: route_scene(
            data=data, result=result, network=engine.network
        ),
    }
    chromium = find_chromium()
    for name, build in builders.items():
        t0 = time.perf_counter()
        scene = build()
        html = scene_html(scene)
        t_html = time.perf_counter() - t0
        size_mb = len(html.encode("utf-8")) / 1e6
        line = f"{name:24s} HTML {size_mb:5.2f} MB in {t_html:5.2f} s"
        if chromium:
            _, t_png = _timed(lambda h=html: to_png(h, width_px=1600, height_px=1000))
            line += f"; Chromium PNG 1600x1000 {t_png:5.2f} s"
        for fmt, dpi in ((OutputFormat.PDF, 150), (OutputFormat.SVG, 150), (OutputFormat.PNG, 300)):
            opts = PrintOptions(fmt=fmt, dpi=dpi)
            out, t_print = _timed(lambda s=scene, o=opts: print_map(s, o))
            assert isinstance(out, bytes)
            line += f"; A4 {fmt.value.upper()} {len(out) / 1e6:.1f} MB {t_print:4.1f} s"
        print(line)
        if name == "regions" and size_mb >= 3.0:
            print("  WARNING: the regions map is over the 3 MB budget")
    print(f"chromium: {chromium or 'not found'}; output written nowhere ({Path.cwd()})")


if __name__ == "__main__":
    main()
