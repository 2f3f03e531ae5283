"""The MLOps sidebar in a real JupyterLab: its header, how it fails, both themes."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import jupyter_mlops

from .helpers import open_lab, reload_with_sidebar, show_sidebar

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

    from .conftest import JupyterLabServer

pytestmark = pytest.mark.ui

HEALTH_ROUTE = "**/jupyter-mlops/api/health*"
THEMES_SETTINGS = "lab/api/settings/@jupyterlab/apputils-extension:themes"


def open_sidebar(page: Page, server: JupyterLabServer) -> Locator:
    open_lab(page, server.url, server.token)
    return show_sidebar(page)


def set_theme(server: JupyterLabServer, theme: str) -> None:
    raw = json.dumps({"theme": theme})
    request = urllib.request.Request(
        f"{server.url}{THEMES_SETTINGS}",
        data=json.dumps({"raw": raw}).encode(),
        method="PUT",
        headers={"Authorization": f"token {server.token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 204


@pytest.fixture
def dark_theme(jupyter_lab: JupyterLabServer) -> Iterator[None]:
    set_theme(jupyter_lab, "JupyterLab Dark")
    try:
        yield
    finally:
        set_theme(jupyter_lab, "JupyterLab Light")


def luminance(css_color: str) -> float:
    red, green, blue = (int(part) for part in re.findall(r"\d+", css_color)[:3])
    return (0.2126 * red + 0.7152 * green + 0.0722 * blue) / 255


def test_sidebar_shows_version_and_store(
    page: Page, jupyter_lab: JupyterLabServer, output_dir: Path
) -> None:
    from playwright.sync_api import expect

    sidebar = open_sidebar(page, jupyter_lab)

    expect(sidebar.get_by_test_id("mlops-store-location")).to_have_text(str(jupyter_lab.store_dir))
    expect(sidebar.get_by_test_id("mlops-store-kind")).to_have_text("sqlite")
    expect(sidebar.get_by_test_id("mlops-version")).to_have_text(jupyter_mlops.__version__)
    expect(sidebar.get_by_test_id("mlops-error")).to_have_count(0)
    page.screenshot(path=output_dir / "sidebar.png")


def test_sidebar_explains_disabled_server_extension_and_retries(
    page: Page, jupyter_lab: JupyterLabServer, output_dir: Path
) -> None:
    from playwright.sync_api import expect

    # What Jupyter Server answers when the extension is not loaded: its HTML 404 page.
    page.route(
        HEALTH_ROUTE,
        lambda route: route.fulfill(
            status=404, content_type="text/html", body="<html><body>404: Not Found</body></html>"
        ),
    )
    sidebar = open_sidebar(page, jupyter_lab)

    error = sidebar.get_by_test_id("mlops-error")
    expect(error).to_have_attribute("data-error-kind", "not-enabled")
    expect(error).to_contain_text("not enabled")
    expect(error).to_contain_text("jupyter server extension enable jupyter_mlops")
    page.screenshot(path=output_dir / "sidebar-not-enabled.png")

    page.unroute(HEALTH_ROUTE)
    sidebar.get_by_test_id("mlops-retry").click()

    expect(error).to_have_count(0)
    expect(sidebar.get_by_test_id("mlops-store-location")).to_have_text(str(jupyter_lab.store_dir))


@pytest.mark.usefixtures("dark_theme")
def test_sidebar_follows_dark_theme(
    page: Page, jupyter_lab: JupyterLabServer, output_dir: Path
) -> None:
    from playwright.sync_api import expect

    sidebar = open_sidebar(page, jupyter_lab)
    expect(page.locator("body")).to_have_attribute("data-jp-theme-name", "JupyterLab Dark")
    location = sidebar.get_by_test_id("mlops-store-location")
    expect(location).to_have_text(str(jupyter_lab.store_dir))

    background = sidebar.evaluate("node => getComputedStyle(node).backgroundColor")
    text = location.evaluate("node => getComputedStyle(node).color")
    # Dark panel, light text: the sidebar uses the theme's variables, not fixed colours.
    assert luminance(background) < 0.3, background
    assert luminance(text) > 0.6, text
    page.screenshot(path=output_dir / "sidebar-dark.png")


def test_store_path_reads_left_to_right(page: Page, jupyter_lab: JupyterLabServer) -> None:
    """The header elides a long path at its start, without moving its leading / to the end."""
    sidebar = open_sidebar(page, jupyter_lab)
    first_two_chars_in_order = sidebar.get_by_test_id("mlops-store-location").evaluate(
        """node => {
            const text = node.querySelector('bdi').firstChild, range = document.createRange();
            const left = i => { range.setStart(text, i); range.setEnd(text, i + 1);
                                return range.getBoundingClientRect().left; };
            return text.textContent.startsWith('/') && left(0) < left(1);
        }""")
    assert first_two_chars_in_order


def test_offline_banner_replaces_rows_and_recovers(
    page: Page, jupyter_lab: JupyterLabServer, output_dir: Path
) -> None:
    from playwright.sync_api import expect

    sidebar = open_sidebar(page, jupyter_lab)
    # Rows, or the empty-store help when this session's store has none yet.
    rows = sidebar.locator('[data-run-id], [data-testid="mlops-empty-store"]')
    expect(rows.first).to_be_visible()
    # What the browser sees when the server has stopped: the connection fails.
    page.route("**/jupyter-mlops/api/runs*", lambda route: route.abort("connectionrefused"))
    banner = sidebar.get_by_test_id("mlops-offline")
    expect(banner).to_contain_text("Offline")
    expect(rows).to_have_count(0)
    page.screenshot(path=output_dir / "sidebar-offline.png")
    page.unroute("**/jupyter-mlops/api/runs*")
    expect(banner).to_have_count(0, timeout=15_000)
    expect(rows.first).to_be_visible()


def test_runs_section_keeps_its_height_after_a_reload(
    page: Page, jupyter_lab: JupyterLabServer, output_dir: Path
) -> None:
    """An empty Models section takes a fifth of the height, before and after a reload."""
    from playwright.sync_api import expect

    heights = """() => ['.jp-mlops-RunsSection', '.jp-mlops-ModelsSection'].map(
        s => document.querySelector(`#jupyter-mlops-sidebar ${s}`).getBoundingClientRect().height
    )"""
    sidebar = open_sidebar(page, jupyter_lab)
    expect(sidebar.get_by_test_id("mlops-store-location")).to_be_visible()
    runs, models = page.evaluate(heights)
    assert runs > 3 * models, (runs, models)

    reload_with_sidebar(page)
    page.wait_for_function(f"() => ({heights})()[0] > 3 * ({heights})()[1]", timeout=5_000)
    page.screenshot(path=output_dir / "sidebar-after-reload.png")

