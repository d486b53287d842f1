"""The measured service network, stored with the built layers.

Owns: measuring the service network once at build time (:func:`build_network`, called by
``shudao data build`` after the layers), writing it (``service_rides.parquet``: one row per ride
leg with its geometry; ``service_network.json``: the inputs' fingerprint and the measurement
notes), and reading it back (:func:`load_network`) so that loading the engine re-measures
nothing. The fingerprint covers everything the measurement depends on (``services.toml``,
``places.csv`` and the rail and road layers): a stored network whose inputs changed is refused
(:func:`require_network`), naming the changed files and ``shudao data build``. Loading never
measures or writes: a build directory may be shared by several checkouts and servers, and one
with other tables must not rewrite it under the others.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd

from corridors.models import Mode, RideLeg, ServiceNetwork, Terminal
from corridors.network import Infrastructure, ServiceMeasurement, build_service_network
from corridors.services import ServiceRecord
from gis.build import file_sha256, restamp
from gis.crs import WGS84
from gis.integrity import BuildIntegrityError
from gis.layers import read_layer, write_layer

RIDES_FILE = "service_rides.parquet"
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
    meta: dict[str, Any] = {
        "fingerprint": fingerprint,
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
    gdf = read_layer(rides_path)
    rides = tuple(
        RideLeg(
            str(row.service_id),
            int(row.index),
            str(row.from_id),
            str(row.to_id),
            Mode(row.mode),
            float(row.distance_km),
            row.geometry,
            tuple(json.loads(row.passages)),
            str(row.variant),
            tuple(json.loads(row.sources)),
        )
        for row in gdf.itertuples(index=False)
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
    stored = json.loads(meta_path.read_text("utf-8")).get("inputs") or {}
    changed = sorted(name for name, digest in inputs.items() if stored.get(name) != digest)
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
    inputs = input_digests(data_dir, build_dir)
    save_network(network, build_dir, fingerprint=fingerprint_of(inputs), inputs=inputs)
    restamp(build_dir, (RIDES_FILE, META_FILE))  # a no-op before the manifest exists
    return network
