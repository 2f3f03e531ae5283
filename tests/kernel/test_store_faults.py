"""Store faults under a tracked kernel: a corrupt database, a full disk (the store's, and the
spool's too), a store folder renamed under the session. Each: the cells run, one warning,
no traceback, ``%track status``/``off`` answer at once, and every record is stored once the
fault is gone (never half into a database that replaced the first)."""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
import time

import pytest

from jupyter_mlops.store import Store

CELLS = ["x = 1", "loss = 0.25", "y = x + 1", "accuracy = 0.75"]


def stored_code(store_dir, session_id) -> list[str]:
    st = Store.open(str(store_dir))
    try:
        return [c["code"] for c in st.cell_executions(session_id)]
    finally:
        st.close()


def timed(run, code):
    start = time.perf_counter()
    result = run(code)
    return result, time.perf_counter() - start


def test_a_corrupt_database_spools_warns_once_and_never_kills_the_writer(
        run, tracker, store_dir, capfd):
    store_dir.mkdir()
    (store_dir / "mlops.db").write_bytes(b"this is not a SQLite database\n" * 100)
    run("%track")
    for code in CELLS:
        assert run(code).success
    result, seconds = timed(run, "%track status")
    assert result.success and seconds < 3
    out, err = capfd.readouterr()
    assert "records spooled in" in out
    assert err.count("jupyter_mlops:") == 1 and "not a readable SQLite database" in err
    assert "mlops.db" in err and "Traceback" not in err
    assert tracker.writer._thread.is_alive()
    os.rename(store_dir / "mlops.db", store_dir / "corrupt.db")  # what the message says to do
    run("z = 3")
    assert tracker.writer.flush(10)
    expected = [*CELLS, "%track status", "z = 3"]
    assert stored_code(store_dir, tracker.session_id) == expected
    result, seconds = timed(run, "%track off")
    assert seconds < 3
    assert "Traceback" not in capfd.readouterr().err


@contextlib.contextmanager
def small_filesystem(path, size="3m"):
    """A real fixed-size filesystem (tmpfs) at ``path``: writes past it fail with ENOSPC."""
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs",
                              str(path)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill(folder) -> str:
    """Take every free byte of the filesystem holding ``folder``; returns the filler file."""
    filler = os.path.join(folder, "filler")
    with open(filler, "wb") as f:
        chunk = b"\0" * 65536
        try:
            while True:
                f.write(chunk)
                f.flush()
        except OSError as e:
            assert e.errno == errno.ENOSPC
    with contextlib.suppress(OSError), open(filler, "ab") as f:  # the last partial chunk
        for _ in range(65536):
            f.write(b"\0")
            f.flush()
    return filler


@pytest.mark.parametrize("spool_too", [False, True], ids=["store-full", "store-and-spool-full"])
def test_a_full_disk_loses_nothing_once_space_is_back(run, tracker, tmp_path, monkeypatch,
                                                      capfd, spool_too):
    with small_filesystem(tmp_path / "disk") as disk:
        store_dir = disk / "store"
        monkeypatch.setenv("JUPYTER_MLOPS_STORE", str(store_dir))
        if spool_too:  # the default layout: store and spool both under the data dir
            monkeypatch.setenv("JUPYTER_DATA_DIR", str(disk / "data"))
        run("%track")
        run("a = 1")
        assert tracker.writer.flush(10)
        filler = fill(disk)
        big = "padding = '" + "p" * 20_000 + "'"
        for code in [*CELLS, big]:
            assert run(code).success
        assert not tracker.writer.flush(5)
        if spool_too:
            assert tracker.writer.journal.held_bytes > 0  # kept in memory, not lost
        err = capfd.readouterr().err
        assert "Traceback" not in err and "cannot be written" in err
        assert ("kept in memory" in err) == spool_too
        os.unlink(filler)
        run("b = 2")
        assert tracker.writer.flush(10)
        expected = ["a = 1", *CELLS, big, "b = 2"]
        code = stored_code(store_dir, tracker.session_id)
        assert code == expected, f"expected {len(expected)} cells, found {len(code)}"
        assert tracker.writer.journal.held_bytes == 0
        run("%track off")


def test_a_store_renamed_under_the_session_is_never_written_half_and_half(
        run, tracker, store_dir, capfd):
    run("%track")
    for code in CELLS[:2]:
        run(code)
    assert tracker.writer.flush(10)
    moved = store_dir.with_name("store-moved")
    os.rename(store_dir, moved)
    for code in CELLS[2:]:
        assert run(code).success
    assert not tracker.writer.flush(5)
    err = capfd.readouterr().err
    assert err.count("moved or deleted") == 1 and "Traceback" not in err
    # someone (another process) creates a new store at the same path meanwhile
    Store.open(str(store_dir)).close()
    run("c = 3")
    assert not tracker.writer.flush(5)
    assert stored_code(store_dir, tracker.session_id) == []  # nothing went to the new one
    assert stored_code(moved, tracker.session_id) == CELLS[:2]  # nor more to the old one
    # the folder comes back: the session goes on where it was
    os.rename(store_dir, store_dir.with_name("store-new"))
    os.rename(moved, store_dir)
    run("d = 4")
    assert tracker.writer.flush(10)
    assert stored_code(store_dir, tracker.session_id) == [*CELLS, "c = 3", "d = 4"]
    run("%track off")
