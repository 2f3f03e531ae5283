"""The registry's ``jupyter mlops`` subcommands: package, models, alias, verify, export.

``verify`` exits 0 only when the version reproduced, so CI can gate on it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any

from .load import Tampered
from .register import AmbiguousModel, CannotPackage


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("package", parents=[common],
                       help="package a run's model and register it as a new version")
    p.add_argument("run_id", metavar="RUN_ID")
    _register_options(p)
    p.add_argument("--description")
    p.set_defaults(handler=cmd_package)

    p = sub.add_parser("models", parents=[common],
                       help="registered models, or one model's versions and alias history")
    p.add_argument("name", metavar="NAME", nargs="?")
    p.set_defaults(handler=cmd_models)

    p = sub.add_parser("alias", parents=[common], help="point an alias at a version")
    p.add_argument("name", metavar="NAME")
    p.add_argument("alias", metavar="ALIAS")
    p.add_argument("version", metavar="VERSION", type=int)
    p.set_defaults(handler=cmd_alias)

    p = sub.add_parser("verify", parents=[common],
                       help="rebuild a version in a clean kernel and record if it reproduced")
    p.add_argument("ref", metavar="REF", help="NAME/VERSION or NAME@ALIAS")
    p.set_defaults(handler=cmd_verify)

    p = sub.add_parser("export", parents=[common],
                       help="run a notebook top to bottom with tracking and register its model")
    p.add_argument("notebook", metavar="NOTEBOOK")
    _register_options(p)
    p.set_defaults(handler=cmd_export)


def _register_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--name", required=True, help="registered model name")
    p.add_argument("--model", metavar="VAR", help="the model variable, if the run has several")
    p.add_argument("--alias", metavar="A", help="point this alias at the new version")


def _one_line_errors(handler: Callable[[argparse.Namespace], int]) -> Callable:
    @wraps(handler)
    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except (CannotPackage, AmbiguousModel, Tampered) as e:
            print(f"jupyter mlops: error: {e}", file=sys.stderr)
            return 1

    return run


def _print_version(args: argparse.Namespace, v: dict) -> int:
    from ..cli import _print_json

    if args.format == "json":
        return _print_json({k: val for k, val in v.items() if k != "manifest"})
    aliases = f" [{', '.join(v['aliases'])}]" if v["aliases"] else ""
    print(f"registered {v['name']}/{v['version']}{aliases}: {v['source']} `{v['model_variable']}`"
          f" ({v['model_type']}) of run {v['run_id']}, {len(v['requirements'])} requirements, "
          f"checksum {v['checksum'][:12]}")
    for warning in v["warnings"]:
        print(f"  warning: {warning}")
    return 0


@_one_line_errors
def cmd_package(args: argparse.Namespace) -> int:
    from ..cli import _open
    from .register import register_model

    st = _open(args)
    return _print_version(args, register_model(args.run_id, args.name, model=args.model,
                                               alias=args.alias, description=args.description,
                                               store=st))


@_one_line_errors
def cmd_export(args: argparse.Namespace) -> int:
    from ..cli import _open
    from .verify import export

    if not args.notebook.endswith(".ipynb"):
        raise CannotPackage(f"{args.notebook} is not a notebook (.ipynb)")
    return _print_version(args, export(args.notebook, args.name, args.model, args.alias,
                                       store=_open(args, create=True)))


def cmd_models(args: argparse.Namespace) -> int:
    from ..cli import _open, _print_json, _print_table
    from ..store import NoStore

    if args.name is None:
        try:
            models = _open(args).list_models()
        except NoStore:
            models = []
        if args.format == "json":
            return _print_json({"models": models})
        _print_table(["name", "latest", "versions", "aliases", "updated"],
                     [[m["name"], m["latest_version"], m["versions_count"],
                       ", ".join(f"{a}={v}" for a, v in sorted(m["aliases"].items())),
                       m["updated"]] for m in models])
        return 0
    model = _open(args).get_model(args.name)
    if args.format == "json":
        return _print_json(model)
    _print_table(["version", "aliases", "source", "verification", "created", "user", "metrics"],
                 [[v["version"], ", ".join(v["aliases"]), v["source"],
                   v["verification"]["status"], v["created"], v["user"],
                   ", ".join(f"{k}={val:.4g}" for k, val in sorted(v["metrics"].items())
                             if isinstance(val, (int, float)))]
                  for v in model["versions"]])
    return 0


def cmd_alias(args: argparse.Namespace) -> int:
    from .. import api
    from ..cli import _open, _print_json

    result = _open(args).set_alias(args.name, args.alias, args.version, user=api._user())
    if args.format == "json":
        return _print_json(result)
    print(f"{result['name']}@{result['alias']} -> version {result['version']}")
    return 0


@_one_line_errors
def cmd_verify(args: argparse.Namespace) -> int:
    from ..cli import _open, _print_json
    from .verify import verify

    result = verify(args.ref, store=_open(args))
    if args.format == "json":
        _print_json(result)
    else:
        print(f"{args.ref}: {result['status'].replace('_', ' ')}"
              + (f" ({result['error']})" if result.get("error") else ""))
        for d in result["differences"]:
            print(f"  {d['kind']}: {d['detail']}")
    return 0 if result["status"] == "reproduced" else 1
