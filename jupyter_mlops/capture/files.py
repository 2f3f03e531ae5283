"""Content hashes of data files, cached so that reading the same file twice costs a stat.

The cache is keyed on (realpath, size, mtime_ns, inode): a file rewritten in place with the
same size within the filesystem's timestamp granularity, or whose mtime was set back, keeps
its old hash. That is the price of not re-reading every input on every cell.
"""

from __future__ import annotations

import os

import xxhash

_CHUNK = 1 << 20
_cache: dict[str, tuple[tuple[int, int, int], str]] = {}


def file_fingerprint(path: str | os.PathLike[str]) -> str:
    """xxh3_128 hex digest of a file's bytes, read in chunks; cached per file version."""
    real = os.path.realpath(path)
    stat = os.stat(real)
    version = (stat.st_size, stat.st_mtime_ns, stat.st_ino)
    cached = _cache.get(real)
    if cached is not None and cached[0] == version:
        return cached[1]
    digest = xxhash.xxh3_128()
    buffer = bytearray(_CHUNK)
    view = memoryview(buffer)
    with open(real, "rb") as handle:
        while size := handle.readinto(buffer):
            digest.update(view[:size])
    result = digest.hexdigest()
    _cache[real] = (version, result)
    return result
