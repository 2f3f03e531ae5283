"""The ground-truth census, loaded into the *untracked* kernel of a corpus run.

It shares no code with jupyter_mlops: it asks scikit-learn itself what was fitted
(``check_is_fitted``) and what was scored (wrappers around the public metric functions), so
the runner can compare the tracker's records with an independent count. ``install`` is called
by an injected cell before the notebook's first cell; ``dump`` by one after its last.

Per cell it records:

- ``fitted``: every estimator that is fitted after the cell and was not, or was fitted
  differently (other fitted attributes), before it — looked for among the user namespace's
  values, their dict/list/tuple members (two levels, so ``[("name", clf), ...]`` counts), and
  the ``best_estimator_`` a search holds. A search counts as its best estimator (as the
  issue asks the tracker to record it), with ``best_params_`` and ``best_score_``.
- ``metrics``: the values returned by calls *made from the notebook's own code* (the calling
  frame's file is a cell of this kernel) to ``sklearn.metrics`` functions that return a
  number, to an estimator's ``score``, to ``cross_val_score`` (its mean) and
  ``cross_validate`` (mean of each ``test_*``), to ``classification_report`` (its scores),
  plus each new search's ``best_score_``. Calls scikit-learn makes internally do not count.
- ``probe_s``: the time the census itself took in the cell's hooks, which the runner takes off
  the untracked cell's time so the census does not flatter the cell-time ratio.
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import numbers
import sys
import time
from typing import Any

_SIMPLE = (str, int, float, bool, type(None))
_NOT_METRICS = {"make_scorer", "get_scorer", "get_scorer_names", "check_scoring"}


def _class_name(obj: Any) -> str:
    kind = type(obj)
    return f"{kind.__module__}.{kind.__qualname__}"


def _is_estimator(obj: Any) -> bool:
    return not isinstance(obj, type) and hasattr(obj, "get_params") and hasattr(obj, "fit")


def _is_fitted(obj: Any) -> bool:
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    try:
        check_is_fitted(obj)
    except NotFittedError:
        return False
    except Exception:  # not a scikit-learn estimator after all
        return False
    return True


def _simple_params(obj: Any) -> dict[str, Any]:
    try:
        params = obj.get_params(deep=True)
    except Exception:
        return {}
    return {k: v for k, v in params.items() if isinstance(v, _SIMPLE)
            and not (isinstance(v, float) and not math.isfinite(v))}


def _fitted_state(obj: Any, depth: int = 0) -> tuple:
    """Changes when the object is (re)fitted: the identities of its fitted attributes, and
    those of the estimators it is made of (a Pipeline keeps none of its own)."""
    try:
        attributes = vars(obj)
    except TypeError:
        return ()
    state = tuple(sorted((k, id(v)) for k, v in attributes.items()
                         if k.endswith("_") and not k.startswith("__")))
    if depth < 3:
        try:
            children = obj.get_params(deep=False).values()
        except Exception:
            children = ()
        state += tuple(_fitted_state(c, depth + 1) for c in children if _is_estimator(c))
        for _name, step in getattr(obj, "steps", None) or ():
            if _is_estimator(step):
                state += (_fitted_state(step, depth + 1),)
    return state


def _candidates(value: Any, depth: int = 0):
    if _is_estimator(value):
        yield value
    elif depth < 2 and isinstance(value, dict):
        for v in list(value.values()):
            yield from _candidates(v, depth + 1)
    elif depth < 2 and isinstance(value, (list, tuple)) and len(value) <= 1000:
        for v in value:
            yield from _candidates(v, depth + 1)


class Census:
    def __init__(self, shell: Any):
        self.shell = shell
        self.cells: list[dict] = []
        self._metrics: list[dict] = []
        self._seen: dict[int, tuple[Any, tuple]] = {}  # id -> (object kept alive, state)
        self._probe_s = 0.0
        self._wrap_metrics()

    # --- metrics: wrappers that note what the notebook's own code computed
    def _from_notebook(self) -> bool:
        frame = sys._getframe(2)
        return frame.f_code.co_filename in self.shell.compile._filename_map

    def _note(self, name: str, items: list[list[float]]) -> None:
        """Each item is one computed metric value, given as the numbers that stand for it
        (a classification report: any of its numbers)."""
        self._metrics.extend({"name": name, "values": values} for values in items if values)

    def _wrapper(self, name: str, function: Any, values_of: Any) -> Any:
        census = self

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            result = function(*args, **kwargs)
            if census._from_notebook():
                with contextlib.suppress(Exception):
                    census._note(name, values_of(result, args, kwargs))
            return result

        wrapper.__census_wrapped__ = True
        return wrapper

    def _wrap_metrics(self) -> None:
        import sklearn.metrics as metrics
        import sklearn.model_selection as model_selection
        from sklearn.utils.discovery import all_estimators

        for name in metrics.__all__:
            function = getattr(metrics, name)
            if name in _NOT_METRICS or isinstance(function, type) or not callable(function):
                continue
            values_of = _report_values(function) if name == "classification_report" \
                else _scalar
            setattr(metrics, name, self._wrapper(name, function, values_of))
        model_selection.cross_val_score = self._wrapper(
            "cross_val_score", model_selection.cross_val_score, _mean)
        model_selection.cross_validate = self._wrapper(
            "cross_validate", model_selection.cross_validate, _test_means)
        wrapped: set[int] = set()
        for _name, cls in all_estimators():
            for klass in cls.__mro__:
                score = klass.__dict__.get("score")
                if callable(score) and id(score) not in wrapped \
                        and not getattr(score, "__census_wrapped__", False):
                    wrapped.add(id(score))
                    klass.score = self._wrapper("score", score, _scalar)

    # --- the hooks
    def pre_run_cell(self, info: Any) -> None:
        start = time.perf_counter()
        self._metrics = []
        self._probe_s = time.perf_counter() - start

    def post_run_cell(self, result: Any) -> None:
        start = time.perf_counter()
        fitted = []
        for name, value in list(self.shell.user_ns.items()):
            if name.startswith("_") or name in ("In", "Out"):
                continue
            for obj in _candidates(value):
                if not _is_fitted(obj):
                    continue
                state = _fitted_state(obj)
                seen = self._seen.get(id(obj))
                if seen is not None and seen[0] is obj and seen[1] == state:
                    continue
                self._seen[id(obj)] = (obj, state)
                fitted.append(self._describe(name, obj))
        self.cells.append({"execution_count": result.execution_count, "fitted": fitted,
                           "metrics": self._metrics,
                           "probe_s": self._probe_s + time.perf_counter() - start})

    def _describe(self, name: str, obj: Any) -> dict:
        best = getattr(obj, "best_estimator_", None)
        if hasattr(obj, "best_params_"):
            if getattr(obj, "best_score_", None) is not None:
                self._note("best_score_", _scalar(obj.best_score_, (), {}))
            model = best if best is not None else obj
            return {"name": name, "class": _class_name(model), "search": _class_name(obj),
                    "params": {k: v for k, v in obj.best_params_.items()
                               if isinstance(v, _SIMPLE)}}
        return {"name": name, "class": _class_name(obj), "search": None,
                "params": _simple_params(obj)}

    def dump(self, path: str) -> None:
        with open(path, "w") as f:
            json.dump(self.cells, f, default=str)


def _real(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _scalar(result: Any, args: Any, kwargs: Any) -> list[list[float]]:
    value = _real(result)
    return [] if value is None else [[value]]


def _mean(result: Any, args: Any, kwargs: Any) -> list[list[float]]:
    return [[float(result.mean())]]


def _test_means(result: Any, args: Any, kwargs: Any) -> list[list[float]]:
    return [[float(v.mean())] for k, v in result.items() if k.startswith("test_")]


def _report_values(function: Any) -> Any:
    def values_of(result: Any, args: Any, kwargs: Any) -> list[list[float]]:
        report = result if isinstance(result, dict) else \
            function(*args, **{**kwargs, "output_dict": True})
        leaves: list[float] = []
        for value in report.values():
            for key, leaf in value.items() if isinstance(value, dict) else [("", value)]:
                real = None if key == "support" else _real(leaf)
                if real is not None:
                    leaves.append(real)
        return [leaves]

    return values_of


def install(shell: Any) -> Census:
    census = Census(shell)
    shell.events.register("pre_run_cell", census.pre_run_cell)
    shell.events.register("post_run_cell", census.post_run_cell)
    return census
