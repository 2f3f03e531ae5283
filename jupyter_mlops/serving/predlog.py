"""The sampled prediction log: the monitor's view of what a model is served.

A request is logged with probability ``rate`` while the rows logged in the current minute
stay under ``cap``. The request thread only appends references (the conformed columns and
the predictions, never copied or encoded there) to a bounded queue; a daemon thread turns
them into JSON and writes them to the store in batches: a batch gathers for
``WRITE_EVERY_S`` unless ``BATCH`` entries are waiting already (a transaction per entry cost
the server more CPU than the predictions did and took the GIL from the request thread more
often). A full queue or a store that is away drops entries and counts them (``/metrics``):
the log never blocks or fails a request.
"""

from __future__ import annotations

import logging
import queue
import random
import threading
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger("jupyter_mlops.serving")

QUEUE_SIZE = 1000
BATCH = 200
WRITE_EVERY_S = 0.5
MAX_ROWS_PER_ENTRY = 1000


class PredictionLog:
    def __init__(self, open_store: Callable[[], Any], rate: float, cap: int,
                 on_drop: Callable[[int], None] = lambda n: None,
                 on_write: Callable[[int], None] = lambda n: None):
        self._open_store = open_store
        self.rate = rate
        self.cap = cap
        self._on_drop = on_drop
        self._on_write = on_write
        self._queue: queue.Queue = queue.Queue(QUEUE_SIZE)
        self._minute = 0
        self._rows_this_minute = 0
        self._warned = False
        self._thread = threading.Thread(target=self._run, name="prediction-log", daemon=True)
        self._thread.start()

    def offer(self, served: Any, part: Any, predictions: Any) -> None:
        """Maybe log one request (called on the request path: O(1), never raises)."""
        if self.rate <= 0 or (self.rate < 1 and random.random() >= self.rate):
            return
        minute = int(time.monotonic() // 60)
        if minute != self._minute:
            self._minute, self._rows_this_minute = minute, 0
        rows = min(part.rows, MAX_ROWS_PER_ENTRY)
        if self._rows_this_minute + rows > self.cap:
            return
        self._rows_this_minute += rows
        try:
            self._queue.put_nowait((served, part, predictions, int(time.time() * 1000)))
        except queue.Full:
            self._on_drop(1)

    def flush(self, timeout: float = 5.0) -> None:
        """Wait until what was offered so far is written (tests, shutdown)."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.01)

    def _run(self) -> None:
        store = None
        while True:
            items = [self._queue.get()]
            if self._queue.qsize() < BATCH:
                time.sleep(WRITE_EVERY_S)  # let the batch gather (no request waits for it)
            while len(items) < BATCH:
                try:
                    items.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                store = store or self._open_store()
                self._on_write(store.log_predictions([_entry(*item) for item in items]))
            except Exception as e:  # the store is away or refused: drop, say so once
                self._on_drop(len(items))
                if not self._warned:
                    self._warned = True
                    log.warning("prediction log: cannot write to the store (%s); entries are "
                                "dropped and counted in /metrics", e)
            finally:
                for _ in items:
                    self._queue.task_done()


def _entry(served: Any, part: Any, predictions: Any, at_ms: int) -> dict:
    """One logged request (``part``: the request's ``inputs.Conformed`` rows)."""
    import numpy as np

    rows = min(part.rows, MAX_ROWS_PER_ENTRY)
    columns = [values[:rows] for values in part.columns.values()]
    data = [[_plain(v) for v in row] for row in zip(*columns, strict=True)]
    outputs = np.asarray(predictions)[:rows].tolist()
    return {"name": served.name, "version": served.version, "checksum": served.checksum,
            "at_ms": at_ms, "rows": rows, "inputs": {"columns": [str(c) for c in part.columns],
                                                     "data": data},
            "outputs": outputs}


def _plain(value: Any) -> Any:
    item = getattr(value, "item", None)
    if item is not None:
        value = item()
    if isinstance(value, float) and value != value:
        return None
    return value
