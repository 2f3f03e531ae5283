"""REST packaging asks the run's live kernel: a real Jupyter Server (pytest-jupyter) runs a
real tracked kernel; ``POST models`` packages the object that kernel holds (``source: live``,
said in the model card too) without adding to the kernel's history or namespace; once the
kernel is shut down the same request rebuilds the model in a fresh kernel (``source:
rebuilt``). A kernel busy running a cell is neither interrupted nor waited on: 409 saying it
is busy, and nothing registered; packaging past its timeout is a 504."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest
from tornado.httpclient import HTTPClientError
from traitlets.config import Config

from jupyter_mlops.registry.load import resolve
from jupyter_mlops.server.live import (
    KernelBusy,
    KernelTimeout,
    MlopsLivePackaging,
    register_in_kernel,
)
from jupyter_mlops.store import NotFound, Store

from .conftest import FEATURES, IMPORTS, MODEL, READ, SCORE, TRACK, write_data

API = ("jupyter-mlops", "api")


@pytest.fixture
def jp_server_config(store_dir):
    return Config({"ServerApp": {
        "jpserver_extensions": {"jupyter_mlops": True, "jupyter_server_terminals": False},
        "allow_unauthenticated_access": False}})


async def run_cells(client, cells):
    for code in cells:
        reply = await client.execute_interactive(code, store_history=True, timeout=120)
        assert reply["content"]["status"] == "ok", reply["content"]


def model_run(store_path) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        store = Store.open(str(store_path))
        try:
            for run in store.list_runs():
                if run["tags"].get("model.variable") == "model":
                    return run["run_id"]
        finally:
            store.close()
        time.sleep(0.5)
    raise AssertionError("the kernel's run never reached the store")


# What a user's kernel shows of its past: prompt number, In, Out, every name it holds.
HISTORY = ("(get_ipython().execution_count, list(In), sorted(map(str, Out)), "
           "sorted(globals()))")


async def history(client) -> str:
    reply = await client.execute_interactive("", silent=True, store_history=False,
                                             user_expressions={"h": HISTORY}, timeout=60)
    return reply["content"]["user_expressions"]["h"]["data"]["text/plain"]


async def trained_kernel(km, store_dir):
    """(kernel id, its client, the model run): a tracked kernel that fitted ``model``."""
    kernel_id = await km.start_kernel(kernel_name="python3", path="")
    client = km.get_kernel(kernel_id).client()
    client.start_channels()
    await client.wait_for_ready(timeout=60)
    await run_cells(client, [TRACK, IMPORTS, READ, "C = 0.5", FEATURES, MODEL, SCORE])
    run_id = await asyncio.to_thread(model_run, store_dir)
    await idle(km, kernel_id)  # its tracker's post-cell work done
    return kernel_id, client, run_id


async def idle(km, kernel_id, timeout=60):
    deadline = time.monotonic() + timeout
    while km.get_kernel(kernel_id).execution_state != "idle":
        assert time.monotonic() < deadline
        await asyncio.sleep(0.1)


def versions(store_dir, name) -> list[dict]:
    store = Store.open(str(store_dir))
    try:
        return store.get_model(name)["versions"]
    except NotFound:
        return []
    finally:
        store.close()


async def register(jp_fetch, run_id, name):
    response = await jp_fetch(*API, "models", method="POST",
                              body=json.dumps({"run_id": run_id, "name": name}),
                              headers={"Content-Type": "application/json"},
                              request_timeout=600)
    assert response.code == 201
    return json.loads(response.body)


@pytest.mark.timeout(600)
async def test_rest_packages_the_live_object_then_rebuilds_once_the_kernel_is_gone(
        jp_fetch, jp_serverapp, jp_root_dir, store_dir):
    write_data(jp_root_dir)
    write_data(Path.cwd())  # a run without a notebook path is rebuilt in the server's cwd
    km = jp_serverapp.kernel_manager
    kernel_id, client, run_id = await trained_kernel(km, store_dir)
    try:
        before = await history(client)
        live = await register(jp_fetch, run_id, "live-model")
        assert await history(client) == before  # no prompt, In/Out entry or name added
    finally:
        client.stop_channels()
    assert (live["version"], live["source"]) == (1, "live")
    await km.shutdown_kernel(kernel_id)
    rebuilt = await register(jp_fetch, run_id, "live-model")
    assert (rebuilt["version"], rebuilt["source"]) == (2, "rebuilt")
    store = Store.open(str(store_dir))
    try:
        for version, word in ((1, "live object of the notebook's kernel"),
                              (2, "rebuilt by running `train.py`")):
            _, _, folder = resolve(f"live-model/{version}", store)
            with open(f"{folder}/README.md") as f:
                assert word in f.read()
    finally:
        store.close()


@pytest.mark.timeout(600)
async def test_a_busy_kernel_is_a_409_that_registers_nothing_and_a_slow_one_a_504(
        jp_fetch, jp_serverapp, jp_root_dir, store_dir):
    write_data(jp_root_dir)
    km = jp_serverapp.kernel_manager
    kernel_id, client, run_id = await trained_kernel(km, store_dir)
    kernel = km.get_kernel(kernel_id)
    arguments = {"run_id": run_id, "name": "busy-model"}
    try:
        client.execute("import time; time.sleep(8)")
        while kernel.execution_state != "busy":
            await asyncio.sleep(0.05)
        started = time.monotonic()
        with pytest.raises(HTTPClientError) as refused:
            await jp_fetch(*API, "models", method="POST", body=json.dumps(arguments),
                           headers={"Content-Type": "application/json"}, request_timeout=60)
        assert refused.value.code == 409 and time.monotonic() - started < 5
        assert "kernel" in json.loads(refused.value.response.body)["detail"]
        assert "is busy running a cell" in json.loads(refused.value.response.body)["detail"]
        # Idle when looked at, then a cell got there first: refused after start_timeout, and
        # the request that reaches the kernel once the cell ends registers nothing.
        with pytest.raises(KernelBusy, match="kernel is busy"):
            await register_in_kernel(kernel, arguments, MlopsLivePackaging(start_timeout=1))
        await idle(km, kernel_id)
        await asyncio.sleep(2)
        assert versions(store_dir, "busy-model") == []
        # Started in time but slower than the timeout: 504; the kernel still finishes it.
        client.execute("time.sleep(2)")
        with pytest.raises(KernelTimeout, match="did not finish packaging within 1 s"):
            await register_in_kernel(kernel, arguments,
                                     MlopsLivePackaging(start_timeout=30, timeout=1))
        await idle(km, kernel_id)
        deadline = time.monotonic() + 60
        while not versions(store_dir, "busy-model"):
            assert time.monotonic() < deadline
            await asyncio.sleep(0.5)
        assert [v["source"] for v in versions(store_dir, "busy-model")] == ["live"]
    finally:
        client.stop_channels()
