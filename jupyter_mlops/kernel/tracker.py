"""The tracker: turns a kernel's cells into a session, cell executions and runs.

Hooks: ``pre_run_cell`` records the cell (code, names) before it runs; ``post_execute``
(registered first, so it runs before the inline backend closes the figures) renders the
figures the cell drew; ``post_run_cell`` completes the cell record and decides whether the
cell is (part of) a run. On the hot path the tracker only analyses the cell's code (cached),
appends two journal lines and looks at the names the cell bound or mutated; the store is
written by the background writer.

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
from ..capture.figures import figure_to_png, is_figure
from ..capture.models import is_fitted_model, metric_value
from ..config import MlopsConfig
from ..redact import redact
from ..store.ids import new_id
from ..store.liveness import process_started_ms, this_host
from ..store.location import resolve
from ..store.records import now_ms
from . import lineage
from .lineage import Execution, History
from .notebook import NotebookCells, notebook_path
from .problems import Problems
from .readers import Sources
from .runs import RunBuilder
from .spool import Journal, spool_directory
from .writer import Writer

# Cell magics whose body is Python that runs in the user namespace.
_BODY_MAGICS = frozenset({"track", "time", "capture", "prun"})
_MAX_ERROR = 1000


@dataclass
class _Cell:
    execution: Execution
    started: float
    started_ms: int
    run: RunBuilder | None = None  # opened by %%track at pre_run_cell
    figures: list[bytes] = field(default_factory=list)
    explicit: list[Any] = field(default_factory=list)  # callables applied to the run
    api_used: bool = False


class Tracker:
    def __init__(self, shell: Any, config: MlopsConfig):
        self.shell = shell
        self.config = config
        self.metric_pattern = re.compile(config.metric_pattern)
        self.problems = Problems()
        self.sources = Sources()
        self.active = False
        self.ignored: set[str] = set()
        self.known_datasets: dict[str, dict] = {}
        self._current: _Cell | None = None
        self._figures_seen: weakref.WeakSet[Any] = weakref.WeakSet()
        self._fingerprints: dict[str, tuple[int | None, int, str]] = {}
        self._atexit = False

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
        self.sources.patch()
        events = self.shell.events
        events.register("pre_run_cell", self.pre_run_cell)
        events.register("post_run_cell", self.post_run_cell)
        events.callbacks["post_execute"].insert(0, self.post_execute)
        api.session_hooks.append(self._api_session)
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
        self.sources.unpatch()
        events = self.shell.events
        for event, callback in (("pre_run_cell", self.pre_run_cell),
                                ("post_run_cell", self.post_run_cell),
                                ("post_execute", self.post_execute)):
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

        def task(_store: Any) -> list[dict]:
            records = []
            if self.git_diff:
                import base64

                records.append({"op": "artifact", "run_id": run_id, "artifact_id": new_id(),
                                "name": "git.diff", "media_type": "text/x-diff",
                                "data": base64.b64encode(self.git_diff.encode()).decode()})
            from ..capture.environment import snapshot

            snap = snapshot(env_allowlist=tuple(self.config.env_allowlist), cwd=os.getcwd())
            if snap.environment_id != self.environment_id:
                records.append({"op": "environment", "environment_id": snap.environment_id,
                                "data": snap.data})
                self.environment_id, self.git_diff = snap.environment_id, snap.git_diff
            return records

        self.writer.submit_task(task)

    # --- hooks
    def pre_run_cell(self, info: Any) -> None:
        self._current = None
        if not getattr(info, "store_history", True):
            return  # tool-internal executions (variable explorers, completers)
        try:
            self._begin_cell(info)
        except Exception as e:
            self.problems.report("cell", "a cell could not be recorded", e)

    def post_execute(self) -> None:
        cell = self._current
        if cell is None or not self.config.capture_figures:
            return
        try:
            cell.figures = self._drawn_figures(cell)
        except Exception as e:
            self.problems.report("figure", "a figure could not be captured", e)

    def post_run_cell(self, result: Any) -> None:
        cell, self._current = self._current, None
        if cell is None:
            return
        try:
            self._end_cell(cell, result)
        except Exception as e:
            self.problems.report("cell", "a cell could not be recorded", e)

    # --- cells
    def _begin_cell(self, info: Any) -> None:
        raw = info.raw_cell or ""
        marked, source = self._python_source(raw, info)
        code_info = analyse(source)
        self.sources.patch()
        index = len(self.history.executions)
        execution = Execution(index=index, execution_id=new_id(),
                              execution_count=self.shell.execution_count,
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
        self.sources.patch()
        try:
            self._capture(cell, status, summary)
        except Exception as e:
            self.problems.report("capture", "a run could not be captured from this cell", e)

    def _drawn_figures(self, cell: _Cell) -> list[bytes]:
        """PNGs of the figures that are new or changed since they were last captured: open
        pyplot figures, and figures bound by the cell."""
        figures = []
        helpers = sys.modules.get("matplotlib._pylab_helpers")
        if helpers is not None:
            figures = [m.canvas.figure for m in helpers.Gcf.get_all_fig_managers()]
        ns = self.shell.user_ns
        figures += [ns[n] for n in cell.execution.info.defined
                    if n in ns and is_figure(ns[n]) and ns[n] not in figures]
        drawn = [f for f in figures if f.axes and (f not in self._figures_seen or f.stale)]
        pngs = []
        for figure in drawn:
            pngs.append(figure_to_png(figure))
            # savefig leaves the figure stale; a figure that stays open (terminal backends)
            # is captured again only once something changes it.
            figure.stale = False
            self._figures_seen.add(figure)
        return pngs

    # --- runs
    def _capture(self, cell: _Cell, status: str, error: str | None) -> None:
        ns = self.shell.user_ns
        names = cell.execution.info.defined - self.ignored
        models = {n: ns[n] for n in names if n in ns and is_fitted_model(ns[n])}
        metrics = {}
        for n in names:
            value = metric_value(n, ns.get(n), self.metric_pattern)
            if value is not None:
                metrics[n] = value
        run = cell.run or self.span
        if run is None and not models and (metrics or cell.figures) and not cell.api_used:
            owner = self._run_of_model_used(cell)
            if owner is not None:
                owner.add_evaluation(cell.execution.index, metrics, cell.figures,
                                     str(cell.execution.execution_count))
                self.last_run = owner
                return
        new = False
        if run is None and (models or metrics or cell.figures) and not cell.api_used:
            label = cell.execution.label
            first = next(iter(sorted(models)), None)
            name = (f"{type(models[first]).__name__} {label}" if first
                    else f"{sorted(metrics)[0]} {label}" if metrics else f"figure {label}")
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
        for variable in sorted(models):
            run.add_model(variable, models[variable])
            if run.source == "cell":
                self.model_runs[variable] = (run, self.history.last_writer(variable))
        run.add_metrics(metrics)
        run.add_figures(cell.figures, str(cell.execution.execution_count))
        for apply in cell.explicit:
            apply(run)
        if run is cell.run or new:
            run.finish(status, error)
        self.last_run = run

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


def cell_run_name(argument: str) -> str:
    """``%%track NAME``: the rest of the line, spaces included, without enclosing quotes."""
    name = argument.strip()
    if len(name) > 1 and name[0] == name[-1] and name[0] in "'\"":
        name = name[1:-1].strip()
    return name


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
