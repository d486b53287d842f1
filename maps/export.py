"""One-call entry points for the CLI and the HTTP API: a map as HTML or PNG.

Owns: `MapFormat`, `build_map` (scene + tiles + size -> folium map) and `export` (HTML text or PNG
bytes, Chromium first and the matplotlib fallback when no browser is installed).
"""

from __future__ import annotations

from dataclasses import dataclass

from maps.chromium import find_chromium, to_png
from maps.leaflet import render_html, scene_to_folium
from maps.scene import Scene, tile_spec
from maps.static import static_png


@dataclass(frozen=True)
class PngResult:
    """A PNG and how it was made (``"chromium"`` or ``"matplotlib"``)."""

    png: bytes
    renderer: str


def scene_html(
    scene: Scene,
    *,
    tiles: str | None = None,
    tianditu_key: str | None = None,
    width_px: int | None = None,
    height_px: int | None = None,
) -> str:
    """Return the self-contained HTML page of *scene* (offline unless *tiles* is given).

    Raises
    ------
    maps.errors.MapOptionError
        Unknown tiles, Tianditu without a key, or a size out of range.
    """
    spec = tile_spec(tiles, tianditu_key=tianditu_key)
    m = scene_to_folium(scene, tiles=spec, width_px=width_px, height_px=height_px)
    return render_html(m)


def scene_png(
    scene: Scene,
    *,
    width_px: int,
    height_px: int,
    tiles: str | None = None,
    tianditu_key: str | None = None,
    renderer: str = "auto",
) -> PngResult:
    """Return a PNG of *scene*: headless Chromium if installed, else matplotlib.

    Parameters
    ----------
    scene : Scene
        What to draw.
    width_px, height_px : int
        Image size.
    tiles, tianditu_key : str, optional
        Online basemap (Chromium only; the network is disabled during export, so tiles stay
        blank: use the offline basemap for PNGs).
    renderer : str
        ``auto`` (Chromium when on PATH), ``chromium`` or ``matplotlib``.

    Raises
    ------
    maps.errors.PngExportError
        If ``renderer="chromium"`` and Chromium is missing or fails.
    """
    if renderer == "matplotlib" or (renderer == "auto" and find_chromium() is None):
        return PngResult(static_png(scene, width_px=width_px, height_px=height_px), "matplotlib")
    html = scene_html(scene, tiles=tiles, tianditu_key=tianditu_key)
    return PngResult(to_png(html, width_px=width_px, height_px=height_px), "chromium")
