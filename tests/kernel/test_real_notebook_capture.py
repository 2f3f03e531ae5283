"""Capture in a real kernel with matplotlib's inline backend, as JupyterLab runs it: figures
that ``plt.show()`` displayed and closed during the cell, files and built-in datasets read
in the cell that imports the reader, and the prompt numbers the notebook shows."""

from __future__ import annotations

from .test_real_kernel import TRACK, cli_json, client, notebook


def runs_by_label(nb):
    """Each run, keyed by the prompt number of the cell it is named after."""
    out = {}
    for summary in cli_json("runs"):
        run = cli_json("show", summary["run_id"])
        out[int(run["name"].rsplit("[", 1)[1].rstrip("]"))] = run
    return out


def test_shown_figures_files_and_prompt_numbers(kernel_env):
    (kernel_env / "rows.csv").write_text("a,b\n" + "\n".join(f"{i},{i % 3}" for i in range(30)))
    nb = notebook(kernel_env / "real.ipynb", [
        TRACK,
        # the reader is imported by the cell that reads
        "import pandas as pd\ndf = pd.read_csv('rows.csv')\ndf.to_parquet('rows.parquet')\n"
        "df.to_json('rows.json')\ndf.to_excel('rows.xlsx', index=False)",
        "import numpy as np\nimport matplotlib.pyplot as plt\n"
        "from sklearn.datasets import load_iris\nfrom sklearn.svm import SVC\n"
        "from sklearn.metrics import ConfusionMatrixDisplay\n"
        "np.save('arr.npy', np.arange(12.0).reshape(4, 3))",
        "iris = load_iris()\nX, y = iris.data, iris.target\nclf = SVC().fit(X, y)",
        "fig, axes = plt.subplots(1, 2)\naxes[0].plot(X[:, 0])\nplt.show()\n"
        "for k in range(2):\n    plt.figure()\n    plt.plot(X[:, k])\n    plt.show()",
        "ConfusionMatrixDisplay.from_estimator(clf, X, y)",  # shown at the end of the cell
        "parquet = pd.read_parquet('rows.parquet')\nrecords = pd.read_json('rows.json')\n"
        "arr = np.load('arr.npy')\nsheet = pd.read_excel('rows.xlsx')\nimport csv\n"
        "with open('rows.csv') as handle:\n    rows = np.array(list(csv.reader(handle))[1:])",
        "score_sum = (parquet.a.sum() + records.a.sum() + arr.sum() + len(rows) + len(df)\n"
        "             + len(sheet)) * 0.0",
    ])
    client(nb, kernel_env).execute()
    assert all(o.get("output_type") != "error" for c in nb.cells for o in c.outputs)
    shown = [sum(o.get("output_type") == "display_data" and "image/png" in o.get("data", {})
                 for o in cell.outputs) for cell in nb.cells]
    assert shown[4:6] == [3, 1]
    runs = runs_by_label(nb)
    counts = [c.execution_count for c in nb.cells]
    assert set(runs) == {counts[3], counts[4], counts[7]}
    plotted = runs[counts[4]]  # plots data, not the model: a run of its own
    assert plotted["name"] == f"figure [{counts[4]}]"
    assert [a["media_type"] for a in plotted["artifacts"]] == ["image/png"] * 3
    fitted = runs[counts[3]]  # the confusion matrix plots clf: it joins clf's run
    assert fitted["name"] == f"SVC [{counts[3]}]"
    assert [a["media_type"] for a in fitted["artifacts"]] == ["image/png"]
    assert [e["execution_count"] for e in fitted["lineage"]] == [counts[2], counts[3],
                                                                 counts[5]]
    iris = {d["name"]: d for d in fitted["datasets"]}
    assert iris["X"]["source"] == iris["y"]["source"] == "sklearn.datasets.load_iris"
    reads = {d["name"]: d["source"] for d in runs[counts[7]]["datasets"]}
    folder = str(kernel_env)
    assert reads["parquet"] == f"{folder}/rows.parquet"
    assert reads["records"] == f"{folder}/rows.json"
    assert reads["arr"] == f"{folder}/arr.npy"
    assert reads["sheet"] == f"{folder}/rows.xlsx"
    assert reads["rows"] == f"{folder}/rows.csv"
    assert reads["df"] == f"{folder}/rows.csv"  # read by the cell that imported pandas
    cells = {c["execution_count"] for r in runs.values() for c in r["lineage"]}
    assert cells <= set(counts)
