"""A virtual environment holding exactly a list of requirements, made once and reused.

Made with ``python -m venv`` and pip, whose own cache (``pip cache dir``) is left on, so a
cold machine downloads each wheel once; the finished venv is kept under
``~/.cache/jupyter_mlops-tests/venvs/<hash of the requirements and Python>`` and reused while
it is complete (a stamp written after pip succeeded) and still runs its probe, so a warm run
installs nothing. It never sees jupyter_mlops: a plain venv, no system site-packages.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / \
    "jupyter_mlops-tests" / "venvs"


def venv_with(requirements: list[str], probe: str) -> str:
    """The python of a venv with ``requirements`` installed, in which ``probe`` (Python code)
    runs without error."""
    key = hashlib.sha256("\n".join([sys.version, *sorted(requirements)]).encode()).hexdigest()
    target = ROOT / key[:16]
    python, stamp = target / "bin" / "python", target / "complete"
    if stamp.exists() and _runs(python, probe):
        return str(python)
    shutil.rmtree(target, ignore_errors=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", str(target)], check=True, timeout=120)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--prefer-binary",
                    *requirements], check=True, timeout=1500, capture_output=True)
    assert _runs(python, probe), f"the venv at {target} cannot run {probe!r}"
    stamp.write_text("\n".join(requirements) + "\n")
    return str(python)


def _runs(python: Path, probe: str) -> bool:
    return subprocess.run([str(python), "-c", probe], capture_output=True,
                          timeout=120).returncode == 0
