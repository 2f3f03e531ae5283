"""The runs of seed.py in MLflow's own SQL tracking store, for the benchmarks that put
MLflow's UI beside ours. Logging them through MLflow's client costs ~22.5 ms a run (40
minutes for 100,000); here MLflow creates its schema and experiments itself (its
migrations, ``create_experiment``), then the runs go in with ``executemany`` in one
transaction, in the rows MLflow's own writes produce (``start_run``, ``log_params``,
``log_metrics``, ``end_run``: the run, its params, metrics and latest_metrics at step 0,
and the tags mlflow.runName / mlflow.user / mlflow.source.name / mlflow.source.type).

The database is kept in the temp dir, keyed by run count and seed, so a second run of a
benchmark starts at once; ``verify`` reads it back with MLflow's search (once, after
seeding: its filtered, metric-sorted search takes about a minute at 100,000 runs).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

from tests.benchmarks.seed import _batches

EXPERIMENTS = 10
USER = "bench"
_SOURCE = "train.ipynb"


def mlflow_store(count: int, *, seed: int = 0) -> tuple[Path, float]:
    """The folder holding ``mlflow.db`` (and the artifact root) with ``count`` runs, read
    back by ``verify``, and the seconds seeding took (0.0 when it was already there)."""
    folder = Path(tempfile.gettempdir()) / f"jupyter-mlops-bench-mlflow-{count}-{seed}"
    if (folder / "done").exists():
        return folder, 0.0
    started = time.perf_counter()
    folder.mkdir(exist_ok=True)
    db = folder / "mlflow.db"
    db.unlink(missing_ok=True)
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    store = SqlAlchemyStore(f"sqlite:///{db}", str(folder / "artifacts"))  # runs migrations
    experiments = {f"exp-{e}": store.create_experiment(f"exp-{e}") for e in range(EXPERIMENTS)}
    locations = {name: store.get_experiment(i).artifact_location
                 for name, i in experiments.items()}
    store.engine.dispose()
    connection = sqlite3.connect(db)
    try:
        connection.execute("PRAGMA synchronous=OFF")
        with connection:  # one transaction
            for rows in _batches(count, EXPERIMENTS, seed):
                _insert(connection, rows, experiments, locations)
    finally:
        connection.close()
    seeded = time.perf_counter() - started
    verify(folder, count)
    (folder / "done").write_text("")
    return folder, seeded


def _insert(c: sqlite3.Connection, rows: dict, experiments: dict, locations: dict) -> None:
    """One batch of seed.py's rows as MLflow's: its run ids are 32 hex digits."""
    ids = {}
    runs, tags = [], []
    for (run_id, name, experiment, _nb, _user, _host, _status, started, ended, _src,
         _upd) in rows["runs"]:
        uid = ids[run_id] = uuid.uuid4().hex
        runs.append((uid, name, "UNKNOWN", "", "", USER, "FINISHED", started, ended, "",
                     "active", f"{locations[experiment]}/{uid}/artifacts",
                     int(experiments[experiment])))
        tags += [("mlflow.user", USER, uid), ("mlflow.source.name", _SOURCE, uid),
                 ("mlflow.source.type", "LOCAL", uid), ("mlflow.runName", name, uid)]
    c.executemany("INSERT INTO runs (run_uuid, name, source_type, source_name, "
                  "entry_point_name, user_id, status, start_time, end_time, source_version, "
                  "lifecycle_stage, artifact_uri, experiment_id) "
                  "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", runs)
    c.executemany("INSERT INTO tags (key, value, run_uuid) VALUES (?,?,?)", tags)
    c.executemany("INSERT INTO params (key, value, run_uuid) VALUES (?,?,?)",
                  [(key, value, ids[run_id]) for run_id, key, value, _num in rows["params"]])
    metrics = [(key, value, ts, ids[run_id], step, 0)
               for run_id, key, step, value, ts in rows["metrics"]]
    for table in ("metrics", "latest_metrics"):
        c.executemany(f"INSERT INTO {table} (key, value, timestamp, run_uuid, step, is_nan) "
                      "VALUES (?,?,?,?,?,?)", metrics)


def verify(folder: Path, count: int) -> float:
    """Read the seeded runs back through MLflow's own search: every run counted, and the
    top of a metric-sorted filtered search equal to the same question asked of the rows.
    Returns the seconds the filtered search took."""
    import mlflow

    client = mlflow.MlflowClient(f"sqlite:///{folder / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("exp-0")
    ids = [experiment.experiment_id]
    started = time.perf_counter()
    top = client.search_runs(ids, "metrics.m0 > 0.5", order_by=["metrics.m0 DESC"],
                             max_results=20)
    took = time.perf_counter() - started
    expected: list[float] = []
    for rows in _batches(count, EXPERIMENTS, 0):
        in_exp0 = {run[0] for run in rows["runs"] if run[2] == "exp-0"}
        expected += [value for run_id, key, _step, value, _ts in rows["metrics"]
                     if key == "m0" and run_id in in_exp0 and value > 0.5]
    expected = sorted(expected, reverse=True)[:20]
    got = [run.data.metrics["m0"] for run in top]
    assert got == expected, (got[:3], expected[:3])
    run = top[0]
    assert run.info.status == "FINISHED" and run.info.run_name.startswith("run-")
    assert set(run.data.params) == {f"p{k}" for k in range(5)}
    assert run.data.tags["mlflow.user"] == USER
    return took


def expected_top(count: int) -> tuple[str, str]:
    """The run each view must show first: the newest run, and the run with the highest m0
    (the filter ``metrics.m0 > 0.5`` sorted by m0, descending)."""
    best = (-1.0, "")
    for rows in _batches(count, EXPERIMENTS, 0):
        names = {run[0]: run[1] for run in rows["runs"]}
        best = max([best, *((value, names[run_id]) for run_id, key, _s, value, _t
                             in rows["metrics"] if key == "m0")])
    return f"run-{count - 1}", best[1]


@contextlib.contextmanager
def running_mlflow_ui(folder: Path, timeout: float = 300.0) -> Iterator[str]:
    """``mlflow server`` on the seeded store as a user starts it (its default 4 workers),
    in a process group of its own so a query still running in it can be stopped."""
    from tests.jupyter_process import free_port

    port = free_port()
    log = (folder / "server.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlflow", "server", "--backend-store-uri",
         f"sqlite:///{folder / 'mlflow.db'}", "--default-artifact-root",
         str(folder / "artifacts"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{url}health", timeout=5) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"mlflow server did not start: see {folder / 'server.log'}")
            time.sleep(0.5)
        yield url
    finally:
        # the whole group (its workers too); gone already when the server failed to start
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
