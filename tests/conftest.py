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


# Set by .ci/run (a local PostgreSQL it installs and starts) to run every store test on
# PostgreSQL as well as SQLite; without it the PostgreSQL cases are reported as skipped.
POSTGRES_URL = os.environ.get("JUPYTER_MLOPS_TEST_POSTGRES")
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(
    not POSTGRES_URL, reason="JUPYTER_MLOPS_TEST_POSTGRES does not name an empty PostgreSQL "
                             "database (.ci/run sets one up)"))]


def _empty_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as c:
        c.execute(text("DROP SCHEMA public CASCADE"))
        c.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def store(request, store_dir, monkeypatch):
    """An empty store on each backend; JUPYTER_MLOPS_STORE points at it, so a server or a
    subprocess started by the test uses the same one."""
    from jupyter_mlops.store import Store

    if request.param == "postgresql":
        _empty_postgres(POSTGRES_URL)
        monkeypatch.setenv("JUPYTER_MLOPS_STORE", POSTGRES_URL)
        monkeypatch.setenv("JUPYTER_MLOPS_ARTIFACTS", str(store_dir / "artifacts"))
    st = Store.open()
    yield st
    st.close()


def run_cli(*args: str, env: dict | None = None, cwd: str | None = None):
    """``python -m jupyter_mlops ARGS`` in a fresh process, as a user would run it."""
    return subprocess.run([sys.executable, "-m", "jupyter_mlops", *args], capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, cwd=cwd, timeout=120)


pytest_plugins = ["pytest_jupyter.jupyter_server"]
