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
# Limits of a PATCH (also in openapi.yaml's RunPatch); names and tag keys are limited to
# 255 characters by the store itself.
MAX_NOTES = 100_000
MAX_TAG_VALUE = 8_000
MAX_TAGS_PER_EDIT = 100


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
        search = run_search(self, limit=self.query_int("limit", 100), cursor=self.query("cursor"),
                            since=self.query("since"), group=self.query("group"),
                            group_value=self.query("group_value"),
                            group_missing=self.query_bool("group_missing"))
        await self.respond(lambda store: store.search_runs(search))


class RunGroupsHandler(MlopsHandler):
    """The groups of the runs a search matches, each counted over all of them."""

    auth_resource = "jupyter_mlops:runs"

    @web.authenticated
    @authorized
    async def get(self) -> None:
        key = self.query("by")
        if not key:
            raise InvalidInput("by is required: experiment, notebook, user, status, "
                               "params.NAME or tags.NAME")
        search = run_search(self)
        await self.respond(lambda store: store.group_runs(search, key))


def run_search(handler: MlopsHandler, **page: Any) -> RunSearch:
    """The filters of a runs request (openapi.yaml's listRuns), plus ``page``'s fields."""
    return RunSearch(
        experiment=handler.query("experiment"), notebook=handler.query("notebook"),
        status=handler.query("status"), user=handler.query("user"),
        tags=handler.get_query_arguments("tag"), conditions=handler.get_query_arguments("filter"),
        text=handler.query("q"), sort=handler.query("sort", "-started") or "-started",
        include_deleted=handler.query_bool("include_deleted"), **page)


class _RunAnswer(MlopsHandler):
    """Handlers that answer with the run's full record."""

    auth_resource = "jupyter_mlops:runs"

    async def _answer(self, run_id: str) -> None:
        await self.respond(lambda store: with_links(self, store.get_run(run_id)))


class RunHandler(_RunAnswer):
    @web.authenticated
    @authorized
    async def get(self, run_id: str) -> None:
        await self._answer(run_id)

    @web.authenticated
    @authorized
    async def patch(self, run_id: str) -> None:
        edits = _run_patch(self.json_body())
        await self.in_store(lambda store: store.edit_run(run_id, **edits))
        await self._answer(run_id)

    @web.authenticated
    @authorized
    async def delete(self, run_id: str) -> None:
        await self.in_store(lambda store: store.set_deleted(run_id, True))
        await self._answer(run_id)


class RestoreRunHandler(_RunAnswer):
    @web.authenticated
    @authorized
    async def post(self, run_id: str) -> None:
        if self.json_body():
            raise InvalidInput("restore takes no parameters: send an empty body or {}")
        await self.in_store(lambda store: store.set_deleted(run_id, False))
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
    if len(body.get("notes") or "") > MAX_NOTES:
        raise InvalidInput(f"notes are longer than {MAX_NOTES} characters")
    tags = body.get("tags")
    if tags is not None and (not isinstance(tags, dict) or not all(
            isinstance(v, str) or v is None for v in tags.values())):
        raise InvalidInput("tags must be an object of text values (null removes a tag)")
    if len(tags or ()) > MAX_TAGS_PER_EDIT:
        raise InvalidInput(f"at most {MAX_TAGS_PER_EDIT} tags per edit")
    for key, value in (tags or {}).items():
        if value is not None and len(value) > MAX_TAG_VALUE:
            raise InvalidInput(f"tag {key[:40]!r} is longer than {MAX_TAG_VALUE} characters")
    return body


class MetricHistoryHandler(MlopsHandler):
    auth_resource = "jupyter_mlops:runs"

    @web.authenticated
    @authorized
    async def get(self, run_id: str, key: str) -> None:
        await self.respond(lambda store: {"run_id": run_id, "key": key,
                                          "history": store.metric_history(run_id, key)})


class CompareHandler(MlopsHandler):
    auth_resource = "jupyter_mlops:runs"

    @web.authenticated
    @authorized
    async def get(self) -> None:
        ids = [i.strip() for i in (self.query("ids") or "").split(",") if i.strip()]
        if not 2 <= len(ids) <= MAX_COMPARE:
            raise InvalidInput(f"ids must list 2 to {MAX_COMPARE} run ids, comma-separated")
        await self.respond(lambda store: store.compare_runs(ids))
