"""The corpus's cell-time ratio with the two sides alternated cell by cell (issue 8: <= 1.03).

``bench_corpus.py`` runs each notebook untracked, then tracked, one after the other, so a
burst of load on a shared machine lands on one side only. Here each notebook runs in two
fresh kernels side by side, one tracked (``%load_ext jupyter_mlops`` + ``%track``, its own
SQLite store) and one not: every cell is sent to one kernel and then to the other (which
goes first alternates from cell to cell) and timed from the client, from the
execute_request to its execute_reply, so the tracker's hooks and its writer's work during
the cell are inside. Both kernels get the same warm-up cell first (matplotlib, the
scikit-learn estimator registry) and the same working directory.

Each notebook runs ``--rounds`` times (default 3, each in a fresh pair of kernels); a cell's
ratio is its median tracked time over its median untracked time. Prints per notebook the
median ratio over its cells, then the median over all cells; exits 1 when that misses the
target.

    python tests/benchmarks/bench_corpus_cells.py [--rounds N] [NAME ...]
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from jupyter_client.manager import start_new_kernel

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.corpus.runner import CELL_TIMEOUT_S, TARGETS, TRACK, WARM_UP, corpus_names, load_notebook


def timed(client, code: str) -> float:
    start = time.perf_counter()
    client.execute(code, reply=True, timeout=CELL_TIMEOUT_S)
    return time.perf_counter() - start


def notebook_times(name: str) -> list[tuple[float, float]]:
    """(untracked, tracked) seconds of each code cell, from one pair of fresh kernels."""
    cells = [c.source for c in load_notebook(name).cells if c.cell_type == "code"]
    with tempfile.TemporaryDirectory(prefix=f"corpus-cells-{name}-") as tmp:
        env = {**os.environ, "JUPYTER_MLOPS_STORE": os.path.join(tmp, "store"),
               "JUPYTER_DATA_DIR": os.path.join(tmp, "data"), "PYTHONHASHSEED": "0",
               "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
        env.pop("JUPYTER_MLOPS_ARTIFACTS", None)
        kernels = [start_new_kernel(kernel_name="python3", env=env, cwd=tmp) for _ in range(2)]
        (_, plain), (_, tracked) = kernels
        try:
            for client in (plain, tracked):
                timed(client, WARM_UP)
            timed(tracked, TRACK)
            times = []
            for i, code in enumerate(cells):
                if i % 2:
                    b, a = timed(tracked, code), timed(plain, code)
                else:
                    a, b = timed(plain, code), timed(tracked, code)
                times.append((a, b))
            return times
        finally:
            for manager, client in kernels:
                client.stop_channels()
                manager.shutdown_kernel(now=True)


def notebook_ratios(name: str, rounds: int) -> list[float]:
    runs = [notebook_times(name) for _ in range(rounds)]
    return [statistics.median(r[i][1] for r in runs)
            / max(statistics.median(r[i][0] for r in runs), 1e-4) for i in range(len(runs[0]))]


def main(names: list[str], rounds: int) -> int:
    everything = []
    print(f"{'notebook':40} {'cells':>5} {'median ratio':>12}")
    for name in names or corpus_names():
        ratios = notebook_ratios(name, rounds)
        everything += ratios
        print(f"{name:40} {len(ratios):5} {statistics.median(ratios):12.3f}", flush=True)
    total = statistics.median(everything)
    target = TARGETS["cell_time_ratio"]
    met = total <= target
    print(f"{'all cells':40} {len(everything):5} {total:12.3f}   target <= {target}  "
          f"{'met' if met else 'missed'}")
    return 0 if met else 1


if __name__ == "__main__":
    args = sys.argv[1:]
    count = 3
    if "--rounds" in args:
        at = args.index("--rounds")
        count = int(args[at + 1])
        del args[at:at + 2]
    sys.exit(main(args, count))
