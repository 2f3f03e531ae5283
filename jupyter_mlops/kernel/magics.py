"""The ``%track`` line magic and the ``%%track`` cell magic.

Malformed arguments print a one-line usage error (and change nothing); they never raise,
so a typo in a magic does not stop the rest of the cell.
"""

from __future__ import annotations

import ast
import shlex
import sys
import types
from collections.abc import Callable
from typing import Any

from IPython.core.magic import Magics, line_cell_magic, magics_class

from ..capture.datasets import is_dataset
from ..store import InvalidInput, NotFound, StoreError
from .display import RunsTable, RunView
from .tracker import Tracker, cell_run_name

USAGE = ("%track [on|off|status|runs|show [RUN_ID]|start NAME|stop|param k=v…|metric k=v…|"
         "tag k=v…|note TEXT|dataset VAR [--name N] [--role R]|model VAR [--name N]|"
         "ignore VAR…|register NAME [--model VAR] [--alias A]]; "
         "%%track [NAME] marks a cell as a run")


class _Usage(ValueError):
    pass


def _value(text: str) -> Any:
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return text
    return value if isinstance(value, (int, float, bool, str)) else text


def _pairs(args: list[str], what: str) -> dict[str, Any]:
    if not args:
        raise _Usage(f"%track {what} needs key=value pairs")
    values = {}
    for arg in args:
        key, sep, text = arg.partition("=")
        if not sep or not key.strip():
            raise _Usage(f"%track {what}: expected key=value, got {arg!r}")
        values[key.strip()] = _value(text)
    return values


def _options(args: list[str], allowed: tuple[str, ...], what: str) -> tuple[list[str], dict]:
    positional, options = [], {}
    i = 0
    while i < len(args):
        if args[i].startswith("--"):
            name = args[i][2:]
            if name not in allowed or i + 1 >= len(args):
                raise _Usage(f"%track {what}: unknown or incomplete option {args[i]!r}")
            options[name] = args[i + 1]
            i += 2
        else:
            positional.append(args[i])
            i += 1
    return positional, options


@magics_class
class TrackMagics(Magics):
    def __init__(self, shell: Any, tracker: Tracker):
        super().__init__(shell)
        self.tracker = tracker

    @line_cell_magic
    def track(self, line: str, cell: str | None = None) -> Any:
        """Notebook experiment tracking. ``%track`` starts it; see ``%track?`` for the rest:
        """ + USAGE
        if cell is not None:
            return self._cell(line, cell)  # the user's exceptions propagate as usual
        try:
            words = shlex.split(line, comments=True)  # `%track on  # start` as in Python
            command, args = (words[0], words[1:]) if words else ("on", [])
            handler = self._commands().get(command)
            if handler is None:
                raise _Usage(f"unknown %track command {command!r}")
            return handler(args)
        except _Usage as e:
            print(f"UsageError: {e}. Usage: {USAGE}", file=sys.stderr)
        except (ValueError, InvalidInput, NotFound, StoreError, OSError) as e:
            print(f"%track: {e}", file=sys.stderr)
        return None

    def _commands(self) -> dict[str, Callable[[list[str]], Any]]:
        return {"on": self._on, "off": self._off, "status": self._status, "runs": self._runs,
                "show": self._show, "start": self._start, "stop": self._stop,
                "param": self._param, "metric": self._metric, "tag": self._tag,
                "note": self._note, "dataset": self._dataset, "model": self._model,
                "ignore": self._ignore, "register": self._register}

    # --- tracking on and off
    def _on(self, args: list[str]) -> None:
        self._no_args("on", args)
        print(self.tracker.start())

    def _off(self, args: list[str]) -> None:
        self._no_args("off", args)
        print(self.tracker.stop())

    def _status(self, args: list[str]) -> None:
        self._no_args("status", args)
        print(self.tracker.status_line())

    @staticmethod
    def _no_args(command: str, args: list[str]) -> None:
        if args:
            raise _Usage(f"%track {command} takes no arguments")

    def _active(self) -> Tracker:
        if not self.tracker.active:
            raise _Usage("tracking is off: start it with %track")
        return self.tracker

    # --- runs
    def _start(self, args: list[str]) -> None:
        if len(args) != 1:
            raise _Usage("%track start takes one NAME")
        if not self.tracker.active:
            print(self.tracker.start())
        print(self.tracker.open_span(args[0]))

    def _stop(self, args: list[str]) -> None:
        self._no_args("stop", args)
        print(self._active().close_span())

    def _cell(self, line: str, cell: str) -> Any:
        tracker = self.tracker
        if not tracker.active:
            print(tracker.start())
            tracker.pre_run_cell(types.SimpleNamespace(
                raw_cell=f"%%track {cell_run_name(line)}\n{cell}", store_history=True,
                cell_id=None, transformed_cell=None))
        return self._run_body(cell)

    def _run_body(self, cell: str) -> Any:
        """Run the body as IPython would: the value of a final expression is the result."""
        shell = self.shell
        source = shell.transform_cell(cell)
        filename = shell.compile.cache(source, shell.execution_count)
        tree = ast.parse(source, filename)
        last = None
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            last = ast.Expression(tree.body.pop().value)
        exec(compile(tree, filename, "exec"), shell.user_ns)
        return None if last is None else eval(compile(last, filename, "eval"), shell.user_ns)

    # --- explicit records
    def _param(self, args: list[str]) -> None:
        values = _pairs(args, "param")
        self._active().explicit(lambda run: run.add_params(values))

    def _metric(self, args: list[str]) -> None:
        values = _pairs(args, "metric")
        bad = [k for k, v in values.items() if isinstance(v, bool)
               or not isinstance(v, (int, float))]
        if bad:
            raise _Usage(f"%track metric: {', '.join(bad)} must be numbers")
        self._active().explicit(lambda run: run.add_metrics(values))

    def _tag(self, args: list[str]) -> None:
        values = _pairs(args, "tag")
        self._active().explicit(lambda run: run.add_tags(values))

    def _note(self, args: list[str]) -> None:
        text = " ".join(args).strip()
        if not text:
            raise _Usage('%track note needs text: %track note "what I tried"')
        self._active().explicit(lambda run: run.add_note(text))

    def _variable(self, name: str) -> Any:
        if name not in self.shell.user_ns:
            raise _Usage(f"no variable {name!r} in this kernel")
        return self.shell.user_ns[name]

    def _dataset(self, args: list[str]) -> None:
        positional, options = _options(args, ("name", "role"), "dataset")
        if len(positional) != 1:
            raise _Usage("%track dataset takes one VAR")
        value = self._variable(positional[0])
        if not is_dataset(value):
            raise _Usage(f"{positional[0]} is a {type(value).__name__}, not a DataFrame, "
                         "Series or array")
        self._active().explicit(lambda run: run.add_dataset(
            positional[0], value, options.get("name"), options.get("role")))

    def _model(self, args: list[str]) -> None:
        positional, options = _options(args, ("name",), "model")
        if len(positional) != 1:
            raise _Usage("%track model takes one VAR")
        value = self._variable(positional[0])
        self._active().explicit(lambda run: run.add_model(positional[0], value,
                                                          options.get("name")))

    def _ignore(self, args: list[str]) -> None:
        if not args:
            raise _Usage("%track ignore takes variable names")
        self._active().ignored.update(args)
        print(f"ignoring {', '.join(args)} in captures")

    def _register(self, args: list[str]) -> None:
        """Package and register the live model of this kernel's latest model run."""
        from ..registry import register_model

        positional, options = _options(args, ("model", "alias"), "register")
        if len(positional) != 1:
            raise _Usage("%track register takes one NAME")
        owners = self._active().model_runs
        owner = owners.get(options.get("model"), max(owners.values(), key=lambda o: o[1] or -1,
                                                     default=(self.tracker.last_run, None)))[0]
        if owner is None:
            raise _Usage("no run with a model in this session yet")
        v = register_model(owner.run_id, positional[0], model=options.get("model"),
                           alias=options.get("alias"))
        print(f"registered {v['name']}/{v['version']} ({v['source']} `{v['model_variable']}` "
              f"of run {v['run_id']})")

    # --- reading
    def _runs(self, args: list[str]) -> RunsTable:
        self._no_args("runs", args)
        tracker = self.tracker
        if tracker.active:
            tracker.writer.flush(10)
            return RunsTable(self._store().session_runs(tracker.session_id))
        return RunsTable(self._store().list_runs(limit=20))

    def _show(self, args: list[str]) -> RunView:
        if len(args) > 1:
            raise _Usage("%track show takes at most one RUN_ID")
        tracker = self.tracker
        run_id = args[0] if args else (tracker.runs[-1] if getattr(tracker, "runs", None)
                                       else None)
        if run_id is None:
            raise _Usage("no run recorded in this session yet: give a RUN_ID")
        if tracker.active:
            tracker.writer.flush(10)
        return RunView(self._store().get_run(run_id))

    def _store(self) -> Any:
        from .. import api

        return api._process.store()
