"""Dataset fingerprint throughput, side by side with pandas.util.hash_pandas_object.

Run: python tests/benchmarks/bench_fingerprint.py [--quick]

GB/s = df.memory_usage(deep=True).sum() / median time of several runs, both measured on the
same frames in the same process. Targets: >= 5 GB/s on 10M x 10 float64, >= 1 GB/s on the
2M x 7 string-heavy frame (pandas' default ``str`` dtype).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run from a source checkout
from jupyter_mlops.capture.datasets import fingerprint


def median_seconds(func: Callable[[], object], runs: int) -> float:
    func()  # warm-up: first-touch page faults and lazy imports are not throughput
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def numeric_frame(rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({f"f{i}": rng.random(rows) for i in range(10)})


def string_frame(rows: int, dtype: str | None) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    countries = np.array(["DE", "FR", "US", "GB", "JP", "BR", "IN", "NL"], dtype=object)
    columns = {
        "user": [f"user_{i}" for i in rng.integers(100_000, 999_999, rows)],
        "session": [f"s-{i:x}" for i in rng.integers(1 << 40, 1 << 44, rows)],
        "email": [f"name{i}@example.com" for i in rng.integers(0, 50_000, rows)],
        "country": countries[rng.integers(0, len(countries), rows)].tolist(),
        "event": [f"click_{i}" for i in rng.integers(0, 40, rows)],
    }
    frame = pd.DataFrame(columns, dtype=dtype)
    frame["amount"] = rng.random(rows) * 100
    frame["items"] = rng.integers(0, 20, rows)
    return frame


def report(label: str, frame: pd.DataFrame, runs: int) -> None:
    size = int(frame.memory_usage(deep=True).sum())
    ours = median_seconds(lambda: fingerprint(frame), runs)
    peer = median_seconds(lambda: pd.util.hash_pandas_object(frame, index=True), runs)
    print(f"{label:<44} {size / 1e6:9.1f} MB   ours {size / ours / 1e9:6.2f} GB/s "
          f"({ours * 1e3:8.1f} ms)   hash_pandas_object {size / peer / 1e9:6.2f} GB/s "
          f"({peer * 1e3:8.1f} ms)   x{peer / ours:5.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1/10 of the rows")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    print(f"pandas {pd.__version__}, numpy {np.__version__}; median of {args.runs} runs")
    report("10M x 10 float64" if scale == 1 else "1M x 10 float64",
           numeric_frame(10_000_000 // scale), args.runs)
    rows = 2_000_000 // scale
    report(f"{rows:,} x 7 strings (default str dtype)", string_frame(rows, None), args.runs)
    report(f"{rows:,} x 7 strings (object dtype)", string_frame(rows, "object"), args.runs)


if __name__ == "__main__":
    main()
