"""A run is never left "running" forever: readers see the runs of a dead process as crashed."""

from __future__ import annotations

import os
import subprocess
import sys

from jupyter_mlops.store import now_ms
from jupyter_mlops.store.liveness import STALE_AFTER_MS, process_started_ms, this_host


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _running_run(store, **session):
    session_id = store.create_session(**session)
    return store.create_run(name="r", experiment="e", session_id=session_id)


def test_runs_of_a_dead_local_process_are_crashed_and_recorded_so(store):
    run_id = _running_run(store, host=this_host(), pid=_dead_pid(), pid_started_ms=now_ms())
    assert store.list_runs()[0]["status"] == "crashed"
    assert store.get_run(run_id)["status"] == "crashed"
    assert [r["run_id"] for r in store.list_runs(status="crashed")] == [run_id]
    assert store._dead_sessions() == set()  # persisted: the next read has nothing to check


def test_a_recycled_pid_does_not_keep_a_run_alive(store):
    me = os.getpid()
    run_id = _running_run(store, host=this_host(), pid=me,
                          pid_started_ms=process_started_ms(me) - 3_600_000)
    assert store.get_run(run_id)["status"] == "crashed"


def test_runs_of_a_live_local_process_stay_running(store):
    me = os.getpid()
    run_id = _running_run(store, host=this_host(), pid=me, pid_started_ms=process_started_ms(me))
    assert store.get_run(run_id)["status"] == "running"


def test_remote_sessions_are_judged_by_their_heartbeat(store):
    fresh = _running_run(store, host="elsewhere.example", pid=1)
    stale = _running_run(store, host="elsewhere.example", pid=1)
    stale_session = store.get_run(stale)
    from sqlalchemy import update

    from jupyter_mlops.store import schema as s

    with store.db.engine.begin() as c:
        c.execute(update(s.sessions).where(s.sessions.c.session_id == (
            s.runs.select().with_only_columns(s.runs.c.session_id)
            .where(s.runs.c.run_id == stale).scalar_subquery()))
            .values(heartbeat_ms=now_ms() - STALE_AFTER_MS - 1000))
    assert stale_session["status"] == "running"
    assert store.get_run(stale)["status"] == "crashed"
    assert store.get_run(fresh)["status"] == "running"
