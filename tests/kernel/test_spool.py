"""Store outages: records are spooled (fsync'd journal) and written once the store is back,
at the next cell or by the next session. Nothing is lost, nothing is written twice."""

from __future__ import annotations

import os

from jupyter_mlops.kernel.spool import Journal, pending
from jupyter_mlops.store import Store, StoreError

CELLS = ["x = 1", "loss = 0.25", "y = x + 1", "accuracy = 0.75"]


def open_store(store_dir):
    st = Store.open(str(store_dir))
    return st


def test_unreachable_store_then_back_at_the_next_cell(run, tracker, store_dir, capsys):
    store_dir.write_text("not a directory")  # the store cannot be created
    run("%track")
    for code in CELLS:
        assert run(code).success
    assert not tracker.writer.flush(5)
    err = capsys.readouterr().err
    assert err.count("cannot be written") == 1 and "spooled" in err
    run("%track status")
    assert "records spooled in" in capsys.readouterr().out
    os.unlink(store_dir)
    run("z = 3")  # the next cell finds the store back
    assert tracker.writer.flush(10)
    st = open_store(store_dir)
    cells = st.cell_executions(tracker.session_id)
    assert [c["code"] for c in cells] == [*CELLS, "%track status", "z = 3"]
    assert {r["name"].split()[0] for r in st.session_runs(tracker.session_id)} == {
        "loss", "accuracy"}
    assert "store is back" in capsys.readouterr().err
    assert os.path.getsize(tracker.writer.journal.path) == 0


def test_outage_mid_session_loses_and_duplicates_nothing(run, tracker, store, monkeypatch):
    run("%track")
    run("a = 1")
    assert tracker.writer.flush(10)
    st = tracker.writer.store
    real = st.db.transact

    def full(work):
        raise StoreError("database or disk is full")

    monkeypatch.setattr(st.db, "transact", full)
    for code in CELLS:
        run(code)
    assert not tracker.writer.flush(5)
    monkeypatch.setattr(st.db, "transact", real)
    run("b = 2")
    assert tracker.writer.flush(10)
    cells = store.cell_executions(tracker.session_id)
    assert [c["code"] for c in cells] == ["a = 1", *CELLS, "b = 2"]
    assert all(c["status"] == "ok" for c in cells)
    runs = store.session_runs(tracker.session_id)
    assert sorted(r["metrics"].popitem()[1] for r in runs) == [0.25, 0.75]
    history = store.metric_history(runs[0]["run_id"], runs[0]["name"].split()[0])
    assert len(history) == 1


def test_the_next_session_writes_what_an_ended_session_spooled(run, tracker, store_dir):
    store_dir.write_text("blocked")
    run("%track")
    run("loss = 0.5")
    first = tracker.session_id
    run("%track off")  # the store is still unreachable: the journal stays
    journals = os.listdir(os.path.dirname(tracker.writer.journal.path))
    assert journals == [f"{first}.jsonl"]
    os.unlink(store_dir)
    run("%track")
    assert tracker.writer.flush(10)
    st = open_store(store_dir)
    assert [c["code"] for c in st.cell_executions(first)] == ["loss = 0.5", "%track off"]
    assert st.get_session(first)["status"] == "ended"
    assert [r["metrics"] for r in st.session_runs(first)] == [{"loss": 0.5}]
    assert os.listdir(os.path.dirname(tracker.writer.journal.path)) == [
        f"{tracker.session_id}.jsonl"]


def test_journal_marks_applied_records_and_skips_a_torn_line(tmp_path):
    journal = Journal(str(tmp_path), "s1")
    for i in range(3):
        journal.append({"op": "x", "i": i})
    journal.mark_applied([1, 2])
    with open(journal.path, "a") as f:
        f.write('{"op": "torn"')
    assert [r["i"] for r in pending(journal.path)] == [2]
    journal.mark_applied([3])
    journal.close(remove=False)


def test_the_applied_mark_covers_exactly_the_stored_records(tmp_path):
    """Records made by background tasks are numbered when the task runs: what is stored
    is not a prefix (here 1, 2 and 4, while 3 is still queued)."""
    journal = Journal(str(tmp_path), "s1")
    for i in range(5):
        journal.append({"op": "x", "i": i})
    journal.mark_applied([1, 2, 4])
    assert [r["i"] for r in pending(journal.path)] == [2, 4]
    journal.mark_applied([3])
    assert [r["i"] for r in pending(journal.path)] == [4]
    journal.mark_applied([5])
    assert os.path.getsize(journal.path) == 0
    journal.close(remove=False)


def test_a_journal_is_redacted_before_it_touches_the_disk(tmp_path):
    journal = Journal(str(tmp_path), "s1")
    token = "ghp_" + "a1B2" * 9
    journal.append({"op": "params", "values": {"DB_PASS": "hunter2", "url": token}})
    with open(journal.path) as f:
        text = f.read()
    assert token not in text and "hunter2" not in text and "[REDACTED]" in text
    journal.close(remove=True)


def test_prepared_records_are_journaled_as_json_lines_numbered_last(tmp_path):
    """A cell hook's records are redacted and encoded as they are made, and numbered when
    written: each line is the record's compact JSON with its number as the last key."""
    import json

    from jupyter_mlops.kernel.spool import prepare

    journal = Journal(str(tmp_path), "s1")
    journal.append({"op": "x", "i": 0})
    made = [{"op": "cell_end", "row": {"status": "ok", "error": None}},
            {"op": "params", "run_id": "r1", "values": {"api_key": "k3y-Value-9", "C": 0.5}}]
    numbered = journal.append_prepared([prepare(record) for record in made])
    assert [r["n"] for r in numbered] == [2, 3]
    with open(journal.path, "rb") as f:
        lines = f.read().splitlines()
    assert lines[1:] == [json.dumps(r, separators=(",", ":")).encode() for r in numbered]
    assert list(json.loads(lines[2])) == ["op", "run_id", "values", "n"]
    assert b"k3y-Value-9" not in lines[2] and made[1]["values"]["api_key"] == "k3y-Value-9"
    journal.close(remove=True)
