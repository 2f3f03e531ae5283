"""Environment snapshot cost, side by side with ``pip freeze`` (what most trackers shell out to).

Run: python tests/benchmarks/bench_environment.py

Measured in a throw-away git repository (some committed files and an uncommitted change).
"cold" is the first ``snapshot()`` in a fresh interpreter (the module import is printed
separately); "repeated" is a later call in the same process, alternated with ``pip freeze``
and a floor of one stat per sys.path entry. Targets: cold <= 100 ms, repeated <= 5 ms.
Medians; exits 1 only when a target is missed.
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COLD_TARGET_MS = 100.0
REPEATED_TARGET_MS = 5.0
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # run from a source checkout
from jupyter_mlops.capture.environment import snapshot  # noqa: E402

COLD = """
import json, sys, time
start = time.perf_counter()
from jupyter_mlops.capture.environment import snapshot
imported = time.perf_counter()
snap = snapshot(cwd=sys.argv[1])
done = time.perf_counter()
print(json.dumps({"import": imported - start, "cold": done - imported,
                  "dirty": snap.data["git"]["dirty"], "packages": len(snap.data["packages"])}))
"""


def make_repo(path: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(path), "-c", "user.name=bench", "-c",
                        "user.email=bench@example.com", "-c", "commit.gpgsign=false", *args],
                       check=True, capture_output=True)

    git("init", "-q")
    for i in range(200):
        package = path / f"pkg{i % 10}"
        package.mkdir(exist_ok=True)
        (package / f"module{i}.py").write_text(f"VALUE = {i}\n" * 50)
    git("add", ".")
    git("commit", "-q", "-m", "initial")
    (path / "pkg0" / "module0.py").write_text("VALUE = 'changed'\npassword = 'hunter2'\n")


def main() -> int:
    runs = 7
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp)
        make_repo(repo)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        colds = [json.loads(subprocess.run([sys.executable, "-c", COLD, str(repo)], env=env,
                                           capture_output=True, text=True, check=True).stdout)
                 for _ in range(runs)]
        snapshot(cwd=str(repo))
        repeated, freeze, floor = [], [], []
        for _ in range(3):  # alternated: 50 repeated snapshots, the stat floor, one pip freeze
            for _ in range(50):
                repeated.append(_seconds(lambda: snapshot(cwd=str(repo))))
                floor.append(_seconds(_stat_path))
            freeze.append(_seconds(lambda: subprocess.run(
                [sys.executable, "-m", "pip", "freeze"], capture_output=True, check=True)))
        snap = snapshot(cwd=str(repo))

    assert all(c["dirty"] for c in colds) and snap.git_diff and "hunter2" not in snap.git_diff
    rows = [("snapshot() cold (fresh interpreter)", [c["cold"] for c in colds], COLD_TARGET_MS),
            ("snapshot() repeated (same process)", repeated, REPEATED_TARGET_MS)]
    peer, stat_floor = statistics.median(freeze) * 1e3, statistics.median(floor) * 1e3
    print(f"{colds[0]['packages']} packages; git repo with 200 files and an uncommitted change; "
          f"module import {statistics.median([c['import'] for c in colds]) * 1e3:.1f} ms")
    print(f"{'':38} {'ours ms':>8} {'pip freeze':>10} {'ratio':>6} {'floor':>7} {'target':>7}  met")
    missed = False
    for label, values, target in rows:
        ours = statistics.median(values) * 1e3
        missed |= ours > target
        print(f"{label:38} {ours:8.3f} {peer:10.1f} {peer / ours:6.0f} {stat_floor:7.3f} "
              f"{target:7.1f}  {'MISSED' if ours > target else 'met'}")
    print("floor: one os.stat per sys.path entry (what a repeated package check must do)")
    return 1 if missed else 0


def _stat_path() -> None:
    for entry in sys.path:
        with contextlib.suppress(OSError):
            os.stat(entry or ".")


def _seconds(work) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


if __name__ == "__main__":
    sys.exit(main())
