"""Promote a version: move an alias only when the gate holds.

A gate is ``metrics.KEY OP RHS`` with OP one of >=, >, <=, <, == and RHS a number, an alias
(that version's metric: ``metrics.auc >= production``) or ``vN``. With a holdout file the
metrics on both sides are recomputed on it (the same rows for both models); otherwise the
metrics the versions recorded when trained are compared. An alias with no version yet has
nothing to beat.
"""

from __future__ import annotations

import operator
import re
from typing import Any

from ..store import InvalidInput, Store

_GATE = re.compile(r"^\s*metrics\.(?P<key>[\w.-]+)\s*(?P<op>>=|<=|==|>|<)\s*(?P<rhs>\S+)\s*$")
_OPS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt,
        "==": operator.eq}


class GateFailed(Exception):
    """The candidate does not pass a requirement (exit 1, the alias stays)."""


def parse_gate(text: str) -> tuple[str, str, str]:
    m = _GATE.match(text)
    if m is None:
        raise InvalidInput(f"--require {text!r}: use metrics.KEY OP RHS with OP one of >=, >, "
                           "<=, <, == and RHS a number, an alias or vN")
    return m["key"], m["op"], m["rhs"]


def promote(name: str, version: int, alias: str, *, require: list[str], store: Store,
            holdout: str | None = None, user: str | None = None,
            dry_run: bool = False) -> dict:
    """Check every gate, then move ``alias`` to ``version`` (audited); returns
    {name, alias, version, previous, checks, passed, moved}. Raises GateFailed naming the
    failed metric — unless ``dry_run``, which moves nothing and returns every check."""
    result = compare(name, version, alias, require=require, store=store, holdout=holdout)
    if dry_run:
        return {**result, "moved": False}
    if not result["passed"]:
        raise GateFailed(result["failure"])
    moved = store.set_alias(name, alias, version, user=user)
    return {**moved, **{k: result[k] for k in ("previous", "checks", "passed")}, "moved": True}


def compare(name: str, version: int, alias: str, *, require: list[str], store: Store,
            holdout: str | None = None) -> dict:
    """The gate's checks, all of them (what a reviewer sees before the alias moves):
    {name, alias, version, previous, checks, passed, failure (the first failed check, as
    a sentence, or None)}."""
    gates = [parse_gate(g) for g in require]
    candidate = store.model_version(name, version)
    try:
        previous: int | None = store.resolve_alias(name, alias)
    except Exception:
        previous = None
    scorer = _HoldoutScorer(holdout, store) if holdout else None
    checks, failures = [], []
    for key, op, rhs in gates:
        try:
            checks.append(_check(name, candidate, key, op, rhs, store, scorer, holdout))
        except GateFailed as e:
            checks.append({"metric": key, "op": op, "candidate": None, "against": rhs,
                           "value": None, "passed": False, "detail": str(e)})
        if not checks[-1]["passed"]:
            failures.append(checks[-1]["detail"])
    return {"name": name, "alias": alias, "version": version, "previous": previous,
            "checks": checks, "passed": not failures,
            "failure": failures[0] if failures else None}


def _check(name: str, candidate: dict, key: str, op: str, rhs: str, store: Store,
           scorer: Any, holdout: str | None) -> dict:
    ours = _metric(candidate, key, scorer)
    other, label = _right_hand_side(name, rhs, key, store, scorer)
    if other is None:
        return {"metric": key, "op": op, "candidate": ours, "against": label, "value": None,
                "passed": True, "detail": f"{label} has no version yet: nothing to beat"}
    if ours is None:
        raise GateFailed(f"metrics.{key}: {name}/{candidate['version']} recorded no {key!r}")
    passed = _OPS[op](ours, other)
    detail = None if passed else (
        f"metrics.{key} of {name}/{candidate['version']} is {ours:.6g}, not {op} {label}'s "
        f"{other:.6g} (by {abs(ours - other):.4g})" + (f" on {holdout}" if holdout else ""))
    return {"metric": key, "op": op, "candidate": ours, "against": label, "value": other,
            "passed": passed, "margin": ours - other, "detail": detail}


def _right_hand_side(name: str, rhs: str, key: str, store: Store,
                     scorer: Any) -> tuple[float | None, str]:
    try:
        return float(rhs), rhs
    except ValueError:
        pass
    if re.fullmatch(r"v\d+", rhs):
        other = store.model_version(name, int(rhs[1:]))
    else:
        try:
            number = store.resolve_alias(name, rhs)
        except Exception:
            return None, rhs
        other = store.model_version(name, number)
    value = _metric(other, key, scorer)
    if value is None:
        raise GateFailed(f"metrics.{key}: {name}/{other['version']} ({rhs}) recorded no {key!r}")
    return value, f"{rhs} (v{other['version']})"


def _metric(version: dict, key: str, scorer: Any) -> float | None:
    if scorer is not None:
        return scorer.score(version, key)
    value = version["metrics"].get(key)
    return float(value) if isinstance(value, (int, float)) else None


class _HoldoutScorer:
    """Recompute a metric of a version on the holdout file (its target column is the
    training target the package's datasets.json recorded)."""

    METRICS = {"auc": "roc_auc_score", "roc_auc": "roc_auc_score",
               "accuracy": "accuracy_score", "acc": "accuracy_score", "f1": "f1_score",
               "precision": "precision_score", "recall": "recall_score", "r2": "r2_score",
               "mae": "mean_absolute_error", "mse": "mean_squared_error",
               "rmse": "root_mean_squared_error", "logloss": "log_loss",
               "log_loss": "log_loss"}
    _PROBABILITIES = ("roc_auc_score", "log_loss")

    def __init__(self, path: str, store: Store):
        from .report import read_data

        self.frame = read_data(path)
        self.path = path
        self.store = store

    def score(self, version: dict, key: str) -> float:
        import json
        import os

        from sklearn import metrics

        from ..registry import load_model, resolve
        from .drift import target_column

        function = self.METRICS.get(key.lower())
        if function is None:
            raise InvalidInput(f"--holdout cannot recompute {key!r}: it knows "
                               + ", ".join(sorted(self.METRICS)))
        ref = f"{version['name']}/{version['version']}"
        with open(os.path.join(resolve(ref, self.store)[2], "datasets.json"),
                  encoding="utf-8") as f:
            datasets = json.load(f)
        inputs = [c["name"] for c in (version["signature"] or {}).get("inputs") or []]
        target = target_column(datasets, inputs)
        if target is None or target not in self.frame.columns:
            raise InvalidInput(f"--holdout {self.path} has no target column for {ref} "
                               f"(expected {target or 'the training target'!r})")
        missing = [c for c in inputs if c not in self.frame.columns]
        if missing:
            raise InvalidInput(f"--holdout {self.path} lacks inputs of {ref}: "
                               + ", ".join(missing))
        model = load_model(ref, store=self.store)
        rows = self.frame[inputs]
        if function in self._PROBABILITIES:
            probabilities = model.model.predict_proba(rows)
            predicted = probabilities[:, 1] if probabilities.shape[1] == 2 else probabilities
        else:
            predicted = model.predict(rows)
        return float(getattr(metrics, function)(self.frame[target], predicted))
