"""Retrain jobs in the store: their state outlives the process that ran them, and a job
whose process died while it was queued or running reads as failed, saying why."""

from __future__ import annotations

import subprocess
import sys

from jupyter_mlops.store.ids import new_id

RUN_AND_DIE = """
import sys
from jupyter_mlops.store import Store
store = Store.open()
store.record_job(sys.argv[1], "churn/1")
if sys.argv[2] == "running":
    store.update_job(sys.argv[1], "running")
"""


def test_a_job_ref_that_carries_a_credential_is_stored_redacted(store):
    job_id = new_id()
    store.record_job(job_id, "https://u:hunter2pass@registry.example/churn@production")
    assert "hunter2pass" not in store.get_job(job_id)["ref"]


def test_a_finished_job_is_read_back_with_its_result_redacted(store):
    job_id = new_id()
    job = store.record_job(job_id, "churn/1")
    assert (job["status"], job["finished"], job["result"]) == ("queued", None, None)
    store.update_job(job_id, "running")
    assert store.get_job(job_id)["status"] == "running"  # this process is alive
    store.update_job(job_id, "succeeded", result={"name": "churn", "version": 2,
                                                  "note": "password=hunter2"})
    done = store.get_job(job_id)
    assert done["status"] == "succeeded" and done["finished"] >= done["submitted"]
    assert done["result"]["version"] == 2 and "hunter2" not in str(done["result"])
    assert store.get_job("nope") is None


def test_a_job_whose_process_died_reads_as_failed(store):
    for state in ("queued", "running"):
        job_id = new_id()
        subprocess.run([sys.executable, "-c", RUN_AND_DIE, job_id, state], check=True,
                       timeout=60)
        job = store.get_job(job_id)
        assert job["status"] == "failed" and job["finished"], job
        assert f"stopped while it was {state}" in job["error"]
        assert store.get_job(job_id) == job  # recorded, not recomputed
