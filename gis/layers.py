"""Built-layer files: deterministic GeoParquet I/O and the rail/road layer builds.

Owns: :func:`write_layer` (GeoParquet that is byte-identical when written twice from the same
data: no timestamps, fixed compression, no pandas index), :func:`read_layer` (with a
:class:`gis.errors.LayerMissingError` that tells the user to run ``shudao data build``), and the
``build_rail`` / ``build_roads`` steps of ``shudao data build`` that turn the scgraph-data
geographs into ``{rail,road}_{nodes,edges}.parquet`` in the cache directory.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import geopandas as gpd

from gis.errors import LayerMissingError
from gis.geograph import load_geograph
from gis.network import NetworkLayers, build_network_layers, read_network_links

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from pathlib import Path

__all__ = [
    "RAIL_BBOX",
    "ROAD_BBOXES",
    "build_rail",
    "build_roads",
    "read_layer",
    "write_layer",
]

RAIL_BBOX: Final = (-10.0, 0.0, 125.0, 60.0)
"""Eurasia from Iberia to north-east China, equator to 60°N (China–Europe and ASEAN routes)."""

ROAD_BBOXES: Final = (
    (73.0, 18.0, 125.0, 54.0),  # China (Hainan south tip 18.2N left out) and Mongolia's south
    (46.0, 35.0, 87.0, 56.0),  # Central Asia and the Caspian
    (92.0, 0.0, 110.0, 28.5),  # mainland South-East Asia
    (-10.0, 35.0, 46.0, 60.0),  # Europe incl. Turkey, the Caucasus and European Russia to 60N
)
"""Road corridor areas (min_lon, min_lat, max_lon, max_lat); they may overlap."""

RAIL_DEAD_PAIR_KM: Final = 1.0
"""Two rail dead ends of one component closer than this are joined: the scgraph layer breaks
main lines for a few hundred metres at stations (e.g. the Baoji–Chengdu railway north of
Guangyuan, 105.92E 32.81N, 0.2 km), and without the join freight paths that may not use the
parallel high-speed line detour by hundreds of km. 1 km keeps it to station-scale gaps."""

RAIL_MODULE: Final = "scgraph_data.world_railways"
ROAD_MODULE: Final = "scgraph_data.world_highways"


def write_layer(gdf: gpd.GeoDataFrame, path: Path) -> None:
    """Write a GeoDataFrame to GeoParquet, byte-identical for identical input.

    The pandas index is dropped, compression is fixed (zstd), and no bounding-box covering column
    is written; pyarrow writes no timestamp, so the bytes depend only on the data and the
    library versions.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Layer to write; it must carry a CRS.
    path : pathlib.Path
        Destination ``.parquet`` file; parent directories are created.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    gdf.to_parquet(tmp, index=False, compression="zstd", write_covering_bbox=False)
    tmp.replace(path)


def read_layer(path: Path) -> gpd.GeoDataFrame:
    """Read a GeoParquet layer written by :func:`write_layer`.

    Raises
    ------
    LayerMissingError
        If the file does not exist (run ``shudao data build``).
    """
    if not path.is_file():
        msg = f"layer {path} is missing: run `shudao data build` to build the data layers"
        raise LayerMissingError(msg)
    return gpd.read_parquet(path)


def _say(progress: Callable[[str], None] | None, text: str) -> None:
    if progress is not None:
        progress(text)


def _build(
    out_dir: Path,
    *,
    module: str,
    mode: str,
    prefix: str,
    links_csv: Path | None,
    bboxes: Sequence[tuple[float, float, float, float]],
    stitch_km: float,
    progress: Callable[[str], None] | None,
    dead_pair_km: float = 0.0,
) -> NetworkLayers:
    _say(progress, f"{mode}: reading {module}")
    geograph = load_geograph(module)
    links = read_network_links(links_csv) if links_csv is not None else None
    _say(progress, f"{mode}: clipping, stitching and merging {geograph.n_edges:,} edges")
    layers = build_network_layers(
        geograph,
        mode=mode,
        bboxes=bboxes,
        stitch_km=stitch_km,
        curated_links=links,
        dead_pair_km=dead_pair_km,
    )
    write_layer(layers.nodes, out_dir / f"{prefix}_nodes.parquet")
    write_layer(layers.edges, out_dir / f"{prefix}_edges.parquet")
    r = layers.report
    _say(
        progress,
        f"{mode}: {r.nodes:,} nodes, {r.edges:,} links ({r.stitches} stitches, "
        f"{r.curated_links} curated), {r.components} components, {r.total_km:,.0f} km",
    )
    return layers


def build_rail(
    out_dir: Path,
    *,
    links_csv: Path,
    bbox: tuple[float, float, float, float] = RAIL_BBOX,
    stitch_km: float = 2.0,
    dead_pair_km: float = RAIL_DEAD_PAIR_KM,
    progress: Callable[[str], None] | None = None,
) -> NetworkLayers:
    """Build ``rail_nodes.parquet`` and ``rail_edges.parquet`` into ``out_dir``.

    Parameters
    ----------
    out_dir : pathlib.Path
        Cache directory (created if needed).
    links_csv : pathlib.Path
        Curated repair links (``data/geo/network_links.csv``); its ``mode == "rail"`` rows
        are used.
    bbox : tuple, optional
        Clip box (min_lon, min_lat, max_lon, max_lat).
    stitch_km : float, optional
        Gap-stitching radius between components.
    dead_pair_km : float, optional
        Join two dead ends of one component this close (a line broken in the source).
    progress : callable, optional
        Receives progress messages.

    Returns
    -------
    NetworkLayers
        The layers written, with their report.
    """
    return _build(
        out_dir,
        module=RAIL_MODULE,
        mode="rail",
        prefix="rail",
        links_csv=links_csv,
        bboxes=[bbox],
        stitch_km=stitch_km,
        progress=progress,
        dead_pair_km=dead_pair_km,
    )


def build_roads(
    out_dir: Path,
    *,
    links_csv: Path,
    bboxes: Sequence[tuple[float, float, float, float]] = ROAD_BBOXES,
    stitch_km: float = 2.0,
    progress: Callable[[str], None] | None = None,
) -> NetworkLayers:
    """Build ``road_nodes.parquet`` and ``road_edges.parquet`` into ``out_dir``.

    Parameters
    ----------
    out_dir : pathlib.Path
        Cache directory (created if needed).
    links_csv : pathlib.Path
        Curated repair links; rows with ``mode == "road"`` are used.
    bboxes : sequence of tuple, optional
        Corridor areas; an edge is kept when both ends are inside one box.
    stitch_km : float, optional
        Gap-stitching radius between components.
    progress : callable, optional
        Receives progress messages.

    Returns
    -------
    NetworkLayers
        The layers written, with their report.
    """
    return _build(
        out_dir,
        module=ROAD_MODULE,
        mode="road",
        prefix="road",
        links_csv=links_csv,
        bboxes=bboxes,
        stitch_km=stitch_km,
        progress=progress,
    )
