"""Models and metrics: recognise what a cell produced, without importing any ML library.

These run on the names a tracked cell bound or mutated, so each check is a few attribute
lookups: a library that is not in ``sys.modules`` cannot have made the object, and the
library's own protocol says whether it is fitted (scikit-learn's ``check_is_fitted``, which
honours ``__sklearn_is_fitted__``; xgboost and lightgbm wrappers implement that too).
"""

from __future__ import annotations

import contextlib
import csv
import io
import math
import numbers
import re
import sys
from collections.abc import Iterator
from typing import Any

DEFAULT_METRIC_PATTERN = (
    r"(?i)(?:^|_)(?:accuracy|acc|auc|roc_auc|pr_auc|f1|f1_score|precision|recall|loss|logloss"
    r"|log_loss|rmse|mse|mae|mape|r2|score|mcc|kappa|error|err)(?:_|\d*$)"
)
_MAX_PARAM_TEXT = 250
_MAX_CANDIDATES = 1000
_MAX_CONTAINER = 100
_SIMPLE = (str, int, float, bool, type(None))
_NOT_MODELS = (type, str, bytes, int, float, complex, type(None), list, tuple, dict, set)
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
_SEARCH_COLUMNS = ("rank_test_score", "mean_test_score", "std_test_score", "mean_fit_time")


def is_fitted_model(obj: Any) -> bool:
    """A fitted model: a scikit-learn-API estimator (pipelines, searches, the xgboost and
    lightgbm wrappers), a trained xgboost or lightgbm ``Booster`` (``xgb.train``,
    ``lgb.train``), a catboost model, a keras model ``fit`` has trained, a torch ``nn.Module``
    whose parameters were trained or loaded, or a statsmodels results object. Classes,
    unfitted estimators and models only defined are not."""
    if isinstance(obj, _NOT_MODELS):
        return False
    kind = type(obj)
    if _is_keras_model(obj):  # before torch: with the torch backend it is an nn.Module too
        return _true(lambda: _keras_steps(obj) > 0)
    if _is_torch_module(obj):
        return _true(lambda: _torch_trained(obj))
    wrapper = sys.modules.get("statsmodels.base.wrapper")
    if wrapper is not None and isinstance(obj, wrapper.ResultsWrapper):
        return True
    booster = _booster_rounds(obj)
    if booster is not None:
        return _true(lambda: booster() > 0)
    if not (hasattr(kind, "get_params") and hasattr(kind, "fit")):
        return False
    if kind.__module__.startswith("catboost") and callable(getattr(obj, "is_fitted", None)):
        return _true(obj.is_fitted)
    validation = sys.modules.get("sklearn.utils.validation")
    if validation is not None:
        try:
            validation.check_is_fitted(obj)
        except Exception:  # NotFittedError, or not an estimator scikit-learn accepts
            return False
        return True
    if hasattr(obj, "__sklearn_is_fitted__"):
        return _true(obj.__sklearn_is_fitted__)
    try:  # no scikit-learn loaded: its documented fallback, fitted attributes end in "_"
        return any(n.endswith("_") and not n.startswith("__") for n in vars(obj))
    except TypeError:
        return False


def _is_keras_model(obj: Any) -> bool:
    keras = sys.modules.get("keras")
    return keras is not None and isinstance(obj, getattr(keras, "Model", ()))


def _is_torch_module(obj: Any) -> bool:
    torch_nn = sys.modules.get("torch.nn")
    return torch_nn is not None and isinstance(obj, torch_nn.Module)


def _keras_steps(model: Any) -> int:
    """Training steps keras's optimizer has taken (``fit`` counts them): 0 for a model that
    is only built or compiled."""
    optimizer = getattr(model, "optimizer", None)
    return 0 if optimizer is None else int(optimizer.iterations)


def _torch_trained(module: Any) -> bool:
    """torch has no "fitted" flag; its autograd version counter says whether a parameter
    was written in place after its initialisation (which writes it once): an optimizer's
    ``step`` and ``load_state_dict`` do."""
    return any(p._version > 1 for p in module.parameters())


def _booster_rounds(obj: Any) -> Any:
    """How to count a native booster's boosting rounds (none: not trained), or None."""
    xgboost = sys.modules.get("xgboost.core")
    if xgboost is not None and isinstance(obj, xgboost.Booster):
        return obj.num_boosted_rounds
    lightgbm = sys.modules.get("lightgbm.basic")
    if lightgbm is not None and isinstance(obj, lightgbm.Booster):
        return obj.current_iteration
    return None


def _true(check: Any) -> bool:
    try:
        return bool(check())
    except Exception:
        return False


def models_in(value: Any, depth: int = 2) -> Iterator[tuple[str, Any]]:
    """Fitted models kept in dicts, lists and tuples (two levels deep: the estimators
    ``cross_validate(..., return_estimator=True)`` returns, ``[(C, gamma, clf), …]``), with a
    key that says where: ``"[0]"``, ``"['estimator'][2]"``; a ``(name, model)`` pair, as in
    ``[("svm", SVC()), …]``, is keyed by its name."""
    if isinstance(value, dict):
        items = [(f"[{k!r}]", v) for k, v in list(value.items())[:_MAX_CONTAINER]]
    elif isinstance(value, (list, tuple)):
        items = [(f"[{i}]", v) for i, v in enumerate(value[:_MAX_CONTAINER])]
    else:
        return
    for key, item in items:
        if (isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str)
                and is_fitted_model(item[1])):
            yield f"[{item[0]!r}]", item[1]
        elif is_fitted_model(item):
            yield key, item
        elif depth > 1:
            for inner, model in models_in(item, depth - 1):
                yield key + inner, model


def is_search(obj: Any) -> bool:
    """A fitted hyper-parameter search (``GridSearchCV``, ``RandomizedSearchCV``, halving
    searches and look-alikes): it has ``cv_results_``."""
    return isinstance(getattr(obj, "cv_results_", None), dict)


def is_predictor(obj: Any) -> bool:
    """A model that predicts (not a preprocessing step such as a scaler or an encoder)."""
    return any(callable(getattr(obj, m, None))
               for m in ("predict", "predict_proba", "decision_function", "forward"))


def model_type(obj: Any) -> str:
    kind = type(obj)
    return f"{kind.__module__}.{kind.__qualname__}"


def param_text(value: Any) -> Any:
    """A param value as something the store can hold and a person can read: simple values
    as they are, estimators and functions by name, the rest a short repr without memory
    addresses (which change on every run and would make equal runs look different)."""
    if isinstance(value, _SIMPLE):
        if isinstance(value, float) and not math.isfinite(value):
            return str(value)
        return value
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return value.item() if hasattr(value, "item") else float(value)
    if hasattr(value, "get_params") and not isinstance(value, type):
        return type(value).__name__
    if callable(value) and hasattr(value, "__qualname__"):
        return f"{getattr(value, '__module__', '')}.{value.__qualname__}".lstrip(".")
    if isinstance(value, list) and all(isinstance(v, tuple) and len(v) >= 2 for v in value):
        # Pipeline steps, ColumnTransformer transformers: "name=Class, …"
        return ", ".join(f"{v[0]}={param_text(v[1])}" for v in value)[:_MAX_PARAM_TEXT]
    return _ADDRESS.sub("", repr(value))[:_MAX_PARAM_TEXT]


def model_params(obj: Any) -> dict[str, Any]:
    """``get_params(deep=True)``: nested estimators' params in scikit-learn's ``step__param``
    form, each value made readable by ``param_text``. For a search, its best estimator's
    params (what was kept), not the template's. keras and torch models have no
    ``get_params``: see ``_keras_params`` and ``_torch_params``."""
    if is_search(obj) and hasattr(obj, "best_estimator_"):
        obj = obj.best_estimator_
    if _is_keras_model(obj):
        return _keras_params(obj)
    if _is_torch_module(obj):
        return _torch_params(obj)
    get_params = getattr(obj, "get_params", None)
    if get_params is None or isinstance(obj, type):
        return {}
    try:
        params = get_params(deep=True)
    except Exception:
        return {}
    return {key: param_text(value) for key, value in params.items()}


def _keras_params(model: Any) -> dict[str, Any]:
    """What MLflow's keras autolog records: the optimizer's name and settings, the loss, and
    the last ``fit``'s epochs and steps per epoch; with the model's parameter count."""
    params: dict[str, Any] = {}
    with contextlib.suppress(Exception):
        params["parameters"] = int(model.count_params())
    optimizer = getattr(model, "optimizer", None)
    with contextlib.suppress(Exception):
        config = optimizer.get_config()
        params["optimizer"] = type(optimizer).__name__  # config's name is unique per object
        params.update({f"optimizer.{k}": param_text(v) for k, v in config.items()
                       if v is not None and k != "name"})
    loss = getattr(model, "loss", None)
    if loss is not None:
        params["loss"] = param_text(loss)
    fitted = getattr(getattr(model, "history", None), "params", None) or {}
    params.update({k: param_text(fitted[k]) for k in ("epochs", "steps") if k in fitted})
    return params


def _torch_params(module: Any) -> dict[str, Any]:
    """A torch module's size: its parameters, those that train, and its layers."""
    try:
        parameters = list(module.parameters())
    except Exception:
        return {}
    return {"parameters": sum(p.numel() for p in parameters),
            "trainable_parameters": sum(p.numel() for p in parameters if p.requires_grad),
            "layers": sum(1 for _ in module.modules()) - 1}


def training_history(model: Any) -> list[tuple[str, float]]:
    """The per-epoch metrics of a keras model's last ``fit`` (``model.history.history``:
    loss, val_loss, accuracy…), in epoch order, so each epoch is a step."""
    if not _is_keras_model(model):
        return []
    history = getattr(getattr(model, "history", None), "history", None)
    if not isinstance(history, dict):
        return []
    out = []
    for epoch in range(max((len(v) for v in history.values() if isinstance(v, list)),
                           default=0)):
        for key, values in history.items():
            if isinstance(values, list) and epoch < len(values):
                value = scalar(values[epoch])
                if value is not None and math.isfinite(value):
                    out.append((key, value))
    return out


def search_results(search: Any) -> tuple[dict[str, Any], float | None, str]:
    """A fitted search's ``best_params_`` (as ``best.<param>``), ``best_score_`` and a compact
    CSV of its candidates: their params and mean/std test score, rank and fit time."""
    best = {f"best.{k}": param_text(v) for k, v in (getattr(search, "best_params_", None)
                                                    or {}).items()}
    score = getattr(search, "best_score_", None)
    score = float(score) if isinstance(score, numbers.Real) and math.isfinite(score) else None
    results = search.cv_results_
    params = results.get("params") or []
    keys = sorted({k for p in params for k in p})
    columns = [c for c in _SEARCH_COLUMNS if c in results]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*keys, *columns])
    for i, candidate in enumerate(params[:_MAX_CANDIDATES]):
        writer.writerow([*(param_text(candidate.get(k, "")) for k in keys),
                         *(_cell(results[c][i]) for c in columns)])
    return best, score, out.getvalue()


def _cell(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def metric_value(name: str, value: Any, pattern: re.Pattern[str]) -> float | None:
    """The value of a metric-like scalar bound to ``name`` (numpy scalars included), or None."""
    if pattern.search(name) is None:
        return None
    return scalar(value)


def scalar(value: Any) -> float | None:
    """A real number (numpy scalars and 0-d arrays included) as a float, or None."""
    if isinstance(value, bool):
        return None
    if not isinstance(value, numbers.Real):
        if getattr(value, "shape", None) != () or not hasattr(value, "item"):
            return None
        value = value.item()
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            return None
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        return None
