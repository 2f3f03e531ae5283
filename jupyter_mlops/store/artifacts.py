"""Content-addressed artifact storage: the bytes of every artifact, keyed by their SHA-256.

Identical bytes are stored once. The root is any fsspec URL (a local folder by default, so
``JUPYTER_MLOPS_ARTIFACTS=s3://bucket/prefix`` can replace it); local files and folders are
created owner-only and written atomically, so a reader never sees a partial blob.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from typing import IO, Any

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
        digest = hashlib.sha256(data).hexdigest()
        self._store(digest, lambda f: f.write(data))
        return digest

    def put_file(self, source: str) -> tuple[str, int]:
        """Store a file's bytes; returns (digest, size). Reads it twice only if it is new."""
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

        self._store(digest, copy)
        return digest, size

    def _store(self, digest: str, write: Any) -> None:
        target = self.path(digest)
        try:
            if self.is_local:
                self._store_local(target, write)
            elif not self.fs.exists(target):
                with self.fs.open(target, "wb") as out:
                    write(out)
        except OSError as e:
            raise StoreError(f"cannot write artifact to {self.url}: {e}") from None

    @staticmethod
    def _store_local(target: str, write: Any) -> None:
        if os.path.exists(target):
            return
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
