"""Property-based requests over the whole OpenAPI schema (schemathesis): no input gives a 5xx."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.server import Server

pytestmark = pytest.mark.slow
EXAMPLES_PER_OPERATION = 8


def test_no_request_gets_a_server_error(server: Server):
    server.client.post("/api/v1/runs", json={"model": "small_cnn", "dataset": "tiny", "config": {"epochs": 1}})
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json").exclude(path_regex=r".*/metrics/stream$")
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck))
        def check(case: schemathesis.Case) -> None:
            response = case.call(timeout=30)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:300]}")

        check()
    log = (server.home / "server.log").read_text(errors="replace").splitlines()
    assert not failures, "\n".join([*failures[:10], "server log tail:", *log[-60:]])
