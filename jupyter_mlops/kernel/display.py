"""``%track runs`` and ``%track show``: rich HTML tables in a notebook, text in a terminal.

The objects returned have ``_repr_html_`` (used by notebook frontends) and ``__repr__``
(used by terminal IPython and plain-text consumers).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

_MAX_METRICS = 4


def _text(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return "" if value is None else str(value)


def _html_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_text(v))}</td>" for v in row)
                   + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _text_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [list(header)] + [[_text(v) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return "\n".join("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip()
                     for row in cells)


def _first_line(code: str) -> str:
    lines = code.strip().splitlines() or [""]
    more = " …" if len(lines) > 1 else ""
    return (lines[0][:77] + "...") if len(lines[0]) > 80 else lines[0] + more


class RunsTable:
    def __init__(self, runs: list[dict]):
        keys = sorted({k for r in runs for k in r["metrics"]})[:_MAX_METRICS]
        self.header = ["run_id", "name", "status", "started", "duration_s", *keys]
        self.rows = [[r["run_id"], r["name"], r["status"], r["started"], r["duration_s"],
                      *(r["metrics"].get(k) for k in keys)] for r in runs]

    def _repr_html_(self) -> str:
        return _html_table(self.header, self.rows) if self.rows else "<p>No runs yet.</p>"

    def __repr__(self) -> str:
        return _text_table(self.header, self.rows) if self.rows else "No runs yet."


class RunView:
    _FIELDS = ("run_id", "name", "experiment", "notebook", "status", "started", "ended",
               "duration_s", "error")

    def __init__(self, run: dict):
        self.sections: list[tuple[str, list[str], list[list[Any]]]] = [
            ("run", ["field", "value"], [[f, run[f]] for f in self._FIELDS
                                         if run.get(f) is not None])]
        for name in ("params", "metrics", "tags"):
            if run[name]:
                self.sections.append((name, ["key", "value"], sorted(map(list,
                                                                         run[name].items()))))
        if run["datasets"]:
            self.sections.append(("datasets", ["name", "role", "shape", "fingerprint", "source"],
                                  [[d["name"], d["role"], "x".join(map(str, d["shape"])),
                                    d["fingerprint"], d["source"]] for d in run["datasets"]]))
        if run["artifacts"]:
            self.sections.append(("artifacts", ["name", "media_type", "size"],
                                  [[a["name"], a["media_type"], a["size"]]
                                   for a in run["artifacts"]]))
        if run.get("lineage"):
            self.sections.append(("lineage", ["execution", "code"],
                                  [[f"[{e['execution_count']}]", _first_line(e["code"])]
                                   for e in run["lineage"]]))
        self.warnings = list(run.get("warnings") or [])

    def _repr_html_(self) -> str:
        parts = [f"<h4>{html.escape(title)}</h4>{_html_table(header, rows)}"
                 for title, header, rows in self.sections]
        parts += [f"<p><b>warning:</b> {html.escape(w)}</p>" for w in self.warnings]
        return "<div>" + "".join(parts) + "</div>"

    def __repr__(self) -> str:
        parts = [f"{title}\n{_text_table(header, rows)}" for title, header, rows in self.sections]
        parts += [f"warning: {w}" for w in self.warnings]
        return "\n\n".join(parts)
