"""Print layouts: paper sizes, output formats and where each part of a briefing map goes.

Owns: `PrintOptions` (paper, orientation, dpi, output format, label language, date,
scenario), `output_format` (the format named by an ``--out`` suffix), `Box` and `page_layout`
(the title block, map frame, side panel, comparison table and footer of a page, in millimetres
from the page's bottom-left corner). The boxes never overlap: the legend, the table and the
title block sit outside the map frame. `maps.static` draws into them.

Paper sizes are ISO 216 (A4 210 x 297 mm, A3 297 x 420 mm).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from maps.errors import MapOptionError
from maps.scene import LABEL_LANGUAGES


class OutputFormat(StrEnum):
    """What a map is written as; chosen by the suffix of the output file."""

    HTML = "html"
    PNG = "png"
    PDF = "pdf"
    SVG = "svg"


PAPER_MM: dict[str, tuple[float, float]] = {"A4": (210.0, 297.0), "A3": (297.0, 420.0)}
ORIENTATIONS: tuple[str, ...] = ("landscape", "portrait")
DPI_RANGE: tuple[int, int] = (30, 600)  # 30-72 dpi: previews and thumbnails
MEDIA_TYPES: dict[OutputFormat, str] = {
    OutputFormat.HTML: "text/html; charset=utf-8",
    OutputFormat.PNG: "image/png",
    OutputFormat.PDF: "application/pdf",
    OutputFormat.SVG: "image/svg+xml",
}


def output_format(path: Path | str) -> OutputFormat:
    """The output format named by the suffix of *path* (``.html``, ``.png``, ``.pdf``, ``.svg``).

    Raises
    ------
    maps.errors.MapOptionError
        Any other suffix.
    """
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix == "htm":
        suffix = "html"
    try:
        return OutputFormat(suffix)
    except ValueError:
        msg = f"cannot tell the map format from {str(path)!r}: end it in .html, .png, .pdf or .svg"
        raise MapOptionError(msg) from None


@dataclass(frozen=True)
class PrintOptions:
    """How to print a map.

    Attributes
    ----------
    paper : str
        ``A4`` or ``A3``.
    orientation : str
        ``landscape`` or ``portrait``.
    dpi : int
        Raster resolution of a PNG (30-600; 150 or 300 for print), also written into its
        metadata. A PDF or SVG is vector; *dpi* only sets the resolution of embedded rasters.
    fmt : OutputFormat
        PNG, PDF or SVG.
    labels : str
        Place names in ``zh``, ``en`` or ``both`` (stacked, Chinese above English).
    date : str
        Date printed in the title block (ISO); default today (UTC).
    scenario : str
        The scenario the figures belong to (title block).
    custom_mm : tuple of float or None
        ``(width, height)`` of a page of any size (an embed-sized PNG); *paper* and
        *orientation* then only choose the arrangement, and text scales with the page.
    """

    paper: str = "A4"
    orientation: str = "landscape"
    dpi: int = 150
    fmt: OutputFormat = OutputFormat.PNG
    labels: str = "both"
    date: str = ""
    scenario: str = "基准 Baseline"
    custom_mm: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        problems = []
        if self.paper not in PAPER_MM:
            problems.append(f"paper {self.paper!r} (choose A4 or A3)")
        if self.orientation not in ORIENTATIONS:
            problems.append(f"orientation {self.orientation!r} (choose landscape or portrait)")
        if not DPI_RANGE[0] <= self.dpi <= DPI_RANGE[1]:
            problems.append(f"dpi {self.dpi} (choose {DPI_RANGE[0]}..{DPI_RANGE[1]})")
        if self.fmt is OutputFormat.HTML:
            problems.append("format html (a print layout is PNG, PDF or SVG)")
        if self.labels not in LABEL_LANGUAGES:
            problems.append(f"labels {self.labels!r} (choose zh, en or both)")
        if problems:
            raise MapOptionError("invalid print options: " + "; ".join(problems))

    @property
    def page_mm(self) -> tuple[float, float]:
        """(width, height) of the page in millimetres."""
        if self.custom_mm is not None:
            return self.custom_mm
        short, long_ = PAPER_MM[self.paper]
        return (long_, short) if self.orientation == "landscape" else (short, long_)

    @property
    def size_px(self) -> tuple[int, int]:
        """(width, height) of a PNG at *dpi*."""
        w, h = self.page_mm
        return round(w / 25.4 * self.dpi), round(h / 25.4 * self.dpi)

    @property
    def scale(self) -> float:
        """Text and line scale of the paper (A4 1.0; A3 1.25, between A4 and the √2 of A3)."""
        if self.custom_mm is not None:
            w, h = self.custom_mm
            a4w, a4h = (297.0, 210.0) if self.orientation == "landscape" else (210.0, 297.0)
            return max(0.35, min(2.0, w / a4w, h / a4h))
        return 1.0 if self.paper == "A4" else 1.25

    @property
    def print_date(self) -> str:
        """*date*, or today's date (UTC)."""
        return self.date or dt.datetime.now(dt.UTC).date().isoformat()


@dataclass(frozen=True)
class Box:
    """A rectangle on the page, millimetres from the bottom-left corner."""

    x: float
    y: float
    w: float
    h: float

    @property
    def x1(self) -> float:
        """Right edge."""
        return self.x + self.w

    @property
    def y1(self) -> float:
        """Top edge."""
        return self.y + self.h

    def overlaps(self, other: Box) -> bool:
        """True if the interiors intersect (touching edges do not count)."""
        return self.x < other.x1 and other.x < self.x1 and self.y < other.y1 and other.y < self.y1

    def contains(self, other: Box, *, tol: float = 1e-6) -> bool:
        """True if *other* lies inside this box."""
        return (
            other.x >= self.x - tol
            and other.y >= self.y - tol
            and other.x1 <= self.x1 + tol
            and other.y1 <= self.y1 + tol
        )


@dataclass(frozen=True)
class PageLayout:
    """The boxes of one printed page (millimetres).

    Attributes
    ----------
    page : Box
        The whole sheet.
    title : Box
        Title block: title, subtitle, date, parameter version, scenario.
    frame : Box
        The map frame (the map is drawn only inside it).
    panel : Box
        Side panel (landscape: right of the frame; portrait: under it): north arrow, scale
        bar, the South China Sea inset, the legend and notes.
    table : Box or None
        The comparison table, under the frame (None when the map has no table).
    footer : Box
        Sources and licences, the map-review note (审图号) and the AMap caveat.
    """

    page: Box
    title: Box
    frame: Box
    panel: Box
    table: Box | None
    footer: Box

    def parts(self) -> dict[str, Box]:
        """Every box but the page, by name."""
        out = {"title": self.title, "frame": self.frame, "panel": self.panel}
        if self.table is not None:
            out["table"] = self.table
        out["footer"] = self.footer
        return out


def page_layout(options: PrintOptions, *, table_rows: int = 0) -> PageLayout:
    """The boxes of a page for *options*; a table of *table_rows* rows (header included).

    Landscape: title block across the top, footer across the bottom, the side panel on the
    right, the table under the map frame. Portrait: the map frame under the title, then the
    table, then the side panel (two columns of legend), then the footer.
    """
    f = options.scale
    w, h = options.page_mm
    margin, gap = 8.0 * f, 3.0 * f
    title_h, footer_h = 17.0 * f, 15.0 * f
    row_h = 4.0 * f
    table_h = (table_rows * row_h + 2.0 * f) if table_rows else 0.0
    page = Box(0.0, 0.0, w, h)
    title = Box(margin, h - margin - title_h, w - 2 * margin, title_h)
    footer = Box(margin, margin, w - 2 * margin, footer_h)
    body_y0 = footer.y1 + gap
    body_y1 = title.y - gap
    if options.orientation == "landscape":
        panel_w = 80.0 * f
        panel = Box(w - margin - panel_w, body_y0, panel_w, body_y1 - body_y0)
        frame_x1 = panel.x - gap
        table = None
        frame_y0 = body_y0
        if table_rows:
            table = Box(margin, body_y0, frame_x1 - margin, table_h)
            frame_y0 = table.y1 + gap
        # graticule labels need a little room left of and under the frame
        frame = Box(margin + 7.0 * f, frame_y0 + 3.5 * f, frame_x1 - margin - 7.0 * f,
                    body_y1 - frame_y0 - 3.5 * f)  # fmt: skip
    else:
        panel_h = (body_y1 - body_y0) * 0.36
        panel = Box(margin, body_y0, w - 2 * margin, panel_h)
        table = None
        frame_y0 = panel.y1 + gap
        if table_rows:
            table = Box(margin, frame_y0, w - 2 * margin, table_h)
            frame_y0 = table.y1 + gap
        frame = Box(margin + 7.0 * f, frame_y0 + 3.5 * f, w - 2 * margin - 7.0 * f,
                    body_y1 - frame_y0 - 3.5 * f)  # fmt: skip
    return PageLayout(page, title, frame, panel, table, footer)
