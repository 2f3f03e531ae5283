"""The capture rules of real notebooks, in a real in-process IPython shell with the installed
scikit-learn: which models, metrics and data a cell's run gets, under which names and
numbers, and which lineage warnings it raises."""

from __future__ import annotations

import re

import pytest

from .test_tracking import flushed

DATA = ("import numpy as np\n"
        "from sklearn.datasets import load_iris\n"
        "from sklearn.model_selection import train_test_split\n"
        "X, y = load_iris(return_X_y=True)\n"
        "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)")


def runs(tracker, store):
    flushed(tracker, store)
    return [store.get_run(r["run_id"]) for r in store.session_runs(tracker.session_id)]


@pytest.fixture
def data(run, store):
    run("%track")
    assert run(DATA).success


def test_a_fitted_pipeline_is_a_model_with_step_params(data, run, tracker, store):
    import sklearn

    run("from sklearn.pipeline import make_pipeline\n"
        "from sklearn.preprocessing import StandardScaler\n"
        "from sklearn.linear_model import LogisticRegression")
    run("pipe = make_pipeline(StandardScaler(), LogisticRegression(C=0.7))")  # unfitted: no run
    assert runs(tracker, store) == []
    run("pipe.fit(X_train, y_train)")
    (fitted,) = runs(tracker, store)
    assert fitted["name"].startswith("Pipeline "), sklearn.__version__
    assert fitted["tags"]["model.type"] == "sklearn.pipeline.Pipeline"
    params = fitted["params"]
    assert params["logisticregression__C"] == "0.7"
    assert params["standardscaler__with_mean"] == "true"
    assert params["steps"] == "standardscaler=StandardScaler, logisticregression=LogisticRegression"
    assert not any(re.search(r"0x[0-9a-f]{6,}", str(v)) for v in params.values())


def test_boosters_and_statsmodels_results_are_models(data, run, tracker, store):
    """Wrappers by scikit-learn's protocol; native boosters (``xgb.train``) by their rounds;
    statsmodels by its results wrapper: each fitted one is a run, with its params."""
    run("import lightgbm, xgboost\nimport statsmodels.api as sm")
    run("lgbm = lightgbm.LGBMClassifier(n_estimators=4, verbose=-1).fit(X_train, y_train)")
    run("xgb_params = {'objective': 'multi:softprob', 'num_class': 3, 'max_depth': 2}\n"
        "booster = xgboost.train(xgb_params, xgboost.DMatrix(X_train, label=y_train), 3)")
    run("ols = sm.OLS(y_train, sm.add_constant(X_train)).fit()")
    lgbm, booster, ols = runs(tracker, store)
    assert lgbm["name"].startswith("LGBMClassifier ") and lgbm["params"]["n_estimators"] == "4"
    assert booster["name"].startswith("Booster ") and booster["tags"]["model.name"] == "booster"
    assert ols["name"].startswith("RegressionResultsWrapper ")


def test_catboost_torch_and_keras_models_are_runs_once_trained(data, run, tracker, store,
                                                                monkeypatch):
    """catboost by its ``is_fitted``; a torch module once its parameters were trained, a
    keras model once ``fit`` stepped its optimizer (defining either is no run); keras's
    optimizer settings are params and its per-epoch history is metric steps."""
    monkeypatch.setenv("KERAS_BACKEND", "torch")  # torch is installed; tensorflow is not
    for library in ("catboost", "torch", "keras"):
        pytest.importorskip(library)
    run("import catboost\n"
        "cb = catboost.CatBoostClassifier(iterations=5, depth=2, verbose=0,\n"
        "                                 allow_writing_files=False).fit(X_train, y_train)")
    run("import torch\n"
        "net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))")
    assert [r["name"].split()[0] for r in runs(tracker, store)] == ["CatBoostClassifier"]
    run("optimizer = torch.optim.SGD(net.parameters(), lr=0.1)\n"
        "Xt, yt = torch.tensor(X_train, dtype=torch.float32), torch.tensor(y_train)\n"
        "net.train()\n"
        "for epoch in range(5):\n"
        "    optimizer.zero_grad()\n"
        "    loss = torch.nn.functional.cross_entropy(net(Xt), yt)\n"
        "    loss.backward()\n"
        "    optimizer.step()")
    run("import keras\n"
        "model = keras.Sequential([keras.Input((4,)),\n"
        "                          keras.layers.Dense(3, activation='softmax')])\n"
        "model.compile(optimizer=keras.optimizers.Adam(0.01),\n"
        "              loss='sparse_categorical_crossentropy', metrics=['accuracy'])")
    assert len(runs(tracker, store)) == 2
    run("history = model.fit(X_train, y_train, epochs=3, verbose=0)")
    catboost_run, torch_run, keras_run = runs(tracker, store)
    assert catboost_run["params"]["iterations"] == "5"
    assert torch_run["name"].startswith("Sequential ") and torch_run["tags"]["model.name"] == "net"
    assert torch_run["params"]["parameters"] == str(4 * 8 + 8 + 8 * 3 + 3)
    assert "loss" in torch_run["metrics"]
    assert keras_run["tags"]["model.name"] == "model"
    params = keras_run["params"]
    assert (params["optimizer"], params["epochs"]) == ("Adam", "3")
    assert float(params["optimizer.learning_rate"]) == pytest.approx(0.01)
    steps = store.metric_history(keras_run["run_id"], "loss")
    assert [s["step"] for s in steps] == [0, 1, 2]
    assert steps[-1]["value"] == pytest.approx(run("history.history['loss'][-1]").result)


def test_the_runs_model_is_the_predictor_fitted_last(data, run, tracker, store):
    run("from sklearn.preprocessing import LabelBinarizer\n"
        "from sklearn.svm import SVC\n"
        "clf = SVC().fit(X_train, y_train)\n"
        "binarizer = LabelBinarizer().fit(y_train)\n"
        "_ = clf")
    (fitted,) = runs(tracker, store)
    assert fitted["name"].startswith("SVC ") and fitted["tags"]["model.name"] == "clf"
    assert fitted["tags"]["binarizer.model.type"].endswith("LabelBinarizer")
    assert "_.model.name" not in fitted["tags"]


def test_models_in_containers_loops_and_functions(data, run, tracker, store):
    run("from sklearn.linear_model import LogisticRegression\n"
        "from sklearn.tree import DecisionTreeClassifier\n"
        "classifiers = [('lr', LogisticRegression(C=2.0)), ('tree', DecisionTreeClassifier())]")
    run("for name, clf in classifiers:\n    clf.fit(X_train, y_train)")
    run("def train(C):\n    return LogisticRegression(C=C).fit(X_train, y_train)\n"
        "by_c = {C: train(C) for C in (0.1, 1.0)}")
    loop, function = runs(tracker, store)
    assert {loop["tags"][k] for k in loop["tags"] if k.endswith("model.name")} == {
        "clf", "classifiers['lr']"}  # clf is the tree: one object, one model
    assert loop["tags"]["model.type"].endswith("DecisionTreeClassifier")
    assert loop["params"]["classifiers['lr'].C"] == "2.0"
    assert function["tags"]["model.name"] in ("by_c[0.1]", "by_c[1.0]")
    assert len([k for k in function["tags"] if k.endswith("model.name")]) == 2
    run("print(len(classifiers))")  # reading them again, unchanged, is no run
    assert len(runs(tracker, store)) == 2


def test_a_search_records_its_best_params_score_and_candidates(data, run, tracker, store):
    run("from sklearn.model_selection import GridSearchCV\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "search = GridSearchCV(LogisticRegression(max_iter=500), {'C': [0.01, 1.0]}, cv=3)\n"
        "search.fit(X_train, y_train)")
    (found,) = runs(tracker, store)
    assert found["name"].startswith("GridSearchCV ")
    assert found["params"]["best.C"] == "1.0" and found["params"]["C"] == "1.0"
    assert "estimator" not in found["params"] and "param_grid" not in found["params"]
    assert 0.8 < found["metrics"]["best_score"] <= 1
    assert found["tags"]["model.best_estimator.type"].endswith("LogisticRegression")
    (table,) = [a for a in found["artifacts"] if a["name"] == "cv_results.csv"]
    assert table["media_type"] == "text/csv" and table["size"] > 50  # see test_models


def test_metric_functions_are_captured_bound_displayed_or_printed(data, run, tracker, store,
                                                                 shell):
    run("from sklearn.linear_model import LogisticRegression\n"
        "from sklearn.metrics import accuracy_score, f1_score, classification_report\n"
        "from sklearn.model_selection import cross_val_score, cross_validate")
    run("model = LogisticRegression(max_iter=500).fit(X_train, y_train)")
    run("y_pred = model.predict(X_test)\n"
        "a = accuracy_score(y_test, y_pred)\n"
        "print(f1_score(y_test, model.predict(X_test), average='macro'))\n"
        "print(classification_report(y_test, y_pred))\n"
        "model.score(X_test, y_test)")
    run("cv = cross_val_score(model, X, y, cv=3)\n"
        "both = cross_validate(model, X, y, cv=3, scoring='accuracy')")
    (fitted,) = runs(tracker, store)  # scoring the model belongs to its run
    metrics = fitted["metrics"]
    ns = shell.user_ns
    assert metrics["accuracy_score_X_test"] == pytest.approx(ns["a"])
    assert "f1_score_X_test" in metrics
    assert metrics["LogisticRegression_score_X_test"] == pytest.approx(ns["a"])
    assert metrics["classification_report_X_test_accuracy"] == pytest.approx(ns["a"])
    assert "classification_report_X_test_macro_avg_f1_score" in metrics
    assert metrics["cross_val_score_X_mean"] == pytest.approx(ns["cv"].mean())
    assert metrics["cross_val_score_X_std"] == pytest.approx(ns["cv"].std())
    assert metrics["cross_validate_test_score_X_mean"] == pytest.approx(
        ns["both"]["test_score"].mean())
    # the search's own internal scoring and cross-validation calls are not the notebook's
    assert not any(k.startswith("LogisticRegression_score_") and k != (
        "LogisticRegression_score_X_test") for k in metrics)


def test_a_failed_cell_records_only_what_it_computed(data, run, tracker, store):
    run("from sklearn.linear_model import LogisticRegression")
    run("model = LogisticRegression(max_iter=500).fit(X_train, y_train)\n"
        "accuracy = model.score(X_test, y_test)")
    result = run("model = LogisticRegression(C=0.01, max_iter=500).fit(X_train, y_train)\n"
                 "raise RuntimeError('before scoring')\n"
                 "accuracy = model.score(X_test, y_test)")
    assert isinstance(result.error_in_exec, RuntimeError)
    first, failed = runs(tracker, store)
    assert "accuracy" in first["metrics"]
    assert failed["status"] == "failed" and failed["metrics"] == {}
    assert failed["params"]["C"] == "0.01"


def test_a_loop_variable_is_no_metric(run, tracker, store):
    run("%track")
    run("levels = [0.1, 0.5]\nfor f_score in levels:\n    pass")
    assert runs(tracker, store) == []


def test_plotting_state_is_no_dataset(data, run, tracker, store):
    run("from sklearn.linear_model import LogisticRegression\n"
        "model = LogisticRegression(max_iter=500).fit(X_train, y_train)")
    run("xx, yy = np.meshgrid(np.linspace(0, 1, 5), np.linspace(0, 2, 4))\n"
        "mask = y_test == 1\naxes = np.empty((2, 2), dtype=object)\n"
        "accuracy = model.score(X_test[mask], y_test[mask]) + 0 * xx.sum() + 0 * yy.sum()"
        " + 0 * len(axes)")
    (fitted,) = runs(tracker, store)
    names = {d["name"] for d in fitted["datasets"]}
    assert {"X_test", "y_test", "X_train"} <= names
    assert not names & {"xx", "yy", "mask", "axes"}


def test_run_names_and_lineage_use_the_prompt_numbers(run, tracker, store):
    run("%track")
    first = run("loss = 0.5")
    second = run("%%track named\nrecall = loss * 2")
    loss, named = runs(tracker, store)
    assert loss["name"] == f"loss [{first.execution_count}]"
    assert [e["execution_count"] for e in named["lineage"]] == [first.execution_count,
                                                              second.execution_count]
    cells = store.cell_executions(tracker.session_id)
    assert [c["execution_count"] for c in cells] == [first.execution_count,
                                                     second.execution_count]


@pytest.mark.parametrize("cell, expected", [
    ("%%track baseline # the first try\nloss = 0.3", "baseline"),
    ("%%track 'with # in it'  # comment\nloss = 0.3", "with # in it"),
])
def test_cell_magic_comments(run, tracker, store, cell, expected):
    run("%track  # start tracking")
    assert run(cell).success
    (named,) = runs(tracker, store)
    assert named["name"] == expected


def test_line_magic_comments(run, tracker, store, capsys):
    run("%track on   # start")
    run("rmse = 0.2\n%track param depth=4  # deeper trees\n%track note 'try #2' # why")
    capsys.readouterr()
    (only,) = runs(tracker, store)
    assert only["params"] == {"depth": "4", "rmse": "0.2"} and only["notes"] == "try #2"
    assert "UsageError" not in capsys.readouterr().err


def test_names_made_and_read_in_the_same_cell_raise_no_warning(run, tracker, store):
    run("from sklearn.svm import SVC")  # imported before tracking: on record
    run("%track")
    run("k = 3\nvals = [k * i for i in range(3)]\nscale = lambda v: v * k\n"
        "def helper(v):\n    return scale(v) + k\n"
        "class Wrapped(SVC):\n    pass\n"
        "if __name__ == '__main__':\n    loss = helper(1) * 0.1 + len(vals) + 0 * len(str(SVC))")
    (only,) = runs(tracker, store)
    assert only["warnings"] == []


def test_a_name_from_before_tracking_still_warns(run, tracker, store):
    run("base = 4")
    run("%track")
    run("loss = sum(base * i for i in range(2))")
    (only,) = runs(tracker, store)
    assert any("`base`" in w and "before tracking" in w for w in only["warnings"])


def test_wrapped_functions_pickle_as_the_library_functions(data, run, shell):
    import pickle

    import sklearn.metrics

    cloudpickle = pytest.importorskip("cloudpickle")  # what joblib's workers use

    run("from sklearn.metrics import f1_score, make_scorer\nscorer = make_scorer(f1_score)")
    wrapped = shell.user_ns["f1_score"]
    assert wrapped is sklearn.metrics.f1_score and wrapped.__wrapped__  # tracked
    for dumps in (pickle.dumps, cloudpickle.dumps):
        data_ = dumps(shell.user_ns["scorer"])
        assert len(data_) < 2000  # by reference, not the tracker's closure
        assert pickle.loads(data_)._score_func is wrapped
    run("%track off")
    assert shell.user_ns["f1_score"] is sklearn.metrics.f1_score is wrapped.__wrapped__
