"""A model version's drift, promotion and retraining over REST, against a real Jupyter Server
on a copy of the registered churn model's store: the report `jupyter mlops monitor` records
(and its plot) is what GET drift answers; a dry-run promotion shows the comparison and moves
nothing; retraining is a job that registers a new version; bad input is a specific 4xx."""

from __future__ import annotations

import shutil
import time

import pandas as pd
import pytest
import requests

from tests.conftest import run_cli
from tests.jupyter_process import jupyter_process
from tests.serving.conftest import churn, churn_frame  # noqa: F401  (shared fixture)


@pytest.fixture(scope="module")
def env(churn, tmp_path_factory):  # noqa: F811
    """(server, store URL, root folder) on a copy of churn's store (its aliases move here)."""
    base = tmp_path_factory.mktemp("lifecycle")
    store = base / "store"
    shutil.copytree(churn[0], store)
    root = base / "root"
    root.mkdir()
    train = pd.read_csv(churn[1] / "train.csv")
    train.assign(age=train["age"] + 10).to_csv(root / "shifted.csv", index=False)
    churn_frame(2000, 5, noise=0.35).to_csv(root / "noisy.csv", index=False)
    with jupyter_process(root, {"JUPYTER_MLOPS_STORE": str(store)}) as server:
        yield server, str(store), root


def call(server, method, path, body=None, expect=200, **kw):
    response = requests.request(method, f"{server.api}/{path}", headers=server.auth,
                                json=body, timeout=120, **kw)
    assert response.status_code == expect, response.text
    if response.headers.get("Content-Type", "").startswith("application/json"):
        payload = response.json()
        if expect >= 400:
            assert set(payload) == {"error", "detail"} and "Traceback" not in payload["detail"]
        return payload
    return response


def test_drift_is_the_last_report_monitor_recorded_with_its_plot(env):
    server, store, root = env
    assert "jupyter mlops monitor" in call(server, "GET", "models/churn/versions/1/drift",
                                           expect=404)["detail"]
    png = root / "drift.png"
    result = run_cli("monitor", "churn@production", "--store", store, "--data",
                     str(root / "shifted.csv"), "--plot", str(png))
    assert result.returncode == 1 and "recorded as the last drift report of churn/1" \
        in result.stdout
    found = call(server, "GET", "models/churn/versions/1/drift")
    assert (found["name"], found["version"], found["drift"], found["rows"]) == \
        ("churn", 1, True, 2000)
    assert found["report"]["drifted"] == ["age"]
    assert found["report"]["current"]["path"] == str(root / "shifted.csv")
    plot = requests.get(server.url.rstrip("/") + found["plot"]["url"], headers=server.auth,
                        timeout=30)
    assert plot.headers["Content-Type"] == "image/png" and plot.content == png.read_bytes()

    result = run_cli("monitor", "churn/1", "--store", store, "--data", str(root / "noisy.csv"),
                     "--format", "json")
    assert result.returncode == 0, result.stderr
    found = call(server, "GET", "models/churn/versions/1/drift")
    assert not found["drift"] and found["plot"] is None
    assert "has no plot" in call(server, "GET", "models/churn/versions/1/drift/plot",
                                 expect=404)["detail"]


def retrain(server, expect_done=True):
    """POST a retrain of churn/1 on noisy labels (a worse model); the job as answered, or
    (``expect_done``) as it ended."""
    job = call(server, "POST", "models/churn/versions/1/retrain",
               {"data": {"train": "noisy.csv"}, "alias": "candidate", "verify": False},
               expect=202)
    assert job["status"] in ("queued", "running") and job["url"].endswith(job["job_id"])
    deadline = time.monotonic() + 600
    while expect_done and job["status"] in ("queued", "running"):
        assert time.monotonic() < deadline, job
        time.sleep(1)
        job = requests.get(server.url.rstrip("/") + job["url"], headers=server.auth,
                           timeout=30).json()
    return job


@pytest.fixture(scope="module")
def retrain_job(env):
    job = retrain(env[0])
    assert job["status"] == "succeeded", job["error"]
    return job


@pytest.fixture(scope="module")
def retrained(retrain_job):
    """churn/1 retrained over REST: its version object."""
    return retrain_job["result"]


def test_retrain_is_a_job_that_registers_a_new_version(env, retrained):
    server, _, root = env
    assert retrained["name"] == "churn" and retrained["version"] > 1
    assert retrained["aliases"] == ["candidate"] and "manifest" not in retrained
    version = call(server, "GET", f"models/churn/versions/{retrained['version']}")
    assert version["run_id"] == retrained["run_id"]
    run = call(server, "GET", f"runs/{retrained['run_id']}")
    assert {d["name"]: d["source"] for d in run["datasets"]}["train"] == str(root / "noisy.csv")


def test_retrain_jobs_outlive_their_server(env, retrain_job):
    """Another server on the store answers for a finished job; a job whose server was
    killed while it ran reads as failed, saying so."""
    server, store, root = env
    with jupyter_process(root, {"JUPYTER_MLOPS_STORE": store}) as other:
        assert call(other, "GET", retrain_job["url"].split("/api/", 1)[1]) == retrain_job
        killed = retrain(other, expect_done=False)
        other.proc.kill()
        other.proc.wait()
    job = call(server, "GET", killed["url"].split("/api/", 1)[1])
    assert job["status"] == "failed" and job["result"] is None
    assert f"(pid {other.proc.pid} on " in job["error"] and "stopped while it was" \
        in job["error"]


def test_a_dry_run_shows_the_comparison_and_moves_nothing(env, retrained):
    server, _, _ = env
    number = retrained["version"]
    gate = {"alias": "production", "require": ["metrics.auc >= production"]}
    before = call(server, "GET", "models/churn")["alias_history"]
    dry = call(server, "POST", f"models/churn/versions/{number}/promote",
               {**gate, "dry_run": True})
    assert (dry["passed"], dry["moved"], dry["previous"]) == (False, False, 1)
    check = dry["checks"][0]
    assert check["candidate"] < check["value"] and check["against"] == "production (v1)"
    assert "not >= production (v1)'s" in check["detail"] == dry["failure"]
    refused = call(server, "POST", f"models/churn/versions/{number}/promote", gate, expect=409)
    assert refused["detail"].startswith(f"not promoted: metrics.auc of churn/{number} is")
    assert call(server, "GET", "models/churn")["alias_history"] == before

    better = {"alias": "candidate", "require": ["metrics.auc > candidate"]}
    dry = call(server, "POST", "models/churn/versions/1/promote", {**better, "dry_run": True})
    assert (dry["passed"], dry["moved"]) == (True, False)
    assert call(server, "GET", "models/churn")["aliases"]["candidate"] == number
    moved = call(server, "POST", "models/churn/versions/1/promote", better)
    assert (moved["moved"], moved["version"], moved["previous"]) == (True, 1, number)
    history = call(server, "GET", "models/churn")["alias_history"]
    assert (history[-1]["alias"], history[-1]["from_version"], history[-1]["to_version"]) == \
        ("candidate", number, 1)


@pytest.mark.parametrize(("path", "body", "status", "message"), [
    ("versions/1/promote", {}, 400, "invalid alias"),
    ("versions/1/promote", {"alias": "1x"}, 400, "invalid alias"),
    ("versions/1/promote", {"alias": "p", "require": "metrics.auc > 1"}, 400,
     "require must be a list"),
    ("versions/1/promote", {"alias": "p", "require": ["auc is better"]}, 400,
     "use metrics.KEY OP RHS"),
    ("versions/1/promote", {"alias": "p", "dry_run": "yes"}, 400, "dry_run must be true or"),
    ("versions/1/promote", {"alias": "p", "holdout": "nope.csv"}, 400,
     "holdout: no such file 'nope.csv'"),
    ("versions/1/promote", {"alias": "p", "force": True}, 400, "unknown field 'force'"),
    ("versions/x/promote", {"alias": "p"}, 400, "a model version is a positive integer"),
    ("versions/99/promote", {"alias": "p", "dry_run": True}, 404, "99"),
    ("versions/1/retrain", {}, 400, "data must map dataset names to files"),
    ("versions/1/retrain", {"data": {"train": 3}}, 400, "data must map"),
    ("versions/1/retrain", {"data": {"train": "missing.csv"}}, 400, "no such file"),
    ("versions/1/retrain", {"data": {"labels": "noisy.csv"}}, 400,
     "has no dataset 'labels' (it has test, train)"),
    ("versions/1/retrain", {"data": {"train": "noisy.csv"}, "verify": 1}, 400,
     "verify must be true or false"),
    ("versions/1/drift", None, 400, "a model version is a positive integer"),
])
def test_bad_input_is_a_specific_4xx(env, path, body, status, message):
    server, _, _ = env
    method = "GET" if path.endswith("drift") else "POST"
    bad_path = path.replace("versions/1/drift", "versions/0/drift")
    answer = call(server, method, f"models/churn/{bad_path}", body, expect=status)
    assert message in answer["detail"]


def test_unknown_jobs_and_other_content_types_are_refused(env):
    server, _, _ = env
    assert "no retrain job" in call(server, "GET", "models/churn/versions/1/retrain/nope",
                                    expect=404)["detail"]
    answer = requests.post(f"{server.api}/models/churn/versions/1/promote", data="alias=p",
                           headers={**server.auth, "Content-Type": "text/plain"}, timeout=30)
    assert answer.status_code == 415
