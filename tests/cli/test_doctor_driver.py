"""``jupyter mlops doctor`` on a PostgreSQL store whose driver is not installed names the
extra that brings it (psycopg is made unimportable in the child process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

DOCTOR_WITHOUT_PSYCOPG = (
    "import sys; sys.modules['psycopg'] = None\n"
    "from jupyter_mlops.cli import main\n"
    "sys.exit(main(['doctor', '--format', 'json']))")


def test_doctor_names_the_postgresql_extra_when_the_driver_is_missing(store_dir):
    result = subprocess.run(
        [sys.executable, "-c", DOCTOR_WITHOUT_PSYCOPG], capture_output=True, text=True,
        timeout=120,
        env={**os.environ, "JUPYTER_MLOPS_STORE": "postgresql+psycopg://mlops@db.invalid/mlops"})
    assert result.returncode == 1, result.stderr
    (store,) = [c for c in json.loads(result.stdout) if c["check"] == "store"]
    assert not store["ok"]
    assert "psycopg driver is not installed" in store["detail"]
    assert store["fix"] == 'pip install "jupyter_mlops[postgresql]"'
