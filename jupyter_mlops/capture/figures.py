"""Matplotlib figures: recognise them and render them to PNG without touching pyplot."""

from __future__ import annotations

import io
import sys
from typing import Any


def is_figure(obj: Any) -> bool:
    """True for a matplotlib Figure; never imports matplotlib (if it is not loaded, ``obj``
    cannot be a figure)."""
    module = sys.modules.get("matplotlib.figure")
    return module is not None and isinstance(obj, module.Figure)


def figure_to_png(fig: Any, dpi: int = 100) -> bytes:
    """PNG bytes of ``fig`` rendered by Agg.

    ``savefig`` with an explicit format swaps in the Agg canvas only for the duration of the
    call, so the figure keeps its canvas, size and dpi, stays open and managed by pyplot (if it
    was), and the current figure does not change.
    """
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()
