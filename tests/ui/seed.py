"""Runs for the browser tests, recorded through the public Python API into a test store."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

import jupyter_mlops
from jupyter_mlops.store import Store

REPORT = "<h1>Churn model report</h1><script>alert('must never run in JupyterLab')</script>"
STALE_WARNING = ("It depends on cell [3] (df = load()), whose code has since been changed "
                 "and re-run as [7].")


def seed_runs(store_dir: Path, data_dir: Path) -> dict[str, str]:
    """Four runs in two experiments: two comparable churn models (one with a lineage
    warning, a figure and a model), one failed run and one in another experiment.
    Returns run ids by run name."""
    store = str(store_dir)
    train_csv = data_dir / "train.csv"
    frame = pd.DataFrame({"age": [31, 45, 27, 52], "churned": [0, 1, 0, 1]})
    frame.to_csv(train_csv, index=False)
    ids: dict[str, str] = {}

    with jupyter_mlops.start_run("baseline-lr", "churn", store=store,
                                 tags={"team": "risk", "model.type": "LogisticRegression"}) as run:
        run.log_params({"C": 1.0, "penalty": "l2"})
        for step, (acc, loss) in enumerate([(0.71, 0.62), (0.78, 0.51), (0.83, 0.44)]):
            run.log_metrics({"accuracy": acc, "loss": loss}, step=step)
        run.log_dataset(frame, "train", source=str(train_csv))
        figure = Figure(figsize=(3, 2))
        figure.subplots().plot([0, 1, 2], [0.71, 0.78, 0.83])
        run.log_figure(figure, "learning-curve")
        report = data_dir / "report.html"
        report.write_text(REPORT)
        run.log_artifact(str(report))
        ids[run.name] = run.run_id

    with jupyter_mlops.start_run("tuned-lr", "churn", store=store, tags={"team": "risk"}) as run:
        run.log_params({"C": 10.0, "penalty": "l2"})
        for step, (acc, loss) in enumerate([(0.74, 0.58), (0.85, 0.40), (0.91, 0.31)]):
            run.log_metrics({"accuracy": acc, "loss": loss}, step=step)
        run.log_dataset(frame.iloc[:3], "train", source=str(train_csv))
        ids[run.name] = run.run_id

    try:
        with jupyter_mlops.start_run("diverged", "churn", store=store) as run:
            ids[run.name] = run.run_id
            run.log_params({"C": 1000.0})
            raise FloatingPointError("loss became NaN")
    except FloatingPointError:
        pass

    with jupyter_mlops.start_run("resnet-small", "vision", store=store,
                                 tags={"team": "cv"}) as run:
        run.log_metric("top1", 0.64)
        ids[run.name] = run.run_id

    # Lineage warnings come from the kernel tracker; here they are written directly.
    writer = Store.open(store)
    try:
        writer.update_run(ids["baseline-lr"], warnings=json.dumps([STALE_WARNING]))
    finally:
        writer.close()
    return ids
