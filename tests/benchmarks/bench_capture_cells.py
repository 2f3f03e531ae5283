"""Cell time of a realistic scikit-learn notebook, untracked and tracked, alternating.

The notebook (generated data only) fits a pipeline, a search and a loop of classifiers,
computes metrics with ``sklearn.metrics``, cross-validation and ``classification_report``,
and shows figures with matplotlib's inline backend — what the capture rules look at. Each
pass runs every cell once in a fresh namespace of one in-process shell; passes alternate
untracked/tracked (``--passes N``, default 7). Printed: per cell the median time both ways
and their ratio, then the median ratio over cells (issue 8's target: <= 1.03). Timings on a
shared machine are noisy: compare medians, run it twice.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time

CELLS = [
    "import numpy as np\nimport matplotlib.pyplot as plt\n"
    "from sklearn.datasets import make_classification\n"
    "from sklearn.model_selection import train_test_split, cross_val_score, GridSearchCV\n"
    "from sklearn.pipeline import make_pipeline\nfrom sklearn.preprocessing import StandardScaler\n"
    "from sklearn.linear_model import LogisticRegression\nfrom sklearn.svm import SVC\n"
    "from sklearn.tree import DecisionTreeClassifier\n"
    "from sklearn.metrics import accuracy_score, f1_score, classification_report",
    "X, y = make_classification(n_samples=3000, n_features=20, random_state=0)\n"
    "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)",
    "pipe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))\n"
    "pipe.fit(X_train, y_train)\ny_pred = pipe.predict(X_test)\n"
    "print(accuracy_score(y_test, y_pred), f1_score(y_test, y_pred))",
    "print(classification_report(y_test, y_pred))\npipe.score(X_test, y_test)",
    "scores = cross_val_score(pipe, X, y, cv=5)\nprint(scores.mean(), scores.std())",
    "search = GridSearchCV(SVC(), {'C': [0.1, 1.0], 'gamma': ['scale', 0.01]}, cv=3)\n"
    "search.fit(X_train[:800], y_train[:800])\nsearch.best_params_",
    "classifiers = {'lr': LogisticRegression(max_iter=500), 'tree': DecisionTreeClassifier()}\n"
    "for name, clf in classifiers.items():\n    clf.fit(X_train, y_train)\n"
    "    print(name, clf.score(X_test, y_test))",
    "fig, axes = plt.subplots(1, 2, figsize=(8, 3))\n"
    "axes[0].scatter(X_test[:, 0], X_test[:, 1], c=y_pred, s=4)\n"
    "axes[1].plot(np.sort(pipe.predict_proba(X_test)[:, 1]))\nplt.show()",
    "for depth in (2, 4, 8):\n    plt.figure(figsize=(3, 2))\n"
    "    plt.plot(DecisionTreeClassifier(max_depth=depth).fit(X_train, y_train)"
    ".predict_proba(X_test)[:50, 1])\n    plt.show()",
]


def main() -> None:
    passes = int(sys.argv[sys.argv.index("--passes") + 1]) if "--passes" in sys.argv else 7
    folder = tempfile.mkdtemp(prefix="bench-capture-")
    os.environ["JUPYTER_MLOPS_STORE"] = os.path.join(folder, "store")
    os.environ["JUPYTER_DATA_DIR"] = os.path.join(folder, "data")
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    os.chdir(folder)
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    shell = InteractiveShell.instance(config=config)
    shell.run_cell("%load_ext jupyter_mlops", store_history=True)
    from jupyter_mlops.kernel import tracker_of

    tracker = tracker_of(shell)
    devnull = open(os.devnull, "w")  # noqa: SIM115 (kept open for the whole run)

    def one_pass(tracked: bool) -> list[float]:
        shell.reset(new_session=False)
        if tracked:
            shell.run_cell("%track", store_history=True)
        times = []
        stdout, sys.stdout = sys.stdout, devnull
        try:
            for code in CELLS:
                start = time.perf_counter()
                result = shell.run_cell(code, store_history=True)
                times.append(time.perf_counter() - start)
                assert result.success, result.error_in_exec
        finally:
            sys.stdout = stdout
        if tracked:
            tracker.writer.flush(60)  # not timed: the background writer catches up
            shell.run_cell("%track off", store_history=True)
        return times

    one_pass(False)  # warm-up: imports, caches
    off: list[list[float]] = []
    on: list[list[float]] = []
    for _ in range(passes):
        off.append(one_pass(False))
        on.append(one_pass(True))
    ratios = []
    print(f"{'cell':<6}{'untracked ms':>14}{'tracked ms':>12}{'ratio':>8}")
    for i in range(len(CELLS)):
        a = statistics.median(p[i] for p in off)
        b = statistics.median(p[i] for p in on)
        ratios.append(b / a)
        print(f"{i + 1:<6}{a * 1e3:>14.1f}{b * 1e3:>12.1f}{b / a:>8.3f}")
    total_off = statistics.median(sum(p) for p in off)
    total_on = statistics.median(sum(p) for p in on)
    print(f"median cell-time ratio {statistics.median(ratios):.3f} (target <= 1.03); "
          f"notebook {total_off:.2f} s untracked, {total_on:.2f} s tracked "
          f"({total_on / total_off:.3f}x), {passes} alternating passes")


if __name__ == "__main__":
    main()
