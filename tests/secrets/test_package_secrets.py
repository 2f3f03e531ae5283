"""A model package built from a notebook that holds secrets (an AWS key pair and a password in
its code, a password param, a token in the kernel's environment) contains none of them: not
in any file of the package folder, not in the .zip download, raw, JSON-escaped or base64."""

from __future__ import annotations

import io
import os
import zipfile

import jupyter_mlops
from jupyter_mlops.registry.load import resolve
from jupyter_mlops.server.models import _zip
from jupyter_mlops.store import Store

from ..registry.conftest import IMPORTS, READ, SCORE, TRACK, execute, write_data
from .corpus import UPPER_DIGITS, encodings, rand


def test_a_package_holds_no_secret_of_its_notebook(tmp_path, monkeypatch):
    key_id, secret_key = "AKIA" + rand(16, UPPER_DIGITS), rand(40)
    password, param_password, env_token = rand(18), rand(22), rand(32)
    monkeypatch.setenv("JUPYTER_MLOPS_STORE", str(tmp_path / "store"))
    monkeypatch.delenv("JUPYTER_MLOPS_ARTIFACTS", raising=False)
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SERVICE_API_TOKEN", env_token)  # the kernel inherits it
    write_data(tmp_path)
    secrets_cell = (f'aws_access_key_id = "{key_id}"\n'
                    f'aws_secret_access_key = "{secret_key}"\n'
                    f'db_password = "{password}"\n'
                    "C = 0.5 if aws_access_key_id and db_password else 1.0")
    sources = [TRACK, IMPORTS, READ, secrets_cell,
               f"%track param db_password={param_password}",
               "X = df[['a', 'b']]\ny = df['label']",
               "model = LogisticRegression(C=C, max_iter=500).fit(X, y)", SCORE]
    execute(tmp_path, "secret.ipynb", sources)
    store = Store.open()
    try:
        run = next(r for r in store.list_runs() if r["tags"].get("model.variable") == "model")
        version = jupyter_mlops.register_model(run["run_id"], "secretive", store=store)
        _, _, folder = resolve(f"secretive/{version['version']}", store)
        blobs = {}
        for root, _dirs, names in os.walk(folder):
            for name in names:
                path = os.path.join(root, name)
                with open(path, "rb") as f:
                    blobs[os.path.relpath(path, folder)] = f.read()
        archive = _zip(store, f"secretive/{version['version']}")
        with zipfile.ZipFile(io.BytesIO(archive)) as z:
            blobs.update({f"zip:{n}": z.read(n) for n in z.namelist()})
        blobs["zip"] = archive
    finally:
        store.close()
    assert "train.py" in blobs and "params.json" in blobs and "environment.json" in blobs
    assert b"[REDACTED]" in blobs["train.py"]  # the secret cell is in the slice, redacted
    assert b"db_password" in blobs["params.json"]  # the param was recorded, hidden
    for secret in (key_id, secret_key, password, param_password, env_token):
        for encoded in encodings(secret):
            found = [name for name, data in blobs.items() if encoded.encode() in data]
            assert not found, f"a secret is in {found}"
