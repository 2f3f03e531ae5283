"""%track in a real in-process IPython shell: sessions, cell executions, runs, lineage."""

from __future__ import annotations

import pytest

from .conftest import write_notebook


def flushed(tracker, store):
    assert tracker.writer.flush(10)
    return store


def run_of(store, tracker, name_prefix):
    runs = [r for r in store.session_runs(tracker.session_id) if r["name"].startswith(name_prefix)]
    assert runs, [r["name"] for r in store.session_runs(tracker.session_id)]
    return store.get_run(runs[-1]["run_id"])


def test_track_starts_a_session_with_where_and_who(run, tracker, store, monkeypatch, capsys):
    monkeypatch.setenv("JPY_SESSION_NAME", "/home/me/churn.ipynb")
    run("%track")
    assert "tracking this kernel of /home/me/churn.ipynb" in capsys.readouterr().out
    flushed(tracker, store)
    session = store.get_session(tracker.session_id)
    assert session["notebook"] == "/home/me/churn.ipynb"
    assert session["status"] == "running" and session["pid"] and session["host"]
    assert session["environment_id"]
    run("x = 1")
    run("%track status")
    status = capsys.readouterr().out
    assert "1 cells, 0 runs" in status and str(store.location.describe()) in status
    run("%track off")
    assert store.get_session(tracker.session_id)["status"] == "ended"


def test_every_cell_is_recorded_with_status_names_and_timing(run, tracker, store):
    run("%track")
    run("a = 1\nb = a + 1", cell_id="c1")
    run("c = b * missing_name", cell_id="c2")
    run("raise KeyboardInterrupt", cell_id="c3")
    run("x = (", cell_id="c4")
    cells = flushed(tracker, store).cell_executions(tracker.session_id)
    assert [c["cell_id"] for c in cells] == ["c1", "c2", "c3", "c4"]
    first, failed, interrupted, syntax = cells
    assert first["status"] == "ok" and first["names_defined"] == ["a", "b"]
    assert first["names_used"] == [] and first["duration_ms"] >= 0
    assert first["execution_count"] is not None and first["code"] == "a = 1\nb = a + 1"
    assert failed["status"] == "error" and failed["names_used"] == ["b", "missing_name"]
    assert failed["error"] == "NameError: name 'missing_name' is not defined"
    assert interrupted["status"] == "interrupted"
    assert syntax["status"] == "error" and syntax["error"].startswith("SyntaxError")


def test_code_is_written_at_pre_run_cell(run, tracker, store, shell):
    run("%track")
    shell.user_ns["_store"] = store
    run("from jupyter_mlops.kernel import tracker_of\n"
        "_t = tracker_of(get_ipython()); _t.writer.flush(10)\n"
        "me = _store.cell_executions(_t.session_id)[-1]")
    me = shell.user_ns["me"]
    assert me["status"] == "running" and me["code"].endswith("cell_executions(_t.session_id)[-1]")


def test_secrets_in_code_are_redacted(run, tracker, store):
    run("%track")
    run('api_token = "ghp_abcdefghijklmnopqrstuvwxyz0123456789"')
    code = flushed(tracker, store).cell_executions(tracker.session_id)[-1]["code"]
    assert "ghp_" not in code


SKLEARN_CELLS = [
    ("imports", "import pandas as pd\nfrom sklearn.linear_model import LogisticRegression"),
    ("read", "df = pd.read_csv('data.csv')"),
    ("prep", "C = 0.5\nseed = 3\nX = df[['a', 'b']]\ny = df['label']"),
    ("fit", "model = LogisticRegression(C=C, max_iter=300)\nmodel.fit(X, y)"),
    ("score", "accuracy = model.score(X, y)"),
]


@pytest.fixture
def csv(tmp_path):
    rows = "\n".join(f"{i},{(i * 7) % 5},{i % 2}" for i in range(60))
    (tmp_path / "data.csv").write_text("a,b,label\n" + rows + "\n")
    return tmp_path / "data.csv"


def test_fitting_a_model_then_scoring_and_plotting_it_is_one_run(run, tracker, store, csv):
    run("%track")
    for cell_id, code in SKLEARN_CELLS:
        assert run(code, cell_id=cell_id).success
    run("import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt",
        cell_id="plt")
    run("fig, ax = plt.subplots()\nax.plot(model.predict_proba(X)[:, 1])", cell_id="plot")
    flushed(tracker, store)
    (only,) = store.session_runs(tracker.session_id)  # the other cells are not runs
    fitted = store.get_run(only["run_id"])
    assert fitted["name"].startswith("LogisticRegression")
    assert fitted["tags"]["model.type"] == "sklearn.linear_model._logistic.LogisticRegression"
    assert fitted["params"]["C"] == "0.5" and fitted["params"]["max_iter"] == "300"
    assert fitted["params"]["seed"] == "3" and fitted["params"]["solver"] == "lbfgs"
    assert 0 <= fitted["metrics"]["accuracy"] <= 1
    assert [a["media_type"] for a in fitted["artifacts"]] == ["image/png"]
    assert [e["cell_id"] for e in fitted["lineage"]] == ["imports", "read", "prep", "fit",
                                                         "score", "plt", "plot"]
    datasets = {d["name"]: d for d in fitted["datasets"]}
    assert datasets["df"]["source"] == str(csv) and datasets["df"]["file_hash"]
    assert datasets["X"]["shape"] == [60, 2] and datasets["X"]["schema"][0]["name"] == "a"
    assert fitted["environment"]["python"]["version"]
    assert fitted["status"] == "finished" and fitted["warnings"] == []
    run("plt.close('all')")


def test_scoring_a_refitted_model_goes_to_the_new_run(run, tracker, store, csv):
    run("%track")
    for cell_id, code in SKLEARN_CELLS[:-1]:
        run(code, cell_id=cell_id)
    run("model.set_params(C=5.0)\nmodel.fit(X, y)", cell_id="refit")
    run("accuracy = model.score(X, y)", cell_id="score")
    run("recall = accuracy", cell_id="other")  # reads no model: a run of its own
    flushed(tracker, store)
    names = [r["name"].split(" ")[0] for r in store.session_runs(tracker.session_id)]
    assert names == ["LogisticRegression", "LogisticRegression", "recall"]
    first, refit, _ = (store.get_run(r["run_id"])
                       for r in store.session_runs(tracker.session_id))
    assert first["metrics"] == {} and first["params"]["C"] == "0.5"
    assert refit["params"]["C"] == "5.0" and "accuracy" in refit["metrics"]


def test_a_trivial_cell_is_no_run(run, tracker, store):
    run("%track")
    run("x = 1\ny = [1, 2]")
    assert flushed(tracker, store).session_runs(tracker.session_id) == []


def test_a_figure_is_a_png_artifact(run, tracker, store):
    run("%track")
    run("import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt")
    run("fig, ax = plt.subplots()\nax.plot([1, 2, 3])")
    run("z = 2")  # the figure is still open but unchanged: not captured again
    flushed(tracker, store)
    runs = store.session_runs(tracker.session_id)
    assert len(runs) == 1
    artifacts = store.get_run(runs[0]["run_id"])["artifacts"]
    assert artifacts[0]["media_type"] == "image/png" and artifacts[0]["size"] > 1000
    run("plt.close('all')")


def test_cell_magic_marks_a_run_and_keeps_the_result(run, tracker, store, shell):
    result = run("%%track my experiment\nq = 41\nq + 1")  # starts tracking by itself
    assert result.result == 42 and shell.user_ns["q"] == 41
    run_ = run_of(flushed(tracker, store), tracker, "my experiment")
    assert run_["params"] == {"q": "41"} and run_["lineage"][0]["code"].startswith("%%track")


def test_cell_magic_failure_fails_the_run_and_raises_as_usual(run, tracker, store):
    run("%track")
    result = run("%%track boom\nraise ValueError('no')")
    assert isinstance(result.error_in_exec, ValueError)
    failed = run_of(flushed(tracker, store), tracker, "boom")
    assert failed["status"] == "failed" and failed["error"] == "ValueError: no"


def test_a_span_makes_several_cells_one_run(run, tracker, store):
    run("%track start sweep")
    run("loss = 0.9")
    run("loss = 0.5\nlr = 0.01")
    run("%track stop")
    flushed(tracker, store)
    runs = store.session_runs(tracker.session_id)
    assert [r["name"] for r in runs] == ["sweep"]
    assert store.metric_history(runs[0]["run_id"], "loss")[-1]["value"] == 0.5
    assert [p["step"] for p in store.metric_history(runs[0]["run_id"], "loss")] == [0, 1]
    assert runs[0]["params"]["lr"] == "0.01"


def test_explicit_magics(run, tracker, store, shell, capsys):
    run("%track")
    run("import numpy as np\nfeatures = np.arange(12.0).reshape(4, 3)")
    run("rmse = 0.25")
    run('%track param depth=4 kind=tree\n%track metric extra=0.5\n%track tag team=risk\n'
        '%track note "first try"\n%track dataset features --name feats --role train')
    flushed(tracker, store)
    detail = run_of(store, tracker, "rmse")
    assert detail["params"]["depth"] == "4" and detail["params"]["kind"] == "tree"
    assert detail["metrics"] == {"rmse": 0.25, "extra": 0.5}
    assert detail["tags"]["team"] == "risk" and detail["notes"] == "first try"
    assert any(d["name"] == "feats" and d["role"] == "train" for d in detail["datasets"])
    run("%track ignore secret_score\nsecret_score = 0.3")
    assert len(flushed(tracker, store).session_runs(tracker.session_id)) == 1
    shown = shell.run_cell("%track show", store_history=False).result
    assert "rmse" in repr(shown) and "<table>" in shown._repr_html_()
    listed = shell.run_cell("%track runs", store_history=False).result
    assert detail["run_id"] in repr(listed)


@pytest.mark.parametrize("line", ["%track bogus", "%track metric acc=high", "%track param x",
                                  "%track dataset nope", "%track show a b", '%track note "open',
                                  "%track start", "%track stop"])
def test_malformed_magics_print_one_line_and_do_not_raise(run, line, capsys):
    run("%track")
    capsys.readouterr()
    result = run(line)
    err = capsys.readouterr().err.strip()
    assert result.success and len(err.splitlines()) == 1 and "Traceback" not in err


def test_python_api_runs_attach_to_the_session(run, tracker, store):
    run("%track")
    run("import jupyter_mlops as mlops\n"
        "with mlops.start_run(name='manual') as r:\n    r.log_metric('acc', 0.7)\n"
        "acc = 0.7")
    runs = flushed(tracker, store).session_runs(tracker.session_id)
    assert [r["name"] for r in runs] == ["manual"]  # no duplicate automatic run


def test_readers_are_patched_only_while_tracking(run, shell):
    import pandas as pd

    original = pd.read_csv
    run("%track")
    assert pd.read_csv is not original and pd.read_csv.__wrapped__ is original
    run("%track off")
    assert pd.read_csv is original


# --- lineage warnings


def test_a_cell_rerun_with_other_code_makes_a_stale_warning(run, tracker, store):
    run("%track")
    run("n = 10", cell_id="a")
    run("score = n / 100", cell_id="b")
    run("n = 20", cell_id="a")
    run("score = n / 200", cell_id="c")
    flushed(tracker, store)
    for summary in store.session_runs(tracker.session_id):
        assert store.get_run(summary["run_id"])["warnings"] == []
    run("f1 = score * 2", cell_id="d")  # depends on c, which used the new n: still fine
    run("n = 30", cell_id="a")
    run("recall = score", cell_id="e")  # depends on c, which read n from a's second version
    flushed(tracker, store)
    last = store.get_run(store.session_runs(tracker.session_id)[-1]["run_id"])
    assert any("changed and re-run" in w for w in last["warnings"]), last["warnings"]


def test_out_of_order_cells_make_a_warning(run, tracker, store, tmp_path, monkeypatch):
    path = write_notebook(tmp_path / "nb.ipynb", [("top", "acc = base * 2"),
                                                  ("bottom", "base = 0.4")])
    monkeypatch.setenv("JPY_SESSION_NAME", path)
    run("%track")
    run("base = 0.4", cell_id="bottom")
    run("acc = base * 2", cell_id="top")
    detail = run_of(flushed(tracker, store), tracker, "acc")
    assert any("out of notebook order" in w and "`base`" in w for w in detail["warnings"])


def test_names_from_before_tracking_or_opaque_code_make_warnings(run, tracker, store):
    run("early = 5")
    run("%track")
    run("loss = early * 0.1")
    run("exec('hidden = 3')")
    run("score = hidden + 1")
    flushed(tracker, store)
    loss, score = (store.get_run(r["run_id"]) for r in store.session_runs(tracker.session_id))
    assert any("`early`" in w and "before tracking" in w for w in loss["warnings"])
    assert any("cannot be analysed (exec())" in w for w in score["warnings"])
    assert "exec('hidden = 3')" in [e["code"] for e in score["lineage"]]


# --- never break the notebook


def test_capture_failures_leave_the_cell_alone_and_warn_once(run, tracker, monkeypatch, capsys,
                                                             shell):
    run("%track")

    def broken(*args, **kwargs):
        raise RuntimeError("capture bug")

    monkeypatch.setattr("jupyter_mlops.kernel.tracker.metric_value", broken)
    monkeypatch.setattr("jupyter_mlops.kernel.tracker.analyse", broken)
    capsys.readouterr()
    results = [run("v = 6 * 7\nv"), run("w = v + 1\nw"), run("1 / 0")]
    assert [r.result for r in results[:2]] == [42, 43] and shell.user_ns["w"] == 43
    assert isinstance(results[2].error_in_exec, ZeroDivisionError)
    err = capsys.readouterr().err
    assert err.count("jupyter_mlops:") == 1 and "capture bug" in err


def test_identical_cell_results_with_and_without_tracking(run, shell):
    code = "import math\nvals = [math.sqrt(i) for i in range(5)]\nsum(vals)"
    untracked = run(code).result
    run("%track")
    assert run(code).result == untracked


def test_the_writer_waits_for_a_pause_between_cells(run, tracker, store, shell):
    """Records of back-to-back cells are in the journal at once and in the store only once
    the kernel pauses (or a flush asks), so the writer never competes with a cell."""
    import time

    from jupyter_mlops.kernel.writer import MAX_DEFER_S, QUIET_S

    run("%track")
    tracker.writer.cell_started()  # as if the next cell of a Run All had begun
    run("a = 41")  # its records are submitted at once, then it "ends"...
    tracker.writer.cell_started()  # ...and another cell begins at once
    time.sleep(MAX_DEFER_S / 4)
    assert [c["code"] for c in store.cell_executions(tracker.session_id)] == []
    assert tracker.writer.journal.written > 0  # in the journal all along
    tracker.writer.cell_ended()
    deadline = time.monotonic() + 5
    while not store.cell_executions(tracker.session_id) and time.monotonic() < deadline:
        time.sleep(QUIET_S)
    assert [c["code"] for c in store.cell_executions(tracker.session_id)] == ["a = 41"]


def test_cells_run_back_to_back_are_stored_as_they_go(run, tracker, store, shell):
    """nbclient (and "Run All" of quick cells) leaves the kernel no pause: the writer still
    stores what waited MAX_DEFER_S, not everything at shutdown."""
    import time

    from jupyter_mlops.kernel.writer import MAX_DEFER_S

    run("%track")
    tracker.writer.flush(5)
    start, i = time.monotonic(), 0
    while time.monotonic() - start < MAX_DEFER_S * 3:
        tracker.writer.cell_started()  # the next cell begins at once
        run(f"v = {i}")
        tracker.writer.cell_started()
        i += 1
        if any(c["code"] == "v = 0" for c in store.cell_executions(tracker.session_id)):
            break
    assert time.monotonic() - start < MAX_DEFER_S * 2
    tracker.writer.cell_ended()


def test_a_cell_after_a_quiet_spell_is_stored_without_a_flush(run, tracker, store, shell):
    """Cells never wake the writer, but the first record after the queue ran dry does: an
    idle notebook's next cell reaches the store (and the sidebar) well within a second."""
    import time

    run("%track")
    tracker.writer.flush(5)
    time.sleep(0.2)  # the writer is asleep, waiting for a record
    run("b = 42")
    deadline = time.monotonic() + 1

    def stored():
        return [c["code"] for c in store.cell_executions(tracker.session_id)]

    while "b = 42" not in stored() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert stored()[-1:] == ["b = 42"]


def test_a_dataset_is_recorded_with_its_run_and_profiled_after(run, tracker, store, shell):
    run("%track")
    run("import pandas as pd\nframe = pd.DataFrame({'a': range(50), 'b': [0.5] * 50})")
    tracker.writer.cell_started()  # the writer waits: the journal has the run's input
    run("%%track fit\nrows = len(frame)\naccuracy = 0.5")
    records = [r for r in _journal(tracker) if r.get("op") == "dataset"]
    assert [r["name"] for r in records] == ["frame"]
    assert records[0]["info"]["schema"] == [{"name": "a", "dtype": "int64"},
                                            {"name": "b", "dtype": "float64"}]
    assert "profile" not in records[0]["info"]
    tracker.writer.cell_ended()
    (dataset,) = run_of(flushed(tracker, store), tracker, "fit")["datasets"]
    profile = store.get_dataset(dataset["dataset_id"])["profile"]
    assert profile["a"]["max"] == 49 and set(profile) == {"a", "b"}


def test_data_a_session_recorded_before_is_only_linked(run, tracker, store, shell):
    """A wide frame read by many runs is journaled with its schema once; every run still
    shows it with its schema."""
    run("%track")
    run("import pandas as pd\nwide = pd.DataFrame({f'c{i}': [0.5, 1.5] for i in range(300)})")
    tracker.writer.cell_started()  # keep the records in the journal to look at them
    run("%%track first\nn = len(wide)\naccuracy = 0.5")
    run("%%track second\nm = wide.shape[1]\naccuracy = 0.6")
    records = [r for r in _journal(tracker) if r.get("op") == "dataset"]
    assert [len(r["info"].get("schema", [])) for r in records] == [300, 0]
    tracker.writer.cell_ended()
    runs = flushed(tracker, store)
    for name in ("first", "second"):
        (dataset,) = run_of(runs, tracker, name)["datasets"]
        assert len(store.get_dataset(dataset["dataset_id"])["schema"]) == 300


def _journal(tracker):
    import json

    with open(tracker.writer.journal.path) as handle:
        return [json.loads(line) for line in handle]


def test_each_hook_journals_its_records_with_one_write(run, tracker, store, monkeypatch, csv):
    """A cell that fits and scores a model on data read from a file makes a dozen records:
    written together, once before the cell runs and once after, in the order they were made
    (the dataset's file hash is worked out after its record)."""
    from jupyter_mlops.kernel import spool

    run("%track")
    run(f"import pandas as pd\nfrom sklearn.linear_model import LogisticRegression\n"
        f"df = pd.read_csv({str(csv)!r})")
    writes = []
    real = spool._write_keeping_gil

    def counted(fd, data):
        writes.append(data.count(b'{"op":'))  # records (not the journal's store line)
        return real(fd, data)

    monkeypatch.setattr(spool, "_write_keeping_gil", counted)
    tracker.writer.cell_started()  # the writer waits, so only the hooks write
    run("clf = LogisticRegression(C=0.3).fit(df[['a', 'b']], df['label'])\n"
        "accuracy = clf.score(df[['a', 'b']], df['label'])")
    assert len(writes) == 2 and writes[0] == 1 and writes[1] >= 8, writes
    tracker.writer.cell_ended()
    fitted = run_of(flushed(tracker, store), tracker, "LogisticRegression")
    assert fitted["params"]["C"] == "0.3" and "accuracy" in fitted["metrics"]
    (dataset,) = fitted["datasets"]
    assert dataset["source"] == str(csv) and dataset["file_hash"]


def test_a_cell_run_journals_its_lineage_once_and_a_cell_magic_run_after_it_ran(run, tracker,
                                                                                store):
    """A cell's run opens and finishes in one hook: its lineage is worked out and journaled
    once. A ``%%track`` run opens before its cell runs and finishes after: journaled at both
    (crash-safe at the start), and the stored lineage is the cell's dependencies."""
    run("%track")
    run("base = 2")
    tracker.writer.cell_started()  # keep the records in the journal to look at them
    run("accuracy = base / 4")
    run("%%track named\nscore = base / 8")
    lineage = [r for r in _journal(tracker) if r.get("op") == "lineage"]
    assert [len(r["execution_ids"]) for r in lineage] == [2, 2, 2]
    assert lineage[1] == {**lineage[2], "n": lineage[1]["n"]}
    tracker.writer.cell_ended()
    runs = flushed(tracker, store)
    assert [e["code"] for e in run_of(runs, tracker, "accuracy")["lineage"]] == [
        "base = 2", "accuracy = base / 4"]
    assert [e["code"] for e in run_of(runs, tracker, "named")["lineage"]] == [
        "base = 2", "%%track named\nscore = base / 8"]


def test_a_cells_records_wake_the_sleeping_writer_once(run, tracker, store, monkeypatch):
    """The writer thread, asleep with nothing to store, is woken by a cell's first record
    only (``Event.set`` takes a lock: a dozen records made a dozen), and stores them all."""
    import time

    run("%track")
    run("import pandas as pd\nframe = pd.DataFrame({'a': range(50), 'b': [0.5] * 50})")
    assert tracker.writer.flush(10)
    writer = tracker.writer
    deadline = time.monotonic() + 10
    while not writer._asleep and time.monotonic() < deadline:
        time.sleep(0.01)
    sets = []
    real = writer._wake.set
    monkeypatch.setattr(writer._wake, "set", lambda: sets.append(1) or real())
    run("%%track woken\nrows = len(frame)\naccuracy = 0.5")
    assert sets == [1]
    monkeypatch.undo()
    (dataset,) = run_of(flushed(tracker, store), tracker, "woken")["datasets"]
    assert dataset["name"] == "frame"
