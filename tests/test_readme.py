"""The README is true: its commands, magics and Python examples, executed as written.

Every fenced block of README.md is classified below (a new block that nothing checks fails
``test_every_block_is_checked``):

- the Python quick start runs as a script in a fresh process (its ``report.html`` is put in
  the folder first: "any file");
- the ``jupyter mlops …`` lines run in bash on the store the quick start filled
  (``RUN_ID`` replaced by real ids), the ``curl`` example against ``jupyter lab`` on that
  store (the README's ``localhost:8888`` and ``$TOKEN`` replaced by the server's);
- the magic blocks run one line per cell (the reference lists one magic per line; a
  ``%%track`` line heads a cell that scores a model) in a real ipykernel through nbclient,
  after ``%load_ext``/``%track`` from the README and a setup cell that makes the
  ``train_df`` and ``clf`` they name; the kernel-config block is written to
  an IPython profile that a fresh kernel starts with;
- the model registry and serving sections run in order in a churn project (the notebook,
  ``train.csv`` and ``test.csv`` of tests/serving), each section on a store of its own: the
  registry magic in the kernel that trained the model, the Python example with the ``run_id``
  and ``df`` it names, the ``jupyter mlops`` lines one by one; the serving lines from the
  model the serving prose registers, ``serve`` in the background on a free port (instead of
  8080) until the ``curl`` lines have run, ``monitor`` on what was served and on a
  ``new.csv`` whose labels are noisy, so that ``retrain`` on it gives the worse model the
  ``promote`` example refuses;
- the set-up commands cannot run here as such: ``pip install . && jupyter lab`` is checked by
  starting ``jupyter lab`` (the installed extension must answer its health endpoint), the test
  command must be the one ``.ci/run`` runs, and the development lines must name extras,
  files and checks that exist.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import requests
import tomllib
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

from jupyter_mlops.store import Store
from tests.jupyter_process import jupyter_process
from tests.serving.conftest import CELLS as CHURN_CELLS
from tests.serving.conftest import churn_frame, write_notebook

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
BLOCKS = [(m[1], m[2]) for m in re.finditer(r"```(\w+)\n(.*?)```", README, re.S)]


def blocks(kind: str, marker: str) -> list[str]:
    return [code for lang, code in BLOCKS if lang == kind and marker in code]


def block(kind: str, marker: str) -> str:
    (code,) = blocks(kind, marker)
    return code


QUICK_START = block("python", "mlops.start_run(")
LOAD_MAGIC = block("python", "%load_ext jupyter_mlops")
MAGIC_REFERENCE = block("python", "%%track")
KERNEL_CONFIG = block("python", "c.InteractiveShellApp.extensions")
SET_UP = block("bash", "&& jupyter lab")
TEST_COMMAND = block("bash", "&& python -m pytest")
CLI = block("bash", "jupyter mlops runs")
CURL = block("bash", "Authorization: token")
DEVELOPMENT = block("bash", "ruff check .")
REGISTER_MAGIC = block("ipython", "%track register")
REGISTER_PYTHON = block("python", "mlops.register_model(")
REGISTRY_CLI = block("bash", "jupyter mlops package")
SERVE = block("bash", "jupyter mlops serve")
MONITOR = block("bash", "jupyter mlops monitor")
RETRAIN = block("bash", "jupyter mlops retrain")
CHECKED = [QUICK_START, LOAD_MAGIC, MAGIC_REFERENCE, KERNEL_CONFIG, SET_UP, TEST_COMMAND, CLI,
           CURL, DEVELOPMENT, REGISTER_MAGIC, REGISTER_PYTHON, REGISTRY_CLI, SERVE, MONITOR,
           RETRAIN]
# The serving section's examples start from the model its prose registers.
(SERVING_SETUP,) = re.findall(r"registered as\s+`(jupyter mlops export [^`]+)`", README)

SETUP_CELL = """\
import pandas as pd
from sklearn.linear_model import LogisticRegression

train_df = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0], "y": [0, 0, 1, 1]})
clf = LogisticRegression().fit(train_df[["x"]], train_df["y"])
scratch = 1"""
CELL_BODY = "accuracy = clf.score(train_df[['x']], train_df['y'])"  # under a %%track line


def lines(code: str) -> list[str]:
    return [line for line in code.splitlines() if line.strip()]


def test_every_block_is_checked():
    assert [code for _, code in BLOCKS if code not in CHECKED] == []


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    """A store of two quick-start runs; the environment a user's shell would have."""
    folder = tmp_path_factory.mktemp("readme")
    env = {**os.environ, "JUPYTER_MLOPS_STORE": str(folder / "store"),
           "JUPYTER_DATA_DIR": str(folder / "data"), "MPLBACKEND": "Agg",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env.pop("JUPYTER_MLOPS_ARTIFACTS", None)
    (folder / "report.html").write_text("<h1>churn</h1>")
    (folder / "quick_start.py").write_text(QUICK_START)
    for _ in range(2):
        result = subprocess.run([sys.executable, "quick_start.py"], cwd=folder, env=env,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
    return env | {"folder": str(folder)}


def quick_start_runs(env) -> list[dict]:
    store = Store.open(env["JUPYTER_MLOPS_STORE"], create=False)
    try:
        return [store.get_run(r["run_id"]) for r in store.list_runs(experiment="churn")]
    finally:
        store.close()


def test_quick_start_records_what_it_says(env):
    runs = quick_start_runs(env)
    assert len(runs) == 2
    run = runs[0]
    assert run["name"] == "baseline" and run["status"] == "finished"
    assert run["params"] == {"C": "1.0", "penalty": "l2"}
    assert run["metrics"] == {"accuracy": 0.91, "loss": 0.3, "f1": 0.88, "auc": 0.95}
    assert run["tags"]["team"] == "risk"
    assert [d["name"] for d in run["datasets"]] == ["train"]
    assert sorted(a["name"] for a in run["artifacts"]) == ["report.html", "roc.png"]
    assert run["environment"]["python"]["version"]


@pytest.mark.parametrize("line", lines(CLI))
def test_cli_line_runs_as_written(env, line):
    run_ids = [r["run_id"] for r in quick_start_runs(env)]
    command = line.replace("RUN_ID RUN_ID", " ".join(run_ids)).replace("RUN_ID", run_ids[0])
    result = subprocess.run(["bash", "-c", command], env=env, cwd=env["folder"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"{line}\n{result.stdout}\n{result.stderr}"
    if " runs " in command:
        assert result.stdout.count("baseline") == 2


def test_set_up_and_test_commands_are_what_ci_runs():
    assert SET_UP.strip() == "pip install . && jupyter lab"
    ci = [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if line.strip()]
    assert ci[-1] == TEST_COMMAND.strip()


def test_development_lines_name_what_exists():
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]
    for line in lines(DEVELOPMENT):
        command = line.split("#")[0]
        for extra in re.findall(r'"\.\[(\w+)\]"', command):
            assert extra in extras, line
        for word in shlex.split(command):
            if word.startswith("tests/"):
                assert (ROOT / word).exists(), line
    assert '"ruff", "check"' in (ROOT / "tests" / "test_lint.py").read_text()


def test_jupyter_lab_answers_and_the_curl_example_works(env, tmp_path):
    (tmp_path / "root").mkdir()
    with jupyter_process(tmp_path / "root", env, app="jupyterlab") as lab:
        health = requests.get(f"{lab.api}/health", headers=lab.auth, timeout=30)
        assert health.status_code == 200, health.text
        command = CURL.replace("http://localhost:8888/", lab.url)
        result = subprocess.run(["bash", "-c", command], env={**env, "TOKEN": lab.token},
                                capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert [r["name"] for r in answer["runs"]] == ["baseline", "baseline"]


def execute(cells: list[str], folder: Path, env: dict) -> list:
    nb = new_notebook(cells=[new_code_cell(c) for c in cells])
    path = folder / "readme.ipynb"
    nbformat.write(nb, str(path))
    client = NotebookClient(nb, kernel_name="python3", timeout=120,
                            resources={"metadata": {"path": str(folder)}})
    client.execute(env={**env, "JPY_SESSION_NAME": str(path)})
    return nb.cells


def problems(cell) -> list[str]:
    return [out.get("text", "") or out.get("evalue", "") for out in cell.outputs
            if out.get("name") == "stderr" or out["output_type"] == "error"]


def test_magics_run_as_written_in_a_real_kernel(tmp_path, monkeypatch):
    store = tmp_path / "store"
    env = {**os.environ, "JUPYTER_MLOPS_STORE": str(store),
           "JUPYTER_DATA_DIR": str(tmp_path / "data")}
    readme_cells = [LOAD_MAGIC, *(f"{line}\n{CELL_BODY}" if line.startswith("%%") else line
                                  for line in lines(MAGIC_REFERENCE))]
    cells = execute([readme_cells[0], SETUP_CELL, *readme_cells[1:]], tmp_path, env)
    executed = [cells[0], *cells[2:]]
    for source, cell in zip(readme_cells, executed, strict=True):
        assert problems(cell) == [], source
    st = Store.open(str(store), create=False)
    runs = [st.get_run(r["run_id"]) for r in st.list_runs()]
    st.close()
    assert {"baseline", "sweep"} <= {r["name"] for r in runs}
    assert any(r["params"].get("depth") == "4" and r["params"].get("lr") == "0.1" for r in runs)
    assert any(r["metrics"].get("auc") == 0.93 for r in runs)
    assert any(r["tags"].get("team") == "risk" for r in runs)
    assert any("tried class weights" in r["notes"] for r in runs)
    assert any(("train", "train") in [(d["name"], d["role"]) for d in r["datasets"]]
               for r in runs)
    assert any("churn" in r["tags"].values() for r in runs)


def test_kernel_config_block_tracks_every_kernel(tmp_path):
    profile = tmp_path / "ipython" / "profile_default"
    profile.mkdir(parents=True)
    (profile / "ipython_kernel_config.py").write_text(KERNEL_CONFIG)
    env = {**os.environ, "JUPYTER_MLOPS_STORE": str(tmp_path / "store"),
           "JUPYTER_DATA_DIR": str(tmp_path / "data"), "IPYTHONDIR": str(tmp_path / "ipython")}
    (status,) = execute(["%track status"], tmp_path, env)
    assert "tracking" in status.outputs[0]["text"] and "not tracking" not in \
        status.outputs[0]["text"]


@pytest.fixture
def churn_project(tmp_path):
    """A churn project (notebook, train.csv, test.csv) with a store of its own; the
    environment a user's shell there would have."""
    churn_frame(2000, 1).to_csv(tmp_path / "train.csv", index=False)
    churn_frame(1000, 2).to_csv(tmp_path / "test.csv", index=False)
    write_notebook(str(tmp_path))
    env = {**os.environ, "JUPYTER_MLOPS_STORE": str(tmp_path / "store"),
           "JUPYTER_DATA_DIR": str(tmp_path / "data"), "MPLBACKEND": "Agg",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env.pop("JUPYTER_MLOPS_ARTIFACTS", None)
    return tmp_path, env


def bash(command: str, folder: Path, env: dict, timeout: int = 600):
    return subprocess.run(["bash", "-c", command], env=env, cwd=folder, capture_output=True,
                          text=True, timeout=timeout)


def churn_versions(env) -> list[dict]:
    store = Store.open(env["JUPYTER_MLOPS_STORE"], create=False)
    try:
        return sorted(store.get_model("churn")["versions"], key=lambda v: v["version"])
    finally:
        store.close()


@pytest.mark.timeout(1200)
def test_model_registry_section_runs_as_written(churn_project):
    folder, env = churn_project
    # In the notebook that trained it: the magic, in that kernel.
    cells = execute([LOAD_MAGIC, *CHURN_CELLS, REGISTER_MAGIC], folder, env)
    assert problems(cells[-1]) == [], REGISTER_MAGIC
    (first,) = churn_versions(env)
    assert (first["version"], first["source"], first["aliases"]) == (1, "live", ["staging"])
    # From anywhere else: the Python example, given the run_id and df it names.
    (folder / "register.py").write_text(
        f"import pandas as pd\nrun_id = {first['run_id']!r}\n"
        "df = pd.read_csv('test.csv').drop(columns='churned')\n" + REGISTER_PYTHON
        + "assert len(model.predict(df)) == len(df) and version['version'] == 2\n")
    result = subprocess.run([sys.executable, "register.py"], cwd=folder, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    # The terminal, line by line (the notebook its export line names is this project's).
    (folder / "train.ipynb").write_text((folder / "churn.ipynb").read_text())
    for line in lines(REGISTRY_CLI):
        result = bash(line.replace("RUN_ID", first["run_id"]), folder, env)
        assert result.returncode == 0, f"{line}\n{result.stdout}\n{result.stderr}"
        if line.startswith("jupyter mlops models churn"):
            assert "staging" in result.stdout and "live" in result.stdout
    versions = churn_versions(env)
    assert [(v["version"], v["aliases"]) for v in versions] == [
        (1, ["production"]), (2, []), (3, ["staging"]), (4, ["ci"])]
    assert versions[0]["verification"]["status"] == "reproduced"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.timeout(1200)
def test_serving_and_monitoring_section_runs_as_written(churn_project):
    folder, env = churn_project
    result = bash(SERVING_SETUP, folder, env)
    assert result.returncode == 0, result.stderr
    # serve in the background on a free port, the curl lines once it answers, then stop it
    port = str(free_port())
    serve, *curls = SERVE.replace("8080", port).splitlines()
    ready = f"for i in $(seq 150); do curl -sf localhost:{port}/ping >/dev/null && break; " \
            "sleep 0.2; done"
    result = bash("\n".join([serve, ready, *curls, "kill $!; wait"]), folder, env)
    assert result.returncode == 0, result.stderr
    decoder = json.JSONDecoder()  # curl prints the answers one after the other
    prediction, end = decoder.raw_decode(result.stdout)
    health, end = decoder.raw_decode(result.stdout, end)
    metrics = result.stdout[end:]
    expected = next(line for line in curls if line.startswith("# "))[2:]
    assert prediction == json.loads(expected)
    assert health["name"] == "churn" and health["version"] == 1
    assert "mlops_predictions_total 1.0" in metrics
    # monitor what was served, then a new file (same customers, noisier labels)
    churn_frame(2000, 5, noise=0.35).to_csv(folder / "new.csv", index=False)
    since, data = lines(MONITOR)
    result = bash(since, folder, env)
    assert result.returncode == 0 and "1 rows from the prediction log" in result.stdout, \
        result.stdout + result.stderr
    result = bash(data, folder, env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["drift"] is False and (folder / "drift.png").exists()
    # retrain on it, and the promotion of the worse model is refused as the README shows
    retrain, *promote = [line for line in RETRAIN.splitlines() if not line.startswith("#")]
    result = bash(retrain, folder, env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert [(v["version"], v["aliases"]) for v in churn_versions(env)] == [
        (1, ["production"]), (2, ["candidate"])]
    result = bash("\n".join(promote), folder, env)
    assert result.returncode == 1, result.stdout + result.stderr
    shown = " ".join(line.lstrip("# ") for line in RETRAIN.splitlines() if line.startswith("#"))
    pattern = re.escape(re.search(r'"(not promoted: .*)"', shown)[1])
    pattern = re.sub(r"\d+\\.\d+", r"\\d+\\.\\d+", pattern)
    assert re.search(pattern, result.stderr), result.stderr
