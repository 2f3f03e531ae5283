"""The whole corpus of real notebooks (tests/corpus/), tracked and untracked, beside the
capture targets of issue 8: >= 95% of fitted estimators captured with params, >= 90% of
computed metric values, >= 95% of figures, zero false-alarm warnings, a median cell-time
ratio <= 1.03. Every notebook must also complete both ways with identical outputs.

Prints one row per notebook and the totals (method: tests/corpus/runner.py's docstring) and
exits 1 when a target is missed. Takes about half an hour on 2 shared cores; the ratio is a
median over cells of one tracked and one untracked run each, so it is noisy on a busy machine.

    python tests/benchmarks/bench_corpus.py [NAME ...]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.corpus.runner import run_corpus, table, totals


def main(names: list[str]) -> int:
    results = run_corpus(names or None,
                         progress=lambda r: print(f"ran {r.name}", file=sys.stderr, flush=True))
    print(table(results))
    missed = totals(results).missed()
    for miss in missed:
        print(f"target missed: {miss}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
