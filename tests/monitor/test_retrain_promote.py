"""`jupyter mlops retrain` and `promote` on the registered churn model: retraining on a new
file gives a new, verified version whose lineage names that file; promotion refuses a worse
model (exit 1, alias unchanged, the metric and margin named) and accepts a better one, and
every move is in the alias audit trail."""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_cli
from tests.serving.conftest import churn, churn_frame, churn_store  # noqa: F401


@pytest.fixture(scope="module")
def worse(churn, churn_store, tmp_path_factory):  # noqa: F811
    """churn retrained on labels with 35% noise: (version object, new file)."""
    new_file = tmp_path_factory.mktemp("new-data") / "noisy_train.csv"
    churn_frame(2000, 5, noise=0.35).to_csv(new_file, index=False)
    result = run_cli("retrain", "churn/1", "--data", f"train={new_file}", "--alias",
                     "candidate", "--store", churn[0], "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout), new_file


def test_retrain_registers_a_verified_version_whose_lineage_is_the_new_file(
        worse, churn_store):  # noqa: F811
    from jupyter_mlops.registry import resolve

    version, new_file = worse
    assert version["name"] == "churn" and version["version"] > 1
    assert version["aliases"] == ["candidate"]
    assert version["verification"]["status"] == "reproduced"
    run = churn_store.get_run(version["run_id"])
    sources = {d["name"]: d["source"] for d in run["datasets"]}
    assert sources["train"] == str(new_file)
    folder = resolve(f"churn/{version['version']}", churn_store)[2]
    with open(f"{folder}/datasets.json") as f:
        assert {d["name"]: d["source"] for d in json.load(f)}["train"] == str(new_file)
    with open(f"{folder}/train.py") as f:
        assert repr(str(new_file)) in f.read()
    assert version["metrics"]["auc"] < churn_store.model_version("churn", 1)["metrics"]["auc"]


def test_retrain_refuses_an_unknown_dataset_or_file(churn, tmp_path):  # noqa: F811
    result = run_cli("retrain", "churn/1", "--data", "labels=x.csv", "--store", churn[0])
    assert result.returncode == 1 and "no such file" in result.stderr
    (tmp_path / "x.csv").write_text("a\n1\n")
    result = run_cli("retrain", "churn/1", "--data", f"labels={tmp_path / 'x.csv'}",
                     "--store", churn[0])
    assert result.returncode == 1
    assert "has no dataset 'labels' (it has test, train)" in result.stderr


def test_promote_refuses_worse_and_accepts_better(worse, churn, churn_store):  # noqa: F811
    number = worse[0]["version"]
    production = churn_store.resolve_alias("churn", "production")
    result = run_cli("promote", "churn", str(number), "--alias", "production", "--require",
                     "metrics.auc >= production", "--store", churn[0])
    assert result.returncode == 1
    assert f"metrics.auc of churn/{number} is" in result.stderr
    assert "not >= production (v1)'s" in result.stderr and "(by 0.0" in result.stderr
    assert churn_store.resolve_alias("churn", "production") == production

    holdout = str(churn[1] / "test.csv")
    result = run_cli("promote", "churn", str(number), "--alias", "production", "--require",
                     "metrics.auc >= production", "--holdout", holdout, "--store", churn[0])
    assert result.returncode == 1 and f"on {holdout}" in result.stderr

    # v1 is better than the noisy candidate: it takes the candidate alias over.
    result = run_cli("promote", "churn", "1", "--alias", "candidate", "--require",
                     "metrics.auc > candidate", "--holdout", holdout, "--store", churn[0],
                     "--format", "json")
    assert result.returncode == 0, result.stderr
    moved = json.loads(result.stdout)
    assert (moved["version"], moved["previous"]) == (1, number)
    assert moved["checks"][0]["passed"] and moved["checks"][0]["margin"] > 0
    history = churn_store.get_model("churn")["alias_history"]
    assert [(h["alias"], h["from_version"], h["to_version"]) for h in history
            if h["alias"] == "candidate"][-2:] == [("candidate", None, number),
                                                   ("candidate", number, 1)]


def test_a_malformed_gate_is_one_line_and_moves_nothing(churn, churn_store):  # noqa: F811
    before = churn_store.get_model("churn")["alias_history"]
    result = run_cli("promote", "churn", "1", "--alias", "production", "--require",
                     "auc is better", "--store", churn[0])
    assert result.returncode == 1
    assert result.stderr.startswith("jupyter mlops: error: --require 'auc is better'")
    assert churn_store.get_model("churn")["alias_history"] == before
