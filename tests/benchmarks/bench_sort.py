"""Sorting and filtering runs at scale: ``search_runs`` (what GET /api/runs calls) sorted
by ``-metrics.m0`` and filtered by ``params.p0=7``, limit 100, against the single ORDER BY
over every run that the store used before (the old plan, as the peer). Median of
alternated repeats. Target: <= 10 ms p50.

    python tests/benchmarks/bench_sort.py [--runs 100000] [--repeat 15]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from jupyter_mlops.store import Store
from jupyter_mlops.store import schema as s
from jupyter_mlops.store.search import RunSearch, build_query
from tests.benchmarks.seed import seed_runs

TARGET_MS = 10.0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(f"sqlite:///{tmp}/store.db")
        t0 = time.perf_counter()
        seed_runs(store, args.runs)
        print(f"seeded {args.runs} runs in {time.perf_counter() - t0:.1f} s")
        missed = False
        print(f"{'search':28} {'ours ms':>8} {'old ms':>8} {'ratio':>6} {'target':>7} met")
        for label, search in (("sort -metrics.m0", {"sort": "-metrics.m0"}),
                              ("filter params.p0=7", {"conditions": ["params.p0=7"]})):
            ours, old = [], []
            for _ in range(args.repeat):
                t = time.perf_counter()
                store.search_runs(RunSearch(limit=100, **search))
                ours.append((time.perf_counter() - t) * 1000)
                t = time.perf_counter()
                with store.db.read() as c:
                    c.execute(build_query(RunSearch(limit=100, **search), s.runs.c.status,
                                          "sqlite")).all()
                old.append((time.perf_counter() - t) * 1000)
            a, b = statistics.median(ours), statistics.median(old)
            met = a <= TARGET_MS
            missed |= not met
            print(f"{label:28} {a:8.2f} {b:8.2f} {b / a:6.1f} {TARGET_MS:7.1f} "
                  f"{'met' if met else 'MISSED'}")
        store.close()
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
