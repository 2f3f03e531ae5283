"""Scrolling the Experiments table fast over 3,000 runs: every frame shows the rows at its
scroll position, and the next page is asked for well before the loaded rows run out."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from jupyter_mlops.store import Store
from tests.benchmarks.seed import seed_runs

from .helpers import open_lab, running_jupyter_lab
from .test_experiments import OPEN

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from .helpers import JupyterLabServer

pytestmark = pytest.mark.ui
RUNS = 3000
ROW_HEIGHT = 28  # labextension/src/experiments/components/RunsTable.tsx
BODY = '.jp-mlops-Experiments [data-testid="mlops-table-body"]'

# Scrolls the table one screen per frame for `frames` frames. In each frame's
# animation-frame callback, just before it is painted, notes whether a row is missing
# from the screen (by aria-rowindex) and how many rows were loaded below the screen;
# resource timing says when each next-page request started.
SCROLL = """async ({selector, frames, rowHeight}) => {
    const list = document.querySelector(selector);
    const log = [];
    // JupyterLab's own loading fills the default buffer of 250 entries.
    performance.clearResourceTimings();
    performance.setResourceTimingBufferSize(10000);
    for (let i = 0; i < frames; i++) {
        list.scrollTop += list.clientHeight;
        await new Promise(requestAnimationFrame);
        const first = Math.floor(list.scrollTop / rowHeight);
        const last = Math.floor((list.scrollTop + list.clientHeight - 1) / rowHeight);
        const shown = new Set([...list.querySelectorAll('[aria-rowindex]')]
            .map(row => Number(row.getAttribute('aria-rowindex')) - 2));
        let missing = 0;
        for (let index = first; index <= last; index++) {
            missing += !shown.has(index);
        }
        log.push({t: performance.now(), missing,
                  below: Math.round(list.scrollHeight / rowHeight) - last - 1});
    }
    const asked = performance.getEntriesByType('resource')
        .filter(entry => entry.name.includes('/runs?') && entry.name.includes('cursor='))
        .map(entry => entry.startTime);
    return {log, asked};
}"""


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterLabServer]:
    with running_jupyter_lab(tmp_path_factory.mktemp("scroll")) as server:
        store = Store.open(str(server.store_dir))
        try:
            seed_runs(store, RUNS)
        finally:
            store.close()
        yield server


def test_fast_scroll_shows_each_frames_rows_and_asks_for_the_next_page_a_page_early(
    page: Page, lab: JupyterLabServer
) -> None:
    from playwright.sync_api import expect

    page.set_viewport_size({"width": 1280, "height": 800})
    open_lab(page, lab.url, lab.token)
    page.evaluate(f"() => window.jupyterapp.commands.execute('{OPEN}')")
    expect(page.get_by_test_id("mlops-total")).to_have_text(re.compile(r"3,?000 runs"))
    result = page.evaluate(SCROLL, {"selector": BODY, "frames": 40, "rowHeight": ROW_HEIGHT})
    log, asked = result["log"], result["asked"]

    # Rendered in the frame that scrolled, not a frame later.
    assert [frame["missing"] for frame in log] == [0] * len(log)
    # The first page holds 100 rows, the next ones 500: at a screen (about 20 rows) per
    # frame, asking 40 rows before the end leaves two frames for the request, and the
    # scroll stops. The view asks a page (500 rows) before.
    # (A request begun before the first frame was asked on opening.)
    during = [started for started in asked if started > log[0]["t"]]
    assert during, "no next page was asked for while scrolling"
    # Rows loaded below the screen in the first frame after each request began (a frame
    # before, a page that had just arrived and set off the request may not be counted).
    # Only one page is asked at a time, so on a loaded machine a slow page delays the next
    # request until it arrives, late; the view must still have asked some page early.
    below_when_asked = []
    for started in during:
        after = [frame["below"] for frame in log if frame["t"] > started]
        if after:
            below_when_asked.append(after[0])
    assert max(below_when_asked, default=0) >= 300, (during, below_when_asked)
