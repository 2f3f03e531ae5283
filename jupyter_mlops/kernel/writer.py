"""The background writer: applies records to the store off the cell's critical path.

Every record is first appended to the session's journal (see spool.py), then queued. The
writer thread drains the queue in batches. When the store cannot be written (unreachable,
read-only, full), records stay in order in memory and in the fsync'd journal, the user is
told once, and writing resumes at the next cell, ``%track status`` or flush; journals left
by sessions that ended during an outage are replayed by the next session on the store.
A store that is not a database, or that was moved or deleted under the session, is such an
outage too (the records stay spooled, never written into a new store at the same path). If
the spool's disk is full as well, the journal keeps the records in memory (bounded) until
the disk takes them. The thread survives anything a record or a task raises: a problem is
reported once, never as a traceback.

The writer shares the GIL with the user's code, so it yields to cells: each transaction and
each background task starts only once the kernel has been idle for ``QUIET_S`` (in a "Run
All" the work waits for a pause), unless the work has waited ``MAX_DEFER_S`` (so a long
cell, or a notebook run back to back by nbclient, is stored as it goes and not all at
shutdown), a flush is waiting, or ``MAX_DEFERRED`` records are. Deferring risks no
record: every record is in the journal before it is queued, and tasks only add what can be
worked out later (a dataset's profile, a classification report's numbers, a changed
environment).

Cells never wake the thread: waking it hands it the GIL in the middle of the kernel's reply.
The cell hooks only note the time; the thread, once it has work, looks every ``POLL_S``
while a cell runs. Only the first record after the queue ran dry, and a flush, wake it.
"""

from __future__ import annotations

import collections
import contextlib
import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import DBAPIError

from ..store import Store, StoreError
from ..store.liveness import HEARTBEAT_INTERVAL_S
from .apply import apply_unit, units
from .problems import Problems
from .spool import Journal, prepare, replay_orphans, spool_directory

# Errors that mean "the store cannot be written now", as opposed to a bad record.
OUTAGE = (StoreError, OSError)
LINGER_S = 0.05  # after an unexpected error, before the thread tries again
QUIET_S = 0.02
POLL_S = 0.05
MAX_DEFER_S = 2.0
MAX_DEFERRED = 20_000
Task = Callable[[Store | None], list[dict]]


class _Flush(threading.Event):
    ok = False


_STOP, _RETRY = object(), object()


class Writer:
    def __init__(self, journal: Journal, open_store: Callable[[], Store], spool_dir: str,
                 problems: Problems, heartbeat: dict, describe_store: str):
        self.journal = journal
        self._open_store = open_store
        self._spool_dir = spool_dir
        self._problems = problems
        self._heartbeat = heartbeat
        self._describe = describe_store
        self._queue: collections.deque[Any] = collections.deque()
        self._batch: list[dict] | None = None  # records of the open ``batch``
        self._batch_thread = 0
        self._wake = threading.Event()
        self._asleep = False  # waiting for the first record after the queue ran dry
        self._backlog: list[dict] = []
        self.store: Store | None = None
        self.down: str | None = None
        self._replayed = False
        self._cell_started: float | None = None  # monotonic time the running cell began
        self._idle_since = 0.0
        self._pass_started = 0.0  # when the writer took the records it is working on
        self._flush_lock = threading.Lock()
        self._flushes = 0  # flushes waiting: the writer does not yield to cells for them
        self._thread = threading.Thread(target=self._run, name="mlops-writer", daemon=True)
        self._thread.start()

    @property
    def waiting(self) -> int:
        """Records not yet in the store (as of the writer's last pass)."""
        return len(self._backlog)

    def submit(self, record: dict) -> None:
        if self._batching():
            self._batch.append(prepare(record))
        else:
            self._journal_and_queue([prepare(record)])

    def _journal_and_queue(self, items: list[Any]) -> None:
        """Journal the prepared records among ``items`` (one write), then queue every item
        in order: a task (a dataset's profile) after the record it completes."""
        numbered = iter(self.journal.append_prepared([i for i in items if type(i) is tuple]))
        self._check_journal()
        for item in items:
            if type(item) is tuple:
                item = next(numbered)
            if item is not None:
                self._put(item)

    def _batching(self) -> bool:
        return self._batch is not None and threading.get_ident() == self._batch_thread

    def begin_batch(self) -> None:
        """Records (and tasks) this thread submits until ``end_batch`` are journaled together
        then, one write for a cell hook's records (each redacted and encoded as it comes); a
        flush in between writes them first.
        (Two calls, not a context manager: its generator frames cost a cell hook.)"""
        self._batch, self._batch_thread = [], threading.get_ident()

    def end_batch(self) -> None:
        batch, self._batch = self._batch, None
        if batch:
            self._journal_and_queue(batch)

    def _put(self, item: Any) -> None:
        self._queue.append(item)
        # Woken once, not once per record of a cell (``Event.set`` takes a lock). The flag is
        # read after the append, and ``_sleep`` clears it before looking at the queue.
        if self._asleep and not self._wake.is_set():
            self._wake.set()

    def _check_journal(self) -> None:
        journal = self.journal
        if journal.disk_error is not None:
            self._problems.report(
                "spool-disk", f"the spool {journal.path} cannot be written; records are kept "
                "in memory until it can (up to 64 MB)", journal.disk_error)
        if journal.dropped:
            self._problems.report(
                "spool-dropped", "the spool's disk stayed full and its memory reserve is used "
                "up: records from now on are lost until space is freed")

    def submit_task(self, task: Task) -> None:
        """Heavy capture work (profiles, file hashes, environment) run on the writer thread;
        the records it returns are journaled and written like any other."""
        if self._batching():
            self._batch.append(task)
        else:
            self._put(task)

    def cell_started(self) -> None:
        self._cell_started = time.monotonic()

    def cell_ended(self) -> None:
        self._idle_since = time.monotonic()
        self._cell_started = None

    def retry(self) -> None:
        if self.down is not None:
            self._put(_RETRY)

    def flush(self, timeout: float = 30) -> bool:
        """Wait until everything submitted so far is stored; False if it could not be."""
        if self._batching():
            self.end_batch()
        marker = _Flush()
        with self._flush_lock:
            self._flushes += 1
        self._queue.append(marker)
        self._wake.set()
        try:
            return marker.wait(timeout) and marker.ok
        finally:
            with self._flush_lock:
                self._flushes -= 1

    def close(self, timeout: float = 10) -> bool:
        stored = self.flush(timeout)
        self._put(_STOP)
        self._wake.set()
        self._thread.join(timeout)
        self.journal.close(remove=stored and not self._backlog)
        return stored

    # --- the thread
    def _run(self) -> None:
        while True:
            try:
                if self._step():
                    return
            except Exception as e:  # the thread must outlive anything a record raises
                self._problems.report("writer", "the tracking writer hit an unexpected "
                                      "problem; records stay spooled", e)
                time.sleep(LINGER_S)

    def _step(self) -> bool:
        """One pass: take what is queued, run tasks, write; True when told to stop. Flushes
        waiting on this pass are answered whatever happens in it."""
        if not self._queue and not self._sleep():
            self._beat()
            return False
        items = []
        with contextlib.suppress(IndexError):
            while True:
                items.append(self._queue.popleft())
        self._pass_started = time.monotonic()
        flushes = [item for item in items if isinstance(item, _Flush)]
        try:
            for item in items:
                if isinstance(item, dict):
                    self._backlog.append(item)
                elif callable(item) and not isinstance(item, _Flush):
                    self._yield_to_cells()
                    self._run_task(item)
            self._drain()
        finally:
            for marker in flushes:
                marker.ok = not self._backlog
                marker.set()
        return any(item is _STOP for item in items)

    def _sleep(self) -> bool:
        """Wait for the first record (or a heartbeat's time); True if there is one."""
        self._asleep = True
        self._wake.clear()
        if not self._queue:  # checked after ``_asleep`` is set: no record slips by
            self._wake.wait(HEARTBEAT_INTERVAL_S)
        self._asleep = False
        return bool(self._queue)

    def _yield_to_cells(self) -> None:
        """Wait until the kernel has been idle for QUIET_S (see the module docstring)."""
        deadline = self._pass_started + MAX_DEFER_S
        while len(self._backlog) + len(self._queue) < MAX_DEFERRED:
            now = time.monotonic()
            if self._cell_started is None:
                wait = min(self._idle_since + QUIET_S, deadline) - now
            else:
                wait = min(POLL_S, deadline - now)
            self._wake.clear()
            if wait <= 0 or self._flushes:  # checked after the clear: a flush wakes us
                return
            self._wake.wait(wait)

    def _run_task(self, task: Task) -> None:
        try:
            records = task(None if self.down else self.store)
        except Exception as e:
            self._problems.report("capture-task", "part of a run could not be captured", e)
            return
        self._backlog.extend(r for r in self.journal.append_all(records) if r is not None)
        self._check_journal()

    def _beat(self) -> None:
        if self.store is not None and self.down is None:
            with contextlib.suppress(Exception):
                self.store.heartbeat(self._heartbeat["session_id"])

    def _drain(self) -> None:
        self.journal.flush_held()
        if not self._backlog:
            return
        try:
            if self.store is None:
                self.store = self._open_store()
                self.journal.bind_store(self.store.db.identity)
            if self.down is not None or not self._replayed:
                self._replay_orphans(self.store)
        except OUTAGE as e:
            self._outage(e)
            return
        # Each transaction is marked applied as soon as it commits: a kernel killed mid-batch
        # leaves only what was not stored for the replay.
        done, error = write_records(self.store, self._backlog, self._problems,
                                    lambda unit: self.journal.mark_applied([r["n"] for r in unit]),
                                    before_each=self._yield_to_cells)
        if done:
            self._backlog = self._backlog[done:]
        if error is not None:
            self._outage(error)
        elif self.down is not None:
            self.down = None
            self._problems.tell(f"the store is back; spooled records were written to "
                                f"{self._describe}.")

    def _replay_orphans(self, store: Store) -> None:
        """Journals of ended or dead sessions on this store: written, then removed."""

        def write(records: list[dict]) -> None:
            _, error = write_records(store, records, self._problems)
            if error is not None:
                raise error

        replay_orphans(self._spool_dir, store.db.identity, write)
        store.sweep_dead_sessions()
        self._replayed = True

    def _outage(self, error: BaseException) -> None:
        with contextlib.suppress(OSError):
            self.journal.sync()
        self.down = str(error)
        self._problems.report(
            "store", f"the store {self._describe} cannot be written; records are spooled to "
            f"{self.journal.path} and will be written when it is back", error)


def write_records(store: Store, records: list[dict], problems: Problems,
                  stored: Callable[[list[dict]], None] | None = None,
                  before_each: Callable[[], None] | None = None,
                  ) -> tuple[int, BaseException | None]:
    """Apply in order until an outage: (records done, the outage or None). A record the
    store refuses is reported and skipped; what follows an outage is kept. ``stored`` is
    told each transaction's records as soon as it commits; ``before_each`` is called before
    each transaction."""
    done = 0
    for unit in units(records):
        if before_each is not None:
            before_each()
        try:
            apply_unit(store, unit)
        except OUTAGE as e:
            return done, e
        except (DBAPIError, ValueError, LookupError, TypeError) as e:
            problems.report("bad-record", "a tracking record was refused by the store and "
                            "skipped", e)
        done += len(unit)
        if stored is not None:
            stored(unit)
    return done, None


def replay_spooled(store: Store) -> int:
    """Write what dead or ended tracked sessions left in the spool of ``store``: whoever
    opens the store next (the server, the CLI, a script, a kernel) does it, so a killed
    kernel's records do not wait for the next tracked session. Never raises: a store that
    cannot take them leaves the journals for the next opener. Returns how many records."""

    def write(records: list[dict]) -> None:
        _, error = write_records(store, records, problems)
        if error is not None:
            raise error

    problems = Problems()
    try:
        count = replay_orphans(spool_directory(str(store.location.url)), store.db.identity,
                               write)
        store.sweep_dead_sessions()
    except OUTAGE:
        return 0
    return count
