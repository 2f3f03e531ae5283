"""Which file (or built-in dataset) a DataFrame or array came from.

While a kernel is tracked, pandas ``read_*``, numpy ``load``/``loadtxt``/``genfromtxt``/
``fromfile`` and scikit-learn's ``load_*`` are wrapped (see ``patches``): afterwards a
wrapper remembers the result's identity and where it came from — a file's absolute path, a
URL (redacted), or ``sklearn.datasets.load_iris`` for a dataset that ships with scikit-learn.
The notebook's ``open()`` notes the CSV files a cell opens, so data the cell builds from one
(``csv.reader(open("x.csv"))``) is linked to it too.
"""

from __future__ import annotations

import contextlib
import functools
import os
import weakref
from collections.abc import Callable, Iterable
from typing import Any

from ..capture.redact import redact
from .patches import Patches

_NUMPY_READERS = ("load", "loadtxt", "genfromtxt", "fromfile")
_PATH_KEYWORDS = ("filepath_or_buffer", "path_or_buf", "path", "io", "file", "fname", "f")
_TABLE_SUFFIXES = (".csv", ".tsv", ".csv.gz", ".tsv.gz")


class Sources:
    def __init__(self) -> None:
        self._seen: dict[int, tuple[weakref.ref[Any], str]] = {}
        self.opened: list[str] = []  # CSV files the running cell opened

    def register(self, patches: Patches) -> None:
        patches.watch("pandas", lambda pd: [(pd, n, self._reader) for n in dir(pd)
                                            if n.startswith("read_")])
        patches.watch("numpy", lambda np: [(np, n, self._reader) for n in _NUMPY_READERS])
        patches.watch("sklearn.datasets", lambda m: [(m, n, self._loader) for n in dir(m)
                                                     if n.startswith("load_")])

    def wrap_open(self, namespace: dict[str, Any]) -> None:
        """Note the CSVs that notebook code opens (the shell's own ``open`` in the user
        namespace: library code is not affected)."""
        original = namespace.get("open", open)
        if getattr(original, "__jupyter_mlops__", False):
            return

        @functools.wraps(original)
        def tracked_open(file: Any, *args: Any, **kwargs: Any) -> Any:
            handle = original(file, *args, **kwargs)
            with contextlib.suppress(Exception):
                path = _local_path(file)
                if path is not None and path.lower().endswith(_TABLE_SUFFIXES):
                    self.opened.append(path)
            return handle

        tracked_open.__jupyter_mlops__ = True  # type: ignore[attr-defined]
        namespace["open"] = tracked_open

    @staticmethod
    def unwrap_open(namespace: dict[str, Any]) -> None:
        current = namespace.get("open")
        if getattr(current, "__jupyter_mlops__", False):
            namespace["open"] = current.__wrapped__

    def source_of(self, obj: Any) -> str | None:
        entry = self._seen.get(id(obj))
        if entry is None or entry[0]() is not obj:
            return None
        return entry[1]

    def remember(self, obj: Any, source: str) -> None:
        with contextlib.suppress(TypeError):  # not weakly referenceable: not data we track
            ref = weakref.ref(obj)
            self._seen = {k: v for k, v in self._seen.items() if v[0]() is not None}
            self._seen[id(obj)] = (ref, source)

    # --- wrappers
    def _reader(self, original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def reader(*args: Any, **kwargs: Any) -> Any:
            result = original(*args, **kwargs)
            with contextlib.suppress(Exception):
                source = _source(args, kwargs)
                if source is not None:
                    self.remember(result, source)
            return result

        return reader

    def _loader(self, original: Callable[..., Any]) -> Callable[..., Any]:
        """``load_iris()`` & co: a built-in dataset, named by its loader; a loader given a
        path (``load_svmlight_file``) reads that file."""
        name = f"sklearn.datasets.{original.__name__}"

        @functools.wraps(original)
        def loader(*args: Any, **kwargs: Any) -> Any:
            result = original(*args, **kwargs)
            with contextlib.suppress(Exception):
                source = _source(args, kwargs) or name
                for part in _parts(result):
                    self.remember(part, source)
            return result

        return loader


def _parts(result: Any) -> Iterable[Any]:
    """The data in what a loader returns: a Bunch's data/target/frame, a tuple's items."""
    if isinstance(result, dict):
        return [result[k] for k in ("data", "target", "frame", "images") if k in result]
    if isinstance(result, tuple):
        return list(result)
    return [result]


def _local_path(target: Any) -> str | None:
    if isinstance(target, os.PathLike):
        target = os.fspath(target)
    if isinstance(target, str) and "://" not in target:
        return os.path.abspath(os.path.expanduser(target))
    return None


def _source(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str | None:
    target = args[0] if args else next((kwargs[k] for k in _PATH_KEYWORDS if k in kwargs), None)
    name = getattr(target, "name", None)  # an open file handle
    if isinstance(name, str) and not isinstance(target, (str, os.PathLike)):
        target = name
    if isinstance(target, os.PathLike):
        target = os.fspath(target)
    if not isinstance(target, str):
        return None
    return _local_path(target) or redact(target)
