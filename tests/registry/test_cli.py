"""The registry from a terminal: headless export of a notebook (its live model registered from
the kernel that ran it), listing, aliases, verify's exit status, one-line errors."""

from __future__ import annotations

import json

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from ..conftest import run_cli
from .conftest import FEATURES, IMPORTS, READ, SCORE, write_data


def cli(*args, env, expect=0):
    result = run_cli(*args, env=env)
    assert result.returncode == expect, result.stderr
    if expect:
        # One line of ours (a kernel it started may log its own start-up warning).
        ours = [line for line in result.stderr.splitlines() if "IPKernelApp" not in line]
        assert len(ours) == 1 and "Traceback" not in result.stderr, result.stderr
        return ours[0]
    return json.loads(result.stdout) if "--format" in args else result.stdout


def test_export_list_alias_verify_from_the_terminal(tmp_path):
    write_data(tmp_path)
    notebook = tmp_path / "train.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell(s) for s in [
        IMPORTS, READ, FEATURES, "model = LogisticRegression(C=2.0, max_iter=500).fit(X, y)",
        SCORE]]), str(notebook))
    env = {"JUPYTER_MLOPS_STORE": str(tmp_path / "store"), "JUPYTER_DATA_DIR": str(tmp_path)}

    version = cli("export", str(notebook), "--name", "exported", "--alias", "ci",
                  "--format", "json", env=env)
    assert (version["version"], version["source"], version["aliases"]) == (1, "live", ["ci"])
    assert version["model_variable"] == "model" and version["metrics"]["accuracy"] > 0.9
    listed = cli("models", "--format", "json", env=env)["models"]
    assert [(m["name"], m["latest_version"]) for m in listed] == [("exported", 1)]
    assert "exported@production -> version 1" in cli("alias", "exported", "production", "1",
                                                     env=env)
    shown = cli("models", "exported", "--format", "json", env=env)
    assert shown["aliases"] == {"ci": 1, "production": 1}
    assert "reproduced" in cli("verify", "exported@production", env=env)

    assert "no run 'nosuch'" in cli("package", "nosuch", "--name", "x", env=env, expect=1)
    assert "no version 9" in cli("alias", "exported", "prod", "9", env=env, expect=1)
    assert "not a model reference" in cli("verify", "bad ref", env=env, expect=1)
    assert "cannot read notebook" in cli("export", str(tmp_path / "missing.ipynb"), "--name",
                                         "x", env=env, expect=1)
    broken = tmp_path / "broken.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("1 / 0")]), str(broken))
    assert "ZeroDivisionError" in cli("export", str(broken), "--name", "x", env=env, expect=1)
    assert [m["name"] for m in cli("models", "--format", "json", env=env)["models"]] == \
        ["exported"]
