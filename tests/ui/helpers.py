"""What the browser tests and the sidebar benchmark share: a real ``jupyter lab`` on a
temporary store, and how to open it on a fresh workspace and show the MLOps sidebar.

The server is started the way a user starts it (``jupyter lab`` in a subprocess), with the
store, the Jupyter config/data/runtime dirs and the root dir all in temporary directories,
so neither the developer's settings nor earlier runs leak in.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tests.jupyter_process import jupyter_process

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

SIDEBAR_ID = "jupyter-mlops-sidebar"
SIDEBAR_TAB = f'.jp-SideBar.jp-mod-left .lm-TabBar-tab[data-id="{SIDEBAR_ID}"]'
RUN_ROW = "[data-run-id]"
CHROMIUM = os.environ.get("JUPYTER_MLOPS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# User settings for the server: no news prompt or update check, which would cover the page
# in screenshots and try to reach the internet.
USER_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


@dataclass(frozen=True)
class JupyterLabServer:
    url: str
    token: str
    store_dir: Path
    root_dir: Path
    log: Path


def _write_user_settings(config_dir: Path) -> None:
    for name, settings in USER_SETTINGS.items():
        path = config_dir / "lab" / "user-settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(settings))


@contextlib.contextmanager
def running_jupyter_lab(base: Path) -> Iterator[JupyterLabServer]:
    """``jupyter lab`` with everything under ``base``; its store is ``base/store``."""
    root_dir, store_dir, jupyter_home = base / "root", base / "store", base / "jupyter"
    for directory in (root_dir, store_dir, jupyter_home):
        directory.mkdir(exist_ok=True)
    _write_user_settings(jupyter_home / "config")
    env = {
        "JUPYTER_MLOPS_STORE": str(store_dir),
        # Per-user dirs only: the sys.prefix config that enables the server extension
        # and the installed labextensions still apply.
        "JUPYTER_CONFIG_DIR": str(jupyter_home / "config"),
        "JUPYTER_DATA_DIR": str(jupyter_home / "data"),
        "JUPYTER_RUNTIME_DIR": str(jupyter_home / "runtime"),
    }
    # window.jupyterapp lets tests wait for the restored layout.
    args = ("--LabApp.expose_app_in_browser=True",)
    with jupyter_process(root_dir, env, app="jupyterlab", args=args) as lab:
        yield JupyterLabServer(url=lab.url, token=lab.token, store_dir=store_dir,
                               root_dir=root_dir, log=lab.log)


def open_lab(page: Page, url: str, token: str) -> None:
    """JupyterLab in a fresh workspace (nothing restored), once its layout is restored."""
    workspace = f"mlops-{secrets.token_hex(4)}"
    page.goto(f"{url}lab/workspaces/{workspace}?token={token}")
    # A click before the layout is restored can be undone by the restore.
    page.wait_for_function("() => window.jupyterapp !== undefined")
    page.evaluate("() => window.jupyterapp.restored")


def show_sidebar(page: Page) -> Locator:
    from playwright.sync_api import expect

    page.locator(SIDEBAR_TAB).click()
    sidebar = page.locator(f"#{SIDEBAR_ID}")
    expect(sidebar).to_be_visible()
    return sidebar



# Whether the workspace JupyterLab saved (layout and state database, compact JSON) holds
# a piece of text.
_SAVED = """async text => {
    const url = location.pathname.replace('/lab/workspaces/', '/lab/api/workspaces/');
    return JSON.stringify((await (await fetch(url)).json()).data).includes(text);
}"""


def reload_when_saved(page: Page, *texts: str) -> None:
    """JupyterLab saves the workspace a moment after a change: wait until it holds each of
    ``texts``, then reload the page in that workspace and wait for the restored layout."""
    for text in texts:
        deadline = time.monotonic() + 10
        while not page.evaluate(_SAVED, text):
            assert time.monotonic() < deadline, f"the workspace never saved {text!r}"
            time.sleep(0.2)
    page.reload()
    page.wait_for_function("() => window.jupyterapp !== undefined")
    page.evaluate("() => window.jupyterapp.restored")


def reload_with_sidebar(page: Page, *texts: str) -> Locator:
    """Reload once the open sidebar (and ``texts``) are saved; the sidebar, shown again.
    The layout restorer reopens it; after other tests in the same server it has been seen
    to restore the file browser instead, and then it is opened as a user would."""
    reload_when_saved(page, f'"current":"{SIDEBAR_ID}"', *texts)
    sidebar = page.locator(f"#{SIDEBAR_ID}")
    return sidebar if sidebar.is_visible() else show_sidebar(page)


# Scrolls the element `selector` names by one screen per frame for 120 frames; resolves
# with the frame times in ms (the benchmarks' scrolling figure).
SCROLL_FRAMES = """async selector => {
    const list = document.querySelector(selector);
    const frames = [];
    let last = performance.now();
    for (let i = 0; i < 120; i++) {
        list.scrollTop += list.clientHeight;
        await new Promise(requestAnimationFrame);
        const now = performance.now();
        frames.push(now - last);
        last = now;
    }
    return frames;
}"""
