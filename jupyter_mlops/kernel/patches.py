"""Wrap library functions while a kernel is tracked, from the moment their module is imported.

A module that is already imported is wrapped at once; one imported later is wrapped as soon
as its import finishes (a ``sys.meta_path`` finder that only watches the named modules and
adds a step after the real loader's ``exec_module``), so ``import pandas as pd`` and
``pd.read_csv(…)`` in the same cell are seen. Names the user had already bound to an
original (``from sklearn.metrics import f1_score`` before tracking) are rebound to its
wrapper, and back when tracking stops. A wrapper calls the original with the same arguments
and returns its result untouched; its exceptions propagate as they are.
"""

from __future__ import annotations

import contextlib
import importlib.machinery
import sys
import threading
from collections.abc import Callable, Iterable, MutableMapping
from typing import Any

# For a module: the (owner, attribute) pairs to wrap, and how to wrap each original.
Plan = Callable[[Any], Iterable[tuple[Any, str, Callable[[Callable[..., Any]], Any]]]]


class Patches:
    def __init__(self, namespace: MutableMapping[str, Any]):
        self.namespace = namespace
        self._plans: dict[str, list[Plan]] = {}
        self._originals: dict[tuple[int, str], tuple[Any, Callable[..., Any], Any]] = {}
        self._done: set[str] = set()
        self._finder: _AfterImport | None = None
        self._lock = threading.RLock()

    def watch(self, module_name: str, plan: Plan) -> None:
        self._plans.setdefault(module_name, []).append(plan)

    def start(self) -> None:
        if self._finder is None:
            self._finder = _AfterImport(self._plans.keys(), self._apply)
            sys.meta_path.insert(0, self._finder)
        for name in list(self._plans):
            module = sys.modules.get(name)
            if module is not None:
                self._apply(module)

    def stop(self) -> None:
        if self._finder is not None:
            with contextlib.suppress(ValueError):
                sys.meta_path.remove(self._finder)
            self._finder = None
        with self._lock:
            wrappers = {id(w): original for _, original, w in self._originals.values()}
            for (_, attribute), (owner, original, _) in self._originals.items():
                setattr(owner, attribute, original)
            for name, value in list(self.namespace.items()):
                if id(value) in wrappers:
                    self.namespace[name] = wrappers[id(value)]
            self._originals.clear()
            self._done.clear()

    def _apply(self, module: Any) -> None:
        with self._lock:
            name = module.__name__
            if name in self._done:
                return
            self._done.add(name)
            rebind: dict[int, Any] = {}
            for plan in self._plans.get(name, ()):
                for owner, attribute, wrap in plan(module):
                    original = getattr(owner, attribute, None)
                    key = (id(owner), attribute)
                    if not callable(original) or key in self._originals:
                        continue
                    wrapper = wrap(original)
                    self._originals[key] = (owner, original, wrapper)
                    setattr(owner, attribute, wrapper)
                    rebind[id(original)] = wrapper
            if rebind:
                for key, value in list(self.namespace.items()):
                    if id(value) in rebind:
                        self.namespace[key] = rebind[id(value)]


class _AfterImport:
    """A meta-path finder that finds nothing itself: for a watched module it asks the other
    finders, and makes the loader call ``after(module)`` once the module has executed."""

    def __init__(self, names: Iterable[str], after: Callable[[Any], None]):
        self.names = frozenset(names)
        self.after = after
        self._finding = threading.local()

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname not in self.names or getattr(self._finding, "name", None) == fullname:
            return None
        self._finding.name = fullname
        try:
            spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        finally:
            self._finding.name = None
        loader = getattr(spec, "loader", None)
        if loader is None or not hasattr(loader, "exec_module"):
            return None  # let the import system find it the usual way
        run = loader.exec_module
        after = self.after

        def exec_module(module: Any) -> None:
            run(module)
            with contextlib.suppress(Exception):
                after(module)

        loader.exec_module = exec_module  # this spec's own loader instance
        return spec
