"""Running code in a fresh kernel (nbclient, as papermill would): rebuild, verify, export.

The kernel is the environment's ``python3``, started in the notebook's folder so the data
paths the cells recorded resolve as they did. A cell that fails is reported with its own
error, never as a traceback of ours.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
from collections.abc import Awaitable, Callable, Mapping, Sequence

from .slicing import NotRebuildable

TIMEOUT_S = 600
_MARKER = "__jupyter_mlops_result__"


def run_cells(sources: Sequence[str], cwd: str, *, env: Mapping[str, str] | None = None,
              what: str = "the training code") -> list[dict]:
    """Run the cells in order in a new kernel; returns each cell's outputs."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(cells=[new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    saved = {k: os.environ.get(k) for k in (env or {})}
    os.environ.update(env or {})
    client = NotebookClient(nb, kernel_name="python3", timeout=TIMEOUT_S,
                            resources={"metadata": {"path": cwd}})
    try:
        _in_own_loop(client.async_execute)
    except CellExecutionError as e:
        raise NotRebuildable(f"{what} failed in a fresh kernel: {e.ename}: {e.evalue}") from None
    except (CellTimeoutError, DeadKernelError) as e:
        raise NotRebuildable(f"{what} did not finish in a fresh kernel: {e}") from None
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return [cell.get("outputs", []) for cell in nbformat.from_dict(nb).cells]


def _in_own_loop(start: Callable[[], Awaitable[object]]) -> None:
    """Await ``start()`` on a new event loop in a thread of its own: the caller may be a
    server's worker thread or a kernel, both of which already have a loop."""
    failure: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(start())  # type: ignore[arg-type]
        except BaseException as e:
            failure.append(e)

    thread = threading.Thread(target=target, name="mlops-nbclient")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


def result_cell(expression: str) -> str:
    """A cell that prints the JSON of ``expression`` behind a marker ``result`` finds."""
    return f"import json as _json\nprint({_MARKER!r}, _json.dumps({expression}))"


def result(outputs: list[dict]) -> object:
    for output in outputs:
        text = output.get("text", "")
        for line in text.splitlines():
            if line.startswith(_MARKER):
                return json.loads(line[len(_MARKER):])
    raise NotRebuildable("the fresh kernel did not report its result")


def rebuild(cells: Sequence[str], variable: str, frames: Sequence[str], cwd: str,
            out: str) -> None:
    """Run the slice, then write the model it bound (and its example rows) to ``out`` with
    the same code a live registration uses."""
    finish = (f"from jupyter_mlops.registry.serialize import write_model as _write\n"
              f"if {variable!r} not in globals():\n"
              f"    raise NameError('the training code did not define {variable}')\n"
              f"_write(globals()[{variable!r}], [globals().get(n) for n in {list(frames)!r}], "
              f"{out!r})\n" + result_cell("True"))
    result(run_cells([*cells, finish], cwd)[-1])
