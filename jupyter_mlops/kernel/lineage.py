"""Lineage: which earlier cell executions a run depends on, and what makes that doubtful.

The history keeps, for every global name, the executions that bound or mutated it, in
order. A run's lineage is the backward data-flow slice from its own executions: for each
name an execution uses, the last execution before it that wrote the name, and so on. Only
the names the cells mention are followed, never the namespace.
"""

from __future__ import annotations

import bisect
import types
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..capture.code import CodeInfo

# Names IPython itself puts in the namespace: using them says nothing about lineage.
_SHELL_NAMES = frozenset({"get_ipython", "exit", "quit", "open", "In", "Out", "_ih", "_oh",
                          "_dh", "_", "__", "___", "_i", "_ii", "_iii", "__session__",
                          "__vsc_ipynb_file__", "display"})


def _shell_name(name: str) -> bool:
    """IPython's own names and the module attributes every namespace has (``__name__``)."""
    return name in _SHELL_NAMES or (name.startswith("__") and name.endswith("__"))


@dataclass
class Execution:
    """One tracked cell execution, as the lineage needs it (kept in memory per session)."""

    index: int
    execution_id: str
    execution_count: int | None
    cell_id: str | None
    code: str
    code_hash: str
    info: CodeInfo

    @property
    def label(self) -> str:
        return f"[{self.execution_count}]" if self.execution_count is not None else "[?]"


@dataclass
class Slice:
    executions: list[Execution]
    edges: list[tuple[int, int, str]] = field(default_factory=list)  # producer, consumer, name
    unresolved: dict[str, int] = field(default_factory=dict)  # name -> first consumer
    names: set[str] = field(default_factory=set)  # every name the slice reads


class History:
    def __init__(self) -> None:
        self.executions: list[Execution] = []
        self._writers: dict[str, list[int]] = {}
        self._opaque: list[int] = []
        self._by_cell: dict[str, list[int]] = {}

    def add(self, execution: Execution) -> None:
        index = execution.index
        self.executions.append(execution)
        for name in execution.info.defined:
            self._writers.setdefault(name, []).append(index)
        if execution.info.opaque:
            self._opaque.append(index)
        if execution.cell_id:
            self._by_cell.setdefault(execution.cell_id, []).append(index)

    def last_writer(self, name: str, before: int | None = None) -> int | None:
        writers = self._writers.get(name)
        if not writers:
            return None
        if before is None:
            return writers[-1]
        position = bisect.bisect_left(writers, before)
        return writers[position - 1] if position else None

    def slice(self, seeds: Iterable[int], namespace: Mapping[str, Any]) -> Slice:
        """The seeds and every execution they depend on, in execution order. A name that
        no tracked cell wrote may come from an earlier opaque cell: that cell is included."""
        result = Slice([])
        todo = list(seeds)
        seen = set(todo)
        while todo:
            consumer = todo.pop()
            for name in self.executions[consumer].info.used:
                result.names.add(name)
                producer = self.last_writer(name, consumer)
                if producer is None:
                    if name in namespace and not _shell_name(name):
                        result.unresolved.setdefault(name, consumer)
                        producer = self._last_opaque(consumer)
                    if producer is None:
                        continue
                result.edges.append((producer, consumer, name))
                if producer not in seen:
                    seen.add(producer)
                    todo.append(producer)
        result.executions = [self.executions[i] for i in sorted(seen)]
        return result

    def _last_opaque(self, before: int) -> int | None:
        position = bisect.bisect_left(self._opaque, before)
        return self._opaque[position - 1] if position else None

    def rerun_with_other_code(self, execution: Execution) -> Execution | None:
        """The first later execution of the same cell whose code differs."""
        for index in self._by_cell.get(execution.cell_id or "", ()):
            later = self.executions[index]
            if index > execution.index and later.code_hash != execution.code_hash:
                return later
        return None


def warnings(history: History, found: Slice, namespace: Mapping[str, Any],
             position: Callable[[Execution], int | None]) -> list[str]:
    """Plain-words reasons to doubt that the run can be reproduced from the notebook."""
    out: list[str] = []
    for execution in found.executions:
        rerun = history.rerun_with_other_code(execution)
        if rerun is not None:
            out.append(f"It depends on cell {execution.label} ({_first_line(execution)}), "
                       f"whose code has since been changed and re-run as {rerun.label}.")
        if execution.info.opaque:
            out.append(f"It depends on cell {execution.label}, which runs code that cannot be "
                       f"analysed ({execution.info.opaque}): its inputs and outputs are unknown.")
    for producer, consumer, name in found.edges:
        if name in found.unresolved:
            continue
        p, c = history.executions[producer], history.executions[consumer]
        where_p, where_c = position(p), position(c)
        if where_p is None or where_c is None:
            continue
        if where_p > where_c:
            out.append(f"Cells ran out of notebook order: cell {c.label} uses `{name}` from "
                       f"cell {p.label}, which comes after it in the notebook.")
        elif where_p == where_c:
            out.append(f"Cell {c.label} uses `{name}` from an earlier run of the same cell "
                       f"({p.label}): the notebook run top to bottom would not reproduce it.")
    for name in sorted(found.unresolved):
        if _imported(namespace.get(name)):
            continue  # an import: the environment snapshot has its version
        out.append(f"It uses `{name}`, which was defined before tracking started or by code "
                   "that cannot be analysed: how it was made is not on record.")
    return list(dict.fromkeys(out))


def _imported(value: Any) -> bool:
    """A module, or a class or function a library defines (``from sklearn.svm import SVC``
    before tracking started): where it comes from is the environment, which is on record."""
    if isinstance(value, types.ModuleType):
        return True
    if isinstance(value, (type, types.FunctionType, types.BuiltinFunctionType)) or callable(
            getattr(value, "__wrapped__", None)):
        module = getattr(value, "__module__", None)
        return isinstance(module, str) and module not in ("__main__", "builtins") \
            and not module.startswith("__")
    return False


def _first_line(execution: Execution) -> str:
    line = next((text.strip() for text in execution.code.splitlines() if text.strip()), "")
    return line if len(line) <= 40 else line[:37] + "..."
