"""A model's drift report: its package's training profile against what it was served (the
prediction log) or a data file, for features and for the predictions.

The predictions' baseline is what the model predicted on its training inputs, profiled at
packaging (``prediction_profile.json``). Packages made before that file existed fall back
to the training target's profile (a training column that is not a model input), which a
classifier's predictions only roughly follow.
"""

from __future__ import annotations

import json
import os
import re
from datetime import datetime, timedelta, timezone
from typing import Any

from ..store import InvalidInput, Store
from .drift import ALPHA, compare, compare_column, pick_baseline

_RELATIVE = re.compile(r"^(\d+)\s*([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def since_ms(text: str | None) -> int | None:
    """``--since``: an ISO date/time (UTC unless it says otherwise) or an age like 30m,
    24h, 7d, 2w."""
    if text is None:
        return None
    now = datetime.now(timezone.utc)
    m = _RELATIVE.match(text.strip())
    if m:
        moment = now - timedelta(**{_UNITS[m[2]]: int(m[1])})
    else:
        try:
            moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        except ValueError:
            raise InvalidInput(f"--since {text!r}: use an ISO date/time (2026-01-31, "
                               "2026-01-31T12:00) or an age (30m, 24h, 7d, 2w)") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp() * 1000)


def read_data(path: str) -> Any:
    """A data file as a DataFrame: CSV, Parquet, JSON (records or lines) or Feather."""
    import pandas as pd

    if not os.path.isfile(path):
        raise InvalidInput(f"--data {path}: no such file")
    lower = path.lower()
    try:
        if lower.endswith((".parquet", ".pq")):
            return pd.read_parquet(path)
        if lower.endswith(".feather"):
            return pd.read_feather(path)
        if lower.endswith(".jsonl"):
            return pd.read_json(path, lines=True)
        if lower.endswith(".json"):
            return pd.read_json(path)
        return pd.read_csv(path)
    except (ValueError, OSError, ImportError) as e:
        raise InvalidInput(f"--data {path}: cannot read it: {str(e).splitlines()[0]}") from None


def logged(store: Store, served: dict, since: int | None) -> tuple[Any, Any]:
    """(inputs, predictions) the prediction log holds for a version (or a package)."""
    import pandas as pd

    if served["version"] is not None:
        entries = store.predictions(name=served["name"], version=served["version"],
                                    since_ms=since)
    else:
        entries = store.predictions(checksum=served["checksum"], since_ms=since)
    if not entries:
        raise InvalidInput(f"no logged predictions for {_label(served)}"
                           + (" in that time" if since else "")
                           + ": serve it with `jupyter mlops serve`, or pass --data FILE")
    frames = [pd.DataFrame(e["inputs"]["data"], columns=e["inputs"]["columns"])
              for e in entries]
    outputs = [v for e in entries for v in e["outputs"]]
    return pd.concat(frames, ignore_index=True), pd.Series(outputs, name="prediction")


def monitor(ref: str, *, store: Store | None, data: str | None = None,
            since: str | None = None, alpha: float = ALPHA, trust: bool = False) -> dict:
    """The drift report of ``ref`` (a registered version or a package folder)."""
    import pandas as pd

    from ..registry import load_model

    model = load_model(ref, store=store, trust=trust)
    meta = model.metadata
    folder = ref if os.path.isdir(ref) else _package_folder(ref, store)
    with open(os.path.join(folder, "datasets.json"), encoding="utf-8") as f:
        datasets = json.load(f)
    inputs = [c["name"] for c in (meta.get("signature") or {}).get("inputs") or []]
    baseline, labels = pick_baseline(datasets, inputs)
    expected = _predicted_on_training(folder) or labels
    if not baseline:
        raise InvalidInput(f"{ref} records no training data profile (datasets.json is empty): "
                           "there is nothing to compare with")
    served = {"name": meta.get("name"), "version": meta.get("version"),
              "checksum": meta["checksum"]}
    if data is not None:
        current = read_data(data)
        predictions = _predict(model, current, inputs)
        source = {"kind": "file", "path": os.path.abspath(data)}
    else:
        if store is None:
            raise InvalidInput("a package folder has no prediction log here: pass --data FILE "
                               "or --store")
        current, predictions = logged(store, served, since_ms(since))
        source = {"kind": "prediction log", "since": since}
    report = compare(baseline, current, inputs or None, alpha=alpha)
    prediction = None
    if expected is not None and predictions is not None and len(predictions):
        level = alpha / max(1, len(report["features"]))
        prediction = compare_column("prediction", expected, pd.Series(predictions), level)
    return {**report, "drift": report["drift"] or bool(prediction and prediction["drift"]),
            "model": served, "ref": ref, "current": source, "prediction": prediction}


def _predicted_on_training(folder: str) -> dict | None:
    path = os.path.join(folder, "prediction_profile.json")
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _package_folder(ref: str, store: Store | None) -> str:
    from ..registry import resolve

    return resolve(ref, store)[2]  # type: ignore[arg-type]


def _predict(model: Any, frame: Any, inputs: list[str]) -> Any:
    """The model's predictions on a data file, or None when the file lacks its inputs."""
    if inputs and not set(inputs) <= set(frame.columns):
        return None
    try:
        return model.predict(frame[inputs] if inputs else frame)
    except Exception:  # the file's values do not suit the model: features still compare
        return None


def _label(served: dict) -> str:
    if served["version"] is not None:
        return f"{served['name']}/{served['version']}"
    return f"package {served['checksum'][:12]}"
