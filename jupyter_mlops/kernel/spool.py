"""The spool: an append-only journal of every record a tracked kernel has not yet stored.

Each record is one JSON line, written with a single ``os.write`` before it is queued for the
store, so it survives the kernel being killed (the bytes are in the OS page cache). While the
store cannot be written the journal is also fsync'd, so it survives the machine too. After a
batch is stored, an ``{"applied": N}`` line marks records 1…N as done, and the file is
emptied whenever everything in it is stored.

One journal per session, in ``<jupyter data dir>/mlops-spool/<store key>/<session>.jsonl``,
held under an exclusive ``flock`` while its kernel lives: a journal nobody holds belongs to a
session that ended or died, and the next session on the same store replays and removes it.
Replaying is idempotent: every record carries the ids its kernel chose.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import threading
import time
from collections.abc import Iterator
from typing import Any

import xxhash


def spool_directory(store_url: str) -> str:
    from jupyter_core.paths import jupyter_data_dir

    key = xxhash.xxh3_64_hexdigest(store_url.encode())
    return os.path.join(jupyter_data_dir(), "mlops-spool", key)


class Journal:
    """The journal of one live session (not thread-safe for ``open``/``close``)."""

    def __init__(self, directory: str, session_id: str):
        os.makedirs(directory, mode=0o700, exist_ok=True)
        self.path = os.path.join(directory, f"{session_id}.jsonl")
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self._lock = threading.Lock()
        self.written = 0  # records appended since the file was last emptied
        self.applied = 0

    def append(self, record: dict[str, Any]) -> int:
        """Write one record and return its number (numbers restart when the file empties)."""
        with self._lock:
            self.written += 1
            record["n"] = self.written
            os.write(self._fd, (json.dumps(record, separators=(",", ":")) + "\n").encode())
            return self.written

    def mark_applied(self, number: int) -> None:
        """Records up to ``number`` are stored; empty the file if that is all of them."""
        with self._lock:
            self.applied = max(self.applied, number)
            if self.applied >= self.written:
                os.ftruncate(self._fd, 0)
                self.written = self.applied = 0
            else:
                os.write(self._fd, f'{{"applied":{self.applied}}}\n'.encode())

    def sync(self) -> None:
        os.fsync(self._fd)

    def close(self, remove: bool) -> None:
        if self._fd < 0:
            return
        if remove:
            with contextlib.suppress(OSError):
                os.unlink(self.path)
        os.close(self._fd)
        self._fd = -1


def pending(path: str) -> list[dict[str, Any]]:
    """The records of a journal file not yet marked applied (a torn last line is skipped)."""
    records, applied = [], 0
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if "applied" in record:
                applied = max(applied, record["applied"])
            else:
                records.append(record)
    return [r for r in records if r.get("n", 0) > applied]


def _just_created(path: str) -> bool:
    """An empty journal younger than a minute may not be locked by its new owner yet."""
    try:
        stat = os.stat(path)
    except OSError:
        return True
    return stat.st_size == 0 and time.time() - stat.st_mtime < 60


@contextlib.contextmanager
def orphans(directory: str) -> Iterator[list[str]]:
    """Journals in ``directory`` that no live session holds, locked for the caller while it
    replays them; those still present when the block ends without error are removed."""
    held: list[tuple[str, int]] = []
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        names = []
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
        except OSError:
            os.close(fd)
            continue
        held.append((path, fd))
    try:
        yield [path for path, _ in held]
        for path, _ in held:
            with contextlib.suppress(OSError):
                os.unlink(path)
    finally:
        for _, fd in held:
            os.close(fd)
