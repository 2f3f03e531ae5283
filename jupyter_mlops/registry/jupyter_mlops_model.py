"""The loader a jupyter_mlops model package ships in ``code/`` (MLflow's ``loader_module``).

It needs only the model's own requirements (never jupyter_mlops): ``_load_pyfunc(path)``
reads ``model/model.json`` (which serialization, which file, which types skops may build,
which class a torch state_dict belongs to)
and returns an object whose ``predict(DataFrame)`` calls the model's own ``predict``.
"""

from __future__ import annotations

import json
import os
import pickle
from typing import Any


class PackagedModel:
    """What MLflow's pyfunc and ``jupyter_mlops.load_model`` call ``predict`` on."""

    def __init__(self, model: Any, info: dict):
        self.model = model
        self.info = info

    def predict(self, data: Any, params: dict | None = None) -> Any:
        if self.info.get("format") == "torch":  # a Module has no predict: its forward, as numpy
            import numpy as np
            import torch

            with torch.no_grad():
                rows = torch.as_tensor(np.asarray(data, dtype=np.float32))
                return self.model(rows).numpy()
        return self.model.predict(data)

    def get_raw_model(self) -> Any:
        return self.model


def load_raw(path: str) -> tuple[Any, dict]:
    """The model object in the folder ``path`` (the package's ``model/``) and its info."""
    with open(os.path.join(path, "model.json"), encoding="utf-8") as f:
        info = json.load(f)
    file = os.path.join(path, info["file"])
    kind = info["format"]
    if kind == "skops":
        import skops.io

        # Only the types recorded when the package was built may be constructed.
        return skops.io.load(file, trusted=info.get("trusted") or []), info
    if kind == "torch":
        import importlib

        import torch

        module, _, qualname = info["class"].partition(":")
        cls: Any = importlib.import_module(module)
        for part in qualname.split("."):
            cls = getattr(cls, part)
        model = cls()
        # weights_only: the file holds tensors, and loading it runs no code
        model.load_state_dict(torch.load(file, weights_only=True))
        return model.eval(), info
    if kind == "cloudpickle":
        import cloudpickle  # noqa: F401  (needed by what it pickled)
    if kind in ("pickle", "cloudpickle"):
        with open(file, "rb") as f:
            return pickle.load(f), info
    raise ValueError(f"unknown model serialization {kind!r} in {path}")


def _load_pyfunc(path: str) -> PackagedModel:
    model, info = load_raw(path)
    return PackagedModel(model, info)
