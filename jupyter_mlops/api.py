"""The public Python API: record runs from any Python process (script, notebook, CI job).

    import jupyter_mlops as mlops
    with mlops.start_run(name="baseline", experiment="churn") as run:
        run.log_params({"C": 1.0})
        run.log_metric("accuracy", 0.91)
    mlops.log_run("baseline", "churn", params={"C": 1.0}, metrics={"accuracy": 0.91})

Every run records the environment it ran in, the user and the host, and belongs to a
session: one per process and store, kept alive by a heartbeat so that readers can tell a
crashed process from a long-running one.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import getpass
import mimetypes
import os
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from .redact import redact_bytes
from .store import InvalidInput, Store
from .store.liveness import HEARTBEAT_INTERVAL_S, process_started_ms, this_host

DEFAULT_EXPERIMENT = "default"
# What resolving a store location reads besides its argument and the working directory:
# the store variables, and those behind ~ and jupyter_data_dir() (the default store).
_LOCATION_ENV = ("JUPYTER_MLOPS_STORE", "JUPYTER_MLOPS_ARTIFACTS", "HOME", "JUPYTER_DATA_DIR",
                 "JUPYTER_PLATFORM_DIRS", "XDG_DATA_HOME", "APPDATA")

# A tracked kernel (jupyter_mlops.kernel) registers here a function that returns its session
# for a store (or None), so that runs started with this API in a notebook belong to it.
session_hooks: list[Callable[[Store], str | None]] = []


class _Process:
    """What this process has opened: one Store and one session per store location."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.stores: dict[str, Store] = {}
        self.resolved: dict[tuple, Store] = {}  # store()'s inputs -> the store they name
        self.sessions: dict[str, str] = {}
        self.open_runs: dict[str, Run] = {}
        self._heartbeat: threading.Thread | None = None

    def store(self, location: str | None = None) -> Store:
        # Resolving a location costs 10-30 µs of a run whose caches are cold: a
        # repeat with the same inputs (everything resolve reads) is one dict lookup.
        inputs = (location, os.getcwd(), *map(os.environ.get, _LOCATION_ENV))
        found = self.resolved.get(inputs)
        return found if found is not None else self._open(location, inputs)

    def _open(self, location: str | None, inputs: tuple) -> Store:
        from .config import load_config
        from .store.location import resolve

        config = load_config()
        loc = resolve(location, configured_store=config.store,
                      configured_artifacts=config.artifacts)
        key = str(loc.url)
        with self.lock:
            if key not in self.stores:
                from .kernel.writer import replay_spooled

                self.stores[key] = Store(loc)
                replay_spooled(self.stores[key])  # what killed kernels left spooled
            self.resolved[inputs] = self.stores[key]
            return self.stores[key]

    def session(self, store: Store, environment_id: str) -> str:
        for hook in session_hooks:
            session_id = hook(store)
            if session_id is not None:
                return session_id
        key = str(store.location.url)
        with self.lock:
            if key not in self.sessions:
                pid = os.getpid()
                self.sessions[key] = store.create_session(
                    notebook=os.environ.get("JPY_SESSION_NAME"), user=_user(),
                    host=this_host(), pid=pid, pid_started_ms=process_started_ms(pid),
                    environment_id=environment_id)
                self._start_heartbeat()
            return self.sessions[key]

    def _start_heartbeat(self) -> None:
        if self._heartbeat is None:
            self._heartbeat = threading.Thread(target=self._beat, name="mlops-heartbeat",
                                               daemon=True)
            self._heartbeat.start()
            atexit.register(self.close)

    def _beat(self) -> None:
        while True:
            time.sleep(HEARTBEAT_INTERVAL_S)
            for key, session_id in list(self.sessions.items()):
                with contextlib.suppress(Exception):
                    self.stores[key].heartbeat(session_id)

    def close(self) -> None:
        """At exit: runs left open end as finished (as a script that simply returns), and
        sessions are ended, so nothing is mistaken for a crash."""
        for run in list(self.open_runs.values()):
            run.end()
        for key, session_id in self.sessions.items():
            self.stores[key].end_session(session_id)


_process = _Process()


@functools.cache
def _user() -> str | None:
    """Who runs this process (asked once: the password database lookup costs ~8 µs)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None


def _environment(store: Store) -> tuple[str, str | None]:
    """Snapshot the environment (cheap when repeated) and make sure the store has it."""
    from .capture.environment import snapshot
    from .config import load_config

    snap = snapshot(env_allowlist=tuple(load_config().env_allowlist), cwd=os.getcwd())
    if not store.has_environment(snap.environment_id):  # else its data is not even built
        store.ensure_environment(snap.environment_id, snap.data)
    return snap.environment_id, snap.git_diff


class Run:
    """A run being recorded. Use it as a context manager, or call ``end()`` yourself.

    Every ``log_*`` call is one transaction, committed before it returns: nothing waits in
    memory to be lost (SQLite runs in WAL with synchronous=NORMAL: a commit survives the
    process crashing; on power loss the last commits may be rolled back, never torn).
    ``log_params``/``log_metrics`` write a whole dict in one transaction.
    """

    def __init__(self, store: Store, run_id: str, name: str, experiment: str):
        self.store = store
        self.run_id = run_id
        self.name = name
        self.experiment = experiment
        self.ended = False

    def __repr__(self) -> str:
        return f"<Run {self.run_id} {self.name!r} experiment={self.experiment!r}>"

    def __enter__(self) -> Run:
        return self

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        if exc is None:
            self.end()
        elif isinstance(exc, KeyboardInterrupt):
            self.end("interrupted", error="KeyboardInterrupt")
        else:
            self.end("failed", error=f"{exc_type.__name__}: {exc}")

    def log_param(self, key: str, value: Any) -> None:
        self.store.log_params(self.run_id, {key: value})

    def log_params(self, params: Mapping[str, Any]) -> None:
        self.store.log_params(self.run_id, params)

    def log_metric(self, key: str, value: float, step: int | None = None) -> None:
        self.store.log_metrics(self.run_id, {key: value}, step=step)

    def log_metrics(self, metrics: Mapping[str, float], step: int | None = None) -> None:
        self.store.log_metrics(self.run_id, metrics, step=step)

    def set_tag(self, key: str, value: Any) -> None:
        self.store.set_tags(self.run_id, {key: value})

    def set_tags(self, tags: Mapping[str, Any]) -> None:
        self.store.set_tags(self.run_id, tags)

    def note(self, text: str) -> None:
        self.store.append_note(self.run_id, text)

    def log_dataset(self, data: Any, name: str, role: str = "input",
                    source: str | None = None) -> str:
        """Fingerprint, schema and profile of a DataFrame, Series or array used by this run.
        ``source`` is the file or URL it came from; a local file is content-hashed too."""
        from .capture.datasets import describe, is_dataset
        from .capture.files import file_fingerprint

        if not is_dataset(data):
            raise InvalidInput(f"log_dataset takes a pandas DataFrame/Series or a numpy array, "
                               f"not {type(data).__name__}")
        file_hash = None
        if source is not None and os.path.isfile(source):
            source = os.path.abspath(source)
            file_hash = file_fingerprint(source)
        return self.store.log_dataset(self.run_id, describe(data), name=name, role=role,
                                      source=source, file_hash=file_hash)

    def log_figure(self, figure: Any, name: str) -> str:
        """A matplotlib figure, saved as a PNG artifact."""
        from .capture.figures import figure_to_png, is_figure

        if not is_figure(figure):
            raise InvalidInput(f"log_figure takes a matplotlib Figure, not {type(figure).__name__}")
        if not name.lower().endswith(".png"):
            name += ".png"
        return self.log_bytes(figure_to_png(figure), name, "image/png")

    def log_bytes(self, data: bytes, name: str, media_type: str) -> str:
        data = redact_bytes(data, media_type)
        digest = self.store.artifacts.put_bytes(data)
        return self.store.add_artifact(self.run_id, name=name, media_type=media_type,
                                       digest=digest, size=len(data))

    def log_artifact(self, path: str, name: str | None = None) -> list[str]:
        """A file, or every file under a folder (names keep their relative paths)."""
        if not os.path.exists(path):
            raise FileNotFoundError(f"log_artifact: no such file or folder: {path}")
        base = name or os.path.basename(os.path.normpath(path))
        if os.path.isfile(path):
            files = [(path, base)]
        else:
            files = [(os.path.join(root, f), os.path.join(base, os.path.relpath(
                os.path.join(root, f), path))) for root, _, names in os.walk(path) for f in names]
        ids = []
        for file, artifact_name in sorted(files):
            media_type = mimetypes.guess_type(file)[0] or "application/octet-stream"
            digest, size = self.store.artifacts.put_file(file, media_type)
            ids.append(self.store.add_artifact(self.run_id, name=artifact_name,
                                               media_type=media_type, digest=digest, size=size))
        return ids

    def end(self, status: str = "finished", error: str | None = None) -> None:
        if not self.ended:
            self.store.end_run(self.run_id, status, error)
            self.ended = True
            _process.open_runs.pop(self.run_id, None)


def start_run(name: str | None = None, experiment: str | None = None, *,
              params: Mapping[str, Any] | None = None, tags: Mapping[str, Any] | None = None,
              store: str | None = None) -> Run:
    """Start recording a run. ``store`` overrides where (see ``jupyter_mlops.store.location``).
    The run, its params and tags are committed before this returns."""
    run = _new_run(name, experiment, store, params=params, tags=tags)
    _process.open_runs[run.run_id] = run
    return run


def log_run(name: str | None = None, experiment: str | None = None, *,
            params: Mapping[str, Any] | None = None,
            metrics: Mapping[str, float] | None = None,
            tags: Mapping[str, Any] | None = None, status: str = "finished",
            store: str | None = None) -> str:
    """Record a whole run (params, metrics at step 0, tags, ended with ``status``) in one
    transaction, committed before this returns; its id. For a run whose values are known
    at once, e.g. at the end of a training script: what ``start_run`` with ``log_params``,
    ``log_metrics`` and ``end`` records, in one write instead of four."""
    if status == "running":
        raise InvalidInput("log_run records an ended run: status finished, failed, "
                           "interrupted or crashed")
    return _new_run(name, experiment, store, params=params, tags=tags, metrics=metrics,
                    status=status).run_id


def _new_run(name: str | None, experiment: str | None, store: str | None,
             **values: Any) -> Run:
    st = _process.store(store)
    environment_id, git_diff = _environment(st)
    session_id = _process.session(st, environment_id)
    name = name or time.strftime("run-%Y%m%d-%H%M%S")
    run_id = st.create_run(
        name=name, experiment=experiment or DEFAULT_EXPERIMENT, session_id=session_id,
        notebook=os.environ.get("JPY_SESSION_NAME"), user=_user(), host=this_host(),
        environment_id=environment_id, **values)
    run = Run(st, run_id, name, experiment or DEFAULT_EXPERIMENT)
    run.ended = values.get("status", "running") != "running"
    if git_diff:
        run.log_bytes(git_diff.encode(), "git.diff", "text/x-diff")
    return run


def runs(experiment: str | None = None, *, notebook: str | None = None,
         status: str | None = None, limit: int | None = None, sort: str = "-started",
         store: str | None = None) -> Any:
    """Matching runs as a pandas DataFrame: one row per run, with ``params.*``,
    ``metrics.*`` and ``tags.*`` columns."""
    import pandas as pd

    rows = _process.store(store).list_runs(experiment=experiment, notebook=notebook,
                                           status=status, limit=limit, sort=sort)
    flat = []
    for r in rows:
        row = {k: r[k] for k in ("run_id", "name", "experiment", "notebook", "status", "user")}
        row["started"] = pd.Timestamp(r["started"])
        row["duration"] = r["duration_s"]
        for section in ("params", "metrics", "tags"):
            row.update({f"{section}.{k}": v for k, v in r[section].items()})
        flat.append(row)
    columns = ["run_id", "name", "experiment", "notebook", "status", "user", "started",
               "duration"]
    return pd.DataFrame(flat, columns=columns + sorted({k for r in flat for k in r} - set(columns)))


def get_run(run_id: str, *, store: str | None = None) -> dict:
    """The full record of a run (as ``jupyter mlops show RUN_ID --format json``)."""
    return _process.store(store).get_run(run_id)
