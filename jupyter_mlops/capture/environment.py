"""The environment a run executed in: interpreter, platform, packages, conda, git, hardware.

``snapshot()`` is cheap to call repeatedly (an unchanged environment keeps its id without
being serialised and hashed again). Everything is read in-process except the git
working-tree state, and each part is cached on what can change it:

- python, platform and hardware: once per process (GPUs via NVML, else ``nvidia-smi``).
- packages: on (sys.path, each entry directory's mtime), one stat per entry (installing or
  removing a distribution adds or removes a ``*.dist-info`` directory there). Versions come from the
  ``*.dist-info``/``*.egg-info`` directory names; metadata files are opened only when a name
  does not carry an unambiguous version.
- git commit/branch/remote: from ``.git`` files, each stat-ed on every call and read again
  when its stat changed (git replaces these files, it never edits them in place), so a
  commit or checkout is seen by the next call. Looking for ``.git`` costs one ``access``
  per directory level.
- git dirty flag and diff: one ``git status`` (and ``git diff HEAD`` when dirty), cached on
  (repository root, HEAD, commit, index mtime) for at most ``GIT_STATUS_MAX_AGE_SECONDS``.
  Commits, checkouts and ``git add`` are seen at once; an unstaged edit of a tracked file
  changes none of those, so it is seen when the cached answer expires.
  Notebooks (``*.ipynb``) are left out of the dirty flag and the diff: the notebook being run
  changes with every save, and its cells are recorded on their own.
- environment variables: only allowlisted names; values of secret-looking names are replaced
  by ``REDACTED`` and the rest pass through ``redact`` (credentials in URLs).
"""

from __future__ import annotations

import fnmatch
import functools
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import xxhash

from ..redact import REDACTED, is_secret_name, redact, strip_url_credentials

DEFAULT_ENV_ALLOWLIST: tuple[str, ...] = (
    "CUDA_VISIBLE_DEVICES", "CUDA_DEVICE_ORDER", "NVIDIA_VISIBLE_DEVICES",
    "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS",
    "PYTHONHASHSEED", "TZ", "LANG", "LC_ALL", "CONDA_DEFAULT_ENV", "VIRTUAL_ENV",
    "PYTORCH_CUDA_ALLOC_CONF", "TOKENIZERS_PARALLELISM", "TF_CPP_MIN_LOG_LEVEL", "XLA_FLAGS",
    "JUPYTER_MLOPS_*", "MLOPS_*",
)
GIT_STATUS_MAX_AGE_SECONDS = 2.0
GIT_DIFF_MAX_BYTES = 10 << 20  # a diff of a tracked data file is not worth storing whole
_SUBPROCESS_TIMEOUT_SECONDS = 10
_NOT_NOTEBOOKS = ("--", ".", ":(exclude)*.ipynb")


class EnvironmentSnapshot:
    """``environment_id`` is a hash of ``data``; ``git_diff`` is stored as an artifact.

    ``data`` is built when first read, as the caller's own copy: a run in an environment
    the store already has needs only the id."""

    def __init__(self, environment_id: str, parts: tuple[Any, ...], git_diff: str | None):
        self.environment_id = environment_id
        self.git_diff = git_diff
        self._parts = parts

    @functools.cached_property
    def data(self) -> dict[str, Any]:
        packages, conda, git, env_vars = self._parts
        return {
            "python": dict(_python()),
            "platform": dict(_platform()),
            "packages": dict(packages),
            "conda": None if conda is None else dict(conda),  # flat: a copy is a dict()
            "git": None if git is None else dict(git),
            "hardware": json.loads(_hardware_json()),
            "env_vars": dict(env_vars),
        }


def snapshot(*, env_allowlist: tuple[str, ...] = DEFAULT_ENV_ALLOWLIST,
             cwd: str | None = None) -> EnvironmentSnapshot:
    """Describe the current environment; identical environments get the same id."""
    global _last_id
    git, diff = _git(os.path.abspath(cwd or os.getcwd()))
    packages = _packages()
    parts = (packages, _conda(), git, _env_vars(tuple(env_allowlist)))
    last = _last_id  # one tuple, swapped whole: threads may snapshot at once
    if last is not None and last[0] == parts and last[1] is packages:  # a repeat: no re-hash
        return EnvironmentSnapshot(last[2], parts, diff)
    snap = EnvironmentSnapshot("", parts, diff)
    canonical = json.dumps(snap.data, sort_keys=True, separators=(",", ":"))
    snap.environment_id = xxhash.xxh3_128(canonical.encode()).hexdigest()[:20]
    _last_id = (parts, packages, snap.environment_id)
    return snap


# (the parts it was hashed from, the packages mapping it read, the id): a repeat call whose
# parts are equal reuses the id without serialising 170 packages again.
_last_id: tuple[Any, ...] | None = None


@functools.cache
def _python() -> tuple[tuple[str, str], ...]:
    return (("version", platform.python_version()),
            ("implementation", platform.python_implementation()),
            ("executable", sys.executable))


@functools.cache
def _platform() -> tuple[tuple[str, str], ...]:
    uname = platform.uname()
    return (("system", uname.system), ("release", uname.release), ("machine", uname.machine),
            ("platform", platform.platform()))


# --- packages ---------------------------------------------------------------------------

_entry_cache: dict[str, tuple[int, dict[str, str]]] = {}
_merged: list[Any] = [None, {}]  # [(sys.path, entry mtimes), merged packages]


def _packages() -> dict[str, str]:
    """Installed distributions (PEP 503 names) -> version; the first on sys.path wins.

    Costs one ``stat`` per ``sys.path`` entry (about a microsecond each) on a repeat call:
    installing, upgrading or removing a distribution creates or removes a ``*.dist-info`` /
    ``*.egg-info`` entry in its directory, which changes that directory's mtime, so the
    (sys.path, mtimes) key changes exactly when a rescan could find something new."""
    mtimes = []
    for entry in sys.path:
        try:
            mtimes.append(os.stat(entry or ".").st_mtime_ns)
        except OSError:
            mtimes.append(None)
    key = (tuple(sys.path), tuple(mtimes), os.getcwd())  # relative entries follow the cwd
    if _merged[0] != key:
        packages: dict[str, str] = {}
        for entry, mtime in zip(sys.path, mtimes, strict=True):
            if mtime is None:
                continue
            path = os.path.abspath(entry or ".")
            cached = _entry_cache.get(path)
            if cached is None or cached[0] != mtime:
                cached = (mtime, _scan(path))
                _entry_cache[path] = cached
            for name, version in cached[1].items():
                packages.setdefault(name, version)
        _merged[:] = [key, packages]
    return _merged[1]  # the same mapping until something changes: read it, do not modify


def _scan(directory: str) -> dict[str, str]:
    try:
        names = sorted(entry.name for entry in os.scandir(directory)
                       if entry.name.endswith((".dist-info", ".egg-info")))
    except OSError:  # a zip file or an unreadable directory
        return {}
    found: dict[str, str] = {}
    for name in names:
        stem, _, suffix = name.rpartition(".")
        parts = stem.split("-")
        # name-version.dist-info; egg-info may add -pyX.Y; anything else is ambiguous.
        if len(parts) == 2 or (suffix == "egg-info" and len(parts) == 3
                               and parts[2].startswith("py")):
            distribution, version = parts[0], parts[1]
        else:
            distribution, version = _read_metadata(os.path.join(directory, name))
        if distribution and version:
            found.setdefault(_normalize_name(distribution), version)
    return found


def _read_metadata(path: str) -> tuple[str | None, str | None]:
    candidates = [os.path.join(path, "METADATA"), os.path.join(path, "PKG-INFO"), path]
    for candidate in candidates:
        if not os.path.isfile(candidate):
            continue
        name = version = None
        with open(candidate, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if not line.strip():
                    break  # end of the headers
                key, _, value = line.partition(":")
                if key == "Name":
                    name = value.strip()
                elif key == "Version":
                    version = value.strip()
        return name, version
    return None, None


def _normalize_name(name: str) -> str:
    """PEP 503 normalised distribution name."""
    return re.sub(r"[-_.]+", "-", name).lower()


# --- conda and environment variables ------------------------------------------------------

def _conda() -> dict[str, str] | None:
    prefix = os.environ.get("CONDA_PREFIX")
    name = os.environ.get("CONDA_DEFAULT_ENV")
    if not prefix and not name:
        return None
    return {"name": name or os.path.basename(prefix or ""), "prefix": prefix or ""}


@functools.lru_cache(maxsize=16)
def _allowlist_matcher(allowlist: tuple[str, ...]) -> Callable[[str], Any]:
    """One regex for the allowlist (a name without glob characters matches only itself),
    so that a name is checked by a single C call."""
    return re.compile("|".join(fnmatch.translate(pattern) for pattern in allowlist)
                      or "(?!)").match


def _env_vars(allowlist: tuple[str, ...]) -> dict[str, str]:
    names = sorted(filter(_allowlist_matcher(allowlist), os.environ))
    return {name: REDACTED if is_secret_name(name) else redact(os.environ[name])
            for name in names}  # values of the allowed names only: each read is a decode


# --- git --------------------------------------------------------------------------------

# repository root -> (state key, monotonic time, dirty, diff, diff hash)
_git_cache: dict[str, tuple[tuple[Any, ...], float, bool | None, str | None, str | None]] = {}


def _git(cwd: str) -> tuple[dict[str, Any] | None, str | None]:
    located = _find_repository(cwd)
    if located is None:
        return None, None
    root, git_dir, common_dir = located
    head = _read_git_file(os.path.join(git_dir, "HEAD")) or ""
    branch, commit = _resolve_head(head, git_dir, common_dir)
    try:
        index_mtime = os.stat(os.path.join(git_dir, "index")).st_mtime_ns
    except OSError:
        index_mtime = None
    key = (head, commit, index_mtime)
    cached = _git_cache.get(root)
    if (cached is None or cached[0] != key
            or time.monotonic() - cached[1] > GIT_STATUS_MAX_AGE_SECONDS):
        dirty, diff = _working_tree_state(root, commit is not None)
        diff_hash = xxhash.xxh3_128(diff.encode()).hexdigest()[:20] if diff else None
        cached = (key, time.monotonic(), dirty, diff, diff_hash)
        _git_cache[root] = cached
    _, _, dirty, diff, diff_hash = cached
    config = _read_git_file(os.path.join(common_dir, "config")) or ""
    return {
        "commit": commit,
        "branch": branch,
        "remote": _remote_url(config, branch),
        "dirty": dirty,
        "diff_hash": diff_hash,
    }, diff


def _find_repository(cwd: str) -> tuple[str, str, str] | None:
    """(work tree root, git dir, common dir), following ``.git`` files (worktrees)."""
    for directory, dot_git in _levels(cwd):
        if not os.access(dot_git, os.F_OK):  # most levels: no exception raised and caught
            continue
        if os.path.isdir(dot_git):
            git_dir = dot_git
            break
        if os.path.isfile(dot_git):
            pointer = (_read_git_file(dot_git) or "").strip()
            if pointer.startswith("gitdir:"):
                git_dir = os.path.normpath(os.path.join(directory, pointer[7:].strip()))
                break
    else:
        return None
    common = (_read_git_file(os.path.join(git_dir, "commondir")) or "").strip()
    return directory, git_dir, os.path.normpath(os.path.join(git_dir, common or "."))


@functools.lru_cache(maxsize=64)
def _levels(cwd: str) -> tuple[tuple[str, str], ...]:
    """(directory, its .git path) from ``cwd`` up to the root: only the checks repeat."""
    levels = []
    directory = cwd
    while True:
        levels.append((directory, os.path.join(directory, ".git")))
        parent = os.path.dirname(directory)
        if parent == directory:
            return tuple(levels)
        directory = parent


def _resolve_head(head: str, git_dir: str, common_dir: str) -> tuple[str | None, str | None]:
    head = head.strip()
    if not head.startswith("ref:"):
        return None, head or None  # detached HEAD
    ref = head[4:].strip()
    branch = ref.removeprefix("refs/heads/")
    for directory in (git_dir, common_dir):
        loose = _read_git_file(os.path.join(directory, *ref.split("/")))
        if loose:
            return branch, loose.strip()
    packed = _read_git_file(os.path.join(common_dir, "packed-refs")) or ""
    return branch, _packed_ref(packed, ref)  # None: an unborn branch, no commit yet


# The files' texts are the cached objects of _read_git_file (their hashes are kept), so a
# repeat call parses nothing: packed-refs can list thousands of refs.
@functools.lru_cache(maxsize=64)
def _packed_ref(packed_refs: str, ref: str) -> str | None:
    for line in packed_refs.splitlines():
        sha, _, name = line.partition(" ")
        if name.strip() == ref and not line.startswith(("#", "^")):
            return sha
    return None


@functools.lru_cache(maxsize=64)
def _remote_url(config: str, branch: str | None) -> str | None:
    """The branch's remote, else origin, else the first remote, from ``.git/config``'s
    text; without credentials."""
    urls: dict[str, str] = {}
    branch_remote = None
    section = ""
    for raw in config.splitlines():
        line = raw.strip()
        if line.startswith("["):
            section = line.strip("[]").strip()
            continue
        key, _, value = line.partition("=")
        key, value = key.strip().lower(), value.strip().strip('"')
        if section.startswith("remote ") and key == "url":
            urls.setdefault(section[7:].strip('"'), value)
        elif branch and section == f'branch "{branch}"' and key == "remote":
            branch_remote = value
    chosen = [urls[name] for name in (branch_remote, "origin") if name in urls]
    remote = chosen[0] if chosen else next(iter(urls.values()), None)
    return strip_url_credentials(remote) if remote else None


def _working_tree_state(root: str, has_commit: bool) -> tuple[bool | None, str | None]:
    """(dirty, redacted diff against HEAD) of tracked non-notebook files; None if unknown."""
    status = _run_git(root, "status", "--porcelain", "--untracked-files=no", *_NOT_NOTEBOOKS)
    if status is None:
        return None, None
    if not status.strip():
        return False, None
    if not has_commit:
        return True, None
    diff = _run_git(root, "diff", "HEAD", "--no-color", "--no-ext-diff", *_NOT_NOTEBOOKS)
    if not diff:
        return True, None
    if len(diff) > GIT_DIFF_MAX_BYTES:
        diff = diff[:GIT_DIFF_MAX_BYTES] + f"\n[diff truncated at {GIT_DIFF_MAX_BYTES} bytes]\n"
    return True, redact(diff)


def _run_git(root: str, *args: str) -> str | None:
    if shutil.which("git") is None:
        return None
    try:
        # No optional locks: a status that rewrote the index would change its own cache key.
        result = subprocess.run(["git", "-C", root, *args], capture_output=True,
                                env={**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"},
                                timeout=_SUBPROCESS_TIMEOUT_SECONDS, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if result.returncode != 0:
        return None
    return result.stdout.decode("utf-8", errors="replace")


# path -> ((inode, mtime, size), text). Git changes these files by writing a lock file and
# renaming it over the old one (a new inode), so a file whose stat is unchanged holds the
# text read before: a stat (~1.5 µs) instead of an open and read (~10 µs) on every run.
_git_files: dict[str, tuple[tuple[int, int, int], str]] = {}


def _read_git_file(path: str) -> str | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    key = (st.st_ino, st.st_mtime_ns, st.st_size)
    cached = _git_files.get(path)
    if cached is None or cached[0] != key:
        text = _read(path)
        if text is None:
            return None
        cached = _git_files[path] = (key, text)
    return cached[1]


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return None


# --- hardware -----------------------------------------------------------------------------

@functools.cache
def _hardware_json() -> str:
    """Hardware does not change under a running process: detected once, kept as JSON so that
    every snapshot gets its own copy."""
    return json.dumps({
        "cpu_model": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "memory_bytes": _memory_bytes(),
        "gpus": _gpus(),
    })


def _cpu_model() -> str:
    for line in (_read("/proc/cpuinfo") or "").splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("model name", "Model", "cpu model"):
            return value.strip()
    return platform.processor() or platform.machine()


def _memory_bytes() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        try:
            import psutil
        except ImportError:
            return None
        return int(psutil.virtual_memory().total)


def _gpus() -> list[dict[str, Any]]:
    """NVIDIA GPUs via NVML when ``pynvml`` is importable, else ``nvidia-smi``, else []."""
    try:
        import pynvml
    except ImportError:
        pynvml = None
    if pynvml is not None:
        try:
            pynvml.nvmlInit()
            try:
                driver = _text(pynvml.nvmlSystemGetDriverVersion())
                handles = [pynvml.nvmlDeviceGetHandleByIndex(i)
                           for i in range(pynvml.nvmlDeviceGetCount())]
                return [{"name": _text(pynvml.nvmlDeviceGetName(handle)),
                         "memory_bytes": int(pynvml.nvmlDeviceGetMemoryInfo(handle).total),
                         "driver": driver} for handle in handles]
            finally:
                pynvml.nvmlShutdown()
        except Exception:  # NVML present but no driver or no device: try nvidia-smi
            pass
    executable = shutil.which("nvidia-smi")
    if executable is None:
        return []
    try:
        result = subprocess.run(
            [executable, "--query-gpu=name,memory.total,driver_version",
             "--format=csv,noheader,nounits"],
            capture_output=True, text=True, timeout=_SUBPROCESS_TIMEOUT_SECONDS, check=True)
    except (OSError, subprocess.SubprocessError):
        return []
    gpus = []
    for line in result.stdout.splitlines():
        fields = [field.strip() for field in line.split(",")]
        if len(fields) == 3:
            name, memory_mib, driver = fields
            memory = int(float(memory_mib) * 2**20) if _is_number(memory_mib) else None
            gpus.append({"name": name, "memory_bytes": memory, "driver": driver})
    return gpus


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
