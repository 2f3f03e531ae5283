"""Run queries on 10,000 runs, ours beside MLflow's, called the same way: in process on both
sides (``Store.search_runs`` and ``mlflow.search_runs``, each on its own SQLite store holding
the same runs: 5 params and 5 metrics each, same values), alternated A B A B after a warm-up,
medians. Our figure over REST (a real Jupyter Server, keep-alive, token auth) is printed
beside it; MLflow's REST server is not measured. Targets: first page of 100 <= 20 ms, top 100
by a metric <= 30 ms, a filtered query <= 30 ms (ours, in process and over REST), and ours
faster than MLflow.

    python tests/benchmarks/bench_api.py [--runs 10000] [--repeat 15] [--skip-mlflow]
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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from jupyter_mlops.store import Store
from jupyter_mlops.store.search import RunSearch
from tests.benchmarks.seed import METRICS, PARAMS, seed_runs

# name -> (our REST path, our search, MLflow's search_runs arguments, target ms)
QUERIES = {
    "first page of 100": ("runs?limit=100", {}, {}, 20.0),
    "top 100 by a metric": ("runs?limit=100&sort=-metrics.m0", {"sort": "-metrics.m0"},
                            {"order_by": ["metrics.m0 DESC"]}, 30.0),
    "filtered (experiment + metric)": (
        "runs?limit=100&experiment=exp-3&filter=metrics.m1%3E0.5",
        {"experiment": "exp-3", "conditions": ["metrics.m1>0.5"]},
        {"filter_string": "tags.exp = 'exp-3' and metrics.m1 > 0.5"}, 30.0),
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

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def _mlflow(folder: str, count: int):
    """A search function on MLflow's own store holding runs like ``seed_runs``' (same
    seed), or None when MLflow is not installed."""
    try:
        import mlflow
        from mlflow.entities import Metric, Param
    except ImportError:
        return None
    import logging

    logging.getLogger("mlflow").setLevel(logging.ERROR)
    rng = random.Random(0)
    mlflow.set_tracking_uri(f"sqlite:///{folder}/mlflow.db")
    client = mlflow.MlflowClient()
    experiment = client.create_experiment("bench")
    print(f"  (seeding {count:,} MLflow runs through its client, this takes minutes)",
          flush=True)
    for i in range(count):
        run = client.create_run(experiment, run_name=f"run-{i}", tags={"exp": f"exp-{i % 10}"})
        now = int(time.time() * 1000)
        params = [Param(f"p{k}", str(rng.randint(1, 100))) for k in range(PARAMS)]
        metrics = [Metric(f"m{k}", rng.random(), now, 0) for k in range(METRICS)]
        client.log_batch(run.info.run_id, params=params, metrics=metrics)
        client.set_terminated(run.info.run_id)

    def search(kwargs: dict) -> None:
        mlflow.search_runs(experiment_ids=[experiment], max_results=100, **kwargs)

    return search


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--skip-mlflow", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        store_dir = os.path.join(folder, "store")
        store = Store.open(store_dir)
        seed_runs(store, args.runs)
        peer = None if args.skip_mlflow else _mlflow(folder, args.runs)
        server = Server(store_dir, folder)
        try:
            rows = []
            for name, (path, search, kwargs, target) in QUERIES.items():
                cases = {"ours": lambda q=search: store.search_runs(RunSearch(limit=100, **q)),
                         "rest": lambda p=path: server.get(p)}
                if peer is not None:
                    cases["mlflow"] = lambda k=kwargs: peer(k)
                for work in cases.values():  # warm, both sides
                    work()
                times: dict[str, list[float]] = {k: [] for k in cases}
                names = list(cases)
                for i in range(args.repeat):
                    for key in names[i % len(names):] + names[:i % len(names)]:
                        t = time.perf_counter()
                        cases[key]()
                        times[key].append((time.perf_counter() - t) * 1000)
                rows.append((name, target, {k: statistics.median(v) for k, v in times.items()}))
        finally:
            server.stop()
            store.close()
    print(f"{args.runs:,} runs (5 params, 5 metrics each), median of {args.repeat} alternated")
    print("| query | ours in process ms | mlflow.search_runs ms | mlflow/ours | ours REST ms "
          "| target | met |")
    print("|---|---|---|---|---|---|---|")
    missed = False
    for name, target, med in rows:
        ours, rest, peer_ms = med["ours"], med["rest"], med.get("mlflow")
        met = ours <= target and rest <= target and (peer_ms is None or peer_ms > ours)
        missed |= not met
        shown = "—" if peer_ms is None else f"{peer_ms:.1f}"
        ratio = "—" if peer_ms is None else f"{peer_ms / ours:.0f}x"
        print(f"| {name} | {ours:.2f} | {shown} | {ratio} | {rest:.2f} | <= {target:.0f} ms "
              f"| {'met' if met else 'MISSED'} |")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
