"""The public Python API, as a script or notebook uses it."""

from __future__ import annotations

import getpass
import socket

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import jupyter_mlops as mlops
from jupyter_mlops.store import InvalidInput, NotFound


@pytest.fixture
def frame():
    return pd.DataFrame({"age": [31, 45, 27, 60], "plan": ["a", "b", "a", "c"],
                         "churned": [0, 1, 0, 1]})


def test_the_quick_start_records_everything(store_dir, tmp_path, frame):
    csv = tmp_path / "train.csv"
    frame.to_csv(csv, index=False)
    report = tmp_path / "report.html"
    report.write_text("<h1>report</h1>")
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    with mlops.start_run(name="baseline", experiment="churn") as run:
        run.log_params({"C": 1.0, "penalty": "l2"})
        run.log_metric("accuracy", 0.91)
        run.log_metric("loss", 0.3, step=1)
        run.log_metrics({"f1": 0.88, "auc": 0.95})
        run.set_tag("team", "risk")
        run.log_dataset(frame, name="train", role="train", source=str(csv))
        run.log_figure(fig, "roc.png")
        run.log_artifact(str(report))
    plt.close(fig)

    record = mlops.get_run(run.run_id)
    assert record["status"] == "finished"
    assert record["params"] == {"C": "1.0", "penalty": "l2"}
    assert record["metrics"] == {"accuracy": 0.91, "loss": 0.3, "f1": 0.88, "auc": 0.95}
    assert record["tags"] == {"team": "risk"}
    assert record["user"] == getpass.getuser() and record["host"] == socket.gethostname()
    (dataset,) = record["datasets"]
    assert dataset["role"] == "train" and dataset["shape"] == [4, 3]
    assert dataset["source"] == str(csv) and len(dataset["file_hash"]) == 32
    assert [c["name"] for c in dataset["schema"]] == ["age", "plan", "churned"]
    names = {a["name"]: a for a in record["artifacts"]}
    assert names["roc.png"]["media_type"] == "image/png" and names["roc.png"]["size"] > 100
    assert names["report.html"]["media_type"] == "text/html"
    env = record["environment"]
    assert env["python"]["version"] and "pandas" in env["packages"]
    png = run.store.artifacts.read(names["roc.png"]["digest"])
    assert png.startswith(b"\x89PNG")

    table = mlops.runs(experiment="churn")
    assert list(table["run_id"]) == [run.run_id]
    assert {"run_id", "name", "experiment", "status", "started", "duration", "params.C",
            "metrics.accuracy", "tags.team"} <= set(table.columns)
    assert table.loc[0, "metrics.auc"] == 0.95


def test_a_run_that_raises_ends_failed_with_the_error(store_dir):
    with pytest.raises(ZeroDivisionError), mlops.start_run(name="oops") as run:
        run.log_metric("accuracy", 0.5)
        1 / 0  # noqa: B018
    record = mlops.get_run(run.run_id)
    assert record["status"] == "failed"
    assert record["error"] == "ZeroDivisionError: division by zero"
    assert record["metrics"] == {"accuracy": 0.5}


def test_runs_filters_limits_and_is_empty_with_the_right_columns(store_dir):
    for i in range(3):
        with mlops.start_run(name=f"r{i}", experiment="a" if i else "b") as run:
            run.log_metric("acc", i / 10)
    assert len(mlops.runs()) == 3
    assert list(mlops.runs(experiment="a", sort="metrics.acc")["name"]) == ["r1", "r2"]
    assert len(mlops.runs(limit=1)) == 1
    empty = mlops.runs(experiment="none")
    assert empty.empty and "run_id" in empty.columns


def test_identical_environments_are_stored_once(store_dir):
    for _ in range(3):
        with mlops.start_run():
            pass
    ids = {r["environment"]["environment_id"] for r in
           (mlops.get_run(x) for x in mlops.runs()["run_id"])}
    assert len(ids) == 1
    store = mlops.api._process.store()
    with store.db.read() as c:
        from sqlalchemy import text

        assert c.execute(text("select count(*) from environments")).scalar() == 1


def test_bad_input_is_refused_clearly_and_changes_nothing(store_dir, tmp_path):
    with mlops.start_run(name="careful") as run:
        with pytest.raises(InvalidInput, match="must be a number"):
            run.log_metric("accuracy", "high")
        with pytest.raises(InvalidInput, match="DataFrame"):
            run.log_dataset([1, 2, 3], name="list")
        with pytest.raises(InvalidInput, match="Figure"):
            run.log_figure("not a figure", "x.png")
        with pytest.raises(FileNotFoundError, match="no such file"):
            run.log_artifact(str(tmp_path / "missing.txt"))
    record = mlops.get_run(run.run_id)
    assert record["metrics"] == {} and record["datasets"] == [] and record["artifacts"] == []
    with pytest.raises(NotFound):
        mlops.get_run("does-not-exist")


def test_numpy_arrays_and_folders_can_be_logged(store_dir, tmp_path):
    folder = tmp_path / "model"
    (folder / "sub").mkdir(parents=True)
    (folder / "weights.bin").write_bytes(b"\x00" * 10)
    (folder / "sub" / "config.json").write_text("{}")
    with mlops.start_run() as run:
        run.log_dataset(np.arange(12).reshape(4, 3), name="X")
        run.log_artifact(str(folder))
    record = mlops.get_run(run.run_id)
    assert record["datasets"][0]["shape"] == [4, 3]
    assert sorted(a["name"] for a in record["artifacts"]) == ["model/sub/config.json",
                                                             "model/weights.bin"]


def test_git_state_is_recorded_and_the_uncommitted_diff_kept_as_an_artifact(
        store_dir, tmp_path, monkeypatch):
    import subprocess

    repo = tmp_path / "repo"
    repo.mkdir()
    git = lambda *a: subprocess.run(["git", *a], cwd=repo, check=True,  # noqa: E731
                                    capture_output=True)
    git("init", "-q", "-b", "main")
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q",
        "--allow-empty", "-m", "init")
    git("remote", "add", "origin", "https://someone:hunter2@example.com/org/repo.git")
    (repo / "train.py").write_text("password = 'hunter2'\n")
    git("add", "train.py")
    monkeypatch.chdir(repo)
    with mlops.start_run() as run:
        pass
    record = mlops.get_run(run.run_id)
    git_info = record["environment"]["git"]
    assert git_info["branch"] == "main" and git_info["dirty"] is True
    assert "hunter2" not in git_info["remote"] and "example.com/org/repo.git" in git_info["remote"]
    (diff,) = [a for a in record["artifacts"] if a["name"] == "git.diff"]
    text = run.store.artifacts.read(diff["digest"]).decode()
    assert "train.py" in text and "hunter2" not in text


def test_log_run_records_a_whole_run_in_one_call(store_dir):
    with mlops.start_run(name="streamed", experiment="churn") as run:
        run.log_params({"C": 1.0})
        run.log_metrics({"accuracy": 0.91, "loss": float("nan")})
        run.set_tag("team", "risk")
    run_id = mlops.log_run("batched", "churn", params={"C": 1.0},
                           metrics={"accuracy": 0.91, "loss": float("nan")},
                           tags={"team": "risk"})
    streamed, batched = mlops.get_run(run.run_id), mlops.get_run(run_id)
    for key in ("status", "params", "tags", "experiment", "user", "host", "environment"):
        assert batched[key] == streamed[key], key
    assert batched["metrics"]["accuracy"] == 0.91 and np.isnan(batched["metrics"]["loss"])
    assert batched["ended"] is not None
    assert mlops.log_run("failed", status="failed") and mlops.runs(status="failed").shape[0] == 1


def test_log_run_with_bad_input_records_nothing(store_dir):
    for bad in ({"metrics": {"accuracy": "high"}}, {"params": {"": 1}},
                {"status": "running?"}, {"status": "running"}):
        with pytest.raises(InvalidInput):
            mlops.log_run("bad", "churn", **bad)
    assert mlops.runs("churn").empty
