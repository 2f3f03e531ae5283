"""``jupyter mlops``: the JSON contract, tables, and clear errors for bad input."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys

import pandas as pd
import pytest

import jupyter_mlops as mlops
from jupyter_mlops.cli import main
from tests.conftest import run_cli

RUN_KEYS = {"run_id", "name", "experiment", "notebook", "status", "started", "duration_s",
            "params", "metrics", "tags"}


@pytest.fixture
def two_runs(store_dir):
    df = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": ["a", "b", "c"]})
    with mlops.start_run(name="first", experiment="churn") as a:
        a.log_params({"C": 1.0})
        a.log_metric("accuracy", 0.8)
        a.log_dataset(df, name="train", role="train")
    with mlops.start_run(name="second", experiment="churn") as b:
        b.log_params({"C": 2.0})
        b.log_metric("accuracy", 0.9)
        b.set_tag("team", "risk")
    return a.run_id, b.run_id


def _json(capsys, *argv):
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_runs_json_is_the_documented_contract(two_runs, capsys):
    rows = _json(capsys, "runs", "--format", "json")
    assert [r["name"] for r in rows] == ["second", "first"]
    assert all(set(r) >= RUN_KEYS for r in rows)
    assert rows[0]["started"].endswith("Z") and "T" in rows[0]["started"]
    assert rows[0]["params"] == {"C": "2.0"} and rows[0]["metrics"] == {"accuracy": 0.9}
    assert rows[0]["tags"] == {"team": "risk"}
    assert isinstance(rows[0]["duration_s"], float)


def test_runs_filters_sort_and_limit(two_runs, capsys):
    assert [r["name"] for r in _json(capsys, "runs", "--format", "json", "--sort",
                                     "metrics.accuracy")] == ["first", "second"]
    assert len(_json(capsys, "runs", "--format", "json", "--limit", "1")) == 1
    assert _json(capsys, "runs", "--format", "json", "--experiment", "other") == []
    assert len(_json(capsys, "runs", "--format", "json", "--status", "finished")) == 2


def test_show_json_has_datasets_environment_artifacts_lineage_warnings(two_runs, capsys):
    record = _json(capsys, "show", two_runs[0], "--format", "json")
    assert set(record) >= RUN_KEYS
    (d,) = record["datasets"]
    assert {"dataset_id", "name", "role", "fingerprint", "source", "schema", "shape"} <= set(d)
    assert d["shape"] == [3, 2]
    assert {"environment_id", "python", "platform", "packages", "git", "hardware",
            "env_vars"} <= set(record["environment"])
    assert record["artifacts"] == [] and record["lineage"] == [] and record["warnings"] == []


def test_tables_for_people(two_runs, capsys):
    assert main(["runs"]) == 0
    out = capsys.readouterr().out
    assert "first" in out and "second" in out and "accuracy" in out
    assert main(["show", two_runs[1]]) == 0
    assert "team" in capsys.readouterr().out
    assert main(["compare", *two_runs]) == 0
    out = capsys.readouterr().out
    assert "* " in out and "params.C" in out
    assert main(["datasets"]) == 0
    assert "train" in capsys.readouterr().out


def test_compare_and_datasets_json(two_runs, capsys):
    result = _json(capsys, "compare", *two_runs, "--format", "json")
    assert result["params"]["C"] == ["1.0", "2.0"] and result["differences"]["params"] == ["C"]
    (dataset,) = _json(capsys, "datasets", "--format", "json")
    assert dataset["name"] == "train" and dataset["runs"] == 1


@pytest.mark.parametrize("argv, message", [
    (["runs", "--format", "xml"], "invalid choice: 'xml'"),
    (["runs", "--sort", "bogus"], "unknown sort key 'bogus'"),
    (["runs", "--limit", "0"], "expected a positive integer"),
    (["show", "no-such-run"], "no run 'no-such-run'"),
    (["compare", "only-one"], "at least two run ids"),
    (["runs", "--store", "postgresql://"], "malformed store URL"),
    (["runs", "--store", "nosuchdialect://h/db"], "cannot use store"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
])
def test_bad_input_is_one_line_on_stderr_and_writes_nothing(two_runs, argv, message, capsys):
    before = _row_counts()
    assert _exit_code(argv) != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err and "Traceback" not in err
    assert _row_counts() == before


def _exit_code(argv):
    try:
        return main(argv)
    except SystemExit as e:
        return e.code


def _row_counts():
    con = sqlite3.connect(os.path.join(os.environ["JUPYTER_MLOPS_STORE"], "mlops.db"))
    tables = [r[0] for r in con.execute("select name from sqlite_master where type='table'")]
    return {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in tables}


def test_reading_a_store_that_does_not_exist_yet_creates_nothing(tmp_path, capsys):
    target = tmp_path / "nowhere"
    assert main(["runs", "--store", str(target), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["datasets", "--store", str(target)]) == 0
    assert "(none)" in capsys.readouterr().out
    assert main(["show", "abc", "--store", str(target)]) == 1
    assert "no store at" in capsys.readouterr().err
    assert not target.exists()


def test_unwritable_store_location(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run_cli("doctor", "--store", str(blocker / "store"))
    assert result.returncode == 1
    assert "cannot create store directory" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_doctor_passes_on_a_good_installation(store_dir):
    result = run_cli("doctor", "--format", "json")
    checks = {c["check"]: c for c in json.loads(result.stdout)}
    assert checks["store"]["ok"] and checks["schema version"]["ok"]
    assert checks["sqlite WAL"]["ok"] and checks["packages"]["ok"]
    assert checks["server extension"]["ok"], checks["server extension"]
    assert checks["labextension"]["ok"], checks["labextension"]
    assert result.returncode == 0


def test_jupyter_mlops_is_a_jupyter_subcommand(store_dir):
    jupyter = shutil.which("jupyter", path=os.path.dirname(sys.executable))
    result = subprocess.run([jupyter, "mlops", "runs", "--format", "json"], capture_output=True,
                            text=True, timeout=60, env={**os.environ, "PATH": os.path.dirname(
                                sys.executable) + os.pathsep + os.environ["PATH"]})
    assert result.returncode == 0 and json.loads(result.stdout) == []  # nothing recorded yet
    mlops.start_run(name="x").end()
    result = subprocess.run([jupyter, "mlops", "runs", "--format", "json"], capture_output=True,
                            text=True, timeout=60, env={**os.environ, "PATH": os.path.dirname(
                                sys.executable) + os.pathsep + os.environ["PATH"]})
    assert result.returncode == 0 and json.loads(result.stdout)[0]["name"] == "x"


@pytest.mark.parametrize("content", [b"not a database at all" * 50, b"SQLite format 3\x00" + bytes(
    range(256)) * 16], ids=["text", "damaged header"])
def test_a_corrupt_store_file_is_one_line_naming_it_and_what_to_do(store_dir, content):
    store_dir.mkdir()
    db_file = store_dir / "mlops.db"
    db_file.write_bytes(content)
    for argv in (["runs"], ["show", "abc"], ["compare", "a", "b"], ["datasets"],
                 ["runs", "--format", "json"]):
        result = run_cli(*argv)
        assert result.returncode == 1 and result.stdout == "", argv
        (line,) = result.stderr.splitlines()
        assert line.startswith("jupyter mlops: error: store file ") and str(db_file) in line
        assert "move it aside" in line and "restore it from a backup" in line
    assert db_file.read_bytes() == content  # left as it was, for the user to rescue


@pytest.mark.parametrize("argv, name", [
    (["show", b"\xff\xfe".decode(errors="surrogateescape")], "run id"),
    (["runs", "--experiment", b"ex\xff".decode(errors="surrogateescape")], "experiment"),
    (["compare", "a", b"\xff".decode(errors="surrogateescape")], "run ids"),
])
def test_arguments_that_are_not_utf8_are_one_line(two_runs, argv, name, capsys):
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"jupyter mlops: error: {name} ") and "not valid UTF-8" in err
    assert len(err.splitlines()) == 1
