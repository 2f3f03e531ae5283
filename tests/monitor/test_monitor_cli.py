"""`jupyter mlops monitor` on the registered churn model: unchanged data (the training file
and a 100,000-row resample of it) exits 0; shifted data exits 1 naming the shifted feature,
with a plot; the prediction log is read when no file is given."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.conftest import run_cli
from tests.serving.conftest import churn, churn_store  # noqa: F401  (shared fixtures)


def monitor(store_url, *args):
    return run_cli("monitor", "churn@production", "--store", store_url, *args)


@pytest.fixture(scope="module")
def files(churn, tmp_path_factory):  # noqa: F811
    folder = tmp_path_factory.mktemp("monitor-data")
    train = pd.read_csv(churn[1] / "train.csv")
    train.sample(100_000, replace=True, random_state=3).to_csv(folder / "resample.csv",
                                                                 index=False)
    train.assign(age=train["age"] + 10).to_csv(folder / "shifted.csv", index=False)
    return folder


def test_unchanged_data_is_no_drift(churn, files):  # noqa: F811
    for data in (str(churn[1] / "train.csv"), str(files / "resample.csv")):
        result = monitor(churn[0], "--data", data, "--format", "json")
        assert result.returncode == 0, result.stdout + result.stderr
        report = json.loads(result.stdout)
        assert not report["drift"] and report["drifted"] == []
        assert [f["verdict"] for f in report["features"]] == ["ok"] * 4
        assert report["prediction"]["verdict"] == "ok"
    assert report["rows"] == 100_000 and report["extra_columns"] == ["churned"]


def test_shifted_data_is_drift_on_that_feature_with_a_plot(churn, files):  # noqa: F811
    png = files / "drift.png"
    result = monitor(churn[0], "--data", str(files / "shifted.csv"), "--plot", str(png))
    assert result.returncode == 1, result.stderr
    assert "DRIFT in age" in result.stdout
    lines = {line.split()[0]: line for line in result.stdout.splitlines() if line.strip()}
    assert "drift" in lines["age"] and " ok " in lines["income"] + " "
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_prediction_log_is_the_default_current_data(churn, churn_store):  # noqa: F811
    rows = pd.read_csv(churn[1] / "train.csv").head(400)
    features = ["age", "income", "plan", "visits"]
    churn_store.log_predictions([{
        "name": "churn", "version": 1, "checksum": "x" * 64, "at_ms": 10**13, "rows": 400,
        "inputs": {"columns": features, "data": rows[features].values.tolist()},
        "outputs": rows["churned"].tolist()}])
    result = monitor(churn[0], "--since", "2286-11-20", "--format", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["rows"] == 400 and report["current"]["kind"] == "prediction log"
    assert monitor(churn[0], "--since", "yesterday-ish").stderr.startswith(
        "jupyter mlops: error: --since 'yesterday-ish'")
