"""Several processes writing one SQLite store at once, and writers killed mid-batch and
mid-run."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys

from jupyter_mlops.store import Store

WRITER = """
import sys
import jupyter_mlops as mlops
worker, count = sys.argv[1], int(sys.argv[2])
errors = 0
for i in range(count):
    try:
        with mlops.start_run(name=f"w{worker}-{i}", experiment="concurrency") as run:
            run.log_params({f"p{k}": k for k in range(5)})
            run.log_metrics({"acc": 0.5, "loss": 0.1, "f1": 0.3})
        print(run.run_id, flush=True)
    except Exception as e:
        errors += 1
        print("ERROR", type(e).__name__, e, file=sys.stderr, flush=True)
print("errors", errors, file=sys.stderr)
"""


def _writer(store_dir, worker: int, count: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", WRITER, str(worker), str(count)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={"JUPYTER_MLOPS_STORE": str(store_dir), "PATH": "/usr/bin:/bin"})


def test_four_processes_recording_500_runs_each_lose_nothing(store_dir):
    Store.open(str(store_dir)).close()
    procs = [_writer(store_dir, w, 500) for w in range(4)]
    outputs = [p.communicate(timeout=600) for p in procs]
    for _out, err in outputs:
        assert "ERROR" not in err and "locked" not in err, err[-2000:]
        assert err.strip().endswith("errors 0")
    written = [line for out, _ in outputs for line in out.split()]
    assert len(written) == 2000
    con = sqlite3.connect(store_dir / "mlops.db")
    assert con.execute("select count(*) from runs where status='finished'").fetchone()[0] == 2000
    assert con.execute("select count(*) from params").fetchone()[0] == 2000 * 5
    assert con.execute("select count(*) from latest_metrics").fetchone()[0] == 2000 * 3


def test_a_writer_killed_mid_batch_leaves_every_committed_run(store_dir):
    proc = _writer(store_dir, 0, 100_000)
    committed = []
    for line in proc.stdout:
        committed.append(line.strip())
        if len(committed) >= 200:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    committed += [line.strip() for line in proc.stdout.read().split()]
    con = sqlite3.connect(store_dir / "mlops.db")
    assert con.execute("pragma integrity_check").fetchone()[0] == "ok"
    con.close()
    store = Store.open(str(store_dir))
    for run_id in committed:
        run = store.get_run(run_id)
        assert run["status"] == "finished" and len(run["params"]) == 5
    # the run that was being written when the process died is not left "running"
    assert not store.list_runs(status="running")


KILLED_MID_RUN = """
import sys
import jupyter_mlops as mlops
run = mlops.start_run(name="killed", experiment="e")
run.log_params({"C": 1.0, "penalty": "l2"})
run.log_metrics({"acc": 0.5}, step=1)
print(run.run_id, flush=True)
sys.stdin.read()  # killed here, the run still open
"""


def test_a_process_killed_mid_run_keeps_what_each_call_had_written(store):
    """Each call is committed when it returns: nothing waits for ``end`` to be stored."""
    proc = subprocess.Popen([sys.executable, "-c", KILLED_MID_RUN], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PATH": "/usr/bin:/bin"})
    run_id = proc.stdout.readline().strip()
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    run = store.get_run(run_id)
    assert run["params"] == {"C": "1.0", "penalty": "l2"} and run["metrics"] == {"acc": 0.5}
    assert run["status"] != "running"  # its process is gone
