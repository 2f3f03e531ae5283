"""What changes between two runs of one process is recorded by the second: the run API
keeps the environment snapshot cheap by caching, and the caches must not hide a change."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import jupyter_mlops as mlops


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
    wheel = tmp_path / "tinyrun_mlops-1.2.3-py3-none-any.whl"
    info = "tinyrun_mlops-1.2.3.dist-info"
    with zipfile.ZipFile(wheel, "w") as archive:  # a real wheel, built by hand (no network)
        archive.writestr("tinyrun_mlops/__init__.py", "")
        archive.writestr(f"{info}/METADATA",
                         "Metadata-Version: 2.1\nName: tinyrun-mlops\nVersion: 1.2.3\n")
        archive.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: test\n"
                         "Root-Is-Purelib: true\nTag: py3-none-any\n")
        archive.writestr(f"{info}/RECORD", "")
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.setattr(sys, "path", [*sys.path, str(site)])
    before = mlops.log_run("before")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-index", "--no-deps",
                    "--target", str(site), str(wheel)], check=True, capture_output=True)
    after = mlops.log_run("after")
    assert "tinyrun-mlops" not in _environment(before)["packages"]
    assert _environment(after)["packages"]["tinyrun-mlops"] == "1.2.3"
    assert mlops.get_run(before)["environment"]["environment_id"] != \
        mlops.get_run(after)["environment"]["environment_id"]
