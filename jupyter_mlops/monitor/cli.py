"""``jupyter mlops monitor``, ``retrain`` and ``promote``: the loop from production back to
training, for cron and CI — ``monitor`` exits 1 on drift, ``promote`` exits 1 when its gate
fails (the alias stays where it was)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("monitor", parents=[common], help="drift of served inputs (or a data "
                       "file) against the training data; exit 1 on drift")
    p.add_argument("ref", metavar="REF", help="NAME/VERSION, NAME@ALIAS or a package folder")
    p.add_argument("--since", metavar="WHEN",
                   help="prediction log from this ISO date/time or age (30m, 24h, 7d) on")
    p.add_argument("--data", metavar="FILE", help="compare this file (CSV, Parquet, JSON) "
                   "instead of the prediction log")
    p.add_argument("--alpha", type=float, default=0.05,
                   help="significance level before the per-feature correction (default 0.05)")
    p.add_argument("--plot", metavar="OUT.png", help="write the most drifted features' "
                   "training vs current distributions as a PNG")
    p.add_argument("--trust", action="store_true",
                   help="load a pickled model from a package folder not from the registry")
    p.set_defaults(handler=cmd_monitor)

    p = sub.add_parser("retrain", parents=[common], help="rerun a version's train.py on new "
                       "data in a clean kernel and register the result as a new version")
    p.add_argument("ref", metavar="REF", help="NAME/VERSION or NAME@ALIAS")
    p.add_argument("--data", metavar="DATASET=PATH", action="append",
                   help="read this dataset of datasets.json from PATH instead (repeatable)")
    p.add_argument("--alias", metavar="A", help="point this alias at the new version")
    p.add_argument("--no-verify", action="store_true",
                   help="skip rebuilding the new version once more to verify it")
    p.set_defaults(handler=cmd_retrain)

    p = sub.add_parser("promote", parents=[common], help="move an alias to a version only "
                       "when its metrics pass the gate; exit 1 otherwise")
    p.add_argument("name", metavar="NAME")
    p.add_argument("version", metavar="VERSION", type=int)
    p.add_argument("--alias", required=True, metavar="A", help="the alias to move")
    p.add_argument("--require", action="append", default=[], metavar="GATE",
                   help='e.g. "metrics.auc >= production" or "metrics.rmse < 3.5" '
                        "(repeatable; all must hold)")
    p.add_argument("--holdout", metavar="FILE",
                   help="recompute the gate's metrics for both versions on this data file")
    p.add_argument("--dry-run", action="store_true",
                   help="show every check and move nothing (exit 1 if one fails)")
    p.set_defaults(handler=cmd_promote)


def cmd_monitor(args: argparse.Namespace) -> int:
    from ..cli import _open, _print_json, _print_table
    from ..registry import Tampered
    from ..store import InvalidInput
    from .report import monitor

    if not 0 < args.alpha < 1:
        raise InvalidInput(f"--alpha must be between 0 and 1, got {args.alpha}")
    folder = os.path.isdir(args.ref)
    store = None if folder and not (args.store or os.environ.get("JUPYTER_MLOPS_STORE")) \
        else _open(args)
    try:
        report = monitor(args.ref, store=store, data=args.data, since=args.since,
                         alpha=args.alpha, trust=args.trust)
    except Tampered as e:
        raise InvalidInput(str(e)) from None
    if args.plot:
        from .plot import plot

        try:
            report["plot"] = {"path": os.path.abspath(args.plot), "features": plot(report,
                                                                                 args.plot)}
        except (ValueError, OSError) as e:
            print(f"jupyter mlops: warning: no plot written: {e}", file=sys.stderr)
    if store is not None and report["model"]["version"] is not None:
        report["recorded"] = record(store, report)
    if args.format == "json":
        _print_json(report)
    else:
        rows = report["features"] + ([report["prediction"]] if report["prediction"] else [])
        _print_table(["feature", "kind", "verdict", "psi", "ks/chi2", "missing"],
                     [[f["name"], f["kind"], f["verdict"], *_stats(f)] for f in rows])
        where = report["current"].get("path") or "the prediction log"
        print(f"\n{report['rows']:,} rows from {where}: "
              + (f"DRIFT in {', '.join(_drifted(report))}"
                 if report["drift"] else "no drift"))
        if report["extra_columns"]:
            print(f"not compared (not model inputs): {', '.join(report['extra_columns'])}")
        if report.get("plot"):
            print(f"plot: {report['plot']['path']}")
        if report.get("recorded"):
            model = report["model"]
            print(f"recorded as the last drift report of {model['name']}/{model['version']}")
    return 1 if report["drift"] else 0


def cmd_retrain(args: argparse.Namespace) -> int:
    from ..cli import _open, _print_json
    from ..registry import CannotPackage, Tampered
    from ..store import InvalidInput
    from .retrain import parse_data, retrain

    data = parse_data(args.data)
    try:
        new = retrain(args.ref, data, alias=args.alias, store=_open(args),
                      verify=not args.no_verify)
    except (CannotPackage, Tampered) as e:
        raise InvalidInput(str(e)) from None
    if args.format == "json":
        return _print_json({k: v for k, v in new.items() if k != "manifest"})
    print(f"retrained {args.ref} as {new['name']}/{new['version']}"
          + (f" [{', '.join(new['aliases'])}]" if new["aliases"] else "")
          + f": verification {new['verification']['status'].replace('_', ' ')}; metrics "
          + ", ".join(f"{k}={v:.4g}" for k, v in sorted(new["metrics"].items())
                      if isinstance(v, (int, float))))
    return 0


def cmd_promote(args: argparse.Namespace) -> int:
    from .. import api
    from ..cli import _open, _print_json
    from ..store.models import check_alias
    from .promote import GateFailed, parse_gate, promote

    check_alias(args.alias)
    for gate in args.require:
        parse_gate(gate)  # a malformed gate is reported before the store is touched
    try:
        result = promote(args.name, args.version, args.alias, require=args.require,
                         store=_open(args), holdout=args.holdout, user=api._user(),
                         dry_run=args.dry_run)
    except GateFailed as e:
        print(f"jupyter mlops: not promoted: {e}", file=sys.stderr)
        return 1
    if args.format == "json":
        _print_json(result)
        return 0 if result["passed"] else 1
    print(("dry run, nothing moved: " if args.dry_run else "")
          + f"{result['name']}@{result['alias']} -> version {result['version']}"
          + (f" (was {result['previous']})" if result["previous"] is not None else "")
          + ("" if result["passed"] else ": the gate FAILS"))
    for c in result["checks"]:
        print(f"  metrics.{c['metric']}: " + (c.get("detail") or
              f"{c['candidate']:.6g} {c['op']} {c['against']} {c['value']:.6g}"))
    return 0 if result["passed"] else 1


def record(store: Any, report: dict) -> str:
    """Keep the report (and its PNG) in the store against the served version; its id."""
    plot = report.get("plot")
    png = None
    if plot:
        with open(plot["path"], "rb") as f:
            png = f.read()
    return store.record_drift_report(report, png)["report_id"]


def _stats(feature: dict) -> list[str]:
    tests = {t["test"]: t for t in feature["tests"]}
    shown = []
    for names in (("psi",), ("ks", "chi2"), ("missing",)):
        t = next((tests[n] for n in names if n in tests), None)
        shown.append("" if t is None else
                     f"{t['statistic']:.3g}{'>' if t['drift'] else '<='}{t['threshold']:.3g}")
    return shown


def _drifted(report: dict) -> list[str]:
    prediction = report.get("prediction") or {}
    return report["drifted"] + (["predictions"] if prediction.get("drift") else [])
