"""Environment snapshot cost, side by side with ``pip freeze`` (what most trackers shell out to).

Run: python tests/benchmarks/bench_environment.py

Measured in a throw-away git repository (some committed files and an uncommitted change).
"cold" is the first ``snapshot()`` in a fresh interpreter (the module import is printed
separately); "repeated" is a later call in the same process. Targets: cold <= 100 ms,
repeated <= 5 ms. Medians.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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


def main() -> None:
    runs = 7
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp)
        make_repo(repo)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        colds = [json.loads(subprocess.run([sys.executable, "-c", COLD, str(repo)], env=env,
                                           capture_output=True, text=True, check=True).stdout)
                 for _ in range(runs)]
        snapshot(cwd=str(repo))
        repeated = []
        for _ in range(200):
            start = time.perf_counter()
            snap = snapshot(cwd=str(repo))
            repeated.append(time.perf_counter() - start)
        freeze = []
        for _ in range(3):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "pip", "freeze"], capture_output=True,
                           check=True)
            freeze.append(time.perf_counter() - start)

    assert all(c["dirty"] for c in colds) and snap.git_diff and "hunter2" not in snap.git_diff

    def ms(values: list[float]) -> str:
        return f"{statistics.median(values) * 1e3:8.2f} ms"

    print(f"{colds[0]['packages']} packages; git repo with 200 files and an uncommitted change")
    print(f"snapshot() cold (fresh interpreter)   {ms([c['cold'] for c in colds])}"
          f"   (+ module import {ms([c['import'] for c in colds]).strip()})")
    print(f"snapshot() repeated (same process)    {ms(repeated)}")
    print(f"pip freeze (subprocess)               {ms(freeze)}")


if __name__ == "__main__":
    main()
