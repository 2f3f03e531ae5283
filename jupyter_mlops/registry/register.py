"""Register a run's model: find it, slice its code, package it, store the package, add the version.

Live or rebuilt: called in the kernel the run was recorded in (``%track register``, or
``register_model`` in that notebook) with the model variable still bound to what the run
fitted, the live object is packaged, never refitted. Anywhere else (CLI, REST, another
kernel) the slice is run in a fresh kernel and the model it binds is packaged. The version
records which (``source``).

Nothing is half-registered: the package is built in a temporary folder, its blobs are
stored, and the version row is written in one transaction; if that fails the blobs this
registration added are removed again.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

from ..store import InvalidInput, NotFound, Store, iso, now_ms
from ..store.liveness import this_host
from ..store.models import check_alias, check_model_name
from . import kernels, serialize
from .package import PackageSpec, build, media_type, package_files, write_manifest
from .requirements import imported_modules, requirements
from .slicing import NotRebuildable, program_slice

_SERIALIZER_DISTRIBUTION = {"skops": "skops", "cloudpickle": "cloudpickle", "pickle": None,
                            "torch": "torch"}


class CannotPackage(ValueError):
    """The run has no model, or its model cannot be serialized or rebuilt (REST: 422)."""


class AmbiguousModel(ValueError):
    """The run has several models and none was named (REST: 409)."""


def run_models(run: dict) -> list[dict]:
    """The models a run recorded (tags ``[LABEL.]model.name``/``model.type``/
    ``model.variable``), first model first."""
    tags, params = run.get("tags") or {}, run.get("params") or {}
    found = []
    for key, label in tags.items():
        if not key.endswith("model.name"):
            continue
        prefix = key[: -len("model.name")]
        found.append({"variable": tags.get(f"{prefix}model.variable", label),
                      "type": tags.get(f"{prefix}model.type"), "label": label,
                      "prefix": prefix})
    prefixes = [m["prefix"] for m in found if m["prefix"]]
    for m in found:
        m["params_count"] = sum(1 for k in params if k.startswith(m["prefix"])) if m["prefix"] \
            else sum(1 for k in params if not any(k.startswith(p) for p in prefixes))
    return sorted(found, key=lambda m: (m["prefix"] != "", m["label"]))


def choose_model(run: dict, variable: str | None) -> dict:
    models = run_models(run)
    if not models:
        raise CannotPackage(f"run {run['run_id']} recorded no fitted model: fit one in a "
                            "tracked cell, or mark it with %track model VAR")
    if variable is None:
        if len(models) > 1:
            names = ", ".join(m["variable"] for m in models)
            raise AmbiguousModel(f"run {run['run_id']} has several models ({names}): name "
                                 "the one to register")
        return models[0]
    for m in models:
        if variable in (m["variable"], m["label"]):
            return m
    raise NotFound(f"run {run['run_id']} has no model {variable!r} (it has "
                   f"{', '.join(m['variable'] for m in models)})")


def register_model(run_id: str, name: str, model: str | None = None, alias: str | None = None,
                   description: str | None = None, *, store: Store | str | None = None,
                   user: str | None = None) -> dict:
    """Package the model of run ``run_id`` and register it as the next version of ``name``
    (and point ``alias`` at it). Returns the version object. ``user`` (who registers it)
    defaults to the user running this process."""
    from .. import api

    check_model_name(name)
    if alias is not None:
        check_alias(alias)
    if description is not None and not isinstance(description, str):
        raise InvalidInput("description must be text")
    st = store if isinstance(store, Store) else api._process.store(store)
    for hook in api.session_hooks:  # in a tracked kernel: its records are written first
        hook(st)
    if not isinstance(run_id, str) or not run_id:
        raise InvalidInput("run_id must be a run's id")
    run = st.get_run(run_id)
    chosen = choose_model(run, model)
    session = st.run_session(run_id)
    executions = st.cell_executions(session["session_id"]) if session else []
    cells, model_seq = _slice(run, chosen["variable"], executions)
    datasets = _datasets(st, run)
    frames = [d["name"] for d in sorted(datasets, key=lambda d: d["role"] != "train")]
    user = user or api._user()
    with tempfile.TemporaryDirectory(prefix="mlops-package-") as tmp:
        namespace = _live_namespace(session, executions, chosen["variable"], model_seq)
        try:
            if namespace is not None:
                source = "live"
                obj = namespace[chosen["variable"]]
                info = serialize.write_model(obj, [namespace.get(n) for n in frames], tmp)
            else:
                source = "rebuilt"
                kernels.rebuild([c.code for c in cells], chosen["variable"], frames,
                                _working_directory(run), tmp)
                info, obj = _reload(tmp)
        except serialize.Unserializable as e:
            raise CannotPackage(str(e)) from None
        except NotRebuildable as e:
            raise CannotPackage(str(e)) from None
        extra = _SERIALIZER_DISTRIBUTION[info["format"]]
        modules = imported_modules(c.code for c in cells)
        packages = (run.get("environment") or {}).get("packages") or {}
        reqs, req_warnings = requirements(modules, packages, [extra] if extra else [])
        warnings = list(run.get("warnings") or []) + req_warnings
        spec = PackageSpec(name=name, run=run, variable=chosen["variable"],
                           model_type=chosen["type"] or serialize_type(obj), source=source,
                           cells=cells, requirements=reqs, datasets=datasets, user=user,
                           created=iso(now_ms()) or "", warnings=warnings,
                           description=description)
        build(tmp, spec, info, obj)
        signature = _read_json(os.path.join(tmp, "signature.json"))
        return _store_version(st, tmp, {
            "run_id": run_id, "model_variable": chosen["variable"], "model_type": spec.model_type,
            "source": source, "signature": signature, "metrics": run.get("metrics") or {},
            "params": run.get("params") or {}, "requirements": reqs, "warnings": warnings,
            "verification": {"status": "unverified", "at": None, "differences": []},
        }, name=name, alias=alias, description=description, user=user)


def serialize_type(obj: Any) -> str:
    kind = type(obj)
    return f"{kind.__module__}.{kind.__qualname__}"


def _slice(run: dict, variable: str, executions: list[dict]) -> tuple[list, int]:
    """The program slice of the run's model and metrics, and the execution that last bound
    the model variable."""
    lineage = {e["seq"] for e in run.get("lineage") or []}
    mine = [e for e in executions if e["seq"] in lineage and e["status"] == "ok"]

    def last_binding(name: str) -> int | None:
        seqs = [e["seq"] for e in mine if name in (e["names_defined"] or ())]
        return max(seqs) if seqs else None

    model_seq = last_binding(variable)
    if model_seq is None:
        raise CannotPackage(f"no recorded cell of run {run['run_id']} binds `{variable}`: the "
                            "model cannot be rebuilt from its notebook")
    seeds = {model_seq} | {s for k in run.get("metrics") or {} if (s := last_binding(k))}
    try:
        return program_slice(executions, seeds), model_seq
    except NotRebuildable as e:
        raise CannotPackage(str(e)) from None


def _live_namespace(session: dict, executions: list[dict], variable: str,
                    model_seq: int) -> dict | None:
    """The kernel's namespace when this process is the run's kernel and the variable still
    holds what the run fitted (no later cell rebound or refitted it)."""
    if not session or session.get("pid") != os.getpid() or session.get("host") != this_host():
        return None
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    if shell is None or variable not in shell.user_ns:
        return None
    later = [e for e in executions if e["seq"] > model_seq
             and variable in (e["names_defined"] or ()) and e["status"] != "running"]
    return None if later else shell.user_ns


def _working_directory(run: dict) -> str:
    notebook = run.get("notebook")
    folder = os.path.dirname(notebook) if notebook else ""
    return folder if folder and os.path.isdir(folder) else os.getcwd()


def _datasets(st: Store, run: dict) -> list[dict]:
    """datasets.json: the run's inputs with their profiles (the drift baseline)."""
    out = []
    for d in run.get("datasets") or []:
        profile = st.get_dataset(d["dataset_id"]).get("profile")
        out.append({"name": d["name"], "role": d["role"], "fingerprint": d["fingerprint"],
                    "source": d["source"], "file_hash": d["file_hash"], "schema": d["schema"],
                    "shape": d["shape"], "profile": profile})
    return out


def _reload(directory: str) -> tuple[dict, Any]:
    """The rebuilt model, loaded back in this process (to describe it): what a user of the
    package will get."""
    from .jupyter_mlops_model import load_raw

    model, info = load_raw(os.path.join(directory, "model"))
    return info, model


def _read_json(path: str) -> Any:
    import json

    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _store_version(st: Store, directory: str, fields: dict, **kwargs: Any) -> dict:
    """Blobs first (text files redacted by the store on their way in; the manifest lists
    what it kept), then the version row; on failure the blobs this call added go again."""
    added: list[str] = []
    try:
        rels = package_files(directory)
        stored, added = st.artifacts.put_files(
            {os.path.join(directory, rel): media_type(rel) for rel in rels})
        files = {rel: stored[os.path.join(directory, rel)] for rel in rels}
        path = write_manifest(directory, files)
        stored, new = st.artifacts.put_files({path: "application/json"})
        added += new
        checksum = stored[path]["sha256"]
        size = sum(f["size"] for f in files.values())
        return st.create_model_version(
            fields={**fields, "checksum": checksum, "size": size,
                    "manifest": {"files": files}}, **kwargs)
    except BaseException:
        for digest in added:
            st.artifacts.discard(digest)
        raise
