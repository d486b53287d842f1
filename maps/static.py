"""A static PNG of a `Scene` drawn with matplotlib, for machines without a browser.

Owns: `static_png`, the fallback of the Chromium export. It draws the same layers, colours and
symbols (no tiles, no popups; labels and the legend are kept) at the requested pixel size.
"""

from __future__ import annotations

import io
from typing import Any

import shapely

from maps.errors import MapOptionError
from maps.leaflet import SEA_COLOUR
from maps.scene import ColourScale, Feature, Scene, Style, Symbol

_MARKERS: dict[Symbol, str] = {
    Symbol.CIRCLE: "o",
    Symbol.SQUARE: "s",
    Symbol.TRIANGLE: "^",
    Symbol.DIAMOND: "D",
    Symbol.STAR: "*",
    Symbol.HEXAGON: "h",
    Symbol.CROSS: "P",
}
_DPI = 100
_CJK_FONTS = ["Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "DejaVu Sans"]


def _dashes(style: Style) -> Any:
    if not style.dash:
        return "-"
    nums = tuple(float(x) for x in style.dash.replace(",", " ").split())
    return (0, nums)


def _draw(ax: Any, f: Feature, *, zorder: float) -> None:
    from matplotlib.patches import PathPatch  # noqa: PLC0415
    from matplotlib.path import Path as MplPath  # noqa: PLC0415

    st = f.style
    geom = f.geometry
    kind = geom.geom_type
    if kind in {"Polygon", "MultiPolygon"}:
        for poly in shapely.get_parts(geom):
            rings = [poly.exterior, *poly.interiors]
            verts, codes = [], []
            for ring in rings:
                xy = list(ring.coords)
                verts += xy
                codes += [MplPath.MOVETO] + [MplPath.LINETO] * (len(xy) - 2) + [MplPath.CLOSEPOLY]
            patch = PathPatch(
                MplPath(verts, codes),
                facecolor=st.fill_color or "none",
                alpha=None,
                edgecolor=st.color,
                linewidth=st.weight_px * 0.75,
                linestyle=_dashes(st),
                zorder=zorder,
            )
            if st.fill_color:
                patch.set_facecolor((*_rgb(st.fill_color), st.fill_opacity))
            ax.add_patch(patch)
    elif kind in {"LineString", "MultiLineString", "LinearRing"}:
        for line in shapely.get_parts(geom):
            xs, ys = zip(*line.coords, strict=True)
            ax.plot(
                xs, ys, color=st.color, linewidth=st.weight_px * 0.75,
                linestyle=_dashes(st), alpha=st.opacity, zorder=zorder,
            )  # fmt: skip
    elif kind == "Point":
        if f.label:
            ax.annotate(
                f.label, (geom.x, geom.y), ha="center", va="center", fontsize=8,
                color=st.color, zorder=zorder + 1, annotation_clip=True,
            )  # fmt: skip
        else:
            ax.plot(
                [geom.x], [geom.y], marker=_MARKERS[st.symbol], markersize=st.size_px * 0.6,
                markerfacecolor=st.fill_color or "none", markeredgecolor=st.color,
                markeredgewidth=st.weight_px * 0.6, linestyle="none", zorder=zorder + 1,
            )  # fmt: skip


def _rgb(colour: str) -> tuple[float, float, float]:
    c = colour.lstrip("#")
    return (int(c[0:2], 16) / 255, int(c[2:4], 16) / 255, int(c[4:6], 16) / 255)


def static_png(scene: Scene, *, width_px: int, height_px: int) -> bytes:
    """Draw *scene* with matplotlib (Agg) and return a PNG of exactly ``width_px`` x ``height_px``.

    Parameters
    ----------
    scene : Scene
        What to draw; layers hidden by default (``show=False``) are left out.
    width_px, height_px : int
        Image size in pixels, 100-10000.

    Returns
    -------
    bytes
        PNG data.
    """
    for v in (width_px, height_px):
        if not 100 <= v <= 10_000:
            msg = f"PNG size {v} px is outside 100..10000"
            raise MapOptionError(msg)
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415
    from matplotlib.figure import Figure  # noqa: PLC0415
    from matplotlib.lines import Line2D  # noqa: PLC0415
    from matplotlib.patches import Patch  # noqa: PLC0415

    fig = Figure(figsize=(width_px / _DPI, height_px / _DPI), dpi=_DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_facecolor(SEA_COLOUR)
    west, south, east, north = scene.bounds
    # equirectangular with the aspect of the mid latitude, widened to fill the image
    import math  # noqa: PLC0415

    k = 1.0 / max(math.cos(math.radians((south + north) / 2)), 0.2)
    cx, cy = (west + east) / 2, (south + north) / 2
    span_x, span_y = (east - west), (north - south) * k
    img_aspect = width_px / height_px
    if span_x / span_y < img_aspect:
        span_x = span_y * img_aspect
    else:
        span_y = span_x / img_aspect
    ax.set_xlim(cx - span_x / 2, cx + span_x / 2)
    ax.set_ylim(cy - span_y / (2 * k), cy + span_y / (2 * k))
    ax.set_aspect(k)
    ax.set_axis_off()
    with _fonts():
        # images go above the leading basemap layers and below everything else
        n_base = next((i for i, lyr in enumerate(scene.layers) if not lyr.basemap), 0)
        for image in scene.images:
            if image.show:
                i_w, i_s, i_e, i_n = image.bounds
                ax.imshow(
                    image.rgba,
                    extent=(i_w, i_e, i_s, i_n),
                    origin="upper",
                    interpolation="nearest",
                    alpha=image.opacity,
                    zorder=n_base * 2 - 0.5,
                    aspect="auto",
                )
                ax.set_aspect(k)  # imshow resets the aspect
        for z, layer in enumerate(scene.layers):
            if not layer.show:
                continue
            for f in layer.features:
                _draw(ax, f, zorder=z * 2)
        if scene.scale is not None:
            _colour_bar(fig, scene.scale)
        handles: list[Any] = []
        for e in scene.legend:
            st = e.style
            if e.shape == "polygon":
                handles.append(
                    Patch(facecolor=st.fill_color or "none", edgecolor=st.color, label=e.label)
                )
            elif e.shape == "line":
                handles.append(Line2D([], [], color=st.color, linestyle=_dashes(st), label=e.label))
            else:
                handles.append(
                    Line2D(
                        [], [], marker=_MARKERS[st.symbol], linestyle="none",
                        markerfacecolor=st.fill_color or "none", markeredgecolor=st.color,
                        label=e.label,
                    )
                )  # fmt: skip
        leg = ax.legend(
            handles=handles, loc="lower right", fontsize=7, title=scene.title,
            title_fontsize=8, framealpha=0.95,
        )  # fmt: skip
        leg.set_zorder(10_000)
        fig.text(0.005, 0.005, " | ".join(scene.attributions), fontsize=5, va="bottom")
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=_DPI)
    return buf.getvalue()


def _colour_bar(fig: Any, scale: ColourScale) -> None:
    """A horizontal colour bar at the bottom left, from ``scale.vmin`` to ``scale.vmax``."""
    from matplotlib.cm import ScalarMappable  # noqa: PLC0415
    from matplotlib.colors import LinearSegmentedColormap, Normalize  # noqa: PLC0415

    span = scale.vmax - scale.vmin
    if span > 0 and len(scale.stops) > 1:
        pos = [(v - scale.vmin) / span for v, _ in scale.stops]
        pos[0], pos[-1] = 0.0, 1.0
        cmap = LinearSegmentedColormap.from_list(
            "scale", list(zip(pos, [c for _, c in scale.stops], strict=True))
        )
    else:
        cmap = LinearSegmentedColormap.from_list("scale", [scale.stops[0][1]] * 2)
    box = fig.add_axes((0.01, 0.035, 0.3, 0.085))  # a white card under the bar
    box.set_xticks([])
    box.set_yticks([])
    box.patch.set_facecolor("#ffffff")
    box.patch.set_alpha(0.93)
    box.set_zorder(9_999)
    cax = fig.add_axes((0.025, 0.06, 0.27, 0.022))
    cax.set_zorder(10_000)
    bar = fig.colorbar(
        ScalarMappable(Normalize(scale.vmin, max(scale.vmax, scale.vmin + 1e-9)), cmap),
        cax=cax,
        orientation="horizontal",
    )
    bar.ax.tick_params(labelsize=7)
    bar.set_label(scale.label, fontsize=8)
    bar.ax.xaxis.set_label_position("top")


def _fonts() -> Any:
    from matplotlib import rc_context  # noqa: PLC0415

    return rc_context({"font.family": "sans-serif", "font.sans-serif": _CJK_FONTS})
