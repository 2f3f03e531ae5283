"""Coalescing concurrent requests into one ``predict`` call.

A scikit-learn pipeline spends almost all of a small ``predict`` on per-call work (column
selection, checks): 64 rows cost about what one row costs. So requests that arrive together
are predicted together and the answer is split back by rows. Each request was validated on
its own before it got here, and a batch the model refuses is predicted again request by
request, so a bad request fails alone. Only ``checked`` requests (typed by the signature,
no missing or non-finite value) are joined: their columns have one dtype each, so the joined
frame is theirs stacked. This assumes each row's prediction depends on that row alone, as
with scikit-learn estimators; ``--batch-wait-ms 0`` turns coalescing off.

Waiting is adaptive: a request is predicted at once unless a client was answered within the
last ``wait_s`` (a keep-alive client that sends again right away) and has not asked again
yet; then it waits for them, at most ``wait_s``. One client at a time never waits.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable
from typing import Any, NamedTuple

from .inputs import BadInput, Conformed, frame_of


class _Waiting(NamedTuple):
    served: Any
    part: Conformed
    future: asyncio.Future
    client: Any


class Batcher:
    """The requests waiting to be predicted together, on the event loop's thread."""

    def __init__(self, max_rows: int, wait_s: float,
                 on_call: Callable[[], None] = lambda: None):
        self.max_rows = max_rows
        self.wait_s = wait_s
        self._on_call = on_call
        self._pending: list[_Waiting] = []
        self._rows = 0
        self._timer: asyncio.TimerHandle | None = None
        self._answered: dict[Any, float] = {}  # client -> when its last answer was sent

    def predict(self, served: Any, part: Conformed, client: Any) -> asyncio.Future:
        """The predictions for ``part`` (or a ``BadInput`` 422), as a future of the running
        loop; done already when it was predicted at once. ``client`` names the connection."""
        future = asyncio.get_running_loop().create_future()
        waiting = _Waiting(served, part, future, client)
        if self.wait_s <= 0 or not part.checked:
            _settle([waiting], [self._alone(waiting)])
            return future
        self._answered.pop(client, None)
        if self._pending and (self._pending[0].served is not served
                              or self._rows + part.rows > self.max_rows):
            self.flush()
        self._pending.append(waiting)
        self._rows += part.rows
        if not self._expected():
            self.flush()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self.wait_s, self.flush)
        return future

    def answered(self, client: Any) -> None:
        """``client`` has its answer (it may send its next request at once)."""
        if self.wait_s > 0:
            self._answered[client] = time.monotonic()
            self._expected()  # forget the others' old answers: the map stays small

    def _expected(self) -> bool:
        """Whether a client answered moments ago may be about to ask again."""
        now = time.monotonic()
        for client, at in list(self._answered.items()):
            if now - at > self.wait_s:
                del self._answered[client]
        return bool(self._answered)

    def flush(self) -> None:
        """Predict what is waiting, in one call when it can."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        batch, self._pending, self._rows = self._pending, [], 0
        if not batch:
            return
        results = None
        if len(batch) > 1:
            try:
                results = self._together(batch)
            except Exception:  # the model refused one of them: find which, one at a time
                results = None
        if results is None:
            results = [self._alone(w) for w in batch]
        _settle(batch, results)

    def _together(self, batch: list[_Waiting]) -> list[Any] | None:
        import numpy as np

        parts = [w.part for w in batch]
        self._on_call()
        out = np.asarray(predict(batch[0].served.model, frame_of(parts), checked=True))
        if out.ndim == 0 or len(out) != sum(p.rows for p in parts):
            return None  # not one answer per row: cannot be split
        results, start = [], 0
        for p in parts:
            results.append(out[start:start + p.rows])
            start += p.rows
        return results

    def _alone(self, w: _Waiting) -> Any:
        self._on_call()
        try:
            return predict(w.served.model, frame_of([w.part]), w.part.checked)
        except Exception as e:  # the model refused these (validated) values
            return BadInput(422, "model", "the model could not predict on this input: "
                            f"{type(e).__name__}: {_first_line(e)}")


def _settle(batch: list[_Waiting], results: list[Any]) -> None:
    for w, result in zip(batch, results, strict=True):
        if w.future.done():
            continue
        if isinstance(result, BadInput):
            w.future.set_exception(result)
        else:
            w.future.set_result(result)


def predict(model: Any, frame: Any, checked: bool) -> Any:
    """``model.predict(frame)``; when every value was already found finite and present
    (``checked``), scikit-learn is told so and skips its own pass over the input, which
    could only pass (``assume_finite``: the answer is the same, found sooner)."""
    sklearn = sys.modules.get("sklearn")
    if not checked or sklearn is None:
        return model.predict(frame)
    with sklearn.config_context(assume_finite=True):
        return model.predict(frame)


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return (text[0] if text else "")[:300]
