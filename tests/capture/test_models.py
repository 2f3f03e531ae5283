"""Models on the installed scikit-learn: fitted or not by its own protocol, params in
``step__param`` form without memory addresses, searches, containers, metric values."""

from __future__ import annotations

import csv
import io
import re

import numpy as np
import pytest
from sklearn.base import BaseEstimator
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import FeatureUnion, make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from jupyter_mlops.capture.models import (
    is_fitted_model,
    is_predictor,
    model_params,
    models_in,
    scalar,
    search_results,
)

X, y = load_iris(return_X_y=True)


def test_a_pipeline_is_fitted_by_scikit_learns_protocol():
    pipe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))
    assert not is_fitted_model(pipe)
    pipe.fit(X, y)
    assert is_fitted_model(pipe)
    assert not [a for a in vars(pipe) if a.endswith("_")]  # nothing to guess from
    union = FeatureUnion([("a", StandardScaler()), ("b", FunctionTransformer())])
    assert not is_fitted_model(union)
    assert is_fitted_model(union.fit(X))


def test_own_estimators_say_whether_they_are_fitted():
    class Mine(BaseEstimator):
        def __init__(self, done=False):
            self.done = done

        def fit(self, X, y=None):
            return self

        def __sklearn_is_fitted__(self):
            return self.done

    assert not is_fitted_model(Mine()) and is_fitted_model(Mine(done=True))
    assert not is_fitted_model(LogisticRegression)  # a class
    assert not is_fitted_model(object()) and not is_fitted_model(X)


def test_boosting_wrappers_and_statsmodels_by_their_own_protocols():
    import lightgbm
    import statsmodels.api as sm
    import xgboost

    for model in (lightgbm.LGBMClassifier(n_estimators=3, verbose=-1),
                  xgboost.XGBClassifier(n_estimators=3)):
        assert not is_fitted_model(model)
        assert is_fitted_model(model.fit(X, y)) and is_predictor(model)
        assert model_params(model)["n_estimators"] == 3
    booster = xgboost.train({"objective": "multi:softprob", "num_class": 3},
                            xgboost.DMatrix(X, label=y), num_boost_round=2)
    assert is_fitted_model(booster) and not is_fitted_model(xgboost.Booster())
    assert is_fitted_model(lightgbm.train({"objective": "multiclass", "num_class": 3,
                                           "verbose": -1}, lightgbm.Dataset(X, y), 2))
    ols = sm.OLS(y, sm.add_constant(X))
    assert not is_fitted_model(ols) and is_fitted_model(ols.fit())


def test_params_are_flat_and_free_of_memory_addresses():
    def double(v):
        return v * 2

    pipe = make_pipeline(FunctionTransformer(double), LogisticRegression(C=0.3))
    params = model_params(pipe)
    assert params["logisticregression__C"] == 0.3
    assert params["functiontransformer__func"].endswith("double")
    assert params["steps"] == "functiontransformer=FunctionTransformer, " \
                              "logisticregression=LogisticRegression"
    assert not any(re.search(r"0x[0-9a-f]{6,}", str(v)) for v in params.values())


def test_a_search_reports_what_it_found():
    search = GridSearchCV(LogisticRegression(max_iter=500), {"C": [0.01, 1.0]}, cv=3).fit(X, y)
    assert is_fitted_model(search) and is_predictor(search)
    assert model_params(search)["C"] == 1.0  # the best estimator's, not the template's
    best, score, table = search_results(search)
    assert best == {"best.C": 1.0} and score == pytest.approx(search.best_score_)
    rows = list(csv.DictReader(io.StringIO(table)))
    assert [r["C"] for r in rows] == ["0.01", "1.0"]
    assert {r["rank_test_score"] for r in rows} == {"1", "2"}
    assert float(rows[1]["mean_test_score"]) == pytest.approx(search.best_score_)


def test_models_kept_in_containers():
    a, b = LogisticRegression().fit(X, y), StandardScaler().fit(X)
    assert list(models_in({"lr": a, "unfitted": LogisticRegression()})) == [("['lr']", a)]
    assert list(models_in([("lr", a), ("scale", b)])) == [("['lr']", a), ("['scale']", b)]
    assert list(models_in((a,))) == [("[0]", a)]
    assert is_predictor(a) and not is_predictor(b)


@pytest.mark.parametrize("value, expected", [
    (0.5, 0.5), (np.float32(0.25), 0.25), (np.array(0.75), 0.75), (3, 3.0),
    (True, None), (np.array([1.0]), None), ("0.5", None), (None, None),
])
def test_scalar(value, expected):
    assert scalar(value) == expected


def test_models_two_levels_deep():
    from sklearn.model_selection import cross_validate

    results = cross_validate(LogisticRegression(max_iter=500), X, y, cv=3,
                             return_estimator=True)
    assert [k for k, _ in models_in(results)] == [f"['estimator'][{i}]" for i in range(3)]
    clf = LogisticRegression().fit(X, y)
    assert list(models_in([(0.1, 1.0, clf)])) == [("[0][2]", clf)]
    assert list(models_in([[[clf]]])) == []  # three levels: not looked at
