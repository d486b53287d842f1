"""What the HTTP routers share: the loaded service, the GeoJSON response and worker limits.

Owns: :func:`get_service` (the app's loaded :class:`api.service.Service`, 503 while loading),
:class:`GeoJSONResponse`, :func:`run_limited` (CPU-bound work in a worker thread with the request
timeout). The routers and :mod:`api.http.app` import this module; it imports none of them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import anyio
from fastapi import Request
from fastapi.responses import JSONResponse

from api.service import Service
from api.settings import Settings
from gis.errors import ShudaoError

T = TypeVar("T")


class GeoJSONResponse(JSONResponse):
    """GeoJSON (RFC 7946) media type."""

    media_type = "application/geo+json"


def get_service(request: Request) -> Service:
    """The loaded service of this app (503 problem while it is still loading)."""
    service: Service | None = getattr(request.app.state, "service", None)
    if service is None:
        raise ServiceNotReadyError
    return service


class ServiceNotReadyError(ShudaoError):
    """The data and graph are not loaded yet."""

    status = 503
    type_slug = "not-ready"

    def __init__(self) -> None:
        super().__init__("The service is still loading its data; retry shortly.")


async def run_limited(
    settings: Settings, func: Callable[[], T], *, timeout_s: float | None = None
) -> T:
    """Run CPU-bound *func* in a worker thread, answering 504 beyond the request timeout.

    The worker thread cannot be cancelled; it finishes in the background and its result (if a
    route) still lands in the cache.
    """
    limit = timeout_s if timeout_s is not None else settings.request_timeout_s
    with anyio.fail_after(limit):
        return await anyio.to_thread.run_sync(func, abandon_on_cancel=True)
