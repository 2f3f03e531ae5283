"""What a cell that binds a metric after mutating a 100 MiB DataFrame costs on its path
(issue 10: no more than 1 ms beyond the dataset's fingerprint).

In an in-process InteractiveShell with a fresh SQLite store, the cell
``df.iloc[0, 0] = <i>; accuracy = float(df.iloc[0, 0])`` (1,310,720 x 10 float64) is a run
that read ``df``, which it just changed: tracking fingerprints ``df`` again and journals the
dataset on the cell's path; its profile is left to the writer thread. Beside it, the same run
from an unchanged ``df`` (its fingerprint cached). Tracked and untracked phases alternate
(A B A B), each cell timed around ``run_cell``; the writer is flushed between cells, untimed,
so its background work never lands on a measured cell. Each part is timed twice: wall clock,
and the main thread's CPU time (``time.thread_time``), which leaves out the time the thread
waits for a core: on a 2-core machine shared by a dozen busy processes, wall time after a
CPU-heavy fingerprint stretches severalfold, so the target (tracked - untracked - fingerprint,
medians) is judged on CPU time, with the wall figures printed beside it. Exits 1 only when
it misses.

    python tests/benchmarks/bench_dataset_cell.py [--cells 20] [--rounds 4]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run from a source checkout

TARGET_MS = 1.0
CASES = {"mutates df, binds a metric": "df.iloc[0, 0] = {i}\naccuracy = float(df.iloc[0, 0])",
         "binds a metric from df (unchanged)": "accuracy = float(df.iloc[0, 0]) + {i}"}


def instrument(spent: dict[str, float]) -> None:
    """Time the tracker's cell hooks and its fingerprinting inside each cell (wrapping the
    class's methods before the extension binds them): the hooks minus the fingerprint is what
    tracking adds beyond it, free of the noise between two separately timed cells."""
    from jupyter_mlops.kernel.tracker import Tracker

    for name, key in (("pre_run_cell", "hooks"), ("post_run_cell", "hooks"),
                      ("fingerprint", "fingerprint")):
        method = getattr(Tracker, name)

        def timed(self, *args, _method=method, _key=key):
            start, cpu = time.perf_counter(), time.thread_time()
            try:
                return _method(self, *args)
            finally:
                spent[_key] += time.perf_counter() - start
                spent[_key + " cpu"] += time.thread_time() - cpu

        setattr(Tracker, name, timed)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cells", type=int, default=20, help="cells per phase")
    parser.add_argument("--rounds", type=int, default=4, help="tracked/untracked phase pairs")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="bench-dataset-cell-")
    os.environ["JUPYTER_MLOPS_STORE"] = os.path.join(folder, "store")
    os.environ["JUPYTER_DATA_DIR"] = os.path.join(folder, "data")
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    from jupyter_mlops.kernel import tracker_of

    parts = ("hooks", "fingerprint", "hooks cpu", "fingerprint cpu")
    spent = dict.fromkeys(parts, 0.0)
    instrument(spent)
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    shell = InteractiveShell.instance(config=config)
    shell.run_cell("%load_ext jupyter_mlops", store_history=True)
    tracker = tracker_of(shell)
    shell.run_cell("import numpy as np, pandas as pd\n"
                   "df = pd.DataFrame(np.random.default_rng(0).random((1_310_720, 10)))",
                   store_history=True)
    times = {(case, k): [] for case in CASES
             for k in ("tracked", "untracked", "tracked cpu", "untracked cpu", *parts)}
    counter = 0
    stored = True
    for round_ in range(args.rounds + 1):  # the first round warms up and is dropped
        for side in ("tracked", "untracked"):
            shell.run_cell("%track" if side == "tracked" else "%track off", store_history=True)
            for _ in range(args.cells):
                for case, code in CASES.items():
                    counter += 1
                    spent.update(dict.fromkeys(parts, 0.0))
                    start, cpu = time.perf_counter(), time.thread_time()
                    shell.run_cell(code.format(i=counter), store_history=True).raise_error()
                    elapsed, cpu = time.perf_counter() - start, time.thread_time() - cpu
                    if side == "tracked":
                        stored &= tracker.writer.flush(60)  # untimed: the profile, the writes
                    if round_:
                        times[case, side].append(elapsed)
                        times[case, side + " cpu"].append(cpu)
                        if side == "tracked":
                            for part in parts:
                                times[case, part].append(spent[part])
    shell.run_cell("%track off", store_history=True)
    missed = False
    print(f"100 MiB DataFrame (1,310,720 x 10 float64); medians over {args.cells * args.rounds} "
          f"cells a side, tracked and untracked phases alternated; all stored: {stored}")
    print(f"{'cell':36} {'clock':5} {'tracked':>8} {'untracked':>9} {'fp':>6} {'beyond fp':>9} "
          f"{'hooks-fp':>8} {'target':>6}  met")
    for case in CASES:
        for clock, suffix in (("wall", ""), ("cpu", " cpu")):
            tracked, untracked, hooks, prints = (
                statistics.median(times[case, k + suffix]) * 1000
                for k in ("tracked", "untracked", "hooks", "fingerprint"))
            beyond = tracked - untracked - prints
            verdict, target = "", ""
            if clock == "cpu":
                met = beyond <= TARGET_MS
                missed |= not met
                verdict, target = ("met" if met else "MISSED"), f"{TARGET_MS:.1f}"
            print(f"{case if clock == 'wall' else '':36} {clock:5} {tracked:8.2f} "
                  f"{untracked:9.2f} {prints:6.2f} {beyond:9.2f} {hooks - prints:8.2f} "
                  f"{target:>6}  {verdict}")
    print("ms; fp: fingerprinting inside the cell; beyond fp: tracked - untracked - fp; "
          "hooks-fp: the tracker's hooks minus fp, timed inside the same cell")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
