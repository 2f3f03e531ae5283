"""Sorting and filtering runs at scale, with the exact total: ``search_runs`` (what GET
/jupyter-mlops/api/runs calls) in process and the same query over REST from a real Jupyter
Server, beside the plan the store used before (one ORDER BY over every run, an EXISTS per
filter, a count over ``runs``: tests/store/old_plan.py), alternated A B A B, medians.

Queries, limit 100: sorted by ``-metrics.m0``; filtered by ``params.p0=7`` (1% of runs,
newest first); both. Stores of 100,000 and 1,000,000 runs (5 params, 5 metrics each) are
seeded by ``seed.py``'s bulk path; on PostgreSQL each size gets a schema of its own in the
database ``--postgres`` names. ``--keep DIR`` keeps the SQLite stores (and the PostgreSQL
schemas) for the next run. Target: <= 10 ms p50, in process and over REST.

    python tests/benchmarks/bench_sort.py [--runs 100000 1000000] [--repeat 9]
        [--postgres URL] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import create_engine, select, text

from jupyter_mlops.store import Store
from jupyter_mlops.store import schema as s
from jupyter_mlops.store.search import RunSearch
from tests.benchmarks.bench_api import Server
from tests.benchmarks.seed import seed_runs
from tests.store.old_plan import old_query

TARGET_MS = 10.0
QUERIES = {
    "sort -metrics.m0": {"sort": "-metrics.m0"},
    "filter params.p0=7": {"conditions": ["params.p0=7"]},
    "sort + filter": {"sort": "-metrics.m0", "conditions": ["params.p0=7"]},
}


def _rest_path(query: dict) -> str:
    args = [("limit", "100"), ("sort", query.get("sort", "-started"))]
    args += [("filter", f) for f in query.get("conditions", [])]
    return "runs?" + urllib.parse.urlencode(args)


def _postgres_url(base: str, schema: str) -> str:
    engine = create_engine(base)
    with engine.begin() as c:
        c.execute(text(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
    engine.dispose()
    joiner = "&" if "?" in base else "?"
    return f"{base}{joiner}options=-csearch_path%3D{schema}"


def _store(backend: str, count: int, folder: str, postgres: str | None) -> tuple[Store, str]:
    url = (_postgres_url(postgres, f"bench_sort_{count}") if backend == "postgresql"
           else f"sqlite:///{folder}/sort-{count}.db")
    store = Store.open(url, os.path.join(folder, "artifacts"))
    with store.db.read() as c:
        have = c.execute(select(s.runs.c.run_id).limit(1)).first() is not None
    if not have:
        t = time.perf_counter()
        seed_runs(store, count)
        print(f"  seeded {count:,} runs on {backend} in {time.perf_counter() - t:.0f} s",
              flush=True)
    return store, url


def _timed(work) -> float:
    t = time.perf_counter()
    work()
    return (time.perf_counter() - t) * 1000


def measure(store: Store, server: Server | None, repeat: int) -> dict[str, tuple]:
    """name -> (ours in process, ours over REST, old plan, total) medians in ms."""
    dialect = store.db.engine.dialect.name
    results = {}
    for name, query in QUERIES.items():
        page, count = old_query(dialect, query.get("sort", "-started"),
                                query.get("conditions", []), limit=100)

        def old(page=page, count=count) -> None:
            with store.db.read() as c:
                c.execute(page).all()
                c.execute(count).scalar()

        answer = store.search_runs(RunSearch(limit=100, **query))
        with store.db.read() as c:
            expected = (list(c.execute(page).scalars()), c.execute(count).scalar())
        if ([r["run_id"] for r in answer["runs"]], answer["total"]) != expected:
            raise SystemExit(f"{name}: our page or total differs from the old plan's")
        cases = {"ours": lambda q=query: store.search_runs(RunSearch(limit=100, **q)),
                 "old": old}
        if server is not None:
            path = _rest_path(query)
            server.get(path)  # warm
            cases["rest"] = lambda p=path: server.get(p)
        times: dict[str, list[float]] = {k: [] for k in cases}
        names = list(cases)
        for i in range(repeat):
            for key in names[i % len(names):] + names[:i % len(names)]:
                times[key].append(_timed(cases[key]))
        med = {k: statistics.median(v) for k, v in times.items()}
        results[name] = (med["ours"], med.get("rest"), med["old"], answer["total"])
    return results


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--repeat", type=int, default=9)
    ap.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    ap.add_argument("--postgres", default=os.environ.get("JUPYTER_MLOPS_TEST_POSTGRES"))
    ap.add_argument("--keep", help="folder for the seeded stores, reused by the next run")
    ap.add_argument("--no-rest", action="store_true")
    args = ap.parse_args()
    folder = args.keep or tempfile.mkdtemp(prefix="bench_sort-")
    os.makedirs(folder, exist_ok=True)
    os.environ["JUPYTER_MLOPS_ARTIFACTS"] = os.path.join(folder, "artifacts")  # the server's
    rows = []
    for backend in args.backends:
        if backend == "postgresql" and not args.postgres:
            print("  postgresql: skipped (no --postgres URL)")
            continue
        for count in args.runs:
            store, url = _store(backend, count, folder, args.postgres)
            server = None if args.no_rest else Server(url, folder)
            try:
                for name, figures in measure(store, server, args.repeat).items():
                    rows.append((backend, count, name, *figures))
            finally:
                if server is not None:
                    server.stop()
                store.close()
    print(f"search_runs, limit 100, with the exact total; median of {args.repeat} alternated")
    print("| backend | runs | query | total | ours in process ms | ours REST ms | old plan ms "
          "| old/ours | target | met |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    missed = False
    for backend, count, name, ours, rest, old, total in rows:
        met = ours <= TARGET_MS and (rest is None or rest <= TARGET_MS)
        missed |= not met
        shown = "—" if rest is None else f"{rest:.2f}"
        print(f"| {backend} | {count:,} | {name} | {total:,} | {ours:.2f} | {shown} "
              f"| {old:.1f} | {old / ours:.0f}x | <= {TARGET_MS:.0f} ms "
              f"| {'met' if met else 'MISSED'} |")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
