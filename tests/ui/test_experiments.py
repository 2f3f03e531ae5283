"""The Experiments view in a real JupyterLab and Chromium: the query bar with completion,
the column chooser over 500 param keys, header sort, grouping and keyboard, every chart type
with its export, a saved view after a reload, deep links in a fresh page, and WCAG contrast
in the dark theme checked by axe-core."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import jupyter_mlops

from .helpers import open_lab, reload_when_saved, running_jupyter_lab
from .test_sidebar import set_theme

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page

    from .helpers import JupyterLabServer

pytestmark = pytest.mark.ui

AXE = (Path(__file__).resolve().parents[2] / "labextension" / "node_modules" / "axe-core"
       / "axe.min.js")
OPEN = "jupyter-mlops:open-experiments"
LINK = "jupyter-mlops:copy-experiments-link"
EXPERIMENTS = ("churn", "fraud", "vision")
WIDE_KEYS = 500


def seed(store_dir: Path) -> dict[str, dict]:
    """Eighteen runs over three experiments with 40-step histories, and one run with
    500 param keys. Returns each run's params and final auc by run id."""
    runs: dict[str, dict] = {}
    for i in range(18):
        experiment = EXPERIMENTS[i % 3]
        with jupyter_mlops.start_run(f"{experiment}-{i:02d}", experiment, store=str(store_dir),
                                     tags={"team": "risk" if i % 2 else "growth"}) as run:
            params = {"max_depth": 2 + i % 4, "lr": round(0.01 * (1 + i), 2),
                      "kernel": "rbf" if i % 3 else "linear"}
            run.log_params(params)
            auc = 0.6 + 0.02 * i
            for step in range(40):
                run.log_metrics({"auc": auc * (1 - 0.5 ** (step + 1)), "loss": 1 / (step + 1 + i)},
                                step=step)
            runs[run.run_id] = {"name": run.name, "auc": auc * (1 - 0.5 ** 40), **params}
    with jupyter_mlops.start_run("wide", "sweep", store=str(store_dir)) as run:
        run.log_params({f"p_{k:04d}": k for k in range(WIDE_KEYS)})
    return runs


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[JupyterLabServer, dict]]:
    """A JupyterLab of its own, so these runs do not change what the sidebar tests see."""
    with running_jupyter_lab(tmp_path_factory.mktemp("experiments")) as server:
        yield server, seed(server.store_dir)


def open_view(page: Page, server: JupyterLabServer) -> Locator:
    from playwright.sync_api import expect

    open_lab(page, server.url, server.token)
    page.evaluate(f"() => window.jupyterapp.commands.execute('{OPEN}')")
    view = page.locator(".jp-mlops-Experiments")
    expect(view.get_by_test_id("mlops-total")).to_have_text("19 runs")
    return view


def run_query(view: Locator, text: str) -> None:
    box = view.get_by_test_id("mlops-query")
    box.fill(text)
    box.press("Enter")


def shown_names(view: Locator) -> list[str]:
    return view.locator("[data-run-id] .jp-mlops-RunLink").all_inner_texts()


def test_query_completes_keys_from_the_store_and_filters(
    page: Page, lab: tuple[JupyterLabServer, dict], output_dir: Path
) -> None:
    from playwright.sync_api import expect

    server, runs = lab
    view = open_view(page, server)
    box = view.get_by_test_id("mlops-query")
    box.click()
    box.press_sequentially("metrics.a")
    suggestions = view.get_by_test_id("mlops-suggestions")
    expect(suggestions.get_by_role("option")).to_have_text(["metrics.aucmetric"])
    box.press("Tab")
    expect(box).to_have_value("metrics.auc ")
    expect(suggestions.get_by_role("option")).to_have_text(
        [f"{op}operator" for op in ("=", "!=", ">", ">=", "<", "<=")])
    box.press_sequentially("> 0.8 and ")
    box.press_sequentially("exp")
    expect(suggestions.get_by_role("option")).to_have_text(["experimentfield"])
    box.press("Tab")
    box.press_sequentially("= ")
    expect(suggestions.get_by_role("option")).to_have_count(4)  # churn fraud sweep vision
    page.screenshot(path=output_dir / "experiments-completion.png")
    box.press_sequentially("churn")
    box.press("Enter")

    expected = sorted(r["name"] for r in runs.values()
                      if r["auc"] > 0.8 and r["name"].startswith("churn"))
    assert len(expected) == 2
    expect(view.get_by_test_id("mlops-total")).to_have_text(f"{len(expected)} runs")
    assert sorted(shown_names(view)) == expected

    run_query(view, "metrics.auc > ")
    error = view.get_by_test_id("mlops-query-error")
    expect(error).to_contain_text("expected a value after metrics.auc >")
    expect(view.get_by_test_id("mlops-total")).to_have_text(f"{len(expected)} runs")
    page.screenshot(path=output_dir / "experiments-query-error.png")
    run_query(view, "params.kernel = linear and tags.team = risk")
    expect(error).to_have_count(0)
    expected = sorted(r["name"] for r in runs.values() if r["kernel"] == "linear")
    linear_risk = [n for n in expected if int(n.split("-")[1]) % 2]
    expect(view.get_by_test_id("mlops-total")).to_have_text(f"{len(linear_risk)} runs")


def test_column_chooser_sort_group_and_keyboard(
    page: Page, lab: tuple[JupyterLabServer, dict], output_dir: Path
) -> None:
    from playwright.sync_api import expect

    server, runs = lab
    view = open_view(page, server)
    view.get_by_test_id("mlops-columns").click()
    panel = view.get_by_test_id("mlops-column-panel")
    total_keys = WIDE_KEYS + 3 + 2 + 1  # p_*, max_depth/lr/kernel, auc/loss, team
    expect(panel.get_by_test_id("mlops-column-count")).to_have_text(
        f"{total_keys} of {total_keys} keys")
    panel.get_by_test_id("mlops-column-search").fill("p_0499")
    expect(panel.locator(".jp-mlops-ColumnOption")).to_have_count(1)
    panel.locator(".jp-mlops-ColumnOption input").check()
    panel.get_by_test_id("mlops-column-search").fill("auc")
    panel.locator(".jp-mlops-ColumnOption input").check()
    page.screenshot(path=output_dir / "experiments-columns.png")
    page.keyboard.press("Escape")
    expect(view.get_by_test_id("mlops-sort-params.p_0499")).to_be_visible()

    header = view.get_by_test_id("mlops-sort-metrics.auc")
    header.click()
    column = view.locator('[role="columnheader"]',
                          has=page.get_by_test_id("mlops-sort-metrics.auc"))
    expect(column).to_have_attribute("aria-sort", "descending")
    expect(header).to_contain_text("↓")
    expect(header).to_have_attribute("aria-label", "auc, sorted descending; sort ascending")
    best = max(runs.values(), key=lambda r: r["auc"])["name"]
    expect(view.locator("[data-run-id] .jp-mlops-RunLink").first).to_have_text(best)
    header.click()
    expect(column).to_have_attribute("aria-sort", "ascending")
    expect(header).to_contain_text("↑")

    view.get_by_test_id("mlops-group").select_option("experiment")
    expect(view.get_by_test_id("mlops-group-row")).to_have_count(4)
    page.screenshot(path=output_dir / "experiments-grouped.png")
    view.get_by_test_id("mlops-group").select_option("")

    body = view.get_by_test_id("mlops-table-body")
    body.focus()
    body.press("ArrowDown")
    body.press(" ")
    body.press("ArrowDown")
    body.press(" ")
    expect(view.get_by_test_id("mlops-table-compare")).to_be_enabled()
    body.press("Enter")
    expect(page.get_by_test_id("mlops-run-details")).to_be_visible()


@pytest.mark.parametrize("kind, mark, count", [
    ("steps", "path", 19), ("scatter", "circle", 18), ("parallel", "path", 18), ("bar", "rect", 18),
])
def test_each_chart_type_draws_and_exports(
    page: Page, lab: tuple[JupyterLabServer, dict], output_dir: Path, kind: str, mark: str,
    count: int
) -> None:
    from playwright.sync_api import expect

    server, _ = lab
    view = open_view(page, server)
    panel = view.get_by_test_id("mlops-chart-panel")
    panel.get_by_test_id(f"mlops-chart-{kind}").click()
    panel.get_by_test_id("mlops-chart-metric").select_option("auc")
    if kind == "scatter":
        panel.get_by_test_id("mlops-chart-param").select_option("lr")
    if kind == "parallel":
        panel.get_by_test_id("mlops-chart-params").select_option(["max_depth", "lr", "kernel"])
    if kind == "steps":
        panel.get_by_test_id("mlops-chart-smoothing").fill("0.5")
        panel.get_by_test_id("mlops-chart-log").check()
    chart = panel.locator(f'[data-testid="mlops-chart"][data-chart="{kind}"]')
    expect(chart).to_be_visible()
    # Steps: one line per run with a history (the wide run has none); others: per run with auc.
    marks = {"steps": "g[aria-label='line'] path", "scatter": "g[aria-label='dot'] circle",
             "parallel": "g[aria-label='line'] path", "bar": "g[aria-label='bar'] rect"}[kind]
    expect(chart.locator(marks)).to_have_count(count - (1 if kind == "steps" else 0))
    expect(chart.locator("text", has_text="auc").first).to_be_attached()
    with page.expect_download() as svg_download:
        panel.get_by_test_id("mlops-export-svg").click()
    svg = Path(svg_download.value.path()).read_text()
    assert svg.startswith("<svg") and "auc" in svg
    with page.expect_download() as png_download:
        panel.get_by_test_id("mlops-export-png").click()
    assert Path(png_download.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png_download.value.suggested_filename == f"{kind}-auc.png"
    view.screenshot(path=output_dir / f"experiments-chart-{kind}.png")


def test_saved_view_is_restored_after_reload(
    page: Page, lab: tuple[JupyterLabServer, dict], output_dir: Path
) -> None:
    from playwright.sync_api import expect

    server, _ = lab
    view = open_view(page, server)
    run_query(view, "params.max_depth >= 4")
    view.get_by_test_id("mlops-sort-duration").click()
    view.get_by_test_id("mlops-group").select_option("tags.team")
    view.get_by_test_id("mlops-chart-bar").click()
    view.get_by_test_id("mlops-save-view").click()
    page.get_by_role("dialog").locator("input").fill("deep trees")
    page.get_by_role("dialog").get_by_role("button", name="OK").click()
    expect(view.get_by_test_id("mlops-total")).to_have_text("8 runs")
    reload_when_saved(page, "deep trees")
    view = page.locator(".jp-mlops-Experiments")
    expect(view.get_by_test_id("mlops-query")).to_have_value("params.max_depth >= 4")
    expect(view.get_by_test_id("mlops-total")).to_have_text("8 runs")
    expect(view.locator('[role="columnheader"][aria-sort="descending"]')).to_contain_text(
        "Duration")
    expect(view.get_by_test_id("mlops-group")).to_have_value("tags.team")
    expect(view.locator('[data-chart="bar"]')).to_be_visible()
    expect(view.get_by_test_id("mlops-saved-views").locator("option")).to_contain_text(
        ["Saved views (1)", "deep trees"])
    run_query(view, "")
    expect(view.get_by_test_id("mlops-total")).to_have_text("19 runs")
    view.get_by_test_id("mlops-saved-views").select_option("deep trees")
    expect(view.get_by_test_id("mlops-total")).to_have_text("8 runs")
    page.screenshot(path=output_dir / "experiments-restored.png")


def test_deep_links_open_a_fresh_page_on_a_view_and_a_run(
    page: Page, browser: Browser, lab: tuple[JupyterLabServer, dict]
) -> None:
    from playwright.sync_api import expect

    server, runs = lab
    view = open_view(page, server)
    run_query(view, 'experiment = "vision"')
    expect(view.get_by_test_id("mlops-total")).to_have_text("6 runs")
    link = page.evaluate(f"() => window.jupyterapp.commands.execute('{LINK}')")
    assert "mlops-view=" in link

    fresh = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        other = fresh.new_page()
        other.goto(f"{link}&token={server.token}")
        shown = other.locator(".jp-mlops-Experiments")
        expect(shown.get_by_test_id("mlops-query")).to_have_value('experiment = "vision"',
                                                                  timeout=30_000)
        expect(shown.get_by_test_id("mlops-total")).to_have_text("6 runs")

    finally:
        fresh.close()
    fresh = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        other = fresh.new_page()
        run_id, run = next(iter(runs.items()))
        other.goto(f"{server.url}lab/workspaces/run-link?mlops-run={run_id}&token={server.token}")
        details = other.get_by_test_id("mlops-run-details")
        # A fresh page boots JupyterLab from nothing: slower than a click on a shared machine.
        expect(details).to_have_attribute("data-run-id", run_id, timeout=30_000)
        expect(details.get_by_test_id("mlops-run-name")).to_have_value(run["name"])
    finally:
        fresh.close()


# WCAG 2 contrast of every element with its own text under `root`, against the first
# opaque background behind it; the same formula axe-core's color-contrast rule uses.
LOW_CONTRAST = """root => {
    const rgb = css => {
        const n = (css.match(/[\\d.]+/g) || []).map(Number);
        // color-mix() computes to color(srgb r g b [/ a]) with channels from 0 to 1.
        return css.startsWith('color(') ? [n[0] * 255, n[1] * 255, n[2] * 255, n[3] ?? 1] : n;
    };
    const linear = c => (c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    const lum = ([r, g, b]) => 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
    const background = el => {
        for (; el; el = el.parentElement) {
            const c = rgb(getComputedStyle(el).backgroundColor);
            if (c.length === 3 || c[3] > 0.9) return c;
        }
        return [255, 255, 255];
    };
    const bad = [];
    for (const el of document.querySelector(root).querySelectorAll('*')) {
        const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
        const style = getComputedStyle(el);
        if (!own || style.visibility === 'hidden' || el.getClientRects().length === 0 ||
            el.closest('[aria-hidden="true"]')) continue;
        const [a, b] = [lum(rgb(style.color)), lum(background(el))];
        const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
        const large = parseFloat(style.fontSize) >= 24 ||
            (parseFloat(style.fontSize) >= 18.66 && Number(style.fontWeight) >= 700);
        if (ratio < (large ? 3 : 4.5)) {
            bad.push(`${el.tagName} "${el.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}`);
        }
    }
    return bad;
}"""


def contrast_violations(page: Page, selector: str) -> list[str]:
    """Low-contrast text under `selector`: axe-core's color-contrast violations (and the
    elements it could not decide), then the same check computed here for every text."""
    page.add_script_tag(content=AXE.read_text())
    result = page.evaluate(
        """selector => axe.run(document.querySelector(selector),
              {runOnly: {type: 'rule', values: ['color-contrast']}})""", selector)
    found = [f"axe: {node['html'][:100]} {node['failureSummary'][:160]}"
             for violation in result["violations"] for node in violation["nodes"]]
    return found + page.evaluate(LOW_CONTRAST, selector)


@pytest.fixture
def dark(lab: tuple[JupyterLabServer, dict]) -> Iterator[None]:
    set_theme(lab[0], "JupyterLab Dark")
    try:
        yield
    finally:
        set_theme(lab[0], "JupyterLab Light")


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_table_and_compare_pass_wcag_contrast(
    page: Page, lab: tuple[JupyterLabServer, dict], output_dir: Path, theme: str,
    request: pytest.FixtureRequest
) -> None:
    from playwright.sync_api import expect

    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: run jlpm install in labextension/")
    if theme == "dark":
        request.getfixturevalue("dark")
    server, _ = lab
    view = open_view(page, server)
    body = view.get_by_test_id("mlops-table-body")
    body.focus()
    for _ in range(2):
        body.press("ArrowDown")
        body.press(" ")
    assert contrast_violations(page, ".jp-mlops-Experiments") == []
    view.screenshot(path=output_dir / f"experiments-table-{theme}.png")

    view.get_by_test_id("mlops-table-compare").click()
    compare = page.get_by_test_id("mlops-compare-view")
    expect(compare.locator("tr.jp-mlops-mod-differs").first).to_be_visible()
    assert contrast_violations(page, '[data-testid="mlops-compare-view"]') == []
    compare.screenshot(path=output_dir / f"compare-{theme}.png")
