"""Content-addressed artifact storage: the bytes of every artifact, keyed by their SHA-256.

Identical bytes are stored once. The root is any fsspec URL (a local folder by default, so
``JUPYTER_MLOPS_ARTIFACTS=s3://bucket/prefix`` can replace it); local files and folders are
created owner-only and written atomically, so a reader never sees a partial blob. Text
artifacts (a text media type) pass ``redact_bytes`` on their way in (``put_file`` does it;
callers of ``put_bytes`` do it to know the size they record), like every value written to
the store.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from typing import IO, Any

from ..redact import is_text_media, redact_bytes
from .errors import NotFound, StoreError

_DIGEST = re.compile(r"^[0-9a-f]{64}$")
_CHUNK = 1 << 20


class ArtifactStore:
    def __init__(self, url: str):
        self.url = url
        self._fs: Any = None
        self._root = ""

    @property
    def fs(self) -> Any:
        if self._fs is None:
            from fsspec.core import url_to_fs

            self._fs, self._root = url_to_fs(self.url)
        return self._fs

    @property
    def is_local(self) -> bool:
        return "file" in _protocols(self.fs)

    def path(self, digest: str) -> str:
        """Where a blob lives; the digest is validated so it can never name another file."""
        if not _DIGEST.match(digest or ""):
            raise NotFound(f"no artifact blob {digest!r}")
        return f"{self._root_path()}/{digest[:2]}/{digest[2:]}"

    def _root_path(self) -> str:
        _ = self.fs
        return self._root.rstrip("/")

    def put_bytes(self, data: bytes) -> str:
        """Store bytes as they are (a text artifact is redacted by ``redact_bytes`` first, so
        that its size is known to the caller)."""
        digest = hashlib.sha256(data).hexdigest()
        self._store(digest, lambda f: f.write(data))
        return digest

    def put_file(self, source: str, media_type: str | None = None) -> tuple[str, int]:
        """Store a file's bytes; returns (digest, size). Reads it twice only if it is new
        (a text file once, whole, to redact it)."""
        digest, size, _new = self._put_file(source, media_type)
        return digest, size

    def put_files(self, files: dict[str, str | None]) -> tuple[dict[str, dict], list[str]]:
        """Store several files (path -> media type, text ones redacted like ``put_file``'s):
        returns ({path: {"sha256", "size"}} of the bytes stored, the digests this call
        added), so that a caller that fails later can discard what it added."""
        stored, added = {}, []
        for source, media_type in files.items():
            digest, size, new = self._put_file(source, media_type)
            stored[source] = {"sha256": digest, "size": size}
            if new:
                added.append(digest)
        return stored, added

    def _put_file(self, source: str, media_type: str | None) -> tuple[str, int, bool]:
        if is_text_media(media_type):
            with open(source, "rb") as f:
                data = redact_bytes(f.read(), media_type)
            digest = hashlib.sha256(data).hexdigest()
            return digest, len(data), self._store(digest, lambda f: f.write(data))
        h = hashlib.sha256()
        size = 0
        with open(source, "rb") as f:
            while chunk := f.read(_CHUNK):
                h.update(chunk)
                size += len(chunk)
        digest = h.hexdigest()

        def copy(out: IO[bytes]) -> None:
            with open(source, "rb") as f:
                while chunk := f.read(_CHUNK):
                    out.write(chunk)

        return digest, size, self._store(digest, copy)

    def _store(self, digest: str, write: Any) -> bool:
        """Write the blob unless it is there; True if this call wrote it."""
        target = self.path(digest)
        try:
            if self.is_local:
                return self._store_local(target, write)
            if self.fs.exists(target):
                return False
            with self.fs.open(target, "wb") as out:
                write(out)
            return True
        except OSError as e:
            raise StoreError(f"cannot write artifact to {self.url}: {e}") from None

    @staticmethod
    def _store_local(target: str, write: Any) -> bool:
        if os.path.exists(target):
            return False
        directory = os.path.dirname(target)
        os.makedirs(directory, mode=0o700, exist_ok=True)
        os.chmod(os.path.dirname(directory), 0o700)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")  # created 0600
        try:
            with os.fdopen(fd, "wb") as out:
                write(out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
        except BaseException:
            os.unlink(tmp)
            raise
        return True

    def exists(self, digest: str) -> bool:
        return bool(self.fs.exists(self.path(digest)))

    def discard(self, digest: str) -> None:
        """Remove a blob that nothing refers to (a package whose registration failed)."""
        with contextlib.suppress(FileNotFoundError):
            self.fs.rm(self.path(digest))

    def open(self, digest: str) -> IO[bytes]:
        target = self.path(digest)
        if self.is_local:
            # Never follow a link planted in the store: a blob is a regular file inside the
            # root, or nothing.
            root = os.path.realpath(self._root_path())
            try:
                if not os.path.realpath(target).startswith(root + os.sep):
                    raise OSError("outside the artifact store")
                fd = os.open(target, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            except OSError:
                raise NotFound(f"artifact blob {digest} is missing from {self.url}") from None
            return os.fdopen(fd, "rb")
        try:
            return self.fs.open(target, "rb")
        except FileNotFoundError:
            raise NotFound(f"artifact blob {digest} is missing from {self.url}") from None

    def read(self, digest: str) -> bytes:
        with self.open(digest) as f:
            return f.read()


def _protocols(fs: Any) -> tuple[str, ...]:
    protocol = fs.protocol
    return (protocol,) if isinstance(protocol, str) else tuple(protocol)
