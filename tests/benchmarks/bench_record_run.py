"""Recording a run with 5 params and 3 metrics: jupyter_mlops next to MLflow.

Both write to a fresh SQLite store in a temporary folder (MLflow: its SQLAlchemy store, the
default backend of MLflow 3). Target: our median <= 1 ms.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time

RUNS = 300
WARMUP = 20
PARAMS = {f"param_{i}": i * 0.5 for i in range(5)}
METRICS = {"accuracy": 0.91, "loss": 0.3, "f1": 0.88}


def measure(record) -> float:
    for _ in range(WARMUP):
        record()
    times = []
    for _ in range(RUNS):
        t = time.perf_counter()
        record()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def ours(folder: str) -> float:
    import jupyter_mlops as mlops

    store = os.path.join(folder, "mlops")

    def record() -> None:
        with mlops.start_run(experiment="bench", store=store) as run:
            run.log_params(PARAMS)
            run.log_metrics(METRICS)

    return measure(record)


def mlflow_peer(folder: str) -> float | None:
    try:
        import mlflow
    except ImportError:
        return None
    import logging

    logging.getLogger("mlflow").setLevel(logging.ERROR)
    mlflow.set_tracking_uri(f"sqlite:///{folder}/mlflow.db")
    mlflow.set_experiment("bench")

    def record() -> None:
        with mlflow.start_run():
            mlflow.log_params(PARAMS)
            mlflow.log_metrics(METRICS)

    return measure(record)


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)  # outside any git repository, like a fresh project folder
        our = ours(folder)
        peer = mlflow_peer(folder)
    print(f"record a run (5 params, 3 metrics), median of {RUNS}:")
    print(f"  jupyter_mlops  {our * 1000:8.3f} ms   (target <= 1 ms)")
    if peer is None:
        print("  mlflow         not installed (pip install -e '.[bench]')")
    else:
        print(f"  mlflow         {peer * 1000:8.3f} ms   ({peer / our:.0f}x slower)")
    return 0 if our <= 0.001 else 1


if __name__ == "__main__":
    sys.exit(main())
