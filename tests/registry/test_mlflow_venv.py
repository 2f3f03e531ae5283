"""A package loads with ``mlflow.pyfunc.load_model`` in a virtual environment that has only
the package's requirements plus MLflow: no jupyter_mlops, no JupyterLab.

The venv (tests/registry/venvs.py) is made once per set of requirements with pip's cache on
and reused after: cold, about four minutes on this machine, almost all of it pip resolving
MLflow's dependencies; warm, seconds.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pandas as pd
import pytest

import jupyter_mlops
from jupyter_mlops.registry.load import resolve

from .venvs import venv_with

PREDICT = """
import json, sys
import pandas as pd
import mlflow.pyfunc
try:
    import jupyter_mlops  # noqa: F401
    sys.exit("jupyter_mlops must not be importable here")
except ImportError:
    pass
model = mlflow.pyfunc.load_model(sys.argv[1])
with open(sys.argv[2]) as f:
    example = json.load(f)
rows = pd.DataFrame(example["data"], columns=example["columns"])
print(json.dumps([int(v) for v in model.predict(rows)]))
"""


@pytest.mark.timeout(1800)
def test_mlflow_loads_the_package_with_only_its_requirements(trained, tmp_path):
    store = trained["store"]
    jupyter_mlops.register_model(trained["model_run"], "portable", store=store)
    _, _, folder = resolve("portable/1", store)
    package = tmp_path / "package"
    shutil.copytree(folder, package)
    requirements = (package / "requirements.txt").read_text().split()
    python = venv_with([*requirements, "mlflow-skinny"], "import mlflow.pyfunc")
    script = tmp_path / "predict.py"
    script.write_text(PREDICT)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["MLFLOW_ALLOW_PICKLE_DESERIALIZATION"] = "false"  # skops needs no pickle permission
    out = subprocess.run([python, str(script), str(package), str(package / "input_example.json")],
                         capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    with open(package / "input_example.json") as f:
        example = json.load(f)
    rows = pd.DataFrame(example["data"], columns=example["columns"])
    local = jupyter_mlops.load_model("portable/1", store=store).predict(rows)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [int(v) for v in local]
