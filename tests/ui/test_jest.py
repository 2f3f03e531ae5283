"""The labextension's jest unit tests, run as part of the Python test suite so that the
README's one test command covers the frontend too."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

LABEXTENSION = Path(__file__).parents[2] / "labextension"


def test_labextension_unit_tests_pass():
    jlpm = shutil.which("jlpm", path=os.path.dirname(sys.executable)) or shutil.which("jlpm")
    if jlpm is None or not (LABEXTENSION / "node_modules").is_dir():
        reason = "labextension dependencies not installed (pip install -e . runs jlpm install)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    result = subprocess.run([jlpm, "test", "--ci"], cwd=LABEXTENSION, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
