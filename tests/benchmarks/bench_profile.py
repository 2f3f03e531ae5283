"""Dataset profile cost (issue: bounded, <= 20 ms per DataFrame whatever its size).

Prints, alternating A/B in one run (medians of 7): ``describe`` minus the fingerprint (the
profile, which the writer thread computes for new data), beside a floor of one read-only
numpy pass over the same (numeric) data. Exits 1 when a profile exceeds the target.

    python tests/benchmarks/bench_profile.py
"""

from __future__ import annotations

import statistics
import sys
import time

import numpy as np
import pandas as pd

from jupyter_mlops.capture.datasets import describe, fingerprint

TARGET_MS = 20.0


def _ms(work) -> float:
    start = time.perf_counter()
    work()
    return (time.perf_counter() - start) * 1000


def main() -> int:
    rng = np.random.default_rng(0)
    cases = {
        "100 MB: 1,250,000 x 10 float64": pd.DataFrame(rng.standard_normal((1_250_000, 10))),
        "wide: 150 x 804 float64 (plot_precision_recall)": rng.standard_normal((150, 804)),
        "mixed 200,000 rows: 4 float, 2 int, 2 str": pd.DataFrame(
            {**{f"f{i}": rng.standard_normal(200_000) for i in range(4)},
             **{f"i{i}": rng.integers(0, 100, 200_000) for i in range(2)},
             **{f"s{i}": rng.choice(["a", "b", "c"], 200_000).astype(object) for i in range(2)}}),
    }
    missed = False
    print(f"{'dataset':52} {'profile ms':>10} {'floor ms':>9} {'target':>7}")
    for name, data in cases.items():
        array = (data.select_dtypes("number").to_numpy() if isinstance(data, pd.DataFrame)
                 else data)
        ours, floor = [], []
        for _ in range(7):
            fp = _ms(lambda d=data: fingerprint(d))
            ours.append(_ms(lambda d=data: describe(d)) - fp)
            floor.append(_ms(array.sum))
        profile, base = statistics.median(ours), statistics.median(floor)
        missed |= profile > TARGET_MS
        print(f"{name:52} {profile:10.1f} {base:9.2f} {TARGET_MS:7.0f}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
