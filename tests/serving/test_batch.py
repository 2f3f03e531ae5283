"""Joining concurrent requests into one predict call: each request gets the answer it would
have got alone, one the model refuses fails alone, a lone client never waits (in process,
on a real scikit-learn pipeline; over HTTP: test_serving.py)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pandas as pd
import pytest
from sklearn.compose import make_column_transformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from jupyter_mlops.serving.batch import Batcher
from jupyter_mlops.serving.inputs import BadInput, conform

INPUTS = [{"name": "x", "type": "double"}, {"name": "plan", "type": "string"}]


@dataclass
class Counted:
    """A fitted pipeline that refuses unknown plans, counting its predict calls."""

    model: object
    calls: int = 0

    def predict(self, frame):
        self.calls += 1
        return self.model.predict(frame)


@pytest.fixture(scope="module")
def served():
    train = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0],
                          "plan": ["a", "b", "a", "b", "a", "b"]})
    model = make_pipeline(make_column_transformer(
        ("passthrough", ["x"]), (OneHotEncoder(handle_unknown="error"), ["plan"])),
        LogisticRegression()).fit(train, [0, 1, 0, 1, 1, 1])

    @dataclass
    class Served:
        model: Counted

    return Served(Counted(model))


def part(rows):
    return conform({"x": [r[0] for r in rows], "plan": [r[1] for r in rows]}, INPUTS)


def answer(future):
    try:
        return future.result().tolist()
    except BadInput as e:
        return e.status


def test_requests_waiting_together_share_one_call_and_get_their_own_rows(served):
    alone = {rows: served.model.model.predict(pd.DataFrame(list(rows), columns=["x", "plan"]))
             .tolist() for rows in [((0.0, "a"),), ((5.0, "b"), (4.0, "b")), ((1.0, "a"),)]}

    async def run():
        batcher = Batcher(max_rows=100, wait_s=5.0)
        first = batcher.predict(served, part([(9.0, "a")]), "A")
        assert first.done()  # nobody else was around: predicted at once, no wait
        batcher.answered("A")
        calls = served.model.calls
        # A was answered a moment ago: B and C wait for it, then all go in one call
        futures = {rows: batcher.predict(served, part(list(rows)), client)
                   for rows, client in zip(alone, "BCA", strict=True)}
        assert all(f.done() for f in futures.values())
        assert served.model.calls == calls + 1
        return {rows: answer(f) for rows, f in futures.items()}

    assert asyncio.run(run()) == alone


def test_a_request_the_model_refuses_fails_alone(served):
    async def run():
        batcher = Batcher(max_rows=100, wait_s=5.0)
        batcher.predict(served, part([(1.0, "a")]), "A")
        batcher.answered("A")
        good = batcher.predict(served, part([(0.0, "a")]), "B")
        bad = batcher.predict(served, part([(2.0, "unknown plan")]), "C")
        also_good = batcher.predict(served, part([(5.0, "b")]), "A")
        return [answer(f) for f in (good, bad, also_good)]

    expected = served.model.model.predict(pd.DataFrame({"x": [0.0, 5.0], "plan": ["a", "b"]}))
    assert asyncio.run(run()) == [[expected[0]], 422, [expected[1]]]


def test_the_wait_is_bounded_and_missing_values_are_predicted_alone(served):
    async def run():
        batcher = Batcher(max_rows=100, wait_s=0.05)
        batcher.predict(served, part([(1.0, "a")]), "A")
        batcher.answered("A")
        waiting = batcher.predict(served, part([(0.0, "a")]), "B")  # A never asks again
        assert not waiting.done()
        missing = batcher.predict(served, part([(None, "a")]), "C")  # NaN: not joined
        assert missing.done() and not waiting.done()
        await asyncio.wait_for(waiting, 2)
        return answer(waiting), missing.exception().status

    result, status = asyncio.run(run())
    assert result == served.model.model.predict(pd.DataFrame({"x": [0.0], "plan": ["a"]})
                                                ).tolist()
    assert status == 422  # LogisticRegression refuses NaN, and says so as a 422


def test_zero_wait_predicts_every_request_on_its_own(served):
    async def run():
        batcher = Batcher(max_rows=100, wait_s=0)
        calls = served.model.calls
        futures = [batcher.predict(served, part([(float(i), "a")]), c)
                   for i, c in enumerate("ABAB")]
        return all(f.done() for f in futures), served.model.calls - calls

    assert asyncio.run(run()) == (True, 4)
