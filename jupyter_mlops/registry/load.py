"""Model references, materialized packages and loading with checksum verification.

A reference is ``NAME/VERSION``, ``NAME/latest``, ``NAME@ALIAS`` (each also with MLflow's
``models:/`` prefix) or a package folder. A registered package is materialized once from
the artifact store into a read-only folder named by its checksum; every load checks each
file's sha256 against the manifest the registry recorded and refuses on any mismatch.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import tempfile
from typing import Any

from ..store import InvalidInput, Store
from .package import MANIFEST, describe_file

_REF = re.compile(r"^(?P<name>[^/@]+)(?:/(?P<version>\d+|latest)|@(?P<alias>[^/@]+))$")
_PICKLED = ("pickle", "cloudpickle")


class Tampered(ValueError):
    """A package file does not match the sha256 recorded for it."""


def parse_ref(ref: str) -> tuple[str, int | str | None, str | None]:
    """(name, version number or "latest", alias) of a registry reference."""
    text = ref[len("models:/"):] if ref.startswith("models:/") else ref
    m = _REF.match(text)
    if m is None:
        raise InvalidInput(f"{ref!r} is not a model reference: use NAME/VERSION, NAME@ALIAS "
                           "(optionally with models:/ in front) or a package folder")
    version = m["version"]
    return m["name"], (version if version in (None, "latest") else int(version)), m["alias"]


def version_of(ref: str, store: Store) -> dict:
    """The version object (with manifest) a registry reference names."""
    name, version, alias = parse_ref(ref)
    if alias is not None:
        version = store.resolve_alias(name, alias)
    elif version == "latest":
        version = store.get_model(name)["versions"][0]["version"]
    return store.model_version(name, int(version))  # type: ignore[arg-type]


def cache_root(store: Store) -> str:
    if store.artifacts.is_local:
        return os.path.join(store.artifacts._root_path(), "packages")
    from jupyter_core.paths import jupyter_data_dir

    return os.path.join(jupyter_data_dir(), "jupyter_mlops", "packages")


def materialize(store: Store, version: dict) -> str:
    """The package folder of a version, written from its blobs on first use."""
    target = os.path.join(cache_root(store), version["checksum"])
    if os.path.isdir(target):
        return target
    os.makedirs(os.path.dirname(target), mode=0o700, exist_ok=True)
    tmp = tempfile.mkdtemp(dir=os.path.dirname(target), prefix=".tmp-")
    try:
        files = {**version["manifest"]["files"], MANIFEST: {"sha256": version["checksum"]}}
        for rel, entry in files.items():
            path = os.path.join(tmp, *rel.split("/"))
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with store.artifacts.open(entry["sha256"]) as src, open(path, "wb") as dst:
                shutil.copyfileobj(src, dst)
            os.chmod(path, 0o444)
        os.replace(tmp, target)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if not os.path.isdir(target):  # not a concurrent materialization that won
            raise
    return target


def resolve(ref: str, store: Store) -> tuple[str, int, str]:
    """(name, version, package folder) of a registry reference; the folder is checked."""
    version = version_of(ref, store)
    folder = materialize(store, version)
    check_files(folder, version["manifest"], version["checksum"],
                f"{version['name']}/{version['version']}")
    return version["name"], version["version"], folder


def check_files(folder: str, manifest: dict, checksum: str | None, what: str) -> None:
    """Every file of the manifest has its recorded sha256 (and the manifest its checksum);
    no file was added."""
    expected = dict(manifest["files"])
    if checksum is not None:
        expected[MANIFEST] = {"sha256": checksum}
    for rel, entry in expected.items():
        path = os.path.join(folder, *rel.split("/"))
        actual = describe_file(path)["sha256"] if os.path.isfile(path) else None
        if actual != entry["sha256"]:
            state = "is missing" if actual is None else "does not match its recorded sha256"
            raise Tampered(f"package file {rel} of {what} {state}: refusing to load it")
    from .package import package_files

    extra = sorted(set(package_files(folder)) - set(expected))
    if extra:
        raise Tampered(f"package {what} has files its manifest does not list ({extra[0]}): "
                       "refusing to load it")


class LoadedModel:
    """A loaded package: ``predict(DataFrame)`` and ``metadata`` (name, version, signature,
    checksum, source)."""

    def __init__(self, impl: Any, metadata: dict):
        self._impl = impl
        self.metadata = metadata

    def predict(self, data: Any) -> Any:
        return self._impl.predict(data)

    @property
    def model(self) -> Any:
        """The underlying framework object (the fitted estimator)."""
        return self._impl.get_raw_model()

    def __repr__(self) -> str:
        m = self.metadata
        return f"<model {m.get('name')}/{m.get('version')} ({m.get('model_type')})>"


def load_model(ref: str, *, store: Store | str | None = None, trust: bool = False) -> LoadedModel:
    """Load a registered model (``NAME/VERSION``, ``NAME@ALIAS``, ``models:/…``) or a package
    folder, after checking every file's sha256. A folder that is not from the registry and
    holds a pickled model loads only with ``trust=True``: unpickling runs its code."""
    if not isinstance(ref, str) or not ref:
        raise InvalidInput("a model reference is text: NAME/VERSION, NAME@ALIAS or a folder")
    if os.path.isdir(ref):
        folder = ref
        with open(os.path.join(folder, MANIFEST), encoding="utf-8") as f:
            manifest = json.load(f)
        check_files(folder, manifest, None, ref)
        metadata = _package_metadata(folder)
        if metadata["serialization"] in _PICKLED and not trust:
            raise Tampered(f"{ref} is not from the registry and its model is a "
                           f"{metadata['serialization']} (loading it runs code from the "
                           "file): pass trust=True if you trust where it came from")
    else:
        from .. import api

        st = store if isinstance(store, Store) else api._process.store(store)
        name, number, folder = resolve(ref, st)
        metadata = {**_package_metadata(folder), "name": name, "version": number,
                    "checksum": st.model_version(name, number)["checksum"]}
    return LoadedModel(_loader(folder)._load_pyfunc(os.path.join(folder, "model")), metadata)


def _package_metadata(folder: str) -> dict:
    import yaml

    with open(os.path.join(folder, "MLmodel"), encoding="utf-8") as f:
        mlmodel = yaml.safe_load(f)
    with open(os.path.join(folder, "model", "model.json"), encoding="utf-8") as f:
        info = json.load(f)
    ours = (mlmodel.get("metadata") or {}).get("jupyter_mlops") or {}
    signature = mlmodel.get("signature")
    checksum = describe_file(os.path.join(folder, MANIFEST))["sha256"]
    return {"name": ours.get("name"), "version": None, "model_type": ours.get("model_type"),
            "source": ours.get("source"), "serialization": info["format"],
            "checksum": checksum,
            "signature": None if not signature else {
                "inputs": json.loads(signature["inputs"]),
                "outputs": json.loads(signature["outputs"])}}


def _loader(folder: str) -> Any:
    """The package's own loader module (``code/jupyter_mlops_model.py``), imported from the
    package under a private name so two packages never share it."""
    path = os.path.join(folder, "code", "jupyter_mlops_model.py")
    spec = importlib.util.spec_from_file_location(
        f"_jupyter_mlops_package_{describe_file(path)['sha256'][:16]}", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module
