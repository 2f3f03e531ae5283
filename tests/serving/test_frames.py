"""The DataFrame a request is predicted on is the one pandas' own constructor gives for its
typed columns (the server builds it from blocks, faster): same dtypes, text as pandas infers
text, same column index, alone and joined with other requests; missing values still take
pandas' generic path."""

from __future__ import annotations

import pandas as pd
import pytest

from jupyter_mlops.serving.inputs import conform, frame_of

INPUTS = [{"name": n, "type": t} for n, t in [
    ("d", "double"), ("f", "float"), ("l", "long"), ("i", "integer"), ("b", "boolean"),
    ("s", "string"), ("d2", "double"), ("s2", "string")]]
ROWS = {"d": [1.5, -2.0], "f": [0.5, 1.0], "l": [3, 2**40], "i": [5, -6], "b": [True, False],
        "s": ["a", "é"], "d2": [9.0, 8.0], "s2": ["x", ""]}


def same_frame(got: pd.DataFrame, want: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(got, want, check_column_type=True, check_index_type=True)
    assert list(got.dtypes) == list(want.dtypes)
    assert got.columns.dtype == want.columns.dtype


def test_a_checked_request_gets_the_frame_pandas_builds():
    part = conform(ROWS, INPUTS)
    assert part.checked
    same_frame(frame_of([part]), pd.DataFrame(part.columns))
    assert frame_of([part])["s"].dtype == pd.DataFrame({"s": ["a"]})["s"].dtype  # str in 3


def test_joined_requests_get_the_stacked_frame():
    one, two = conform(ROWS, INPUTS), conform({k: v[:1] for k, v in ROWS.items()}, INPUTS)
    want = pd.concat([pd.DataFrame(one.columns), pd.DataFrame(two.columns)],
                     ignore_index=True)
    same_frame(frame_of([one, two]), want)


@pytest.mark.parametrize("column, value", [("d", None), ("d", float("nan")), ("s", None)])
def test_missing_values_take_the_generic_path(column, value):
    part = conform({**ROWS, column: [value, ROWS[column][1]]}, INPUTS)
    assert not part.checked
    same_frame(frame_of([part]), pd.DataFrame(part.columns))


@pytest.mark.parametrize("d", [[1.5, -2.0], [1.5, float("nan")]])  # fast and generic path
def test_a_model_that_writes_to_its_input_does_not_change_what_is_logged(d):
    part = conform({**ROWS, "d": d}, INPUTS)  # the prediction log records part.columns
    frame = frame_of([part])
    frame.loc[0, "d"] = 100.0
    frame.loc[1, "l"] = 0
    assert part.columns["d"][0] == 1.5
    assert part.columns["l"].tolist() == [3, 2**40]
