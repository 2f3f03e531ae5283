"""The model registry in a real JupyterLab: packaging a run made in a real kernel through the
dialog, its refusals shown in place, and the Models section's versions, alias moves with their
history, verification and download, all against the real REST API and store."""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

from jupyter_mlops.store import Store

from .conftest import lab_or_fail
from .helpers import JupyterLabServer, open_lab, show_sidebar

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

pytestmark = pytest.mark.ui

# Packaging from REST rebuilds the model in a fresh kernel; verification does it again. On a
# loaded CI machine either can take half a minute.
KERNEL_TIMEOUT_MS = 180_000
TRACK = "%load_ext jupyter_mlops\n%track"
FIT = "clf = LogisticRegression(C={C}).fit(X, y)\naccuracy = clf.score(X, y)"
DEMO_CELLS = [
    TRACK,
    "import pandas as pd\nfrom sklearn.ensemble import RandomForestClassifier\n"
    "from sklearn.linear_model import LogisticRegression",
    "df = pd.read_csv('train.csv')\nX, y = df[['a', 'b']], df['label']",
    FIT.format(C=0.5),
    "%track register churn --alias production",
    FIT.format(C=2.0),
    "%track register churn --alias staging",
    "lr = LogisticRegression(C=3.0).fit(X, y)\n"
    "rf = RandomForestClassifier(n_estimators=5, random_state=0).fit(X, y)\n"
    "accuracy = rf.score(X, y)",
]
# `X` comes from before tracking started: the run cannot be rebuilt from its cells.
UNREBUILDABLE_CELLS = [
    "import numpy as np\nX = np.arange(20.0).reshape(-1, 1)\ny = (X[:, 0] > 9).astype(int)",
    TRACK,
    "from sklearn.linear_model import LogisticRegression\n"
    "early = LogisticRegression().fit(X, y)\naccuracy = early.score(X, y)",
]


@pytest.fixture(scope="module")
def jupyter_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterLabServer]:
    """A server of its own: the runs and models made here stay out of the other UI tests."""
    with lab_or_fail(tmp_path_factory.mktemp("models-lab")) as server:
        yield server


def execute(folder: Path, name: str, cells: list[str], server: JupyterLabServer) -> None:
    """Run a notebook top to bottom in a real kernel that records into the server's store."""
    path = folder / name
    notebook = new_notebook(cells=[new_code_cell(code) for code in cells])
    nbformat.write(notebook, path)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("JUPYTER_MLOPS_STORE", str(server.store_dir))
        env.setenv("JPY_SESSION_NAME", str(path))
        env.setenv("JUPYTER_DATA_DIR", str(folder / ".jupyter-data"))
        NotebookClient(notebook, kernel_name="python3", timeout=120,
                       resources={"metadata": {"path": str(folder)}}).execute()


@pytest.fixture(scope="module")
def kernel_runs(jupyter_lab: JupyterLabServer) -> dict[str, str]:
    """Runs recorded by real kernels, by role: two fits of `clf` (each registered live as
    churn v1 and v2), a run holding two models, and a run that cannot be rebuilt."""
    folder = jupyter_lab.root_dir / "demo"
    folder.mkdir()
    rows = "\n".join(f"{i},{(i * 7) % 5},{i % 2}" for i in range(80))
    (folder / "train.csv").write_text(f"a,b,label\n{rows}\n")
    execute(folder, "registry_demo.ipynb", DEMO_CELLS, jupyter_lab)
    execute(folder, "early.ipynb", UNREBUILDABLE_CELLS, jupyter_lab)
    runs = {}
    for run in stored(jupyter_lab, lambda store: store.list_runs()):
        tags = run["tags"]
        if sum(key.endswith("model.name") for key in tags) == 2:
            runs["two-models"] = run["run_id"]
        elif tags.get("model.variable") == "early":
            runs["unrebuildable"] = run["run_id"]
        elif run["params"].get("C") == "2.0":
            runs["clf-C2"] = run["run_id"]
    assert set(runs) == {"two-models", "unrebuildable", "clf-C2"}, runs
    return runs


def stored(server: JupyterLabServer, read: Callable[[Store], Any]) -> Any:
    """What the server's store holds, read the way the CLI reads it."""
    store = Store.open(str(server.store_dir))
    try:
        return read(store)
    finally:
        store.close()


def registered(server: JupyterLabServer, name: str) -> dict:
    return stored(server, lambda store: store.get_model(name))


def open_sidebar(page: Page, server: JupyterLabServer) -> Locator:
    open_lab(page, server.url, server.token)
    return show_sidebar(page)


def focus_models(sidebar: Locator) -> None:
    """Collapse Runs so the Models section has the sidebar's height (for people and screenshots)."""
    sidebar.locator(".jp-AccordionPanel-title", has_text="Runs").click()


def churn_versions(page: Page, server: JupyterLabServer) -> Locator:
    """The sidebar with Runs collapsed and the versions of `churn` shown."""
    sidebar = open_sidebar(page, server)
    focus_models(sidebar)
    expand(sidebar, "churn")
    return sidebar


def version_item(sidebar: Locator, name: str, version: int) -> Locator:
    return sidebar.locator(
        f'[data-testid="mlops-model-version"][data-model="{name}"][data-version="{version}"]')


def expand(sidebar: Locator, name: str) -> Locator:
    model = sidebar.locator(f'[data-testid="mlops-model"][data-model="{name}"]')
    toggle = model.locator(".jp-mlops-ModelRow")
    if toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    return model


def package_dialog(page: Page, sidebar: Locator, run_id: str, via: str = "details") -> Locator:
    """The packaging dialog of a run, opened the way a user would: from the run's details page,
    from the button on its row, or from its row's context menu."""
    from playwright.sync_api import expect

    row = sidebar.locator(f'[data-run-id="{run_id}"]')
    if via == "details":
        row.click()
        details = page.locator(f'[data-testid="mlops-run-details"][data-run-id="{run_id}"]')
        details.get_by_test_id("mlops-package").click()
    elif via == "row":
        row.get_by_test_id("mlops-package").click()
    else:
        row.click(button="right")
        page.locator(".lm-Menu-item", has_text="Package and Register Model").click()
    dialog = page.locator(".jp-mlops-PackageDialog")
    expect(dialog.get_by_test_id("mlops-package-dialog")).to_be_visible()
    return dialog


def test_package_run_through_dialog_then_find_it_in_models(
    page: Page, jupyter_lab: JupyterLabServer, kernel_runs: dict[str, str], output_dir: Path
) -> None:
    from playwright.sync_api import expect

    sidebar = open_sidebar(page, jupyter_lab)
    run_id = kernel_runs["clf-C2"]
    dialog = package_dialog(page, sidebar, run_id)

    name = dialog.locator('input[name="name"]')
    # The suggestion comes from the notebook's name; existing names are offered as well.
    expect(name).to_have_value("registry_demo")
    expect(dialog.locator("datalist option")).to_have_attribute("value", "churn")
    expect(dialog.get_by_test_id("mlops-package-model")).to_contain_text("clf")
    expect(dialog.get_by_test_id("mlops-package-warnings")).to_contain_text("No lineage warnings")
    accept = dialog.locator(".jp-Dialog-button.jp-mod-accept")

    # An invalid name is refused before any request, and accepting is blocked.
    name.fill("churn model")
    expect(dialog.locator('[role="alert"]')).to_contain_text("starting with a letter or digit")
    expect(accept).to_be_disabled()

    name.fill("churn")
    expect(dialog.get_by_test_id("mlops-package-name-hint")).to_contain_text(
        "Adds a new version to the registered model churn")
    dialog.locator('input[name="alias"]').fill("candidate")
    dialog.locator('textarea[name="description"]').fill("C=2 refit for review")
    page.screenshot(path=output_dir / "package-dialog.png")
    accept.click()

    expect(dialog.get_by_test_id("mlops-package-progress")).to_be_visible()
    page.screenshot(path=output_dir / "package-dialog-progress.png")
    done = dialog.get_by_test_id("mlops-package-done")
    expect(done).to_contain_text("Registered churn version 3", timeout=KERNEL_TIMEOUT_MS)
    expect(done).to_contain_text("rebuilt in a fresh kernel")
    expect(accept).to_have_text("Show in Models")
    page.screenshot(path=output_dir / "package-dialog-done.png")

    stored = registered(jupyter_lab, "churn")
    newest = stored["versions"][0]
    assert (newest["version"], newest["run_id"], newest["source"]) == (3, run_id, "rebuilt")
    assert newest["description"] == "C=2 refit for review"
    assert stored["aliases"]["candidate"] == 3

    dialog.get_by_test_id("mlops-package-link").click()
    expect(dialog).to_have_count(0)
    item = version_item(sidebar, "churn", 3)
    expect(item).to_have_class(re.compile("jp-mod-highlighted"))
    expect(item.get_by_test_id("mlops-version-alias")).to_have_text("candidate")
    expect(item.get_by_test_id("mlops-verification")).to_have_attribute("data-status", "unverified")
    expect(item).to_contain_text("accuracy")
    focus_models(sidebar)
    sidebar.screenshot(path=output_dir / "models-new-version.png")

    # Its "open run" link leads back to the run it came from.
    item.get_by_role("button", name="open run").click()
    expect(page.locator(f'[data-testid="mlops-run-details"][data-run-id="{run_id}"]')
           ).to_be_visible()


def test_dialog_picks_among_several_models_and_shows_refusals_in_place(
    page: Page, jupyter_lab: JupyterLabServer, kernel_runs: dict[str, str], output_dir: Path
) -> None:
    from playwright.sync_api import expect

    sidebar = open_sidebar(page, jupyter_lab)
    dialog = package_dialog(page, sidebar, kernel_runs["two-models"], via="context-menu")
    picker = dialog.locator('select[name="model"]')
    options = picker.locator("option")
    expect(options).to_have_count(3)
    expect(options.first).to_have_text("Choose the model to package")
    expect(picker).to_contain_text("lr (sklearn.linear_model._logistic.LogisticRegression)")
    expect(picker).to_contain_text("rf (sklearn.ensemble._forest.RandomForestClassifier)")
    accept = dialog.locator(".jp-Dialog-button.jp-mod-accept")
    expect(accept).to_be_disabled()
    picker.select_option("rf")
    expect(accept).to_be_enabled()
    dialog.locator('input[name="name"]').fill("forest")
    page.screenshot(path=output_dir / "package-dialog-picker.png")
    dialog.locator(".jp-Dialog-button.jp-mod-reject").click()
    expect(dialog).to_have_count(0)

    # The server refuses a run whose cells cannot rebuild the model: the reason is shown in the
    # dialog, its fields stay as they were, and nothing is registered.
    dialog = package_dialog(page, sidebar, kernel_runs["unrebuildable"], via="row")
    warnings = dialog.get_by_test_id("mlops-package-warnings")
    expect(warnings).to_contain_text("lineage warning")
    dialog.locator('input[name="name"]').fill("early-model")
    dialog.locator(".jp-Dialog-button.jp-mod-accept").click()
    error = dialog.get_by_test_id("mlops-request-error")
    expect(error).to_contain_text("This run could not be packaged", timeout=KERNEL_TIMEOUT_MS)
    expect(error).to_contain_text("defined before tracking started")
    expect(error).to_contain_text("HTTP 422")
    expect(dialog.locator('input[name="name"]')).to_have_value("early-model")
    expect(dialog.locator(".jp-Dialog-button.jp-mod-accept")).to_have_text("Package and register")
    page.screenshot(path=output_dir / "package-dialog-refused.png")
    names = [model["name"] for model in stored(jupyter_lab, lambda store: store.list_models())]
    assert "early-model" not in names


def test_move_and_remove_aliases_with_history(
    page: Page, jupyter_lab: JupyterLabServer, kernel_runs: dict[str, str], output_dir: Path
) -> None:
    from playwright.sync_api import expect

    sidebar = churn_versions(page, jupyter_lab)
    v1, v2 = version_item(sidebar, "churn", 1), version_item(sidebar, "churn", 2)
    expect(v1.get_by_test_id("mlops-version-alias")).to_have_text(["production"])
    expect(v2.get_by_test_id("mlops-version-alias")).to_have_text(["staging"])

    v2.get_by_test_id("mlops-set-alias").click()
    form = v2.get_by_test_id("mlops-alias-form")
    form.locator("input").fill("production")
    expect(form).to_contain_text("Moves production from version 1 to version 2")
    sidebar.screenshot(path=output_dir / "models-alias-move.png")
    form.get_by_role("button", name="Move").click()

    expect(v2.get_by_test_id("mlops-version-alias")).to_have_text(["production", "staging"])
    expect(v1.get_by_test_id("mlops-version-alias")).to_have_count(0)
    assert registered(jupyter_lab, "churn")["aliases"]["production"] == 2

    v2.get_by_role("button", name="Remove alias staging from version 2").click()
    confirm = page.locator(".jp-Dialog", has_text="Remove alias staging?")
    expect(confirm).to_contain_text("churn@staging will no longer resolve to version 2")
    confirm.locator(".jp-Dialog-button.jp-mod-warn").click()
    expect(v2.get_by_test_id("mlops-version-alias")).to_have_text(["production"])
    assert "staging" not in registered(jupyter_lab, "churn")["aliases"]

    history = sidebar.get_by_test_id("mlops-alias-history")
    history.locator("summary").click()
    moves = history.locator("li")
    # Newest first, each with who made it.
    expect(moves.nth(0)).to_contain_text("staging removed from v2")
    expect(moves.nth(1)).to_contain_text("production moved v1 → v2")
    user = registered(jupyter_lab, "churn")["alias_history"][-1]["user"]
    assert user
    expect(moves.nth(0)).to_contain_text(user)
    sidebar.screenshot(path=output_dir / "models-alias-history.png")


def test_verify_shows_progress_then_badge(
    page: Page, jupyter_lab: JupyterLabServer, kernel_runs: dict[str, str], output_dir: Path
) -> None:
    from playwright.sync_api import expect

    sidebar = churn_versions(page, jupyter_lab)
    v1 = version_item(sidebar, "churn", 1)
    badge = v1.get_by_test_id("mlops-verification")
    expect(badge).to_have_attribute("data-status", "unverified")

    v1.get_by_test_id("mlops-verify").click()
    expect(v1.get_by_test_id("mlops-verify-progress")).to_be_visible()
    expect(v1.get_by_test_id("mlops-verify")).to_be_disabled()
    sidebar.screenshot(path=output_dir / "models-verifying.png")

    # A deterministic notebook on unchanged data reproduces.
    expect(badge).to_have_attribute("data-status", "reproduced", timeout=KERNEL_TIMEOUT_MS)
    expect(badge).to_have_text("reproduced")
    expect(v1.get_by_test_id("mlops-verify-progress")).to_have_count(0)
    stored = next(v for v in registered(jupyter_lab, "churn")["versions"] if v["version"] == 1)
    assert stored["verification"]["status"] == "reproduced"
    sidebar.screenshot(path=output_dir / "models-verified.png")


def test_verify_names_the_changed_dataset(
    page: Page, jupyter_lab: JupyterLabServer, kernel_runs: dict[str, str], output_dir: Path
) -> None:
    from playwright.sync_api import expect

    data = jupyter_lab.root_dir / "demo" / "train.csv"
    original = data.read_text()
    data.write_text(original.replace("\n0,0,0\n", "\n0,4,1\n", 1))
    try:
        sidebar = churn_versions(page, jupyter_lab)
        v2 = version_item(sidebar, "churn", 2)
        v2.get_by_test_id("mlops-verify").click()
        badge = v2.get_by_test_id("mlops-verification")
        expect(badge).to_have_attribute("data-status", "not_reproduced", timeout=KERNEL_TIMEOUT_MS)
        expect(badge).to_have_text("not reproduced")
        findings = v2.get_by_test_id("mlops-verification-findings")
        expect(findings).to_contain_text("dataset df: fingerprint changed")
        sidebar.screenshot(path=output_dir / "models-not-reproduced.png")
    finally:
        data.write_text(original)


def test_download_a_version_as_zip(
    page: Page, jupyter_lab: JupyterLabServer, kernel_runs: dict[str, str], tmp_path: Path
) -> None:
    sidebar = churn_versions(page, jupyter_lab)
    with page.expect_download() as download_info:
        version_item(sidebar, "churn", 1).get_by_test_id("mlops-download").click()
    download = download_info.value
    assert download.suggested_filename == "churn-v1.zip"
    target = tmp_path / "churn-v1.zip"
    download.save_as(target)
    with zipfile.ZipFile(target) as archive:
        names = set(archive.namelist())
        assert {"MLmodel", "manifest.json", "requirements.txt", "train.py"} <= names
        manifest = json.loads(archive.read("manifest.json"))["files"]
        # Every file is the one the registry recorded.
        for path, entry in manifest.items():
            assert hashlib.sha256(archive.read(path)).hexdigest() == entry["sha256"], path


def test_drift_badge_opens_the_last_report_and_its_plot(
    page: Page, jupyter_lab: JupyterLabServer, kernel_runs: dict[str, str], output_dir: Path
) -> None:
    from playwright.sync_api import expect

    from tests.conftest import run_cli

    demo = jupyter_lab.root_dir / "demo"
    rows = "\n".join(f"{i + 100},{(i * 7) % 5},{i % 2}" for i in range(80))
    (demo / "shifted.csv").write_text(f"a,b,label\n{rows}\n")
    result = run_cli("monitor", "churn/1", "--store", str(jupyter_lab.store_dir), "--data",
                     str(demo / "shifted.csv"), "--plot", str(demo / "drift.png"))
    assert result.returncode == 1, result.stdout + result.stderr

    sidebar = churn_versions(page, jupyter_lab)
    v1 = version_item(sidebar, "churn", 1)
    badge = v1.get_by_test_id("mlops-drift-badge")
    expect(badge).to_have_attribute("data-drift", "true")
    expect(badge).to_have_text("drift")
    expect(version_item(sidebar, "churn", 2).get_by_test_id("mlops-drift-badge")).to_have_count(0)
    badge.click()
    report = v1.get_by_test_id("mlops-drift-report")
    features = report.get_by_test_id("mlops-drift-feature")
    expect(features.first).to_have_text(re.compile(r"^a drift"))
    expect(features.first).to_have_attribute("data-drift", "true")
    expect(features.filter(has_text=re.compile(r"^b ok"))).to_have_attribute("data-drift",
                                                                            "false")
    plot = report.get_by_test_id("mlops-drift-plot")
    expect(plot).to_be_visible()
    assert plot.evaluate("img => img.complete && img.naturalWidth") > 0
    sidebar.screenshot(path=output_dir / "models-drift.png")


def test_promote_shows_the_dry_run_before_the_alias_moves(
    page: Page, jupyter_lab: JupyterLabServer, kernel_runs: dict[str, str], output_dir: Path
) -> None:
    from playwright.sync_api import expect

    sidebar = churn_versions(page, jupyter_lab)
    v2 = version_item(sidebar, "churn", 2)
    v2.get_by_test_id("mlops-promote").click()
    form = v2.get_by_test_id("mlops-promote-form")
    form.get_by_label("Alias to move").fill("release")
    form.get_by_label("Gates").fill("metrics.accuracy >= 2")
    form.get_by_role("button", name="Compare").click()
    comparison = form.get_by_test_id("mlops-promote-comparison")
    expect(comparison).to_have_attribute("data-passed", "false")
    expect(comparison).to_contain_text("not >= 2")
    move = form.get_by_role("button", name="Move release")
    expect(move).to_be_disabled()

    form.get_by_label("Gates").fill("metrics.accuracy >= 0")
    expect(comparison).to_have_count(0)  # a comparison is only shown for the inputs it answered
    form.get_by_role("button", name="Compare").click()
    expect(comparison).to_have_attribute("data-passed", "true")
    expect(move).to_be_enabled()
    assert "release" not in registered(jupyter_lab, "churn")["aliases"]  # a dry run moves nothing
    sidebar.screenshot(path=output_dir / "models-promote-dry-run.png")

    move.click()
    expect(comparison).to_have_attribute("data-moved", "true")
    expect(v2.get_by_test_id("mlops-version-alias").filter(has_text="release")).to_have_count(1)
    assert registered(jupyter_lab, "churn")["aliases"]["release"] == 2


def test_retrain_runs_as_a_job_and_shows_the_new_version(
    page: Page, jupyter_lab: JupyterLabServer, kernel_runs: dict[str, str], output_dir: Path
) -> None:
    from playwright.sync_api import expect

    demo = jupyter_lab.root_dir / "demo"
    rows = "\n".join(f"{i},{(i * 3) % 5},{(i // 2) % 2}" for i in range(120))
    (demo / "fresh.csv").write_text(f"a,b,label\n{rows}\n")
    before = len(registered(jupyter_lab, "churn")["versions"])

    sidebar = churn_versions(page, jupyter_lab)
    v1 = version_item(sidebar, "churn", 1)
    v1.get_by_test_id("mlops-retrain").click()
    form = v1.get_by_test_id("mlops-retrain-form")
    form.get_by_label("New data files").fill("df=demo/fresh.csv")
    form.get_by_label("Alias for the new version").fill("retrained")
    form.get_by_role("button", name="Retrain").click()
    status = form.get_by_test_id("mlops-retrain-status")
    expect(status).to_be_visible()
    expect(status).to_have_attribute("data-status", "succeeded", timeout=2 * KERNEL_TIMEOUT_MS)
    new = before + 1
    expect(status).to_contain_text(f"Registered version {new} [retrained]")
    expect(version_item(sidebar, "churn", new)).to_be_visible()
    stored_version = next(v for v in registered(jupyter_lab, "churn")["versions"]
                          if v["version"] == new)
    assert stored_version["aliases"] == ["retrained"]
    sidebar.screenshot(path=output_dir / "models-retrained.png")
