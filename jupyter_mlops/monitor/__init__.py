"""Drift between a model's training data profile and the data it is served, and the way
back: retrain a version on new data, promote it only when it is better.

Composes ``capture`` (the profile format), ``store`` (the prediction log, aliases) and
``registry`` (packages, export, verify); knows nothing of the server, the kernel extension
or the serving process.
"""

from __future__ import annotations

from .drift import compare, compare_column, pick_baseline

__all__ = ["compare", "compare_column", "pick_baseline"]
