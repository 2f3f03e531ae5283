"""A model version's way back from production over REST: its last drift report (and plot),
promotion behind metric gates (``dry_run`` shows the comparison and moves nothing), and
retraining on new data.

Retraining runs the package's notebook in a fresh kernel for seconds to minutes, so it is a
job: POST answers 202 with the job's URL at once, one job runs at a time in a thread of its
own (never the event loop, never the store's pool), and GET on that URL says how it went.
A job's state is kept in the store, so it outlives a restart of the server; one that was
queued or running when its server died reads as failed, saying so. Relative file paths are
read from the server's root folder.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..monitor.promote import GateFailed, parse_gate, promote
from ..monitor.retrain import parse_data, prepare, run_retrain
from ..store import InvalidInput, NotFound
from ..store.ids import new_id
from ..store.models import check_alias
from .models import _ModelsHandler, _version_number, public

_PROMOTE_FIELDS = {"alias", "require", "holdout", "dry_run"}
_RETRAIN_FIELDS = {"data", "alias", "verify"}


class DriftHandler(_ModelsHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str, version: str) -> None:
        number = _version_number(version)
        found = await self.in_store(lambda store: store.last_drift_report(name, number))
        if found["plot"]:
            found["plot"]["url"] = self.request.path + "/plot"
        self.write_json(found)


class DriftPlotHandler(_ModelsHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str, version: str) -> None:
        number = _version_number(version)
        png = await self.in_store(lambda store: store.last_drift_plot(name, number))
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Cache-Control", "no-store")  # the next report replaces it
        self.finish(png, set_content_type="image/png")


class PromoteHandler(_ModelsHandler):
    @web.authenticated
    @authorized
    async def post(self, name: str, version: str) -> None:
        number = _version_number(version)
        body = _fields(self.json_body(), _PROMOTE_FIELDS)
        alias = check_alias(body.get("alias"))
        require = body.get("require", [])
        if not isinstance(require, list) or not all(isinstance(g, str) for g in require):
            raise InvalidInput('require must be a list of gates like "metrics.auc >= '
                               'production"')
        for gate in require:
            parse_gate(gate)
        dry_run = _flag(body, "dry_run", False)
        holdout = server_file(self.settings, body.get("holdout"), "holdout")
        user = self.user
        try:
            result = await self.registry(lambda store: promote(
                name, number, alias, require=require, store=store, holdout=holdout,
                user=user, dry_run=dry_run))
        except GateFailed as e:
            raise web.HTTPError(409, "not promoted: %s", str(e)) from None
        self.write_json(result)


class RetrainHandler(_ModelsHandler):
    @web.authenticated
    @authorized
    async def post(self, name: str, version: str) -> None:
        number = _version_number(version)
        body = _fields(self.json_body(), _RETRAIN_FIELDS)
        data = body.get("data")
        if not isinstance(data, dict) or not data \
                or not all(isinstance(v, str) for v in data.values()):
            raise InvalidInput('data must map dataset names to files: {"train": "new.csv"}')
        files = parse_data([f"{k}={server_file(self.settings, v, f'data.{k}')}"
                            for k, v in data.items()])
        alias = body.get("alias")
        if alias is not None:
            check_alias(alias)
        verify = _flag(body, "verify", True)
        ref = f"{name}/{number}"
        prepared = await self.registry(lambda store: prepare(ref, files, store))
        provider = self.settings["jupyter_mlops_store"]
        jobs: RetrainJobs = self.settings.setdefault("jupyter_mlops_retrains",
                                                     RetrainJobs(provider.get))
        job = await self.in_thread(jobs.submit, ref, lambda: public(run_retrain(
            prepared, alias=alias, store=provider.get(), verify=verify)))
        location = f"{self.request.path}/{job['job_id']}"
        self.set_header("Location", location)
        self.write_json({**job, "url": location}, status=202)


class RetrainJobHandler(_ModelsHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str, version: str, job_id: str) -> None:
        job = await self.in_store(lambda store: store.get_job(job_id))
        if job is None or job["ref"] != f"{name}/{_version_number(version)}":
            raise NotFound(f"no retrain job {job_id[:40]!r} for {name}/{version}")
        self.write_json({**job, "url": self.request.path})


class RetrainJobs:
    """Retrain jobs of this server process, one at a time, their state kept in the store."""

    def __init__(self, open_store: Any) -> None:
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="jupyter_mlops-retrain")
        self._store = open_store

    def submit(self, ref: str, work: Any) -> dict:
        """Record a queued job and start it (blocks on the store: call off the loop)."""
        job = self._store().record_job(new_id(), ref)
        self._executor.submit(self._run, job["job_id"], work)
        return job

    def _run(self, job_id: str, work: Any) -> None:
        store = self._store()
        store.update_job(job_id, "running")
        try:
            result, error, status = work(), None, "succeeded"
        except Exception as e:  # the job's answer, read by polling
            result, error, status = None, f"{type(e).__name__}: {e}"[:2000], "failed"
        store.update_job(job_id, status, result=result, error=error)


def server_file(settings: dict, path: Any, field: str) -> str | None:
    """A file named in a request, relative to the server's root folder; it must exist."""
    if path is None:
        return None
    if not isinstance(path, str) or not path:
        raise InvalidInput(f"{field} must be a file path")
    root = settings.get("server_root_dir") or os.getcwd()
    full = os.path.join(os.path.expanduser(root), path)
    if not os.path.isfile(full):
        raise InvalidInput(f"{field}: no such file {path[:200]!r} (relative paths are read "
                           "from the server's root folder)")
    return os.path.abspath(full)


def _fields(body: dict, allowed: set[str]) -> dict:
    unknown = set(body) - allowed
    if unknown:
        raise InvalidInput(f"unknown field {sorted(unknown)[0][:60]!r}; expected "
                           + ", ".join(sorted(allowed)))
    return body


def _flag(body: dict, key: str, default: bool) -> bool:
    value = body.get(key, default)
    if not isinstance(value, bool):
        raise InvalidInput(f"{key} must be true or false")
    return value
