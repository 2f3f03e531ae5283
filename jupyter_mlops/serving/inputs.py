"""Prediction requests: MLflow's scoring formats and CSV in, a DataFrame that matches the
package's signature out — or a short, specific 4xx before the model sees anything.

Values are checked per column against the signature's MLflow types on the parsed Python
values (cheap for the usual small batches, and exact: JSON ``true`` is not a number and
``"3"`` is not a long), then turned into one typed numpy array per column.
"""

from __future__ import annotations

import functools
import io
import json
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

FORMATS = ("dataframe_split", "dataframe_records", "instances", "inputs")
_NUMBER = {int, float, type(None)}


class BadInput(ValueError):
    """A request the server refuses: HTTP status, error kind (for metrics) and message."""

    def __init__(self, status: int, kind: str, message: str):
        super().__init__(message)
        self.status = status
        self.kind = kind


def parse(body: bytes, content_type: str, names: Sequence[str]) -> dict[str, list]:
    """The request body as columns (name -> values). ``names`` (the signature's input
    names) give positional rows (``instances``/``inputs`` as lists of lists) their columns."""
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind in ("text/csv", "application/csv"):
        return _csv(body)
    if kind not in ("", "application/json"):
        raise BadInput(415, "content_type", f"unsupported Content-Type {kind!r}: send "
                       "application/json (MLflow's scoring formats) or text/csv")
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError) as e:
        raise BadInput(400, "json", f"body is not valid JSON: {e}") from None
    except RecursionError:
        raise BadInput(400, "json", "body is not acceptable JSON: nested too deeply") from None
    if not isinstance(doc, dict):
        raise BadInput(400, "format", f"body must be a JSON object with one of {_keys()}")
    found = [k for k in FORMATS if k in doc]
    if len(found) != 1:
        raise BadInput(400, "format", f"body must have exactly one of {_keys()}"
                       + (f", not {len(found)}" if found else ""))
    key = found[0]
    value = doc[key]
    if key == "dataframe_split":
        return _split(value)
    if key == "inputs" and isinstance(value, dict):
        return _column_dict(value)
    if key == "dataframe_records" or (isinstance(value, list) and value
                                      and isinstance(value[0], dict)):
        return _records(value, key)
    return _positional(value, key, names)


def _keys() -> str:
    return ", ".join(f'"{k}"' for k in FORMATS)


def _split(value: Any) -> dict[str, list]:
    if not isinstance(value, dict) or not isinstance(value.get("columns"), list) \
            or not isinstance(value.get("data"), list):
        raise BadInput(400, "format", 'dataframe_split must be {"columns": [...], '
                       '"data": [[...], ...]}')
    columns = [str(c) for c in value["columns"]]
    if len(set(columns)) != len(columns):
        raise BadInput(400, "format", "dataframe_split has a column named twice")
    rows = value["data"]
    for i, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != len(columns):
            raise BadInput(400, "format", f"dataframe_split row {i} has "
                           f"{len(row) if isinstance(row, list) else 'no list of'} values for "
                           f"{len(columns)} columns")
    return {c: [row[j] for row in rows] for j, c in enumerate(columns)}


def _records(value: Any, key: str) -> dict[str, list]:
    if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
        raise BadInput(400, "format", f"{key} must be a list of objects (one per row)")
    columns: dict[str, list] = {}
    for record in value:
        for name in record:
            columns.setdefault(name, [])
    for name, values in columns.items():
        values.extend(record.get(name) for record in value)
    return columns


def _column_dict(value: Mapping[str, Any]) -> dict[str, list]:
    columns = {str(k): (v if isinstance(v, list) else [v]) for k, v in value.items()}
    lengths = {len(v) for v in columns.values()}
    if len(lengths) > 1:
        raise BadInput(400, "format", "inputs columns have different lengths")
    return columns


def _positional(value: Any, key: str, names: Sequence[str]) -> dict[str, list]:
    if not isinstance(value, list) or not all(isinstance(r, list) for r in value):
        raise BadInput(400, "format", f"{key} must be a list of rows (objects or lists)")
    if not names:
        raise BadInput(400, "format", f"{key} as lists needs a model with a signature: "
                       "send objects with column names")
    for i, row in enumerate(value):
        if len(row) != len(names):
            raise BadInput(400, "format", f"{key} row {i} has {len(row)} values; the model "
                           f"takes {len(names)} ({', '.join(names)})")
    return {c: [row[j] for row in value] for j, c in enumerate(names)}


def _csv(body: bytes) -> dict[str, list]:
    import pandas as pd

    try:
        frame = pd.read_csv(io.BytesIO(body))
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as e:
        raise BadInput(400, "csv", f"body is not valid CSV: {str(e).splitlines()[0]}") from None
    if frame.columns.duplicated().any():
        raise BadInput(400, "format", "CSV has a column named twice")
    return {str(c): frame[c].astype(object).where(frame[c].notna(), None).tolist()
            for c in frame.columns}


def rows_of(columns: Mapping[str, list]) -> int:
    return len(next(iter(columns.values()))) if columns else 0


class Conformed(NamedTuple):
    """A request's rows as the model gets them, one column at a time (the DataFrame is built
    when it is predicted, possibly together with other requests' rows: ``frame_of``)."""

    columns: dict[str, Any]  # typed arrays in the signature's order (raw lists without one)
    rows: int
    extra: list[str]  # columns sent that the signature does not name (ignored)
    checked: bool  # typed, and every value is a finite number, a boolean or a present string


def conform(columns: dict[str, list], inputs: Sequence[Mapping[str, Any]] | None) -> Conformed:
    """The rows typed by the signature. Without a signature the columns go to the model as
    they came (and are not known to be finite)."""
    n = rows_of(columns)
    if not inputs:
        return Conformed(columns, n, [], False)
    missing = [c["name"] for c in inputs if c["name"] not in columns
               and c.get("required", True)]
    if missing:
        raise BadInput(400, "schema", f"missing column{'s' if len(missing) > 1 else ''} "
                       + ", ".join(repr(m) for m in missing))
    wanted = {c["name"] for c in inputs}
    extra = [c for c in columns if c not in wanted]
    typed = {}
    checked = True
    for c in inputs:
        values = columns.get(c["name"], [None] * n)
        try:
            typed[c["name"]] = array = _typed(c["name"], c["type"], values)
        except BadInput:
            raise
        except (OverflowError, ValueError, TypeError) as e:  # e.g. 1e400 as a long
            raise BadInput(400, "type", f"column {c['name']!r} has a value numpy cannot "
                           f"hold as {c['type']}: {_first_line(e)}") from None
        checked = checked and _complete(c["type"], array, values)
    return Conformed(typed, n, extra, checked)


def frame_of(parts: Sequence[Conformed]) -> Any:
    """One DataFrame of the rows of ``parts``, in order. Several parts must be ``checked``
    ones of the same signature: their columns have one numpy dtype each, so joining them
    gives the frame each would have given on its own, stacked. The frame holds copies: a
    model that writes to its input does not change what the prediction log records."""
    import pandas as pd

    first = parts[0]
    if not first.checked:  # raw or incomplete values: pandas decides what they are
        return pd.DataFrame(first.columns)
    names = tuple(first.columns)
    if len(parts) == 1:
        return _typed_frame(names, list(first.columns.values()))
    return _typed_frame(names, [np.concatenate([p.columns[n] for p in parts]) for n in names])


def _typed_frame(names: tuple[str, ...], arrays: list[Any]) -> Any:
    """``pd.DataFrame(dict(zip(names, arrays)))`` for ``checked`` columns, built from its
    blocks: the generic constructor infers again what the signature already fixed and
    builds the column index anew, which was most of the server's own work on a one-row
    request. The frame is the same (dtypes, text as pandas infers text, column index)."""
    import pandas as pd

    try:
        from pandas.api.internals import create_dataframe_from_blocks
    except ImportError:  # pandas < 3 (a package's own environment): the generic way
        return pd.DataFrame(dict(zip(names, arrays, strict=True)))
    text = _text_dtype()
    same: dict[Any, list[int]] = {}  # numpy dtype -> its columns: one 2-D block each
    blocks = []
    for i, array in enumerate(arrays):
        dtype = text if array.dtype == object else array.dtype
        if isinstance(dtype, np.dtype):
            same.setdefault(dtype, []).append(i)
        else:
            blocks.append((pd.array(array, dtype=dtype), np.array([i])))
    blocks += [(np.vstack([arrays[i] for i in at]), np.array(at)) for at in same.values()]
    return create_dataframe_from_blocks(blocks, index=pd.RangeIndex(len(arrays[0])),
                                        columns=_column_index(names))


@functools.cache
def _text_dtype() -> Any:
    """The dtype pandas gives a column of Python strings (``str`` in pandas 3)."""
    import pandas as pd

    return pd.DataFrame({"x": np.array(["x"], dtype=object)})["x"].dtype


@functools.lru_cache(maxsize=64)
def _column_index(names: tuple[str, ...]) -> Any:
    """The column index of a signature's frames (immutable, so every frame shares it)."""
    import pandas as pd

    return pd.DataFrame(columns=list(names)).columns


def _complete(kind: str, array: Any, values: list) -> bool:
    """Whether a typed column holds no NaN, infinity or missing value (so a model's own
    finiteness check on it would pass)."""
    if kind in ("double", "float"):
        return bool(np.isfinite(array).all())
    if kind == "string":
        return None not in values
    return kind in ("long", "integer", "boolean")


def _typed(name: str, kind: str, values: list) -> Any:
    present = set(map(type, values))
    if kind in ("double", "float"):
        if present <= _NUMBER:
            return np.array(values, dtype=np.float64 if kind == "double" else np.float32)
        _refuse(name, kind, values, lambda v: type(v) in _NUMBER)
    if kind in ("long", "integer"):
        if present <= {int} or (present <= {int, float}
                                and all(float(v).is_integer() for v in values)):
            return np.array(values, dtype=np.int64 if kind == "long" else np.int32)
        _refuse(name, kind, values,
                lambda v: type(v) is int or (type(v) is float and v.is_integer()))
    if kind == "boolean":
        if present <= {bool}:
            return np.array(values, dtype=bool)
        _refuse(name, kind, values, lambda v: type(v) is bool)
    if kind == "string":
        if present <= {str, type(None)}:
            return np.array(values, dtype=object)
        _refuse(name, kind, values, lambda v: v is None or type(v) is str)
    if kind == "datetime":
        import pandas as pd

        try:
            return pd.to_datetime(values)
        except (ValueError, TypeError) as e:
            raise BadInput(400, "type", f"column {name!r} must be datetime: {e}") from None
    return np.array(values, dtype=object)


def _refuse(name: str, kind: str, values: list, ok: Any) -> None:
    row, value = next((i, v) for i, v in enumerate(values) if not ok(v))
    what = "missing" if value is None else f"{_short(value)} ({_json_type(value)})"
    raise BadInput(400, "type", f"column {name!r} must be {kind}: row {row} is {what}")


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return (lines[0] if lines else type(error).__name__)[:200]


def _short(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 40 else text[:37] + "..."


def _json_type(value: Any) -> str:
    return {bool: "boolean", int: "integer", float: "number", str: "string", list: "array",
            dict: "object"}.get(type(value), type(value).__name__)
