"""The measured service network, stored with the built layers.

Owns: measuring the service network once at build time (:func:`build_network`, called by
``shudao data build`` after the layers), writing it (``service_rides.parquet``: one row per ride
leg with its geometry; ``sea_variants.parquet``: every sea hop measured again with passages
closed, one row per hop and closure set, so that applying a scenario that closes Suez or a
strait, or a route that avoids one, looks the voyage up instead of running the sea router;
``service_network.json``: the inputs' fingerprint and per-file digests, the measurement notes
and how the sea variants were chosen), and reading it back (:func:`load_network`) so that
loading the engine or applying a scenario re-measures nothing. The fingerprint covers everything
the measurement depends on (``services.toml``, ``places.csv`` and the rail and road layers): a
stored network whose inputs changed, or one stored without its sea variants or with other
variant settings, is refused (:func:`require_network`), naming the changed files and
``shudao data build``. Loading never measures or writes: a build directory may be shared by
several checkouts and servers, and one with other tables must not rewrite it under the others.
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
from gis.integrity import BuildIntegrityError
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


def input_digests(
    data_dir: Path, build_dir: Path, *, digests: Mapping[str, str] | None = None
) -> dict[str, str]:
    """SHA-256 of every curated table and layer the measurement depends on (``<missing>``).

    *digests* (file name -> SHA-256, as :func:`gis.integrity.verify_build` returns them) spares
    reading layers that were just hashed; the files not in it are hashed here.
    """
    known = digests or {}
    out: dict[str, str] = {}
    for base, names in ((data_dir, DATA_INPUTS), (build_dir, LAYER_INPUTS)):
        for name in names:
            path = base / name
            if base == build_dir and name in known:
                out[name] = known[name]
            elif path.exists():
                out[name] = file_sha256(path)
            else:
                out[name] = MISSING
    return out


MISSING = "<missing>"


def fingerprint_of(inputs: Mapping[str, str]) -> str:
    """SHA-256 over the names and digests of :func:`input_digests`, in their fixed order."""
    h = hashlib.sha256()
    for name in (*DATA_INPUTS, *LAYER_INPUTS):
        h.update(name.encode())
        h.update(inputs[name].encode())
    return h.hexdigest()


def inputs_fingerprint(
    data_dir: Path, build_dir: Path, *, digests: Mapping[str, str] | None = None
) -> str:
    """The fingerprint of the measurement's inputs (:func:`fingerprint_of` of their digests)."""
    return fingerprint_of(input_digests(data_dir, build_dir, digests=digests))


def save_network(
    network: ServiceNetwork,
    build_dir: Path,
    *,
    fingerprint: str,
    inputs: Mapping[str, str] | None = None,
) -> None:
    """Write *network*'s ride legs and notes into *build_dir* (deterministic bytes).

    *inputs* (file name -> SHA-256 of :func:`input_digests`) are stored beside the fingerprint,
    so that a later load can name the files that changed since.
    """
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
        "inputs": dict(sorted((inputs or {}).items())),
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
        return None  # stored before the sea variants: refused by require_network
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


def require_network(
    build_dir: Path,
    records: Sequence[ServiceRecord],
    terminals: Mapping[str, Terminal],
    *,
    inputs: Mapping[str, str],
) -> ServiceNetwork:
    """The stored network, refusing one that is missing or was measured from other inputs.

    Nothing is measured or written here: re-measuring would rewrite a build that other
    checkouts and servers may be reading.

    Raises
    ------
    gis.integrity.BuildIntegrityError
        (exit 4, HTTP 503) naming the stored network, the inputs that changed since it was
        measured (``services.toml``, ``places.csv``, ...) and ``shudao data build``.
    """
    network = load_network(build_dir, records, terminals, fingerprint=fingerprint_of(inputs))
    if network is not None:
        return network
    meta_path = build_dir / META_FILE
    if not meta_path.exists() or not (build_dir / RIDES_FILE).exists():
        raise BuildIntegrityError(
            build_dir, META_FILE, "the measured service network is not in this build"
        )
    meta = json.loads(meta_path.read_text("utf-8"))
    stored = meta.get("inputs") or {}
    changed = sorted(name for name, digest in inputs.items() if stored.get(name) != digest)
    settings = meta.get("sea_variants")
    if meta.get("fingerprint") == fingerprint_of(inputs):  # same inputs: the sea variants differ
        if not isinstance(settings, dict) or not (build_dir / SEA_VARIANTS_FILE).exists():
            raise BuildIntegrityError(
                build_dir, SEA_VARIANTS_FILE, "the stored sea variants are missing from this build"
            )
        problem = "its sea variants were chosen with other settings or are incomplete"
        raise BuildIntegrityError(build_dir, SEA_VARIANTS_FILE, problem)
    if stored and changed:
        what = ", ".join(changed)
        problem = f"measured before {what} changed (the tables and the build differ)"
    else:  # a build that predates the per-file digests: name every input
        what = ", ".join((*DATA_INPUTS, *LAYER_INPUTS))
        problem = f"measured from other versions of its inputs (one of {what})"
    raise BuildIntegrityError(build_dir, META_FILE, problem)


def build_network(
    records: Sequence[ServiceRecord],
    terminals: Mapping[str, Terminal],
    *,
    data_dir: Path,
    build_dir: Path,
    progress: Callable[[str], None] | None = None,
) -> ServiceNetwork:
    """Measure every service on the built layers of *build_dir* and store the result there.

    Called by ``shudao data build`` on the new build (before its manifest is written).
    """
    infra = Infrastructure.load(build_dir)
    network = build_service_network(records, terminals, infra, progress=progress)
    hops = sea_hops(network)
    if progress:
        progress(f"measuring {len(hops)} sea hops with passages closed (sea variants)")
    network = dataclasses.replace(network, sea_variants=measure_sea_variants(hops))
    inputs = input_digests(data_dir, build_dir)
    save_network(network, build_dir, fingerprint=fingerprint_of(inputs), inputs=inputs)
    # a no-op before the manifest exists
    restamp(build_dir, (RIDES_FILE, SEA_VARIANTS_FILE, META_FILE))
    return network
