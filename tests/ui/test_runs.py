"""The run history in a real JupyterLab: rows, filters, details, comparison, the empty and
failing states, and a run appearing after the track command in a live notebook."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import jupyter_mlops
from jupyter_mlops.store import Store

from .helpers import RUN_ROW, open_lab, reload_when_saved, reload_with_sidebar, show_sidebar
from .seed import REPORT, STALE_WARNING, seed_runs

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

    from .conftest import JupyterLabServer

pytestmark = pytest.mark.ui

RUNS_ROUTE = re.compile(r".*/jupyter-mlops/api/runs\?.*")
TRAINING_CELL = """\
import numpy as np
from sklearn.linear_model import LogisticRegression

X = np.array([[0.0], [1.0], [2.0], [3.0], [4.0], [5.0]])
y = np.array([0, 0, 0, 1, 1, 1])
clf = LogisticRegression(C=2.0).fit(X, y)
accuracy = clf.score(X, y)
"""


@pytest.fixture(scope="session")
def seeded(jupyter_lab: JupyterLabServer, tmp_path_factory: pytest.TempPathFactory
           ) -> dict[str, str]:
    return seed_runs(jupyter_lab.store_dir, tmp_path_factory.mktemp("data"))


def rows(sidebar: Locator) -> Locator:
    return sidebar.locator(RUN_ROW)


def row(sidebar: Locator, run_id: str) -> Locator:
    return sidebar.locator(f'{RUN_ROW}[data-run-id="{run_id}"]')


def shown_ids(sidebar: Locator) -> set[str]:
    return set(rows(sidebar).evaluate_all("rows => rows.map(r => r.dataset.runId)"))


def expect_rows(sidebar: Locator, run_ids: list[str]) -> None:
    """The list shows exactly these runs, in this order."""
    from playwright.sync_api import expect

    expect(rows(sidebar)).to_have_count(len(run_ids))
    for index, run_id in enumerate(run_ids):
        expect(rows(sidebar).nth(index)).to_have_attribute("data-run-id", run_id)


def open_runs(page: Page, server: JupyterLabServer) -> Locator:
    open_lab(page, server.url, server.token)
    return show_sidebar(page)


def test_runs_list_filters(
    page: Page, jupyter_lab: JupyterLabServer, seeded: dict[str, str], output_dir: Path
) -> None:
    from playwright.sync_api import expect

    sidebar = open_runs(page, jupyter_lab)
    # Newest first; no notebook is active, so every run is listed.
    expect(rows(sidebar).first).to_have_attribute("data-run-id", seeded["resnet-small"])
    assert set(seeded.values()) <= shown_ids(sidebar)
    expect(sidebar.get_by_test_id("mlops-scope-note")).to_contain_text("No active notebook")

    expect(row(sidebar, seeded["diverged"])).to_have_attribute("data-status", "failed")
    badge = "mlops-warning-badge"
    expect(row(sidebar, seeded["baseline-lr"]).get_by_test_id(badge)).to_be_visible()
    expect(row(sidebar, seeded["tuned-lr"]).get_by_test_id(badge)).to_have_count(0)
    expect(row(sidebar, seeded["tuned-lr"])).to_contain_text("accuracy 0.91")
    page.screenshot(path=output_dir / "runs.png")

    sidebar.get_by_test_id("mlops-filter-status").select_option("failed")
    expect(rows(sidebar)).to_have_count(1)
    expect(rows(sidebar).first).to_have_attribute("data-run-id", seeded["diverged"])
    sidebar.get_by_test_id("mlops-filter-status").select_option("")
    expect(row(sidebar, seeded["tuned-lr"])).to_be_visible()

    sidebar.get_by_test_id("mlops-search").fill("tuned")
    expect(rows(sidebar)).to_have_count(1)
    expect(rows(sidebar).first).to_have_attribute("data-run-id", seeded["tuned-lr"])
    sidebar.get_by_test_id("mlops-search").fill("")
    expect(row(sidebar, seeded["resnet-small"])).to_be_visible()

    sidebar.get_by_test_id("mlops-filter-tag").fill("team=cv")
    expect(rows(sidebar)).to_have_count(1)
    expect(rows(sidebar).first).to_have_attribute("data-run-id", seeded["resnet-small"])
    sidebar.get_by_test_id("mlops-filter-tag").fill("")
    expect(row(sidebar, seeded["diverged"])).to_be_visible()

    sidebar.get_by_test_id("mlops-filter-experiment").select_option("churn")
    expect(rows(sidebar)).to_have_count(3)
    sidebar.get_by_test_id("mlops-sort").select_option("metrics.accuracy")
    # Descending accuracy, the run without it last.
    expect_rows(sidebar, [seeded[name] for name in ("tuned-lr", "baseline-lr", "diverged")])
    page.screenshot(path=output_dir / "runs-filtered.png")


def test_run_details_and_edits(
    page: Page, jupyter_lab: JupyterLabServer, seeded: dict[str, str], output_dir: Path
) -> None:
    from playwright.sync_api import expect

    sidebar = open_runs(page, jupyter_lab)
    run_id = seeded["baseline-lr"]
    # Keyboard: focus the list, walk down to the run and open it with Enter.
    sidebar.get_by_test_id("mlops-run-list").focus()
    for _ in range(20):
        active = sidebar.get_by_test_id("mlops-run-list").get_attribute("aria-activedescendant")
        if active == f"jp-mlops-run-{run_id}":
            break
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")

    details = page.locator(f'[data-testid="mlops-run-details"][data-run-id="{run_id}"]')
    expect(details).to_be_visible()
    expect(details.get_by_test_id("mlops-params")).to_contain_text("penalty")
    metrics = details.get_by_test_id("mlops-metrics")
    expect(metrics.locator('[data-metric="accuracy"] svg')).to_be_visible()
    expect(metrics.locator('[data-metric="accuracy"] circle')).to_have_count(3)
    datasets = details.get_by_test_id("mlops-datasets")
    expect(datasets).to_contain_text("train.csv")
    datasets.locator("summary").first.click()
    expect(datasets).to_contain_text("churned")
    expect(details.get_by_test_id("mlops-figures").locator("img")).to_have_js_property(
        "complete", True)
    assert details.get_by_test_id("mlops-figures").locator("img").evaluate(
        "img => img.naturalWidth") > 0
    artifacts = details.get_by_test_id("mlops-artifacts")
    expect(artifacts).to_contain_text("report.html")
    expect(details.locator("iframe, embed, object")).to_have_count(0)  # never rendered inline
    with page.expect_download() as download_info:
        artifacts.get_by_title("Download report.html").click()
    download = download_info.value
    assert download.suggested_filename == "report.html"
    assert Path(download.path()).read_text() == REPORT
    warnings = details.get_by_test_id("mlops-warnings")
    expect(warnings).to_contain_text(STALE_WARNING)
    expect(warnings).to_contain_text("no longer shows the code")
    expect(details.get_by_test_id("mlops-environment")).to_contain_text("python.version")
    package = details.get_by_test_id("mlops-package")
    expect(package).to_be_enabled()
    expect(package).to_have_attribute("title", "Package and register model (LogisticRegression)")
    page.screenshot(path=output_dir / "run-details.png")

    name = details.get_by_test_id("mlops-run-name")
    name.fill("baseline-lr-renamed")
    name.press("Enter")
    expect(row(sidebar, run_id)).to_contain_text("baseline-lr-renamed")
    details.get_by_test_id("mlops-new-tag").fill("reviewed=yes")
    details.get_by_test_id("mlops-new-tag").press("Enter")
    expect(details.get_by_test_id("mlops-tags")).to_contain_text("reviewed=yes")
    stored = jupyter_mlops.get_run(run_id, store=str(jupyter_lab.store_dir))
    assert stored["name"] == "baseline-lr-renamed"
    assert stored["tags"]["reviewed"] == "yes"

    # Like a notebook, the page comes back after a reload, named after the renamed run.
    expect(page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab",
                        has_text="baseline-lr-renamed")).to_be_visible()
    reload_when_saved(page, f"jupyter-mlops-run-{run_id}")
    expect(page.locator(f'[data-testid="mlops-run-details"][data-run-id="{run_id}"]')
           ).to_be_visible()
    expect(page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab",
                        has_text="baseline-lr-renamed")).to_be_visible()


def test_compare_two_runs(
    page: Page, jupyter_lab: JupyterLabServer, seeded: dict[str, str], output_dir: Path
) -> None:
    from playwright.sync_api import expect

    sidebar = open_runs(page, jupyter_lab)
    for name in ("tuned-lr", "baseline-lr"):
        row(sidebar, seeded[name]).locator(".jp-mlops-RunSelect").check()
    sidebar.get_by_test_id("mlops-compare").click()

    view = page.get_by_test_id("mlops-compare-view")
    expect(view).to_be_visible()
    params = view.get_by_test_id("mlops-compare-params")
    expect(params.locator('tr[data-key="C"]')).to_have_class(re.compile("jp-mlops-mod-differs"))
    expect(params.locator('tr[data-key="C"]')).to_contain_text("10.0")
    expect(params.locator('tr[data-key="penalty"]')).not_to_have_class(
        re.compile("jp-mlops-mod-differs"))
    expect(view.get_by_test_id("mlops-compare-metrics").locator('tr[data-key="accuracy"]')
           ).to_contain_text("0.91")
    expect(view.get_by_test_id("mlops-compare-chart").locator("svg circle")).to_have_count(6)
    expect(view.get_by_test_id("mlops-compare-datasets").locator("tr.jp-mlops-mod-differs")
           ).to_have_count(1)
    view.get_by_test_id("mlops-only-diffs").check()
    expect(params.locator('tr[data-key="penalty"]')).to_have_count(0)
    page.screenshot(path=output_dir / "compare.png")


def test_empty_store_explains_how_to_track(
    page: Page, jupyter_lab: JupyterLabServer, output_dir: Path
) -> None:
    from playwright.sync_api import expect

    page.route(RUNS_ROUTE, lambda route: route.fulfill(
        json={"runs": [], "next_cursor": None, "change_cursor": "0"}))
    sidebar = open_runs(page, jupyter_lab)
    empty = sidebar.get_by_test_id("mlops-empty-store")
    expect(empty).to_contain_text("%track")
    expect(empty).to_contain_text("%load_ext jupyter_mlops")
    expect(sidebar.get_by_test_id("mlops-no-models")).to_contain_text("No models are registered")
    page.screenshot(path=output_dir / "runs-empty.png")


def test_request_error_is_inline_with_retry(
    page: Page, jupyter_lab: JupyterLabServer, seeded: dict[str, str], output_dir: Path
) -> None:
    from playwright.sync_api import expect

    page.route(RUNS_ROUTE, lambda route: route.fulfill(
        status=500, json={"error": "store unavailable", "detail": "database is locked"}))
    sidebar = open_runs(page, jupyter_lab)
    error = sidebar.get_by_test_id("mlops-error")
    expect(error).to_contain_text("database is locked")
    page.screenshot(path=output_dir / "runs-error.png")

    page.unroute(RUNS_ROUTE)
    error.get_by_test_id("mlops-retry").click()
    expect(row(sidebar, seeded["tuned-lr"])).to_be_visible()
    expect(error).to_have_count(0)


def test_track_notebook_then_new_run_appears(
    page: Page, jupyter_lab: JupyterLabServer, seeded: dict[str, str], output_dir: Path
) -> None:
    from playwright.sync_api import expect

    sidebar = open_runs(page, jupyter_lab)
    expect(row(sidebar, seeded["tuned-lr"])).to_be_visible()
    before = shown_ids(sidebar)

    page.evaluate("async () => { await window.jupyterapp.commands.execute("
                  "'notebook:create-new', {kernelName: 'python3'}); }")
    notebook = page.locator(".jp-NotebookPanel").last
    expect(notebook.locator(".jp-Notebook")).to_be_visible()
    status = page.get_by_test_id("mlops-tracking-status")
    expect(status).to_have_attribute("data-tracked", "false", timeout=60_000)

    button = notebook.locator(".jp-mlops-TrackButton")
    expect(button).to_have_text("Track")
    button.click()
    # While the toast says tracking, the status bar and the button say so too.
    toast = page.locator(".Toastify__toast").filter(has_text="Tracking")
    expect(toast).to_be_visible(timeout=60_000)
    expect(status).to_have_attribute("data-tracked", "true", timeout=2_000)
    expect(status).to_have_text("MLOps: tracked")
    expect(button).to_have_text("Tracked")
    expect(button.locator("button")).to_be_disabled()
    page.screenshot(path=output_dir / "tracked-toast-and-status.png")

    page.evaluate(
        """code => {
            const panel = window.jupyterapp.shell.currentWidget;
            panel.content.activeCell.model.sharedModel.setSource(code);
        }""",
        TRAINING_CELL,
    )
    page.evaluate("async () => { await window.jupyterapp.commands.execute('notebook:run-cell'); }")

    # Polled, not pushed: the new run shows up without any reload.
    new_id = page.wait_for_function(
        """known => [...document.querySelectorAll('#jupyter-mlops-sidebar [data-run-id]')]
            .map(row => row.dataset.runId).find(id => !known.includes(id)) || null""",
        arg=sorted(before), timeout=30_000).json_value()
    expect(row(sidebar, new_id)).to_contain_text("accuracy")
    # Its first run narrows the list to the active notebook.
    expect(sidebar.get_by_test_id("mlops-scope-note")).to_have_text("Runs of Untitled.ipynb")
    expect(rows(sidebar)).to_have_count(1)
    page.screenshot(path=output_dir / "tracked-run.png")

    # Its details show the cell's code, highlighted like a notebook cell.
    row(sidebar, new_id).click()
    lineage = page.locator(f'[data-testid="mlops-run-details"][data-run-id="{new_id}"]'
                           ).get_by_test_id("mlops-lineage")
    expect(lineage).to_contain_text("LogisticRegression(C=2.0)")
    expect(lineage.locator(".jp-mlops-Code span").first).to_be_visible()
    lineage.scroll_into_view_if_needed()
    page.screenshot(path=output_dir / "tracked-run-details.png")


def test_filters_and_sort_survive_a_reload(
    page: Page, jupyter_lab: JupyterLabServer, seeded: dict[str, str], output_dir: Path
) -> None:
    from playwright.sync_api import expect

    sidebar = open_runs(page, jupyter_lab)
    expect(row(sidebar, seeded["tuned-lr"])).to_be_visible()
    sidebar.get_by_test_id("mlops-filter-experiment").select_option("churn")
    sidebar.get_by_test_id("mlops-sort").select_option("metrics.accuracy")
    sidebar.get_by_test_id("mlops-search").fill("lr")
    expect(rows(sidebar)).to_have_count(2)

    sidebar = reload_with_sidebar(page, '"query":"lr"')
    # The list comes back filtered and sorted.
    expect(sidebar.get_by_test_id("mlops-filter-experiment")).to_have_value("churn")
    expect(sidebar.get_by_test_id("mlops-sort")).to_have_value("metrics.accuracy")
    expect(sidebar.get_by_test_id("mlops-search")).to_have_value("lr")
    expect_rows(sidebar, [seeded["tuned-lr"], seeded["baseline-lr"]])
    page.screenshot(path=output_dir / "runs-filters-restored.png")


def test_run_details_show_dataset_profile_and_memory_in_human_units(
    page: Page, jupyter_lab: JupyterLabServer, seeded: dict[str, str], output_dir: Path
) -> None:
    from playwright.sync_api import expect

    sidebar = open_runs(page, jupyter_lab)
    row(sidebar, seeded["baseline-lr"]).click()
    details = page.locator(
        f'[data-testid="mlops-run-details"][data-run-id="{seeded["baseline-lr"]}"]')
    dataset = details.get_by_test_id("mlops-dataset").first
    dataset.locator("summary").click()
    profile = dataset.get_by_test_id("mlops-profile")
    expect(profile).to_be_visible()
    # The seeded frame: age 31, 45, 27, 52 (no missing values), churned 0, 1, 0, 1.
    age = profile.locator('tr[data-column="age"]')
    expect(age.get_by_test_id("mlops-profile-missing")).to_have_text("0 (0%)")
    expect(age.get_by_test_id("mlops-profile-quartiles")).to_have_text(
        re.compile(r"^[\d.]+ · 38 · [\d.]+$"))
    histogram = age.get_by_test_id("mlops-profile-histogram")
    expect(histogram).to_have_attribute("aria-label", "Histogram of age")
    assert histogram.locator("rect").count() > 1
    expect(profile.locator('tr[data-column="churned"]')).to_be_visible()

    environment = details.get_by_test_id("mlops-environment")
    memory = environment.locator("tr", has=page.locator("th", has_text=re.compile(
        r"^hardware\.memory$")))
    expect(memory.locator("td")).to_have_text(re.compile(r"^\d+(\.\d)? (KB|MB|GB|TB)$"))
    dataset.scroll_into_view_if_needed()
    page.screenshot(path=output_dir / "run-details-profile.png")


def test_filter_controls_fit_and_names_are_not_cut_by_badges(
    page: Page, jupyter_lab: JupyterLabServer, seeded: dict[str, str]
) -> None:
    """At the default sidebar width nothing in the filter bar overflows, and a warning
    badge and a package button beside a run name leave the name most of the row."""
    from playwright.sync_api import expect

    sidebar = open_runs(page, jupyter_lab)
    # baseline-lr has both a warning badge and a package button.
    expect(row(sidebar, seeded["baseline-lr"])).to_be_visible()
    bar = sidebar.locator(".jp-mlops-FilterBar")
    expect(bar).to_be_visible()
    overflowing = bar.evaluate("""bar => [...bar.querySelectorAll('input, select, button')]
        .filter(c => c.getBoundingClientRect().right > bar.getBoundingClientRect().right + 0.5)
        .map(c => c.dataset.testid || c.tagName)""")
    assert overflowing == []
    # Each name shows whole, or at least 100 px of it (some 14 characters), badges or not.
    cut = sidebar.locator(".jp-mlops-RunName").evaluate_all(
        "ns => ns.filter(n => n.clientWidth < Math.min(n.scrollWidth, 100))"
        ".map(n => [n.textContent, n.clientWidth])")
    assert cut == []


def test_compare_merges_the_same_dataset_under_two_names(
    page: Page, jupyter_lab: JupyterLabServer, tmp_path: Path, output_dir: Path
) -> None:
    """Two runs that read the same data, one calling it ``train`` and one ``training``:
    Compare shows one dataset row with equal fingerprints, not two half-empty rows."""
    import pandas as pd
    from playwright.sync_api import expect

    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [0, 1, 0]})
    ids = []
    for name, dataset in (("same-data-a", "train"), ("same-data-b", "training")):
        with jupyter_mlops.start_run(name, "merge", store=str(jupyter_lab.store_dir)) as run:
            run.log_dataset(frame, dataset)
            ids.append(run.run_id)
    try:
        open_lab(page, jupyter_lab.url, jupyter_lab.token)
        page.evaluate("ids => window.jupyterapp.commands.execute("
                      "'jupyter-mlops:compare-runs', {runIds: ids})", ids)
        view = page.get_by_test_id("mlops-compare-view")
        datasets = view.get_by_test_id("mlops-compare-datasets")
        expect(datasets.locator("tbody tr")).to_have_count(1)
        expect(datasets.locator("tbody tr")).to_contain_text("input:train / input:training")
        expect(datasets.locator("tr.jp-mlops-mod-differs")).to_have_count(0)
        datasets.scroll_into_view_if_needed()
        page.screenshot(path=output_dir / "compare-same-dataset.png")
    finally:
        # The other tests share this store and count its runs.
        store = Store.open(str(jupyter_lab.store_dir))
        for run_id in ids:
            store.set_deleted(run_id, True)
        store.close()
