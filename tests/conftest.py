"""Shared fixtures: every test gets its own store directory, never the user's."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


@pytest.fixture
def store_dir(tmp_path, monkeypatch):
    """A fresh store; the test also runs in its own folder (outside any git repository)."""
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "store"
    monkeypatch.setenv("JUPYTER_MLOPS_STORE", str(path))
    monkeypatch.delenv("JUPYTER_MLOPS_ARTIFACTS", raising=False)
    return path


@pytest.fixture
def store(store_dir):
    from jupyter_mlops.store import Store

    st = Store.open(str(store_dir))
    yield st
    st.close()


def run_cli(*args: str, env: dict | None = None, cwd: str | None = None):
    """``python -m jupyter_mlops ARGS`` in a fresh process, as a user would run it."""
    return subprocess.run([sys.executable, "-m", "jupyter_mlops", *args], capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, cwd=cwd, timeout=120)


pytest_plugins = ["pytest_jupyter.jupyter_server"]
