"""Errors raised by the `maps` package.

Every error derives from the project root :class:`gis.errors.ShudaoError` and carries an HTTP
``status``, a problem ``type_slug`` and a CLI ``exit_code`` as class attributes, like the errors
of `gis`, `hubs` and `corridors`.
"""

from __future__ import annotations

from gis.errors import ShudaoError


class MapError(ShudaoError):
    """Base class of all errors raised by `maps`."""

    status: int = 500
    type_slug: str = "map-error"
    exit_code: int = 1


class MapOptionError(MapError, ValueError):
    """A map option is invalid: unknown tiles, a Tianditu basemap without a key, a bad size."""

    status = 422
    type_slug = "invalid-map-option"
    exit_code = 64


class PngExportError(MapError, RuntimeError):
    """Headless Chromium failed to produce a screenshot (or is not installed)."""

    status = 503
    type_slug = "png-export-failed"
    exit_code = 1
