"""Access control, limits, settings and OGC conformance (issue 12, defects 4, 5, 6 and 7)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import api.http.security as security
from api.cli import app as cli_app
from api.http.app import create_app
from api.service import Service
from api.settings import Settings, SettingsError, get_settings

pytestmark = pytest.mark.build

KEY = "s3cret-key-0123456789"
ORIGIN = "https://planner.example"


def _client(settings: Settings, service: Service, **kw: Any) -> TestClient:
    return TestClient(
        create_app(settings.model_copy(update=kw), service=service),
        raise_server_exceptions=False,
    )


@pytest.fixture
def guarded(settings: Settings, service: Service) -> Iterator[TestClient]:
    with _client(settings, service, api_key=KEY, cors_origins=[ORIGIN]) as c:
        yield c


def test_cors_preflight_is_not_blocked_by_the_key(guarded: TestClient) -> None:
    resp = guarded.options(
        "/v1/route",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "x-api-key",
        },
    )
    assert resp.status_code == 200, resp.text
    assert resp.headers["access-control-allow-origin"] == ORIGIN
    assert "x-api-key" in resp.headers["access-control-allow-headers"].lower()


def test_401_has_www_authenticate_and_cors_headers(guarded: TestClient) -> None:
    resp = guarded.get("/v1/places", headers={"Origin": ORIGIN})
    assert resp.status_code == 401
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert resp.headers["www-authenticate"].startswith("APIKey")
    assert 'header="X-API-Key"' in resp.headers["www-authenticate"]
    assert resp.headers["access-control-allow-origin"] == ORIGIN  # the browser can read it


def test_key_is_compared_in_constant_time(
    guarded: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[bytes, bytes]] = []
    real = security.hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(security.hmac, "compare_digest", spy)
    wrong = KEY[:-1] + "X"  # same length, last character differs
    assert guarded.get("/v1/places", headers={"X-API-Key": wrong}).status_code == 401
    assert guarded.get("/v1/places", headers={"X-API-Key": KEY}).status_code == 200
    assert calls == [(wrong.encode(), KEY.encode()), (KEY.encode(), KEY.encode())]


def test_openapi_declares_the_key_so_docs_can_send_it(guarded: TestClient) -> None:
    doc = guarded.get("/openapi.json").json()
    scheme = doc["components"]["securitySchemes"]["ApiKeyHeader"]
    assert scheme == {**scheme, "type": "apiKey", "in": "header", "name": "X-API-Key"}
    assert doc["security"] == [{"ApiKeyHeader": []}]
    assert doc["paths"]["/healthz"]["get"]["security"] == []  # open path


def test_body_over_the_limit_is_413(settings: Settings, service: Service) -> None:
    with _client(settings, service, max_body_bytes=2048) as c:
        big = b'{"rows": [' + b'{"origin": "Chengdu", "destination": "Lodz"},' * 100 + b"{}]}"
        resp = c.post("/v1/estimates", content=big, headers={"Content-Type": "application/json"})
        assert resp.status_code == 413, resp.text[:200]
        assert resp.headers["content-type"].startswith("application/problem+json")

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
            yield b'{"rows": ['
            for _ in range(100):
                yield b'{"origin": "Chengdu", "destination": "Lodz"},'
            yield b"{}]}"

        resp = c.post(
            "/v1/estimates", content=chunks(), headers={"Content-Type": "application/json"}
        )
        assert resp.status_code == 413, resp.text[:200]
        small = c.post(
            "/v1/estimates", json={"rows": [{"origin": "Chengdu", "destination": "Lodz"}]}
        )
        assert small.status_code == 200, small.text[:300]


def test_url_over_the_limit_is_414(client: TestClient) -> None:
    resp = client.get("/v1/route", params={"origin": "Chengdu", "destination": "x" * 9000})
    assert resp.status_code == 414
    assert resp.headers["content-type"].startswith("application/problem+json")


def _hrefs(payload: Any) -> list[str]:
    if isinstance(payload, dict):
        return [h for v in payload.values() for h in _hrefs(v)] + (
            [payload["href"]] if isinstance(payload.get("href"), str) else []
        )
    if isinstance(payload, list):
        return [h for v in payload for h in _hrefs(v)]
    return []


def test_ogc_links_ignore_an_untrusted_host_header(client: TestClient) -> None:
    for path in ("/", "/collections", "/collections/hubs", "/collections/hubs/items?limit=2"):
        hrefs = _hrefs(client.get(path, headers={"Host": "evil.example"}).json())
        assert hrefs, path
        assert not [h for h in hrefs if "evil.example" in h], path


def test_ogc_links_use_the_public_url_or_a_trusted_host(
    settings: Settings, service: Service
) -> None:
    with _client(settings, service, public_url="https://gis.example/shudao") as c:
        hrefs = _hrefs(c.get("/collections", headers={"Host": "evil.example"}).json())
        assert hrefs
        assert all(h.startswith("https://gis.example/shudao/collections") for h in hrefs)
    with _client(settings, service, trusted_hosts=["maps.example"]) as c:
        hrefs = _hrefs(c.get("/collections", headers={"Host": "maps.example"}).json())
        assert all(h.startswith("http://maps.example/") for h in hrefs)


def test_ogc_unknown_collection_is_404(client: TestClient) -> None:
    for path in ("/collections/nope", "/collections/nope/items", "/collections/nope/items/1"):
        resp = client.get(path)
        assert resp.status_code == 404, path
        assert resp.headers["content-type"].startswith("application/problem+json")


def test_ogc_conformance_claims_the_openapi_version_served(client: TestClient) -> None:
    served = client.get("/openapi.json").json()["openapi"]
    assert served.startswith("3.1")
    claims = client.get("/conformance").json()["conformsTo"]
    assert not [c for c in claims if c.endswith("/oas30")]
    desc = next(link for link in client.get("/").json()["links"] if link["rel"] == "service-desc")
    assert desc["type"].endswith("version=3.1")


def test_bad_settings_listed_one_line_each(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHUDAO_MAX_BATCH_ROWS", "5000")
    monkeypatch.setenv("SHUDAO_CORS_ORIGINS", "https://x/path")
    monkeypatch.setenv("SHUDAO_PUBLIC_URL", "gis.example")
    with pytest.raises(SettingsError) as info:
        get_settings()
    lines = info.value.problems
    assert len(lines) == 3
    assert any(line.startswith("SHUDAO_MAX_BATCH_ROWS=5000") for line in lines)
    assert any(line.startswith("SHUDAO_CORS_ORIGINS=") for line in lines)
    assert any(line.startswith("SHUDAO_PUBLIC_URL=gis.example") for line in lines)
    res = CliRunner().invoke(cli_app, ["regions"])
    assert res.exit_code == 64  # a bad option (README exit-code table)
    assert "SHUDAO_MAX_BATCH_ROWS=5000" in res.output
    assert "Traceback" not in res.output


def test_comma_separated_origins_are_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHUDAO_CORS_ORIGINS", "https://x,https://y.example:8443")
    assert get_settings().cors_origins == ["https://x", "https://y.example:8443"]
