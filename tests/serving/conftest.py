"""A real registered model for the serving and monitoring tests: a churn notebook (CSV in,
scikit-learn pipeline out, AUC on a test file) exported through the registry in a fresh
kernel, once per test session; and servers started as a user starts them."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
import requests

CELLS = [
    "import pandas as pd\n"
    "from sklearn.compose import make_column_transformer\n"
    "from sklearn.linear_model import LogisticRegression\n"
    "from sklearn.metrics import roc_auc_score\n"
    "from sklearn.pipeline import make_pipeline\n"
    "from sklearn.preprocessing import OneHotEncoder, StandardScaler",
    "train = pd.read_csv('train.csv')\ntest = pd.read_csv('test.csv')",
    "X_train, y_train = train.drop(columns='churned'), train['churned']\n"
    "model = make_pipeline(make_column_transformer(\n"
    "    (StandardScaler(), ['age', 'income', 'visits']),\n"
    "    (OneHotEncoder(handle_unknown='ignore'), ['plan'])), LogisticRegression())\n"
    "model.fit(X_train, y_train)",
    "auc = roc_auc_score(test['churned'], model.predict_proba(test.drop(columns='churned'))"
    "[:, 1])",
]


def churn_frame(rows: int, seed: int, *, age_shift: float = 0.0,
                noise: float = 0.0) -> pd.DataFrame:
    """Customers; churn depends on age, plan and visits. ``noise`` flips that share of the
    labels (worse data trains a worse model)."""
    r = np.random.default_rng(seed)
    age = r.normal(40, 12, rows) + age_shift
    income = r.lognormal(10, 0.5, rows)
    plan = r.choice(["basic", "plus", "pro"], rows, p=[0.6, 0.3, 0.1])
    visits = r.integers(0, 10, rows)
    logit = 0.08 * (age - 40) + (plan == "basic") * 1.5 - 0.3 * (visits - 5)
    churned = (r.random(rows) < 1 / (1 + np.exp(-logit))).astype(int)
    flip = r.random(rows) < noise
    churned[flip] = 1 - churned[flip]
    return pd.DataFrame({"age": age, "income": income, "plan": plan, "visits": visits,
                         "churned": churned})


def write_notebook(folder, cells=CELLS) -> str:
    nb = {"nbformat": 4, "nbformat_minor": 5,
          "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                      "language": "python"}},
          "cells": [{"cell_type": "code", "id": f"c{i}", "source": s, "metadata": {},
                     "outputs": [], "execution_count": None} for i, s in enumerate(cells)]}
    path = os.path.join(folder, "churn.ipynb")
    with open(path, "w") as f:
        json.dump(nb, f)
    return path


@pytest.fixture(scope="session")
def churn(tmp_path_factory):
    """(store URL, project folder): churn/1 registered with alias production."""
    from jupyter_mlops.registry.verify import export
    from jupyter_mlops.store import Store

    folder = tmp_path_factory.mktemp("churn-project")
    churn_frame(2000, 1).to_csv(folder / "train.csv", index=False)
    churn_frame(1000, 2).to_csv(folder / "test.csv", index=False)
    store_url = str(folder / "store")
    st = Store.open(store_url)
    export(write_notebook(str(folder)), "churn", alias="production", store=st)
    st.close()
    return store_url, folder


@pytest.fixture(scope="session")
def churn_store(churn):
    from jupyter_mlops.store import Store

    st = Store.open(churn[0])
    yield st
    st.close()


class Server:
    """``jupyter mlops serve …`` in its own process, on a free port."""

    def __init__(self, *args: str, env: dict | None = None, cwd: str | None = None):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "jupyter_mlops", "serve", *args, "--port", "0"],
            stderr=subprocess.PIPE, text=True, cwd=cwd, env={**os.environ, **(env or {})})
        line = self.proc.stderr.readline()
        found = re.search(r"on http://([^ ]+):(\d+) ", line)
        if not found:
            self.proc.kill()
            raise AssertionError(f"server did not start: {line}{self.proc.stderr.read()}")
        self.url = f"http://127.0.0.1:{found[2]}"
        self.banner = line

    def post(self, body, content_type="application/json", **kw):
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        return requests.post(f"{self.url}/invocations", data=data,
                             headers={"Content-Type": content_type, **kw.pop("headers", {})},
                             timeout=30, **kw)

    def get(self, path, **kw):
        return requests.get(f"{self.url}{path}", timeout=30, **kw)

    def metric(self, series_name: str, **labels) -> float:
        want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
        series = f"{series_name}{{{want}}}" if labels else series_name
        for line in self.get("/metrics").text.splitlines():
            if line.startswith(series + " "):
                return float(line.rsplit(" ", 1)[1])
        return 0.0

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.proc.stderr.close()


def _servers():
    started = []

    def start(*args, **kw) -> Server:
        server = Server(*args, **kw)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


start_server = pytest.fixture(_servers)
module_servers = pytest.fixture(_servers, scope="module")


def wait_for(check, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False
