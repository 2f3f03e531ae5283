"""The IPython extension: ``%load_ext jupyter_mlops`` registers ``%track``/``%%track``.

One tracker per shell. ``c.MlopsConfig.track_on_load = True`` (in any Jupyter or IPython
config file) starts tracking as soon as the extension loads.
"""

from __future__ import annotations

from typing import Any

from .tracker import Tracker

_trackers: dict[int, Tracker] = {}


def _config(shell: Any) -> Any:
    """MlopsConfig from jupyter_mlops_config.* overlaid with the shell's own config."""
    from traitlets.config import Config

    from ..config import MlopsConfig, load_config

    merged = Config()
    merged.merge(load_config().config)
    merged.merge(shell.config)
    return MlopsConfig(config=merged)


def load_ipython_extension(shell: Any) -> None:
    from .magics import TrackMagics

    if id(shell) in _trackers:
        return
    tracker = Tracker(shell, _config(shell))
    _trackers[id(shell)] = tracker
    shell.register_magics(TrackMagics(shell, tracker))
    if tracker.config.track_on_load:
        print(tracker.start())


def unload_ipython_extension(shell: Any) -> None:
    tracker = _trackers.pop(id(shell), None)
    if tracker is None:
        return
    if tracker.active:
        print(tracker.stop())
    for kind in ("line", "cell"):
        shell.magics_manager.magics[kind].pop("track", None)


def tracker_of(shell: Any) -> Tracker | None:
    return _trackers.get(id(shell))
