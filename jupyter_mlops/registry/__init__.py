"""Model packages and the model registry: slice a run's executed cells into the program that
rebuilds its model, package the model in MLflow's format, register versions and aliases,
load packages with checksum verification, verify that a version can be rebuilt.

Composes ``capture`` and ``store``; knows nothing of the server or the kernel extension.
"""

from __future__ import annotations

from .load import LoadedModel, Tampered, load_model, parse_ref, resolve
from .register import AmbiguousModel, CannotPackage, register_model, run_models

__all__ = ["AmbiguousModel", "CannotPackage", "LoadedModel", "Tampered", "load_model",
           "parse_ref", "register_model", "resolve", "run_models"]
