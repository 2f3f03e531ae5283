"""Records a run points to: datasets, environments (and their differences), artifacts."""

from __future__ import annotations

import hashlib
import re
from typing import IO, Any
from urllib.parse import quote

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..store import InvalidInput, Store
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
        await self.respond(lambda store: store.get_dataset(dataset_id))


class EnvironmentHandler(MlopsHandler):
    auth_resource = "jupyter_mlops:environments"

    @web.authenticated
    @authorized
    async def get(self, environment_id: str) -> None:
        await self.respond(lambda store: store.get_environment(environment_id))


class EnvironmentDiffHandler(MlopsHandler):
    auth_resource = "jupyter_mlops:environments"

    @web.authenticated
    @authorized
    async def get(self) -> None:
        a, b = self.query("a"), self.query("b")
        if not a or not b:
            raise InvalidInput("give the two environment ids to compare as a=...&b=...")
        await self.respond(lambda store: store.diff_environments(a, b))


class ArtifactHandler(MlopsHandler):
    """An artifact's bytes, served only if they are still the bytes that were recorded."""

    auth_resource = "jupyter_mlops:artifacts"

    @web.authenticated
    @authorized
    async def get(self, artifact_id: str) -> None:
        artifact, blob = await self.in_store(lambda store: _checked_blob(store, artifact_id))
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
        # Hashed again while sent: if the file changes under the download, the last chunk is
        # withheld and the connection dropped, so no client ever gets wrong bytes as complete.
        digest, remaining = hashlib.sha256(), artifact["size"]
        try:
            while remaining:
                chunk = await self.in_thread(_read_hashed, blob, digest, min(CHUNK, remaining))
                remaining -= len(chunk)
                if not chunk or (not remaining and digest.hexdigest() != artifact["digest"]):
                    raise _changed(artifact)
                self.write(chunk)
                await self.flush()
        finally:
            blob.close()
        self.finish()


def _checked_blob(store: Store, artifact_id: str) -> tuple[dict, IO[bytes]]:
    """The artifact's record and its open blob, once the blob's size and SHA-256 are found to
    be those recorded: a file changed, cut short or replaced on disk is refused (409)."""
    artifact = store.get_artifact(artifact_id)
    blob = store.artifacts.open(artifact["digest"])
    try:
        digest, size = hashlib.sha256(), 0
        while chunk := _read_hashed(blob, digest, CHUNK):
            size += len(chunk)
        if size != artifact["size"] or digest.hexdigest() != artifact["digest"]:
            raise _changed(artifact)
        blob.seek(0)
    except BaseException:
        blob.close()
        raise
    return artifact, blob


def _read_hashed(blob: IO[bytes], digest: Any, size: int) -> bytes:
    chunk = blob.read(size)
    digest.update(chunk)
    return chunk


def _changed(artifact: dict) -> web.HTTPError:
    return web.HTTPError(409, f"artifact {artifact['artifact_id']} ({artifact['name']}) no "
                              "longer holds the bytes recorded for it: its stored file was "
                              "changed or damaged on disk, so it is not served")


class TrackingHandler(MlopsHandler):
    auth_resource = "jupyter_mlops:tracking"

    @web.authenticated
    @authorized
    async def get(self) -> None:
        kernel_id = self.query("kernel_id")
        if not kernel_id:
            raise InvalidInput("give the kernel to ask about as kernel_id=...")
        await self.respond(lambda store: store.tracking_state(kernel_id))
