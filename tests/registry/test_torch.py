"""A torch model packages as its state_dict plus the class reference (no pickle): a real
``nn.Module`` defined in an importable module, trained in a tracked notebook, registered,
and loaded back with ``jupyter_mlops.load_model`` giving the same outputs."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import jupyter_mlops
from jupyter_mlops.registry.load import resolve
from jupyter_mlops.store import Store

from .conftest import READ, TRACK, execute, write_data

torch = pytest.importorskip("torch")

NET = """\
import torch


class TinyNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.ReLU(),
                                          torch.nn.Linear(4, 1))

    def forward(self, x):
        return self.layers(x)
"""
TRAIN = """\
torch.manual_seed(0)
net = TinyNet()
opt = torch.optim.SGD(net.parameters(), lr=0.01)
for _ in range(30):
    opt.zero_grad()
    loss = torch.nn.functional.binary_cross_entropy_with_logits(net(X).squeeze(1), y)
    loss.backward()
    opt.step()"""
TENSORS = ("X = torch.tensor(df[['a', 'b']].values, dtype=torch.float32)\n"
           "y = torch.tensor(df['label'].values, dtype=torch.float32)")


def test_a_torch_module_is_its_state_dict_and_class(tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTER_MLOPS_STORE", str(tmp_path / "store"))
    monkeypatch.delenv("JUPYTER_MLOPS_ARTIFACTS", raising=False)
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "data"))
    (tmp_path / "tiny_net.py").write_text(NET)
    monkeypatch.syspath_prepend(str(tmp_path))
    write_data(tmp_path)
    execute(tmp_path, "torch.ipynb", [TRACK, "import pandas as pd\nimport torch\n"
                                      "from tiny_net import TinyNet", READ, TENSORS, TRAIN,
                                      "%track model net"])
    store = Store.open()
    try:
        run = next(r for r in store.list_runs() if r["tags"].get("model.variable") == "net")
        version = jupyter_mlops.register_model(run["run_id"], "tiny", model="net", store=store)
        _, _, folder = resolve("tiny/1", store)
        with open(f"{folder}/model/model.json") as f:
            info = json.load(f)
        loaded = jupyter_mlops.load_model("tiny/1", store=store)  # no trust=True: no pickle
    finally:
        store.close()
    assert info == {"format": "torch", "file": "model.pt", "class": "tiny_net:TinyNet"}
    assert any(r.startswith("torch==") for r in version["requirements"])
    assert "train.py" in version["manifest"]["files"]
    assert not any(f.endswith(".pkl") for f in version["manifest"]["files"])
    df = pd.read_csv(tmp_path / "train.csv")
    namespace = {"torch": torch, "TinyNet": __import__("tiny_net").TinyNet,
                 "X": torch.tensor(df[["a", "b"]].values, dtype=torch.float32),
                 "y": torch.tensor(df["label"].values, dtype=torch.float32)}
    exec(TRAIN, namespace)  # the same seeded training, here: the same weights
    with torch.no_grad():
        expected = namespace["net"](namespace["X"]).numpy()
    got = loaded.predict(df[["a", "b"]])
    assert got.shape == (len(df), 1)
    np.testing.assert_allclose(got, expected, rtol=1e-5)
