"""The checks that run on every bound name of every tracked cell import nothing heavy: a
library can only have made the object if it is already imported."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize("module, check, library", [
    ("datasets", "is_dataset", "pandas"),
    ("figures", "is_figure", "matplotlib"),
    ("models", "is_fitted_model", "sklearn"),
])
def test_a_check_does_not_import_the_library_it_checks_for(module, check, library):
    code = (f"import sys\n"
            f"from jupyter_mlops.capture.{module} import {check}\n"
            f"assert not {check}(object())\n"
            f"print({library!r} in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"
