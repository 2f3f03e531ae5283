"""The database connection: SQLite tuned for many concurrent writers, or any SQLAlchemy URL.

SQLite runs in WAL mode with ``synchronous=NORMAL`` and a busy timeout, and every write
transaction starts with ``BEGIN IMMEDIATE``: taking the write lock up front is what keeps
concurrent writer processes from failing with "database is locked" (a deferred transaction
that reads first cannot wait for the lock, it can only fail). Where WAL cannot work
(network filesystems) the rollback journal is used and the user is told once.

The database file is created owner-only (SQLite gives its -wal and -shm files the same
mode), and an existing one is made so. Its identity (device and inode) is taken when it is
opened and checked before every transaction: a store folder renamed or deleted under a
running process is reported as a StoreError instead of being written half in the old file
and half in a new one created at the same path. A file that is not a SQLite database is a
StoreError that names it and says what to do.
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import (
    DatabaseError,
    DataError,
    IntegrityError,
    OperationalError,
    SQLAlchemyError,
)

from .driver import Writer
from .errors import CorruptStore, InvalidInput, StoreError
from .location import StoreLocation

log = logging.getLogger("jupyter_mlops")
T = TypeVar("T")

BUSY_TIMEOUT_MS = 30_000
# Reads of the database file go through a memory map (SQLite caps it at its build's limit,
# 2 GiB here): a page not in the connection's own 2 MiB cache, which another process's
# commit empties and a large query evicts, is then a memory read, not a read() system call
# (a listing after a scan of the store: 0.5-1 ms of 4-6 ms, measured on 100k and 1M runs).
# Writes still go through the WAL file, as without it.
MMAP_BYTES = 1 << 31
WRITE_ATTEMPTS = 5
NETWORK_FILESYSTEMS = {"nfs", "nfs4", "cifs", "smb3", "smbfs", "fuse.sshfs", "9p", "afs", "lustre"}
_warned: set[str] = set()


def filesystem_type(path: str) -> str | None:
    """The type of the filesystem holding ``path``, from /proc/mounts (Linux only)."""
    try:
        with open("/proc/mounts") as f:
            mounts = [line.split()[1:3] for line in f]
    except OSError:
        return None
    path = os.path.realpath(path)
    best = ("", None)
    for mount_point, fstype in mounts:
        mount_point = mount_point.replace("\\040", " ")
        inside = path == mount_point or path.startswith(mount_point.rstrip("/") + "/")
        if inside and len(mount_point) >= len(best[0]):
            best = (mount_point, fstype)
    return best[1]


class Database:
    """One engine per store; ``write`` and ``read`` hand out transactions."""

    def __init__(self, location: StoreLocation):
        self.location = location
        self.journal_mode: str | None = None
        self.identity: str | None = None
        path = location.sqlite_path
        if path:
            self._prepare_directory(os.path.dirname(path))
            self.identity = _owner_only_file(path)
            self.engine = self._sqlite_engine(path)
        else:
            try:
                self.engine = create_engine(location.url, pool_pre_ping=True)
            except (SQLAlchemyError, ImportError) as e:
                raise StoreError(f"cannot use store {location.describe()}: {e}") from None
            if self.engine.dialect.name == "postgresql":
                event.listen(self.engine, "connect", _custom_plans)

    @staticmethod
    def _prepare_directory(directory: str) -> None:
        try:
            os.makedirs(directory, mode=0o700, exist_ok=True)
        except OSError as e:
            raise StoreError(f"cannot create store directory {directory}: {e.strerror}") from None
        if not os.access(directory, os.W_OK | os.X_OK):
            raise StoreError(f"store directory {directory} is not writable")

    def _sqlite_engine(self, path: str) -> Engine:
        use_wal = filesystem_type(os.path.dirname(path)) not in NETWORK_FILESYSTEMS
        engine = create_engine(
            f"sqlite:///{path}", connect_args={"check_same_thread": False, "timeout": 30}
        )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            mode = cur.execute(f"PRAGMA journal_mode={'WAL' if use_wal else 'DELETE'}").fetchone()
            self.journal_mode = str(mode[0]).lower()
            sync = "NORMAL" if self.journal_mode == "wal" else "FULL"
            cur.execute(f"PRAGMA synchronous={sync}")
            if self.journal_mode == "wal":  # a local filesystem, where mapping is safe
                cur.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()
            if self.journal_mode != "wal":
                self._warn_once(path, use_wal)

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            immediate = conn.get_execution_options().get("immediate", False)
            Writer.of(conn).execute_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine

    @staticmethod
    def _warn_once(path: str, wanted_wal: bool) -> None:
        if path in _warned:
            return
        _warned.add(path)
        why = "it is on a network filesystem" if not wanted_wal else "the filesystem refused it"
        log.warning(
            "jupyter_mlops: store %s uses SQLite's rollback journal, not WAL, because %s; "
            "concurrent readers and writers will be slower.", path, why,
        )

    def transact(self, work: Callable[[Connection], T]) -> T:
        """Run ``work`` in one write transaction, retrying a bounded number of times if
        the database stays locked past the busy timeout."""
        return self._retrying(lambda: self._in_connection(work))

    def transact_driver(self, work: Callable[[Writer], T]) -> T:
        """``transact`` on the driver's connection, for the hot writes made of fixed
        statements: it skips SQLAlchemy's per-transaction work (~15 µs a transaction)."""
        return self._retrying(lambda: self._on_driver(work))

    def _in_connection(self, work: Callable[[Connection], T]) -> T:
        with self.engine.connect() as conn:
            conn = conn.execution_options(immediate=True)
            with conn.begin():
                return work(conn)

    def _on_driver(self, work: Callable[[Writer], T]) -> T:
        """BEGIN (IMMEDIATE on SQLite, as ``_on_begin`` does), work, COMMIT. On an error
        nothing is committed: returning the connection to the pool rolls it back."""
        raw = self.engine.raw_connection()
        try:
            writer = Writer(raw.dbapi_connection, self.engine.dialect)
            if self.engine.dialect.name == "sqlite":
                writer.execute_sql("BEGIN IMMEDIATE")
            result = work(writer)
            writer.commit()
            return result
        finally:
            raw.close()

    def _retrying(self, attempt_once: Callable[[], T]) -> T:
        for attempt in range(WRITE_ATTEMPTS):
            self.check_identity()
            try:
                return attempt_once()
            except OperationalError as e:
                if not _is_lock_error(e) or attempt == WRITE_ATTEMPTS - 1:
                    raise _as_store_error(e, self.location) from None
                time.sleep(0.05 * (2**attempt) * (1 + random.random()))
            except DataError as e:
                raise _refused(e) from None
            except IntegrityError:
                raise
            except DatabaseError as e:
                raise _as_store_error(e, self.location) from None
        raise AssertionError("unreachable")

    @contextmanager
    def read(self) -> Iterator[Connection]:
        self.check_identity()
        try:
            with self.engine.connect() as conn, conn.begin():
                yield conn
        except DataError as e:
            raise _refused(e) from None
        except IntegrityError:
            raise
        except DatabaseError as e:
            raise _as_store_error(e, self.location) from None

    def check_identity(self) -> None:
        """The database file is still the one opened (a stat: about a microsecond)."""
        if self.identity is None:
            return
        path = self.location.sqlite_path or ""
        if _identity(path) != self.identity:
            raise StoreError(f"store {self.location.describe()} was moved or deleted while in "
                             "use: nothing more is written to it (or to a new store at that "
                             "path) by this process")

    def dispose(self) -> None:
        self.engine.dispose()


def _custom_plans(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL plans every statement for its own values. A driver prepares a statement it
    runs often (psycopg after 5 runs) and PostgreSQL then may switch to a generic plan, made
    without the values: for a filtered page it knows neither the window nor how many runs
    match, and the one it chose ran 10x slower (3-6 ms, then 42-58 ms, measured at 100k)."""
    cursor = dbapi_conn.cursor()
    cursor.execute("SET plan_cache_mode = force_custom_plan")
    cursor.close()
    dbapi_conn.commit()


def _refused(e: DataError) -> InvalidInput:
    """The database rejected a value it cannot hold (e.g. a NUL character on PostgreSQL)."""
    reason = str(e.orig).strip().splitlines()[0] if str(e.orig).strip() else type(e.orig).__name__
    return InvalidInput(f"the store cannot hold this value: {reason}")


def _is_lock_error(e: OperationalError) -> bool:
    text = str(e.orig).lower()
    return "locked" in text or "busy" in text


def _identity(path: str) -> str | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return f"{st.st_dev}:{st.st_ino}"


def _owner_only_file(path: str) -> str | None:
    """Create the database file (and tighten an existing one and its -wal/-shm) owner-only;
    returns its identity."""
    try:
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    except OSError as e:
        raise StoreError(f"cannot open store database {path}: {e.strerror}") from None
    for name in (path, f"{path}-wal", f"{path}-shm", f"{path}-journal"):
        with contextlib.suppress(OSError):
            if os.stat(name).st_uid == os.getuid():
                os.chmod(name, 0o600)
    return _identity(path)


def _as_store_error(e: DatabaseError, location: StoreLocation) -> StoreError:
    """A database error as a StoreError that names the store and what to do (CorruptStore
    for a damaged file or one that is not a database)."""
    detail = str(e.orig).strip() or type(e.orig).__name__
    if "readonly" in detail or "read-only" in detail:
        return StoreError(f"store {location.describe()} is read-only: {detail}")
    if "not a database" in detail or "malformed" in detail:
        return CorruptStore(f"store file {location.sqlite_path or location.describe()} is not a "
                            f"readable SQLite database ({detail}): move it aside to start a new "
                            "store there, or restore it from a backup")
    return StoreError(f"store {location.describe()}: {detail}")
