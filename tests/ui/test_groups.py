"""Grouping in the Experiments view counts every matching run, not the first page: with
1,500 runs (the first page holds 100) the headers show the store's counts, and a group
expands by paging its own runs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from jupyter_mlops.store import Store
from tests.benchmarks.seed import seed_runs

from .helpers import open_lab, running_jupyter_lab
from .test_experiments import OPEN, run_query

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from .helpers import JupyterLabServer

pytestmark = pytest.mark.ui
RUNS = 1500


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[JupyterLabServer, dict]]:
    """1,500 runs over two experiments (exp-0, exp-1), 5 params p0..p4 of 1..100 each."""
    with running_jupyter_lab(tmp_path_factory.mktemp("groups")) as server:
        store = Store.open(str(server.store_dir))
        try:
            seed_runs(store, RUNS, experiments=2)
            counts = store.group_runs(_search(), "experiment")
            over_half = store.group_runs(_search(["metrics.m0 > 0.5"]), "experiment")
        finally:
            store.close()
        yield server, {"all": _by_value(counts), "over_half": _by_value(over_half)}


def _search(conditions=()):
    from jupyter_mlops.store.search import RunSearch

    return RunSearch(conditions=list(conditions))


def _by_value(answer: dict) -> dict:
    return {g["value"]: g["count"] for g in answer["groups"]}


def test_group_headers_count_every_run_and_expand_page_by_page(
    page: Page, lab: tuple[JupyterLabServer, dict], output_dir: Path
) -> None:
    from playwright.sync_api import expect

    server, counts = lab
    assert counts["all"] == {"exp-0": 750, "exp-1": 750}
    open_lab(page, server.url, server.token)
    page.evaluate(f"() => window.jupyterapp.commands.execute('{OPEN}')")
    view = page.locator(".jp-mlops-Experiments")
    expect(view.get_by_test_id("mlops-total")).to_have_text("1500 runs")
    view.get_by_test_id("mlops-group").select_option("experiment")
    headers = view.get_by_test_id("mlops-group-row")
    expect(headers).to_have_count(2)
    expect(headers.get_by_test_id("mlops-group-count")).to_have_text(["750 runs", "750 runs"])
    expect(view.locator("[data-run-id]")).to_have_count(0)  # collapsed

    toggle = view.locator('[data-group-value="exp-0"] button')
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    body = view.get_by_test_id("mlops-table-body")
    expect(view.locator("[data-run-id]").first).to_be_visible()
    # The table is windowed: the "more" row after the first 500 runs is at its bottom.
    body.evaluate("b => { b.scrollTop = b.scrollHeight; }")
    more = view.get_by_test_id("mlops-group-more")
    expect(more).to_contain_text("500 of 750 shown")
    page.screenshot(path=output_dir / "experiments-groups-expanded.png")
    more.click()
    expect(more).to_have_count(0)
    # At the bottom now, the last row is the group's 750th run.
    body.evaluate("b => { b.scrollTop = b.scrollHeight; }")
    expect(view.locator("[data-run-id]").last).to_have_attribute("aria-rowindex", "751")
    expect(view.locator('[data-group-value="exp-1"]')).to_be_visible()

    run_query(view, "metrics.m0 > 0.5")
    expected = sorted(counts["over_half"].items(), key=lambda kv: (-kv[1], kv[0]))
    expect(headers.get_by_test_id("mlops-group-count")).to_have_text(
        [f"{n} runs" for _, n in expected])
    expect(view.get_by_test_id("mlops-total")).to_have_text(
        f"{sum(counts['over_half'].values())} runs")
    page.screenshot(path=output_dir / "experiments-groups.png")
