"""jupyter_mlops: notebook-native experiment tracking and model packaging for Jupyter.

The public Python API (``start_run``, ``log_run``, ``runs``, ``get_run``, ``register_model``,
``load_model``) and the entry points that
Jupyter Server and JupyterLab look for.
"""

from __future__ import annotations

try:
    from ._version import __version__
except ImportError:  # running from a source tree that was never built
    __version__ = "0.0.0.dev0"


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "jupyter-mlops"}]


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "jupyter_mlops.server"}]


def load_ipython_extension(shell: object) -> None:
    """``%load_ext jupyter_mlops``: registers the ``%track`` magics (see ``kernel/``)."""
    from .kernel import load_ipython_extension as load

    load(shell)


def unload_ipython_extension(shell: object) -> None:
    from .kernel import unload_ipython_extension as unload

    unload(shell)


_API = ("Run", "get_run", "log_run", "runs", "start_run")
_REGISTRY = ("load_model", "register_model")
__all__ = ["__version__", *_API, *_REGISTRY]


def __getattr__(name: str):
    """The API is imported on first use: Jupyter imports this package at every server start
    only to find its extension points."""
    if name in _API:
        from . import api

        return getattr(api, name)
    if name in _REGISTRY:
        from . import registry

        return getattr(registry, name)
    raise AttributeError(f"module 'jupyter_mlops' has no attribute {name!r}")
