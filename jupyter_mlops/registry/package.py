"""Write a model package: a folder in MLflow's model format that needs nothing of ours.

``write_model`` (serialize.py) has put ``model/``, ``input_example.json``,
``signature.json`` and ``prediction_profile.json`` in the folder; ``build`` adds the rest
of the layout that README.md's "The package" lists. ``manifest.json`` (the sha256 of every
file) is written by whoever stores the package, from the bytes the store kept: every text
file passes the store's redaction on its way in (``media_type`` says which files are text).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from dataclasses import dataclass, field
from typing import Any

import yaml

from .card import dockerfile, model_card
from .requirements import server_requirements
from .serialize import is_sklearn
from .slicing import Cell, as_notebook, as_script

_HERE = os.path.dirname(os.path.abspath(__file__))
_SOURCES = os.path.dirname(_HERE)  # the installed jupyter_mlops
# code/ of every package: the loader, and the model server of ``jupyter mlops serve`` with
# the entry point that serves the package folder alone (the Dockerfile's command), copied
# from this installation so that there is one source of each file.
SHIPPED = {
    "code/jupyter_mlops_model.py": os.path.join(_HERE, "jupyter_mlops_model.py"),
    "code/jupyter_mlops_serve.py": os.path.join(_HERE, "jupyter_mlops_serve.py"),
    "code/jupyter_mlops_server/jsonout.py": os.path.join(_SOURCES, "jsonout.py"),
    **{f"code/jupyter_mlops_server/serving/{name}": os.path.join(_SOURCES, "serving", name)
       for name in ("__init__.py", "app.py", "batch.py", "inputs.py", "model.py", "predlog.py",
                    "run.py")},
}
_SERVER_INIT = ('"""The model server of jupyter_mlops (``jupyter mlops serve``), as shipped in a '
                'model package."""\n')
MANIFEST = "manifest.json"


@dataclass
class PackageSpec:
    name: str
    run: dict  # the run record (store.get_run)
    variable: str
    model_type: str
    source: str  # live | rebuilt
    cells: list[Cell]
    requirements: list[str]
    datasets: list[dict]
    user: str | None
    created: str
    warnings: list[str] = field(default_factory=list)
    description: str | None = None


def build(directory: str, spec: PackageSpec, model_info: dict, model: Any) -> None:
    """Complete the package in ``directory`` (all but its manifest)."""
    run = spec.run
    env = run.get("environment") or {}
    python = (env.get("python") or {}).get("version") or "3"
    header = (f"Rebuilds `{spec.variable}` ({spec.model_type}) of run {run['run_id']}"
              + (f" in {run['notebook']}" if run.get("notebook") else "")
              + ": the executed cells it depends on, in execution order.")
    files = {
        "train.py": as_script(spec.cells, header),
        "train.ipynb": as_notebook(spec.cells, header),
        "requirements.txt": "".join(f"{line}\n" for line in spec.requirements),
        "requirements-serve.txt": "".join(f"{line}\n" for line in server_requirements(
            spec.requirements, env.get("packages") or {})),
        "code/jupyter_mlops_server/__init__.py": _SERVER_INIT,
        "python_env.yaml": yaml.safe_dump({"python": python,
                                           "build_dependencies": ["pip", "setuptools", "wheel"],
                                           "dependencies": ["-r requirements.txt"]},
                                          sort_keys=False),
        "conda.yaml": yaml.safe_dump({"name": "model-env", "channels": ["conda-forge"],
                                      "dependencies": [f"python={python}", "pip",
                                                       {"pip": spec.requirements}]},
                                     sort_keys=False),
        "datasets.json": _json(spec.datasets),
        "metrics.json": _json(run.get("metrics") or {}),
        "params.json": _json(run.get("params") or {}),
        "environment.json": _json(env),
        "Dockerfile": dockerfile(python),
    }
    with open(os.path.join(directory, "signature.json"), encoding="utf-8") as f:
        signature = json.load(f)
    files["MLmodel"] = yaml.safe_dump(_mlmodel(spec, model_info, model, signature, python),
                                      sort_keys=False)
    files["README.md"] = model_card(spec, signature)
    for relpath, source in SHIPPED.items():
        os.makedirs(os.path.dirname(os.path.join(directory, relpath)), exist_ok=True)
        shutil.copyfile(source, os.path.join(directory, relpath))
    for relpath, text in files.items():
        with open(os.path.join(directory, relpath), "w", encoding="utf-8") as f:
            f.write(text)


_TEXT_SUFFIXES = {".py": "text/x-python", ".ipynb": "application/x-ipynb+json",
                  ".json": "application/json", ".md": "text/markdown",
                  ".txt": "text/plain", ".yaml": "application/yaml"}
_TEXT_NAMES = {"MLmodel": "application/yaml", "Dockerfile": "text/plain"}


def media_type(relpath: str) -> str | None:
    """The media type of a package file: text ones are redacted on their way into the store;
    None for the serialized model (bytes, stored as they are)."""
    name = relpath.rsplit("/", 1)[-1]
    return _TEXT_NAMES.get(name) or _TEXT_SUFFIXES.get(os.path.splitext(name)[1])


def write_manifest(directory: str, files: dict[str, dict]) -> str:
    """Write ``manifest.json`` listing ``files`` ({relpath: {sha256, size}}); its path."""
    path = os.path.join(directory, MANIFEST)
    with open(path, "w", encoding="utf-8") as f:
        f.write(_json({"files": files}))
    return path


def _mlmodel(spec: PackageSpec, info: dict, model: Any, signature: dict | None,
             python: str) -> dict:
    packages = (spec.run.get("environment") or {}).get("packages") or {}
    flavors: dict[str, Any] = {"python_function": {
        "loader_module": "jupyter_mlops_model", "code": "code", "data": "model",
        "python_version": python,
        "env": {"virtualenv": "python_env.yaml", "conda": "conda.yaml"}}}
    if is_sklearn(model):
        flavors["sklearn"] = {"pickled_model": f"model/{info['file']}",
                              "serialization_format": info["format"],
                              "sklearn_version": packages.get("scikit-learn"), "code": None}
        if info["format"] == "skops":
            flavors["sklearn"]["skops_trusted_types"] = info["trusted"]
    doc: dict[str, Any] = {"flavors": flavors, "model_uuid": uuid.uuid4().hex,
                           "run_id": spec.run["run_id"], "utc_time_created": spec.created}
    if signature:
        doc["signature"] = {"inputs": json.dumps(signature["inputs"]),
                            "outputs": json.dumps(signature["outputs"]), "params": None}
        doc["saved_input_example_info"] = {"artifact_path": "input_example.json",
                                           "type": "dataframe", "pandas_orient": "split"}
    doc["metadata"] = {"jupyter_mlops": {"name": spec.name, "model_variable": spec.variable,
                                         "model_type": spec.model_type, "source": spec.source}}
    return doc


def package_files(directory: str) -> list[str]:
    """Every regular file of the package but the manifest, as sorted relative paths."""
    found = []
    for root, _dirs, names in os.walk(directory):
        for name in names:
            rel = os.path.relpath(os.path.join(root, name), directory).replace(os.sep, "/")
            if rel != MANIFEST:
                found.append(rel)
    return sorted(found)


def describe_file(path: str) -> dict:
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
    return {"sha256": h.hexdigest(), "size": size}


def _json(value: Any) -> str:
    return json.dumps(value, indent=1, sort_keys=True, default=str) + "\n"
