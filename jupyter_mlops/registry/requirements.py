"""The requirements of a package: exactly the distributions the sliced code imports.

Each top-level module the slice imports is mapped to the distribution that provides it
(``importlib.metadata.packages_distributions``: ``sklearn`` -> ``scikit-learn``) and pinned
to the version in the run's environment snapshot. The standard library is left out; a
module no installed distribution provides (a helper file next to the notebook) is named in
a warning, since the package cannot carry it.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterable, Mapping
from importlib.metadata import PackageNotFoundError, packages_distributions, version


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


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirements(modules: Iterable[str], snapshot: Mapping[str, str],
                 extra: Iterable[str] = ()) -> tuple[list[str], list[str]]:
    """(pinned requirement lines, sorted by name; warnings). ``snapshot`` is the run's
    environment packages (normalized name -> version); ``extra`` are distributions the
    package itself needs (the serializer of its model)."""
    providers = packages_distributions()
    distributions: set[str] = {normalize(d) for d in extra}
    warnings = []
    for module in sorted(set(modules)):
        if module in sys.stdlib_module_names or module == "__future__":
            continue
        found = providers.get(module)
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
