"""The whole loop on a PostgreSQL store, as a team shares one: a notebook exported to a
registered model, served with its prediction log written to PostgreSQL, monitored from that
log, retrained on a new file and promoted through a gate. The other serving and monitoring
tests use the embedded SQLite store."""

from __future__ import annotations

import json
import os

import pytest

from tests.conftest import POSTGRES_URL, _empty_postgres, run_cli
from tests.serving.conftest import Server, churn_frame, wait_for, write_notebook

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="JUPYTER_MLOPS_TEST_POSTGRES does "
                                "not name an empty PostgreSQL database (.ci/run sets one up)")
FEATURES = ["age", "income", "plan", "visits"]


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """(environment for the CLI, project folder, store): churn/1 exported into an emptied
    PostgreSQL database, artifacts in the project folder."""
    from jupyter_mlops.registry.verify import export
    from jupyter_mlops.store import Store

    folder = tmp_path_factory.mktemp("churn-postgres")
    churn_frame(2000, 1).to_csv(folder / "train.csv", index=False)
    churn_frame(1000, 2).to_csv(folder / "test.csv", index=False)
    env = {"JUPYTER_MLOPS_STORE": POSTGRES_URL,
           "JUPYTER_MLOPS_ARTIFACTS": str(folder / "artifacts")}
    _empty_postgres(POSTGRES_URL)
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    store = Store.open()
    try:
        export(write_notebook(str(folder)), "churn", alias="production", store=store)
        yield env, folder, store
    finally:
        store.close()
        for key, value in saved.items():
            os.environ.pop(key) if value is None else os.environ.__setitem__(key, value)


def cli(project, *args):
    return run_cli(*args, env=project[0], cwd=str(project[1]))


def test_served_predictions_are_logged_to_postgresql_and_monitored(project):
    env, folder, store = project
    rows = churn_frame(300, seed=11)[FEATURES]
    server = Server("churn@production", env=env, cwd=str(folder))
    try:
        answer = server.post({"dataframe_records": rows.to_dict("records")})
        assert answer.status_code == 200, answer.text
        assert len(answer.json()["predictions"]) == len(rows)
        assert wait_for(lambda: len(store.predictions(name="churn", version=1)) == 1)
    finally:
        server.stop()
    logged = store.predictions(name="churn", version=1)[0]
    assert logged["inputs"]["columns"] == FEATURES and logged["rows"] == len(rows)

    result = cli(project, "monitor", "churn@production", "--since", "1h", "--format", "json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["current"]["kind"] == "prediction log" and report["rows"] == len(rows)
    assert not report["drift"]
    assert store.last_drift_report("churn", 1)["drift"] is False


def test_retrain_and_a_gated_promote_on_postgresql(project):
    _, folder, store = project
    noisy = folder / "noisy_train.csv"
    churn_frame(2000, 5, noise=0.35).to_csv(noisy, index=False)
    result = cli(project, "retrain", "churn/1", "--data", f"train={noisy}", "--alias",
                 "candidate", "--format", "json")
    assert result.returncode == 0, result.stderr
    version = json.loads(result.stdout)
    assert version["verification"]["status"] == "reproduced"
    sources = {d["name"]: d["source"] for d in store.get_run(version["run_id"])["datasets"]}
    assert sources["train"] == str(noisy)

    result = cli(project, "promote", "churn", str(version["version"]), "--alias",
                 "production", "--require", "metrics.auc >= production")
    assert result.returncode == 1 and "metrics.auc of churn/" in result.stderr
    assert store.resolve_alias("churn", "production") == 1
    result = cli(project, "promote", "churn", "1", "--alias", "candidate", "--require",
                 "metrics.auc > candidate")
    assert result.returncode == 0, result.stderr
    history = store.get_model("churn")["alias_history"]
    assert [(h["from_version"], h["to_version"]) for h in history
            if h["alias"] == "candidate"][-2:] == [(None, version["version"]),
                                                   (version["version"], 1)]
