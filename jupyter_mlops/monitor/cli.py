"""``jupyter mlops monitor``: exit 1 when drift passes the thresholds, for cron and CI."""

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
    return 1 if report["drift"] else 0


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
