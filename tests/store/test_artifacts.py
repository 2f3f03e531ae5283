"""The content-addressed artifact store."""

from __future__ import annotations

import os
import stat

import pytest

from jupyter_mlops.store import NotFound
from jupyter_mlops.store.artifacts import ArtifactStore


def test_identical_bytes_are_stored_once_owner_only(tmp_path):
    cas = ArtifactStore(str(tmp_path / "artifacts"))
    d1 = cas.put_bytes(b"hello")
    d2 = cas.put_bytes(b"hello")
    src = tmp_path / "f.bin"
    src.write_bytes(b"hello")
    d3, size = cas.put_file(str(src))
    assert d1 == d2 == d3 and size == 5
    blobs = [p for p in (tmp_path / "artifacts").rglob("*") if p.is_file()]
    assert len(blobs) == 1
    assert stat.S_IMODE(blobs[0].stat().st_mode) == 0o600
    assert stat.S_IMODE(blobs[0].parent.stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "artifacts").stat().st_mode) == 0o700
    assert cas.read(d1) == b"hello"


@pytest.mark.parametrize("digest", ["../../etc/passwd", "/etc/passwd", "ab" * 31 + "/x",
                                    "AB" * 32, "", "..%2f" * 10])
def test_digests_that_are_not_sha256_name_nothing(tmp_path, digest):
    with pytest.raises(NotFound):
        ArtifactStore(str(tmp_path)).read(digest)


def test_a_symlink_planted_in_the_store_is_not_followed(tmp_path):
    cas = ArtifactStore(str(tmp_path / "artifacts"))
    digest = cas.put_bytes(b"x")
    secret = tmp_path / "secret"
    secret.write_text("top secret")
    fake = "cd" * 32
    os.makedirs(tmp_path / "artifacts" / "cd", exist_ok=True)
    os.symlink(secret, tmp_path / "artifacts" / "cd" / fake[2:])
    os.symlink(tmp_path, tmp_path / "artifacts" / "ee")
    with pytest.raises(NotFound):
        cas.read(fake)
    with pytest.raises(NotFound):
        cas.read("ee" + digest[2:])
    assert cas.read(digest) == b"x"
