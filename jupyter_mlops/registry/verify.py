"""Verify a registered version, and export a notebook headless into the registry.

Verification reruns the package's training code in a clean kernel, in the notebook's
folder, with tracking on into a scratch store, so the metrics and datasets are recomputed
by the same capture that recorded them; it then compares them with what the package
recorded: each metric, each training dataset's fingerprint (and its source file's hash, so
the message can say the file changed), and the version of each pinned requirement.
``reproduced`` means the metrics and the data came out the same; package versions that
differ are named either way.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from typing import Any

from ..store import Store, iso, now_ms
from . import kernels
from .load import resolve, version_of
from .register import CannotPackage, _working_directory
from .slicing import NotRebuildable

METRIC_TOLERANCE = 1e-9


def verify(ref: str, *, store: Store | str | None = None) -> dict:
    """Rebuild version ``ref`` from its ``train.py`` in a clean kernel and record whether it
    reproduced; returns the verification object."""
    from .. import api

    st = store if isinstance(store, Store) else api._process.store(store)
    version = version_of(ref, st)
    _, _, folder = resolve(ref, st)
    with open(os.path.join(folder, "train.ipynb"), encoding="utf-8") as f:
        cells = [c["source"] for c in json.load(f)["cells"] if c["cell_type"] == "code"]
    with open(os.path.join(folder, "datasets.json"), encoding="utf-8") as f:
        datasets = json.load(f)
    expected_metrics = version["metrics"]
    pins = dict(line.split("==", 1) for line in version["requirements"] if "==" in line)
    run = _run_or_empty(st, version["run_id"])
    with tempfile.TemporaryDirectory(prefix="mlops-verify-") as scratch:
        try:
            kernels.run_cells(
                ["%load_ext jupyter_mlops\n%track", *cells, "%track off"],
                _working_directory(run), what="train.py",
                env={"JUPYTER_MLOPS_STORE": os.path.join(scratch, "store"),
                     "JUPYTER_MLOPS_ARTIFACTS": os.path.join(scratch, "artifacts"),
                     "JPY_SESSION_NAME": run.get("notebook") or ""})
        except NotRebuildable as e:
            result = {"status": "failed", "at": iso(now_ms()), "differences": [],
                      "error": str(e)}
            return st.set_verification(version["name"], version["version"],
                                       result)["verification"]
        found = _recorded(os.path.join(scratch, "store"))
    differences = (_metric_differences(expected_metrics, found["metrics"])
                   + _dataset_differences(datasets, found["datasets"], found["files"]))
    reproduced = not differences
    differences += _package_differences(pins, found["packages"])
    result = {"status": "reproduced" if reproduced else "not_reproduced", "at": iso(now_ms()),
              "differences": differences}
    return st.set_verification(version["name"], version["version"], result)["verification"]


def _recorded(location: str) -> dict:
    """What tracking recorded while train.py ran: metrics, dataset fingerprints and file
    hashes by name, and the installed packages."""
    scratch = Store.open(location)
    try:
        found: dict[str, Any] = {"metrics": {}, "datasets": {}, "files": {}, "packages": {}}
        for summary in reversed(scratch.list_runs()):  # oldest first: later values win
            run = scratch.get_run(summary["run_id"])
            found["metrics"].update(run["metrics"])
            for d in run["datasets"]:
                found["datasets"][d["name"]] = d["fingerprint"]
                found["files"][d["name"]] = d["file_hash"]
            found["packages"] = (run.get("environment") or {}).get("packages") or {}
        return found
    finally:
        scratch.close()


def _run_or_empty(st: Store, run_id: str | None) -> dict:
    from ..store import NotFound

    try:
        return st.get_run(run_id) if run_id else {}
    except NotFound:
        return {}


def _metric_differences(expected: dict, actual: dict) -> list[dict]:
    out = []
    for key, value in sorted(expected.items()):
        new = actual.get(key)
        if new is None:
            out.append({"kind": "metric", "name": key, "expected": value, "actual": None,
                        "detail": f"`{key}` was not recomputed by the training code"})
        elif value is None or not math.isclose(new, value, rel_tol=METRIC_TOLERANCE,
                                                abs_tol=METRIC_TOLERANCE):
            moved = f"moved by {new - value:+.6g}" if value is not None else "was not a number"
            out.append({"kind": "metric", "name": key, "expected": value, "actual": new,
                        "detail": f"`{key}` {moved} ({value} -> {new})"})
    return out


def _dataset_differences(datasets: list[dict], fingerprints: dict, files: dict) -> list[dict]:
    out = []
    for d in datasets:
        name, new = d["name"], fingerprints.get(d["name"])
        if new == d["fingerprint"]:
            continue
        if new is None:
            detail = f"dataset `{name}` was not rebuilt by the training code"
        elif d["source"] and d["file_hash"] and files.get(name) not in (None, d["file_hash"]):
            detail = (f"dataset `{name}` changed: its source file {d['source']} is not the "
                      "file the model was trained on")
        else:
            detail = f"dataset `{name}` changed (its content fingerprint differs)"
        out.append({"kind": "dataset", "name": name, "expected": d["fingerprint"],
                    "actual": new, "detail": detail})
    return out


def _package_differences(pins: dict, installed: dict) -> list[dict]:
    return [{"kind": "package", "name": name, "expected": pinned, "actual": installed.get(name),
             "detail": f"{name} is {installed.get(name) or 'not installed'} here, the model was "
                       f"trained with {pinned}"}
            for name, pinned in sorted(pins.items()) if installed.get(name) != pinned]


def export(notebook: str, name: str, model: str | None = None, alias: str | None = None, *,
           store: Store | str | None = None) -> dict:
    """Run ``notebook`` top to bottom in a fresh kernel with tracking on and register the
    model it trained (the live object, from that kernel): the path for CI."""
    from .. import api
    from ..store.models import check_alias, check_model_name

    check_model_name(name)
    if alias is not None:
        check_alias(alias)
    import nbformat

    path = os.path.abspath(notebook)
    try:
        with open(path, encoding="utf-8") as f:
            nb = nbformat.read(f, as_version=4)
    except (OSError, ValueError) as e:
        raise CannotPackage(f"cannot read notebook {notebook}: {e}") from None
    st = store if isinstance(store, Store) else api._process.store(store)
    url = st.location.url.render_as_string(hide_password=False)
    before = {m["name"]: m["latest_version"] for m in st.list_models()}.get(name)
    line = f"register {name}" + (f" --model {model}" if model else "") + (
        f" --alias {alias}" if alias else "")
    cells = ["%load_ext jupyter_mlops\n%track",
             *[c.source for c in nb.cells if c.cell_type == "code"],
             f"get_ipython().run_line_magic('track', {line!r})"]
    try:
        outputs = kernels.run_cells(cells, os.path.dirname(path), what=f"notebook {notebook}",
                                    env={"JPY_SESSION_NAME": path, "JUPYTER_MLOPS_STORE": url,
                                         "JUPYTER_MLOPS_ARTIFACTS": st.location.artifacts})
    except NotRebuildable as e:
        raise CannotPackage(str(e)) from None
    latest = {m["name"]: m["latest_version"] for m in st.list_models()}.get(name)
    if latest is None or latest == before:
        said = " ".join(o.get("text", "") for o in outputs[-1]).strip()
        raise CannotPackage(said.removeprefix("%track: ") or
                            f"notebook {notebook} did not register a model")
    return st.model_version(name, latest)
