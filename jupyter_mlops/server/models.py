"""The model registry over REST: list, register, read, download, alias, verify, and what a
run offers to package.

Packaging and verification start kernels and take seconds to minutes: they run in a worker
thread, never on the event loop. A registration from REST asks the run's kernel first when
this server runs it (live.py: the live object, ``source: live``; 409 while that kernel is
busy running a cell, 504 past ``c.MlopsLivePackaging.timeout``); otherwise it rebuilds the
model from the slice in a fresh kernel (``source: rebuilt``).
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from typing import Any

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..registry import AmbiguousModel, CannotPackage, Tampered, register_model, run_models
from ..registry.load import resolve
from ..registry.verify import verify
from ..store import InvalidInput
from ..store.models import check_version
from .base import MlopsHandler
from .live import (
    KernelBusy,
    KernelTimeout,
    MlopsLivePackaging,
    live_kernel,
    register_in_kernel,
)

_REGISTER_FIELDS = {"run_id", "name", "model", "alias", "description"}


def public(version: dict) -> dict:
    """A version object as the API shows it (the manifest stays in the package)."""
    return {k: v for k, v in version.items() if k != "manifest"}


class _ModelsHandler(MlopsHandler):
    auth_resource = "jupyter_mlops:models"

    @property
    def user(self) -> str | None:
        user = self.current_user
        return getattr(user, "username", None) or getattr(user, "name", None)

    async def registry(self, work: Any) -> Any:
        """``work(store)``, a registry call, in a thread (the store is opened there too); its
        refusals become 409/422 with their message."""
        try:
            return await self.in_store(work)
        except AmbiguousModel as e:
            raise web.HTTPError(409, "%s", str(e)) from None
        except (CannotPackage, Tampered) as e:
            raise web.HTTPError(422, "%s", str(e)) from None


def _version_number(text: str) -> int:
    try:
        return check_version(int(text))
    except ValueError:
        raise InvalidInput(f"a model version is a positive integer, got {text[:40]!r}") from None


class ModelsHandler(_ModelsHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        self.write_json({"models": await self.in_store(lambda store: store.list_models())})

    @web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.json_body()
        unknown = set(body) - _REGISTER_FIELDS
        if unknown:
            raise InvalidInput(f"unknown field {sorted(unknown)[0]!r}; expected "
                               f"{', '.join(sorted(_REGISTER_FIELDS))}")
        for key in _REGISTER_FIELDS:
            if body.get(key) is not None and not isinstance(body[key], str):
                raise InvalidInput(f"{key} must be a string")
        if not body.get("run_id") or not body.get("name"):
            raise InvalidInput("run_id and name are required")
        arguments = {"run_id": body["run_id"], "name": body["name"], "model": body.get("model"),
                     "alias": body.get("alias"), "description": body.get("description"),
                     "user": self.user}
        version = await self._from_live_kernel(arguments)
        if version is None:
            version = await self.registry(lambda store: register_model(**arguments, store=store))
        self.write_json(public(version), status=201)

    async def _from_live_kernel(self, arguments: dict) -> dict | None:
        session = await self.in_store(lambda store: store.run_session(arguments["run_id"]))
        try:
            kernel = live_kernel(self.kernel_manager, (session or {}).get("kernel_id"))
            if kernel is None:
                return None
            return await register_in_kernel(kernel, arguments,
                                            MlopsLivePackaging(parent=self.serverapp))
        except (AmbiguousModel, KernelBusy) as e:
            raise web.HTTPError(409, "%s", str(e)) from None
        except CannotPackage as e:
            raise web.HTTPError(422, "%s", str(e)) from None
        except KernelTimeout as e:
            raise web.HTTPError(504, "%s", str(e)) from None


class ModelHandler(_ModelsHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        model = await self.in_store(lambda store: store.get_model(name))
        model["versions"] = [public(v) for v in model["versions"]]
        self.write_json(model)


class ModelVersionHandler(_ModelsHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str, version: str) -> None:
        number = _version_number(version)
        found = await self.in_store(lambda store: store.model_version(name, number))
        self.write_json(public(found))


class ModelDownloadHandler(_ModelsHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str, version: str) -> None:
        number = _version_number(version)
        data = await self.registry(lambda store: _zip(store, f"{name}/{number}"))
        self.set_header("Content-Disposition",
                        f'attachment; filename="{_safe(name)}-v{number}.zip"')
        self.set_header("X-Content-Type-Options", "nosniff")
        self.finish(data, set_content_type="application/zip")


class ModelAliasHandler(_ModelsHandler):
    @web.authenticated
    @authorized
    async def put(self, name: str, alias: str) -> None:
        body = self.json_body()
        if set(body) != {"version"}:
            raise InvalidInput('send {"version": N}')
        user = self.user
        result = await self.in_store(lambda store: store.set_alias(name, alias, body["version"],
                                                                   user))
        self.write_json(result)

    @web.authenticated
    @authorized
    async def delete(self, name: str, alias: str) -> None:
        user = self.user
        await self.in_store(lambda store: store.delete_alias(name, alias, user))
        self.set_status(204)
        self.finish()


class ModelVerifyHandler(_ModelsHandler):
    @web.authenticated
    @authorized
    async def post(self, name: str, version: str) -> None:
        if self.json_body():
            raise InvalidInput("verify takes no parameters: send an empty body or {}")
        number = _version_number(version)
        ref = f"{name}/{number}"
        self.write_json(await self.registry(lambda store: verify(ref, store=store)))


class RunModelsHandler(_ModelsHandler):
    """What the packaging dialog shows before the user confirms."""

    @web.authenticated
    @authorized
    async def get(self, run_id: str) -> None:
        run = await self.in_store(lambda store: store.get_run(run_id))
        models = [{"variable": m["variable"], "type": m["type"],
                   "params_count": m["params_count"]} for m in run_models(run)]
        self.write_json({"models": models, "warnings": run.get("warnings") or [],
                         "suggested_name": suggested_name(run, models)})


def suggested_name(run: dict, models: list[dict]) -> str:
    """The notebook's name, else the model class: letters, digits, '.', '_' and '-'."""
    stem = os.path.splitext(os.path.basename(run.get("notebook") or ""))[0]
    kind = (models[0]["type"] or "").rsplit(".", 1)[-1] if models else ""
    return _safe(stem or kind or run["name"]).lower() or "model"


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-._")[:128]


def _zip(store: Any, ref: str) -> bytes:
    _, _, folder = resolve(ref, store)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for root, _dirs, names in os.walk(folder):
            for file in sorted(names):
                path = os.path.join(root, file)
                archive.write(path, os.path.relpath(path, folder))
    return buffer.getvalue()
