"""Hostile input against a real Jupyter Server: schemathesis over openapi.yaml (positive and
negative, EXAMPLES per operation), then hand-made worst cases, with the longest time one
callback held the server's event loop (tests/loop_probe.py) for each.

    python tests/benchmarks/bench_fuzz.py [EXAMPLES]      # default 200

The floor for the 40 KB filter is the regex it replaced (lazy key, optional spaces), timed
in this process on growing inputs, alternating with today's parser (medians of 5).
CPU ms is what the loop itself spent in one callback ((gc): of which the garbage collector,
which runs wherever objects are allocated); wall ms also counts the time the OS
gave the CPU to other processes or another thread held the GIL, so it is noisy on a shared
machine.
"""

from __future__ import annotations

import asyncio
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from jupyter_mlops.store import Store
from jupyter_mlops.store.search import InvalidInput, parse_condition
from tests.server.fuzz import fuzz, loop_hold, probed_server, raw_request, seed

OLD_CONDITION = re.compile(r"^(metrics|params|tags)\.(.+?)\s*(>=|<=|!=|=|>|<)\s*(.*)$", re.S)
REPEAT = 5


def _ms(fn) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def _median_ms(fn, repeat=REPEAT) -> float:
    return statistics.median(_ms(fn) for _ in range(repeat))


def filter_floor() -> None:
    print("\nfilter 'metrics.a' + N spaces + 'b' (in process, ms, median of 5 alternating; "
          "the old regex once from 16,000 up)")
    print(f"{'N':>7}  {'old regex':>10}  {'parse_condition':>15}")
    for n in (2_000, 4_000, 8_000, 16_000, 40_000):
        text = "metrics.a" + " " * n + "b"
        old, new = [], []
        for _ in range(REPEAT if n < 16_000 else 1):
            old.append(_ms(lambda t=text: OLD_CONDITION.match(t)))
            new.append(_ms(lambda t=text: _refused(t)))
        new += [_ms(lambda t=text: _refused(t)) for _ in range(REPEAT - len(new))]
        print(f"{n:>7}  {statistics.median(old):>10.1f}  {statistics.median(new):>15.3f}")


def _refused(text: str) -> None:
    try:
        parse_condition(text)
    except InvalidInput:
        return
    raise AssertionError("accepted")


def worst_cases(server, run_ids: list[str]) -> None:
    api, auth = server.api, server.auth
    port = int(server.url.rsplit(":", 1)[1].strip("/"))
    json_headers = {**auth, "Content-Type": "application/json"}
    cases = {
        "floor: GET /health": lambda: requests.get(f"{api}/health", headers=auth),
        "floor: a short filter": lambda: requests.get(
            f"{api}/runs", params={"filter": "metrics.a b", "limit": "1"}, headers=auth),
        "filter of 40 KB (spaces)": lambda: requests.get(
            f"{api}/runs", params={"filter": "metrics.a" + " " * 40_000 + "b"}, headers=auth),
        "page of 500 runs": lambda: requests.get(
            f"{api}/runs", params={"limit": "500"}, headers=auth),
        "compare 50 runs": lambda: requests.get(
            f"{api}/compare", params={"ids": ",".join(run_ids[:50])}, headers=auth),
        "1 MiB body of [],[],...": lambda: requests.patch(
            f"{api}/runs/{run_ids[0]}", data=b'{"tags": [' + b"[]," * 349_000 + b"[]]}",
            headers=json_headers),
        "body 5,000 levels deep": lambda: requests.patch(
            f"{api}/runs/{run_ids[0]}", data=b'{"tags": ' + b"[" * 5000 + b"]" * 5000 + b"}",
            headers=json_headers),
        "note of 100,000 chars": lambda: requests.patch(
            f"{api}/runs/{run_ids[0]}", json={"notes": "n" * 100_000}, headers=auth),
        "120 MB note (declared)": lambda: asyncio.run(raw_request(port, (
            f"PATCH /jupyter-mlops/api/runs/{run_ids[0]} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: {auth['Authorization']}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {120 * 1024 * 1024}\r\n"), b'{"notes": "')),
    }
    print(f"\nworst cases over HTTP ({REPEAT} each): status, median response ms, "
          "longest loop hold")
    print(f"{'case':28} {'status':>6} {'resp ms':>8} {'cpu ms':>7} {'(gc)':>6} {'wall ms':>8}"
          "  callback")
    for name, call in cases.items():
        loop_hold(server)
        statuses = set()

        def once(call=call, statuses=statuses):
            answer = call()
            statuses.add(answer.status_code if hasattr(answer, "status_code")
                         else int(answer.split(b" ", 2)[1]))

        response_ms = _median_ms(once)
        held = loop_hold(server)
        print(f"{name:28} {','.join(map(str, sorted(statuses))):>6} {response_ms:>8.1f} "
              f"{held['longest_cpu_ms']:>7.2f} {held['longest_gc_ms']:>6.2f} "
              f"{held['longest_wall_ms']:>8.1f}  "
              f"{held['longest']}")


def main() -> None:
    examples = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    filter_floor()
    base = Path(tempfile.mkdtemp(prefix="bench-fuzz-"))
    ids = seed(base / "store")
    store = Store.open(str(base / "store"))
    for i in range(500):
        run_id = store.create_run(name=f"bulk{i}", experiment="bulk",
                                  params={f"p{j}": j for j in range(10)})
        store.log_metrics(run_id, {f"m{j}": i / 500 for j in range(5)})
    run_ids = [r["run_id"] for r in store.list_runs(limit=60)]
    store.close()
    with probed_server(base, base / "store") as server:
        worst_cases(server, run_ids)
        started = time.perf_counter()
        outcomes = fuzz(server, ids, examples)
        took = time.perf_counter() - started
    print(f"\nschemathesis, {examples} examples per operation and mode ({took:.0f} s)")
    print(f"{'operation':36} {'mode':8} {'requests':>8} {'5xx':>4} {'cpu ms':>7} {'(gc)':>6} "
          f"{'wall ms':>8}  statuses  [callback]")
    for o in outcomes:
        statuses = " ".join(f"{k}:{v}" for k, v in sorted(o.statuses.items()))
        print(f"{o.operation:36} {o.mode:8} {o.requests:>8} {len(o.server_errors):>4} "
              f"{o.loop['longest_cpu_ms']:>7.2f} {o.loop['longest_gc_ms']:>6.2f} "
              f"{o.loop['longest_wall_ms']:>8.1f}  {statuses}"
              f"  [{o.loop['longest']}]")
    total = sum(o.requests for o in outcomes)
    errors = [e for o in outcomes for e in o.server_errors]
    print(f"total: {total} requests, {len(errors)} x 5xx; longest loop hold "
          f"{max(o.loop['longest_cpu_ms'] for o in outcomes):.2f} ms CPU, "
          f"{max(o.loop['longest_wall_ms'] for o in outcomes):.1f} ms wall")
    for error in errors[:10]:
        print("  5xx:", error)


if __name__ == "__main__":
    main()
