"""A schema-driven fuzz run over openapi.yaml: generated requests, valid and invalid, against
a real Jupyter Server never get a 5xx."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.generation import GenerationMode

from jupyter_mlops.server import __file__ as server_init

SPEC = os.path.join(os.path.dirname(server_init), "openapi.yaml")
EXAMPLES = 120


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_generated_request_gets_a_server_error(live_server, mode):
    schema = schemathesis.openapi.from_path(SPEC)
    failures = []

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(case=schema.as_strategy(generation_mode=mode))
    def check(case):
        response = case.call(base_url=live_server.api, headers=live_server.auth, timeout=30)
        if response.status_code >= 500:
            failures.append(f"{case.method} {case.formatted_path} {case.query} "
                            f"-> {response.status_code} {response.text[:200]}")

    check()
    assert failures == [], "\n".join(failures[:10])
