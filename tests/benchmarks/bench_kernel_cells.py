"""Per-cell overhead of %track in real kernels, measured from the client (issue 10).

Two ipykernels run side by side, one tracked (``%load_ext jupyter_mlops`` + ``%track``,
a fresh SQLite store), one not. The client (jupyter_client) sends ``x = 1`` cells to one
and then the other, alternating cell by cell, and times each from sending the
execute_request to receiving its execute_reply. Then, with 1,000 and 10,000 names in both
namespaces, again. Last, a burst: 2,000 cells sent back to back to each kernel, timed until
the last reply and, on both sides, one more cell that waits for the tracker's writer to
flush (a no-op untracked), so the writer's work is part of the cost.

Targets: median overhead <= 50 µs, flat in namespace size; burst mean <= 2x untracked.
Prints a table and exits 1 when a target is missed.

    python tests/benchmarks/bench_kernel_cells.py [--cells N]
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time

from jupyter_client.manager import start_new_kernel

FLUSH = ("from jupyter_mlops.kernel import tracker_of as _t\n"
         "_t(get_ipython()).writer.flush(120) if _t(get_ipython()) else None")


def timed(client, code: str) -> float:
    start = time.perf_counter()
    reply = client.execute(code, reply=True, timeout=120)
    elapsed = time.perf_counter() - start
    assert reply["content"]["status"] == "ok", reply["content"]
    return elapsed


def burst(client, cells: int) -> float:
    start = time.perf_counter()
    ids = [client.execute("x = 1") for _ in range(cells)]
    waiting = set(ids)
    while waiting:
        waiting.discard(client.get_shell_msg(timeout=120)["parent_header"]["msg_id"])
    client.execute(FLUSH, reply=True, timeout=120)
    return (time.perf_counter() - start) / cells


def main(cells: int) -> int:
    folder = tempfile.mkdtemp(prefix="bench-kernel-")
    env = {**os.environ, "JUPYTER_MLOPS_STORE": os.path.join(folder, "store"),
           "JUPYTER_DATA_DIR": os.path.join(folder, "data")}
    kernels = {}
    for name in ("untracked", "tracked"):
        km, kc = start_new_kernel(kernel_name="python3", env=env)
        kernels[name] = (km, kc)
    _, tracked = kernels["tracked"]
    _, untracked = kernels["untracked"]
    timed(tracked, "%load_ext jupyter_mlops\n%track")
    timed(untracked, "%load_ext jupyter_mlops")
    rows, missed = [], []
    try:
        for names in (0, 1_000, 10_000):
            if names:
                make = f"globals().update({{f'v{{i}}': i for i in range({names})}})"
                timed(tracked, make)
                timed(untracked, make)
                timed(tracked, FLUSH)
            off, on = [], []
            for i in range(cells + 50):
                a, b = timed(untracked, "x = 1"), timed(tracked, "x = 1")
                if i >= 50:  # warm-up
                    off.append(a)
                    on.append(b)
            median_off, median_on = statistics.median(off), statistics.median(on)
            overhead = (median_on - median_off) * 1e6
            met = overhead <= 50
            rows.append((f"x = 1, {names:,} names", f"{median_on * 1e6:.0f} µs",
                         f"{median_off * 1e6:.0f} µs", f"+{overhead:.0f} µs", "<= +50 µs",
                         "met" if met else "missed"))
            if not met:
                missed.append(rows[-1][0])
        timed(tracked, FLUSH)
        for_burst = {"untracked": [], "tracked": []}
        for _ in range(3):
            for name, client in (("untracked", untracked), ("tracked", tracked)):
                for_burst[name].append(burst(client, 2_000))
        off, on = statistics.median(for_burst["untracked"]), statistics.median(for_burst["tracked"])
        met = on <= 2 * off
        rows.append(("burst of 2,000, incl. flush", f"{on * 1e6:.0f} µs/cell",
                     f"{off * 1e6:.0f} µs/cell", f"{on / off:.2f}x", "<= 2x",
                     "met" if met else "missed"))
        if not met:
            missed.append(rows[-1][0])
    finally:
        for km, kc in kernels.values():
            kc.stop_channels()
            km.shutdown_kernel(now=True)
    header = ("case", "tracked", "untracked", "overhead", "target", "")
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    for row in (header, *rows):
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)))
    return 1 if missed else 0


if __name__ == "__main__":
    count = int(sys.argv[sys.argv.index("--cells") + 1]) if "--cells" in sys.argv else 1000
    sys.exit(main(count))
