"""A real tracked notebook, executed once per module by a real kernel (nbclient), whose runs
the registry tests package, load, verify and refuse."""

from __future__ import annotations

import os

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

from jupyter_mlops.store import Store

TRACK = "%load_ext jupyter_mlops\n%track"
IMPORTS = ("import pandas as pd\nfrom sklearn.linear_model import LogisticRegression\n"
           "from sklearn.tree import DecisionTreeClassifier")
READ = "df = pd.read_csv('train.csv')"
FEATURES = "X = df[['a', 'b']]\ny = df['label']"
DEAD_END = "df.describe()"
TREE = "tree = DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, y)"
MODEL = "model = LogisticRegression(C=C, max_iter=500).fit(X, y)"
SCORE = "accuracy = model.score(X, y)"


def write_data(folder, rows=120, flipped=0):
    """A separable problem (label: b > 5); ``flipped`` rows get the wrong label."""
    lines = [f"{i},{i * 7 % 11},{int(i * 7 % 11 > 5) ^ (i < flipped)}" for i in range(rows)]
    (folder / "train.csv").write_text("a,b,label\n" + "\n".join(lines) + "\n")


def execute(folder, name, sources, order=None, edits=None):
    """Run the cells of a new notebook in ``folder`` in ``order`` (indexes; a cell may run
    twice), with ``edits`` = {position in order: new source} applied just before that run."""
    nb = new_notebook(cells=[new_code_cell(s) for s in sources])
    path = folder / name
    nbformat.write(nb, str(path))
    os.environ["JPY_SESSION_NAME"] = str(path)
    client = NotebookClient(nb, kernel_name="python3", timeout=120,
                            resources={"metadata": {"path": str(folder)}})
    with client.setup_kernel():
        for step, index in enumerate(order or range(len(sources))):
            if edits and step in edits:
                nb.cells[index].source = edits[step]
            client.execute_cell(nb.cells[index], index, store_history=True)
    os.environ.pop("JPY_SESSION_NAME", None)
    return path


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A store holding a notebook session with dead-end cells, a re-executed cell, an
    unrelated model and the model (``model``, with its ``accuracy``) to package."""
    folder = tmp_path_factory.mktemp("nb")
    saved = {k: os.environ.get(k) for k in ("JUPYTER_MLOPS_STORE", "JUPYTER_MLOPS_ARTIFACTS",
                                             "JUPYTER_DATA_DIR")}
    os.environ["JUPYTER_MLOPS_STORE"] = str(folder / "store")
    os.environ.pop("JUPYTER_MLOPS_ARTIFACTS", None)
    os.environ["JUPYTER_DATA_DIR"] = str(folder / "data")
    write_data(folder)
    sources = [TRACK, IMPORTS, READ, "C = 0.5", DEAD_END, FEATURES, TREE, MODEL, SCORE]
    # C's cell runs, then is changed to C = 2.0 and run again after the unrelated tree.
    execute(folder, "train.ipynb", sources, order=[0, 1, 2, 3, 4, 5, 6, 3, 7, 8],
            edits={7: "C = 2.0"})
    store = Store.open()
    runs = store.list_runs()
    by_model = {r["tags"].get("model.variable"): r["run_id"] for r in runs}
    yield {"folder": folder, "store": store, "model_run": by_model["model"],
           "tree_run": by_model["tree"], "runs": runs}
    store.close()
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def blob_count(store) -> int:
    root = store.artifacts._root_path()
    return sum(len(files) for path, _, files in os.walk(root)
               if not path.startswith(os.path.join(root, "packages")))
