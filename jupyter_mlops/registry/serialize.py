"""Serialize a model object into a package's ``model/`` folder.

scikit-learn models go to skops when skops can save and reload them (skops builds only the
types it lists, so loading cannot run arbitrary code), else to pickle; a torch ``nn.Module``
whose class is importable and builds with no arguments goes to its ``state_dict`` (loaded
with ``weights_only``: no code runs) plus the class reference; other models go to
cloudpickle (which also handles classes and functions defined in the notebook). The rebuild
kernel imports this module too, so a live and a rebuilt model are written the same way.
"""

from __future__ import annotations

import json
import os
import pickle
from typing import Any


class Unserializable(ValueError):
    """The model object cannot be written by any of the serializers."""


def is_sklearn(model: Any) -> bool:
    return type(model).__module__.split(".")[0] == "sklearn"


def is_torch(model: Any) -> bool:
    return any(c.__module__.split(".")[0] == "torch" for c in type(model).__mro__)


def save(model: Any, directory: str) -> dict:
    """Write ``model`` to ``directory``; returns the info also written as ``model.json``:
    format, file and (skops) the types loading may build."""
    os.makedirs(directory, exist_ok=True)
    info = None
    if is_sklearn(model):
        info = _skops(model, directory) or _pickle(model, directory, pickle, "pickle")
    if info is None and is_torch(model):
        info = _torch(model, directory)
    if info is None:
        import cloudpickle

        info = _pickle(model, directory, cloudpickle, "cloudpickle")
    if info is None:
        raise Unserializable(
            f"the model ({type(model).__module__}.{type(model).__qualname__}) cannot be "
            "serialized by skops, pickle or cloudpickle")
    with open(os.path.join(directory, "model.json"), "w", encoding="utf-8") as f:
        json.dump(info, f, indent=1, sort_keys=True)
    return info


def _skops(model: Any, directory: str) -> dict | None:
    try:
        import skops.io
    except ImportError:
        return None
    path = os.path.join(directory, "model.skops")
    try:
        skops.io.dump(model, path)
        trusted = sorted(skops.io.get_untrusted_types(file=path))
        skops.io.load(path, trusted=trusted)
    except Exception:
        if os.path.exists(path):
            os.unlink(path)
        return None
    return {"format": "skops", "file": "model.skops", "trusted": trusted}


def _torch(model: Any, directory: str) -> dict | None:
    """state_dict + class reference, if the class imports by name and rebuilds from it
    (checked by loading it back); else None (cloudpickle then)."""
    import importlib

    import torch

    cls = type(model)
    reference = f"{cls.__module__}:{cls.__qualname__}"
    path = os.path.join(directory, "model.pt")
    try:
        found = importlib.import_module(cls.__module__)
        for part in cls.__qualname__.split("."):
            found = getattr(found, part)
        if found is not cls or cls.__module__ == "__main__":
            return None
        torch.save(model.state_dict(), path)
        cls().load_state_dict(torch.load(path, weights_only=True))
    except Exception:
        if os.path.exists(path):
            os.unlink(path)
        return None
    return {"format": "torch", "file": "model.pt", "class": reference}


def _pickle(model: Any, directory: str, module: Any, name: str) -> dict | None:
    try:
        data = module.dumps(model, protocol=pickle.DEFAULT_PROTOCOL)
    except Exception:
        return None
    with open(os.path.join(directory, "model.pkl"), "wb") as f:
        f.write(data)
    return {"format": name, "file": "model.pkl"}


# --- what the package says about the model's inputs and outputs -------------------------

_MLFLOW_TYPES = {"b": "boolean", "f4": "float", "f8": "double", "i1": "integer",
                 "i2": "integer", "i4": "integer", "i8": "long", "u1": "integer",
                 "u2": "integer", "u4": "long", "M": "datetime"}
EXAMPLE_ROWS = 5


def training_inputs(model: Any, frames: list[Any]) -> Any:
    """The training data the model was fitted on, as the model reads it: the first DataFrame
    among ``frames`` (preferred first) with the model's columns (or its feature count)."""
    names = getattr(model, "feature_names_in_", None)
    count = getattr(model, "n_features_in_", None)
    if count is None and is_torch(model):  # the width of the first weight matrix
        first = next((p for p in model.parameters() if p.dim() == 2), None)
        count = None if first is None else int(first.shape[1])
    for frame in frames:
        columns = getattr(frame, "columns", None)
        if columns is None or not hasattr(frame, "head"):
            continue
        if names is not None and set(names) <= set(columns):
            return frame[list(names)]
        if names is None and (count is None or len(columns) == count):
            return frame
    return None


def column_type(dtype: Any) -> str:
    kind = getattr(dtype, "kind", "O")
    key = kind if kind in "bM" else f"{kind}{getattr(dtype, 'itemsize', 8)}"
    return _MLFLOW_TYPES.get(key, "string")


def signature(model: Any, example: Any) -> dict | None:
    """MLflow's signature (column specs for the inputs, a tensor or column spec for the
    outputs) from the example rows and what the model predicts for them."""
    if example is None:
        return None
    import numpy as np

    inputs = [{"type": column_type(dtype), "name": str(name), "required": True}
              for name, dtype in example.dtypes.items()]
    predicted = np.asarray(model.predict(example))
    if predicted.dtype.kind in "OUS":
        outputs = [{"type": "string", "required": True}]
    else:
        outputs = [{"type": "tensor", "tensor-spec": {"dtype": str(predicted.dtype),
                                                      "shape": [-1, *predicted.shape[1:]]}}]
    return {"inputs": inputs, "outputs": outputs}


def prediction_profile(model: Any, inputs: Any) -> dict | None:
    """The profile of what the model predicts on (a bounded sample of) its training inputs:
    the baseline the served predictions are compared with. A classifier predicts its
    classes in other shares than the labels occurred (it leans to the likelier), so the
    labels' profile would flag unchanged traffic. None for predictions that are not one
    value per row."""
    import numpy as np
    import pandas as pd

    from ..capture.profile import PROFILE_ROWS, profile_columns

    if inputs is None or not len(inputs):
        return None
    if len(inputs) > PROFILE_ROWS:
        rows = np.sort(np.random.default_rng(0).choice(len(inputs), PROFILE_ROWS, replace=False))
        inputs = inputs.iloc[rows]
    predicted = np.asarray(model.predict(inputs))
    if predicted.ndim == 2 and predicted.shape[1] == 1:
        predicted = predicted[:, 0]
    if predicted.ndim != 1:
        return None
    return profile_columns(pd.DataFrame({"prediction": predicted}))[0]


def write_model(model: Any, frames: list[Any], directory: str) -> dict:
    """Everything the package needs from the model object, written to ``directory``:
    ``model/``, ``input_example.json``, ``signature.json`` and ``prediction_profile.json``.
    Returns the model info."""
    info = save(model, os.path.join(directory, "model"))
    inputs = training_inputs(model, frames)
    example = None if inputs is None else inputs.head(EXAMPLE_ROWS)
    if example is not None:
        split = json.loads(example.to_json(orient="split", index=False, date_format="iso"))
        with open(os.path.join(directory, "input_example.json"), "w", encoding="utf-8") as f:
            json.dump({"columns": split["columns"], "data": split["data"]}, f)
    from .jupyter_mlops_model import PackagedModel

    packaged = PackagedModel(model, info)
    try:
        described = signature(packaged, example)
        predictions = prediction_profile(packaged, inputs)
    except Exception:  # a model that cannot predict on its own training rows: no signature
        described = predictions = None
    for name, value in (("signature.json", described), ("prediction_profile.json", predictions)):
        with open(os.path.join(directory, name), "w", encoding="utf-8") as f:
            json.dump(value, f)
    return info
