"""Drift between a model's training data profile and the data it is served.

Composes ``capture`` (the profile format) and ``store`` (the prediction log); knows nothing
of the server, the kernel extension or the serving process.
"""

from __future__ import annotations

from .drift import compare, compare_column, pick_baseline

__all__ = ["compare", "compare_column", "pick_baseline"]
