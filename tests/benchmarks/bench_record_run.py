"""Recording a run (5 params, 3 metrics, ended) through the public Python API, beside MLflow
and a raw-SQLite floor, with the same durability on every side.

Each durability runs in its own process: WAL with synchronous=FULL (a commit survives power
loss) and WAL with synchronous=NORMAL (a commit survives the process crashing; the store's
default). The setting is applied to every SQLite connection, ours, MLflow's (its
SQLAlchemy store, MLflow 3's default backend) and the floor's, and read back before timing.
Cases alternate run by run (every case once a round, in a shuffled order, so that none
always follows the same other case and runs warmed by it), in process on both sides, after a
warm-up of both; medians.

- streamed: ``start_run`` + ``log_params`` + ``log_metrics`` + end (4 transactions) beside
  ``mlflow.start_run`` + ``log_params`` + ``log_metrics`` + end.
- one call: ``log_run`` (1 transaction) beside MLflow's fewest calls for a run,
  ``MlflowClient.create_run`` + ``log_batch`` + ``set_terminated``.
- floor: the same rows (the run with the columns ``log_run`` fills, 5 params, 3 metrics
  and their latest values) inserted by ``sqlite3`` into a store with our schema, indexes
  and triggers (foreign keys not checked: the floor does less than the store, never more):
  in one transaction beside the one call, and beside the streamed case in the same four
  (the run, its params, its metrics and latest values, the run's end).

Targets: ours <= 2x its floor and >= 10x faster than MLflow, in both pairs.

    python tests/benchmarks/bench_record_run.py [--runs 200]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

PARAMS = {f"param_{i}": i * 0.5 for i in range(5)}
METRICS = {"accuracy": 0.91, "loss": 0.3, "f1": 0.88}
WARMUP = 20
FLOOR_RATIO, PEER_RATIO = 2.0, 10.0
MODES = ("FULL", "NORMAL")


def _pragmas(mode: str) -> Callable:
    def on_connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        if isinstance(dbapi_conn, sqlite3.Connection):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA synchronous={mode}")
            cur.close()
    return on_connect


def _check(conn, mode: str, who: str) -> None:
    journal = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
    sync = conn.exec_driver_sql("PRAGMA synchronous").scalar()
    if (journal, sync) != ("wal", {"FULL": 2, "NORMAL": 1}[mode]):
        raise SystemExit(f"{who}: journal_mode={journal} synchronous={sync}, not WAL+{mode}")


def _ours(folder: str, mode: str) -> dict[str, Callable[[], None]]:
    from sqlalchemy import event

    import jupyter_mlops as mlops
    from jupyter_mlops import api

    store = os.path.join(folder, "mlops")
    mlops.log_run(experiment="bench", store=store)  # opens the store and the session
    engine = api._process.store(store).db.engine
    event.listen(engine, "connect", _pragmas(mode))  # after the store's own settings
    engine.dispose()
    with engine.connect() as c:
        _check(c, mode, "jupyter_mlops")

    def streamed() -> None:
        with mlops.start_run(experiment="bench", store=store) as run:
            run.log_params(PARAMS)
            run.log_metrics(METRICS)

    def one_call() -> None:
        mlops.log_run(experiment="bench", params=PARAMS, metrics=METRICS, store=store)

    return {"ours streamed": streamed, "ours one call": one_call}


def _mlflow(folder: str, mode: str) -> dict[str, Callable[[], None]]:
    import logging

    import mlflow
    from mlflow.entities import Metric, Param
    from sqlalchemy import Engine, event

    logging.getLogger("mlflow").setLevel(logging.ERROR)
    event.listen(Engine, "connect", _pragmas(mode))  # MLflow's engines, made after this
    mlflow.set_tracking_uri(f"sqlite:///{folder}/mlflow.db")
    experiment = mlflow.set_experiment("bench").experiment_id
    client = mlflow.MlflowClient()
    with client._tracking_client.store.engine.connect() as c:
        _check(c, mode, "mlflow")

    def streamed() -> None:
        with mlflow.start_run():
            mlflow.log_params(PARAMS)
            mlflow.log_metrics(METRICS)

    def one_call() -> None:
        run_id = client.create_run(experiment).info.run_id
        now = int(time.time() * 1000)
        client.log_batch(run_id, metrics=[Metric(k, v, now, 0) for k, v in METRICS.items()],
                         params=[Param(k, str(v)) for k, v in PARAMS.items()])
        client.set_terminated(run_id)

    return {"mlflow streamed": streamed, "mlflow one call": one_call}


def _floor(folder: str, mode: str) -> dict[str, Callable[[], None]]:
    import getpass
    import socket

    from jupyter_mlops.store import Store
    from jupyter_mlops.store.ids import new_id

    path = os.path.join(folder, "floor")
    store = Store.open(path)  # our schema, indexes and triggers
    environment = store.ensure_environment("e" * 20, {})
    session = store.create_session(environment_id=environment)
    store.close()
    con = sqlite3.connect(os.path.join(path, "mlops.db"), isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute(f"PRAGMA synchronous={mode}")
    params = [(key, json.dumps(value), value) for key, value in PARAMS.items()]
    metrics = list(METRICS.items())
    # The columns of the run's row that log_run fills, with values as long as its own.
    who = (session, getpass.getuser(), socket.gethostname(), environment)

    def record(streamed: bool) -> None:
        """The run in one transaction or, streamed, in the four the API's calls make."""
        run_id, now = new_id(), int(time.time() * 1000)

        def commit() -> None:
            if streamed:
                con.execute("COMMIT")
                con.execute("BEGIN IMMEDIATE")

        con.execute("BEGIN IMMEDIATE")
        con.execute("INSERT INTO runs (run_id, name, experiment, status, started_ms, ended_ms,"
                    " source, updated_ms, session_id, user, host, environment_id) VALUES"
                    " (?, 'run-20260101-000000', 'bench', ?, ?, ?, 'api', ?, ?, ?, ?, ?)",
                    (run_id, "running" if streamed else "finished", now,
                     None if streamed else now, now, *who))
        commit()
        con.executemany("INSERT INTO params (run_id, key, value, value_num, started_ms) "
                        "VALUES (?, ?, ?, ?, ?)", [(run_id, *p, now) for p in params])
        commit()
        rows = [(run_id, k, 0, v, now) for k, v in metrics]
        con.executemany("INSERT INTO metrics (run_id, key, step, value, timestamp_ms) "
                        "VALUES (?, ?, ?, ?, ?)", rows)
        con.executemany("INSERT INTO latest_metrics (run_id, key, step, value, timestamp_ms) "
                        "VALUES (?, ?, ?, ?, ?)", rows)
        if streamed:
            commit()
            con.execute("UPDATE runs SET status = 'finished', ended_ms = ?, updated_ms = ? "
                        "WHERE run_id = ?", (now, now, run_id))
        con.execute("COMMIT")

    return {"floor streamed": lambda: record(True), "floor one call": lambda: record(False)}


def measure(mode: str, runs: int) -> dict[str, float]:
    """Median ms of each case, alternated run by run, in a fresh folder."""
    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)  # outside any git repository, like a fresh project folder
        cases = {**_floor(folder, mode), **_ours(folder, mode), **_mlflow(folder, mode)}
        for record in cases.values():
            for _ in range(WARMUP):
                record()
        names = list(cases)
        times: dict[str, list[float]] = {name: [] for name in names}
        order = random.Random(0)
        for _ in range(runs):
            for name in order.sample(names, len(names)):
                t = time.perf_counter()
                cases[name]()
                times[name].append((time.perf_counter() - t) * 1000)
        return {name: statistics.median(ts) for name, ts in times.items()}


def table(results: dict[str, dict[str, float]]) -> bool:
    print("| durability | case | ours ms | mlflow ms | mlflow/ours | floor ms | ours/floor "
          "| target | met |")
    print("|---|---|---|---|---|---|---|---|---|")
    missed = False
    target = f">= {PEER_RATIO:.0f}x mlflow, <= {FLOOR_RATIO:.0f}x floor"
    for mode, r in results.items():
        for case in ("streamed", "one call"):
            ours, peer, floor = r[f"ours {case}"], r[f"mlflow {case}"], r[f"floor {case}"]
            met = peer / ours >= PEER_RATIO and ours <= FLOOR_RATIO * floor
            missed |= not met
            print(f"| WAL+{mode} | {case} | {ours:.3f} | {peer:.3f} | {peer / ours:.1f}x "
                  f"| {floor:.3f} | {ours / floor:.2f}x | {target} | "
                  f"{'met' if met else 'MISSED'} |")
    return missed


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--mode", choices=MODES, help=argparse.SUPPRESS)  # one child process
    args = ap.parse_args()
    if args.mode:
        print(json.dumps(measure(args.mode, args.runs)))
        return 0
    results = {}
    for mode in MODES:
        out = subprocess.run([sys.executable, __file__, "--mode", mode, "--runs",
                              str(args.runs)], capture_output=True, text=True, check=True)
        results[mode] = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"record a run (5 params, 3 metrics, ended), median of {args.runs} alternated:")
    return 1 if table(results) else 0


if __name__ == "__main__":
    sys.exit(main())
