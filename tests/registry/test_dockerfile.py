"""The package's Dockerfile serves the model from the package folder alone.

No Docker daemon here, so the image's command line is built from the Dockerfile (its
``COPY . /model``, ``WORKDIR``, ``RUN pip install -r …`` and ``CMD``) and run outside Docker:
in a virtual environment holding only the requirement files the Dockerfile installs (no
jupyter_mlops; tests/registry/venvs.py), with the package folder as working directory. The
only changes to the command line: port 0 instead of 8080 and loopback instead of 0.0.0.0.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pandas as pd
import pytest
import requests

import jupyter_mlops
from jupyter_mlops.registry.load import resolve

from .venvs import venv_with


def image(folder) -> dict:
    """What the Dockerfile makes of the package folder: workdir, installed files, argv."""
    lines = [line.strip() for line in (folder / "Dockerfile").read_text().splitlines()]
    (copy,) = [line.split()[1:] for line in lines if line.startswith("COPY ")]
    assert copy == [".", "/model"]  # the image is the package folder and nothing else
    (workdir,) = [line.split()[1] for line in lines if line.startswith("WORKDIR ")]
    (install,) = [line for line in lines if line.startswith("RUN pip install")]
    (cmd,) = [json.loads(line[len("CMD"):]) for line in lines if line.startswith("CMD")]
    assert not [line for line in lines if line.startswith("ENTRYPOINT")]
    return {"workdir": workdir, "requirements": re.findall(r"-r (\S+)", install), "argv": cmd}


@pytest.fixture(scope="module")
def package(trained, tmp_path_factory):
    store = trained["store"]
    jupyter_mlops.register_model(trained["model_run"], "boxed", store=store)
    folder = tmp_path_factory.mktemp("image") / "model"
    shutil.copytree(resolve("boxed/1", store)[2], folder)
    for path in folder.rglob("*"):
        path.chmod(0o700 if path.is_dir() else 0o600)
    spec = image(folder)
    assert spec["workdir"] == "/model"
    requirements = [line for name in spec["requirements"]
                    for line in (folder / name).read_text().split()]
    python = venv_with(requirements, "import sklearn, skops, tornado, prometheus_client, yaml")
    return {"folder": folder, "python": python, "argv": spec["argv"], "store": store}


ENV = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "JUPYTER"))}


def start(package):
    argv = ["127.0.0.1" if a == "0.0.0.0" else a for a in package["argv"]]
    argv[argv.index("--port") + 1] = "0"
    assert argv[0] == "python"
    return subprocess.Popen([package["python"], *argv[1:]], cwd=package["folder"], env=ENV,
                            stderr=subprocess.PIPE, text=True)


def test_the_image_command_serves_the_package_with_only_its_requirements(package):
    probe = subprocess.run([package["python"], "-c", "import jupyter_mlops"],
                           cwd=package["folder"], env=ENV, capture_output=True)
    assert probe.returncode != 0  # the venv has no jupyter_mlops
    proc = start(package)
    try:
        banner = proc.stderr.readline()
        found = re.search(r"on http://[^ ]+:(\d+) ", banner)
        assert found, banner + proc.stderr.read()
        assert "prediction log off" in banner
        url = f"http://127.0.0.1:{found[1]}"
        example = json.loads((package["folder"] / "input_example.json").read_text())
        rows = pd.DataFrame(example["data"], columns=example["columns"])
        answer = requests.post(f"{url}/invocations", timeout=30,
                               json={"dataframe_split": rows.to_dict("split", index=False)})
        assert answer.status_code == 200, answer.text
        expected = jupyter_mlops.load_model("boxed/1", store=package["store"]).predict(rows)
        assert answer.json()["predictions"] == expected.tolist()
        health = requests.get(f"{url}/health", timeout=30).json()
        assert health["name"] == "boxed" and health["checksum"] == \
            package["store"].model_version("boxed", 1)["checksum"]
        bad = requests.post(f"{url}/invocations", json={"dataframe_records": [{"a": 1}]},
                            timeout=30)
        assert bad.status_code == 400 and "'b'" in bad.json()["error"]
    finally:
        proc.terminate()
        proc.wait(10)
        proc.stderr.close()


def test_a_changed_package_file_is_refused_before_serving(package, tmp_path):
    changed = tmp_path / "model"
    shutil.copytree(package["folder"], changed)
    with open(changed / "model" / "model.json", "a") as f:
        f.write(" ")
    proc = start({**package, "folder": changed})
    _, err = proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert err.strip().splitlines()[-1] == ("package file model/model.json does not match "
                                            "manifest.json: refusing to serve it")
