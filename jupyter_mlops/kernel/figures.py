"""The figures a cell shows, as the PNGs the notebook displayed.

Every display of a figure — ``plt.show()`` and the flush at the end of a cell with
matplotlib's inline backend, ``display(fig)``, a figure as a cell's result — goes through
the shell's display formatter, which renders it to PNG for the frontend. Wrapping
``shell.display_formatter.format`` keeps that PNG, so nothing is rendered twice and a figure
that the inline backend has shown and closed during the cell is not lost. Figures no
display showed (a non-inline backend such as Agg keeps them open) are rendered once the
cell ends, and again only when something changes them.
"""

from __future__ import annotations

import base64
import contextlib
import sys
import weakref
from collections.abc import Iterable
from typing import Any

from ..capture.figures import figure_to_png, is_figure


class Figures:
    def __init__(self, shell: Any):
        self.shell = shell
        self.recording = False
        self._shown: dict[int, tuple[Any, bytes]] = {}  # this cell's, by figure identity
        self._seen: weakref.WeakSet[Any] = weakref.WeakSet()
        self._original: Any = None

    def start(self) -> None:
        formatter = self.shell.display_formatter
        if self._original is not None:
            return
        self._original = original = formatter.format

        def format(obj: Any, *args: Any, **kwargs: Any) -> Any:
            result = original(obj, *args, **kwargs)
            if self.recording:
                with contextlib.suppress(Exception):
                    self._note(obj, result)
            return result

        formatter.format = format

    def stop(self) -> None:
        if self._original is not None:
            with contextlib.suppress(AttributeError):
                del self.shell.display_formatter.format  # back to the class's method
            self._original = None

    def begin(self) -> None:
        self._shown.clear()
        self.recording = True

    def end(self, defined: Iterable[str]) -> list[bytes]:
        """PNGs of the figures shown during the cell, then of figures it drew that no display
        showed: open pyplot figures and figures bound by the cell, new or changed."""
        self.recording = False
        shown, self._shown = self._shown, {}
        pngs = [png for _, png in shown.values()]
        for figure, _ in shown.values():
            self._mark_seen(figure)
        for figure in self._undisplayed(defined, shown):
            pngs.append(figure_to_png(figure))
            self._mark_seen(figure)
        return pngs

    def _note(self, obj: Any, result: Any) -> None:
        if not is_figure(obj):
            return
        data = result[0] if isinstance(result, tuple) else result
        png = data.get("image/png") if isinstance(data, dict) else None
        if isinstance(png, str):
            png = base64.b64decode(png)
        if isinstance(png, bytes) and png:
            self._shown[id(obj)] = (obj, png)

    def _undisplayed(self, defined: Iterable[str], shown: dict[int, Any]) -> list[Any]:
        figures = []
        helpers = sys.modules.get("matplotlib._pylab_helpers")
        if helpers is not None:
            figures = [m.canvas.figure for m in helpers.Gcf.get_all_fig_managers()]
        ns = self.shell.user_ns
        figures += [ns[n] for n in defined
                    if n in ns and is_figure(ns[n]) and ns[n] not in figures]
        return [f for f in figures if id(f) not in shown and f.axes
                and (f not in self._seen or f.stale)]

    def _mark_seen(self, figure: Any) -> None:
        # savefig leaves the figure stale; a figure that stays open (terminal backends)
        # is captured again only once something changes it.
        figure.stale = False
        self._seen.add(figure)
