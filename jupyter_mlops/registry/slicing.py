"""Program slicing of a session's executed cells: the minimal program that rebuilds a model.

The input is what the store recorded for every executed cell (code, already redacted; the
global names it defined and used; execution order). The slice starts from the seeds (the
cell that last bound the model variable, and the cells that computed the run's metrics)
and follows each used name back to the last successful execution that wrote it before the
consumer. Cells that nothing needed (dead ends, an unrelated model, earlier runs of a cell
that was re-executed) are left out; IPython magics and shell escapes are removed.

A slice that cannot be rebuilt is refused with the reason: a name no recorded cell wrote
(defined before tracking started, or by ``exec``), or a needed cell whose code cannot be
analysed.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ..capture.code import analyse

# Cell magics whose body is Python run in the user namespace; any other cell magic (%%bash,
# %%html, ...) contributes no Python.
_PYTHON_BODY_MAGICS = frozenset({"track", "time", "capture", "prun"})
# Names IPython provides: reading them says nothing about where the data came from.
_PROVIDED = frozenset({"get_ipython", "display", "In", "Out", "exit", "quit"})


class NotRebuildable(ValueError):
    """The model cannot be rebuilt from the recorded cells; the message says why."""


@dataclass(frozen=True)
class Cell:
    seq: int
    execution_count: int | None
    code: str


def python_code(code: str) -> str:
    """A cell's Python without IPython syntax: a ``%%time``/``%%track`` header is dropped
    (its body kept), other cell magics drop the cell, line magics and ``!`` lines go;
    ``%time stmt`` keeps ``stmt``."""
    if code.startswith("%%"):
        first, _, body = code.partition("\n")
        words = first[2:].split()
        if not words or words[0] not in _PYTHON_BODY_MAGICS:
            return ""
        code = body
    lines = []
    for line in code.splitlines():
        stripped = line.lstrip()
        if stripped.startswith("%time "):
            lines.append(line[: len(line) - len(stripped)] + stripped[len("%time "):])
        elif not stripped.startswith(("%", "!")):
            lines.append(line)
    return "\n".join(lines).strip("\n")


def program_slice(executions: Sequence[Mapping], seeds: Iterable[int]) -> list[Cell]:
    """The executions (by ``seq``) the seeds depend on, seeds included, in execution order.
    ``executions`` are store records: seq, execution_count, code, names_defined, names_used,
    status."""
    by_seq = {e["seq"]: e for e in executions}
    writers: dict[str, list[int]] = {}
    for e in sorted(executions, key=lambda e: e["seq"]):
        if e["status"] == "ok":
            for name in e["names_defined"] or ():
                writers.setdefault(name, []).append(e["seq"])
    todo = list(seeds)
    needed = set(todo)
    while todo:
        consumer = by_seq[todo.pop()]
        for name in consumer["names_used"] or ():
            seqs = writers.get(name, [])
            position = bisect.bisect_left(seqs, consumer["seq"])
            if position == 0:
                # A function reading a name its own cell binds (``import x; def f(): x.y``)
                # depends on nothing earlier.
                if name in _PROVIDED or name.startswith("_") or \
                        name in (consumer["names_defined"] or ()):
                    continue
                raise NotRebuildable(
                    f"cell {_label(consumer)} uses `{name}`, which no recorded cell defined "
                    "(it was defined before tracking started, or by code that cannot be "
                    "analysed such as exec): the model cannot be rebuilt from its notebook")
            producer = seqs[position - 1]
            if producer not in needed:
                needed.add(producer)
                todo.append(producer)
    cells = []
    for seq in sorted(needed):
        e = by_seq[seq]
        code = python_code(e["code"])
        opaque = analyse(code).opaque
        if opaque:
            raise NotRebuildable(f"cell {_label(e)} runs code that cannot be analysed "
                                 f"({opaque}): the model cannot be rebuilt from its notebook")
        if code.strip():
            cells.append(Cell(seq, e["execution_count"], code))
    return cells


def _label(execution: Mapping) -> str:
    count = execution.get("execution_count")
    return f"[{count}]" if count is not None else f"#{execution['seq']}"


def as_script(cells: Sequence[Cell], header: str) -> str:
    """train.py: the cells in execution order, in the percent format editors open as cells."""
    parts = [f'"""{header}"""\n']
    for cell in cells:
        parts.append(f"# %% execution {_label(cell.__dict__)}\n{cell.code}\n")
    return "\n".join(parts)


def as_notebook(cells: Sequence[Cell], header: str) -> str:
    """train.ipynb: the same cells as an nbformat 4.5 notebook. Written as JSON directly:
    importing nbformat costs seconds (its schema validator compiles grammars at import)."""
    def cell(kind: str, source: str, index: int) -> dict:
        extra = {"execution_count": None, "outputs": []} if kind == "code" else {}
        return {"cell_type": kind, "id": f"cell-{index}", "metadata": {}, "source": source,
                **extra}

    nb = {"nbformat": 4, "nbformat_minor": 5,
          "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                      "language": "python"},
                       "language_info": {"name": "python"}},
          "cells": [cell("markdown", header, 0)]
          + [cell("code", c.code, i) for i, c in enumerate(cells, start=1)]}
    return json.dumps(nb, indent=1) + "\n"
