"""Drift of current data against a training data profile (``capture.datasets.describe``).

The baseline is only the profile a package records, not the training rows, so each test is
built on what the profile knows exactly:

- numeric columns: PSI over the profile's 10 histogram bins (plus one bin on each side for
  values outside the training range), and a Kolmogorov-Smirnov distance evaluated at the
  points where the training CDF is known — the 9 inner histogram edges (exact counts) and
  the 7 quantiles (exact below a million rows, ~0.1% in rank above). That is a lower bound
  of the two-sample KS statistic on the raw data; interpolating the CDF between those
  points would add an error that does not shrink with the sample and flag large unchanged
  samples. A quantile knot compares as an interval, so ties (integer columns) are fair.
- categorical and boolean columns: PSI and chi-square (as Cramér's V) over the profile's
  top values plus one "other" bucket.
- every column: the change of its missing-value share (two-proportion test).

Thresholds are sample-size aware (and below ``MIN_ROWS`` current rows nothing is called
drift): each is the larger of an effect-size floor (so a large
sample of unchanged data, whose tiny differences are "significant", is not flagged) and the
statistic's critical value at ``alpha`` for the two sample sizes, Bonferroni-corrected over
the features compared (so small samples and many features do not raise false alarms).
scipy (``scipy.special``) gives the chi-square and normal quantiles and the Kolmogorov
distribution; it is a dependency anyway through scikit-learn, the models this serves.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from itertools import pairwise
from typing import Any

import numpy as np

from ..capture.datasets import _json_value

ALPHA = 0.05
PSI_FLOOR = 0.2  # the usual "significant shift" level of PSI
KS_FLOOR = 0.1  # about a quarter of a standard deviation of mean shift for a normal
CRAMER_FLOOR = 0.1  # a small association between "which sample" and the category
MISSING_FLOOR = 0.05  # five points of change in the missing-value share
MIN_ROWS = 50  # below this the tests' null distributions are too rough to call drift
_EPS = 1e-4  # floor of a bin's share in PSI (an empty bin would make it infinite)
OTHER = "(other)"


def kind_of(profile: Mapping[str, Any]) -> str | None:
    """"numeric", "categorical", or None for a column the profile cannot compare (dates,
    all missing)."""
    if profile.get("histogram"):
        return "numeric"
    if "top" in profile:
        return "categorical"
    return None


def compare(baseline: Mapping[str, Mapping[str, Any]], current: Any,
            features: Sequence[str] | None = None, *, alpha: float = ALPHA) -> dict:
    """Per-feature drift of the DataFrame ``current`` against the profile ``baseline``
    (column -> profile), for ``features`` (default: every profiled column), and the overall
    verdict. A feature missing from ``current`` or of another type is drift (a schema
    change); columns of ``current`` not among the features are listed, not compared."""
    names = list(features) if features is not None else list(baseline)
    comparable = [n for n in names if n in baseline and kind_of(baseline[n])]
    level = alpha / max(1, len(comparable))
    results = []
    for name in names:
        profile = baseline.get(name)
        if profile is None:
            results.append(_verdict(name, None, "not profiled", False, []))
        elif name not in current.columns:
            results.append(_verdict(name, kind_of(profile), "missing column", True, []))
        elif kind_of(profile) is None:
            results.append(_verdict(name, None, "not compared", False, []))
        else:
            results.append(compare_column(name, profile, current[name], level))
    extra = [str(c) for c in current.columns if str(c) not in set(names)]
    drifted = [r["name"] for r in results if r["drift"]]
    return {"drift": bool(drifted), "drifted": drifted, "rows": len(current),
            "alpha": alpha, "features": results, "extra_columns": extra}


def compare_column(name: str, profile: Mapping[str, Any], column: Any, level: float) -> dict:
    """One feature's tests at significance ``level`` (already corrected)."""
    kind = kind_of(profile)
    tests = []
    missing, values = _split_missing(column, kind)
    tests.append(_missing_test(profile, missing, len(column), level))
    if kind == "numeric":
        if values is None:
            return _verdict(name, kind, "type changed", True, tests,
                            detail="training values were numbers; current values are not")
        bins, *shape_tests = _numeric_tests(profile, values, level)
    else:
        bins, *shape_tests = _categorical_tests(profile, values, level)
    tests += shape_tests
    drifted = [t["test"] for t in tests if t["drift"]]
    verdict = f"drift ({', '.join(drifted)})" if drifted else "ok"
    if len(column) < MIN_ROWS:
        drifted, verdict = [], f"too few rows ({len(column)} < {MIN_ROWS})"
    return _verdict(name, kind, verdict, bool(drifted), tests, bins=bins,
                    score=max(t["statistic"] / t["threshold"] for t in tests if t["threshold"]))


def _verdict(name: str, kind: str | None, verdict: str, drift: bool, tests: list[dict],
             **more: Any) -> dict:
    score = more.pop("score", math.inf if drift else 0.0)
    return {"name": name, "kind": kind, "verdict": verdict, "drift": drift, "score": score,
            "tests": tests, **more}


def _split_missing(column: Any, kind: str | None) -> tuple[int, Any]:
    """(missing count, present values): float64 for numeric profiles (None when the values
    are not numbers), otherwise the column without its missing values."""
    import pandas as pd

    if kind != "numeric":
        present = column.dropna()
        return len(column) - len(present), present
    if pd.api.types.is_bool_dtype(column.dtype) or not pd.api.types.is_numeric_dtype(
            column.dtype):
        coerced = pd.to_numeric(column, errors="coerce")
        if coerced.isna().sum() > column.isna().sum():
            return int(column.isna().sum()), None
        column = coerced
    values = column.to_numpy(dtype=np.float64, na_value=np.nan)
    nan = np.isnan(values)
    missing = int(np.count_nonzero(nan))
    return missing, (values[~nan] if missing else values)


def _test(test: str, statistic: float, threshold: float, **more: Any) -> dict:
    return {"test": test, "statistic": float(statistic), "threshold": float(threshold),
            "drift": bool(statistic > threshold), **more}


def _missing_test(profile: Mapping[str, Any], missing: int, rows: int, level: float) -> dict:
    n = profile.get("count", 0) + profile.get("nulls", 0)
    base = profile.get("nulls", 0) / n if n else 0.0
    now = missing / rows if rows else 0.0
    pooled = (profile.get("nulls", 0) + missing) / max(1, n + rows)
    critical = _normal_isf(level / 2) * math.sqrt(
        pooled * (1 - pooled) * (1 / max(1, n) + 1 / max(1, rows)))
    return _test("missing", abs(now - base), max(MISSING_FLOOR, critical),
                 training=base, current=now)


def _numeric_tests(profile: Mapping[str, Any], values: np.ndarray,
                   level: float) -> tuple[dict, dict, dict]:
    edges = np.asarray(profile["histogram"]["edges"], dtype=np.float64)
    counts = np.asarray(profile["histogram"]["counts"], dtype=np.float64)
    n = counts.sum()
    finite = values if np.isfinite(values).all() else values[np.isfinite(values)]
    m = len(finite)
    quantiles = {float(p): v for p, v in (profile.get("quantiles") or {}).items()
                 if v is not None}
    # The profile's bins are np.histogram(bins=10) over [min, max]: the same call on the same
    # range bins current values identically (its uniform-bin fast path, no binary search).
    inside = np.histogram(finite, bins=len(counts), range=(edges[0], edges[-1]))[0]
    below_min = np.count_nonzero(finite < edges[0])
    actual = np.concatenate([[below_min], inside, [m - below_min - inside.sum()]])
    expected = np.concatenate([[0.0], counts, [0.0]])
    psi = _psi(expected, actual, level)

    # KS at the points where the training CDF is known: the inner edges (bins are
    # [e_k, e_k+1), so the counts below an edge are exact) and the quantiles, each an
    # interval [share below, share at most] so that ties compare fairly.
    below_edges = below_min + np.cumsum(inside)[:-1]
    distances = list(np.abs(np.cumsum(counts)[:-1] / n - below_edges / max(1, m)))
    for p, q in quantiles.items():
        below = np.count_nonzero(finite < q)
        at_most = below + np.count_nonzero(finite == q)
        distances.append(max(0.0, below / max(1, m) - p, p - at_most / max(1, m)))
    d = max(distances) if m and n else 0.0
    effective = n * m / (n + m) if n and m else 0.0
    critical = math.sqrt(-0.5 * math.log(level / 2)) / math.sqrt(effective) if effective \
        else math.inf
    ks = _test("ks", d, max(KS_FLOOR, critical), p_value=_kolmogorov(d * math.sqrt(effective)))
    labels = ["< min", *(f"{a:.4g}..{b:.4g}" for a, b in pairwise(edges)), "> max"]
    return _bins(labels, expected, actual), psi, ks


def _categorical_tests(profile: Mapping[str, Any], values: Any,
                       level: float) -> tuple[dict, dict, dict]:
    top = profile.get("top") or []
    labels = [t["value"] for t in top]
    listed = sum(t["count"] for t in top)
    expected = np.array([t["count"] for t in top] + [_unlisted(profile, listed)], float)
    position = {value: i for i, value in enumerate(labels)}
    actual = np.zeros(len(labels) + 1)
    new_values: list[Any] = []
    try:
        counted = values.value_counts()
    except TypeError:  # unhashable values: their text, as the profile counted them
        counted = values.map(repr).value_counts()
    for value, count in counted.items():
        key = _json_value(value)
        i = position.get(key, len(labels))
        actual[i] += count
        if i == len(labels) and profile.get("distinct", 0) <= len(labels) \
                and len(new_values) < 5:
            new_values.append(key)
    psi = _psi(expected, actual, level)
    n, m = expected.sum(), actual.sum()
    keep = (expected + actual) > 0
    if n and m and keep.sum() > 1:
        e, a = expected[keep], actual[keep]
        total = e + a
        chi2 = float(sum(((obs - total * share) ** 2 / (total * share)).sum()
                         for obs, share in ((e, n / (n + m)), (a, m / (n + m)))))
        dof = int(keep.sum()) - 1
        v = math.sqrt(chi2 / (n + m))
        critical = math.sqrt(_chi2_isf(level, dof) / (n + m))
        cramer = _test("chi2", v, max(CRAMER_FLOOR, critical), p_value=_chi2_sf(chi2, dof),
                       chi2=chi2, dof=dof)
    else:
        cramer = _test("chi2", 0.0, CRAMER_FLOOR, p_value=1.0)
    if new_values:
        cramer["new_values"] = new_values
    return _bins([str(v) for v in labels] + [OTHER], expected, actual), psi, cramer


def _unlisted(profile: Mapping[str, Any], listed: int) -> float:
    """Training rows whose value is not among the profile's top values. Past PROFILE_ROWS
    the top counts are those of a seeded ``sample`` of rows while ``count`` stays exact, so
    the rest is taken on the sample's scale (its present share estimated from the exact
    counts); with every distinct value listed there is no rest."""
    if profile.get("distinct", 0) <= len(profile.get("top") or []):
        return 0.0
    present = profile.get("count", 0)
    if "sample" in profile:
        rows = present + profile.get("nulls", 0)
        present = profile["sample"] * present / rows if rows else 0
    return max(0.0, present - listed)


def _psi(expected: np.ndarray, actual: np.ndarray, level: float) -> dict:
    """PSI of two count vectors, and its threshold: the floor, or the null distribution's
    critical value (PSI ~ (1/n + 1/m) chi-square(bins - 1) for unchanged data)."""
    n, m = expected.sum(), actual.sum()
    if not n or not m:
        return _test("psi", 0.0, PSI_FLOOR)
    e = np.maximum(expected / n, _EPS)
    a = np.maximum(actual / m, _EPS)
    psi = float(((a - e) * np.log(a / e)).sum())
    dof = max(1, int(np.count_nonzero(expected + actual)) - 1)
    threshold = max(PSI_FLOOR, (1 / n + 1 / m) * _chi2_isf(level, dof))
    return _test("psi", psi, threshold)


def _bins(labels: Iterable[str], expected: np.ndarray, actual: np.ndarray) -> dict:
    n, m = expected.sum() or 1, actual.sum() or 1
    return {"labels": list(labels), "training": (expected / n).tolist(),
            "current": (actual / m).tolist()}


def _chi2_isf(p: float, dof: int) -> float:
    from scipy.special import chdtri

    return float(chdtri(dof, p))


def _chi2_sf(x: float, dof: int) -> float:
    from scipy.special import chdtrc

    return float(chdtrc(dof, x))


def _normal_isf(p: float) -> float:
    from scipy.special import ndtri

    return float(-ndtri(p))


def _kolmogorov(x: float) -> float:
    from scipy.special import kolmogorov

    return float(kolmogorov(x))


def pick_baseline(datasets: Sequence[Mapping[str, Any]],
                  inputs: Sequence[str] | None) -> tuple[dict, dict | None]:
    """From a package's datasets.json: the profile of the model's inputs (the training
    dataset with most of them) and the profile of the training target, if recorded, the
    baseline of the prediction distribution."""
    train = _profiled(datasets)
    wanted = set(inputs or [])
    best = max(train, key=lambda d: (len(wanted & set(d["profile"])) if wanted
                                     else len(d["profile"])), default=None)
    if best is None:
        return {}, None
    found = _target(train, wanted)
    return dict(best["profile"]), found[0]["profile"][found[1]] if found else None


def target_column(datasets: Sequence[Mapping[str, Any]], inputs: Sequence[str]) -> str | None:
    """The training target's column name (see ``pick_baseline``)."""
    found = _target(_profiled(datasets), set(inputs))
    return found[1] if found else None


def _profiled(datasets: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Datasets with a profile, training data first."""
    return sorted((d for d in datasets if d.get("profile")), key=lambda d: d.get("role") != "train")


def _target(train: Sequence[Mapping[str, Any]],
            wanted: set[str]) -> tuple[Mapping[str, Any], str] | None:
    """(dataset, column) of the training target: a comparable training column that is not
    an input, from the narrowest dataset (a ``y_train`` of one column before a frame)."""
    if not wanted:
        return None
    for d in sorted(train, key=lambda d: (d.get("role") != "train", len(d["profile"]))):
        others = [c for c in d["profile"] if c not in wanted and kind_of(d["profile"][c])]
        if others:
            return d, others[0]
    return None
