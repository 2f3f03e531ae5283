"""Fixtures for the browser tests: a real JupyterLab server and a headless Chromium.

The server is started the way a user starts it (see ``helpers.running_jupyter_lab``), with
the store, the Jupyter config/data/runtime dirs and the root dir all in temporary
directories, so neither the developer's settings nor earlier runs leak into a test.

Chromium is the system one (``apt-get install chromium``); Playwright's own browser
downloads are never used. Without Chromium or the ``playwright`` package the tests skip
locally and fail under ``CI=true``, where a skipped browser test would hide a broken UI.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import pytest

from tests.jupyter_process import JupyterStartError

from .helpers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    JupyterLabServer,
    running_jupyter_lab,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

OUTPUT_DIR = Path(__file__).parent / "output"


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


@contextlib.contextmanager
def lab_or_fail(base: Path) -> Iterator[JupyterLabServer]:
    """A running JupyterLab under ``base``; a server that cannot start fails the test."""
    try:
        with running_jupyter_lab(base) as server:
            yield server
    except JupyterStartError as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture(scope="session")
def jupyter_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterLabServer]:
    with lab_or_fail(tmp_path_factory.mktemp("jupyterlab")) as server:
        yield server


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
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(30_000)
    # The first page load of a session (cold browser cache) can take a few seconds on CI.
    expect.set_options(timeout=10_000)
    page = context.new_page()
    yield page
    if request.node.stash.get(FAILED, False):
        page.screenshot(path=output_dir / f"{request.node.name}-failure.png")
    context.close()
