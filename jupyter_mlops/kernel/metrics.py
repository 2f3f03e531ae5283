"""Metric values the notebook computes with scikit-learn, whether bound, displayed or printed.

While a kernel is tracked, ``sklearn.metrics``' scoring functions, ``estimator.score``,
``cross_val_score``/``cross_validate`` and ``classification_report`` are wrapped (see
``patches``). A call made by notebook code (its caller's globals are the user namespace:
scikit-learn's own internal calls, such as a search scoring its candidates, are not) is
noted for the running cell under a name that says what was computed and on which data, the
way MLflow's autologging names post-training metrics: ``accuracy_score_X_test``,
``LogisticRegression_score_X_test``, ``cross_val_score_X_mean``. The data is named by the
caller's variable: the ``X`` a prediction was made from (``y_pred = m.predict(X_test)``, in
this cell or an earlier one), else the variable holding the true values.
"""

from __future__ import annotations

import contextlib
import functools
import re
import sys
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any

from ..capture.models import scalar
from .patches import Patches

_METRIC_FUNCTION = re.compile(r"(_score|_error|_loss|^classification_report)$")
_NOT_METRICS = frozenset({"make_scorer", "get_scorer", "check_scoring", "get_scorer_names"})
_PREDICTION_KEYWORDS = ("y_pred", "y_score", "y_proba", "y_prob", "probas_pred", "labels_pred",
                        "labels")
_REPORT_KEYS = (("accuracy", None), ("macro avg", "precision"), ("macro avg", "recall"),
                ("macro avg", "f1-score"), ("weighted avg", "f1-score"))
_MAX_PER_CELL = 1000


class MetricCalls:
    def __init__(self, namespace: MutableMapping[str, Any],
                 predicted_from: Mapping[str | int, str]):
        self.namespace = namespace
        self.predicted_from = predicted_from  # the tracker's, across cells
        self.cell_lines: Mapping[str | int, str] = {}  # the running cell's predict lines
        self.values: list[tuple[str, float]] | None = None  # None: no cell is running

    def register(self, patches: Patches) -> None:
        patches.watch("sklearn.metrics", lambda m: [
            (m, n, self._function) for n in getattr(m, "__all__", dir(m))
            if _METRIC_FUNCTION.search(n) and n not in _NOT_METRICS])
        patches.watch("sklearn.model_selection", lambda m: [
            (m, "cross_val_score", self._cross_val), (m, "cross_validate", self._cross_val)])
        patches.watch("sklearn.base", lambda m: [
            (m.ClassifierMixin, "score", self._score), (m.RegressorMixin, "score", self._score)])
        patches.watch("sklearn.pipeline", lambda m: [(m.Pipeline, "score", self._score)])
        patches.watch("sklearn.model_selection._search", lambda m: [
            (m.BaseSearchCV, "score", self._score)])

    def begin(self, cell_lines: Mapping[str | int, str]) -> None:
        self.values, self.cell_lines = [], cell_lines

    def end(self) -> list[tuple[str, float]]:
        values, self.values = self.values or [], None
        return values

    # --- wrappers
    def _wrap(self, original: Callable[..., Any],
              note: Callable[[Any, Any, tuple, dict], None]) -> Callable[..., Any]:
        @functools.wraps(original)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            result = original(*args, **kwargs)
            if self.values is not None and len(self.values) < _MAX_PER_CELL:
                frame = sys._getframe(1)
                if frame.f_globals is self.namespace:
                    with contextlib.suppress(Exception):
                        note(frame, result, args, kwargs)
            return result

        return wrapper

    def _function(self, original: Callable[..., Any]) -> Callable[..., Any]:
        name = original.__name__

        def note(frame: Any, result: Any, args: tuple, kwargs: dict) -> None:
            predicted = args[1] if len(args) > 1 else next(
                (kwargs[k] for k in _PREDICTION_KEYWORDS if k in kwargs), None)
            truth = args[0] if args else kwargs.get("y_true", kwargs.get("labels_true"))
            key = name + self._prediction_suffix(frame, predicted, truth)
            if name == "classification_report":
                self._report(key, result, original, args, kwargs)
            else:
                self._add(key, result)

        return self._wrap(original, note)

    def _score(self, original: Callable[..., Any]) -> Callable[..., Any]:
        def note(frame: Any, result: Any, args: tuple, kwargs: dict) -> None:
            estimator, data = args[0], args[1] if len(args) > 1 else kwargs.get("X")
            self._add(f"{type(estimator).__name__}_score" + self._data_suffix(frame, data),
                      result)

        return self._wrap(original, note)

    def _cross_val(self, original: Callable[..., Any]) -> Callable[..., Any]:
        name = original.__name__

        def note(frame: Any, result: Any, args: tuple, kwargs: dict) -> None:
            data = args[1] if len(args) > 1 else kwargs.get("X")
            suffix = self._data_suffix(frame, data)
            if isinstance(result, dict):  # cross_validate: test_<scorer>, train_<scorer>
                scores = {f"{name}_{k}": v for k, v in result.items()
                          if k.startswith(("test_", "train_"))}
            else:
                scoring = kwargs.get("scoring")
                scores = {f"cross_val_{scoring if isinstance(scoring, str) else 'score'}":
                          result}
            for key, values in scores.items():
                self._add(f"{key}{suffix}_mean", values.mean())
                self._add(f"{key}{suffix}_std", values.std())

        return self._wrap(original, note)

    # --- naming and noting
    def _data_suffix(self, frame: Any, data: Any) -> str:
        """``_X_test``: the caller's variable holding the data, if any."""
        name = _name_of(frame, data)
        return f"_{name}" if name else ""

    def _prediction_suffix(self, frame: Any, predicted: Any, truth: Any) -> str:
        """The data a prediction was made from (``y_pred = m.predict(X_test)``, or
        ``metric(y_test, m.predict(X_test))`` on one line), else the true values' variable."""
        name = _name_of(frame, predicted)
        source = None
        if name is not None:
            source = self.cell_lines.get(name) or self.predicted_from.get(name)
        elif frame.f_code.co_name == "<module>":
            source = self.cell_lines.get(frame.f_lineno)
        source = source or _name_of(frame, truth) or name
        return f"_{source}" if source else ""

    def _add(self, key: str, value: Any) -> None:
        number = scalar(value)
        if number is not None and self.values is not None:
            self.values.append((key, number))

    def _report(self, key: str, result: Any, original: Callable[..., Any], args: tuple,
                kwargs: dict) -> None:
        report = result if isinstance(result, dict) else original(
            *args, **{**kwargs, "output_dict": True})
        for group, field in _REPORT_KEYS:
            value = report.get(group)
            if field is not None:
                value = value.get(field) if isinstance(value, dict) else None
            if value is not None:
                label = group if field is None else f"{group}_{field}"
                self._add(f"{key}_{re.sub(r'[^A-Za-z0-9]+', '_', label)}", value)


def _name_of(frame: Any, value: Any) -> str | None:
    """The caller's variable bound to ``value`` (its locals, which are the notebook's globals
    at cell level), skipping IPython's output names."""
    if value is None:
        return None
    for name, bound in frame.f_locals.items():
        if bound is value and not name.startswith("_"):
            return name
    return None
