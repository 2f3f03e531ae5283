"""A real, minimal wheel built by hand and pip-installed into a folder on ``sys.path``: what
a ``pip install`` in the middle of a session looks like, without the network."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path


def install_tiny_wheel(folder: Path, name: str, version: str) -> None:
    """Build ``name==version`` (a package with one empty module) and pip-install it into
    ``folder``, which the caller has put on ``sys.path``."""
    module = name.replace("-", "_")
    wheel = folder / f"{module}-{version}-py3-none-any.whl"
    info = f"{module}-{version}.dist-info"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(f"{module}/__init__.py", "")
        archive.writestr(f"{info}/METADATA",
                         f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        archive.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: test\n"
                         "Root-Is-Purelib: true\nTag: py3-none-any\n")
        archive.writestr(f"{info}/RECORD", "")
    site = folder / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-index", "--no-deps",
                    "--target", str(site), str(wheel)], check=True, capture_output=True)
