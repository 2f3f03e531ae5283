"""Records a run points to: datasets, environments (and their differences), artifacts."""

from __future__ import annotations

import re
from urllib.parse import quote

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..store import InvalidInput
from .base import MlopsHandler

CHUNK = 256 * 1024
# Images a browser shows without running anything; SVG can carry script, so it is not one.
INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp"}
_MEDIA_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$")
# No artifact may run script or load anything in the Jupyter origin.
ARTIFACT_CSP = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'"


class DatasetHandler(MlopsHandler):
    auth_resource = "jupyter_mlops:datasets"

    @web.authenticated
    @authorized
    async def get(self, dataset_id: str) -> None:
        self.write_json(await self.in_thread(self.store.get_dataset, dataset_id))


class EnvironmentHandler(MlopsHandler):
    auth_resource = "jupyter_mlops:environments"

    @web.authenticated
    @authorized
    async def get(self, environment_id: str) -> None:
        self.write_json(await self.in_thread(self.store.get_environment, environment_id))


class EnvironmentDiffHandler(MlopsHandler):
    auth_resource = "jupyter_mlops:environments"

    @web.authenticated
    @authorized
    async def get(self) -> None:
        a, b = self.query("a"), self.query("b")
        if not a or not b:
            raise InvalidInput("give the two environment ids to compare as a=...&b=...")
        self.write_json(await self.in_thread(self.store.diff_environments, a, b))


class ArtifactHandler(MlopsHandler):
    auth_resource = "jupyter_mlops:artifacts"

    @web.authenticated
    @authorized
    async def get(self, artifact_id: str) -> None:
        artifact = await self.in_thread(self.store.get_artifact, artifact_id)
        blob = await self.in_thread(self.store.artifacts.open, artifact["digest"])
        media_type = artifact["media_type"].lower()
        if not _MEDIA_TYPE.match(media_type):
            media_type = "application/octet-stream"
        disposition = "inline" if media_type in INLINE_TYPES else "attachment"
        self.set_header("Content-Type", media_type)
        self.set_header("Content-Length", str(artifact["size"]))
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Content-Security-Policy", ARTIFACT_CSP)
        filename = artifact["name"].rsplit("/", 1)[-1] or "artifact"
        self.set_header("Content-Disposition",
                        f"{disposition}; filename*=UTF-8''{quote(filename, safe='')}")
        try:
            while chunk := await self.in_thread(blob.read, CHUNK):
                self.write(chunk)
                await self.flush()
        finally:
            blob.close()
        self.finish()


class TrackingHandler(MlopsHandler):
    auth_resource = "jupyter_mlops:tracking"

    @web.authenticated
    @authorized
    async def get(self) -> None:
        kernel_id = self.query("kernel_id")
        if not kernel_id:
            raise InvalidInput("give the kernel to ask about as kernel_id=...")
        self.write_json(await self.in_thread(self.store.tracking_state, kernel_id))
