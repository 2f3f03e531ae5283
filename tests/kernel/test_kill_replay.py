"""A real kernel killed (SIGKILL) or terminated (SIGTERM) while forked workers (a
multiprocessing pool, as joblib's multiprocessing backend makes) still hold its file
descriptors: the next process to open the store — here the CLI — replays exactly the records
that were not stored yet, once, and the session, its cells and runs are not left running."""

from __future__ import annotations

import contextlib
import json
import os
import signal

import nbformat
import psutil
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook
from sqlalchemy import func, select

from jupyter_mlops.store import Store
from jupyter_mlops.store import schema as s

from ..conftest import run_cli

FAST_CELLS = [f"v{i} = {i}\nscore_{i} = {i} / 10" for i in range(12)]


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "sigterm"])
def test_a_killed_kernel_is_replayed_once_by_the_next_opener(tmp_path, store_dir, monkeypatch,
                                                             how):
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "data"))
    cells = ["%load_ext jupyter_mlops\n%track",
             "import multiprocessing\nimport pandas as pd\n"
             "import time\n"
             "pool = multiprocessing.get_context('fork').Pool(2)\n"
             "squares = pool.map(abs, range(8))\n"
             "busy = [pool.apply_async(time.sleep, (600,)) for _ in range(2)]",
             "frame = pd.DataFrame({'a': range(500), 'b': range(500)})",
             # a run whose dataset record is made by a background task (numbered late)
             "%%track fit\nrows = len(frame)\naccuracy = 0.5", *FAST_CELLS]
    nb = new_notebook(cells=[new_code_cell(c) for c in cells])
    nbformat.write(nb, str(tmp_path / "killed.ipynb"))
    client = NotebookClient(nb, kernel_name="python3", timeout=120,
                            resources={"metadata": {"path": str(tmp_path)}})
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        kernel = psutil.Process(client.km.provisioner.pid)
        workers = kernel.children()
        assert len(workers) >= 2
        os.kill(kernel.pid, how)  # right after the last cell: the writer is mid-batch
        client.km.provisioner.process.wait()
        try:
            # the orphaned workers live on, with the kernel's descriptors copied at fork
            assert all(w.is_running() and w.status() != psutil.STATUS_ZOMBIE for w in workers)
            result = run_cli("runs", "--format", "json")  # the next opener of the store
            assert result.returncode == 0, result.stderr
            runs = {r["name"]: r for r in json.loads(result.stdout)}
        finally:
            for worker in workers:
                with contextlib.suppress(psutil.NoSuchProcess):
                    worker.kill()
    st = Store.open(str(store_dir))
    with st.db.read() as c:
        (status,), = c.execute(select(s.sessions.c.status))
        codes = [row.code for row in c.execute(select(s.cell_executions.c.code)
                                               .order_by(s.cell_executions.c.seq))]
        statuses = {row.status for row in c.execute(select(s.cell_executions.c.status))}
        metric_rows = c.execute(select(func.count()).select_from(s.metrics)).scalar()
        inputs = c.execute(select(func.count()).select_from(s.run_inputs)).scalar()
    expected_codes = cells[1:]  # tracking starts during the first cell
    print(f"\n{how.name}: cells expected {len(expected_codes)}, found {len(codes)}; "
          f"metric rows expected {1 + len(FAST_CELLS)}, found {metric_rows}")
    assert codes == expected_codes  # every cell, once
    assert status == "crashed" and "running" not in statuses
    assert runs["fit"]["status"] in ("finished", "crashed")
    assert metric_rows == 1 + len(FAST_CELLS)  # accuracy + one score_i per cell: none twice
    assert inputs == 1  # the dataset the background task described
    # replayed and removed (an empty journal, all of it stored, may wait for a later opener)
    left = list((tmp_path / "data" / "mlops-spool").rglob("*.jsonl"))
    assert all(path.stat().st_size == 0 for path in left)
    st.close()
