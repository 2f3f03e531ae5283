"""The spool: an append-only journal of every record a tracked kernel has not yet stored.

Each record passes ``redact_value`` (the redaction boundary: the journal is written to disk
too), then is one JSON line, written before it is queued for the store, so it survives the
kernel being killed (the bytes are in the OS page cache); the records a cell hook makes are
redacted and encoded as they are made (``prepare``) and written together, with a single
``write(2)``, before the hook returns. The write
keeps the GIL (``_write_keeping_gil``): ``os.write`` releases it, and in a kernel that hands
the GIL to ipykernel's IOPub thread in the middle of the cell's hooks (about 100 µs a record,
measured), while a write into the page cache takes about 1 µs. While the
store cannot be written the journal is also fsync'd, so it survives the machine too. After a
batch is stored, an ``{"applied": N, "done": [...]}`` line marks records 1…N and the listed
later ones as done (records made by background tasks are numbered when the task runs, so
what is stored is not always a prefix), and the file is emptied whenever everything in it
is stored. When the disk is full, lines are kept in memory (up to ``MAX_HELD_BYTES``) and
written as soon as the disk takes them again.

One journal per session, in ``<jupyter data dir>/mlops-spool/<store key>/<session>.jsonl``,
held under an exclusive ``flock`` while its kernel lives (and closed in forked children, so
that a joblib or multiprocessing worker that outlives its kernel does not keep it locked):
a journal nobody holds belongs to a session that ended or died, and the next session on the
same store replays and removes it. Replaying is idempotent: every record carries the ids its
kernel chose. A journal that names the database it was written for (``{"store": …}``) is
replayed only into that database, never into another one created at the same path.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import json
import os
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

import xxhash

from ..redact import redact_value


def spool_directory(store_url: str) -> str:
    from jupyter_core.paths import jupyter_data_dir

    key = xxhash.xxh3_64_hexdigest(store_url.encode())
    return os.path.join(jupyter_data_dir(), "mlops-spool", key)


MAX_HELD_BYTES = 64 << 20
_open_journals: weakref.WeakSet[Journal] = weakref.WeakSet()


class Journal:
    """The journal of one live session (not thread-safe for ``open``/``close``)."""

    def __init__(self, directory: str, session_id: str):
        os.makedirs(directory, mode=0o700, exist_ok=True)
        self.path = os.path.join(directory, f"{session_id}.jsonl")
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self._lock = threading.Lock()
        self.written = 0  # records appended since the file was last emptied
        self.applied = 0  # records 1…applied are stored
        self._done: set[int] = set()  # stored records above ``applied``
        self._held: list[bytes] = []  # bytes the disk refused (full), oldest first
        self.held_bytes = 0
        self.disk_error: OSError | None = None  # why bytes are held, while they are
        self.dropped = 0  # records refused because the memory bound was reached
        self.store_identity: str | None = None
        _open_journals.add(self)

    def append(self, record: dict[str, Any]) -> dict[str, Any] | None:
        """Redact and write one record; returns it numbered (numbers restart when the file
        empties), or None if the disk is full and the memory bound reached (dropped)."""
        return self.append_all([record])[0]

    def append_all(self, records: list[dict[str, Any]]) -> list[dict[str, Any] | None]:
        """``append`` for several records, numbered in order and written with one
        ``write(2)`` (a cell hook's records: one system call, not one per record)."""
        return self.append_prepared([prepare(record) for record in records])

    def append_prepared(self, prepared: list[Prepared]) -> list[dict[str, Any] | None]:
        """``append_all`` for records ``prepare`` has redacted and encoded already."""
        if not prepared:
            return []
        with self._lock:
            if self.held_bytes > MAX_HELD_BYTES:
                self.dropped += len(prepared)
                return [None] * len(prepared)
            lines = []
            if self.written == 0 and self.store_identity:
                lines.append(_line({"store": self.store_identity}))
            records = []
            for record, line in prepared:
                self.written += 1
                record["n"] = self.written
                lines.append(b'%s,"n":%d}\n' % (line[:-2], self.written))  # n: the last key
                records.append(record)
            self._write(b"".join(lines))
            return records

    def bind_store(self, identity: str | None) -> None:
        """Name the database these records belong to (see ``pending``)."""
        with self._lock:
            if identity and identity != self.store_identity:
                self.store_identity = identity
                self._write(_line({"store": identity}))

    def mark_applied(self, numbers: list[int]) -> None:
        """These records are stored; empty the file if that is all of them."""
        with self._lock:
            self._done.update(n for n in numbers if n > self.applied)
            while self.applied + 1 in self._done:
                self.applied += 1
                self._done.discard(self.applied)
            if self.applied >= self.written and self._truncate():
                self.written = self.applied = self.held_bytes = 0
                self._held, self._done, self.disk_error = [], set(), None
            else:
                self._write(_line({"applied": self.applied, "done": sorted(self._done)}))

    def _truncate(self) -> bool:
        try:
            os.ftruncate(self._fd, 0)
        except OSError:
            return False
        return True

    def flush_held(self) -> bool:
        """Write what the disk refused before; True if nothing is held any more."""
        with self._lock:
            self._write(b"")
            return not self._held

    def _write(self, data: bytes) -> None:
        """Append ``data`` after what is held; keep whatever the disk refuses. A short write
        keeps its remainder, so a line is never torn by a full disk."""
        if data:
            self._held.append(data)
            self.held_bytes += len(data)
        while self._held:
            chunk = self._held[0]
            try:
                written = _write_keeping_gil(self._fd, chunk)
            except OSError as e:
                self.disk_error = e
                return
            self.held_bytes -= written
            if written < len(chunk):
                self._held[0] = chunk[written:]
            else:
                self._held.pop(0)
        self.disk_error = None

    def sync(self) -> None:
        os.fsync(self._fd)

    def close(self, remove: bool) -> None:
        if self._fd < 0:
            return
        if remove:
            with contextlib.suppress(OSError):
                os.unlink(self.path)
        else:
            self.flush_held()
        os.close(self._fd)
        self._fd = -1

    def _close_in_child(self) -> None:
        """After fork: the child's copy of the descriptor must not keep the lock alive."""
        if self._fd >= 0:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = -1


_libc = ctypes.PyDLL(None, use_errno=True)  # PyDLL: calls keep the GIL
_libc.write.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t)
_libc.write.restype = ctypes.c_ssize_t


def _write_keeping_gil(fd: int, data: bytes) -> int:
    """``os.write`` without releasing the GIL (see the module docstring); retried when a
    signal interrupts it, as ``os.write`` is (PEP 475)."""
    while (written := _libc.write(fd, data, len(data))) < 0:
        code = ctypes.get_errno()
        if code != errno.EINTR:
            raise OSError(code, os.strerror(code))
    return written


# json.dumps' compact encoding, with its C encoder built once: ``JSONEncoder.encode`` builds
# one per line, a third of a line's cost. Records are trees (no circular check).
_ENCODE = json.encoder.c_make_encoder(
    None, json.JSONEncoder().default, json.encoder.encode_basestring_ascii, None, ":", ",",
    False, False, True)


def _line(record: dict[str, Any]) -> bytes:
    return ("".join(_ENCODE(record, 0)) + "\n").encode()


Prepared = tuple[dict[str, Any], bytes]


def prepare(record: dict[str, Any]) -> Prepared:
    """The record redacted, and its journal line without its number (``append_prepared``
    adds it): a cell hook prepares each record as it is made, while the caches are still
    warm, rather than all at the end, after a 100 MiB fingerprint has evicted them."""
    record = redact_value(record)
    return record, _line(record)


def _close_journals_in_child() -> None:
    for journal in list(_open_journals):
        journal._close_in_child()


os.register_at_fork(after_in_child=_close_journals_in_child)


def pending(path: str, store_identity: str | None = None) -> list[dict[str, Any]] | None:
    """The records of a journal file not yet marked applied (a torn line is skipped); None
    if the journal belongs to another database than ``store_identity``."""
    records, applied, done = [], 0, set()
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if not isinstance(record, dict):
                continue
            if "store" in record:
                if store_identity and record["store"] != store_identity:
                    return None
            elif "applied" in record:
                applied = max(applied, record["applied"])
                done.update(record.get("done", ()))
            else:
                records.append(record)
    return [r for r in records if r.get("n", 0) > applied and r.get("n") not in done]


def _just_created(path: str) -> bool:
    """An empty journal younger than a minute may not be locked by its new owner yet."""
    try:
        stat = os.stat(path)
    except OSError:
        return True
    return stat.st_size == 0 and time.time() - stat.st_mtime < 60


def replay_orphans(directory: str, store_identity: str | None,
                   write: Callable[[list[dict[str, Any]]], None]) -> int:
    """Hand the pending records of every journal in ``directory`` that no live session holds
    to ``write`` (which raises if the store cannot take them: the journal stays), then remove
    the journal. Journals of another database are left alone. Returns how many records."""
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return 0
    count = 0
    for name in names:
        path = os.path.join(directory, name)
        if not name.endswith(".jsonl") or _just_created(path):
            continue
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            records = pending(path, store_identity)
            if records is None:
                continue
            write(records)
            count += len(records)
            os.unlink(path)
        except BlockingIOError:
            continue  # a live session holds it
        finally:
            os.close(fd)
    return count
