"""The tracker: turns a kernel's cells into a session, cell executions and runs.

Hooks: ``pre_run_cell`` records the cell (code, names) before it runs; ``post_run_cell``
completes the cell record and decides whether the cell is (part of) a run, from the names
the cell bound or mutated, the metric functions it called (``metrics``) and the figures it
showed (``figures``: the PNGs the notebook displayed). On the hot path the tracker only
analyses the cell's code (cached), looks at those names and journals what each hook
recorded with one write (``Writer.batch``); the store is written by the background writer.

Execution counts are the prompt numbers the user sees: IPython's display hook's
``prompt_count`` (IPython 9.8 and later count the cell before ``pre_run_cell``, earlier
versions after it; ``prompt_count`` is right for both).

Every hook is fail-open: an exception in capture is reported once per kind and the cell's
own result, output and exception are untouched.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import sys
import time
import weakref
from dataclasses import dataclass, field
from typing import Any

import xxhash

from .. import api
from ..capture.code import analyse
from ..capture.datasets import fingerprint
from ..capture.models import (
    is_fitted_model,
    is_predictor,
    metric_value,
    model_params,
    models_in,
)
from ..config import MlopsConfig
from ..redact import redact
from ..store.ids import new_id
from ..store.liveness import process_started_ms, this_host
from ..store.location import resolve
from ..store.records import now_ms
from . import lineage
from .figures import Figures
from .lineage import Execution, History
from .metrics import MetricCalls
from .notebook import NotebookCells, notebook_path
from .patches import Patches
from .problems import Problems
from .readers import Sources
from .runs import RunBuilder
from .spool import Journal, spool_directory
from .writer import Writer

# Cell magics whose body is Python that runs in the user namespace.
_BODY_MAGICS = frozenset({"track", "time", "capture", "prun"})
_MAX_ERROR = 1000
_MISSING = object()
_OUTPUT_NAME = re.compile(r"^_+\d*$")  # IPython's _, __, _12: never a model's name
_MAX_PARAMS_CACHED = 256


@dataclass
class _Cell:
    execution: Execution
    started: float
    started_ms: int
    run: RunBuilder | None = None  # opened by %%track at pre_run_cell
    figures: list[bytes] = field(default_factory=list)
    before: dict[str, Any] = field(default_factory=dict)  # the defined names' prior values
    explicit: list[Any] = field(default_factory=list)  # callables applied to the run
    api_used: bool = False


class Tracker:
    def __init__(self, shell: Any, config: MlopsConfig):
        self.shell = shell
        self.config = config
        self.metric_pattern = re.compile(config.metric_pattern)
        self.problems = Problems()
        self.sources = Sources()
        self.predicted_from: dict[str | int, str] = {}  # prediction variable -> its X
        self.calls = MetricCalls(shell.user_ns, self.predicted_from)
        self.figures = Figures(shell)
        self.patches = Patches(shell.user_ns)
        self.sources.register(self.patches)
        self.calls.register(self.patches)
        self.active = False
        self.ignored: set[str] = set()
        self._current: _Cell | None = None
        self._model_states: dict[int, tuple] = {}  # id(model) -> fit_state when captured
        self._params: dict[int, tuple[weakref.ref, tuple, dict[str, Any]]] = {}
        self._fingerprints: dict[str, tuple[int | None, int, str]] = {}
        self._atexit = False
        self._diff_base64: tuple[str | None, str] = (None, "")

    # --- session lifecycle
    def start(self) -> str:
        if self.active:
            return f"already tracking (session {self.session_id}); {self.status_line()}"
        self.location = resolve(configured_store=self.config.store,
                                configured_artifacts=self.config.artifacts)
        self.session_id = new_id()
        self.since_ms = now_ms()
        ns = self.shell.user_ns
        self.notebook = notebook_path(ns)
        self.experiment = api.DEFAULT_EXPERIMENT
        self.user = api._user()
        self.host = this_host()
        self.history = History()
        self.known_datasets: set[str] = set()  # fingerprints this session has journaled
        self.cells_on_notebook = NotebookCells(self.notebook)
        self.runs: list[str] = []
        self.cell_count = 0
        self.span: RunBuilder | None = None
        self.last_run: RunBuilder | None = None
        # model variable -> (the automatic run that fitted it, the execution that did)
        self.model_runs: dict[str, tuple[RunBuilder, int | None]] = {}
        spool_dir = spool_directory(str(self.location.url))
        url = self.location.url.render_as_string(hide_password=False)
        self.writer = Writer(Journal(spool_dir, self.session_id),
                             open_store=lambda: api._process.store(url), spool_dir=spool_dir,
                             problems=self.problems, heartbeat={"session_id": self.session_id},
                             describe_store=self.location.describe())
        self._snapshot_environment()
        pid = os.getpid()
        self.writer.submit({"op": "session", "row": {
            "session_id": self.session_id, "notebook": self.notebook, "kernel_id": _kernel_id(),
            "user": self.user, "host": self.host, "pid": pid,
            "pid_started_ms": process_started_ms(pid), "environment_id": self.environment_id,
            "started_ms": self.since_ms, "heartbeat_ms": self.since_ms}})
        self.patches.start()
        self.sources.wrap_open(ns)
        if self.config.capture_figures:
            self.figures.start()
        events = self.shell.events
        events.register("pre_run_cell", self.pre_run_cell)
        events.register("post_run_cell", self.post_run_cell)
        api.session_hooks.append(self._api_session)
        # Open the store (a new one is migrated) now, in the %track cell, rather than on
        # the writer thread while the user's next cells run.
        self.writer.flush(5)
        self.active = True
        if not self._atexit:
            atexit.register(self.stop)
            self._atexit = True
        where = f" of {self.notebook}" if self.notebook else ""
        return (f"tracking this kernel{where} (session {self.session_id}) in "
                f"{self.location.describe()}")

    def stop(self) -> str:
        if not self.active:
            return "not tracking"
        self.active = False
        if self._current is not None:  # the cell running %track off
            self._end_cell(self._current, None)
            self._current = None
        if self.span is not None:
            self.span.finish("ok")
        self.writer.submit({"op": "session_end", "session_id": self.session_id,
                            "status": "ended"})
        stored = self.writer.close()
        self.patches.stop()
        self.sources.unwrap_open(self.shell.user_ns)
        self.figures.stop()
        events = self.shell.events
        for event, callback in (("pre_run_cell", self.pre_run_cell),
                                ("post_run_cell", self.post_run_cell)):
            with contextlib.suppress(ValueError):
                events.unregister(event, callback)
        with contextlib.suppress(ValueError):
            api.session_hooks.remove(self._api_session)
        left = "" if stored else " (the store is unreachable: records stay spooled and are " \
                                 "written by the next session)"
        return f"stopped tracking: {self.cell_count} cells, {len(self.runs)} runs{left}"

    def status_line(self) -> str:
        if not self.active:
            return "not tracking (start with %track)"
        stored = self.writer.flush(5)
        since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.since_ms / 1000))
        lines = [f"tracking {self.notebook or 'this kernel'} since {since} "
                 f"(session {self.session_id})",
                 f"{self.cell_count} cells, {len(self.runs)} runs"
                 + (f", run {self.span.name!r} open" if self.span else ""),
                 f"store: {self.location.describe()}"]
        if not stored:
            lines.append(f"store unreachable ({self.writer.down}): {self.writer.waiting} "
                         f"records spooled in {self.writer.journal.path}")
        return "\n".join(lines)

    def _snapshot_environment(self) -> None:
        from ..capture.environment import snapshot

        snap = snapshot(env_allowlist=tuple(self.config.env_allowlist), cwd=os.getcwd())
        self.environment_id, self.git_diff = snap.environment_id, snap.git_diff
        self.writer.submit({"op": "environment", "environment_id": snap.environment_id,
                            "data": snap.data})

    def after_run(self, run_id: str) -> None:
        """Attach the git diff, then refresh the environment off-thread for the next run."""
        if run_id not in self.runs:
            self.runs.append(run_id)
        if self.git_diff:
            self.writer.submit({"op": "artifact", "run_id": run_id, "artifact_id": new_id(),
                                "name": "git.diff", "media_type": "text/x-diff",
                                "data": self._encoded_diff()})

        def task(_store: Any) -> list[dict]:
            from ..capture.environment import snapshot

            snap = snapshot(env_allowlist=tuple(self.config.env_allowlist), cwd=os.getcwd())
            if snap.environment_id == self.environment_id:
                return []
            self.environment_id, self.git_diff = snap.environment_id, snap.git_diff
            return [{"op": "environment", "environment_id": snap.environment_id,
                     "data": snap.data}]

        self.writer.submit_task(task)

    def _encoded_diff(self) -> str:
        """The git diff in base64, encoded once per diff, not once per run."""
        diff = self.git_diff
        if self._diff_base64[0] is not diff:
            import base64

            self._diff_base64 = (diff, base64.b64encode(diff.encode()).decode())
        return self._diff_base64[1]

    # --- hooks
    def pre_run_cell(self, info: Any) -> None:
        self._current = None
        if not getattr(info, "store_history", True):
            return  # tool-internal executions (variable explorers, completers)
        writer = self.writer
        writer.cell_started()
        writer.begin_batch()
        try:
            self._begin_cell(info)
        except Exception as e:
            self.problems.report("cell", "a cell could not be recorded", e)
        finally:
            self._end_batch(writer)

    def post_run_cell(self, result: Any) -> None:
        cell, self._current = self._current, None
        writer = self.writer
        try:
            if cell is not None:
                writer.begin_batch()
                try:
                    self._end_cell(cell, result)
                except Exception as e:
                    self.problems.report("cell", "a cell could not be recorded", e)
                finally:
                    self._end_batch(writer)
        finally:
            writer.cell_ended()

    def _end_batch(self, writer: Writer) -> None:
        """Journal the hook's records (one write) before the hook returns."""
        try:
            writer.end_batch()
        except Exception as e:
            self.problems.report("cell", "a cell could not be recorded", e)

    # --- cells
    def _begin_cell(self, info: Any) -> None:
        raw = info.raw_cell or ""
        marked, source = self._python_source(raw, info)
        code_info = analyse(source)
        index = len(self.history.executions)
        execution = Execution(index=index, execution_id=new_id(),
                              execution_count=self.shell.displayhook.prompt_count,
                              cell_id=getattr(info, "cell_id", None), code=raw,
                              code_hash=xxhash.xxh3_64_hexdigest(raw.encode()), info=code_info)
        self.history.add(execution)
        cell = _Cell(execution, time.perf_counter(), now_ms())
        self.writer.submit({"op": "cell_start", "row": {
            "execution_id": execution.execution_id, "session_id": self.session_id,
            "seq": index + 1, "execution_count": execution.execution_count,
            "cell_id": execution.cell_id, "code": raw, "code_hash": execution.code_hash,
            "names_defined": sorted(code_info.defined), "names_used": sorted(code_info.used),
            "started_ms": cell.started_ms}})
        self.writer.retry()
        ns = self.shell.user_ns
        cell.before = {n: ns.get(n, _MISSING) for n in code_info.defined}
        self.sources.wrap_open(ns)  # again: a reset of the namespace removes it
        self.sources.opened.clear()
        self.calls.begin(code_info.predicted_from)
        if self.config.capture_figures:
            self.figures.begin()
        self._current = cell
        if marked is not None:
            cell.run = RunBuilder(self, marked or f"cell {execution.label}", "cell", [index],
                                  cell.started_ms)
            cell.run.open()
        elif self.span is not None:
            self.span.add_seed(index)

    def _python_source(self, raw: str, info: Any) -> tuple[str | None, str]:
        """(the name given to ``%%track``, or None; the Python the cell runs)."""
        if not raw.startswith("%%"):
            transformed = getattr(info, "transformed_cell", None)
            return None, transformed if transformed is not None else self.shell.transform_cell(raw)
        first, _, body = raw.partition("\n")
        magic, _, argument = first[2:].partition(" ")
        if magic not in _BODY_MAGICS:
            return None, ""  # %%bash, %%html, %%writefile…: no Python names
        source = self.shell.transform_cell(body)
        return (cell_run_name(argument) if magic == "track" else None), source

    def _end_cell(self, cell: _Cell, result: Any) -> None:
        execution = cell.execution
        error = None if result is None else (result.error_before_exec or result.error_in_exec)
        status = ("ok" if error is None else
                  "interrupted" if isinstance(error, KeyboardInterrupt) else "error")
        summary = None if error is None else redact(
            f"{type(error).__name__}: {error}")[:_MAX_ERROR]
        self.writer.submit({"op": "cell_end", "row": {
            "execution_id": execution.execution_id,
            "duration_ms": (time.perf_counter() - cell.started) * 1000,
            "status": status, "error": summary}})
        self.cell_count += 1
        try:
            if self.config.capture_figures:
                cell.figures = self.figures.end(execution.info.defined)
        except Exception as e:
            self.problems.report("figure", "a figure could not be captured", e)
        try:
            self._capture(cell, status, summary)
        except Exception as e:
            self.problems.report("capture", "a run could not be captured from this cell", e)

    # --- runs
    def _capture(self, cell: _Cell, status: str, error: str | None) -> None:
        computed, later = self.calls.end()
        info = cell.execution.info
        self.predicted_from.update((k, v) for k, v in info.predicted_from.items()
                                   if isinstance(k, str))
        self._link_opened_files(cell)
        models = self._models_of(cell, status)
        metrics = self._named_metrics(cell, status) + computed
        run = cell.run or self.span
        produced = bool(metrics or later or cell.figures)
        if run is None and not models and produced and not cell.api_used:
            owner = self._run_of_model_used(cell)
            if owner is not None:
                owner.add_evaluation(cell.execution.index, metrics, later, cell.figures,
                                     str(cell.execution.execution_count))
                self.last_run = owner
                return
        new = False
        if run is None and (models or produced) and not cell.api_used:
            label = cell.execution.label
            name = (f"{type(models[0][1]).__name__} {label}" if models
                    else f"{metrics[0][0]} {label}" if metrics
                    else f"metrics {label}" if later else f"figure {label}")
            run = RunBuilder(self, name, "cell", [cell.execution.index], cell.started_ms)
            new = True
        if run is None and cell.explicit:
            run = self.last_run
            if run is None:
                run = RunBuilder(self, f"cell {cell.execution.label}", "cell",
                                 [cell.execution.index], cell.started_ms)
                new = True
        if run is None:
            return
        if new:
            run.open()
        for variable, model in models:
            run.add_model(variable, model)
            if run.source == "cell" and variable in info.defined:
                self.model_runs[variable] = (run, self.history.last_writer(variable))
        run.add_metrics(metrics)
        run.add_metrics_later(later)
        run.add_figures(cell.figures, str(cell.execution.execution_count))
        for apply in cell.explicit:
            apply(run)
        if run is cell.run or new:
            run.finish(status, error)
        self.last_run = run

    def _changed(self, cell: _Cell, name: str, status: str) -> bool:
        """Whether the cell (re)bound ``name``: a cell that raised may not have got there,
        and its old value is not what this cell computed."""
        return status == "ok" or self.shell.user_ns.get(name, _MISSING) is not cell.before.get(
            name, _MISSING)

    def _named_metrics(self, cell: _Cell, status: str) -> list[tuple[str, float]]:
        """Metric-like names the cell bound, in the order it bound them (loop variables such
        as ``for f_score in levels`` are not metrics)."""
        info, ns = cell.execution.info, self.shell.user_ns
        out = []
        for name in info.order:
            if (name in info.loop_variables or name in self.ignored
                    or not self._changed(cell, name, status)):
                continue
            value = metric_value(name, ns.get(name), self.metric_pattern)
            if value is not None:
                out.append((name, value))
        return out

    def _models_of(self, cell: _Cell, status: str) -> list[tuple[str, Any]]:
        """The models the cell fitted, the run's own model first: the predictor the cell
        fitted last (not a preprocessing step fitted on the side, not ``_``). Models kept in
        a dict, list or tuple are found there (fitted in a loop, say) when they are new or
        changed since they were last captured."""
        info, ns = cell.execution.info, self.shell.user_ns
        found: dict[int, tuple[str, Any, int]] = {}
        position = {name: i for i, name in enumerate(info.order)}

        def add(label: str, model: Any, where: int) -> None:
            key = id(model)
            if key not in found or found[key][2] < where:
                found[key] = (label, model, where)

        for name in (info.defined | info.used) - self.ignored:
            if _OUTPUT_NAME.match(name) or name not in ns:
                continue
            value = ns[name]
            defined = name in info.defined
            if defined and is_fitted_model(value):
                if (self._changed(cell, name, status)
                        or self._model_states.get(id(value)) != fit_state(value)):
                    add(name, value, position.get(name, -1))
                continue
            for key, model in models_in(value):
                state = fit_state(model)
                if self._model_states.get(id(model)) != state:
                    add(f"{name}{key}", model, position.get(name, -1))
        ordered = sorted(found.values(), key=lambda m: (is_predictor(m[1]), m[2]), reverse=True)
        for _, model, _ in ordered:
            self._model_states[id(model)] = fit_state(model)
        return [(label, model) for label, model, _ in ordered]

    def _link_opened_files(self, cell: _Cell) -> None:
        """Data the cell built after opening exactly one CSV came from that file."""
        opened = self.sources.opened
        if not opened or len(set(opened)) != 1:
            return
        from ..capture.datasets import is_dataset

        path = opened[0]
        ns = self.shell.user_ns
        for name in cell.execution.info.defined:
            value = ns.get(name)
            if is_dataset(value) and self.sources.source_of(value) is None:
                self.sources.remember(value, path)

    def _run_of_model_used(self, cell: _Cell) -> RunBuilder | None:
        """The latest automatic run whose model this cell reads, if that model has not been
        refitted or rebound since: scoring or plotting a model belongs to its run."""
        owners = [self.model_runs[n] for n in cell.execution.info.used & self.model_runs.keys()
                  if self.history.last_writer(n) == self.model_runs[n][1]]
        return max(owners, key=lambda o: o[1] or -1)[0] if owners else None

    def open_span(self, name: str) -> str:
        if self.span is not None:
            raise ValueError(f"run {self.span.name!r} is already open: %track stop it first")
        seeds = [self._current.execution.index] if self._current else []
        self.span = RunBuilder(self, name, "span", seeds)
        self.span.open()
        return f"run {name!r} started ({self.span.run_id}); %track stop ends it"

    def close_span(self) -> str:
        if self.span is None:
            raise ValueError("no run is open (start one with %track start NAME)")
        span, self.span = self.span, None
        span.finish("ok")
        self.last_run = span
        return f"run {span.name!r} recorded ({span.run_id})"

    def explicit(self, apply: Any) -> None:
        """Apply ``apply(run)`` to this cell's run once the cell ends (see _capture)."""
        if self._current is not None:
            self._current.explicit.append(apply)
        elif self.span or self.last_run:
            apply(self.span or self.last_run)
        else:
            raise ValueError("no run to attach this to yet")

    # --- used by RunBuilder
    def fingerprint(self, variable: str, obj: Any) -> str:
        """Content fingerprint, recomputed only when the name was rebound or mutated."""
        version = self.history.last_writer(variable)
        cached = self._fingerprints.get(variable)
        if cached is not None and cached[0] == version and cached[1] == id(obj):
            return cached[2]
        value = fingerprint(obj)
        self._fingerprints[variable] = (version, id(obj), value)
        return value

    def model_params(self, model: Any) -> dict[str, Any]:
        """``model_params``, once per fitted state of a model: one that several runs read
        (scored, plotted, sliced in) is described once, not by ``get_params`` for each."""
        key, state = id(model), fit_state(model)
        cached = self._params.get(key)
        if cached is not None and cached[0]() is model and cached[1] == state:
            return cached[2]
        params = model_params(model)
        if len(self._params) >= _MAX_PARAMS_CACHED:
            self._params = {k: v for k, v in self._params.items() if v[0]() is not None}
        with contextlib.suppress(TypeError):  # no weak references to it: not cached
            self._params[key] = (weakref.ref(model), state, params)
        return params

    def lineage_warnings(self, found: lineage.Slice) -> list[str]:
        cells = self.cells_on_notebook
        return lineage.warnings(self.history, found, self.shell.user_ns,
                                lambda e: cells.position(e.cell_id, e.code))

    def _api_session(self, store: Any) -> str | None:
        """Runs started with the Python API in this kernel belong to the tracked session."""
        if not self.active or str(store.location.url) != str(self.location.url):
            return None
        if self._current is not None:
            self._current.api_used = True
        return self.session_id if self.writer.flush(10) else None


def fit_state(model: Any) -> tuple:
    """What changes when a model is fitted again: its fitted attributes (``coef_``…) and its
    pipeline steps' (a fitted Pipeline has none of its own)."""
    try:
        own = tuple(id(v) for k, v in vars(model).items()
                    if k.endswith("_") and not k.startswith("__"))
    except TypeError:
        return (id(model),)
    steps = getattr(model, "steps", None)
    if isinstance(steps, list):
        own += tuple(fit_state(step[1]) for step in steps
                     if isinstance(step, tuple) and len(step) > 1 and hasattr(step[1], "fit"))
    return own


def cell_run_name(argument: str) -> str:
    """``%%track NAME``: the rest of the line, spaces included, without enclosing quotes and
    without a trailing ``# comment`` (a ``#`` inside quotes is part of the name)."""
    name = argument.strip()
    if name[:1] in ("'", '"'):
        closing = name.find(name[0], 1)
        if closing > 0:
            return name[1:closing].strip()
    return name.partition("#")[0].strip()


def _kernel_id() -> str | None:
    """The Jupyter kernel id, from ipykernel's connection file name (kernel-<id>.json)."""
    connect = sys.modules.get("ipykernel.connect")
    if connect is None:
        return None
    with contextlib.suppress(Exception):
        name = os.path.basename(connect.get_connection_file())
        if name.startswith("kernel-") and name.endswith(".json"):
            return name[len("kernel-"):-len(".json")]
    return None
