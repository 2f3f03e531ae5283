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
