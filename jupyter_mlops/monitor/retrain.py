"""Retrain a registered version on new data: its own ``train.py``, data sources replaced.

The package's training cells are written out as a notebook next to the original one (so
relative paths still resolve, and the new run's lineage names a notebook that exists), with
each replaced dataset's file name swapped for the new file — only in string literals, found
by the tokenizer, never in other code. The registry's headless export then runs it in a
clean kernel with tracking on and registers the model it trains: a new version of the same
name with its own package, lineage and (``verify``) verification.
"""

from __future__ import annotations

import io
import json
import os
import tokenize
from ast import literal_eval
from collections.abc import Mapping

import nbformat

from ..store import InvalidInput, Store


def parse_data(pairs: list[str] | None) -> dict[str, str]:
    """``--data DATASET=PATH`` pairs as {dataset: absolute path}; each file must exist."""
    found: dict[str, str] = {}
    for pair in pairs or []:
        name, sep, path = pair.partition("=")
        if not sep or not name or not path:
            raise InvalidInput(f"--data {pair!r}: use DATASET=PATH (a dataset of the package's "
                               "datasets.json, e.g. train=new.csv)")
        if not os.path.isfile(path):
            raise InvalidInput(f"--data {pair!r}: no such file {path}")
        found[name] = os.path.abspath(path)
    return found


def replace_sources(code: str, replacements: Mapping[str, str]) -> tuple[str, set[str]]:
    """``code`` with every string literal equal to a key replaced by its value (as a
    literal); returns the code and the keys that were found."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    except (tokenize.TokenError, SyntaxError):
        return code, set()
    lines = code.splitlines(keepends=True)
    edits, found = [], set()
    for tok in tokens:
        if tok.type != tokenize.STRING:
            continue
        try:
            value = literal_eval(tok.string)
        except (ValueError, SyntaxError):
            continue  # f-strings and the like
        if isinstance(value, str) and value in replacements:
            edits.append((tok.start, tok.end, repr(replacements[value])))
            found.add(value)
    for (row, col), (end_row, end_col), text in reversed(edits):
        if row == end_row:
            line = lines[row - 1]
            lines[row - 1] = line[:col] + text + line[end_col:]
    return "".join(lines), found


def retrain(ref: str, data: Mapping[str, str], *, alias: str | None = None,
            store: Store, verify: bool = True) -> dict:
    """Retrain ``ref`` with the datasets named in ``data`` read from new files; returns the
    new version object (verified unless ``verify`` is false)."""
    return run_retrain(prepare(ref, data, store), alias=alias, store=store, verify=verify)


def prepare(ref: str, data: Mapping[str, str], store: Store) -> tuple[str, dict]:
    """Check the request and write the retraining notebook: (its path, the version it
    retrains). Every refusal (unknown dataset, no file to replace) happens here, in seconds,
    before a kernel starts."""
    from ..registry.load import resolve, version_of
    from ..registry.register import _working_directory

    version = version_of(ref, store)
    _, _, folder = resolve(ref, store)
    with open(os.path.join(folder, "datasets.json"), encoding="utf-8") as f:
        datasets = {d["name"]: d for d in json.load(f)}
    with open(os.path.join(folder, "train.ipynb"), encoding="utf-8") as f:
        notebook = nbformat.read(f, as_version=4)
    run = store.get_run(version["run_id"]) if version["run_id"] else {}
    cwd = _working_directory(run)
    replacements: dict[str, str] = {}
    spellings: dict[str, set[str]] = {}  # dataset -> how the code may name its file
    for name, path in data.items():
        recorded = datasets.get(name)
        if recorded is None:
            raise InvalidInput(f"{ref} has no dataset {name!r} (it has "
                               f"{', '.join(sorted(datasets)) or 'none'})")
        if not recorded.get("source"):
            raise InvalidInput(f"dataset {name!r} of {ref} was not read from a file: there is "
                               "no source to replace")
        source = recorded["source"]
        spellings[name] = {source, os.path.relpath(source, cwd), os.path.basename(source)}
        replacements.update(dict.fromkeys(spellings[name], path))
    found: set[str] = set()
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.source, hits = replace_sources(cell.source, replacements)
            found |= hits
    for name, names in spellings.items():
        if not found & names:
            raise InvalidInput(f"train.py of {ref} never names the file of dataset {name!r} "
                               f"({datasets[name]['source']}) in a string: cannot replace it")
    target = os.path.join(cwd, f"{version['name']}.retrain.ipynb")
    nbformat.write(notebook, target)
    return target, version


def run_retrain(prepared: tuple[str, dict], *, alias: str | None, store: Store,
                verify: bool) -> dict:
    """Run a prepared retraining notebook in a clean kernel and register what it trains."""
    from ..registry.verify import export
    from ..registry.verify import verify as verify_version

    notebook, version = prepared
    new = export(notebook, version["name"], version["model_variable"], alias, store=store)
    if verify:
        new = {**new, "verification": verify_version(f"{new['name']}/{new['version']}",
                                                     store=store)}
    return new
