"""Verification of a build directory before anything reads it.

Owns: :func:`verify_build`, the list of layer files the corridor engine cannot start without
(:data:`ENGINE_FILES`) and of files that come together (:data:`COMPANION_FILES`). A build is
accepted only when its manifest (``manifest.json``, written last by
:func:`gis.build.build_all`) exists, was made from the source-package versions installed
now, lists every engine file, and every file it lists has the recorded size and SHA-256. Anything
else (a build killed midway, a truncated, altered or deleted file) raises
:class:`BuildIntegrityError` (exit 4, HTTP 503) naming the file and the repairing command.

Cost (measured 2026-12-01 on the 2-core build machine, 63 MB build, files in the page cache):
hashing every file with :func:`hashlib.file_digest` takes about 0.05 s, so every load hashes
everything; no stamp cache is needed (the engine-load goal is 1 s).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gis.build import MANIFEST, SOURCE_PACKAGES, file_sha256
from gis.errors import LayerMissingError
from gis.sources import package_version

REPAIR = "shudao data build"

# Layer files read by corridors.engine.Engine.load and the network it measures (a build of only
# some groups into a fresh directory is not a build the engine can use).
ENGINE_FILES: tuple[str, ...] = (
    "rail_nodes.parquet",
    "rail_edges.parquet",
    "road_nodes.parquet",
    "road_edges.parquet",
    "road_graph.npz",
    "road_cch_order.npy",
    "counties.parquet",
    "prefectures.parquet",
)


# Files that only make sense together: a build whose manifest lists the first must list the
# others too. The stored service network (corridors.netstore) comes with its sea variants (every
# sea hop measured with Suez, the Cape or a strait closed): without them every scenario or
# ``avoid`` that closes a passage would run the sea router again, so such a build is incomplete.
COMPANION_FILES: dict[str, tuple[str, ...]] = {
    "service_rides.parquet": ("service_network.json", "sea_variants.parquet"),
}


class BuildIntegrityError(LayerMissingError):
    """The build directory is partial, altered or corrupt; names the file and the repair."""

    type_slug = "build-integrity"

    def __init__(self, build_dir: Path, file: str, problem: str) -> None:
        self.build_dir = build_dir
        self.file = file
        self.problem = problem
        # what a client may read (HTTP 503): the same without the server's path
        self.public_message = f"{file}: {problem}; rebuild the layers with `{REPAIR}`"
        super().__init__(
            f"build {build_dir}: {file}: {problem}; rebuild the layers with `{REPAIR}` "
            f"(SHUDAO_BUILD_DIR={build_dir})"
        )


def _read_manifest(build_dir: Path) -> dict[str, Any]:
    path = build_dir / MANIFEST
    if not build_dir.is_dir():
        raise BuildIntegrityError(build_dir, MANIFEST, "no build directory (never built?)")
    if not path.is_file():
        raise BuildIntegrityError(
            build_dir, MANIFEST, "missing: the build never finished (killed or failed midway)"
        )
    try:
        manifest = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BuildIntegrityError(build_dir, MANIFEST, f"unreadable ({exc})") from exc
    if not isinstance(manifest, dict) or not isinstance(manifest.get("layers"), dict):
        raise BuildIntegrityError(build_dir, MANIFEST, "not a build manifest (no 'layers')")
    return manifest


def _entries(build_dir: Path, manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """File name -> manifest entry, for the layers and the JSON side files."""
    out: dict[str, dict[str, Any]] = {}
    for name, info in manifest["layers"].items():
        if not isinstance(info, dict) or "sha256" not in info or "bytes" not in info:
            raise BuildIntegrityError(build_dir, MANIFEST, f"entry {name!r} has no size or hash")
        file = info.get("file")
        if not isinstance(file, str):  # manifests before the "file" field: find it by stem
            found = sorted(p.name for p in build_dir.glob(f"{name}.*") if p.suffix != ".json")
            file = found[0] if found else f"{name}.parquet"
        out[file] = info
    extras = manifest.get("extras", {})
    if isinstance(extras, dict):
        out.update({k: v for k, v in extras.items() if isinstance(v, dict)})
    return out


def verify_build(build_dir: Path) -> dict[str, str]:
    """Refuse a build directory that its manifest does not vouch for.

    Checks, in order: the manifest exists and parses; the source-package versions it records are
    the installed ones; every file of :data:`ENGINE_FILES` is listed, and the companions of a
    listed file (:data:`COMPANION_FILES`) too; every listed file exists with the recorded byte
    size and SHA-256.

    Returns
    -------
    dict
        File name -> its verified SHA-256, so that callers need not read the files again.

    Raises
    ------
    BuildIntegrityError
        (a :class:`gis.errors.LayerMissingError`: exit code 4, HTTP 503) naming the first file
        that fails and the command that repairs it.
    """
    manifest = _read_manifest(build_dir)
    packages = manifest.get("packages", {})
    for dist in SOURCE_PACKAGES:
        built = packages.get(dist) if isinstance(packages, dict) else None
        installed = package_version(dist)
        if built != installed:
            raise BuildIntegrityError(
                build_dir,
                MANIFEST,
                f"built from {dist} {built}, but {dist} {installed} is installed",
            )
    entries = _entries(build_dir, manifest)
    for file in ENGINE_FILES:
        if file not in entries:
            raise BuildIntegrityError(build_dir, file, "not in the manifest (incomplete build)")
    for file, companions in COMPANION_FILES.items():
        for other in companions:
            if file in entries and other not in entries:
                raise BuildIntegrityError(
                    build_dir, other, f"not in the manifest, which lists {file} (incomplete build)"
                )
    digests: dict[str, str] = {}
    for file, info in sorted(entries.items()):
        path = build_dir / file
        if not path.is_file():
            raise BuildIntegrityError(build_dir, file, "missing")
        size = path.stat().st_size
        if size != info["bytes"]:
            raise BuildIntegrityError(
                build_dir,
                file,
                f"{size} bytes, the manifest says {info['bytes']} (truncated or rewritten)",
            )
        digest = file_sha256(path)
        if digest != info["sha256"]:
            raise BuildIntegrityError(
                build_dir, file, "SHA-256 differs from the manifest (altered or corrupt)"
            )
        digests[file] = digest
    return digests
