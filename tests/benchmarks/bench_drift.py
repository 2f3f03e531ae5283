"""Drift report on 1,000,000 served rows x 20 features, next to Evidently's data drift preset.

Run: python tests/benchmarks/bench_drift.py [--rows N] [--rounds R]

Target: <= 2 s for ours (jupyter_mlops.monitor.compare against the training profile that
capture.datasets.describe records; 16 numeric and 4 categorical features). Evidently
(``pip install evidently``, benchmark-only) needs the training rows themselves as its
reference, so it gets the 100,000 training rows the profile was made from. The two sides
alternate in one process; medians are printed. Both should find the one shifted feature.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run from a source checkout
from jupyter_mlops.capture.datasets import describe
from jupyter_mlops.monitor import compare


def frame(rows: int, seed: int, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    columns = {f"num{i}": rng.normal(i, 1 + i / 10, rows) for i in range(16)}
    columns["num3"] = columns["num3"] + shift
    cities = np.array(["berlin", "paris", "rome", "madrid", "oslo", "lisbon"], dtype=object)
    for i in range(4):
        columns[f"cat{i}"] = cities[rng.integers(0, len(cities) - i, rows)]
    return pd.DataFrame(columns)


def evidently_report():
    """Evidently's run (reference, current) -> drifted column count, or why it cannot run
    (0.7.23, the newest, does not import with pandas 3: infer_dtype_from_object is gone)."""
    try:
        from evidently import Report
        from evidently.presets import DataDriftPreset
    except ImportError as e:
        return f"cannot be imported here ({e})"

    def run(reference: pd.DataFrame, current: pd.DataFrame) -> int:
        result = Report([DataDriftPreset()]).run(current_data=current, reference_data=reference)
        found = result.dict()["metrics"][0]["value"]
        return int(found["count"])

    return run


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    training = frame(100_000, seed=1)
    profile = describe(training)["profile"]
    current = frame(args.rows, seed=2, shift=0.5)
    compare(profile, current.head(1000))  # warm-up: lazy imports are not the report
    peer = evidently_report()
    if isinstance(peer, str):
        peer, why = None, peer
    ours_times, peer_times = [], []
    for _ in range(args.rounds):
        start = time.perf_counter()
        report = compare(profile, current)
        ours_times.append(time.perf_counter() - start)
        if peer is not None:
            start = time.perf_counter()
            peer_drifted = peer(training, current)
            peer_times.append(time.perf_counter() - start)
    ours = statistics.median(ours_times)
    print(f"drift report, {args.rows:,} rows x {current.shape[1]} features "
          f"({args.rounds} alternating rounds, medians); ours found {report['drifted']}"
          + (f", Evidently found {peer_drifted}" if peer is not None else f"; Evidently: {why}"))
    print("| case | ours | peer (Evidently DataDriftPreset) | ratio | target | met |")
    print("|---|---|---|---|---|---|")
    peer_text, ratio = "-", "-"
    if peer is not None:
        peer_time = statistics.median(peer_times)
        peer_text, ratio = f"{peer_time:.3f} s", f"{ours / peer_time:.2f}x"
    met = ours <= 2.0 and report["drifted"] == ["num3"]
    print(f"| {args.rows:,} x {current.shape[1]} report | {ours:.3f} s | {peer_text} | {ratio} "
          f"| <= 2 s, finds num3 only | {'met' if met else 'MISSED'} |")
    sys.exit(0 if met else 1)

if __name__ == "__main__":
    main()
