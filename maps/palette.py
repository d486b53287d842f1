"""Colour-blind-safe categorical palettes for the briefing maps, and the paper colours.

Owns: the Okabe–Ito colours, the one extra colour (a dark brown) that makes a ninth category,
the palettes of corridors, routes and economic regions built from them, the fill opacity of
region polygons, the land, sea and paper colours, and `displayed_colour` (the colour a
semi-transparent fill shows over its background, which is what a reader compares).

Sources
-------
Okabe, M. and Ito, K. (2002, rev. 2008), "Color Universal Design (CUD): how to make figures
and presentations that are friendly to colorblind people", https://jfly.uni-koeln.de/color/
(checked 2026-12-01): black, orange #E69F00, sky blue #56B4E9, bluish green #009E73, yellow
#F0E442, blue #0072B2, vermillion #D55E00, reddish purple #CC79A7.

``BROWN`` (#5A2D00) is an ``assumption``: the ninth corridor needs a ninth colour, and Okabe–Ito
has eight. It was chosen by a grid search over sRGB (18 steps per channel) for the colour
farthest (CAM02-UCS) from all eight under normal vision and simulated deuteranopia, protanopia
and tritanopia (Machado et al. 2009 at severity 100, as implemented by ``colorspacious``); it
lies at least 28 ΔE from each of them. ``tests/maps/test_palettes.py`` checks every palette as
drawn on its map.
"""

from __future__ import annotations

from typing import Final

OKABE_ITO: Final[dict[str, str]] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
BROWN: Final = "#5A2D00"

# Background colours of every map (land of China, foreign land, sea, paper).
CHINA_LAND: Final = "#fbf8f0"
FOREIGN_LAND: Final = "#ebe8e2"
WORLD_LAND: Final = "#f2efe9"
SEA: Final = "#dce9f2"
PAPER: Final = "#ffffff"

# Corridor key -> colour. Nine categories: the eight Okabe–Ito colours and BROWN. Yellow goes
# to the sea lanes, drawn over the sea (ΔE 11 to the sea colour) with a dark casing.
CORRIDOR_COLOURS: Final[dict[str, str]] = {
    "china_europe_rail": OKABE_ITO["vermillion"],
    "middle_corridor": OKABE_ITO["orange"],
    "ilstc": OKABE_ITO["bluish_green"],
    "china_laos": OKABE_ITO["reddish_purple"],
    "china_vietnam": BROWN,
    "road_international": OKABE_ITO["black"],
    "yangtze": OKABE_ITO["blue"],
    "sea": OKABE_ITO["sky_blue"],
    "air_cargo": OKABE_ITO["yellow"],
}

# Route alternatives #1, #2, ... in this order; after nine the colours repeat (the route
# number in the legend and the table still tells them apart).
ROUTE_COLOURS: Final[tuple[str, ...]] = (
    OKABE_ITO["blue"],
    OKABE_ITO["vermillion"],
    OKABE_ITO["bluish_green"],
    OKABE_ITO["reddish_purple"],
    OKABE_ITO["orange"],
    OKABE_ITO["sky_blue"],
    OKABE_ITO["black"],
    BROWN,
    OKABE_ITO["yellow"],
)

# The five economic regions, filled at REGION_FILL_OPACITY over CHINA_LAND. The five were chosen
# among the nine colours as the set with the largest smallest ΔE *after* blending (14.0 at
# 0.6 opacity under the worst simulation; the set with bluish green for the ecological zone
# reached only 9.8). Keys are `hubs.models.Region` values.
REGION_FILL_OPACITY: Final = 0.6
REGION_COLOURS_BY_KEY: Final[dict[str, str]] = {
    "chengdu_plain": OKABE_ITO["vermillion"],
    "south_sichuan": BROWN,
    "northeast_sichuan": OKABE_ITO["blue"],
    "panxi": OKABE_ITO["sky_blue"],
    "northwest_ecological": OKABE_ITO["yellow"],
}


def rgb01(colour: str) -> tuple[float, float, float]:
    """Return ``#rrggbb`` as three floats in 0-1."""
    c = colour.lstrip("#")
    if len(c) != 6:
        msg = f"not a #rrggbb colour: {colour!r}"
        raise ValueError(msg)
    return (int(c[0:2], 16) / 255, int(c[2:4], 16) / 255, int(c[4:6], 16) / 255)


def displayed_colour(colour: str, opacity: float, under: str) -> tuple[float, float, float]:
    """The sRGB colour (0-1) of *colour* painted at *opacity* over *under* (alpha blending)."""
    f, b = rgb01(colour), rgb01(under)
    r, g, bl = (opacity * x + (1.0 - opacity) * y for x, y in zip(f, b, strict=True))
    return (r, g, bl)


# Differences (scenario minus baseline) on a diverging scale, symmetric around 0: ColorBrewer
# PuOr, 11 classes (Brewer, C. A. and Harrower, M., ColorBrewer 2.0, https://colorbrewer2.org,
# scheme "PuOr", checked 2026-12-02 against matplotlib 3's ``PuOr`` data, which carries the same
# eleven colours; ColorBrewer marks PuOr colour-blind safe), here ordered from the most negative
# to the most positive value: purple = less (closer, faster), white = no change, orange = more
# (farther, slower). Warm for worse is an ``assumption`` of reading habit (heat = trouble).
# ``tests/maps/test_scenario_map.py`` checks, under simulated deuteranopia, protanopia and
# tritanopia, that the two ends stay far apart and both far from the neutral middle.
DIVERGING_DELTA: Final[tuple[str, ...]] = (
    "#2d004b",
    "#542788",
    "#8073ac",
    "#b2abd2",
    "#d8daeb",
    "#f7f7f7",
    "#fee0b6",
    "#fdb863",
    "#e08214",
    "#b35806",
    "#7f3b08",
)
DELTA_NEUTRAL: Final = DIVERGING_DELTA[len(DIVERGING_DELTA) // 2]

# A route comparison draws the baseline's best route and the scenario's in the first two route
# colours (Okabe–Ito blue and vermillion, told apart under every simulated deficiency).
BASELINE_ROUTE_COLOUR: Final = ROUTE_COLOURS[0]
SCENARIO_ROUTE_COLOUR: Final = ROUTE_COLOURS[1]
