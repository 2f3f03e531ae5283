"""Run the corpus of real notebooks tracked and untracked, and measure what tracking captured.

The corpus (``notebooks/``) is scikit-learn's own gallery examples, vendored unchanged as
their ``# %%`` sources (see ``SOURCES`` and ``LICENSE``) and converted to notebooks with
jupytext when run; a cell of nothing but comments or a docstring (sphinx-gallery's text
blocks) becomes a markdown cell, as it reads in the rendered gallery.

Each notebook runs twice in a fresh ipykernel started by nbclient (the order alternates from
one notebook to the next, so neither run always gets a warm disk cache):

- **tracked**: ``%load_ext jupyter_mlops`` + ``%track`` injected as the first cell, on a fresh
  store (``JUPYTER_MLOPS_STORE`` in the kernel's environment);
- **untracked**: the census of ``probe.py`` injected instead, the independent ground truth.

Both first run one identical warm-up cell that imports scikit-learn's estimators and pyplot
(the census needs them to install its wrappers; the tracked run imports the same, so the
notebook's first cell costs the same both ways). Injected cells are left out of everything
below.

Per notebook, and in total:

- **completed**: every cell ran without error, both ways.
- **identical**: the text outputs are the same both ways (streams, ``text/plain``, errors),
  after masking memory addresses, timings (a number with a time unit, ``*_time`` columns of
  printed tables) and the kernel's temporary cell file names; image bytes are not compared.
- **estimators**: fitted (census) vs captured with params. A fitted estimator is captured
  when a run of the notebook records a model of its class (the search's or its best
  estimator's for a search) whose params hold every simple (str/number/bool/None) value of
  its ``get_params(deep=True)`` (a search: of its ``best_params_``); each recorded model
  stands for at most one fitted estimator. The store records a run's models as tags
  ``model.type`` / ``LABEL.model.type`` with their params unprefixed / prefixed ``LABEL.``.
- **metrics**: computed (census) vs captured: a computed value is captured when one of the
  notebook's runs recorded a metric (any step) equal to it (relative 1e-6); each recorded
  value stands for at most one computed value; a classification report counts once, found
  by any of its numbers.
- **figures**: shown (``image/png`` outputs of the untracked run) vs captured (``image/png``
  artifacts of its runs), at most the number shown.
- **warnings**: lineage warnings on its runs. The corpus runs top to bottom once, on a fresh
  kernel, with nothing defined before ``%track``: no state is stale or out of order, so every
  warning is counted as a false alarm.
- **cell-time ratio**: median over cells of tracked / untracked time, each taken from the
  timestamps nbclient records (``iopub.execute_input`` to ``shell.execute_reply``, so the
  tracker's hooks are inside), less the census's own hook time in the untracked run.

``python -m tests.corpus.runner [NAME ...]`` runs (part of) the corpus and prints the table.
"""

from __future__ import annotations

import ast
import contextlib
import json
import math
import os
import re
import statistics
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).resolve().parent
NOTEBOOKS = CORPUS / "notebooks"
PROBE = CORPUS / "probe.py"
CELL_TIMEOUT_S = 300

WARM_UP = ("import matplotlib.pyplot\n"
           "from sklearn.utils.discovery import all_estimators as _all_estimators\n"
           "_all_estimators()")
TRACK = "%load_ext jupyter_mlops\n%track"
INSTALL_PROBE = (
    "_corpus_spec = __import__('importlib.util').util.spec_from_file_location("
    "'corpus_probe', {probe!r})\n"
    "_corpus_probe = __import__('importlib.util').util.module_from_spec(_corpus_spec)\n"
    "_corpus_spec.loader.exec_module(_corpus_probe)\n"
    "_corpus_census = _corpus_probe.install(get_ipython())")
DUMP_PROBE = "_corpus_census.dump({path!r})"
INJECTED_BEFORE = 2  # warm-up + track/probe

TARGETS = {"estimators": 0.95, "metrics": 0.90, "figures": 0.95, "false_alarms": 0,
           "cell_time_ratio": 1.03}


def corpus_names() -> list[str]:
    return sorted(p.stem for p in NOTEBOOKS.glob("*.py"))


def load_notebook(name: str) -> Any:
    """The example as a notebook: jupytext's percent-format cells, text blocks as markdown."""
    import jupytext
    from nbformat.v4 import new_markdown_cell

    nb = jupytext.read(NOTEBOOKS / f"{name}.py", fmt="py:percent")
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and _is_text_block(cell.source):
            nb.cells[i] = new_markdown_cell(cell.source)
    return nb


def _is_text_block(source: str) -> bool:
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return False
    return not body or (len(body) == 1 and isinstance(body[0], ast.Expr)
                        and isinstance(body[0].value, ast.Constant)
                        and isinstance(body[0].value.value, str))


# --- running

@dataclass
class Execution:
    cells: list[Any]          # the notebook's own code cells, executed
    error: str | None         # why it did not complete
    census: list[dict] = field(default_factory=list)


def execute(name: str, *, tracked: bool, folder: Path) -> Execution:
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError
    from nbformat.v4 import new_code_cell

    nb = load_notebook(name)
    own = [c for c in nb.cells if c.cell_type == "code"]
    census_path = folder / f"{name}.census.json"
    first = TRACK if tracked else INSTALL_PROBE.format(probe=str(PROBE))
    nb.cells[:0] = [new_code_cell(WARM_UP), new_code_cell(first)]
    if not tracked:
        nb.cells.append(new_code_cell(DUMP_PROBE.format(path=str(census_path))))
    run_dir = folder / ("tracked" if tracked else "untracked")
    run_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "JUPYTER_MLOPS_STORE": str(folder / "store"),
           "JUPYTER_DATA_DIR": str(folder / "data"), "JPY_SESSION_NAME": str(run_dir / name),
           "MPLBACKEND": "module://matplotlib_inline.backend_inline", "PYTHONHASHSEED": "0"}
    env.pop("JUPYTER_MLOPS_ARTIFACTS", None)
    client = NotebookClient(nb, kernel_name="python3", timeout=CELL_TIMEOUT_S,
                            record_timing=True, resources={"metadata": {"path": str(run_dir)}})
    error = None
    try:
        client.execute(env=env)
    except (CellExecutionError, CellTimeoutError) as e:
        error = str(e).strip().splitlines()[-1][:200]
    census = json.loads(census_path.read_text()) if census_path.exists() else []
    return Execution(own, error, census)


# --- comparing

_MASKS = [
    (re.compile(r"0x[0-9a-fA-F]{6,}"), "0x…"),
    (re.compile(r"/tmp/ipykernel_\d+/\d+\.py"), "<cell>"),
    (re.compile(r"\d+(?:\.\d+)?(?:e[-+]?\d+)?\s*(?:s|sec|secs|seconds|ms|min|minutes)\b"),
     "<time>"),
]


def _mask(text: str) -> str:
    for pattern, replacement in _MASKS:
        text = pattern.sub(replacement, text)
    return _mask_time_columns(text)


def _mask_time_columns(text: str) -> str:
    """A printed table with ``*_time`` columns (``cv_results_``): mask those columns."""
    lines = text.splitlines()
    if not lines or "_time" not in lines[0]:
        return text
    return "\n".join(re.sub(r"\d+\.\d+", "#", line) for line in lines)


def text_outputs(cell: Any) -> list[str]:
    """The cell's text outputs; consecutive stream chunks joined, as a frontend shows them
    (how a kernel splits one print into messages depends on timing)."""
    texts: list[str] = []
    previous = None
    for out in cell.get("outputs", []):
        kind = out["output_type"]
        if kind == "stream" and previous == out["name"]:
            texts[-1] = texts[-1] + out["text"]
            continue
        previous = out["name"] if kind == "stream" else None
        if kind == "stream":
            texts.append(f"{out['name']}: {out['text']}")
        elif kind in ("execute_result", "display_data"):
            texts.append(f"{kind}: {out.get('data', {}).get('text/plain', '')}")
        elif kind == "error":
            texts.append(f"error: {out['ename']}: {out['evalue']}")
    return [_mask(text) for text in texts]


def figures_shown(cell: Any) -> int:
    return sum(1 for out in cell.get("outputs", []) if "image/png" in out.get("data", {}))


def cell_seconds(cell: Any) -> float | None:
    timing = cell.get("metadata", {}).get("execution", {})
    try:
        start = datetime.fromisoformat(timing["iopub.execute_input"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(timing["shell.execute_reply"].replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return None
    return (end - start).total_seconds()


def read_store(store_dir: Path) -> list[dict]:
    """Every run the tracked notebook made, with each metric's full history: read as the
    CLI reads it, after replaying what a kernel stopped at shutdown left spooled."""
    from jupyter_mlops.kernel.writer import replay_spooled
    from jupyter_mlops.store import NoStore, Store

    try:
        store = Store.open(str(store_dir), create=False)
    except NoStore:
        return []
    try:
        with _data_dir(store_dir.parent / "data"):  # the kernels' spool
            replay_spooled(store)
        runs = [store.get_run(r["run_id"]) for r in store.list_runs()]
        for run in runs:
            run["metric_values"] = [h["value"] for key in run["metrics"]
                                    for h in store.metric_history(run["run_id"], key)]
        return runs
    finally:
        store.close()


@contextlib.contextmanager
def _data_dir(path: Path) -> Any:
    before = os.environ.get("JUPYTER_DATA_DIR")
    os.environ["JUPYTER_DATA_DIR"] = str(path)
    try:
        yield
    finally:
        if before is None:
            del os.environ["JUPYTER_DATA_DIR"]
        else:
            os.environ["JUPYTER_DATA_DIR"] = before


def recorded_models(run: dict) -> list[tuple[str, dict[str, str]]]:
    """(class, params) of each model a run records."""
    models = []
    for key, value in run["tags"].items():
        if key == "model.type":
            models.append((value, run["params"]))
        elif key.endswith(".model.type"):
            prefix = key[: -len("model.type")]
            models.append((value, {k[len(prefix):]: v for k, v in run["params"].items()
                                   if k.startswith(prefix)}))
    return models


def _same_value(text: str, value: Any) -> bool:
    if text in (str(value), json.dumps(value)):
        return True
    try:
        parsed = json.loads(text)
    except ValueError:
        return False
    if isinstance(value, bool) or isinstance(parsed, bool):
        return parsed is value
    if isinstance(value, (int, float)) and isinstance(parsed, (int, float)):
        return math.isclose(parsed, value, rel_tol=1e-9)
    return parsed == value


def _holds_params(recorded: dict[str, str], expected: dict[str, Any]) -> bool:
    for key, value in expected.items():
        candidates = [v for k, v in recorded.items() if k == key or k.endswith("." + key)]
        if not any(_same_value(v, value) for v in candidates):
            return False
    return True


def match_estimators(fitted: list[dict], models: list[tuple[str, dict]]) -> int:
    free = list(models)
    captured = 0
    for est in fitted:
        classes = {est["class"], est["search"]} - {None}
        for i, (kind, params) in enumerate(free):
            if kind in classes and _holds_params(params, est["params"]):
                del free[i]
                captured += 1
                break
    return captured


def match_metrics(computed: list[dict], recorded: list[float]) -> int:
    free = list(recorded)
    captured = 0
    for item in sorted(computed, key=lambda m: len(m["values"])):
        for i, value in enumerate(free):
            if any(math.isclose(value, v, rel_tol=1e-6, abs_tol=1e-12) for v in item["values"]):
                del free[i]
                captured += 1
                break
    return captured


@dataclass
class Result:
    name: str
    completed: bool = False
    errors: list[str] = field(default_factory=list)
    identical: bool = False
    first_difference: str = ""
    estimators: tuple[int, int] = (0, 0)   # (fitted, captured)
    metrics: tuple[int, int] = (0, 0)      # (computed, captured)
    figures: tuple[int, int] = (0, 0)      # (shown, captured)
    warnings: int = 0
    true_warnings: int = 0
    cell_ratios: list[float] = field(default_factory=list)
    seconds: tuple[float, float] = (0.0, 0.0)  # (untracked, tracked), the notebook's cells

    @property
    def false_alarms(self) -> int:
        return self.warnings - self.true_warnings

    @property
    def cell_time_ratio(self) -> float | None:
        return statistics.median(self.cell_ratios) if self.cell_ratios else None


def compare(name: str, plain: Execution, tracked: Execution, runs: list[dict]) -> Result:
    result = Result(name)
    result.errors = [f"{how}: {e.error}" for how, e in (("untracked", plain),
                                                        ("tracked", tracked)) if e.error]
    result.completed = not result.errors
    for index, (a, b) in enumerate(zip(plain.cells, tracked.cells, strict=True)):
        if text_outputs(a) != text_outputs(b):
            result.first_difference = f"cell {index + 1}: {text_outputs(a)[:2]!r} vs " \
                                      f"{text_outputs(b)[:2]!r}"[:400]
            break
    result.identical = result.completed and not result.first_difference

    census = {c["execution_count"]: c for c in plain.census}
    fitted = [e for c in plain.census for e in c["fitted"]]
    computed = [m for c in plain.census for m in c["metrics"]]
    models = [m for run in runs for m in recorded_models(run)]
    result.estimators = (len(fitted), match_estimators(fitted, models))
    result.metrics = (len(computed), match_metrics(
        computed, [v for run in runs for v in run["metric_values"]]))
    shown = sum(figures_shown(c) for c in plain.cells)
    pngs = sum(a["media_type"] == "image/png" for run in runs for a in run["artifacts"])
    result.figures = (shown, min(shown, pngs))
    result.warnings = sum(len(run["warnings"]) for run in runs)

    untracked_s = tracked_s = 0.0
    for a, b in zip(plain.cells, tracked.cells, strict=True):
        ta, tb = cell_seconds(a), cell_seconds(b)
        if ta is None or tb is None:
            continue
        probe = census.get(a.get("execution_count"), {}).get("probe_s", 0.0)
        ta = max(ta - probe, 1e-4)
        untracked_s += ta
        tracked_s += tb
        result.cell_ratios.append(max(tb, 1e-4) / ta)
    result.seconds = (untracked_s, tracked_s)
    return result


def run_notebook(name: str, tracked_first: bool = False) -> Result:
    with tempfile.TemporaryDirectory(prefix=f"corpus-{name}-") as tmp:
        folder = Path(tmp)
        if tracked_first:
            tracked = execute(name, tracked=True, folder=folder)
            plain = execute(name, tracked=False, folder=folder)
        else:
            plain = execute(name, tracked=False, folder=folder)
            tracked = execute(name, tracked=True, folder=folder)
        return compare(name, plain, tracked, read_store(folder / "store"))


def run_corpus(names: list[str] | None = None, progress: Any = None) -> list[Result]:
    results = []
    for i, name in enumerate(names or corpus_names()):
        results.append(run_notebook(name, tracked_first=bool(i % 2)))
        if progress:
            progress(results[-1])
    return results


# --- the table

@dataclass
class Totals:
    notebooks: int
    completed: int
    identical: int
    estimators: tuple[int, int]
    metrics: tuple[int, int]
    figures: tuple[int, int]
    warnings: int
    false_alarms: int
    cell_time_ratio: float | None

    def share(self, pair: tuple[int, int]) -> float:
        return pair[1] / pair[0] if pair[0] else 1.0

    def missed(self) -> list[str]:
        """The targets this corpus run misses (and every notebook must complete identically)."""
        missed = []
        if self.completed < self.notebooks:
            missed.append(f"{self.notebooks - self.completed} notebooks did not complete")
        if self.identical < self.notebooks:
            missed.append(f"{self.notebooks - self.identical} notebooks' outputs differ")
        for key in ("estimators", "metrics", "figures"):
            if self.share(getattr(self, key)) < TARGETS[key]:
                missed.append(f"{key} {self.share(getattr(self, key)):.0%} < "
                              f"{TARGETS[key]:.0%}")
        if self.false_alarms > TARGETS["false_alarms"]:
            missed.append(f"{self.false_alarms} false-alarm warnings")
        if self.cell_time_ratio is None or self.cell_time_ratio > TARGETS["cell_time_ratio"]:
            missed.append(f"cell-time ratio {self.cell_time_ratio} > "
                          f"{TARGETS['cell_time_ratio']}")
        return missed


def totals(results: list[Result]) -> Totals:
    def add(key: str) -> tuple[int, int]:
        return (sum(getattr(r, key)[0] for r in results), sum(getattr(r, key)[1] for r in results))

    ratios = [x for r in results for x in r.cell_ratios]
    return Totals(len(results), sum(r.completed for r in results),
                  sum(r.identical for r in results), add("estimators"), add("metrics"),
                  add("figures"), sum(r.warnings for r in results),
                  sum(r.false_alarms for r in results),
                  statistics.median(ratios) if ratios else None)


def _pair(pair: tuple[int, int]) -> str:
    return f"{pair[1]}/{pair[0]}"


def table(results: list[Result]) -> str:
    header = ("notebook", "done", "same", "estimators", "metrics", "figures", "warn(false)",
              "ratio", "s plain/tracked")
    rows = [(r.name, "yes" if r.completed else "NO", "yes" if r.identical else "NO",
             _pair(r.estimators), _pair(r.metrics), _pair(r.figures),
             f"{r.warnings}({r.false_alarms})",
             f"{r.cell_time_ratio:.3f}" if r.cell_time_ratio else "-",
             f"{r.seconds[0]:.1f}/{r.seconds[1]:.1f}") for r in results]
    t = totals(results)
    pct = lambda pair: f"{_pair(pair)} {t.share(pair):.0%}"  # noqa: E731
    rows.append(("TOTAL", f"{t.completed}/{t.notebooks}", f"{t.identical}/{t.notebooks}",
                 pct(t.estimators), pct(t.metrics), pct(t.figures),
                 f"{t.warnings}({t.false_alarms})",
                 f"{t.cell_time_ratio:.3f}" if t.cell_time_ratio else "-",
                 f"{sum(r.seconds[0] for r in results):.0f}/"
                 f"{sum(r.seconds[1] for r in results):.0f}"))
    rows.append(("TARGET", "all", "all", f">= {TARGETS['estimators']:.0%}",
                 f">= {TARGETS['metrics']:.0%}", f">= {TARGETS['figures']:.0%}", "(0)",
                 f"<= {TARGETS['cell_time_ratio']}", ""))
    widths = [max(len(str(row[i])) for row in (header, *rows)) for i in range(len(header))]
    lines = ["  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)).rstrip()
             for row in (header, *rows)]
    lines.insert(1, "  ".join("-" * w for w in widths))
    notes = [f"{r.name}: {e}" for r in results for e in r.errors]
    notes += [f"{r.name}: outputs differ at {r.first_difference}" for r in results
              if r.completed and r.first_difference]
    return "\n".join(lines + (["", *notes] if notes else []))


def main(argv: list[str]) -> int:
    results = run_corpus(argv or None,
                         progress=lambda r: print(f"ran {r.name}", file=sys.stderr, flush=True))
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
