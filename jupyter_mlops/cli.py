"""``jupyter mlops <command>`` (also ``python -m jupyter_mlops``): the store from a terminal.

Every command takes ``--format table|json`` and ``--store URL``. JSON output is a stable
contract for scripts; tables are for people. Errors are one line on stderr and a non-zero
exit status, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from .jsonout import dumps
from .monitor.cli import add_commands as add_monitor_commands
from .registry.cli import add_commands as add_registry_commands
from .serving.cli import add_commands as add_serving_commands
from .store import InvalidInput, NoStore, NotFound, Store, StoreError
from .store.search import is_unicode

PROG = "jupyter mlops"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--format", choices=("table", "json"), default="table",
                        help="output format (default: table)")
    common.add_argument("--store", metavar="URL",
                        help="store directory or SQLAlchemy URL (default: $JUPYTER_MLOPS_STORE, "
                             "then config, then a directory under jupyter_data_dir())")
    return common


def build_parser() -> argparse.ArgumentParser:
    common = _common()
    parser = _Parser(prog=PROG, description="Browse and check the jupyter_mlops run store.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser,
                                metavar="COMMAND")

    p = sub.add_parser("runs", parents=[common], help="list runs, newest first")
    p.add_argument("--experiment")
    p.add_argument("--notebook")
    p.add_argument("--status", choices=("running", "finished", "failed", "interrupted",
                                        "crashed"))
    p.add_argument("--limit", type=_positive_int)
    p.add_argument("--sort", default="-started",
                   help="KEY or -KEY: started, name, duration, status, ..., metrics.NAME, "
                        "params.NAME (default: -started)")
    p.set_defaults(handler=cmd_runs)

    p = sub.add_parser("show", parents=[common], help="everything recorded about one run")
    p.add_argument("run_id", metavar="RUN_ID")
    p.set_defaults(handler=cmd_show)

    p = sub.add_parser("compare", parents=[common], help="runs side by side")
    p.add_argument("run_ids", metavar="RUN_ID", nargs="+")
    p.set_defaults(handler=cmd_compare)

    p = sub.add_parser("datasets", parents=[common], help="datasets used by runs")
    p.set_defaults(handler=cmd_datasets)

    p = sub.add_parser("doctor", parents=[common], help="check the installation and the store")
    p.set_defaults(handler=cmd_doctor)
    add_registry_commands(sub, common)
    add_serving_commands(sub, common)
    add_monitor_commands(sub, common)
    return parser


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _open(args: argparse.Namespace, create: bool = False) -> Store:
    from .config import load_config
    from .kernel.writer import replay_spooled

    config = load_config()
    store = Store.open(args.store, configured_store=config.store,
                       configured_artifacts=config.artifacts, create=create)
    replay_spooled(store)  # a killed kernel's records, before they are listed
    return store


def cmd_runs(args: argparse.Namespace) -> int:
    from .store.search import sort_clause

    sort_clause(args.sort)  # a bad key is reported before the store is touched
    try:
        rows = _open(args).list_runs(experiment=args.experiment, notebook=args.notebook,
                                     status=args.status, limit=args.limit, sort=args.sort)
    except NoStore:
        rows = []  # nothing recorded yet: an empty history, and no store created by reading
    if args.format == "json":
        return _print_json(rows)
    metric_keys = sorted({k for r in rows for k in r["metrics"]})[:4]
    columns = ["run_id", "name", "experiment", "status", "started", "duration_s"]
    table = [[r[c] for c in columns] + [r["metrics"].get(k) for k in metric_keys] for r in rows]
    _print_table(columns + metric_keys, table)
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    run = _open(args).get_run(args.run_id)
    if args.format == "json":
        return _print_json(run)
    fields = ["run_id", "name", "experiment", "notebook", "status", "user", "host", "started",
              "ended", "duration_s", "error"]
    _print_table(["field", "value"], [[f, run[f]] for f in fields if run[f] is not None])
    for section in ("params", "metrics", "tags"):
        if run[section]:
            print(f"\n{section}")
            _print_table(["key", "value"], sorted(run[section].items()))
    if run["datasets"]:
        print("\ndatasets")
        _print_table(["name", "role", "shape", "fingerprint", "source"],
                     [[d["name"], d["role"], "x".join(map(str, d["shape"])), d["fingerprint"],
                       d["source"]] for d in run["datasets"]])
    if run["artifacts"]:
        print("\nartifacts")
        _print_table(["artifact_id", "name", "media_type", "size"],
                     [[a["artifact_id"], a["name"], a["media_type"], a["size"]]
                      for a in run["artifacts"]])
    env = run["environment"]
    if env:
        git = env.get("git") or {}
        print(f"\nenvironment {env['environment_id']}: Python {env['python']['version']}, "
              f"{len(env['packages'])} packages"
              + (f", git {git.get('commit', '')[:10]}{' (dirty)' if git.get('dirty') else ''}"
                 if git else ""))
    for note in filter(None, [run["notes"]]):
        print(f"\nnotes\n{note}")
    for warning in run["warnings"]:
        print(f"warning: {warning}")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    if len(args.run_ids) < 2:
        raise InvalidInput("compare needs at least two run ids")
    result = _open(args).compare_runs(args.run_ids)
    if args.format == "json":
        return _print_json(result)
    header = ["", "key", *result["names"]]
    rows: list[list[Any]] = [["", "run_id", *result["run_ids"]]]
    for section in ("params", "metrics", "tags"):
        differing = set(result["differences"][section])
        rows += [["*" if k in differing else "", f"{section}.{k}", *values]
                 for k, values in result[section].items()]
    rows.append(["*" if result["differences"]["environments"] else "", "environment",
                 *result["environments"]])
    rows.append(["*" if result["differences"]["datasets"] else "", "datasets",
                 *[len(d) for d in result["datasets"]]])
    _print_table(header, rows)
    print("\n* = differs")
    return 0


def cmd_datasets(args: argparse.Namespace) -> int:
    try:
        rows = _open(args).list_datasets()
    except NoStore:
        rows = []
    if args.format == "json":
        return _print_json(rows)
    _print_table(["dataset_id", "name", "shape", "runs", "source", "created"],
                 [[d["dataset_id"], d["name"], "x".join(map(str, d["shape"])), d["runs"],
                   d["source"], d["created"]] for d in rows])
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from .doctor import run_checks

    checks = run_checks(args.store)
    if args.format == "json":
        _print_json(checks)
    else:
        _print_table(["check", "status", "detail"],
                     [[c["check"], "ok" if c["ok"] else "FAIL",
                       c["detail"] + ("" if c["ok"] else f" -> {c['fix']}")] for c in checks])
    return 0 if all(c["ok"] for c in checks) else 1


def _print_json(value: Any) -> int:
    print(dumps(value, indent=2))
    return 0


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _print_table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    line: Callable[[Sequence[str]], str] = lambda vals: "  ".join(  # noqa: E731
        v.ljust(w) for v, w in zip(vals, widths, strict=True)).rstrip()
    print(line(columns))
    print(line(["-" * w for w in widths]))
    for r in cells:
        print(line(r))
    if not rows:
        print("(none)")


def _check_text(args: argparse.Namespace) -> None:
    """Arguments that are not valid UTF-8 (Python keeps the bytes as lone surrogates) would
    fail deep in the database driver: refuse them here, by name."""
    for name, value in vars(args).items():
        if name == "store":  # a path may hold any bytes: the filesystem takes them back
            continue
        for text in value if isinstance(value, list) else [value]:
            if isinstance(text, str) and not is_unicode(text):
                raise InvalidInput(f"{name.replace('_', ' ')} {text!r} is not valid UTF-8 text")


def _attach_sort_value(argv: Sequence[str]) -> list[str]:
    """``--sort -metrics.accuracy`` as the README writes it: argparse would take a value that
    starts with ``-`` for an option, so it is attached (``--sort=-metrics.accuracy``)."""
    args = list(argv)
    for i, arg in enumerate(args[:-1]):
        if arg == "--sort" and args[i + 1].startswith("-") and not args[i + 1].startswith("--"):
            args[i:i + 2] = [f"--sort={args[i + 1]}"]
            break
    return args


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(_attach_sort_value(sys.argv[1:] if argv is None else argv))
    try:
        _check_text(args)
        return args.handler(args)
    except (StoreError, NotFound, InvalidInput, FileNotFoundError) as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # e.g. `jupyter mlops runs | head`
        return 0


if __name__ == "__main__":
    sys.exit(main())
