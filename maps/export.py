"""One-call entry points for the CLI and the HTTP API: a map as HTML, PNG, PDF or SVG.

Owns: `scene_html` (scene + tiles + size + label language -> the offline HTML page) and
`export` (any format: HTML, or the print layout of `maps.static` as PNG, PDF or SVG). Every
image export is the print layout, so none carries interactive controls; Chromium
(`maps.chromium`) is only used to look at the HTML page.
"""

from __future__ import annotations

from dataclasses import replace

from maps.layout import OutputFormat, PrintOptions
from maps.leaflet import render_html, scene_to_folium
from maps.scene import Scene, tile_spec
from maps.static import print_map, static_png


def scene_html(
    scene: Scene,
    *,
    tiles: str | None = None,
    tianditu_key: str | None = None,
    width_px: int | None = None,
    height_px: int | None = None,
    labels: str = "both",
) -> str:
    """Return the self-contained HTML page of *scene* (offline unless *tiles* is given).

    Raises
    ------
    maps.errors.MapOptionError
        Unknown tiles, Tianditu without a key, a size out of range, an unknown label language.
    """
    spec = tile_spec(tiles, tianditu_key=tianditu_key)
    m = scene_to_folium(scene, tiles=spec, width_px=width_px, height_px=height_px, labels=labels)
    return render_html(m)


def export(
    scene: Scene,
    fmt: OutputFormat,
    *,
    options: PrintOptions | None = None,
    tiles: str | None = None,
    tianditu_key: str | None = None,
    width_px: int | None = None,
    height_px: int | None = None,
) -> bytes:
    """Return *scene* in *fmt*: the HTML page (UTF-8) or the print layout (PNG, PDF, SVG).

    Parameters
    ----------
    scene : Scene
        What to draw.
    fmt : OutputFormat
        HTML, PNG, PDF or SVG.
    options : PrintOptions, optional
        Paper, orientation, dpi, label language, date and scenario (default: A4 landscape,
        150 dpi, both languages); its format is replaced by *fmt*.
    tiles, tianditu_key : str, optional
        Online basemap of the HTML page (print layouts always use the offline basemap).
    width_px, height_px : int, optional
        HTML: the map's size in CSS pixels. PNG: when both are given, a page of exactly this
        many pixels (at 96 dpi) instead of a paper size.

    Raises
    ------
    maps.errors.MapOptionError
        Invalid options.
    """
    opts = options or PrintOptions()
    if fmt is OutputFormat.HTML:
        html = scene_html(
            scene, tiles=tiles, tianditu_key=tianditu_key, width_px=width_px,
            height_px=height_px, labels=opts.labels,
        )  # fmt: skip
        return html.encode("utf-8")
    if fmt is OutputFormat.PNG and width_px is not None and height_px is not None:
        return static_png(scene, width_px=width_px, height_px=height_px, options=opts)
    return print_map(scene, replace(opts, fmt=fmt))
