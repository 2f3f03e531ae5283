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
import sys
import threading
import types
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
        """Apply ``plan`` to the module ``module_name``, or, for a name ending in ``.``, to
        every module under that package (``"sklearn."``)."""
        self._plans.setdefault(module_name, []).append(plan)

    def _plans_for(self, name: str) -> list[Plan]:
        plans = list(self._plans.get(name, ()))
        for key, more in self._plans.items():
            if key.endswith(".") and name.startswith(key):
                plans += more
        return plans

    def start(self) -> None:
        if self._finder is None:
            self._finder = _AfterImport(self._plans.keys(), self._apply)
            sys.meta_path.insert(0, self._finder)
        prefixes = tuple(k for k in self._plans if k.endswith("."))
        for name in list(sys.modules):
            if name in self._plans or name.startswith(prefixes):
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
            for plan in self._plans_for(name):
                for owner_, attribute_, wrap in plan(module):
                    owner, attribute = _target(owner_, attribute_)
                    original = getattr(owner, attribute, None)
                    key = (id(owner), attribute)
                    if not callable(original) or key in self._originals:
                        continue
                    wrapper = wrap(original)
                    if isinstance(owner, types.ModuleType):
                        # pickled by reference as what it replaces (a scorer made from
                        # f1_score, sent to a joblib worker, is sklearn.metrics.f1_score there)
                        wrapper.__module__, wrapper.__qualname__ = owner.__name__, attribute
                    self._originals[key] = (owner, original, wrapper)
                    setattr(owner, attribute, wrapper)
                    rebind[id(original)] = wrapper
            if rebind:
                for key, value in list(self.namespace.items()):
                    if id(value) in rebind:
                        self.namespace[key] = rebind[id(value)]


def _target(owner: Any, attribute: str) -> tuple[Any, str]:
    """Where a function really lives: a class's own function, or the function inside a
    descriptor that makes a method conditional (scikit-learn's ``available_if``, on
    ``Pipeline.score``: wrapping its ``fn`` keeps ``hasattr`` answering as before). Anything
    else (properties, inherited methods) is not wrapped."""
    if not isinstance(owner, type):
        return owner, attribute
    raw = owner.__dict__.get(attribute)
    if isinstance(raw, types.FunctionType):
        return owner, attribute
    if isinstance(getattr(raw, "fn", None), types.FunctionType):
        return raw, "fn"
    return None, attribute


class _AfterImport:
    """A meta-path finder that finds nothing itself: for a watched module it asks the other
    finders, and makes the loader call ``after(module)`` once the module has executed."""

    def __init__(self, names: Iterable[str], after: Callable[[Any], None]):
        self.names = frozenset(n for n in names if not n.endswith("."))
        self.prefixes = tuple(n for n in names if n.endswith("."))
        self.after = after
        self._finding = threading.local()

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname not in self.names and not fullname.startswith(self.prefixes):
            return None
        if getattr(self._finding, "name", None) == fullname:
            return None
        self._finding.name = fullname
        try:
            spec = None
            for finder in list(sys.meta_path):  # as the import system would, without us
                find = getattr(finder, "find_spec", None)
                if finder is not self and find is not None:
                    spec = find(fullname, path, target)
                    if spec is not None:
                        break
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
