"""A run is never left "running" forever: readers see the runs of a dead process as crashed."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import psutil

from jupyter_mlops.store import now_ms
from jupyter_mlops.store.ids import new_id
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


def test_a_zombie_process_is_dead(store):
    proc = subprocess.Popen([sys.executable, "-c", "pass"])  # exits; not reaped: a zombie
    try:
        deadline = time.monotonic() + 10
        while psutil.Process(proc.pid).status() != psutil.STATUS_ZOMBIE:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        run_id = _running_run(store, host=this_host(), pid=proc.pid,
                              pid_started_ms=process_started_ms(proc.pid))
        assert store.get_run(run_id)["status"] == "crashed"
    finally:
        proc.wait()


def test_cells_of_a_crashed_session_are_crashed_and_nothing_ends_before_it_started(store):
    from jupyter_mlops.store import schema as s

    started = now_ms()
    session_id = new_id()
    store.ensure_session({"session_id": session_id, "host": this_host(), "pid": _dead_pid(),
                          "pid_started_ms": started, "started_ms": started - 120_000,
                          "heartbeat_ms": started - 120_000})
    execution = {"execution_id": new_id(), "session_id": session_id, "seq": 1, "code": "x",
                 "code_hash": "0",
                 "started_ms": started}
    store.record_cells([execution], [])
    run_id = new_id()  # the run started after the last heartbeat (heartbeats are a minute)
    store.ensure_run({"run_id": run_id, "name": "r", "experiment": "e",
                      "session_id": session_id, "started_ms": started, "source": "cell"})
    assert store.sweep_dead_sessions() == 1
    assert store.get_run(run_id)["status"] == "crashed"
    with store.db.read() as c:
        run = c.execute(s.runs.select().where(s.runs.c.run_id == run_id)).mappings().one()
    assert run["ended_ms"] >= run["started_ms"] == started
    assert [c["status"] for c in store.cell_executions(session_id)] == ["crashed"]
    # a journal replayed later brings a cell of the session that is over: crashed too
    late = {**execution, "execution_id": new_id(), "seq": 2}
    store.record_cells([late], [])
    store.sweep_dead_sessions()
    assert [c["status"] for c in store.cell_executions(session_id)] == ["crashed", "crashed"]
    with store.db.read() as c:
        ended = c.execute(s.sessions.select().where(
            s.sessions.c.session_id == session_id)).mappings().one()["ended_ms"]
    assert ended >= started
