"""What changes between two runs of one process is recorded by the second: the run API
keeps the environment snapshot cheap by caching, and the caches must not hide a change."""

from __future__ import annotations

import subprocess
import sys

import jupyter_mlops as mlops
from tests.wheels import install_tiny_wheel


def _git(repo, *args):
    return subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c",
                           "user.email=t@example.com", "-c", "commit.gpgsign=false", *args],
                          check=True, capture_output=True, text=True).stdout.strip()


def _environment(run_id):
    return mlops.get_run(run_id)["environment"]


def test_a_commit_and_a_branch_switch_between_two_runs_are_recorded(store_dir, tmp_path,
                                                                    monkeypatch):
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    (repo / "train.py").write_text("EPOCHS = 1\n")
    _git(repo, "add", "train.py")
    _git(repo, "commit", "-q", "-m", "one")
    monkeypatch.chdir(repo)
    first = _environment(mlops.log_run("one"))["git"]
    (repo / "train.py").write_text("EPOCHS = 2\n")  # same size: only the commit tells
    _git(repo, "commit", "-q", "-am", "two")
    second = _environment(mlops.log_run("two"))["git"]
    assert first["commit"] != second["commit"] == _git(repo, "rev-parse", "HEAD")
    _git(repo, "checkout", "-q", "-b", "feature")
    assert _environment(mlops.log_run("three"))["git"]["branch"] == "feature"


def test_a_package_installed_between_two_runs_is_recorded(store_dir, tmp_path, monkeypatch):
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.setattr(sys, "path", [*sys.path, str(site)])
    before = mlops.log_run("before")
    install_tiny_wheel(tmp_path, "tinyrun-mlops", "1.2.3")
    after = mlops.log_run("after")
    assert "tinyrun-mlops" not in _environment(before)["packages"]
    assert _environment(after)["packages"]["tinyrun-mlops"] == "1.2.3"
    assert mlops.get_run(before)["environment"]["environment_id"] != \
        mlops.get_run(after)["environment"]["environment_id"]
