"""Property-based contract test: schemathesis over the OpenAPI schema, inside the test suite.

For a bounded number of generated requests per operation (``max_examples``) it checks that the
server never answers 5xx, and that every response's status code, content type and body match the
schema (problems are declared as ``application/problem+json`` everywhere). The bodies of
``/v1/route``, ``/v1/estimates``, ``/v1/matrix`` and the jobs are documented by the models of
:mod:`api.http.schemas`, so their response-schema check is a real one: a test below shows that a
body missing one field fails it.

Fuzzing found a defect that is fixed: 405 answers lost their ``Allow`` header (RFC 9110) in the
problem handler.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import httpx
import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis import checks

from api.http.app import create_app
from api.service import Service
from api.settings import Settings

# The schema is read from an app whose data are attached by the fixture below (loading the
# engine at import time would slow down collection of every other test).
# Its state directory is the run's own: the fuzzing stores scenarios and jobs, which must never
# land in the store that `make run` serves (``SHUDAO_STATE_DIR`` or ``data/state``).
_STATE = Path(tempfile.mkdtemp(prefix="shudao-contract-state-"))
atexit.register(shutil.rmtree, _STATE, ignore_errors=True)
# load_on_startup=False: reading the schema starts the app, and a start-up load would read the
# whole build in a thread of its own during collection. That thread calls ast.parse (numpy's .npy
# headers, inspect.signature) while pytest rewrites test modules in the main thread, and
# CPython 3.11's AST constructor keeps its recursion count in per-interpreter state, not per
# thread: collection failed with "SystemError: AST constructor recursion depth mismatch"
# (the error of CPython gh-106905 and pytest#10763, seen there in threaded programs).
APP = create_app(Settings(state_dir=_STATE), load_on_startup=False)
# The map endpoints render whole pages or screenshots (seconds per call); they are left to the
# targeted tests in test_http.py and tests/maps so that this run stays bounded.
schema = schemathesis.openapi.from_asgi("/openapi.json", APP).exclude(path_regex=r"^/maps/")


@pytest.fixture(autouse=True)
def _loaded(service: Service) -> None:
    APP.state.service = service


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case: schemathesis.Case) -> None:
    # `positive_data_acceptance` is left out on purpose: a schema-valid query can still ask for
    # something impossible (e.g. --modes road to Duisburg, or an unknown place name), and the
    # API answers that with a documented 404/422 problem rather than relaxing the constraint.
    case.call_and_validate(excluded_checks=[checks.positive_data_acceptance])


def test_route_bodies_are_checked_against_the_response_schema(client: TestClient) -> None:
    operation = schema["/v1/route"]["GET"]
    resp = client.get(
        "/v1/route", params={"origin": "Chengdu", "destination": "Lodz", "alternatives": 2}
    )
    assert resp.status_code == 200
    assert operation.is_valid_response(resp)
    broken = resp.json()
    del broken["routes"][0]["legs"][0]["mode"]
    fake = httpx.Response(200, json=broken, request=resp.request)
    fake.elapsed = resp.elapsed
    assert not operation.is_valid_response(fake)
