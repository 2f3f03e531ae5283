"""Datasets: recognise them, fingerprint their content, profile their columns.

The fingerprint identifies a dataset by content: the same data read twice is one dataset.
It is xxh3_128 over a canonical byte stream (type, shape, column labels, index, then each
column's dtype and values), so that equal data always gives equal bytes whatever the memory
layout: strided slices are made contiguous, Arrow slice offsets and chunking are normalised,
the garbage under a null mask is ignored and strings are length-prefixed. Column buffers are
hashed in place wherever the layout already is canonical, which is what makes it fast.

Equality follows ``DataFrame.equals`` with two deliberate differences: the dtype is part of
the identity (int64 ``[1, 2]`` and float64 ``[1.0, 2.0]`` differ), and so is the index type
(a ``RangeIndex`` is hashed as start/step/length, not as its materialised values). Missing
values are equal to each other (``None``, ``NaN``, ``pd.NA`` and ``NaT`` in an object column
are all "missing"), and the storage of pandas string dtypes (python or pyarrow) is not part of
the identity.
"""

from __future__ import annotations

import pickle
import sys
from collections.abc import Iterable
from typing import Any

import numpy as np
import xxhash

# PROFILE_ROWS and _json_value are imported from here by the tests and monitor/drift.py.
from .profile import PROFILE_ROWS, _json_value, profile_columns  # noqa: F401

_MISSING = b"\x00"
_BLOCK_BYTES = 8 << 20  # copied at a time when a strided buffer has to be made contiguous
_OBJECT_BLOCK = 1 << 16  # values encoded (or string lengths taken) at a time, block by block


def is_dataset(obj: Any) -> bool:
    """True for a pandas DataFrame/Series or a numpy array with at least one dimension.

    Runs on every bound name of every tracked cell, so it imports nothing: pandas can only
    have made ``obj`` if it is already in ``sys.modules``. Structured arrays are not datasets
    (their padding bytes are undefined).
    """
    if isinstance(obj, np.ndarray):
        return obj.ndim >= 1 and obj.dtype.fields is None
    pd = sys.modules.get("pandas")
    return pd is not None and isinstance(obj, (pd.DataFrame, pd.Series))


def fingerprint(obj: Any) -> str:
    """Content fingerprint of a dataset: 32 hex chars of xxh3_128 over canonical buffers."""
    stream = _Stream()
    pd = sys.modules.get("pandas")
    if pd is not None and isinstance(obj, pd.DataFrame):
        stream.tag("DataFrame")
        stream.int(obj.shape[0])
        stream.int(obj.shape[1])
        _feed_index(stream, obj.columns)
        _feed_index(stream, obj.index)
        for _, column in obj.items():  # 2x faster than iloc per column (wide frames)
            _feed_values(stream, column.array)
    elif pd is not None and isinstance(obj, pd.Series):
        stream.tag("Series")
        stream.int(len(obj))
        stream.labels([obj.name])
        _feed_index(stream, obj.index)
        _feed_values(stream, obj.array)
    elif isinstance(obj, np.ndarray):
        stream.tag("ndarray")
        _feed_ndarray(stream, obj)
    else:
        raise TypeError(f"not a dataset: {type(obj).__name__}")
    return stream.hexdigest()


class _Stream:
    """A hash fed with self-delimiting fields, so no two field sequences share bytes."""

    def __init__(self) -> None:
        self._hash = xxhash.xxh3_128()

    def bytes(self, data: bytes) -> None:
        self._hash.update(len(data).to_bytes(8, "little"))
        self._hash.update(data)

    def buffer(self, array: np.ndarray) -> None:
        """Raw bytes in C order; strided views are copied block by block, not all at once."""
        self._hash.update(array.nbytes.to_bytes(8, "little"))
        if array.flags.c_contiguous:
            self._hash.update(array)
            return
        rows = array.reshape(array.shape[0], -1) if array.ndim > 1 else array
        step = max(1, _BLOCK_BYTES * len(rows) // max(1, rows.nbytes))
        for start in range(0, len(rows), step):
            self._hash.update(np.ascontiguousarray(rows[start : start + step]))

    def tag(self, text: str) -> None:
        self.bytes(text.encode())

    def int(self, value: int) -> None:
        self.bytes(str(value).encode())

    def labels(self, labels: Iterable[Any]) -> None:
        self.bytes(b"".join(_encode_object(label) for label in labels))

    def mask(self, mask: np.ndarray | None) -> None:
        """Missing-value mask; None (nothing missing) is the empty field."""
        self.bytes(b"" if mask is None else np.packbits(mask).tobytes())

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


def _feed_index(stream: _Stream, index: Any) -> None:
    pd = sys.modules["pandas"]
    stream.labels(index.names)
    if isinstance(index, pd.RangeIndex):
        # Normalised like Python's range equality: range(0, 0) == range(5, 5).
        n = len(index)
        stream.tag("range")
        stream.int(n)
        stream.int(index.start if n else 0)
        stream.int(index.step if n > 1 else 1)
    elif isinstance(index, pd.MultiIndex):
        # Level values, not levels + codes: slicing keeps unused levels around.
        stream.tag("multi")
        stream.int(index.nlevels)
        for level in range(index.nlevels):
            _feed_values(stream, index.get_level_values(level).array)
    else:
        stream.tag("index")
        _feed_values(stream, index.array)


def _feed_values(stream: _Stream, values: Any) -> None:
    """One column: a canonical dtype tag, then its values."""
    if isinstance(values, np.ndarray):
        _feed_ndarray(stream, values)
        return
    pd = sys.modules["pandas"]
    from pandas.core.arrays import BaseMaskedArray

    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        stream.tag(f"category[ordered={dtype.ordered}]")
        _feed_values(stream, dtype.categories.array)
        _feed_ndarray(stream, values.codes)
    elif isinstance(dtype, pd.StringDtype):
        stream.tag(f"string[{'nan' if dtype.na_value is not pd.NA else 'NA'}]")
        if dtype.storage == "pyarrow":
            _feed_arrow_strings(stream, values._pa_array)
        else:
            _feed_objects(stream, np.asarray(values, dtype=object))
    elif isinstance(values, pd.arrays.NumpyExtensionArray):
        _feed_ndarray(stream, values.to_numpy())
    elif isinstance(values, BaseMaskedArray):
        stream.tag(str(dtype))
        data, mask = values._data, values._mask
        if mask.any():  # what lies under a null is garbage: make it a constant
            data = np.where(mask, np.zeros((), data.dtype), data)
            stream.mask(mask)
        else:
            stream.mask(None)
        _feed_ndarray(stream, data)
    elif isinstance(values, (pd.arrays.DatetimeArray, pd.arrays.TimedeltaArray,
                             pd.arrays.PeriodArray)):
        stream.tag(str(dtype))  # carries unit, timezone or frequency
        _feed_ndarray(stream, values.asi8)
    elif isinstance(dtype, pd.ArrowDtype) and _is_arrow_string(dtype.pyarrow_dtype):
        stream.tag(f"arrow-string[{dtype.pyarrow_dtype}]")
        _feed_arrow_strings(stream, values._pa_array)
    else:
        stream.tag(f"extension[{dtype}]")
        _feed_objects(stream, np.asarray(values, dtype=object))


def _feed_ndarray(stream: _Stream, array: np.ndarray) -> None:
    if array.dtype.byteorder not in "=|":
        array = array.astype(array.dtype.newbyteorder("="))
    stream.tag(array.dtype.str)
    stream.bytes(repr(array.shape).encode())
    if array.dtype == object:
        _feed_objects(stream, array.reshape(-1))
    else:
        stream.buffer(array)


def _is_arrow_string(pa_type: Any) -> bool:
    import pyarrow as pa

    return (pa.types.is_string(pa_type) or pa.types.is_large_string(pa_type)
            or pa.types.is_string_view(pa_type))


def _feed_arrow_strings(stream: _Stream, chunked: Any) -> None:
    """Arrow strings as (missing mask, byte lengths, utf-8 bytes) of the present values,
    straight from the buffers: independent of chunking, slice offsets, 32/64-bit offsets and
    what null slots cover."""
    import pyarrow as pa

    chunks = [chunk.cast(pa.large_string()) if pa.types.is_string_view(chunk.type) else chunk
              for chunk in chunked.chunks]
    valid = [_validity(chunk) for chunk in chunks]
    stream.tag("S")
    stream.mask(np.concatenate([np.zeros(len(c), bool) if v is None else ~v
                                for c, v in zip(chunks, valid, strict=True)])
                if chunked.null_count else None)
    lengths, data = xxhash.xxh3_128(), xxhash.xxh3_128()
    for chunk, present in zip(chunks, valid, strict=True):
        _feed_string_chunk(lengths, data, chunk, present)
    stream.bytes(lengths.digest())
    stream.bytes(data.digest())


def _validity(chunk: Any) -> np.ndarray | None:
    """Which values of an Arrow array are present (None: all), unpacked from its bitmap."""
    if not chunk.null_count:
        return None
    bitmap = np.frombuffer(chunk.buffers()[0], dtype=np.uint8)
    start = chunk.offset
    bits = np.unpackbits(bitmap[start // 8 : (start + len(chunk) + 7) // 8 + 1],
                         bitorder="little")
    return bits[start % 8 : start % 8 + len(chunk)].view(bool)


def _feed_string_chunk(lengths: Any, data: Any, chunk: Any, valid: np.ndarray | None) -> None:
    """One chunk's present values into the two hashes: their lengths (int64) computed block
    by block from the offsets, so they stay in the CPU cache, and their bytes hashed in place
    (copied without the null slots only if those cover bytes)."""
    import pyarrow.compute as pc

    if not len(chunk):
        return
    offsets, content = _string_buffers(chunk)
    block = np.empty(min(len(chunk), _OBJECT_BLOCK), dtype=np.int64)
    covered = 0
    for start in range(0, len(chunk), _OBJECT_BLOCK):
        stop = min(start + _OBJECT_BLOCK, len(chunk))
        sizes = np.subtract(offsets[start + 1 : stop + 1], offsets[start:stop],
                            out=block[: stop - start])
        if valid is not None:
            sizes = sizes[valid[start:stop]]
            covered += int(sizes.sum())
        lengths.update(sizes)
    if valid is not None and covered != len(content):  # null slots cover bytes: skip them
        content = _string_buffers(pc.drop_null(chunk))[1] if covered else b""
    data.update(content)


def _string_buffers(chunk: Any) -> tuple[np.ndarray, memoryview | bytes]:
    """The offsets of a (large) string array's values and the bytes they span."""
    import pyarrow as pa

    _, offsets_buffer, data_buffer = chunk.buffers()
    offset_type = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
    offsets = np.frombuffer(offsets_buffer, dtype=offset_type)
    offsets = offsets[chunk.offset : chunk.offset + len(chunk) + 1]
    first, end = int(offsets[0]), int(offsets[-1])
    return offsets, memoryview(data_buffer)[first:end] if end > first else b""


def _feed_objects(stream: _Stream, array: np.ndarray) -> None:
    """Object values. Strings (with or without missing values) make the "S" record, through
    one pyarrow conversion where it can (below), else one join, one encode and an array of
    lengths; everything else is encoded value by value with its type."""
    if _feed_strings_via_arrow(stream, array):
        return
    mask = None
    strings = array
    try:
        joined = "".join(array)
    except TypeError:
        mask = _missing_mask(array)
        strings = array[~mask]
        try:
            joined = "".join(strings) if mask.any() else None
        except TypeError:
            joined = None
    if joined is None:
        stream.tag("O")
        stream.mask(mask)
        inner = xxhash.xxh3_128()
        for start in range(0, len(array), _OBJECT_BLOCK):
            stop = start + _OBJECT_BLOCK
            inner.update(b"".join(_MISSING if missing else _encode_object(value) for value, missing
                                  in zip(array[start:stop], mask[start:stop], strict=True)))
        stream.bytes(inner.digest())
        return
    stream.tag("S")
    stream.mask(mask)
    data = joined.encode("utf-8", "surrogatepass")
    if len(data) == len(joined):  # ASCII: character lengths are byte lengths
        lengths = np.fromiter(map(len, strings), dtype=np.int64, count=len(strings))
    else:
        lengths = np.fromiter((len(s.encode("utf-8", "surrogatepass")) for s in strings),
                              dtype=np.int64, count=len(strings))
    stream.bytes(xxhash.xxh3_128(lengths).digest())
    stream.bytes(xxhash.xxh3_128(data).digest())


def _feed_strings_via_arrow(stream: _Stream, array: np.ndarray) -> bool:
    """The "S" record of an array of ``str`` and missing values (None, NaN, pd.NA), as the
    join below writes it, from one pyarrow conversion (offsets and UTF-8 bytes in C): 2-3x
    faster. False, having fed nothing, for anything else (pyarrow absent, bytes or any other
    non-string, a lone surrogate), and without pandas loaded: pyarrow's conversion imports
    pandas, which numpy users lack. The type is inferred, not imposed: imposing ``string``
    would take bytes values for strings."""
    if "pandas" not in sys.modules:
        return False
    try:
        import pyarrow as pa

        strings = pa.array(array, from_pandas=True)
    except Exception:  # ImportError, ArrowTypeError, ArrowInvalid, UnicodeEncodeError
        return False
    if not (pa.types.is_string(strings.type) or pa.types.is_large_string(strings.type)):
        return False
    chunked = strings if isinstance(strings, pa.ChunkedArray) else pa.chunked_array([strings])
    _feed_arrow_strings(stream, chunked)
    return True


def _missing_mask(array: np.ndarray) -> np.ndarray:
    pd = sys.modules.get("pandas")
    if pd is not None:
        return np.asarray(pd.isna(array), dtype=bool)
    # Without pandas only None and NaN-likes (x != x) can be in the array.
    return np.fromiter((value is None or _is_nan_like(value) for value in array),
                       dtype=bool, count=len(array))


def _is_nan_like(value: Any) -> bool:
    try:
        return bool(value != value)
    except (TypeError, ValueError):  # e.g. an array inside the object array
        return False


def _encode_object(value: Any) -> bytes:
    """A self-delimiting, type-tagged encoding of one Python value (1 and 1.0 differ; a
    subclass such as ``np.float64`` or ``np.str_`` encodes like its equal builtin)."""
    if isinstance(value, str):
        data, tag = value.encode("utf-8", "surrogatepass"), b"s"
    elif isinstance(value, bool):
        data, tag = b"1" if value else b"0", b"?"
    elif isinstance(value, int):
        data, tag = str(value).encode(), b"i"
    elif isinstance(value, float):
        data, tag = np.float64(value).tobytes(), b"f"
    elif isinstance(value, bytes):
        data, tag = bytes(value), b"y"
    elif value is None:
        data, tag = b"", b"n"
    elif isinstance(value, tuple):
        data, tag = b"".join(_encode_object(item) for item in value), b"t"
    else:
        kind = type(value)
        try:
            data, tag = pickle.dumps(value, protocol=4), b"p"
        except Exception:  # unpicklable: its type and repr are the best we have
            data, tag = f"{kind.__module__}.{kind.__qualname__}:{value!r}".encode(), b"r"
    return tag + len(data).to_bytes(8, "little") + data


def describe(obj: Any) -> dict[str, Any]:
    """Fingerprint, schema, shape and a JSON-ready column profile (the drift baseline).

    Columns of a 2-D array are named "0", "1", …; a 1-D (or N-D, flattened) array or a Series
    is a single column named after the Series or "value". The profile's cost is bounded by a
    fixed sample past ``PROFILE_ROWS`` rows, with exact counts (see ``profile.py``).
    """
    import pandas as pd

    if isinstance(obj, pd.DataFrame):
        frame = obj
    elif isinstance(obj, pd.Series):
        frame = obj.to_frame("value" if obj.name is None else _label(obj.name))
    elif isinstance(obj, np.ndarray) and obj.ndim == 2:
        frame = pd.DataFrame(obj, columns=[str(i) for i in range(obj.shape[1])], copy=False)
    elif isinstance(obj, np.ndarray):
        frame = pd.DataFrame({"value": obj.reshape(-1)}, copy=False)
    else:
        raise TypeError(f"not a dataset: {type(obj).__name__}")
    profile: dict[str, Any] = {}
    for position, (name, column_profile) in enumerate(
            zip(frame.columns, profile_columns(frame), strict=True)):
        key = _label(name)
        profile[key if key not in profile else f"{key} ({position})"] = column_profile
    return {"fingerprint": fingerprint(obj), **schema(obj), "profile": profile}


def schema(obj: Any) -> dict[str, Any]:
    """Column names and dtypes, and the shape: no pass over the data, so a cell can record
    which data a run read at once and leave the profile to later."""
    import pandas as pd

    if isinstance(obj, pd.DataFrame):
        names, dtypes = [_label(n) for n in obj.columns], _frame_dtypes(obj)
    elif isinstance(obj, pd.Series):
        names, dtypes = ["value" if obj.name is None else _label(obj.name)], [obj.dtype]
    elif isinstance(obj, np.ndarray) and obj.ndim == 2:
        names, dtypes = [str(i) for i in range(obj.shape[1])], [obj.dtype] * obj.shape[1]
    elif isinstance(obj, np.ndarray):
        names, dtypes = ["value"], [obj.dtype]
    else:
        raise TypeError(f"not a dataset: {type(obj).__name__}")
    return {"schema": [{"name": n, "dtype": _dtype_name(d)}
                       for n, d in zip(names, dtypes, strict=True)],
            "shape": [int(n) for n in obj.shape]}


def _frame_dtypes(frame: Any) -> Iterable[Any]:
    """Each column's dtype, from the frame's block manager rather than the ``dtypes`` Series.

    The schema is taken on the cell's path right after the fingerprint has streamed the frame
    through the CPU caches, where building that Series runs through cold pandas code: ~0.18 ms
    against ~1 µs for this (pandas' public ``dtypes`` is the fallback)."""
    get_dtypes = getattr(getattr(frame, "_mgr", None), "get_dtypes", None)
    return get_dtypes() if get_dtypes is not None else frame.dtypes


# id -> (numpy dtype, its str): the dtype is held so that its id stays its own. Only numpy
# dtypes, a small set, are kept (an extension dtype such as a category's holds its values).
_DTYPE_NAMES: dict[int, tuple[np.dtype, str]] = {}


def _dtype_name(dtype: Any) -> str:
    """``str`` of a dtype, remembered for numpy's: theirs runs Python code (~9 µs warm, ~60 µs
    once a fingerprint has left the caches cold), once per column of a frame a run reads."""
    known = _DTYPE_NAMES.get(id(dtype))
    if known is not None:
        return known[1]
    name = str(dtype)
    if isinstance(dtype, np.dtype):
        if len(_DTYPE_NAMES) >= 256:
            _DTYPE_NAMES.clear()
        _DTYPE_NAMES[id(dtype)] = (dtype, name)
    return name


def _label(name: Any) -> str:
    return name if isinstance(name, str) else str(name)
