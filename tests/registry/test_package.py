"""Packaging a real run: the program slice, the package files, loading with checksums,
refusals that leave nothing behind, and verification in a clean kernel."""

from __future__ import annotations

import json
import os
import stat

import nbformat
import pandas as pd
import pytest
import yaml

import jupyter_mlops
from jupyter_mlops.registry import AmbiguousModel, CannotPackage, Tampered
from jupyter_mlops.registry.load import resolve
from jupyter_mlops.registry.package import SHIPPED
from jupyter_mlops.registry.verify import verify
from jupyter_mlops.store import InvalidInput, NotFound

from .conftest import FEATURES, IMPORTS, MODEL, READ, SCORE, TRACK, blob_count, execute, write_data


@pytest.fixture(scope="module")
def registered(trained):
    """The model of the run, registered from this process (not its kernel): rebuilt."""
    version = jupyter_mlops.register_model(trained["model_run"], "churn", alias="staging",
                                           description="Predicts churn.",
                                           store=trained["store"])
    _, _, folder = resolve("churn/1", trained["store"])
    return {**trained, "version": version, "package": folder}


def code_cells(train_py: str) -> list[str]:
    parts = train_py.split("# %% execution ")[1:]
    return [part.split("\n", 1)[1].strip() for part in parts]


def test_train_py_holds_exactly_the_cells_the_model_and_its_metric_need(registered):
    with open(os.path.join(registered["package"], "train.py")) as f:
        train_py = f.read()
    # In execution order; not the magics, the dead end, the first run of the re-executed
    # cell or the unrelated tree.
    assert code_cells(train_py) == [IMPORTS, READ, FEATURES, "C = 2.0", MODEL, SCORE]
    with open(os.path.join(registered["package"], "train.ipynb")) as f:
        nb = json.load(f)
    nbformat.validate(nbformat.from_dict(nb))
    assert ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"] == \
        [IMPORTS, READ, FEATURES, "C = 2.0", MODEL, SCORE]


def test_the_version_and_its_package(registered):
    v, folder, store = registered["version"], registered["package"], registered["store"]
    run = store.get_run(registered["model_run"])
    packages = run["environment"]["packages"]
    assert (v["name"], v["version"], v["aliases"], v["source"]) == ("churn", 1, ["staging"],
                                                                   "rebuilt")
    assert v["model_variable"] == "model" and v["model_type"].endswith("LogisticRegression")
    # Exactly what the slice imports (plus skops, the model's format), pinned as recorded.
    assert v["requirements"] == [f"pandas=={packages['pandas']}",
                                 f"scikit-learn=={packages['scikit-learn']}",
                                 f"skops=={packages['skops']}"]
    with open(os.path.join(folder, "requirements.txt")) as f:
        assert f.read().split() == v["requirements"]
    assert v["metrics"] == run["metrics"] and v["metrics"]["accuracy"] > 0.9
    assert [c["name"] for c in v["signature"]["inputs"]] == ["a", "b"]
    with open(os.path.join(folder, "MLmodel")) as f:
        mlmodel = yaml.safe_load(f)
    pyfunc = mlmodel["flavors"]["python_function"]
    assert (pyfunc["loader_module"], pyfunc["code"], pyfunc["data"]) == (
        "jupyter_mlops_model", "code", "model")
    sk = mlmodel["flavors"]["sklearn"]
    assert sk["serialization_format"] == "skops" and sk["pickled_model"] == "model/model.skops"
    assert mlmodel["run_id"] == registered["model_run"]
    # Every file is in the manifest with its sha256; the manifest's own hash is the checksum.
    with open(os.path.join(folder, "manifest.json")) as f:
        manifest = json.load(f)
    expected = {"MLmodel", "code/jupyter_mlops_model.py", "requirements.txt", "python_env.yaml",
                "conda.yaml", "train.py", "train.ipynb", "input_example.json", "datasets.json",
                "metrics.json", "params.json", "environment.json", "README.md", "Dockerfile",
                "model/model.skops", "model/model.json", "requirements-serve.txt",
                "code/jupyter_mlops_serve.py", "code/jupyter_mlops_server/serving/app.py",
                "signature.json", "prediction_profile.json"}
    assert expected <= set(manifest["files"])
    assert manifest == store.model_version("churn", 1)["manifest"]
    with open(os.path.join(folder, "datasets.json")) as f:
        datasets = {d["name"]: d for d in json.load(f)}
    assert datasets["df"]["source"].endswith("train.csv") and datasets["df"]["profile"]
    # The monitor's prediction baseline: what the model predicts on its training rows.
    with open(os.path.join(folder, "prediction_profile.json")) as f:
        predicted = json.load(f)
    train = pd.read_csv(registered["folder"] / "train.csv")
    model = jupyter_mlops.load_model("churn/1", store=store)
    expected_mean = model.predict(train[["a", "b"]]).mean()
    assert predicted["count"] == len(train) and predicted["mean"] == pytest.approx(expected_mean)
    # The model server ships as the very files of this installation (tests/registry/
    # test_dockerfile.py runs it); it needs what the model's requirements do not list.
    for relpath, source in SHIPPED.items():
        with open(os.path.join(folder, relpath), "rb") as f, open(source, "rb") as g:
            assert f.read() == g.read(), relpath
    with open(os.path.join(folder, "requirements-serve.txt")) as f:
        assert [line.split("==")[0] for line in f.read().split()] == [
            "numpy", "prometheus-client", "pyyaml", "tornado"]
    with open(os.path.join(folder, "README.md")) as f:
        card = f.read()
    assert "Predicts churn." in card and "accuracy" in card and "rebuilt" in card
    # Loading needs nothing of ours: the loader imports no jupyter_mlops.
    with open(os.path.join(folder, "code", "jupyter_mlops_model.py")) as f:
        assert "jupyter_mlops." not in f.read().replace("jupyter_mlops.load_model", "")


def test_load_model_by_every_reference_form(registered):
    store = registered["store"]
    rows = pd.read_csv(registered["folder"] / "train.csv")[["a", "b"]].head(20)
    expected = registered["version"]
    for ref in ("churn/1", "churn@staging", "models:/churn/1", "models:/churn@staging",
                "churn/latest"):
        model = jupyter_mlops.load_model(ref, store=store)
        assert model.metadata["version"] == 1 and model.metadata["checksum"] == \
            expected["checksum"]
        assert list(model.predict(rows)) == list(model.model.predict(rows))
    # A package folder loads too; a skops package needs no trust.
    assert jupyter_mlops.load_model(registered["package"]).metadata["serialization"] == "skops"


def test_a_tampered_package_is_refused(registered, tmp_path):
    store = registered["store"]
    jupyter_mlops.register_model(registered["model_run"], "tamper", store=store)
    _, _, folder = resolve("tamper/1", store)
    target = os.path.join(folder, "model", "model.json")
    os.chmod(target, stat.S_IRUSR | stat.S_IWUSR)
    with open(target, "a") as f:
        f.write(" ")
    with pytest.raises(Tampered, match=r"model/model\.json of tamper/1 does not match"):
        jupyter_mlops.load_model("tamper/1", store=store)
    with pytest.raises(Tampered):
        jupyter_mlops.load_model(folder)


def test_pickled_packages_outside_the_registry_need_trust(trained, tmp_path):
    folder = tmp_path / "nb2"
    folder.mkdir()
    write_data(folder)
    custom = ("from sklearn.base import BaseEstimator\n"
              "class Majority(BaseEstimator):\n"
              "    def fit(self, X, y):\n        self.label_ = int(y.mode()[0])\n"
              "        return self\n"
              "    def predict(self, X):\n        return [self.label_] * len(X)")
    execute(folder, "custom.ipynb", [TRACK, IMPORTS, READ, FEATURES, custom,
                                     "majority = Majority().fit(X, y)"])
    store = trained["store"]
    run_id = next(r["run_id"] for r in store.list_runs()
                  if r["tags"].get("model.variable") == "majority")
    v = jupyter_mlops.register_model(run_id, "majority", store=store)
    assert any(r.startswith("cloudpickle==") for r in v["requirements"])
    _, _, package = resolve("majority/1", store)
    with pytest.raises(Tampered, match="trust=True"):
        jupyter_mlops.load_model(package)
    rows = pd.DataFrame({"a": [1, 2], "b": [3, 4]})
    assert len(jupyter_mlops.load_model(package, trust=True).predict(rows)) == 2
    assert len(jupyter_mlops.load_model("majority/1", store=store).predict(rows)) == 2


def test_bad_input_registers_nothing_and_leaves_no_files(trained, tmp_path):
    store = trained["store"]
    blobs, models = blob_count(store), store.list_models()
    with pytest.raises(NotFound, match="no run"):
        jupyter_mlops.register_model("nosuchrun", "x", store=store)
    with pytest.raises(InvalidInput, match="invalid model name"):
        jupyter_mlops.register_model(trained["model_run"], "bad/name", store=store)
    with pytest.raises(InvalidInput, match="invalid alias"):
        jupyter_mlops.register_model(trained["model_run"], "x", alias="1", store=store)
    with pytest.raises(NotFound, match="has no model 'nope'"):
        jupyter_mlops.register_model(trained["model_run"], "x", model="nope", store=store)
    no_model = store.create_run(name="plain", experiment="e")
    with pytest.raises(CannotPackage, match="no fitted model"):
        jupyter_mlops.register_model(no_model, "x", store=store)
    for ref in ("nosuch/1", "churn/99", "churn@nosuch", "bad ref"):
        with pytest.raises((NotFound, InvalidInput)):
            jupyter_mlops.load_model(ref, store=store)
    assert store.list_models() == models and blob_count(store) == blobs


@pytest.mark.parametrize("case", ["before_tracking", "exec", "unserializable", "several"])
def test_unpackageable_models_are_refused_cleanly(trained, tmp_path, case):
    folder = tmp_path / case
    folder.mkdir()
    write_data(folder)
    cells = {
        "before_tracking": ["import pandas as pd\nfrom sklearn.linear_model import "
                            "LogisticRegression\nX = pd.read_csv('train.csv')[['a', 'b']]\n"
                            "y = X['b'] > 5", TRACK, "clf = LogisticRegression().fit(X, y)"],
        "exec": [TRACK, IMPORTS, READ, "exec(\"X = df[['a', 'b']]\")", "y = df['label']",
                 "clf = LogisticRegression().fit(X, y)"],
        "unserializable": [TRACK, IMPORTS, READ, FEATURES,
                           "import threading\nfrom sklearn.base import BaseEstimator\n"
                           "class Locked(BaseEstimator):\n    def fit(self, X, y):\n"
                           "        self.lock_ = threading.Lock()\n        return self",
                           "clf = Locked().fit(X, y)"],
        "several": [TRACK, IMPORTS, READ, FEATURES,
                    "clf = LogisticRegression().fit(X, y)\n"
                    "tree2 = DecisionTreeClassifier().fit(X, y)"],
    }[case]
    execute(folder, f"{case}.ipynb", cells)
    store = trained["store"]
    run_id = next(r["run_id"] for r in store.list_runs()
                  if "clf" in r["tags"].values() and r["notebook"].endswith(f"{case}.ipynb"))
    blobs, models = blob_count(store), store.list_models()
    expected = {"before_tracking": (CannotPackage, "uses `(X|y|LogisticRegression)`, which no "
                                                   "recorded cell defined"),
                "exec": (CannotPackage, "uses `X`, which no recorded cell defined"),
                "unserializable": (CannotPackage, "cannot be serialized"),
                "several": (AmbiguousModel, "several models")}[case]
    with pytest.raises(expected[0], match=expected[1]):
        jupyter_mlops.register_model(run_id, case, store=store)
    assert store.list_models() == models and blob_count(store) == blobs


def test_verify_reproduces_a_deterministic_notebook_and_names_a_changed_data_file(registered):
    store = registered["store"]
    jupyter_mlops.register_model(registered["model_run"], "verified", store=store)
    result = verify("verified/1", store=store)
    assert result["status"] == "reproduced", result
    assert [d for d in result["differences"] if d["kind"] != "package"] == []
    write_data(registered["folder"], flipped=40)  # the data file changes under the model
    try:
        result = verify("verified/1", store=store)
    finally:
        write_data(registered["folder"])
    assert result["status"] == "not_reproduced"
    changed = {d["name"]: d for d in result["differences"] if d["kind"] == "dataset"}
    assert "source file" in changed["df"]["detail"] and "train.csv" in changed["df"]["detail"]
    metrics = {d["name"]: d for d in result["differences"] if d["kind"] == "metric"}
    assert "moved by -" in metrics["accuracy"]["detail"]
    assert store.model_version("verified", 1)["verification"] == result
