import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from jupyter_mlops.capture.datasets import (
    PROFILE_ROWS,
    describe,
    fingerprint,
    is_dataset,
    schema,
)


def test_is_dataset_recognises_frames_series_and_arrays():
    assert is_dataset(pd.DataFrame({"a": [1]}))
    assert is_dataset(pd.Series([1.0]))
    assert is_dataset(np.zeros((2, 3)))
    assert not is_dataset(np.float64(1.0))
    assert not is_dataset(np.array(3.0))  # 0-d
    assert not is_dataset([1, 2, 3])
    assert not is_dataset({"a": [1]})
    assert not is_dataset(pd.Index([1, 2]))


def test_fingerprint_format_and_stability():
    df = pd.DataFrame({"a": [1, 2, 3], "b": [0.5, 1.5, 2.5]})
    fp = fingerprint(df)
    assert len(fp) == 32 and int(fp, 16) >= 0
    assert fingerprint(df.copy()) == fp
    assert fingerprint(pd.DataFrame({"a": [1, 2, 3], "b": [0.5, 1.5, 2.5]})) == fp


def test_fingerprint_rejects_non_datasets():
    with pytest.raises(TypeError):
        fingerprint([1, 2, 3])


def variants_of_base() -> dict[str, pd.DataFrame]:
    base = pd.DataFrame({"a": [1, 2, 3], "b": [0.5, 1.5, 2.5]})
    return {
        "base": base,
        "value": base.assign(b=[0.5, 1.5, 2.6]),
        "last value": base.assign(a=[1, 2, 4]),
        "dtype": base.astype({"a": "int32"}),
        "float dtype": base.astype({"a": "float64"}),
        "column name": base.rename(columns={"b": "c"}),
        "column order": base[["b", "a"]],
        "index values": base.set_axis([0, 1, 5]),
        "index name": base.rename_axis("idx"),
        "columns name": base.rename_axis(columns="cols"),
        "row order": base.iloc[::-1],
        "fewer rows": base.iloc[:2],
        "int column label": base.set_axis([0, 1], axis=1),
    }


def test_fingerprint_changes_with_every_kind_of_change():
    fps = {name: fingerprint(df) for name, df in variants_of_base().items()}
    assert len(set(fps.values())) == len(fps), fps


def test_series_name_and_index_matter():
    s = pd.Series([1.0, 2.0], name="x")
    assert fingerprint(s) == fingerprint(pd.Series([1.0, 2.0], name="x"))
    assert fingerprint(s) != fingerprint(s.rename("y"))
    assert fingerprint(s) != fingerprint(s.rename(None))
    assert fingerprint(s) != fingerprint(s.set_axis(["a", "b"]))
    assert fingerprint(s) != fingerprint(s.to_frame())


def test_non_contiguous_slices_equal_their_copies():
    df = pd.DataFrame(np.arange(40.0).reshape(20, 2), columns=["x", "y"])
    assert fingerprint(df.iloc[::2]) == fingerprint(df.iloc[::2].copy())
    arr = np.arange(60.0).reshape(20, 3)
    column = arr[:, 1]
    assert not column.flags.c_contiguous
    assert fingerprint(column) == fingerprint(column.copy())
    assert fingerprint(arr[::3]) == fingerprint(np.ascontiguousarray(arr[::3]))
    assert fingerprint(arr.T) == fingerprint(np.ascontiguousarray(arr.T))
    assert fingerprint(column) != fingerprint(arr[:, 2])


def test_large_strided_array_is_hashed_block_by_block_like_its_copy():
    arr = np.arange(6_000_000, dtype=np.int64).reshape(-1, 2)[:, 0]
    copy = np.ascontiguousarray(arr)
    assert fingerprint(arr) == fingerprint(copy)
    copy[-1] += 1
    assert fingerprint(arr) != fingerprint(copy)


def test_ndarray_shape_and_byte_order():
    arr = np.arange(12, dtype=np.int32)
    assert fingerprint(arr) != fingerprint(arr.reshape(3, 4))
    assert fingerprint(arr.reshape(3, 4)) != fingerprint(arr.reshape(4, 3))
    swapped = arr.astype(">i4")
    assert fingerprint(swapped) == fingerprint(arr)
    assert fingerprint(arr) != fingerprint(arr.astype(np.int64))


def test_bool_and_float_special_values():
    assert fingerprint(np.array([True, False])) != fingerprint(np.array([False, True]))
    assert fingerprint(np.array([True, False])) != fingerprint(np.array([1, 0], dtype=np.uint8))
    nan = pd.Series([1.0, np.nan])
    assert fingerprint(nan) == fingerprint(pd.Series([1.0, float("nan")]))
    assert fingerprint(nan) != fingerprint(pd.Series([1.0, 2.0]))


def test_string_boundaries_are_length_prefixed():
    for dtype in (None, "string", "object"):
        assert fingerprint(pd.Series(["ab", "c"], dtype=dtype)) != fingerprint(
            pd.Series(["a", "bc"], dtype=dtype))
        assert fingerprint(pd.Series(["", "x"], dtype=dtype)) != fingerprint(
            pd.Series(["x", ""], dtype=dtype))
    assert fingerprint(np.array(["ab", "c"], dtype=object)) != fingerprint(
        np.array(["a", "bc"], dtype=object))


def test_string_storage_and_na_semantics():
    values = ["ab", "ç€", None, "x"]
    default = pd.Series(values)  # pandas 3: "str", pyarrow-backed when available
    python = pd.Series(values, dtype=pd.StringDtype("python", na_value=np.nan))
    assert str(default.dtype) == "str"
    assert fingerprint(default) == fingerprint(python)
    nullable_arrow = pd.Series(values, dtype=pd.StringDtype("pyarrow"))
    nullable_python = pd.Series(values, dtype=pd.StringDtype("python"))
    assert fingerprint(nullable_arrow) == fingerprint(nullable_python)
    assert fingerprint(nullable_arrow) != fingerprint(default)  # NA vs NaN semantics differ
    assert fingerprint(default) != fingerprint(pd.Series(values, dtype=object))
    assert fingerprint(default) != fingerprint(pd.Series(["ab", "ç€", "", "x"]))
    assert fingerprint(default) != fingerprint(pd.Series(["ab", "ç€", None, "y"]))


def test_arrow_slice_offsets_chunks_and_null_garbage_do_not_matter():
    whole = pd.Series(["zz", "a", "bb", None, "ccc", "d"], dtype="string[pyarrow]")
    sliced = whole.iloc[1:].reset_index(drop=True)
    assert sliced.array._pa_array.chunk(0).offset == 1
    fresh = pd.Series(["a", "bb", None, "ccc", "d"], dtype="string[pyarrow]")
    assert fingerprint(sliced) == fingerprint(fresh)

    chunked = pa.chunked_array([["a", "bb"], [None, "ccc", "d"]])
    assert fingerprint(pd.Series(pd.arrays.ArrowStringArray(chunked))) == fingerprint(fresh)
    large = pa.array(["a", "bb", None, "ccc", "d"], type=pa.large_string())
    assert fingerprint(pd.Series(pd.arrays.ArrowStringArray(large))) == fingerprint(fresh)

    # A null slot that still covers bytes ("junk") hashes like an empty one.
    offsets = pa.array([0, 1, 3, 7, 10, 11], type=pa.int32())
    data = pa.py_buffer(b"abbjunkcccd")
    validity = pa.array([True, True, False, True, True]).buffers()[1]
    garbage = pa.StringArray.from_buffers(5, offsets.buffers()[1], data, validity, null_count=1)
    assert garbage.to_pylist() == ["a", "bb", None, "ccc", "d"]
    assert fingerprint(pd.Series(pd.arrays.ArrowStringArray(garbage))) == fingerprint(fresh)


def test_arrow_dtype_strings_and_other_arrow_types():
    s = pd.Series(["a", "bb", None], dtype=pd.ArrowDtype(pa.string()))
    assert fingerprint(s) == fingerprint(pd.Series(["a", "bb", None],
                                                   dtype=pd.ArrowDtype(pa.string())))
    assert fingerprint(s) != fingerprint(pd.Series(["a", "b", None],
                                                   dtype=pd.ArrowDtype(pa.string())))
    ints = pd.Series([1, None, 3], dtype=pd.ArrowDtype(pa.int64()))
    assert fingerprint(ints) != fingerprint(pd.Series([1, None, 4],
                                                      dtype=pd.ArrowDtype(pa.int64())))


def test_object_columns_with_missing_and_mixed_values():
    def obj(values):
        return pd.Series(values, dtype=object)

    assert fingerprint(obj(["a", None, "b"])) == fingerprint(obj(["a", np.nan, "b"]))
    assert fingerprint(obj(["a", None, "b"])) != fingerprint(obj(["a", "", "b"]))
    assert fingerprint(obj(["a", None, "b"])) != fingerprint(obj(["a", "b", None]))
    assert fingerprint(obj([1, "1"])) != fingerprint(obj(["1", "1"]))
    assert fingerprint(obj([1, 2.0, "x"])) != fingerprint(obj([1.0, 2, "x"]))
    assert fingerprint(obj([True, 1])) != fingerprint(obj([1, 1]))
    assert fingerprint(obj([(1, 2), {"k": 1}])) == fingerprint(obj([(1, 2), {"k": 1}]))
    assert fingerprint(obj([(1, 2), {"k": 1}])) != fingerprint(obj([(1, 2), {"k": 2}]))
    assert fingerprint(obj([b"ab", b"c"])) != fingerprint(obj([b"a", b"bc"]))
    assert fingerprint(obj(["é", "x"])) != fingerprint(obj(["e", "x"]))


def test_object_array_without_pandas_matches_semantics():
    code = (
        "import numpy as np, sys\n"
        "from jupyter_mlops.capture.datasets import fingerprint\n"
        "print(fingerprint(np.array(['a', None, float('nan'), 'b'], dtype=object)))\n"
        "print('pandas' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out[1] == "False"
    assert out[0] == fingerprint(np.array(["a", np.nan, None, "b"], dtype=object))


def test_categorical_hashes_categories_and_codes():
    cat = pd.Series(pd.Categorical(["a", "b", "a"]))
    assert fingerprint(cat) == fingerprint(pd.Series(pd.Categorical(["a", "b", "a"])))
    assert fingerprint(cat) != fingerprint(pd.Series(pd.Categorical(["a", "b", "b"])))
    reordered = pd.Series(pd.Categorical(["a", "b", "a"], categories=["b", "a"]))
    assert fingerprint(cat) != fingerprint(reordered)
    extra = pd.Series(pd.Categorical(["a", "b", "a"], categories=["a", "b", "c"]))
    assert fingerprint(cat) != fingerprint(extra)
    ordered = pd.Series(pd.Categorical(["a", "b", "a"], ordered=True))
    assert fingerprint(cat) != fingerprint(ordered)
    assert fingerprint(cat) != fingerprint(pd.Series(["a", "b", "a"]))
    with_missing = pd.Series(pd.Categorical(["a", None, "a"]))
    assert fingerprint(with_missing) != fingerprint(cat)


def test_datetimes_with_timezones_and_timedeltas():
    naive = pd.Series(pd.date_range("2024-01-01", periods=3, freq="h"))
    utc = naive.dt.tz_localize("UTC")
    paris = utc.dt.tz_convert("Europe/Paris")
    assert fingerprint(naive) == fingerprint(pd.Series(pd.date_range("2024-01-01", periods=3,
                                                                     freq="h")))
    assert len({fingerprint(naive), fingerprint(utc), fingerprint(paris)}) == 3
    assert fingerprint(naive) != fingerprint(naive.dt.as_unit("ns"))
    shifted = naive.copy()
    shifted.iloc[2] += pd.Timedelta("1s")
    assert fingerprint(naive) != fingerprint(shifted)
    with_nat = naive.copy()
    with_nat.iloc[1] = pd.NaT
    assert fingerprint(with_nat) != fingerprint(naive)
    deltas = naive - naive.iloc[0]
    assert fingerprint(deltas) != fingerprint(deltas * 2)
    periods = pd.Series(pd.period_range("2024-01", periods=3, freq="M"))
    assert fingerprint(periods) != fingerprint(pd.Series(pd.period_range("2024-01", periods=3,
                                                                         freq="D")))
    raw = np.array(["2024-01-01", "NaT"], dtype="datetime64[s]")
    assert fingerprint(raw) != fingerprint(raw.astype("datetime64[ms]"))


@pytest.mark.parametrize(("dtype", "values", "garbage"), [
    ("Int64", [1, None, 3], 99),
    ("Float64", [1.5, None, 3.0], 99.0),
    ("boolean", [True, None, False], True),
])
def test_nullable_arrays_ignore_the_value_under_the_mask(dtype, values, garbage):
    series = pd.Series(values, dtype=dtype)
    tampered = series.copy()
    tampered.array._data[1] = garbage
    assert tampered.isna().iloc[1]
    assert fingerprint(series) == fingerprint(tampered)
    changed = series.copy()
    changed.iloc[1] = values[0]
    assert fingerprint(series) != fingerprint(changed)
    assert fingerprint(pd.Series(values, dtype=dtype).fillna(values[0])) == fingerprint(changed)
    assert fingerprint(series) != fingerprint(series.astype(object))


def test_nullable_int_differs_from_numpy_int():
    assert fingerprint(pd.Series([1, 2], dtype="Int64")) != fingerprint(pd.Series([1, 2]))


def test_range_index_is_hashed_without_materialising_and_normalised():
    huge = pd.Series([0.0], index=pd.RangeIndex(10**15, 10**15 + 1))
    assert fingerprint(huge) != fingerprint(pd.Series([0.0]))
    a = pd.DataFrame({"x": [1, 2]}, index=pd.RangeIndex(0, 4, 2))
    b = pd.DataFrame({"x": [1, 2]}, index=pd.RangeIndex(0, 3, 2))  # same values 0, 2
    assert fingerprint(a) == fingerprint(b)
    assert fingerprint(a) != fingerprint(pd.DataFrame({"x": [1, 2]},
                                                      index=pd.RangeIndex(0, 6, 3)))
    empty_a = pd.DataFrame({"x": []}, index=pd.RangeIndex(0, 0))
    empty_b = pd.DataFrame({"x": []}, index=pd.RangeIndex(5, 5))
    assert fingerprint(empty_a) == fingerprint(empty_b)


def test_multiindex_uses_level_values_not_unused_levels():
    index = pd.MultiIndex.from_product([["a", "b"], [1, 2]], names=["k", "n"])
    df = pd.DataFrame({"v": [1.0, 2.0, 3.0, 4.0]}, index=index)
    head = df.iloc[:2]  # keeps level "b" around, unused
    rebuilt = pd.DataFrame({"v": [1.0, 2.0]},
                           index=pd.MultiIndex.from_arrays([["a", "a"], [1, 2]],
                                                           names=["k", "n"]))
    assert fingerprint(head) == fingerprint(rebuilt)
    assert fingerprint(df) != fingerprint(df.rename_axis(["k", "m"]))
    assert fingerprint(df) != fingerprint(df.swaplevel().sort_index())
    columns = pd.DataFrame([[1, 2]], columns=pd.MultiIndex.from_tuples([("a", "x"), ("a", "y")]))
    renamed = pd.DataFrame([[1, 2]], columns=pd.MultiIndex.from_tuples([("a", "x"), ("b", "y")]))
    assert fingerprint(columns) != fingerprint(renamed)


def test_duplicate_column_names_and_empty_frames():
    dup = pd.DataFrame([[1, 2]], columns=["a", "a"])
    assert fingerprint(dup) != fingerprint(pd.DataFrame([[2, 1]], columns=["a", "a"]))
    assert fingerprint(pd.DataFrame()) != fingerprint(pd.DataFrame({"a": []}))
    assert fingerprint(pd.DataFrame({"a": []})) == fingerprint(pd.DataFrame({"a": []}))


def test_describe_frame_schema_shape_and_profile_are_json_ready():
    df = pd.DataFrame({
        "x": np.arange(100, dtype=float),
        "n": pd.array([1, None, 3] + [4] * 97, dtype="Int64"),
        "flag": [True, False] * 50,
        "city": ["Paris"] * 60 + ["Rome"] * 30 + [None] * 10,
        "cat": pd.Categorical(["a", "b"] * 50),
        "when": pd.date_range("2024-01-01", periods=100, freq="D", tz="UTC"),
        "mixed": pd.Series([[1], "a", 2] * 33 + [None], dtype=object),
    })
    df.loc[5, "x"] = np.nan
    df.loc[6, "x"] = np.inf
    info = describe(df)
    json.dumps(info, allow_nan=False)
    assert info["fingerprint"] == fingerprint(df)
    assert info["shape"] == [100, 7]
    assert info["schema"][0] == {"name": "x", "dtype": "float64"}
    assert [c["dtype"] for c in info["schema"]][1:5] == ["Int64", "bool", "str", "category"]

    x = info["profile"]["x"]
    assert (x["count"], x["nulls"], x["infinite"]) == (99, 1, 1)
    assert x["min"] == 0.0 and x["max"] == 99.0
    finite = df["x"][np.isfinite(df["x"])]
    assert x["mean"] == pytest.approx(finite.mean())
    assert x["std"] == pytest.approx(finite.std())
    assert len(x["histogram"]["edges"]) == 11 and sum(x["histogram"]["counts"]) == 98
    assert x["quantiles"]["0.5"] == pytest.approx(finite.median())

    n = info["profile"]["n"]
    assert (n["count"], n["nulls"], n["min"], n["max"]) == (99, 1, 1.0, 4.0)
    city = info["profile"]["city"]
    assert city["nulls"] == 10 and city["distinct"] == 2
    assert city["top"][0] == {"value": "Paris", "count": 60}
    assert info["profile"]["flag"]["top"] == [{"value": True, "count": 50},
                                              {"value": False, "count": 50}]
    assert info["profile"]["cat"]["distinct"] == 2
    assert info["profile"]["when"]["min"].startswith("2024-01-01")
    assert info["profile"]["mixed"]["distinct"] == 3


def as_pandas_names_them(frame):
    return [{"name": str(n), "dtype": str(d)} for n, d in frame.dtypes.items()]


def test_schema_names_every_column_dtype_as_pandas_does_and_follows_changes():
    df = pd.DataFrame({
        "f": np.arange(3, dtype="float32"), "i": pd.array([1, None, 3], dtype="Int8"),
        "s": ["a", "b", None], "o": pd.Series(["a", 1, None], dtype=object),
        "c": pd.Categorical(["x", "y", "x"], ordered=True),
        "t": pd.date_range("2024-01-01", periods=3, tz="Europe/Paris"),
        "d": pd.to_timedelta([1, 2, 3], unit="s"), "p": pd.period_range("2024", periods=3),
        "u": np.array(["ab", "c", ""], dtype="U2").astype(object), 0: [True, False, True],
    })
    df.insert(3, "f", np.zeros(3, dtype=">f8"), allow_duplicates=True)
    assert schema(df)["schema"] == as_pandas_names_them(df)
    assert schema(df)["shape"] == [3, 11]
    df["f"] = "now text"  # the schema of the same frame follows its dtypes
    df[0] = df[0].astype("int16")
    assert schema(df)["schema"] == as_pandas_names_them(df)
    assert [c["dtype"] for c in schema(df)["schema"]][:2] == ["str", "Int8"]
    many = [np.dtype(f"U{n}") for n in range(1, 600)]  # more numpy dtypes than are remembered
    assert [c["dtype"] for c in schema(pd.DataFrame({i: np.array(["x"], dtype=d)
                                                    for i, d in enumerate(many)}))["schema"]
            ] == ["str"] * len(many)
    for dtype in many:
        assert schema(np.zeros(2, dtype=dtype))["schema"] == [{"name": "value",
                                                               "dtype": str(dtype)}]


def test_describe_caps_top_values_at_ten():
    info = describe(pd.Series([f"v{i}" for i in range(50)] + ["v0"], name="s"))
    profile = info["profile"]["s"]
    assert profile["distinct"] == 50 and len(profile["top"]) == 10
    assert profile["top"][0] == {"value": "v0", "count": 2}


def test_describe_numpy_arrays_and_series_naming():
    arr = np.arange(12.0).reshape(4, 3)
    info = describe(arr)
    assert [c["name"] for c in info["schema"]] == ["0", "1", "2"]
    assert info["shape"] == [4, 3] and info["profile"]["2"]["max"] == 11.0
    one = describe(np.array([1, 2, 3]))
    assert list(one["profile"]) == ["value"] and one["profile"]["value"]["mean"] == 2.0
    assert list(describe(pd.Series([1.0], name="price"))["profile"]) == ["price"]
    assert list(describe(pd.Series([1.0]))["profile"]) == ["value"]


def test_describe_degenerate_columns():
    info = describe(pd.DataFrame({"empty": pd.Series([], dtype=float),
                                  "same": pd.Series([], dtype=float)}))
    assert info["profile"]["empty"]["min"] is None
    const = describe(pd.Series([3.0, 3.0, np.nan], name="c"))["profile"]["c"]
    assert const["std"] == 0.0 and sum(const["histogram"]["counts"]) == 2
    dup = describe(pd.DataFrame([[1, 2]], columns=["a", "a"]))
    assert list(dup["profile"]) == ["a", "a (1)"]


def test_a_large_column_is_profiled_from_a_bounded_sample_with_exact_counts():
    values = np.random.default_rng(3).normal(size=3_000_001)
    values[::10] = np.nan
    profile = describe(pd.Series(values, name="x"))["profile"]["x"]
    present = values[~np.isnan(values)]
    assert profile["nulls"] == 300_001 and profile["count"] == len(present)  # exact
    assert profile["sample"] == PROFILE_ROWS
    assert sum(profile["histogram"]["counts"]) == pytest.approx(0.9 * PROFILE_ROWS, rel=0.01)
    exact = np.quantile(present, [0.05, 0.5, 0.95])
    got = [profile["quantiles"][q] for q in ("0.05", "0.5", "0.95")]
    # 0.5 / sqrt(PROFILE_ROWS) in rank is ~0.004 sd near the median of a normal
    assert got == pytest.approx(exact, abs=0.02)
    assert profile["mean"] == pytest.approx(present.mean(), abs=0.02)


def test_many_columns_at_once_match_numpy_column_by_column():
    rng = np.random.default_rng(5)
    matrix = rng.standard_normal((300, 40))
    matrix[rng.random(matrix.shape) < 0.1] = np.nan
    matrix[:, 3] = 7.0  # constant
    matrix[:, 4] = np.nan  # nothing present
    matrix[::5, 5] = np.inf
    profile = describe(matrix)["profile"]
    for j in range(40):
        column = matrix[:, j]
        finite = column[np.isfinite(column)]
        p = profile[str(j)]
        assert p["nulls"] == int(np.isnan(column).sum()) and p["infinite"] == int(
            np.isinf(column).sum())
        if not len(finite):
            assert p["histogram"] is None and p["quantiles"] is None
            continue
        counts, edges = np.histogram(finite, bins=10)
        assert p["histogram"] == {"edges": edges.tolist(), "counts": counts.tolist()}
        assert list(p["quantiles"].values()) == np.quantile(
            finite, [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99]).tolist()
        assert (p["min"], p["max"]) == (finite.min(), finite.max())
        assert p["mean"] == pytest.approx(finite.mean())


@pytest.mark.parametrize("dtype", ["str", "string[python]", "string[pyarrow]", object,
                                   pd.ArrowDtype(pa.large_string()),
                                   pd.ArrowDtype(pa.string_view())])
def test_long_string_columns_see_one_character_a_moved_null_and_a_slice(dtype):
    values = [f"user_{i}" for i in range(200_000)]  # past the 65,536-value blocks
    values[70_000] = None
    base = pd.Series(values, dtype=dtype)
    assert fingerprint(base) == fingerprint(pd.Series(list(values), dtype=dtype))
    changed = list(values)
    changed[150_000] = "user_150001"  # was "user_150000": one character
    assert fingerprint(pd.Series(changed, dtype=dtype)) != fingerprint(base)
    moved = list(values)
    moved[70_000], moved[70_001] = moved[70_001], None
    assert fingerprint(pd.Series(moved, dtype=dtype)) != fingerprint(base)
    sliced = base.iloc[65_000:140_000]
    assert fingerprint(sliced) == fingerprint(pd.Series(values[65_000:140_000], dtype=dtype,
                                                        index=sliced.index))
    assert fingerprint(sliced) != fingerprint(base.iloc[65_001:140_001].set_axis(sliced.index))


def test_object_bytes_are_not_strings():
    def obj(values):
        return pd.Series(values, dtype=object)

    assert fingerprint(obj([b"ab", b"c"])) != fingerprint(obj(["ab", "c"]))
    assert fingerprint(obj(["ab", b"c"])) != fingerprint(obj(["ab", "c"]))
    assert fingerprint(obj([b"ab", None])) != fingerprint(obj(["ab", None]))


def test_arrow_nulls_covering_bytes_hash_like_empty_ones_even_when_all_are_null():
    offsets = pa.array([0, 3, 7], type=pa.int32()).buffers()[1]
    validity = pa.array([False, False]).buffers()[1]
    junk = pa.StringArray.from_buffers(2, offsets, pa.py_buffer(b"junkjunk"), validity,
                                       null_count=2)
    clean = pa.array([None, None], type=pa.string())
    assert fingerprint(pd.Series(pd.arrays.ArrowStringArray(junk))) == fingerprint(
        pd.Series(pd.arrays.ArrowStringArray(clean)))


def test_sampled_columns_of_every_numeric_kind_keep_exact_counts():
    rows = 3 * PROFILE_ROWS
    rng = np.random.default_rng(7)
    floats = rng.normal(size=rows)
    floats[::7] = np.inf
    nullable = pd.array(rng.integers(0, 5, rows), dtype="Int64")
    nullable[::4] = pd.NA
    frame = pd.DataFrame({"f": floats, "n": nullable, "i": rng.integers(0, 9, rows),
                          "f32": rng.random(rows).astype(np.float32),
                          "gone": np.full(rows, np.nan), "same": np.full(rows, 2.0),
                          "s": pd.Series(rng.choice(["x", "y"], rows), dtype=object)})
    profile = describe(frame)["profile"]
    assert (profile["f"]["infinite"], profile["f"]["nulls"]) == (len(floats[::7]), 0)
    assert profile["n"]["nulls"] == len(nullable[::4])
    assert profile["n"]["count"] == rows - len(nullable[::4])
    assert (profile["i"]["min"], profile["i"]["max"]) == (0.0, 8.0)
    assert profile["f32"]["nulls"] == 0 and 0 <= profile["f32"]["min"] < 0.01
    assert profile["gone"]["nulls"] == rows and profile["gone"]["histogram"] is None
    assert profile["same"]["std"] == 0.0 and profile["same"]["quantiles"]["0.5"] == 2.0
    assert profile["s"]["nulls"] == 0 and profile["s"]["distinct"] == 2
    assert all(p["sample"] == PROFILE_ROWS for p in profile.values())
    sampled = profile["f"]["histogram"]["counts"]
    assert sum(sampled) == pytest.approx(PROFILE_ROWS * 6 / 7, rel=0.02)
    json.dumps(profile, allow_nan=False)
