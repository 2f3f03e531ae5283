"""REST answers and CLI output as JSON: NaN and infinities are null wherever they are, and
an answer without any is encoded unchanged."""

from __future__ import annotations

import json
import math

from jupyter_mlops.jsonout import dumps


def test_non_finite_numbers_become_null_at_any_depth():
    value = {"runs": [{"metrics": {"a": math.nan, "b": 1.5, "c": [math.inf, -math.inf]}}]}
    assert json.loads(dumps(value)) == {"runs": [{"metrics": {"a": None, "b": 1.5,
                                                              "c": [None, None]}}]}


def test_finite_answers_are_encoded_as_they_are():
    value = {"total": 3, "runs": [{"name": "r", "started": None, "x": 0.1, "n": [1, "2"]}]}
    assert dumps(value) == json.dumps(value) and dumps(value, indent=2) == json.dumps(
        value, indent=2)
