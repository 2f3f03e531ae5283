"""Which file a DataFrame or array was read from: pandas ``read_*`` and numpy ``load``,
``loadtxt``, ``genfromtxt`` and ``fromfile`` are wrapped while a kernel is tracked.

A wrapper calls the original with the same arguments and returns its result untouched (its
exceptions propagate as they are); afterwards it remembers the result's identity and the
path. Only functions of already imported modules are wrapped; ``Sources.patch`` is called
again at every cell, so a module imported later is wrapped from the next cell on.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import weakref
from collections.abc import Callable
from typing import Any

from ..redact import redact

_NUMPY_READERS = ("load", "loadtxt", "genfromtxt", "fromfile")
_PATH_KEYWORDS = ("filepath_or_buffer", "path_or_buf", "path", "io", "file", "fname")


class Sources:
    def __init__(self) -> None:
        self._originals: dict[tuple[Any, str], Callable[..., Any]] = {}
        self._patched: set[str] = set()
        self._seen: dict[int, tuple[weakref.ref[Any], str]] = {}

    def patch(self) -> None:
        """Wrap the readers of pandas and numpy if they are imported (cheap when done)."""
        for module_name in ("pandas", "numpy"):
            if module_name in self._patched:
                continue
            module = sys.modules.get(module_name)
            if module is None:
                continue
            names = ([n for n in dir(module) if n.startswith("read_")] if module_name == "pandas"
                     else list(_NUMPY_READERS))
            for name in names:
                original = getattr(module, name, None)
                if callable(original):
                    self._originals[(module, name)] = original
                    setattr(module, name, self._wrap(original))
            self._patched.add(module_name)

    def unpatch(self) -> None:
        for (module, name), original in self._originals.items():
            setattr(module, name, original)
        self._originals.clear()
        self._patched.clear()

    def source_of(self, obj: Any) -> str | None:
        entry = self._seen.get(id(obj))
        if entry is None or entry[0]() is not obj:
            return None
        return entry[1]

    def _wrap(self, original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def reader(*args: Any, **kwargs: Any) -> Any:
            result = original(*args, **kwargs)
            with contextlib.suppress(Exception):
                self._remember(result, args, kwargs)
            return result

        return reader

    def _remember(self, result: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        target = args[0] if args else next(
            (kwargs[k] for k in _PATH_KEYWORDS if k in kwargs), None)
        if isinstance(target, os.PathLike):
            target = os.fspath(target)
        if not isinstance(target, str):
            return
        local = "://" not in target
        source = os.path.abspath(os.path.expanduser(target)) if local else redact(target)
        self._seen = {k: v for k, v in self._seen.items() if v[0]() is not None}
        self._seen[id(result)] = (weakref.ref(result), source)
