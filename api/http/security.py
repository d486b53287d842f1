"""Access control and request limits of the HTTP service, installed by :func:`install_security`.

Owns: the paths open without the API key (:data:`OPEN_PATHS`), the order of the outer layers
(limits, then CORS, then the key check, so that a CORS preflight never meets the key check and a
401 still carries CORS headers), the constant-time key comparison (:func:`hmac.compare_digest`),
the ``WWW-Authenticate`` challenge of a 401, the API-key security scheme of the OpenAPI document
(so ``/docs`` can send the key), and the request body (413) and URL length (414) limits.

Starlette runs the middleware added last first, so the layers are added innermost first.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from api.http.problems import problem
from api.http.workbench import OPEN_PAGES, OPEN_PREFIXES
from api.settings import Settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

API_KEY_HEADER = "X-API-Key"
SCHEME_NAME = "ApiKeyHeader"
CHALLENGE = f'APIKey realm="shudao", header="{API_KEY_HEADER}"'
OPEN_PATHS = OPEN_PAGES | {"/healthz", "/openapi.json", "/docs", "/redoc", "/docs/oauth2-redirect"}


def is_open(path: str) -> bool:
    """Whether *path* is served without the API key (readiness, docs, the workbench pages)."""
    return path in OPEN_PATHS or path.startswith(OPEN_PREFIXES)


def key_matches(sent: str | None, expected: str) -> bool:
    """Constant-time comparison of the sent key with the configured one."""
    if sent is None:
        return False
    return hmac.compare_digest(sent.encode("utf-8"), expected.encode("utf-8"))


async def _send_problem(send: Send, status: int, detail: str, slug: str, **headers: str) -> None:
    resp = problem(status, detail, slug=slug)
    for name, value in headers.items():
        resp.headers[name.replace("_", "-")] = value
    await send(
        {"type": "http.response.start", "status": resp.status_code, "headers": resp.raw_headers}
    )
    await send({"type": "http.response.body", "body": bytes(resp.body)})


class ApiKeyMiddleware:
    """401 (with ``WWW-Authenticate``) unless the request sends the key or the path is open."""

    def __init__(self, app: ASGIApp, *, api_key: str) -> None:
        self.app = app
        self.api_key = api_key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the key, then pass the request on."""
        if scope["type"] != "http" or is_open(scope["path"]):
            await self.app(scope, receive, send)
            return
        sent = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"x-api-key"), None)
        if not key_matches(sent, self.api_key):
            await _send_problem(
                send,
                401,
                f"Send the API key in the {API_KEY_HEADER} header.",
                "api-key",
                WWW_Authenticate=CHALLENGE,
            )
            return
        await self.app(scope, receive, send)


class LimitsMiddleware:
    """414 for a long request target, 413 for a large body.

    The target limit is ``max_url_chars`` (path and query); the body limit ``max_body_bytes``,
    declared by ``Content-Length`` or counted while the body arrives.
    """

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, max_url_chars: int) -> None:
        self.app = app
        self.max_body = max_body_bytes
        self.max_url = max_url_chars

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the limits, then pass the request (its body replayed) on."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        target = len(scope.get("raw_path") or scope["path"].encode()) + len(
            scope.get("query_string", b"")
        )
        if target > self.max_url:
            await _send_problem(
                send,
                414,
                f"The request target has {target} characters; at most {self.max_url}.",
                "uri-too-long",
            )
            return
        declared = next((v for k, v in scope["headers"] if k == b"content-length"), None)
        if declared is not None and declared.isdigit() and int(declared) > self.max_body:
            await self._too_large(send, int(declared))
            return
        # Read the body up to the limit before the application sees any of it, then replay it.
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > self.max_body:
                await self._too_large(send, size)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, send: Send, size: int) -> None:
        await _send_problem(
            send,
            413,
            f"The request body has at least {size} bytes; at most {self.max_body} are accepted.",
            "body-too-large",
        )


def _add_security_scheme(app: FastAPI, *, required: bool) -> None:
    """Declare the API-key scheme in the OpenAPI document (and require it when a key is set)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = build()
        schemes = schema.setdefault("components", {}).setdefault("securitySchemes", {})
        schemes[SCHEME_NAME] = {
            "type": "apiKey",
            "in": "header",
            "name": API_KEY_HEADER,
            "description": "Required on /v1, OGC and /maps when the server sets SHUDAO_API_KEY.",
        }
        if required:
            schema["security"] = [{SCHEME_NAME: []}]
            for path, ops in schema.get("paths", {}).items():
                if is_open(path):
                    for op in ops.values():
                        if isinstance(op, dict):
                            op["security"] = []
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def install_security(app: FastAPI, settings: Settings) -> None:
    """Add the limits, CORS and the key check to *app* (once; call before it starts).

    Order on the way in: limits (414, 413) -> CORS (answers preflights itself) -> API key.
    """
    if getattr(app.state, "security_installed", False):
        return
    app.state.security_installed = True
    if settings.api_key:
        app.add_middleware(ApiKeyMiddleware, api_key=settings.api_key)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=[API_KEY_HEADER, "Content-Type"],
            expose_headers=["Retry-After", "WWW-Authenticate"],
        )
    app.add_middleware(
        LimitsMiddleware,
        max_body_bytes=settings.max_body_bytes,
        max_url_chars=settings.max_url_chars,
    )
    _add_security_scheme(app, required=bool(settings.api_key))
