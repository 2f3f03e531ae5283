"""Store files are owner-only, even in a folder that already existed with open modes."""

from __future__ import annotations

import os
import stat

from jupyter_mlops.store import Store


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_database_wal_shm_and_artifact_folders_are_owner_only(tmp_path):
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    old = os.umask(0o022)
    try:
        (folder / "artifacts").mkdir(mode=0o755)
        st = Store.open(str(folder))
        run_id = st.create_run(name="r", experiment="e")
        digest = st.artifacts.put_bytes(b"model bytes")
        st.add_artifact(run_id, name="m.bin", media_type="application/octet-stream",
                        digest=digest, size=11)
        files = [folder / "mlops.db", folder / "mlops.db-wal", folder / "mlops.db-shm"]
        assert all(f.exists() for f in files)
        assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
        blob = st.artifacts.path(digest)
        assert mode(os.path.dirname(blob)) == 0o700
        assert mode(folder / "artifacts") == 0o700
        assert mode(blob) == 0o600
        st.close()
    finally:
        os.umask(old)


def test_an_existing_database_is_tightened(tmp_path):
    Store.open(str(tmp_path / "s")).close()
    os.chmod(tmp_path / "s" / "mlops.db", 0o644)
    Store.open(str(tmp_path / "s")).close()
    assert mode(tmp_path / "s" / "mlops.db") == 0o600
