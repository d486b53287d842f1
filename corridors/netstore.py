"""The measured service network, stored with the built layers.

Owns: measuring the service network once at build time (:func:`build_network`, called by
``shudao data build`` after the layers), writing it (``service_rides.parquet``: one row per ride
leg with its geometry; ``sea_variants.parquet``: every sea hop measured again with passages
closed, one row per hop and closure set, so that applying a scenario that closes Suez or a
strait, or a route that avoids one, looks the voyage up instead of running the sea router;
``service_network.json``: the inputs' fingerprint, the measurement notes and how the sea variants
were chosen), and reading it back (:func:`load_network`) so that loading the engine or applying a
scenario re-measures nothing. The fingerprint covers everything the measurement depends on
(``services.toml``, ``places.csv`` and the rail and road layers): a stored network whose inputs
changed is not used; nor is one stored without its sea variants or with other variant settings.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyarrow.parquet as pq
import shapely

from corridors.models import Mode, RideLeg, SeaVariant, SeaVariants, ServiceNetwork, Terminal
from corridors.network import (
    SEA_VARIANT_DEPTH,
    SEA_VARIANT_ROOTS,
    Infrastructure,
    ServiceMeasurement,
    build_service_network,
    measure_sea_variants,
    sea_hops,
)
from corridors.services import ServiceRecord
from gis.build import file_sha256, restamp
from gis.crs import WGS84
from gis.layers import read_layer, write_layer

RIDES_FILE = "service_rides.parquet"
SEA_VARIANTS_FILE = "sea_variants.parquet"
META_FILE = "service_network.json"
# Files whose bytes decide the measurement (curated tables in data_dir, layers in build_dir).
DATA_INPUTS: tuple[str, ...] = (
    "services.toml",
    "places.csv",
    "rail_sections.toml",
    "itinerary_points.csv",
    "rail_gauge.csv",
    "hsr_lines.csv",
    "network_links.csv",
)
LAYER_INPUTS: tuple[str, ...] = (
    "rail_nodes.parquet",
    "rail_edges.parquet",
    "road_nodes.parquet",
    "road_edges.parquet",
    "world_countries.parquet",
    "rail_attributes.json",
)


def inputs_fingerprint(
    data_dir: Path, build_dir: Path, *, digests: Mapping[str, str] | None = None
) -> str:
    """SHA-256 over the SHA-256 of every curated table and layer the measurement depends on.

    *digests* (file name -> SHA-256, as :func:`gis.integrity.verify_build` returns them) spares
    reading layers that were just hashed; the files not in it are hashed here.
    """
    known = digests or {}
    h = hashlib.sha256()
    for base, names in ((data_dir, DATA_INPUTS), (build_dir, LAYER_INPUTS)):
        for name in names:
            path = base / name
            h.update(name.encode())
            if base == build_dir and name in known:
                h.update(known[name].encode())
            elif path.exists():
                h.update(file_sha256(path).encode())
            else:
                h.update(b"<missing>")
    return h.hexdigest()


def save_network(network: ServiceNetwork, build_dir: Path, *, fingerprint: str) -> None:
    """Write *network*'s ride legs and notes into *build_dir* (deterministic bytes)."""
    rows = [
        {
            "service_id": r.service_id,
            "index": r.index,
            "from_id": r.from_id,
            "to_id": r.to_id,
            "mode": r.mode.value,
            "distance_km": r.distance_km,
            "passages": json.dumps(list(r.passages)),
            "variant": r.variant,
            "sources": json.dumps(list(r.sources), ensure_ascii=False),
            "geometry": r.geometry,
        }
        for r in network.rides
    ]
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84)
    write_layer(gdf, build_dir / RIDES_FILE)
    write_layer(_variants_frame(network.sea_variants), build_dir / SEA_VARIANTS_FILE)
    meta: dict[str, Any] = {
        "fingerprint": fingerprint,
        "sea_variants": {**_variant_settings(), "rows": len(network.sea_variants)},
        "services": sorted(network.services),
        "terminals": sorted(network.terminals),
        "notes": list(network.notes),
        "measurements": {
            sid: dataclasses.asdict(m) for sid, m in sorted(network.measurements.items())
        },
    }
    (build_dir / META_FILE).write_text(
        json.dumps(meta, ensure_ascii=False, indent=1, sort_keys=True) + "\n", "utf-8"
    )


def load_network(
    build_dir: Path,
    records: Sequence[ServiceRecord],
    terminals: Mapping[str, Terminal],
    *,
    fingerprint: str,
) -> ServiceNetwork | None:
    """The stored network, or None when it is missing or was measured from other inputs."""
    meta_path, rides_path = build_dir / META_FILE, build_dir / RIDES_FILE
    if not meta_path.exists() or not rides_path.exists():
        return None
    meta = json.loads(meta_path.read_text("utf-8"))
    if meta.get("fingerprint") != fingerprint:
        return None
    settings = meta.get("sea_variants")
    variants_path = build_dir / SEA_VARIANTS_FILE
    if not isinstance(settings, dict) or not variants_path.exists():
        return None  # stored before the sea variants: measure them (and store them) again
    if {k: v for k, v in settings.items() if k != "rows"} != _variant_settings():
        return None
    variants = _read_variants(variants_path)
    if len(variants) != settings.get("rows"):
        return None
    rides = tuple(
        RideLeg(
            str(row["service_id"]),
            int(row["index"]),
            str(row["from_id"]),
            str(row["to_id"]),
            Mode(row["mode"]),
            float(row["distance_km"]),
            geom,
            tuple(json.loads(row["passages"])),
            str(row["variant"]),
            tuple(json.loads(row["sources"])),
        )
        for row, geom in _read_rows(rides_path)
    )
    services = {rec.service.id: rec.service for rec in records}
    kept = set(meta["services"])
    measurements = {
        sid: ServiceMeasurement(**{k: _tuples(v) for k, v in m.items()})
        for sid, m in meta.get("measurements", {}).items()
    }
    return ServiceNetwork(
        {t: terminals[t] for t in meta["terminals"]},
        {sid: s for sid, s in sorted(services.items()) if sid in kept},
        rides,
        tuple(meta["notes"]),
        measurements,
        variants,
    )


def _variant_settings() -> dict[str, Any]:
    """How the stored sea variants were chosen (a change of these re-measures them)."""
    return {
        "file": SEA_VARIANTS_FILE,
        "roots": [list(r) for r in SEA_VARIANT_ROOTS],
        "depth": SEA_VARIANT_DEPTH,
    }


def _variants_frame(variants: SeaVariants) -> gpd.GeoDataFrame:
    rows = [
        {
            "from_id": v.from_id,
            "to_id": v.to_id,
            "from_lon": v.origin[0],
            "from_lat": v.origin[1],
            "to_lon": v.destination[0],
            "to_lat": v.destination[1],
            "restrictions": json.dumps(list(v.restrictions)),
            "distance_km": v.distance_km,
            "passages": json.dumps(list(v.passages)),
            "geometry": v.geometry,
        }
        for v in variants
    ]
    columns = [*(rows[0] if rows else {"geometry": None})]
    return gpd.GeoDataFrame(rows, columns=columns, geometry="geometry", crs=WGS84)


def _read_rows(path: Path) -> list[tuple[dict[str, Any], Any]]:
    """The rows of a layer this module wrote, each with its geometry (WGS84 lon/lat).

    Read with pyarrow and shapely rather than :func:`gis.layers.read_layer`: the layer's CRS
    is known (written by :func:`save_network`), and building a GeoDataFrame costs about 60 ms
    a file at every engine load (measured 2026-12-05: 8–12 ms this way).
    """
    if not path.is_file():
        read_layer(path)  # raises LayerMissingError naming the file and the repair
    table = pq.read_table(path)
    geoms = shapely.from_wkb(table.column("geometry").to_numpy(zero_copy_only=False))
    rows = table.drop_columns(["geometry"]).to_pylist()
    return list(zip(rows, geoms.tolist(), strict=True))


def _read_variants(path: Path) -> SeaVariants:
    return SeaVariants.of(
        SeaVariant(
            str(row["from_id"]),
            str(row["to_id"]),
            (float(row["from_lon"]), float(row["from_lat"])),
            (float(row["to_lon"]), float(row["to_lat"])),
            tuple(json.loads(row["restrictions"])),
            float(row["distance_km"]),
            geom,
            tuple(json.loads(row["passages"])),
        )
        for row, geom in _read_rows(path)
    )


def _tuples(value: Any) -> Any:
    """JSON lists back to the tuples of the frozen dataclasses (dicts kept)."""
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    if isinstance(value, dict):
        return {k: _tuples(v) for k, v in value.items()}
    return value


def build_network(
    records: Sequence[ServiceRecord],
    terminals: Mapping[str, Terminal],
    *,
    data_dir: Path,
    build_dir: Path,
    progress: Callable[[str], None] | None = None,
) -> ServiceNetwork:
    """Measure every service on the built layers of *build_dir* and store the result there."""
    infra = Infrastructure.load(build_dir)
    network = build_service_network(records, terminals, infra, progress=progress)
    hops = sea_hops(network)
    if progress:
        progress(f"measuring {len(hops)} sea hops with passages closed (sea variants)")
    network = dataclasses.replace(network, sea_variants=measure_sea_variants(hops))
    save_network(network, build_dir, fingerprint=inputs_fingerprint(data_dir, build_dir))
    # re-measured at load: the manifest follows
    restamp(build_dir, (RIDES_FILE, SEA_VARIANTS_FILE, META_FILE))
    return network
