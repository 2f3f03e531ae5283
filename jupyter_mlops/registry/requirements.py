"""The requirements of a package: exactly the distributions the sliced code imports.

Each top-level module the slice imports is mapped to the distribution that provides it
(as ``importlib.metadata.packages_distributions`` maps it: ``sklearn`` -> ``scikit-learn``;
see ``providers``) and pinned
to the version in the run's environment snapshot. The standard library is left out; a
module no installed distribution provides (a helper file next to the notebook) is named in
a warning, since the package cannot carry it.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import sys
from collections.abc import Iterable, Mapping
from importlib.metadata import PackageNotFoundError, distributions, version


def imported_modules(sources: Iterable[str]) -> set[str]:
    """Top-level names of the absolute imports anywhere in the code (function bodies too)."""
    modules = set()
    for source in sources:
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.split(".")[0])
    return modules


def providers(module: str) -> list[str]:
    """The distributions that provide top-level ``module``: the mapping of
    ``importlib.metadata.packages_distributions()`` (``top_level.txt``, else the files of
    the distribution's RECORD), computed for this one module. The full map reads and parses
    every installed distribution's metadata, seconds with a few hundred of them; here only
    the metadata files of the distributions next to the module are read, as text, and only
    the ones that provide it are parsed."""
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return []
    if spec is None:
        return []
    locations = list(spec.submodule_search_locations or [])
    if not locations and spec.origin not in (None, "built-in", "frozen"):
        locations = [spec.origin]
    if not locations:
        return []
    location = locations[0]
    site = os.path.dirname(location)
    found = []
    for dist in distributions(path=[site]):
        declared = dist.read_text("top_level.txt")
        if declared is not None:
            provides = module in declared.split()
        else:
            record = dist.read_text("RECORD") or ""
            provides = any(line.split(",", 1)[0].split("/", 1)[0].split(".", 1)[0] == module
                           for line in record.splitlines())
        if provides and dist.metadata["Name"]:
            found.append(dist.metadata["Name"])
    return found


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirements(modules: Iterable[str], snapshot: Mapping[str, str],
                 extra: Iterable[str] = ()) -> tuple[list[str], list[str]]:
    """(pinned requirement lines, sorted by name; warnings). ``snapshot`` is the run's
    environment packages (normalized name -> version); ``extra`` are distributions the
    package itself needs (the serializer of its model)."""
    distributions: set[str] = {normalize(d) for d in extra}
    warnings = []
    for module in sorted(set(modules)):
        if module in sys.stdlib_module_names or module == "__future__":
            continue
        found = providers(module)
        if not found:
            warnings.append(f"The training code imports `{module}`, which no installed "
                            "distribution provides (a local module?): it is not in the "
                            "package's requirements.")
            continue
        distributions.update(normalize(d) for d in found)
    lines = []
    for name in sorted(distributions):
        pinned = snapshot.get(name)
        if pinned is None:
            try:
                pinned = version(name)
            except PackageNotFoundError:
                pinned = None
            warnings.append(f"`{name}` is not in the run's environment snapshot: "
                            + (f"pinned to the version installed here ({pinned})."
                               if pinned else "left unpinned."))
        lines.append(f"{name}=={pinned}" if pinned else name)
    return lines, warnings


# What the package's own model server (code/jupyter_mlops_serve.py) imports.
SERVER_DISTRIBUTIONS = ("numpy", "pandas", "prometheus-client", "pyyaml", "tornado")


def server_requirements(model_requirements: Iterable[str],
                        snapshot: Mapping[str, str]) -> list[str]:
    """``requirements-serve.txt``: the server's distributions that the model's requirements
    do not already list, pinned like them (the run's snapshot, else the version here)."""
    listed = {normalize(re.split(r"[=<>!~ ;\[]", line, maxsplit=1)[0])
              for line in model_requirements}
    return requirements((), snapshot, [d for d in SERVER_DISTRIBUTIONS
                                       if d not in listed])[0]
