"""An in-process IPython shell (one per test session, reset for every test) with the
extension loaded, a fresh store and a private spool directory."""

from __future__ import annotations

import json
import os

import pytest


@pytest.fixture(scope="session")
def _shell():
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    return InteractiveShell.instance(config=config)


@pytest.fixture
def shell(_shell, store_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    _shell.reset(new_session=False)
    _shell.run_cell("%load_ext jupyter_mlops", store_history=True)
    yield _shell
    _shell.extension_manager.unload_extension("jupyter_mlops")


@pytest.fixture
def kernel_env(store_dir, tmp_path, monkeypatch):
    """A real kernel inherits the store, a private spool and the notebook path, and draws
    with matplotlib's inline backend as in JupyterLab."""
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    yield tmp_path
    os.environ.pop("JPY_SESSION_NAME", None)  # set by notebook() for the kernel it starts


@pytest.fixture
def run(shell):
    """Execute a cell as a frontend would (stored in history), return the result."""

    def run_cell(code: str, cell_id: str | None = None):
        return shell.run_cell(code, store_history=True, cell_id=cell_id)

    return run_cell


@pytest.fixture
def tracker(shell):
    from jupyter_mlops.kernel import tracker_of

    return tracker_of(shell)


def write_notebook(path, cells: list[tuple[str, str]]) -> str:
    """A minimal .ipynb with code cells (id, source)."""
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {},
          "cells": [{"cell_type": "code", "id": cid, "source": src, "metadata": {},
                     "outputs": [], "execution_count": None} for cid, src in cells]}
    path.write_text(json.dumps(nb))
    return str(path)
