"""A run being built from cells: what it captured so far, and the records that store it.

A cell run (automatic or ``%%track``) is opened and finished by one cell; a span run
(``%track start`` … ``%track stop``) collects several. Metrics, models and figures are
recorded as the cells produce them; lineage, literal params, datasets and warnings are
worked out when the run finishes, from the backward slice of all its cells.
"""

from __future__ import annotations

import base64
import os
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ..capture.datasets import describe, schema
from ..capture.files import file_fingerprint
from ..capture.models import (
    is_fitted_model,
    is_search,
    model_type,
    search_results,
    training_history,
)
from ..store.ids import new_id
from ..store.records import now_ms

if TYPE_CHECKING:
    from .tracker import Tracker

_SAMPLED = 64
RUN_STATUS = {"ok": "finished", "error": "failed", "interrupted": "interrupted"}


def dataset_role(name: str) -> str:
    lower = name.lower()
    for hint, role in (("train", "train"), ("test", "test"), ("valid", "validation"),
                       ("val", "validation")):
        if hint in lower:
            return role
    return "input"


def is_data_like(value: Any) -> bool:
    """Data a model could learn from, not plotting state: numpy arrays of objects (matplotlib
    Axes), booleans (masks) or a ``meshgrid`` plane (every row, or every column, the same)
    are not datasets; DataFrames and Series are."""
    np = sys.modules.get("numpy")
    if np is None or not isinstance(value, np.ndarray):
        return True
    if value.dtype == object or value.dtype == bool:
        return False
    if value.ndim == 2 and min(value.shape) > 2:
        # first, middle and last row (column) equal, looked at in at most _SAMPLED rows
        # (columns): a sample, not a pass over the data
        rows = value[[0, value.shape[0] // 2, -1], ::-(-value.shape[1] // _SAMPLED)]
        columns = value[::-(-value.shape[0] // _SAMPLED), [0, value.shape[1] // 2, -1]]
        return not ((rows == rows[0]).all() or (columns == columns[:, :1]).all())
    return True


class RunBuilder:
    def __init__(self, tracker: Tracker, name: str, source: str, seeds: list[int],
                 started_ms: int | None = None):
        self.t = tracker
        self.started_ms = started_ms or now_ms()
        self.run_id = new_id()
        self.name = name
        self.source = source
        self.seeds = list(seeds)
        self.finished = False
        self._steps: dict[str, int] = {}
        self._later_steps: dict[str, int] = {}  # touched by the writer thread only
        self._param_keys: set[str] = set()
        self._models: list[str] = []
        self._datasets: dict[str, tuple[str, str]] = {}  # variable -> (name, role)
        self._figures = 0
        self._journaled: tuple[tuple, Any] | None = None  # the last lineage journaled, by key

    def _submit(self, op: str, **fields: Any) -> None:
        self.t.writer.submit({"op": op, "run_id": self.run_id, **fields})

    def open(self) -> None:
        t = self.t
        self.t.writer.submit({"op": "run", "row": {
            "run_id": self.run_id, "name": self.name, "experiment": t.experiment,
            "session_id": t.session_id, "notebook": t.notebook, "user": t.user,
            "host": t.host, "environment_id": t.environment_id, "source": self.source,
            "started_ms": self.started_ms}})
        self._lineage(self.seeds)

    def add_seed(self, index: int) -> None:
        """Another cell of a span: its own lineage is recorded at once (crash-safe)."""
        self.seeds.append(index)
        self._lineage([index])

    def _lineage(self, seeds: list[int]) -> Any:
        """Journal the seeds' lineage. The same seeds with no cell run since (the history
        and namespace as they were) have the same slice: a cell's run, opened and finished
        in one hook, has it worked out and journaled once, not twice."""
        t = self.t
        key = (tuple(seeds), len(t.history.executions), t.cell_count)
        if self._journaled is not None and self._journaled[0] == key:
            return self._journaled[1]
        found = t.history.slice(seeds, t.shell.user_ns)
        self._submit("lineage", execution_ids=[e.execution_id for e in found.executions],
                     positions=[e.index + 1 for e in found.executions])
        self._journaled = (key, found)
        return found

    # --- what cells produce
    def add_params(self, values: Mapping[str, Any]) -> None:
        if values:
            self._param_keys.update(values)
            self._submit("params", values=dict(values))

    def add_tags(self, values: Mapping[str, Any]) -> None:
        if values:
            self._submit("tags", values={k: str(v) for k, v in values.items()})

    def add_note(self, text: str) -> None:
        self._submit("note", text=text)

    def add_metrics(self, values: Mapping[str, float] | Iterable[tuple[str, float]]) -> None:
        """Each key's first value is step 0; a key computed again (in a loop, or by a later
        cell of a span) adds a step."""
        by_step: dict[int, dict[str, float]] = {}
        pairs = values.items() if isinstance(values, Mapping) else values
        for key, value in pairs:
            step = self._steps.get(key, 0)
            self._steps[key] = step + 1
            by_step.setdefault(step, {})[key] = value
        for step, group in sorted(by_step.items()):
            self._submit("metrics", values=group, step=step, timestamp_ms=now_ms())

    def add_metrics_later(self, computes: list[Callable[[], list[tuple[str, float]]]]) -> None:
        """Metrics that take work to read (a printed classification report), computed on
        the writer thread, off the cell's path; their keys are their own (no other source
        logs them), so their steps are counted there."""
        if not computes:
            return
        run_id, steps = self.run_id, self._later_steps

        def task(_store: Any) -> list[dict]:
            records = []
            for compute in computes:
                for key, value in compute():
                    step = steps.get(key, 0)
                    steps[key] = step + 1
                    records.append({"op": "metrics", "run_id": run_id, "values": {key: value},
                                    "step": step, "timestamp_ms": now_ms()})
            return records

        self.t.writer.submit_task(task)

    def add_model(self, variable: str, model: Any, name: str | None = None) -> None:
        label = name or variable
        first = not self._models or self._models[0] == label
        if label not in self._models:
            self._models.append(label)
        prefix = "" if first else f"{label}."
        self.add_params({prefix + k: v for k, v in self.t.model_params(model).items()})
        self.add_tags({f"{prefix}model.type": model_type(model), f"{prefix}model.name": label,
                       f"{prefix}model.variable": variable})
        self.add_metrics([(prefix + k, v) for k, v in training_history(model)])
        if is_search(model):
            self._add_search(prefix, model)

    def _add_search(self, prefix: str, search: Any) -> None:
        """What a search found: its best params and score, and its candidates as a table."""
        best, score, table = search_results(search)
        self.add_params({prefix + k: v for k, v in best.items()})
        if score is not None:
            self.add_metrics({f"{prefix}best_score": score})
        if hasattr(search, "best_estimator_"):
            self.add_tags({f"{prefix}model.best_estimator.type":
                           model_type(search.best_estimator_)})
        self._submit("artifact", artifact_id=new_id(), name=f"{prefix}cv_results.csv",
                     media_type="text/csv", data=base64.b64encode(table.encode()).decode())

    def add_figures(self, pngs: list[bytes], label: str) -> None:
        for png in pngs:
            self._figures += 1
            self._submit("artifact", artifact_id=new_id(),
                         name=f"figure-{label}-{self._figures}.png", media_type="image/png",
                         data=base64.b64encode(png).decode())

    def add_dataset(self, variable: str, obj: Any, name: str | None = None,
                    role: str | None = None) -> None:
        """Recorded now, from its fingerprint (cached per binding) and schema, so that a run
        never loses which data it read; profiled and file-hashed later, on the writer thread
        and only for data the store has not profiled. Data this session recorded before is
        only linked: its schema (804 columns in one gallery notebook) is journaled once."""
        fingerprint = self.t.fingerprint(variable, obj)
        source = self.t.sources.source_of(obj)
        name, role = name or variable, role or dataset_role(variable)
        known = self.t.known_datasets
        info = {} if fingerprint in known else schema(obj)
        self._submit("dataset", name=name, role=role, source=source,
                     info={"fingerprint": fingerprint, **info})
        self._datasets[variable] = (name, role)
        if fingerprint in known:
            return
        known.add(fingerprint)

        def task(store: Any) -> list[dict]:
            if store is not None and store.dataset_profiled(fingerprint):
                return []
            described = describe(obj)
            same = described["fingerprint"] == fingerprint  # else changed in the meantime
            file_hash = file_fingerprint(source) if source and os.path.isfile(source) else None
            if not same and file_hash is None:
                return []
            return [{"op": "dataset_profile", "fingerprint": fingerprint,
                     "profile": described["profile"] if same else None, "file_hash": file_hash}]

        self.t.writer.submit_task(task)

    def add_evaluation(self, index: int, metrics: Iterable[tuple[str, float]],
                       later: list[Callable[[], list[tuple[str, float]]]],
                       figures: list[bytes], label: str) -> None:
        """A later cell that scores or plots this run's model (unchanged since): its metrics,
        figures and inputs (a test set, say) join the run, and the cell its lineage."""
        self.seeds.append(index)
        found = self._lineage([index])
        self.add_metrics(metrics)
        self.add_metrics_later(later)
        self.add_figures(figures, label)
        self._add_slice_inputs(found, self.t.shell.user_ns)

    # --- the end
    def finish(self, status: str, error: str | None = None) -> None:
        if self.finished:
            return
        self.finished = True
        t = self.t
        namespace = t.shell.user_ns
        found = self._lineage(self.seeds)
        literals: dict[str, Any] = {}
        for execution in found.executions:
            literals.update(execution.info.literals)
        self.add_params({k: v for k, v in literals.items()
                         if k not in self._param_keys and k not in t.ignored})
        self._add_slice_inputs(found, namespace)
        warnings = t.lineage_warnings(found)
        if warnings:
            self._submit("warnings", warnings=warnings)
        self._submit("run_end", status=RUN_STATUS.get(status, status), error=error,
                     ended_ms=now_ms())
        t.after_run(self.run_id)

    def _add_slice_inputs(self, found: Any, namespace: Mapping[str, Any]) -> None:
        """The models and datasets the run depends on: read by its cells or made by the cells
        they depend on (``df`` read from a file, then split into ``X, y``), as still bound
        by those cells. What only the run's own cells make is output, not input."""
        from ..capture.datasets import is_dataset

        in_slice = {e.index for e in found.executions}
        made = set().union(*(e.info.defined for e in found.executions
                             if e.index not in self.seeds))
        for variable in sorted((found.names | made) - self.t.ignored):
            writer = self.t.history.last_writer(variable)
            if writer is not None and writer not in in_slice:
                continue  # rebound since: the current value is not what the run used
            value = namespace.get(variable)
            if variable not in self._models and is_fitted_model(value):
                self.add_model(variable, value)
            elif (variable not in self._datasets and self.t.config.capture_datasets
                  and is_dataset(value) and is_data_like(value)):
                self.add_dataset(variable, value)
