"""Models and metrics: recognise what a cell produced, without importing any ML library.

These run on the names a tracked cell bound or mutated, so each check is a few attribute
lookups: a library that is not in ``sys.modules`` cannot have made the object.
"""

from __future__ import annotations

import math
import numbers
import re
import sys
from typing import Any

DEFAULT_METRIC_PATTERN = (
    r"(?i)(?:^|_)(?:accuracy|acc|auc|roc_auc|pr_auc|f1|f1_score|precision|recall|loss|logloss"
    r"|log_loss|rmse|mse|mae|mape|r2|score|mcc|kappa|error|err)(?:_|\d*$)"
)
_MAX_PARAM_TEXT = 250
_SIMPLE = (str, int, float, bool, type(None))


def is_fitted_model(obj: Any) -> bool:
    """A fitted scikit-learn-API estimator (pipelines, searches and the xgboost/lightgbm
    wrappers included), or a torch ``nn.Module`` when torch is loaded.

    "Fitted" is scikit-learn's own protocol: ``__sklearn_is_fitted__`` where the estimator
    defines it (a Pipeline has no fitted attributes of its own), else fit's attributes
    ending in ``_``.
    """
    if isinstance(obj, type):
        return False
    torch_nn = sys.modules.get("torch.nn")
    if torch_nn is not None and isinstance(obj, torch_nn.Module):
        return True
    kind = type(obj)
    if not (hasattr(kind, "get_params") and hasattr(kind, "fit")):
        return False
    if callable(getattr(obj, "__sklearn_is_fitted__", None)):  # pipelines, meta-estimators
        try:
            return bool(obj.__sklearn_is_fitted__())
        except Exception:
            return False
    try:
        attributes = vars(obj)
    except TypeError:
        return False
    return any(name.endswith("_") and not name.startswith("__") for name in attributes)


def model_type(obj: Any) -> str:
    kind = type(obj)
    return f"{kind.__module__}.{kind.__qualname__}"


def model_params(obj: Any) -> dict[str, Any]:
    """``get_params(deep=True)`` as simple values: nested estimators become their class name,
    other objects a short repr. A torch module has no such params: nothing."""
    get_params = getattr(obj, "get_params", None)
    if get_params is None:
        return {}
    params = {}
    for key, value in get_params(deep=True).items():
        if isinstance(value, _SIMPLE):
            if isinstance(value, float) and not math.isfinite(value):
                value = str(value)
            params[key] = value
        elif hasattr(value, "get_params"):
            params[key] = type(value).__name__
        else:
            params[key] = repr(value)[:_MAX_PARAM_TEXT]
    return params


def metric_value(name: str, value: Any, pattern: re.Pattern[str]) -> float | None:
    """The value of a metric-like scalar bound to ``name`` (numpy scalars included), or None."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    if pattern.search(name) is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        return None
