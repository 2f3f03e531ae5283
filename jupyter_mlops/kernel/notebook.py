"""Which notebook a kernel runs, and where its cells sit in it (for out-of-order warnings).

The path comes from the Jupyter session (``__session__``, set by ipykernel from
``JPY_SESSION_NAME``) or VS Code (``__vsc_ipynb_file__``). Cell positions are read from the
saved ``.ipynb`` (re-read only when its mtime changes); an execution is placed by its cell
id, or, when the frontend sends none (nbclient, papermill), by its code when exactly one
cell of the notebook has that code.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any


def notebook_path(namespace: Mapping[str, Any]) -> str | None:
    for value in (namespace.get("__session__"), os.environ.get("JPY_SESSION_NAME"),
                  namespace.get("__vsc_ipynb_file__")):
        if isinstance(value, str) and value:
            return value
    return None


class NotebookCells:
    def __init__(self, path: str | None):
        self.path = path
        self._mtime: int | None = None
        self._by_id: dict[str, int] = {}
        self._by_code: dict[str, int | None] = {}

    def position(self, cell_id: str | None, code: str) -> int | None:
        self._refresh()
        if cell_id is not None and cell_id in self._by_id:
            return self._by_id[cell_id]
        return self._by_code.get(code.strip())

    def _refresh(self) -> None:
        if not self.path or not self.path.endswith(".ipynb"):
            return
        try:
            mtime = os.stat(self.path).st_mtime_ns
            if mtime == self._mtime:
                return
            with open(self.path, encoding="utf-8") as handle:
                cells = json.load(handle).get("cells", [])
        except (OSError, ValueError, AttributeError):
            return
        self._mtime = mtime
        self._by_id, self._by_code = {}, {}
        for position, cell in enumerate(cells):
            if cell.get("cell_type") != "code":
                continue
            if cell.get("id"):
                self._by_id[cell["id"]] = position
            source = cell.get("source", "")
            code = ("".join(source) if isinstance(source, list) else str(source)).strip()
            self._by_code[code] = None if code in self._by_code else position
