"""Schemathesis over openapi.yaml, one operation at a time, against a real Jupyter Server
whose event loop is watched (tests/loop_probe.py): shared by test_fuzz.py (a few examples per
operation, in CI) and tests/benchmarks/bench_fuzz.py (hundreds, with the figures printed)."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.generation import GenerationMode

from jupyter_mlops.server import __file__ as server_init
from jupyter_mlops.store import Store
from tests.jupyter_process import JupyterProcess, jupyter_process

SPEC = os.path.join(os.path.dirname(server_init), "openapi.yaml")
REPO = Path(__file__).resolve().parents[2]
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


@dataclass
class Outcome:
    operation: str
    mode: str
    requests: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    server_errors: list[str] = field(default_factory=list)
    loop: dict[str, Any] = field(default_factory=dict)  # what loop_probe measured


def seed(directory: Path, runs: int = 5) -> dict[str, list[str]]:
    """A store with runs, metrics, tags, artifacts, a dataset and an environment, so that
    generated requests can also name records that exist."""
    import pandas as pd

    import jupyter_mlops as mlops

    for i in range(runs):
        with mlops.start_run(name=f"r{i}", experiment="e", store=str(directory)) as run:
            run.log_params({"C": i})
            run.log_metric("accuracy", i / runs)
            run.set_tag("team", "risk")
            run.log_dataset(pd.DataFrame({"x": [1, 2, i]}), name="train", role="train")
    store = Store.open(str(directory))
    records = [store.get_run(r["run_id"]) for r in store.list_runs()]
    artifacts = [store.add_artifact(r["run_id"], name="a.bin", media_type="x/y", size=1000,
                                    digest=store.artifacts.put_bytes(b"x" * 1000))
                 for r in records]
    store.close()
    return {"run_id": [r["run_id"] for r in records], "artifact_id": artifacts,
            "dataset_id": sorted({d["dataset_id"] for r in records for d in r["datasets"]}),
            "environment_id": sorted({r["environment"]["environment_id"] for r in records})}


@contextmanager
def probed_server(base: Path, store: Path) -> Iterator[JupyterProcess]:
    """A Jupyter Server on ``store`` with the loop probe enabled."""
    config = base / "config"
    config.mkdir(exist_ok=True)
    (config / "jupyter_server_config.json").write_text(json.dumps(
        {"ServerApp": {"jpserver_extensions": {"tests.loop_probe": True}}}))
    (base / "root").mkdir(exist_ok=True)
    env = {"JUPYTER_MLOPS_STORE": str(store), "JUPYTER_CONFIG_PATH": str(config),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    with jupyter_process(base / "root", env) as server:
        yield server


async def raw_request(port: int, head: str, body: bytes = b"") -> bytes:
    """Send a request's head (and maybe the start of its body) and read the answer: what a
    client uploading a huge body sees before it has sent it."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(head.encode() + b"\r\n" + body)
    await writer.drain()
    try:
        return await asyncio.wait_for(reader.read(1 << 16), timeout=30)
    finally:
        writer.close()


def loop_hold(server: JupyterProcess, reset: bool = True, hold_ms: float = 0) -> dict[str, Any]:
    """The longest one callback held the server's event loop since the last reset:
    ``longest_cpu_ms``, ``longest_wall_ms``, ``longest`` (which callback), ``callbacks``."""
    answer = requests.get(f"{server.url}loop-probe", headers=server.auth, timeout=30,
                          params={"reset": "1" if reset else "0", "hold_ms": str(hold_ms)})
    answer.raise_for_status()
    return answer.json()


def fuzz(server: JupyterProcess, ids: dict[str, list[str]], examples: int) -> list[Outcome]:
    """``examples`` generated requests per operation and mode."""
    schema = schemathesis.openapi.from_path(SPEC)
    session = requests.Session()
    return [_fuzz_operation(server, ids, result.ok(), mode, examples, session)
            for result in schema.get_all_operations() for mode in MODES]


def _fuzz_operation(server: JupyterProcess, ids: dict[str, list[str]], operation: Any,
                    mode: GenerationMode, examples: int, session: requests.Session) -> Outcome:
    """Half of the requests that have an id in their path get one that exists, so the
    handlers behind the 404 are reached too."""
    outcome = Outcome(operation.label, mode.value)
    loop_hold(server)

    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode), pick=st.integers(0, 9))
    def check(case: Any, pick: int) -> None:
        for name in case.path_parameters or {}:
            if ids.get(name) and pick < 5:
                case.path_parameters[name] = ids[name][pick % len(ids[name])]
        response = case.call(base_url=server.api, headers=server.auth, timeout=60,
                             session=session)
        outcome.requests += 1
        outcome.statuses[response.status_code] = outcome.statuses.get(
            response.status_code, 0) + 1
        if response.status_code >= 500:
            outcome.server_errors.append(
                f"{case.method} {case.formatted_path} {case.query} {case.body!r:.200}"
                f" -> {response.status_code} {response.text[:200]}")

    try:
        check()
    except Unsatisfiable:  # nothing to make invalid (GET /health takes no input)
        assert mode is GenerationMode.NEGATIVE and outcome.requests == 0
    outcome.loop = loop_hold(server)
    return outcome
