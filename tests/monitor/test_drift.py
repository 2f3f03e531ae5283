"""Drift verdicts against a profile made by capture.datasets.describe: unchanged data (also a
large resample and a small sample) is not flagged; each kind of change is flagged on the
feature that changed, and only there."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jupyter_mlops.capture.datasets import describe
from jupyter_mlops.monitor import compare

ROWS = 5000


@pytest.fixture(scope="module")
def training():
    rng = np.random.default_rng(7)
    frame = pd.DataFrame({
        "age": rng.normal(40, 12, ROWS),
        "income": rng.lognormal(10, 1, ROWS),
        "visits": rng.integers(0, 6, ROWS),  # ties: an integer feature
        "plan": rng.choice(["basic", "plus", "pro"], ROWS, p=[0.6, 0.3, 0.1]),
        "active": rng.random(ROWS) > 0.3,
    })
    frame.loc[::20, "income"] = np.nan
    return frame


@pytest.fixture(scope="module")
def profile(training):
    return describe(training)["profile"]


def verdicts(report):
    return {f["name"]: f["verdict"] for f in report["features"]}


@pytest.mark.parametrize(("rows", "seed"), [(100_000, 1), (100_000, 2), (60, 3), (2000, 4)])
def test_resamples_of_the_training_data_are_not_drift(training, profile, rows, seed):
    sample = training.sample(rows, replace=True, random_state=seed)
    report = compare(profile, sample)
    assert not report["drift"], verdicts(report)
    assert set(verdicts(report).values()) == {"ok"}
    assert report["rows"] == rows


def test_a_shifted_numeric_feature_is_drift_and_only_it(training, profile):
    shifted = training.sample(20_000, replace=True, random_state=5)
    shifted["age"] += 8  # two thirds of a standard deviation
    report = compare(profile, shifted)
    assert report["drifted"] == ["age"]
    age = next(f for f in report["features"] if f["name"] == "age")
    assert {t["test"] for t in age["tests"] if t["drift"]} == {"psi", "ks"}
    assert age["bins"]["labels"][0] == "< min" and len(age["bins"]["current"]) == 12


def test_categorical_integer_and_missing_value_changes(training, profile):
    rng = np.random.default_rng(9)
    changed = training.sample(20_000, replace=True, random_state=6).reset_index(drop=True)
    changed["plan"] = rng.choice(["basic", "plus", "pro"], len(changed), p=[0.3, 0.3, 0.4])
    changed["visits"] = np.where(rng.random(len(changed)) < 0.3, 5, changed["visits"])
    changed.loc[changed.index % 4 == 0, "income"] = np.nan
    report = verdicts(compare(profile, changed))
    assert report == {"age": "ok", "income": "drift (missing)", "visits": "drift (psi, ks)",
                      "plan": "drift (psi, chi2)", "active": "ok"}


def test_schema_changes(training, profile):
    current = training.drop(columns=["age"]).assign(income="n/a", extra=1)
    report = compare(profile, current)
    assert verdicts(report)["age"] == "missing column"
    assert verdicts(report)["income"] == "type changed"
    assert report["extra_columns"] == ["extra"]
    assert report["drift"]


def test_unseen_categories_are_named(training, profile):
    current = training.assign(plan="enterprise")
    plan = next(f for f in compare(profile, current)["features"] if f["name"] == "plan")
    chi2 = next(t for t in plan["tests"] if t["test"] == "chi2")
    assert plan["drift"] and chi2["new_values"] == ["enterprise"]


def test_features_limit_what_is_compared(training, profile):
    report = compare(profile, training[["age"]], features=["age"])
    assert [f["name"] for f in report["features"]] == ["age"] and not report["drift"]


def test_too_few_rows_are_not_called_drift(training, profile):
    few = training.head(10).assign(age=500.0)
    age = next(f for f in compare(profile, few)["features"] if f["name"] == "age")
    assert not age["drift"] and age["verdict"] == "too few rows (10 < 50)"
    assert any(t["drift"] for t in age["tests"])  # the statistics are still reported


def test_a_sampled_training_profile_flags_only_a_changed_category():
    """Past PROFILE_ROWS the profile's top values are counted on a sample while its row
    counts stay exact: unchanged categories (all listed, or more than the top list, with
    missing values) are not drift; a category that became common is."""
    def cities(rows, seed, p_last=None):
        rng = np.random.default_rng(seed)
        names = np.array([f"city{i}" for i in range(15)], dtype=object)
        p = np.full(15, 1 / 15) if p_last is None else np.r_[np.full(14, (1 - p_last) / 14),
                                                               p_last]
        frame = pd.DataFrame({"few": names[rng.integers(0, 6, rows)],
                              "many": names[rng.choice(15, rows, p=p)]})
        frame.loc[::10, "many"] = None
        return frame

    profile = describe(cities(100_000, 1))["profile"]
    assert profile["many"]["sample"] < profile["many"]["count"]
    assert verdicts(compare(profile, cities(200_000, 2))) == {"few": "ok", "many": "ok"}
    shifted = verdicts(compare(profile, cities(200_000, 3, p_last=0.3)))
    assert shifted["few"] == "ok" and shifted["many"].startswith("drift")
