"""REST API latency with 10,000 (and 100,000) runs, next to MLflow's search_runs.

Each run has 5 params and 5 metrics. Our figures are p50 over HTTP against a real Jupyter
Server (keep-alive connection, token auth); MLflow's are ``mlflow.search_runs`` on the same
runs in its SQLite store. Targets: first page of 100 <= 20 ms, top 100 by a metric <= 30 ms,
a filtered query <= 30 ms; at 100,000 runs the first page <= 50 ms.

    python tests/benchmarks/bench_api.py [--skip-mlflow] [--skip-100k]
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from seed import METRICS, PARAMS, seed_runs

from jupyter_mlops.store import Store

REPEAT = 50
QUERIES = {
    "first page of 100": "runs?limit=100",
    "top 100 by a metric": "runs?limit=100&sort=-metrics.m0",
    "filtered (experiment + metric)": "runs?limit=100&experiment=exp-3&filter=metrics.m1%3E0.5",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``jupyter server`` in a subprocess, on a private store."""

    def __init__(self, store_dir: str, root: str):
        self.port, self.token = _free_port(), secrets.token_hex(16)
        env = {**os.environ, "JUPYTER_MLOPS_STORE": store_dir}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "jupyter_server", "--no-browser", "--allow-root",
             f"--port={self.port}", f"--IdentityProvider.token={self.token}",
             f"--ServerApp.root_dir={root}"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        deadline = time.time() + 60
        while True:
            try:
                self.get("health")
                break
            except (OSError, http.client.HTTPException):
                if time.time() > deadline:
                    raise
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                time.sleep(0.2)

    def get(self, path: str) -> bytes:
        self.conn.request("GET", f"/jupyter-mlops/api/{path}",
                          headers={"Authorization": f"token {self.token}"})
        response = self.conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"{path}: HTTP {response.status} {body[:200]!r}")
        return body

    def p50(self, path: str) -> float:
        self.get(path)  # warm caches
        times = []
        for _ in range(REPEAT):
            t = time.perf_counter()
            self.get(path)
            times.append(time.perf_counter() - t)
        return statistics.median(times)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def ours(count: int, queries: dict[str, str]) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        store_dir = os.path.join(folder, "store")
        store = Store.open(store_dir)
        seed_runs(store, count)
        store.close()
        server = Server(store_dir, folder)
        try:
            return {name: server.p50(path) for name, path in queries.items()}
        finally:
            server.stop()


def mlflow_figures(count: int) -> dict[str, float] | None:
    try:
        import mlflow
        from mlflow.entities import Metric, Param
    except ImportError:
        return None
    import logging

    logging.getLogger("mlflow").setLevel(logging.ERROR)
    rng = random.Random(0)
    with tempfile.TemporaryDirectory() as folder:
        mlflow.set_tracking_uri(f"sqlite:///{folder}/mlflow.db")
        client = mlflow.MlflowClient()
        experiment = client.create_experiment("bench")
        print(f"  (seeding {count} MLflow runs through its client, this takes minutes)")
        for i in range(count):
            run = client.create_run(experiment, run_name=f"run-{i}", tags={"exp": f"exp-{i % 10}"})
            now = int(time.time() * 1000)
            params = [Param(f"p{k}", str(rng.randint(1, 100))) for k in range(PARAMS)]
            metrics = [Metric(f"m{k}", rng.random(), now, 0) for k in range(METRICS)]
            client.log_batch(run.info.run_id, params=params, metrics=metrics)
            client.set_terminated(run.info.run_id)
        figures = {}
        for name, kwargs in {
            "all runs": {},
            "first page of 100": {"max_results": 100},
            "top 100 by a metric": {"max_results": 100, "order_by": ["metrics.m0 DESC"]},
            "filtered (experiment + metric)": {
                "max_results": 100, "filter_string": "tags.exp = 'exp-3' and metrics.m1 > 0.5"},
        }.items():
            t = time.perf_counter()
            mlflow.search_runs(experiment_ids=[experiment], **kwargs)
            figures[name] = time.perf_counter() - t
        return figures


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skip-mlflow", action="store_true")
    parser.add_argument("--skip-100k", action="store_true")
    args = parser.parse_args()
    targets = {"first page of 100": 0.020, "top 100 by a metric": 0.030,
               "filtered (experiment + metric)": 0.030}
    ok = True
    ten = ours(10_000, QUERIES)
    peer = None if args.skip_mlflow else mlflow_figures(10_000)
    print("10,000 runs (5 params, 5 metrics each): p50 over HTTP vs mlflow.search_runs")
    for name, value in ten.items():
        ok &= value <= targets[name]
        other = f"mlflow {peer[name] * 1000:9.1f} ms" if peer else "mlflow (not measured)"
        print(f"  {name:32s} ours {value * 1000:7.2f} ms (target <= {targets[name] * 1000:.0f})"
              f"   {other}")
    if peer:
        print(f"  {'all runs':32s} {'':27s}   mlflow {peer['all runs'] * 1000:9.1f} ms")
    if not args.skip_100k:
        hundred = ours(100_000, {"first page of 100": QUERIES["first page of 100"]})
        value = hundred["first page of 100"]
        ok &= value <= 0.050
        print(f"100,000 runs: first page of 100 ours {value * 1000:7.2f} ms (target <= 50)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
