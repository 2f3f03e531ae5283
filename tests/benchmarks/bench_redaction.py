"""What the redaction boundary costs per cell: ``redact_value`` on the ``cell_start`` record
the journal writes for every cell, beside the floor the journal pays anyway (``json.dumps``
of the same record), for a trivial cell, a typical training cell and a cell full of secret
words (names with key/token/password that are not secrets). Alternating, medians of 9.

Run: ``python tests/benchmarks/bench_redaction.py``. The per-cell tracking overhead with
redaction in it is ``bench_tracking.py``.
"""

from __future__ import annotations

import json
import statistics
import time

from jupyter_mlops.redact import redact_value

CELLS = {
    "x = 1": "x = 1",
    "typical training cell": (
        "df = pd.read_csv('data/train.csv')\n"
        "X, y = df.drop(columns=['label']), df['label']\n"
        "model = RandomForestClassifier(n_estimators=200, max_depth=8).fit(X, y)\n"
        "accuracy = model.score(X_test, y_test)\nprint(f'accuracy={accuracy:.3f}')\n"),
    "secret words, no secret": (
        "api_key = os.environ['OPENAI_API_KEY']\n"
        "tokenizer = AutoTokenizer.from_pretrained('bert-base-uncased')\n"
        "max_tokens = 512\nclient = OpenAI(api_key=api_key)\n"
        "password = getpass.getpass('Password: ')\n"),
}
REPEAT = 200


def record(code: str, i: int) -> dict:
    return {"op": "cell_start", "row": {
        "execution_id": f"06h3aq350s4gfb4w{i:04d}", "session_id": "06h3aq350s4gfb4wkr36",
        "seq": i, "execution_count": i, "cell_id": "a1b2c3d4", "code": code,
        "code_hash": "0123456789abcdef", "names_defined": ["X", "y"], "names_used": ["df"],
        "started_ms": 1_700_000_000_000 + i}}


def per_call(fn, code: str) -> float:
    start = time.perf_counter()
    for i in range(REPEAT):
        fn(record(code, i))
    return (time.perf_counter() - start) / REPEAT * 1e6


def main() -> None:
    floor = lambda r: json.dumps(r, separators=(",", ":"))  # noqa: E731
    print(f"µs per cell record, median of 9 alternating rounds of {REPEAT}")
    for label, code in CELLS.items():
        ours, base = [], []
        for _ in range(9):
            ours.append(per_call(redact_value, code))
            base.append(per_call(floor, code))
        print(f"{label:<26} redact_value {statistics.median(ours):7.1f} µs   "
              f"json.dumps (floor) {statistics.median(base):6.1f} µs")


if __name__ == "__main__":
    main()
