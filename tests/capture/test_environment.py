import importlib.metadata
import os
import re
import subprocess
import sys
import time
import types

import pytest

from jupyter_mlops.capture import environment
from jupyter_mlops.capture.environment import (
    DEFAULT_ENV_ALLOWLIST,
    EnvironmentSnapshot,
    snapshot,
)
from jupyter_mlops.redact import REDACTED
from tests.wheels import install_tiny_wheel

SECRET = "hunter2hunter2"


def git(repo, *args):
    return subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=T", "-c", "user.email=t@example.com",
         "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args],
        check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def repo(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    (root / "train.py").write_text("import numpy\nEPOCHS = 3\n")
    (root / "analysis.ipynb").write_text('{"cells": []}\n')
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "first")
    git(root, "remote", "add", "origin", f"https://bob:{SECRET}@github.com/org/repo.git")
    return root


def test_snapshot_shape_and_id(repo):
    snap = snapshot(cwd=str(repo))
    assert isinstance(snap, EnvironmentSnapshot)
    assert set(snap.data) == {"python", "platform", "packages", "conda", "git", "hardware",
                              "env_vars"}
    assert re.fullmatch(r"[0-9a-f]{20}", snap.environment_id)
    assert snap.data["python"]["version"] == ".".join(map(str, sys.version_info[:3]))
    assert snap.data["python"]["executable"] == sys.executable
    assert set(snap.data["platform"]) == {"system", "release", "machine", "platform"}
    hardware = snap.data["hardware"]
    assert hardware["cpu_count"] == os.cpu_count() and hardware["memory_bytes"] > 0
    assert isinstance(hardware["gpus"], list)
    again = snapshot(cwd=str(repo))
    assert again.environment_id == snap.environment_id and again.data == snap.data


def test_snapshot_data_is_a_private_copy(repo):
    first = snapshot(cwd=str(repo))
    first.data["packages"]["numpy"] = "0.0"
    first.data["hardware"]["gpus"].append({"name": "fake"})
    first.data["python"]["version"] = "0"
    second = snapshot(cwd=str(repo))
    assert second.data["packages"]["numpy"] != "0.0"
    assert second.data["hardware"]["gpus"] == []
    assert second.data["python"]["version"] != "0"


def test_environment_id_changes_with_content(repo, monkeypatch):
    base = snapshot(cwd=str(repo)).environment_id
    monkeypatch.setenv("OMP_NUM_THREADS", "7")
    assert snapshot(cwd=str(repo)).environment_id != base
    monkeypatch.delenv("OMP_NUM_THREADS")
    assert snapshot(cwd=str(repo)).environment_id == base


def test_packages_match_importlib_metadata():
    expected = {}
    for dist in importlib.metadata.distributions():
        name = re.sub(r"[-_.]+", "-", dist.metadata["Name"]).lower()
        expected.setdefault(name, dist.version)
    assert environment._packages() == expected
    assert "xxhash" in expected and "pandas" in expected


def make_dist(directory, dirname, metadata=None):
    path = directory / dirname
    path.mkdir()
    if metadata is not None:
        (path / ("METADATA" if dirname.endswith(".dist-info") else "PKG-INFO")).write_text(
            metadata)
    return path


def test_package_scan_names_versions_and_precedence(tmp_path, monkeypatch):
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    make_dist(first, "Foo_Bar-1.2.dist-info")
    make_dist(first, "weird-name-3.0.dist-info", "Metadata-Version: 2.1\nName: Weird.Name\n"
              "Version: 3.0rc1\n\nName: not-a-header\n")
    make_dist(first, "legacy-0.9-py3.11.egg-info")
    make_dist(first, "srcpkg.egg-info", "Metadata-Version: 1.0\nName: src_pkg\nVersion: 0.1\n")
    (first / "old_style-2.0-py2.7.egg-info").write_text("Name: old\n")  # a file, not a dir
    (first / "not_a_dist").mkdir()
    make_dist(second, "foo.bar-9.9.dist-info")  # shadowed by first on sys.path
    make_dist(second, "other-1.0.dist-info")
    monkeypatch.setattr(sys, "path", [str(first), str(tmp_path / "missing"), str(second)])
    assert environment._packages() == {
        "foo-bar": "1.2", "weird-name": "3.0rc1", "legacy": "0.9", "src-pkg": "0.1",
        "old-style": "2.0", "other": "1.0",
    }


def test_package_cache_follows_directory_changes(tmp_path, monkeypatch):
    site = tmp_path / "site"
    site.mkdir()
    make_dist(site, "alpha-1.0.dist-info")
    monkeypatch.setattr(sys, "path", [str(site)])
    assert environment._packages() == {"alpha": "1.0"}
    scans = []
    real_scan = environment._scan
    monkeypatch.setattr(environment, "_scan", lambda path: scans.append(path) or real_scan(path))
    assert environment._packages() == {"alpha": "1.0"}
    assert scans == []  # unchanged directory: not listed again
    (site / "alpha-1.0.dist-info").rename(site / "alpha-2.0.dist-info")
    stat = os.stat(site)
    os.utime(site, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert environment._packages() == {"alpha": "2.0"}
    assert scans == [str(site)]


def test_git_info_read_from_the_repository(repo):
    snap = snapshot(cwd=str(repo / "."))
    info = snap.data["git"]
    assert info["commit"] == git(repo, "rev-parse", "HEAD")
    assert info["branch"] == "main"
    assert info["remote"] == "https://github.com/org/repo.git"
    assert info["dirty"] is False and info["diff_hash"] is None
    assert snap.git_diff is None
    sub = repo / "sub" / "deeper"
    sub.mkdir(parents=True)
    assert snapshot(cwd=str(sub)).data["git"] == info


def test_not_a_repository(tmp_path):
    snap = snapshot(cwd=str(tmp_path))
    assert snap.data["git"] is None and snap.git_diff is None


def test_dirty_diff_is_redacted_and_notebooks_are_ignored(repo):
    (repo / "analysis.ipynb").write_text('{"cells": [1]}\n')
    assert snapshot(cwd=str(repo)).data["git"]["dirty"] is False
    (repo / "train.py").write_text(f'import numpy\nEPOCHS = 5\npassword = "{SECRET}"\n')
    git(repo, "add", "train.py")  # moves the index mtime: seen at once
    snap = snapshot(cwd=str(repo))
    assert snap.data["git"]["dirty"] is True
    assert "+EPOCHS = 5" in snap.git_diff and "analysis.ipynb" not in snap.git_diff
    assert SECRET not in snap.git_diff and REDACTED in snap.git_diff
    assert re.fullmatch(r"[0-9a-f]{20}", snap.data["git"]["diff_hash"])
    assert SECRET not in repr(snap.data)


def test_git_state_is_cached_until_head_index_or_max_age_changes(repo, monkeypatch):
    snapshot(cwd=str(repo))
    calls = []
    real_run = subprocess.run
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: calls.append(a) or real_run(*a, **k))
    for _ in range(3):
        assert snapshot(cwd=str(repo)).data["git"]["dirty"] is False
    assert calls == []

    # An unstaged edit moves neither HEAD nor the index: seen once the answer expires.
    (repo / "train.py").write_text("import numpy\nEPOCHS = 4\n")
    monkeypatch.setattr(environment, "GIT_STATUS_MAX_AGE_SECONDS", 0.05)
    time.sleep(0.1)
    snap = snapshot(cwd=str(repo))
    assert snap.data["git"]["dirty"] is True and "+EPOCHS = 4" in snap.git_diff
    assert len(calls) == 2  # status, then diff

    monkeypatch.setattr(environment, "GIT_STATUS_MAX_AGE_SECONDS", 3600)
    git(repo, "commit", "-q", "-am", "second")
    committed = snapshot(cwd=str(repo)).data["git"]
    assert committed["dirty"] is False and committed["commit"] == git(repo, "rev-parse", "HEAD")


def test_detached_head_packed_refs_and_worktree(repo):
    first = git(repo, "rev-parse", "HEAD")
    git(repo, "pack-refs", "--all")
    assert not (repo / ".git" / "refs" / "heads" / "main").exists()
    assert snapshot(cwd=str(repo)).data["git"]["commit"] == first
    git(repo, "checkout", "-q", "--detach")
    detached = snapshot(cwd=str(repo)).data["git"]
    assert detached["branch"] is None and detached["commit"] == first
    git(repo, "checkout", "-q", "main")
    git(repo, "worktree", "add", "-q", "-b", "feature", str(repo.parent / "wt"))
    assert (repo.parent / "wt" / ".git").is_file()
    worktree = snapshot(cwd=str(repo.parent / "wt")).data["git"]
    assert worktree["branch"] == "feature" and worktree["commit"] == first
    assert worktree["remote"] == "https://github.com/org/repo.git"


def test_unborn_branch(tmp_path):
    git(tmp_path, "init", "-q")
    info = snapshot(cwd=str(tmp_path)).data["git"]
    assert info["commit"] is None and info["branch"] == "main" and info["dirty"] is False


def test_env_vars_allowlist_globs_and_secrets(monkeypatch, tmp_path):
    monkeypatch.setenv("MLOPS_MODE", "fast")
    monkeypatch.setenv("MLOPS_API_TOKEN", "t0ps3cret")
    monkeypatch.setenv("JUPYTER_MLOPS_STORE", f"postgresql://me:{SECRET}@db/mlops")
    monkeypatch.setenv("UNLISTED_SETTING", "1")
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0,1")
    env = snapshot(cwd=str(tmp_path)).data["env_vars"]
    assert env["MLOPS_MODE"] == "fast" and env["CUDA_VISIBLE_DEVICES"] == "0,1"
    assert env["MLOPS_API_TOKEN"] == REDACTED
    assert env["JUPYTER_MLOPS_STORE"] == f"postgresql://me:{REDACTED}@db/mlops"
    assert "UNLISTED_SETTING" not in env
    only = snapshot(cwd=str(tmp_path), env_allowlist=("UNLISTED_*",)).data["env_vars"]
    assert only == {"UNLISTED_SETTING": "1"}
    assert "JUPYTER_MLOPS_*" in DEFAULT_ENV_ALLOWLIST


def test_conda(monkeypatch, tmp_path):
    monkeypatch.delenv("CONDA_PREFIX", raising=False)
    monkeypatch.delenv("CONDA_DEFAULT_ENV", raising=False)
    assert snapshot(cwd=str(tmp_path)).data["conda"] is None
    monkeypatch.setenv("CONDA_PREFIX", "/opt/conda/envs/ml")
    monkeypatch.setenv("CONDA_DEFAULT_ENV", "ml")
    assert snapshot(cwd=str(tmp_path)).data["conda"] == {"name": "ml",
                                                         "prefix": "/opt/conda/envs/ml"}


def test_gpus_from_nvidia_smi(tmp_path, monkeypatch):
    script = tmp_path / "nvidia-smi"
    script.write_text("#!/bin/sh\necho 'NVIDIA A100-SXM4-40GB, 40960, 535.104.05'\n"
                      "echo 'Tesla T4, 15360, 535.104.05'\n")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setitem(sys.modules, "pynvml", None)  # import fails
    assert environment._gpus() == [
        {"name": "NVIDIA A100-SXM4-40GB", "memory_bytes": 40960 * 2**20, "driver": "535.104.05"},
        {"name": "Tesla T4", "memory_bytes": 15360 * 2**20, "driver": "535.104.05"},
    ]
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert environment._gpus() == []


def test_gpus_from_nvml(monkeypatch):
    calls = []
    fake = types.SimpleNamespace(
        nvmlInit=lambda: calls.append("init"),
        nvmlShutdown=lambda: calls.append("shutdown"),
        nvmlSystemGetDriverVersion=lambda: b"550.54",
        nvmlDeviceGetCount=lambda: 1,
        nvmlDeviceGetHandleByIndex=lambda i: f"handle{i}",
        nvmlDeviceGetName=lambda h: "NVIDIA H100",
        nvmlDeviceGetMemoryInfo=lambda h: types.SimpleNamespace(total=80 * 2**30),
    )
    monkeypatch.setitem(sys.modules, "pynvml", fake)
    assert environment._gpus() == [{"name": "NVIDIA H100", "memory_bytes": 80 * 2**30,
                                    "driver": "550.54"}]
    assert calls == ["init", "shutdown"]


def test_hardware_is_detected_once(monkeypatch, tmp_path):
    snapshot(cwd=str(tmp_path))
    monkeypatch.setattr(environment, "_gpus", lambda: pytest.fail("hardware probed again"))
    assert snapshot(cwd=str(tmp_path)).data["hardware"]["cpu_count"] == os.cpu_count()


def test_a_package_pip_installed_mid_session_shows_in_the_next_snapshot(tmp_path, monkeypatch):
    target = tmp_path / "site"
    target.mkdir()
    monkeypatch.setattr(sys, "path", [*sys.path, str(target)])
    assert "tinypkg-mlops" not in snapshot().data["packages"]
    install_tiny_wheel(tmp_path, "tinypkg-mlops", "0.3.1")
    assert snapshot().data["packages"]["tinypkg-mlops"] == "0.3.1"
