"""The print renderer: a `Scene` as a briefing page (PDF, SVG or PNG) drawn with matplotlib.

Owns: `print_map` (the page as bytes) and `draw_page` (the matplotlib figure and a
`PageReport` of where everything went), `static_png` (the same page at a pixel size, the
browser-free PNG), the one translation of a `maps.scene.Style` into matplotlib arguments (used
by the map and its legend alike: `line_kwargs`, `marker_kwargs`, `patch_kwargs`), label
placement with collision avoidance, the scale bar, graticule, north arrow and the South China
Sea inset.

Projection: equidistant cylindrical (plate carrée stretched by 1/cos φ0, φ0 = the latitude
of the frame's centre). Scene geometries are WGS84 lon/lat and are drawn as they are: no
reprojection, no extra dependency. Meridians and parallels are straight and north is up
everywhere; the scale is true along every meridian and along φ0. A scale bar is printed when
the east-west scale varies by at most 10 % over the frame (every Sichuan map: 26°-34.5°N gives
±4 %); on smaller-scale maps (Eurasia) a graticule replaces it.

Fonts: Noto Sans CJK SC (Debian ``fonts-noto-cjk``); if it is missing the page is still drawn
with DejaVu Sans, Chinese glyphs show as boxes, and `PageReport.font_note` says so.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from maps.errors import MapOptionError
from maps.layout import Box, OutputFormat, PageLayout, PrintOptions, page_layout
from maps.palette import PAPER, SEA
from maps.scene import (
    AMAP_CAVEAT,
    MAP_REVIEW_NOTE,
    ColourScale,
    Feature,
    LegendEntry,
    PlaceLabel,
    Scene,
    Style,
    Symbol,
    label_lines,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

MARKERS: dict[Symbol, str] = {
    Symbol.CIRCLE: "o",
    Symbol.SQUARE: "s",
    Symbol.TRIANGLE: "^",
    Symbol.DIAMOND: "D",
    Symbol.STAR: "*",
    Symbol.HEXAGON: "h",
    Symbol.CROSS: "P",
}
CJK_FONT = "Noto Sans CJK SC"
FONTS = [CJK_FONT, "Noto Sans SC", "Source Han Sans SC", "DejaVu Sans"]
PX_TO_PT = 0.75  # one CSS pixel is 0.75 pt: scene styles are in CSS pixels
MM_PER_PT = 25.4 / 72
MAX_SCALE_VARIATION = 1.10
# WGS84 semi-major axis (m) and flattening (EPSG:7030)
WGS84_A = 6_378_137.0
WGS84_F = 1 / 298.257223563
TEXT = "#1a1a1a"


# ----------------------------------------------------------------------------- styles
def _dash(style: Style, f: float) -> Any:
    if not style.dash:
        return "-"
    nums = tuple(float(x) * PX_TO_PT * f for x in style.dash.replace(",", " ").split())
    return (0, nums)


def _casing(style: Style, lw: float) -> list[Any]:
    if not style.casing:
        return []
    from matplotlib import patheffects  # noqa: PLC0415

    return [patheffects.Stroke(linewidth=lw + 1.4, foreground=style.casing), patheffects.Normal()]


def line_kwargs(style: Style, f: float = 1.0) -> dict[str, Any]:
    """Matplotlib ``plot`` arguments of a line *style* at paper scale *f*."""
    lw = style.weight_px * PX_TO_PT * f
    return {
        "color": style.color,
        "linewidth": lw,
        "linestyle": _dash(style, f),
        "alpha": style.opacity,
        "solid_capstyle": "round",
        "path_effects": _casing(style, lw),
    }


def marker_kwargs(style: Style, f: float = 1.0) -> dict[str, Any]:
    """Matplotlib ``plot`` arguments of a point *style* at paper scale *f*."""
    size = style.size_px * PX_TO_PT * f
    if style.symbol is Symbol.STAR:
        size *= 1.25  # matplotlib's star fills less of its box than the others
    return {
        "marker": MARKERS[style.symbol],
        "markersize": size,
        "markerfacecolor": style.fill_color or "none",
        "markeredgecolor": style.color,
        "markeredgewidth": style.weight_px * PX_TO_PT * f,
        "linestyle": "none",
    }


def patch_kwargs(style: Style, f: float = 1.0) -> dict[str, Any]:
    """Matplotlib patch arguments of a polygon *style* at paper scale *f*."""
    from matplotlib.colors import to_rgba  # noqa: PLC0415

    face = to_rgba(style.fill_color, style.fill_opacity) if style.fill_color else "none"
    return {
        "facecolor": face,
        "edgecolor": style.color,
        "linewidth": style.weight_px * PX_TO_PT * f,
        "linestyle": _dash(style, f),
    }


# ----------------------------------------------------------------------------- report
@dataclass(frozen=True)
class PlacedLabel:
    """A label as printed: its text lines and box (mm on the page)."""

    lines: tuple[str, ...]
    box: Box
    priority: int


@dataclass(frozen=True)
class PageReport:
    """Where everything went on a printed page (for tests and for the caller).

    Attributes
    ----------
    layout : PageLayout
        The title block, frame, panel, table and footer boxes.
    legend : Box
        The legend's extent (inside the panel).
    inset : Box or None
        The South China Sea inset, when drawn (inside the panel).
    labels : tuple of PlacedLabel
        Every place name printed, inside the frame and overlapping no other.
    dropped : tuple of str
        Names left out for lack of room (never an endpoint).
    scale_bar : str
        The scale bar's caption, or "" when a graticule is drawn instead.
    graticule_deg : float
        Spacing of the graticule (0 when there is none).
    view : tuple of float
        ``(west, south, east, north)`` shown in the frame.
    font_note : str
        "" when Noto Sans CJK was found, else what was used instead.
    legend_artists : tuple of (LegendEntry, dict)
        The matplotlib arguments each legend swatch was drawn with.
    map_artists : tuple of (str, dict)
        ``(layer name, arguments)`` of every distinct style drawn in the frame.
    """

    layout: PageLayout
    legend: Box
    inset: Box | None
    labels: tuple[PlacedLabel, ...]
    dropped: tuple[str, ...]
    scale_bar: str
    graticule_deg: float
    view: tuple[float, float, float, float]
    font_note: str = ""
    legend_artists: tuple[tuple[LegendEntry, dict[str, Any]], ...] = ()
    map_artists: tuple[tuple[str, dict[str, Any]], ...] = field(default=())


# ----------------------------------------------------------------------------- geometry
def parallel_km_per_deg(lat: float) -> float:
    """Length of one degree of longitude along the parallel *lat* on the WGS84 ellipsoid (km)."""
    phi = math.radians(lat)
    e2 = WGS84_F * (2 - WGS84_F)
    n = WGS84_A / math.sqrt(1 - e2 * math.sin(phi) ** 2)
    return n * math.cos(phi) * math.pi / 180 / 1000


def fit_view(
    bounds: tuple[float, float, float, float], frame: Box
) -> tuple[tuple[float, float, float, float], float]:
    """Widen *bounds* to the frame's shape; return the view and its standard parallel φ0."""
    west, south, east, north = bounds
    lat0 = (south + north) / 2
    k = 1.0 / max(math.cos(math.radians(lat0)), 0.2)
    cx, cy = (west + east) / 2, (south + north) / 2
    span_x, span_y = east - west, (north - south) * k
    aspect = frame.w / frame.h
    if span_x / span_y < aspect:
        span_x = span_y * aspect
    else:
        span_y = span_x / aspect
    view = (cx - span_x / 2, cy - span_y / (2 * k), cx + span_x / 2, cy + span_y / (2 * k))
    return view, lat0


def scale_variation(view: tuple[float, float, float, float]) -> float:
    """Ratio of the largest to the smallest east-west scale over the frame's latitudes."""
    _, south, _, north = view
    lats = [max(min(v, 85.0), -85.0) for v in (south, north)]
    lo = 0.0 if lats[0] < 0 < lats[1] else min(abs(v) for v in lats)
    hi = max(abs(v) for v in lats)
    return math.cos(math.radians(lo)) / math.cos(math.radians(hi))


def _nice(value: float) -> float:
    exp = math.floor(math.log10(value))
    for m in (5, 2, 1):
        if m * 10**exp <= value:
            return float(m * 10**exp)
    return float(10**exp)


# ----------------------------------------------------------------------------- drawing
def _draw_feature(ax: Axes, feat: Feature, *, zorder: float, f: float, name: str,
                  seen: dict[tuple[str, str], dict[str, Any]]) -> None:  # fmt: skip
    from matplotlib.patches import PathPatch  # noqa: PLC0415
    from matplotlib.path import Path as MplPath  # noqa: PLC0415

    st, geom = feat.style, feat.geometry
    kind = geom.geom_type
    if kind in {"Polygon", "MultiPolygon"}:
        kw = patch_kwargs(st, f)
        for poly in shapely.get_parts(geom):
            verts: list[tuple[float, float]] = []
            codes: list[Any] = []
            for ring in (poly.exterior, *poly.interiors):
                xy = list(ring.coords)
                verts += xy
                codes += [MplPath.MOVETO] + [MplPath.LINETO] * (len(xy) - 2) + [MplPath.CLOSEPOLY]
            ax.add_artist(PathPatch(MplPath(verts, codes), zorder=zorder, **kw))  # no autoscale
        seen.setdefault((name, repr(st)), {"shape": "polygon", **kw})
    elif kind in {"LineString", "MultiLineString", "LinearRing", "MultiLinearRing"}:
        kw = line_kwargs(st, f)
        for line in shapely.get_parts(geom):
            coords = np.asarray(line.coords)
            if len(coords) >= 2:
                ax.plot(coords[:, 0], coords[:, 1], zorder=zorder, **kw)
        seen.setdefault((name, repr(st)), {"shape": "line", **kw})
    elif kind in {"Point", "MultiPoint"} and feat.label:
        size = st.size_px * PX_TO_PT * f
        ax.text(geom.centroid.x, geom.centroid.y, feat.label, fontsize=size, ha="center",
                va="center", color=st.color, zorder=zorder + 1, clip_on=True)  # fmt: skip
    elif kind in {"Point", "MultiPoint"}:
        kw = marker_kwargs(st, f)
        for pt in shapely.get_parts(geom):
            ax.plot([pt.x], [pt.y], zorder=zorder + 1, **kw)
        seen.setdefault((name, repr(st)), {"shape": "point", **kw})
    elif kind == "GeometryCollection":
        for part in shapely.get_parts(geom):
            _draw_feature(ax, Feature(part, st), zorder=zorder, f=f, name=name, seen=seen)


def _fonts() -> Any:
    from matplotlib import rc_context  # noqa: PLC0415

    return rc_context(
        {
            "font.family": "sans-serif",
            "font.sans-serif": FONTS,
            "lines.scale_dashes": False,
            "pdf.fonttype": 42,
            "svg.fonttype": "path",
            "svg.hashsalt": "shudao",
            "axes.unicode_minus": False,
        }
    )


def _font_note() -> str:
    from matplotlib import font_manager  # noqa: PLC0415

    names = {f.name for f in font_manager.fontManager.ttflist}
    if CJK_FONT in names:
        return ""
    return (
        f"{CJK_FONT} not found (install Debian fonts-noto-cjk): drawn with DejaVu Sans, "
        "Chinese glyphs are missing"
    )


class _Page:
    """A figure with a millimetre page axes, and helpers to measure and place text."""

    def __init__(self, options: PrintOptions) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415
        from matplotlib.figure import Figure  # noqa: PLC0415

        self.opts = options
        self.f = options.scale
        w, h = options.page_mm
        self.w, self.h = w, h
        # whole pixels: matplotlib truncates inches x dpi (A4 at 300 dpi would be 3507 wide)
        px_w, px_h = options.size_px
        inches = ((px_w + 1e-3) / options.dpi, (px_h + 1e-3) / options.dpi)
        if options.fmt is not OutputFormat.PNG:  # vector pages: the exact paper size
            inches = (w / 25.4, h / 25.4)
        self.fig: Figure = Figure(figsize=inches, dpi=options.dpi)
        self.fig.patch.set_facecolor(PAPER)
        FigureCanvasAgg(self.fig)
        self.renderer = self.fig.canvas.get_renderer()  # type: ignore[attr-defined]
        ax = self.fig.add_axes((0.0, 0.0, 1.0, 1.0))
        ax.set_xlim(0, w)
        ax.set_ylim(0, h)
        ax.set_axis_off()
        ax.set_zorder(5)
        ax.patch.set_alpha(0.0)
        self.ax: Axes = ax

    def axes(self, box: Box, *, zorder: float = 1) -> Axes:
        ax = self.fig.add_axes((box.x / self.w, box.y / self.h, box.w / self.w, box.h / self.h))
        ax.set_zorder(zorder)
        return ax

    def text_size(self, text: str, size_pt: float, *, bold: bool = False) -> tuple[float, float]:
        """Width and height (mm) of *text* at *size_pt*."""
        t = self.ax.text(0, 0, text, fontsize=size_pt, fontweight="bold" if bold else "normal")
        bb = t.get_window_extent(self.renderer)
        t.remove()
        px_per_mm = self.opts.dpi / 25.4
        return bb.width / px_per_mm, bb.height / px_per_mm

    def text(self, x: float, y: float, text: str, size_pt: float, **kw: Any) -> Any:
        kw.setdefault("color", TEXT)
        return self.ax.text(x, y, text, fontsize=size_pt, **kw)

    def fit(self, text: str, size_pt: float, max_w: float, *, min_pt: float, bold: bool = False
            ) -> float:  # fmt: skip
        """The largest size <= *size_pt* (down to *min_pt*) at which *text* fits *max_w* mm."""
        size = size_pt
        while size > min_pt:
            if self.text_size(text, size, bold=bold)[0] <= max_w:
                return size
            size -= 0.25
        return min_pt

    def wrap(self, text: str, size_pt: float, max_w: float) -> list[str]:
        """Break *text* into lines no wider than *max_w* mm (at spaces; CJK anywhere)."""
        words: list[str] = []
        for token in text.split(" "):
            if any(ord(c) > 0x2E80 for c in token) and len(token) > 12:
                words += [token[i : i + 10] for i in range(0, len(token), 10)]
            else:
                words.append(token)
        lines: list[str] = []
        current = ""
        for word in words:
            trial = f"{current} {word}".strip() if current else word
            if current and self.text_size(trial, size_pt)[0] > max_w:
                lines.append(current)
                current = word
            else:
                current = trial
        if current:
            lines.append(current)
        return lines


def draw_page(scene: Scene, options: PrintOptions) -> tuple[Figure, PageReport]:
    """Draw *scene* on a page laid out for *options*; return the figure and its report."""
    with _fonts():
        return _draw_page(scene, options)


def _draw_page(scene: Scene, options: PrintOptions) -> tuple[Figure, PageReport]:
    page = _Page(options)
    f = page.f
    layout = page_layout(options, table_rows=len(scene.table))
    view, lat0 = fit_view(scene.bounds, layout.frame)
    variation = scale_variation(view)
    # ------------------------------------------------------------------ map frame
    ax = page.axes(layout.frame)
    ax.set_facecolor(SEA)
    k = 1.0 / max(math.cos(math.radians(lat0)), 0.2)
    ax.set_xlim(view[0], view[2])
    ax.set_ylim(view[1], view[3])
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    n_base = next((i for i, lyr in enumerate(scene.layers) if not lyr.basemap), 0)
    for image in scene.images:
        if image.show:
            i_w, i_s, i_e, i_n = image.bounds
            ax.imshow(
                image.rgba, extent=(i_w, i_e, i_s, i_n), origin="upper",
                interpolation="nearest", alpha=image.opacity, zorder=n_base * 2 - 0.5,
            )  # fmt: skip
    for z, layer in enumerate(scene.layers):
        if not layer.show:
            continue
        for feat in layer.features:
            _draw_feature(ax, feat, zorder=z * 2, f=f, name=layer.name, seen=seen)
    ax.set_xlim(view[0], view[2])
    ax.set_ylim(view[1], view[3])
    ax.set_aspect(k, adjustable="box")
    ax.set_anchor("C")
    graticule = 0.0
    if variation > MAX_SCALE_VARIATION:
        graticule = _graticule(ax, view, f)
    else:
        ax.set_xticks([])
        ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_linewidth(0.8 * f)
        spine.set_color("#333333")
    placed, dropped = _place_labels(page, scene.labels, layout.frame, view)
    # ------------------------------------------------------------------ title block
    _title_block(page, scene, layout.title)
    # ------------------------------------------------------------------ side panel
    legend_box, inset_box, caption, legend_artists = _panel(
        page, scene, layout, view=view, lat0=lat0, graticule=graticule
    )
    if layout.table is not None:
        _table(page, scene.table, layout.table)
    _footer(page, scene, layout.footer)
    report = PageReport(
        layout=layout,
        legend=legend_box,
        inset=inset_box,
        labels=tuple(placed),
        dropped=tuple(dropped),
        scale_bar=caption,
        graticule_deg=graticule,
        view=view,
        font_note=_font_note(),
        legend_artists=tuple(legend_artists),
        map_artists=tuple((name, kw) for (name, _), kw in seen.items()),
    )
    return page.fig, report


def _graticule(ax: Axes, view: tuple[float, float, float, float], f: float) -> float:
    from matplotlib.ticker import FixedLocator  # noqa: PLC0415

    span = max(view[2] - view[0], view[3] - view[1])
    step = 20.0 if span > 100 else 10.0 if span > 40 else 5.0
    xs = np.arange(math.ceil(view[0] / step) * step, view[2] + 1e-9, step)
    ys = np.arange(math.ceil(view[1] / step) * step, view[3] + 1e-9, step)

    def lon(v: float) -> str:
        return f"{abs(v):g}°{'E' if v > 0 else 'W' if v < 0 else ''}"

    def lat(v: float) -> str:
        return f"{abs(v):g}°{'N' if v > 0 else 'S' if v < 0 else ''}"

    ax.xaxis.set_major_locator(FixedLocator(list(xs)))
    ax.yaxis.set_major_locator(FixedLocator(list(ys)))
    ax.set_xticklabels([lon(v) for v in xs])
    ax.set_yticklabels([lat(v) for v in ys])
    ax.tick_params(labelsize=5.5 * f, length=1.5 * f, width=0.5, pad=1, colors="#444444")
    ax.grid(True, color="#7f8c99", linewidth=0.35 * f, alpha=0.6, zorder=0.5)
    ax.set_axisbelow(False)
    for gl in ax.get_xgridlines() + ax.get_ygridlines():
        gl.set_zorder(1.5)
    return step


# ----------------------------------------------------------------------------- labels
_POINT_POSITIONS = (  # (dx, dy) direction, ha, va
    ((1, 0), "left", "center"),
    ((1, 1), "left", "bottom"),
    ((1, -1), "left", "top"),
    ((-1, 0), "right", "center"),
    ((-1, 1), "right", "bottom"),
    ((-1, -1), "right", "top"),
    ((0, 1), "center", "bottom"),
    ((0, -1), "center", "top"),
)


def _place_labels(
    page: _Page,
    labels: tuple[PlaceLabel, ...],
    frame: Box,
    view: tuple[float, float, float, float],
) -> tuple[list[PlacedLabel], list[str]]:
    """Greedy placement by priority: eight positions round a point, small shifts for an area."""
    from matplotlib import patheffects  # noqa: PLC0415

    f = page.f
    sx = frame.w / (view[2] - view[0])
    sy = frame.h / (view[3] - view[1])

    def to_mm(lon: float, lat: float) -> tuple[float, float]:
        return frame.x + (lon - view[0]) * sx, frame.y + (lat - view[1]) * sy

    inside = [lb for lb in labels if view[0] <= lb.lon <= view[2] and view[1] <= lb.lat <= view[3]]
    order = sorted(inside, key=lambda lb: lb.priority)  # stable: the scene's order breaks ties
    # every labelled point symbol is kept free of text (a 2.2 mm square at A4)
    sym = 1.1 * f
    taken: list[Box] = []
    for lb in order:
        if not lb.centred:
            x, y = to_mm(lb.lon, lb.lat)
            taken.append(Box(x - sym, y - sym, 2 * sym, 2 * sym))
    placed: list[PlacedLabel] = []
    dropped: list[str] = []
    inner = Box(frame.x + 0.5, frame.y + 0.5, frame.w - 1.0, frame.h - 1.0)
    for lb in order:
        lines = label_lines(lb, page.opts.labels)
        text = "\n".join(lines)
        size = lb.size_pt * f
        tw, th = page.text_size(text, size)
        x, y = to_mm(lb.lon, lb.lat)
        cands: list[tuple[Box, str, str, float, float]] = []
        if lb.centred:
            for dx, dy in ((0, 0), (0, 0.6), (0, -0.6), (0.35, 0), (-0.35, 0), (0, 1.1),
                           (0, -1.1), (0.6, 0.6), (-0.6, -0.6)):  # fmt: skip
                cx, cy = x + dx * tw, y + dy * th
                cands.append((Box(cx - tw / 2, cy - th / 2, tw, th), "center", "center", cx, cy))
        else:
            rings = (1.6 * f, 4.0 * f) if lb.priority <= 2 else (1.6 * f,)
            for off, ((dx, dy), ha, va) in ((o, p) for o in rings for p in _POINT_POSITIONS):
                ox, oy = x + dx * off, y + dy * off
                bx = ox if ha == "left" else ox - tw if ha == "right" else ox - tw / 2
                by = oy - th / 2 if va == "center" else oy if va == "bottom" else oy - th
                cands.append((Box(bx, by, tw, th), ha, va, ox, oy))
        own = [b for b in taken if not lb.centred and b.contains(Box(x, y, 0, 0))]
        others = [b for b in taken if all(b is not o for o in own)]
        choice = None
        for cand in cands:
            box = cand[0]
            if inner.contains(box) and not any(box.overlaps(o) for o in others):
                choice = cand
                break
        if choice is None and lb.priority == 0:
            fits = [c for c in cands if inner.contains(c[0])] or cands
            choice = min(fits, key=lambda c: sum(_area(c[0], o) for o in others))
        if choice is None:
            dropped.append(" ".join(lines))
            continue
        box, ha, va, ox, oy = choice
        page.text(
            ox, oy, text, size, ha=ha, va=va, multialignment=ha if ha != "center" else "center",
            linespacing=1.05, zorder=20, fontweight="bold" if lb.priority == 0 else "normal",
            path_effects=[patheffects.withStroke(linewidth=1.8 * f, foreground="#ffffff")],
        )  # fmt: skip
        taken.append(box)
        placed.append(PlacedLabel(tuple(lines), box, lb.priority))
    return placed, dropped


def _area(a: Box, b: Box) -> float:
    w = min(a.x1, b.x1) - max(a.x, b.x)
    h = min(a.y1, b.y1) - max(a.y, b.y)
    return max(w, 0.0) * max(h, 0.0)


# ----------------------------------------------------------------------------- blocks
def _title_block(page: _Page, scene: Scene, box: Box) -> None:
    f = page.f
    meta_w = 62.0 * f
    title_w = box.w - meta_w - 4 * f
    size = page.fit(scene.title, 13.0 * f, title_w, min_pt=8.0 * f, bold=True)
    page.text(box.x, box.y1 - 1.0 * f, scene.title, size, fontweight="bold", va="top")
    if scene.subtitle:
        sub = page.fit(scene.subtitle, 8.0 * f, title_w, min_pt=5.5 * f)
        page.text(box.x, box.y + 3.0 * f, scene.subtitle, sub, va="bottom", color="#333333")
    rows = (
        ("日期 Date", page.opts.print_date),
        ("参数 Parameters", scene.parameters_version or "—"),
        ("情景 Scenario", page.opts.scenario or "—"),
    )
    from matplotlib.patches import Rectangle  # noqa: PLC0415

    mx = box.x1 - meta_w
    page.ax.add_patch(
        Rectangle((mx, box.y + 1.0 * f), meta_w, box.h - 2.0 * f, facecolor="#f4f4f4",
                  edgecolor="#999999", linewidth=0.5)
    )  # fmt: skip
    step = (box.h - 4.0 * f) / 3
    for i, (k, v) in enumerate(rows):
        y = box.y1 - 3.0 * f - i * step
        page.text(mx + 2 * f, y, k, 6.0 * f, va="top", color="#555555")
        vs = page.fit(v, 6.5 * f, meta_w - 27 * f, min_pt=4.5 * f)
        page.text(mx + 25 * f, y, v, vs, va="top")
    page.ax.plot([box.x, box.x1], [box.y, box.y], color="#333333", linewidth=0.8 * f)


def _panel(
    page: _Page,
    scene: Scene,
    layout: PageLayout,
    *,
    view: tuple[float, float, float, float],
    lat0: float,
    graticule: float,
) -> tuple[Box, Box | None, str, list[tuple[LegendEntry, dict[str, Any]]]]:
    f = page.f
    panel = layout.panel
    landscape = page.opts.orientation == "landscape"
    # column holding north arrow, scale bar and inset: the top of the panel (landscape) or
    # its right-hand third (portrait)
    aux = (
        Box(panel.x, panel.y1 - 42 * f, panel.w, 42 * f)
        if landscape
        else Box(panel.x1 - panel.w * 0.34, panel.y, panel.w * 0.34, panel.h)
    )
    inset_on = scene.inset is not None and _needs_inset(scene, view)
    text_w = aux.w - 16 * f - (33 * f if inset_on and landscape else 0.0)
    # north arrow
    nx, ny = aux.x + 6 * f, aux.y1 - 3 * f
    page.ax.annotate(
        "", xy=(nx, ny), xytext=(nx, ny - 10 * f),
        arrowprops={"arrowstyle": "-|>", "color": "#222222", "linewidth": 1.2 * f,
                    "mutation_scale": 12 * f},
    )  # fmt: skip
    page.text(nx, ny - 13.5 * f, "北 N", 7 * f, ha="center", va="center", fontweight="bold")
    # scale bar, or a note on the graticule
    sx0, sy0 = aux.x + 14 * f, aux.y1 - 8 * f
    caption = ""
    mm_per_deg = layout.frame.w / (view[2] - view[0])
    km_per_mm = parallel_km_per_deg(lat0) / mm_per_deg
    if graticule == 0.0:
        bar_km = _nice(40 * f * km_per_mm)
        bar_mm = bar_km / km_per_mm
        for i in range(4):
            x0 = sx0 + bar_mm * i / 4
            page.ax.add_patch(_rect(x0, sy0, bar_mm / 4, 1.4 * f, "#222222" if i % 2 == 0 else
                                    "#ffffff"))  # fmt: skip
        for frac in (0, 0.5, 1):
            v = bar_km * frac
            page.text(sx0 + bar_mm * frac, sy0 + 2.0 * f, f"{v:g}", 5.5 * f, ha="center",
                      va="bottom")  # fmt: skip
        page.text(sx0 + bar_mm + 1.5 * f, sy0 + 0.7 * f, "km", 5.5 * f, va="center")
        denom = km_per_mm * 1e6
        caption = (
            f"比例尺 Scale 1:{_round_sig(denom):,.0f} at {_lat1(lat0)}"
            " (true along this parallel and every meridian)"
        )
    else:
        caption = ""
        note = (
            f"经纬网 Graticule every {graticule:g}°: the scale varies with latitude, "
            f"1° of longitude = {parallel_km_per_deg(view[1]):,.0f} km at {_lat(view[1])} and "
            f"{parallel_km_per_deg(view[3]):,.0f} km at {_lat(view[3])}"
        )
        lines = page.wrap(note, 5.5 * f, text_w)
        for i, line in enumerate(lines):
            page.text(sx0, sy0 + 4 * f - i * 2.4 * f, line, 5.5 * f, va="center")
        sy0 += 4 * f - len(lines) * 2.4 * f + 3.0 * f  # the projection note goes under it
    proj = (
        f"Equidistant cylindrical, standard parallel {abs(lat0):.1f}°"
        f"{'N' if lat0 >= 0 else 'S'}, WGS84"
    )
    cap_lines = page.wrap(caption, 5.5 * f, text_w) if caption else []
    for i, line in enumerate([*cap_lines, *page.wrap(proj, 5.5 * f, text_w)]):
        page.text(sx0, sy0 - 3.0 * f - i * 2.4 * f, line, 5.5 * f, va="center",
                  color="#333333")  # fmt: skip
    # South China Sea inset
    inset_box = None
    if inset_on:
        iw, ih = 30 * f, 36 * f
        if landscape:
            inset_box = Box(aux.x1 - iw, aux.y1 - ih - 1 * f, iw, ih)
        else:
            inset_box = Box(aux.x + 2 * f, aux.y + 2 * f, iw, ih)
        _draw_inset(page, scene, inset_box)
    # legend
    if landscape:
        top = aux.y - 2 * f
        legend_area = Box(panel.x, panel.y, panel.w, top - panel.y)
        cols = 1
    else:
        legend_area = Box(panel.x, panel.y, panel.w * 0.64, panel.h)
        cols = 2
    legend_box, artists = _legend(page, scene, legend_area, cols=cols)
    return legend_box, inset_box, caption, artists


def _lat1(v: float) -> str:
    return f"{abs(v):.1f}°{'N' if v >= 0 else 'S'}"


def _lat(v: float) -> str:
    return f"{abs(v):.0f}°{'N' if v > 0 else 'S' if v < 0 else ''}"


def _round_sig(v: float) -> float:
    exp = math.floor(math.log10(v)) - 2
    return float(round(v / 10**exp) * 10**exp)


def _rect(x: float, y: float, w: float, h: float, face: str) -> Any:
    from matplotlib.patches import Rectangle  # noqa: PLC0415

    return Rectangle((x, y), w, h, facecolor=face, edgecolor="#222222", linewidth=0.4)


def _needs_inset(scene: Scene, view: tuple[float, float, float, float]) -> bool:
    """The frame shows at least half of China but not the whole of the inset's area."""
    inset = scene.inset
    if inset is None:
        return False
    frame = shapely.box(*view)
    china_area = inset.china.area
    shown = inset.china.intersection(frame).area / china_area if china_area else 0.0
    return shown >= 0.5 and not frame.contains(shapely.box(*inset.bounds))


def _draw_inset(page: _Page, scene: Scene, box: Box) -> None:
    assert scene.inset is not None
    f = page.f
    ax = page.axes(box, zorder=2)
    ax.set_facecolor(SEA)
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for i, feat in enumerate(scene.inset.features):
        _draw_feature(ax, feat, zorder=1 + i * 0.001, f=f * 0.7, name="inset", seen=seen)
    w, s, e, n = scene.inset.bounds
    ax.set_xlim(w, e)
    ax.set_ylim(s, n)
    ax.set_aspect(1.0 / math.cos(math.radians((s + n) / 2)), adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_linewidth(0.6 * f)
    page.text(box.x + 1 * f, box.y + 1 * f, "南海诸岛\nSouth China Sea Islands", 4.8 * f,
              va="bottom", zorder=30)  # fmt: skip


def _legend(
    page: _Page, scene: Scene, area: Box, *, cols: int
) -> tuple[Box, list[tuple[LegendEntry, dict[str, Any]]]]:
    """Legend rows (grouped, one swatch per style) and notes, shrunk until they fit *area*."""
    f = page.f
    items: list[tuple[str, LegendEntry | None]] = []
    group = None
    for entry in scene.legend:
        if entry.group and entry.group != group:
            items.append(("head", None))
            items.append((entry.group, None))
            group = entry.group
        items.append(("row", entry))
    if items and items[0][0] == "head":
        items.pop(0)
    col_w = area.w / cols
    bar_h = 11.0 if scene.scale is not None else 0.0
    for shrink in (1.0, 0.92, 0.85, 0.78, 0.72, 0.66, 0.6):
        row_h = 3.9 * f * shrink
        fs = 6.3 * f * shrink
        heights = [row_h * (0.45 if k == "head" else 1.0) for k, _ in items]
        notes = [ln for n in scene.notes for ln in page.wrap(n, 5.2 * f * shrink, area.w - 2)]
        per_col = math.ceil(sum(heights) / cols) + row_h
        need = bar_h * f + per_col + len(notes) * 2.4 * f * shrink + 2 * f
        if need <= area.h:
            break
    artists: list[tuple[LegendEntry, dict[str, Any]]] = []
    y = area.y1 - 1.0 * f
    if scene.scale is not None:
        _colour_bar(page, scene.scale, Box(area.x + 1, y - 9 * f, min(area.w - 4, 60 * f),
                                            3 * f))  # fmt: skip
        y -= bar_h * f
    col, x0, ytop = 0, area.x, y
    sw = 7.0 * f
    for (kind, item), hgt in zip(items, heights, strict=True):
        if y - hgt < area.y + len(notes) * 2.4 * f * shrink and col < cols - 1:
            col += 1
            x0, y = area.x + col * col_w, ytop
            if kind == "head":
                continue
        if item is None:
            if kind != "head":
                page.text(x0, y - hgt / 2, kind, fs, va="center", fontweight="bold")
            y -= hgt
            continue
        entry = item
        cy = y - hgt / 2
        st = entry.style
        if entry.shape == "line":
            kw = line_kwargs(st, f)
            page.ax.plot([x0 + 0.5, x0 + sw], [cy, cy], zorder=10, **kw)
        elif entry.shape == "point":
            kw = marker_kwargs(st, f)
            page.ax.plot([x0 + sw / 2 + 0.25], [cy], zorder=10, **kw)
        else:
            from matplotlib.patches import Rectangle  # noqa: PLC0415

            kw = patch_kwargs(st, f)
            page.ax.add_patch(
                Rectangle((x0 + 0.5, cy - 1.3 * f * shrink), sw - 0.5, 2.6 * f * shrink,
                          zorder=10, **kw)
            )  # fmt: skip
        artists.append((entry, {"shape": entry.shape, **kw}))
        label = entry.label
        max_w = col_w - sw - 3
        size = page.fit(label, fs, max_w, min_pt=4.2 * f)
        page.text(x0 + sw + 1.5, cy, label, size, va="center")
        y -= hgt
    y_notes = min(y, ytop) if cols == 1 else area.y + len(notes) * 2.4 * f * shrink + 1
    for i, line in enumerate(notes):
        page.text(area.x, y_notes - 1.5 * f - i * 2.4 * f * shrink, line, 5.2 * f * shrink,
                  va="center", color="#555555")  # fmt: skip
    return area, artists


def _colour_bar(page: _Page, scale: ColourScale, box: Box) -> None:
    from matplotlib.colors import LinearSegmentedColormap  # noqa: PLC0415

    f = page.f
    span = scale.vmax - scale.vmin
    if span > 0 and len(scale.stops) > 1:
        pos = [(v - scale.vmin) / span for v, _ in scale.stops]
        pos[0], pos[-1] = 0.0, 1.0
        cmap = LinearSegmentedColormap.from_list(
            "scale", list(zip(pos, [c for _, c in scale.stops], strict=True))
        )
    else:
        cmap = LinearSegmentedColormap.from_list("scale", [scale.stops[0][1]] * 2)
    grad = np.linspace(0, 1, 256)[None, :]
    page.ax.imshow(grad, extent=(box.x, box.x1, box.y, box.y1), cmap=cmap, aspect="auto",
                   zorder=10)  # fmt: skip
    page.ax.add_patch(_rect(box.x, box.y, box.w, box.h, "none"))
    page.ax.set_xlim(0, page.w)
    page.ax.set_ylim(0, page.h)
    page.text(box.x, box.y1 + 1.2 * f, scale.label, 6 * f, va="bottom", fontweight="bold")
    for frac in (0, 0.25, 0.5, 0.75, 1):
        v = scale.vmin + span * frac
        page.text(box.x + box.w * frac, box.y - 0.8 * f, f"{v:,.1f}", 5.2 * f, ha="center",
                  va="top")  # fmt: skip


def _table(page: _Page, table: tuple[tuple[str, ...], ...], box: Box) -> None:
    f = page.f
    fs = 6.3 * f
    ncol = len(table[0])
    widths = [max(page.text_size(row[c], fs)[0] for row in table) + 2.5 * f for c in range(ncol)]
    total = sum(widths)
    if total > box.w:
        fs *= box.w / total
        widths = [w * box.w / total for w in widths]
    row_h = (box.h - 2.0 * f) / len(table)
    x = box.x
    from matplotlib.patches import Rectangle  # noqa: PLC0415

    page.ax.add_patch(
        Rectangle((box.x, box.y1 - row_h - 1 * f), sum(widths), row_h, facecolor="#eeeeee",
                  edgecolor="none")
    )  # fmt: skip
    for c in range(ncol):
        for r, row in enumerate(table):
            y = box.y1 - 1 * f - (r + 0.5) * row_h
            right = c >= 3
            page.text(x + (widths[c] - 1.2 * f if right else 0.8 * f), y, row[c], fs,
                      ha="right" if right else "left", va="center",
                      fontweight="bold" if r == 0 else "normal")  # fmt: skip
        x += widths[c]
    y_bottom = box.y1 - 1 * f - len(table) * row_h
    for yy in (box.y1 - 1 * f, box.y1 - 1 * f - row_h, y_bottom):
        page.ax.plot([box.x, box.x + sum(widths)], [yy, yy], color="#555555", linewidth=0.5)


def _footer(page: _Page, scene: Scene, box: Box) -> None:
    f = page.f
    fs = 5.2 * f
    lines = page.wrap("来源 Sources: " + " | ".join(scene.attributions), fs, box.w)
    lines += page.wrap(MAP_REVIEW_NOTE, fs, box.w)
    lines += page.wrap(AMAP_CAVEAT + " · Shudao 蜀道", fs, box.w)
    step = min(box.h / max(len(lines), 1), 2.6 * f)
    page.ax.plot([box.x, box.x1], [box.y1, box.y1], color="#333333", linewidth=0.6 * f)
    for i, line in enumerate(lines):
        colour = "#8a1c1c" if line.startswith(("审图号", "Map review")) else "#333333"
        page.text(box.x, box.y1 - 1.2 * f - i * step, line, fs, va="top", color=colour)
    note = _font_note()
    if note:
        page.text(box.x1, box.y, note, 4.6 * f, ha="right", va="bottom", color="#8a1c1c")


# ----------------------------------------------------------------------------- output
def print_map(scene: Scene, options: PrintOptions) -> bytes:
    """Return the print layout of *scene* as PNG, PDF or SVG bytes (``options.fmt``).

    A PNG is ``options.size_px`` pixels with ``options.dpi`` in its ``pHYs`` chunk; a PDF or
    SVG is vector (text as glyphs in the PDF, as paths in the SVG). No interactive controls.

    Raises
    ------
    maps.errors.MapOptionError
        If the options are invalid (raised by `PrintOptions`).
    """
    fig, _ = draw_page(scene, options)
    return save(fig, options, title=scene.title)


def save(fig: Figure, options: PrintOptions, *, title: str) -> bytes:
    """Write a page drawn by `draw_page` in ``options.fmt``."""
    buf = io.BytesIO()
    with _fonts():
        if options.fmt is OutputFormat.PNG:
            fig.savefig(
                buf, format="png", dpi=options.dpi,
                metadata={"Title": title, "Software": "Shudao (matplotlib)"},
            )  # fmt: skip
        elif options.fmt is OutputFormat.PDF:
            fig.savefig(
                buf, format="pdf", dpi=options.dpi,
                metadata={"Title": title, "Creator": "Shudao", "CreationDate": None},
            )  # fmt: skip
        else:
            fig.savefig(buf, format="svg", dpi=options.dpi, metadata={"Title": title, "Date": None})
    return buf.getvalue()


def static_png(
    scene: Scene,
    *,
    width_px: int,
    height_px: int,
    dpi: int = 96,
    options: PrintOptions | None = None,
) -> bytes:
    """The print layout on a page of exactly ``width_px`` x ``height_px`` pixels at *dpi*.

    The page is arranged like A4 landscape (portrait when taller than wide) with text and
    lines scaled to the page, so embed sizes stay legible. *options* gives the label language,
    date and scenario.

    Raises
    ------
    maps.errors.MapOptionError
        A size outside 100..10000 px.
    """
    for v in (width_px, height_px):
        if not 100 <= v <= 10_000:
            msg = f"PNG size {v} px is outside 100..10000"
            raise MapOptionError(msg)
    base = options or PrintOptions()
    opts = replace(
        base,
        orientation="portrait" if height_px > width_px else "landscape",
        dpi=dpi,
        fmt=OutputFormat.PNG,
        custom_mm=(width_px / dpi * 25.4, height_px / dpi * 25.4),
    )
    return print_map(scene, opts)
