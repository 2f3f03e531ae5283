"""Real kernels (ipykernel, started by nbclient as JupyterLab or papermill would): the whole
path from %track to `jupyter mlops show --format json`."""

from __future__ import annotations

import json
import os
import signal
import time

import nbformat
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook
from sqlalchemy import select

from jupyter_mlops.store import Store
from jupyter_mlops.store import schema as s

from ..conftest import run_cli

TRACK = "%load_ext jupyter_mlops\n%track"


def notebook(path, sources):
    nb = new_notebook(cells=[new_code_cell(src) for src in sources])
    nbformat.write(nb, str(path))
    os.environ["JPY_SESSION_NAME"] = str(path)
    return nb


def client(nb, folder):
    return NotebookClient(nb, kernel_name="python3", timeout=120,
                          resources={"metadata": {"path": str(folder)}})


def cli_json(*args):
    result = run_cli(*args, "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_sklearn_notebook_end_to_end(kernel_env):
    csv = kernel_env / "train.csv"
    csv.write_text("a,b,label\n" + "\n".join(f"{i},{(i * 7) % 5},{i % 2}" for i in range(80)))
    nb = notebook(kernel_env / "train.ipynb", [
        TRACK,
        "import pandas as pd\nimport matplotlib.pyplot as plt\n"
        "from sklearn.linear_model import LogisticRegression",
        "df = pd.read_csv('train.csv')\nX, y = df[['a', 'b']], df['label']\nC = 0.3",
        "model = LogisticRegression(C=C).fit(X, y)\naccuracy = model.score(X, y)\n"
        "plt.plot(model.coef_[0])",
    ])
    client(nb, kernel_env).execute()
    (summary,) = cli_json("runs")
    run = cli_json("show", summary["run_id"])
    assert run["name"].startswith("LogisticRegression") and run["status"] == "finished"
    assert run["notebook"] == str(kernel_env / "train.ipynb")
    assert run["params"]["C"] == "0.3" and run["params"]["solver"] == "lbfgs"
    assert 0.4 < run["metrics"]["accuracy"] <= 1
    assert run["tags"]["model.type"].endswith("LogisticRegression")
    df = next(d for d in run["datasets"] if d["name"] == "df")
    assert df["source"] == str(csv) and len(df["fingerprint"]) == 32 and df["file_hash"]
    assert df["shape"] == [80, 3]
    assert [a["media_type"] for a in run["artifacts"]] == ["image/png"]
    assert run["environment"]["python"]["executable"]
    assert "scikit-learn" in run["environment"]["packages"]
    assert [e["code"] for e in run["lineage"]] == [c.source for c in nb.cells[1:]]
    assert run["warnings"] == []


def test_out_of_order_execution_is_warned_about(kernel_env):
    nb = notebook(kernel_env / "order.ipynb", [TRACK, "accuracy = base * 2", "base = 0.4"])
    nbc = client(nb, kernel_env)
    with nbc.setup_kernel():
        for index in (0, 2, 1):
            nbc.execute_cell(nb.cells[index], index)
    (summary,) = cli_json("runs")
    run = cli_json("show", summary["run_id"])
    assert run["metrics"] == {"accuracy": 0.8}
    assert any("out of notebook order" in w for w in run["warnings"]), run["warnings"]


def test_kill_9_mid_cell_leaves_the_code_and_a_crashed_run(kernel_env, store_dir):
    long_cell = "%%track long\nimport time\nprint('started', flush=True)\ntime.sleep(600)"
    nb = notebook(kernel_env / "crash.ipynb", [TRACK, long_cell])
    nbc = client(nb, kernel_env)
    with nbc.setup_kernel():
        nbc.execute_cell(nb.cells[0], 0)
        nbc.kc.execute(long_cell)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            msg = run_sync(nbc.kc.get_iopub_msg)(timeout=60)
            if msg["msg_type"] == "stream" and "started" in msg["content"]["text"]:
                break
        pid = nbc.km.provisioner.pid
        os.kill(pid, signal.SIGKILL)  # no writer flush: the journal must have the cell
        nbc.km.provisioner.process.wait()
    # the next session on the store replays what the dead kernel had not written yet
    client(notebook(kernel_env / "next.ipynb", [TRACK, "%track off"]), kernel_env).execute()
    (summary,) = [r for r in cli_json("runs") if r["name"] == "long"]
    run = cli_json("show", summary["run_id"])
    assert run["status"] == "crashed"
    assert run["lineage"][-1]["code"] == long_cell
    st = Store.open(str(store_dir))
    with st.db.read() as c:
        sessions = c.execute(select(s.sessions.c.notebook, s.sessions.c.status)).all()
    assert (str(kernel_env / "crash.ipynb"), "crashed") in sessions
