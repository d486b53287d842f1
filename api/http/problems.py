"""RFC 9457 problem details: the one error format of the HTTP API.

Owns: the :class:`Problem` model, the ``application/problem+json`` response, the mapping of every
domain error (each carries ``status`` and ``type_slug``) and of request-validation errors to a
problem, and the OpenAPI declaration of those responses. No stack trace ever reaches a client:
unexpected errors become a bare 500 problem and are logged server-side.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from gis.errors import ShudaoError

log = logging.getLogger("shudao.api")

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://shudao.invalid/problems/"


class Problem(BaseModel):
    """An RFC 9457 problem (with the extension members Shudao uses)."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(default="about:blank", description="URI identifying the problem type.")
    title: str = Field(description="Short, human-readable summary of the problem type.")
    status: int = Field(ge=400, le=599, description="HTTP status code.")
    detail: str | None = Field(default=None, description="Explanation of this occurrence.")
    instance: str | None = Field(default=None, description="URI of this occurrence.")
    suggestions: list[str] | None = Field(default=None, description="Closest known places.")
    constraint: str | None = Field(default=None, description="The constraint that failed.")
    errors: list[dict[str, Any]] | None = Field(default=None, description="Per-field errors.")


class ProblemResponse(JSONResponse):
    """A JSON response with the problem media type."""

    media_type = PROBLEM_MEDIA_TYPE


TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    413: "Payload too large",
    414: "URI too long",
    422: "Unprocessable request",
    428: "Precondition required",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
    504: "Timed out",
}


def problem(
    status: int,
    detail: str | None = None,
    *,
    slug: str | None = None,
    instance: str | None = None,
    **extra: Any,
) -> ProblemResponse:
    """Build a problem response."""
    body = Problem(
        type=f"{TYPE_BASE}{slug}" if slug else "about:blank",
        title=TITLES.get(status, "Error"),
        status=status,
        detail=detail,
        instance=instance,
        **{k: v for k, v in extra.items() if v is not None},
    )
    return ProblemResponse(body.model_dump(exclude_none=True), status_code=status)


def problem_from_exception(exc: Exception, *, instance: str | None = None) -> ProblemResponse:
    """Map a domain error (anything with ``status`` and ``type_slug``) to a problem.

    Server errors (5xx) keep their message in the log, unless the error says it was written
    for clients (``public_detail``, e.g. "still loading; retry shortly").
    """
    status = int(getattr(exc, "status", 500))
    public = status < 500 or bool(getattr(exc, "public_detail", False))
    if not public:
        log.error("server error: %s", exc, exc_info=exc)
    suggestions = getattr(exc, "suggestions", None)
    return problem(
        status,
        str(exc) if public else "The server could not answer this request.",
        slug=getattr(exc, "type_slug", None),
        instance=instance,
        suggestions=list(suggestions) if suggestions else None,
        constraint=getattr(exc, "constraint", None),
        errors=getattr(exc, "errors", None) or None,
    )


def install_handlers(app: FastAPI) -> None:
    """Register the problem handlers on *app*."""

    async def on_validation(request: Request, exc: RequestValidationError) -> ProblemResponse:
        errors = [
            {
                "loc": [str(p) for p in e.get("loc", ())],
                "msg": str(e.get("msg", "")),
                "type": str(e.get("type", "")),
            }
            for e in exc.errors()
        ]
        return problem(
            422,
            "The request does not match the API's schema.",
            slug="validation",
            instance=str(request.url.path),
            errors=errors,
        )

    async def on_http(request: Request, exc: StarletteHTTPException) -> ProblemResponse:
        resp = problem(exc.status_code, str(exc.detail), instance=str(request.url.path))
        for name, value in (exc.headers or {}).items():  # e.g. Allow on 405 (RFC 9110)
            resp.headers[name] = value
        return resp

    async def on_domain(request: Request, exc: Exception) -> ProblemResponse:
        return problem_from_exception(exc, instance=str(request.url.path))

    app.add_exception_handler(RequestValidationError, on_validation)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, on_http)  # type: ignore[arg-type]
    app.add_exception_handler(ShudaoError, on_domain)  # the one error root of the project
    app.add_exception_handler(Exception, on_domain)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries declaring problem+json for *statuses*."""
    return {
        s: {
            "model": Problem,
            "description": TITLES.get(s, "Error"),
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for s in statuses
    }
