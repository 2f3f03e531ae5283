"""A store set in ``jupyter_server_config.py`` is the one the server's kernels record to:
a real server, a kernel it starts, a tracked cell, and the run read back over REST."""

from __future__ import annotations

import json
import time

import requests
from jupyter_client import BlockingKernelClient

from tests.jupyter_process import jupyter_process


def _execute(client: BlockingKernelClient, code: str) -> str:
    msg_id = client.execute(code)
    out = []
    while True:
        msg = client.get_iopub_msg(timeout=60)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "stream":
            out.append(msg["content"]["text"])
        elif msg["msg_type"] == "error":
            raise AssertionError("\n".join(msg["content"]["traceback"]))
        elif msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return "".join(out)


def test_kernels_record_to_the_store_configured_for_the_server(tmp_path, monkeypatch):
    configured = tmp_path / "configured-store"
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    (config_dir / "jupyter_server_config.py").write_text(
        f"c.MlopsConfig.store = {str(configured)!r}\n")
    (tmp_path / "root").mkdir()
    monkeypatch.delenv("JUPYTER_MLOPS_STORE", raising=False)
    monkeypatch.delenv("JUPYTER_MLOPS_ARTIFACTS", raising=False)
    env = {"JUPYTER_CONFIG_DIR": str(config_dir), "JUPYTER_RUNTIME_DIR": str(tmp_path / "rt"),
           "JUPYTER_DATA_DIR": str(tmp_path / "data")}
    with jupyter_process(tmp_path / "root", env) as server:
        health = requests.get(f"{server.api}/health", headers=server.auth, timeout=30).json()
        assert health["store"]["location"] == str(configured)
        kernel = requests.post(f"{server.url}api/kernels", headers=server.auth, json={},
                               timeout=60).json()
        client = BlockingKernelClient(
            connection_file=str(tmp_path / "rt" / f"kernel-{kernel['id']}.json"))
        client.load_connection_file()
        client.start_channels()
        try:
            client.kernel_info()
            client.get_shell_msg(timeout=60)  # the kernel answers
            printed = _execute(client, "%load_ext jupyter_mlops\n%track\n"
                                       "import os; print(os.environ.get('JUPYTER_MLOPS_STORE'))")
            assert printed.strip().endswith(str(configured))
            _execute(client, "accuracy = 0.93")
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                runs = requests.get(f"{server.api}/runs", headers=server.auth,
                                    timeout=30).json()["runs"]
                if runs:
                    break
                time.sleep(0.3)
        finally:
            client.stop_channels()
    assert [r["metrics"] for r in runs] == [{"accuracy": 0.93}], json.dumps(runs)
    assert (configured / "mlops.db").exists()
