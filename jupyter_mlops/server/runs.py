"""Runs: search, read, edit, soft-delete and restore, metric histories, comparison."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..store import InvalidInput
from ..store.search import RunSearch
from .base import MlopsHandler

MAX_COMPARE = 50


def with_links(handler: MlopsHandler, run: dict) -> dict:
    """Add the URLs a client follows from a run: metric histories and artifact bytes."""
    api = handler.base_url.rstrip("/") + "/jupyter-mlops/api"
    run["links"] = {"metrics": {k: f"{api}/runs/{run['run_id']}/metrics/{quote(k, safe='')}"
                                for k in run["metrics"]}}
    for artifact in run["artifacts"]:
        artifact["url"] = f"{api}/artifacts/{artifact['artifact_id']}"
        artifact.pop("digest", None)
    return run


class RunsHandler(MlopsHandler):
    auth_resource = "jupyter_mlops:runs"

    @web.authenticated
    @authorized
    async def get(self) -> None:
        search = RunSearch(
            experiment=self.query("experiment"), notebook=self.query("notebook"),
            status=self.query("status"), user=self.query("user"),
            tags=self.get_query_arguments("tag"), conditions=self.get_query_arguments("filter"),
            text=self.query("q"), sort=self.query("sort", "-started") or "-started",
            limit=self.query_int("limit", 100), cursor=self.query("cursor"),
            since=self.query("since"), include_deleted=self.query_bool("include_deleted"))
        self.write_json(await self.in_thread(self.store.search_runs, search))


class _RunAnswer(MlopsHandler):
    """Handlers that answer with the run's full record."""

    auth_resource = "jupyter_mlops:runs"

    async def _answer(self, run_id: str) -> None:
        self.write_json(with_links(self, await self.in_thread(self.store.get_run, run_id)))


class RunHandler(_RunAnswer):
    @web.authenticated
    @authorized
    async def get(self, run_id: str) -> None:
        await self._answer(run_id)

    @web.authenticated
    @authorized
    async def patch(self, run_id: str) -> None:
        edits = _run_patch(self.json_body())
        await self.in_thread(self.store.edit_run, run_id, **edits)
        await self._answer(run_id)

    @web.authenticated
    @authorized
    async def delete(self, run_id: str) -> None:
        await self.in_thread(self.store.set_deleted, run_id, True)
        await self._answer(run_id)


class RestoreRunHandler(_RunAnswer):
    @web.authenticated
    @authorized
    async def post(self, run_id: str) -> None:
        if self.json_body():
            raise InvalidInput("restore takes no parameters: send an empty body or {}")
        await self.in_thread(self.store.set_deleted, run_id, False)
        await self._answer(run_id)


def _run_patch(body: dict[str, Any]) -> dict[str, Any]:
    """Validate a PATCH body against openapi.yaml's RunPatch."""
    unknown = set(body) - {"name", "notes", "tags"}
    if unknown:
        raise InvalidInput(f"cannot edit {', '.join(sorted(unknown))}: only name, notes and "
                           "tags can be edited")
    if not body:
        raise InvalidInput("nothing to edit: send name, notes or tags")
    if "name" in body and (not isinstance(body["name"], str) or not body["name"].strip()):
        raise InvalidInput("name must be non-empty text")
    if "notes" in body and not isinstance(body["notes"], str):
        raise InvalidInput("notes must be text")
    tags = body.get("tags")
    if tags is not None and (not isinstance(tags, dict) or not all(
            isinstance(v, str) or v is None for v in tags.values())):
        raise InvalidInput("tags must be an object of text values (null removes a tag)")
    return body


class MetricHistoryHandler(MlopsHandler):
    auth_resource = "jupyter_mlops:runs"

    @web.authenticated
    @authorized
    async def get(self, run_id: str, key: str) -> None:
        history = await self.in_thread(self.store.metric_history, run_id, key)
        self.write_json({"run_id": run_id, "key": key, "history": history})


class CompareHandler(MlopsHandler):
    auth_resource = "jupyter_mlops:runs"

    @web.authenticated
    @authorized
    async def get(self) -> None:
        ids = [i.strip() for i in (self.query("ids") or "").split(",") if i.strip()]
        if not 2 <= len(ids) <= MAX_COMPARE:
            raise InvalidInput(f"ids must list 2 to {MAX_COMPARE} run ids, comma-separated")
        self.write_json(await self.in_thread(self.store.compare_runs, ids))
