"""Dataset profile cost (issue 10: <= 20 ms per DataFrame whatever its size).

The profile is ``describe`` minus its fingerprint (the writer thread computes it for new data):
median of ``describe`` minus median of ``fingerprint``, beside a floor of one read-only numpy
pass over the frame's numeric values, alternating describe / fingerprint / floor in one run.
Each is timed by the wall clock and by the thread's CPU time (``time.thread_time``, which
leaves out waiting for a core: this 2-core machine is shared by a dozen busy processes); the
target is judged on CPU time, the wall figure printed beside it.
Past 30,000 rows the profile reads a fixed sample, but its counts of missing values and
infinities stay exact, which costs one read-only pass: the 1 GiB row shows how that pass,
not the sample, grows with the size (informational, no target). Exits 1 only when a profile
misses the target.

    python tests/benchmarks/bench_profile.py [--no-gib]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run from a source checkout
from jupyter_mlops.capture.datasets import describe, fingerprint

TARGET_MS = 20.0
RUNS = 11


def _ms(work) -> tuple[float, float]:
    """(wall, CPU) milliseconds of one call."""
    start, cpu = time.perf_counter(), time.thread_time()
    work()
    return (time.perf_counter() - start) * 1000, (time.thread_time() - cpu) * 1000


def cases(gib: bool) -> dict[str, tuple[object, float | None]]:
    rng = np.random.default_rng(0)
    rows = 200_000
    numbers = {**{f"f{i}": rng.standard_normal(rows) for i in range(4)},
               **{f"i{i}": rng.integers(0, 100, rows) for i in range(2)}}
    words = [rng.choice(["a", "b", "c"], rows) for _ in range(2)]
    found = {
        "100 MiB: 1,310,720 x 10 float64": (pd.DataFrame(rng.standard_normal((1_310_720, 10))),
                                            TARGET_MS),
        "wide: 150 x 804 float64 (plot_precision_recall)": (rng.standard_normal((150, 804)),
                                                            TARGET_MS),
        "mixed 200,000 rows: 4 float, 2 int, 2 str": (pd.DataFrame(
            {**numbers, **{f"s{i}": w for i, w in enumerate(words)}}), TARGET_MS),
        "  same, the 2 str as object dtype": (pd.DataFrame(
            {**numbers, **{f"s{i}": pd.Series(w, dtype=object) for i, w in enumerate(words)}}),
            TARGET_MS),
    }
    if gib:
        found["1 GiB: 13,421,773 x 10 float64 (exact counts)"] = (
            pd.DataFrame(rng.standard_normal((13_421_773, 10))), None)
    return found


def main() -> int:
    missed = False
    print(f"{'dataset':50} {'wall ms':>8} {'cpu ms':>7} {'floor ms':>9} {'ratio':>6} "
          f"{'target':>7}  met")
    for name, (data, target) in cases("--no-gib" not in sys.argv).items():
        array = (data.select_dtypes("number").to_numpy() if isinstance(data, pd.DataFrame)
                 else data)
        describe(data)  # warm: imports and first-touch page faults are not the profile
        whole, prints, floor = [], [], []
        for _ in range(RUNS):
            whole.append(_ms(lambda d=data: describe(d)))
            prints.append(_ms(lambda d=data: fingerprint(d)))
            floor.append(_ms(array.sum))
        wall, cpu = (statistics.median(w[k] for w in whole)
                     - statistics.median(p[k] for p in prints) for k in (0, 1))
        base = statistics.median(f[1] for f in floor)
        if target is None:
            verdict, shown = "info", "—"
        else:
            met = cpu <= target
            missed |= not met
            verdict, shown = ("met" if met else "MISSED"), f"{target:.0f}"
        print(f"{name:50} {wall:8.1f} {cpu:7.1f} {base:9.2f} {cpu / base:6.1f} {shown:>7}  "
              f"{verdict}")
    print("profile = describe - fingerprint (medians); floor: numpy sum of the numeric values, "
          "CPU ms; ratio: profile CPU / floor")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
