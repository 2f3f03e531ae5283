"""A schema-driven fuzz run over openapi.yaml: generated requests, valid and invalid, for
every operation, against a real Jupyter Server never get a 5xx.

CI runs EXAMPLES per operation and mode (raise it with JUPYTER_MLOPS_FUZZ_EXAMPLES);
tests/benchmarks/bench_fuzz.py runs 200 and prints the counts and the event-loop holds."""

from __future__ import annotations

import os

import pytest

from tests.server.fuzz import fuzz, loop_hold, probed_server, seed

EXAMPLES = int(os.environ.get("JUPYTER_MLOPS_FUZZ_EXAMPLES", "20"))


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory):
    base = tmp_path_factory.mktemp("fuzz")
    ids = seed(base / "store")
    with probed_server(base, base / "store") as server:
        yield server, ids, fuzz(server, ids, EXAMPLES)


def test_no_generated_request_gets_a_server_error(fuzzed):
    _, _, outcomes = fuzzed
    assert len(outcomes) == 2 * 13  # every operation, positive and negative
    starved = [(o.operation, o.mode, o.requests) for o in outcomes
               if o.requests < min(EXAMPLES, 10)]
    # Nothing to get wrong: no input, or only a path id that any string can be.
    assert starved == [(op, "negative", 0) for op in (
        "GET /health", "GET /datasets/{dataset_id}", "GET /environments/{environment_id}",
        "GET /artifacts/{artifact_id}")]
    failures = [error for o in outcomes for error in o.server_errors]
    assert failures == [], "\n".join(failures[:10])


def test_generated_requests_reach_real_records(fuzzed):
    _, _, outcomes = fuzzed
    ok = {o.operation for o in outcomes if o.statuses.get(200)}
    assert {"GET /runs/{run_id}", "PATCH /runs/{run_id}", "GET /artifacts/{artifact_id}",
            "GET /datasets/{dataset_id}", "GET /environments/{environment_id}"} <= ok


def test_the_loop_probe_sees_a_held_loop(fuzzed):
    """The probe the benchmark relies on measures what it claims: a request that sleeps on
    the loop (the probe's own handler, told to) shows up as a hold of that length."""
    server, _, _ = fuzzed
    loop_hold(server, hold_ms=200)
    held = loop_hold(server)
    assert held["longest_cpu_ms"] >= 200 and held["longest_wall_ms"] >= 200
    assert held["longest"] == "ProbeHandler GET /loop-probe"
