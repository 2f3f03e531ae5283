"""Fixtures for the browser tests: a real JupyterLab server and a headless Chromium.

The server is started the way a user starts it (``jupyter lab`` in a subprocess), with the
store, the Jupyter config/data/runtime dirs and the root dir all in temporary directories,
so neither the developer's settings nor earlier runs leak into a test.

Chromium is the system one (``apt-get install chromium``); Playwright's own browser
downloads are never used. Without Chromium or the ``playwright`` package the tests skip
locally and fail under ``CI=true``, where a skipped browser test would hide a broken UI.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = os.environ.get("JUPYTER_MLOPS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
OUTPUT_DIR = Path(__file__).parent / "output"
SERVER_START_TIMEOUT = 60.0
# User settings for the test server: no news prompt or update check, which would cover
# the page in screenshots and try to reach the internet.
USER_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "ui: browser test against a real JupyterLab (needs Chromium and playwright)"
    )


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def _unavailable(reason: str) -> NoReturn:
    if _in_ci():
        pytest.fail(f"{reason} (CI=true: browser tests must run, not skip)", pytrace=False)
    pytest.skip(reason)


# pytest-jupyter (loaded by tests/conftest.py) wraps every test in autouse fixtures that
# take the current asyncio loop and close it afterwards. Under Playwright's sync API that
# loop is Playwright's own, still running, so closing it fails. These tests start their
# server in a subprocess and need neither fixture: both become no-ops here.
@pytest.fixture
def jp_asyncio_loop() -> None:
    return None


@pytest.fixture
def jp_server_cleanup() -> None:
    return None


FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Iterator[pytest.TestReport]:
    """On failure, keep what CI needs to debug: the server log (and, in `page`, a screenshot)."""
    report: pytest.TestReport = yield
    if report.when == "call" and report.failed:
        item.stash[FAILED] = True
        server = getattr(item, "funcargs", {}).get("jupyter_lab")
        if isinstance(server, JupyterLabServer):
            report.sections.append(("jupyter lab log (tail)", server.log.read_text()[-6000:]))
    return report


@dataclass(frozen=True)
class JupyterLabServer:
    url: str
    token: str
    store_dir: Path
    root_dir: Path
    log: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _write_user_settings(config_dir: Path) -> None:
    for name, settings in USER_SETTINGS.items():
        path = config_dir / "lab" / "user-settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(settings))


def _wait_until_answering(proc: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(
                f"jupyter lab exited with {proc.returncode}:\n{log.read_text()[-4000:]}",
                pytrace=False,
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    pytest.fail(
        f"jupyter lab did not answer within {SERVER_START_TIMEOUT:.0f} s:\n"
        f"{log.read_text()[-4000:]}",
        pytrace=False,
    )


@pytest.fixture(scope="session")
def jupyter_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterLabServer]:
    base = tmp_path_factory.mktemp("jupyterlab")
    root_dir, store_dir, jupyter_home = base / "root", base / "store", base / "jupyter"
    for directory in (root_dir, store_dir, jupyter_home):
        directory.mkdir()
    _write_user_settings(jupyter_home / "config")
    port, token = _free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        "JUPYTER_MLOPS_STORE": str(store_dir),
        # Per-user dirs only: the sys.prefix config that enables the server extension
        # and the installed labextensions still apply.
        "JUPYTER_CONFIG_DIR": str(jupyter_home / "config"),
        "JUPYTER_DATA_DIR": str(jupyter_home / "data"),
        "JUPYTER_RUNTIME_DIR": str(jupyter_home / "runtime"),
    }
    log = base / "jupyter-lab.log"
    with log.open("wb") as log_file:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jupyterlab",
                "--no-browser",
                "--allow-root",
                f"--port={port}",
                "--ServerApp.ip=127.0.0.1",
                f"--IdentityProvider.token={token}",
                f"--ServerApp.root_dir={root_dir}",
                # window.jupyterapp lets tests wait for the restored layout.
                "--LabApp.expose_app_in_browser=True",
            ],
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_until_answering(proc, f"{url}api/status?token={token}", log)
        yield JupyterLabServer(
            url=url, token=token, store_dir=store_dir, root_dir=root_dir, log=log
        )
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not os.path.exists(CHROMIUM):
        _unavailable(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright Python package is not installed (pip install playwright)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def output_dir() -> Path:
    """Screenshots for humans to review; gitignored."""
    OUTPUT_DIR.mkdir(exist_ok=True)
    return OUTPUT_DIR


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest, output_dir: Path) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(30_000)
    page = context.new_page()
    yield page
    if request.node.stash.get(FAILED, False):
        page.screenshot(path=output_dir / f"{request.node.name}-failure.png")
    context.close()
