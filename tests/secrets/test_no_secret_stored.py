"""A tracked notebook plants every secret form of the corpus at every entry point; then every
byte of the store (database, WAL, SHM, artifacts), of the spool, of every REST answer and of
every CLI JSON output is searched for each secret raw, JSON-escaped and base64: none found.

The kernel is real (nbclient), runs in a git repository with dirty ``.env``/YAML/INI/key
files, with secrets in its environment, and starts with its store unreachable, so that every
record goes through the spool journal first and is written to the store when it comes back.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import urllib.request
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook
from sqlalchemy import select

from jupyter_mlops.store import schema as s

from ..conftest import run_cli
from ..jupyter_process import jupyter_process
from .corpus import Form, build, encodings, rand, shell_lines, word


def _var(form: Form) -> str:
    return form.name


def _literal(value: str) -> str:
    return repr(value) if "\n" not in value else f'"""{value}"""'


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def _dirty_repository(repo: Path, forms: list[Form]) -> list[str]:
    """A committed repo whose config files then gain secrets (as a user editing them)."""
    repo.mkdir()
    _git(repo, "init", "-q")
    _git(repo, "config", "user.email", "t@example.com")
    _git(repo, "config", "user.name", "t")
    remote_password = rand(20)
    _git(repo, "remote", "add", "origin", f"https://deploy:{remote_password}@github.com/o/r.git")
    files = {".env": "DEBUG=1\n", "config.yaml": "db:\n  host: localhost\n",
             "settings.ini": "[db]\nhost = localhost\n", "deploy_key.pem": "placeholder\n"}
    for name, text in files.items():
        (repo / name).write_text(text)
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "config")
    one_line = [f for f in forms if f.one_line]
    with open(repo / ".env", "a") as env:
        env.writelines(f"{f.name.upper()}={f.value}\n" for f in one_line)
    with open(repo / "config.yaml", "a") as yaml:
        yaml.writelines(f"  {f.name}: {f.value}\n" for f in one_line)
    with open(repo / "settings.ini", "a") as ini:
        ini.writelines(f"{f.name} = {f.value}\n" for f in one_line if f.kind == "named")
    (repo / "deploy_key.pem").write_text("".join(f.value for f in forms if not f.one_line))
    return [remote_password]


def _cells(forms: list[Form], shell: list[tuple[str, str]]) -> list[str]:
    one_line = [f for f in forms if f.one_line]
    shapes = [f for f in one_line if f.kind == "shape"]
    named = [f for f in one_line if f.kind == "named"]
    literals = "\n".join(f"{_var(f)} = {_literal(f.value)}" for f in forms)
    column = len(shapes)
    passwords = [_var(named[i % len(named)]) for i in range(column)]
    frame = ("frame = pd.DataFrame({"
             f"'api_token': [{', '.join(_var(f) for f in shapes)}], "
             f"'password': [{', '.join(passwords)}], "
             f"'notes': ['used ' + v for v in [{', '.join(_var(f) for f in shapes)}]]}})")
    magics = "\n".join(
        [f"%track param {shlex.quote(f'{f.name}={f.value}')}" for f in one_line]
        + [f"%track tag {shlex.quote(f'tag_{f.name}={f.value}')}" for f in one_line]
        + [f"%track note {shlex.quote(f'deployed with {f.name}={f.value} today')}"
           for f in one_line[::3]])
    training = (
        f"settings = [{', '.join(_var(f) for f in forms)}]\n"
        "X = np.arange(20).reshape(10, 2)\ny = np.arange(10) % 2\n"
        "connector = Connector(api_key=payments_setting, endpoint=postgres_target,\n"
        "                      hub_token=os.environ['HUB_TOKEN_FOR_TEST'],\n"
        "                      options=blob_target, password=DB_PASSWORD).fit(X, y)\n"
        "rows = len(frame)\n" + magics + "\naccuracy = 0.5")
    model = (
        "class Connector(BaseEstimator):\n"
        "    def __init__(self, api_key=None, endpoint=None, hub_token=None, options=None,\n"
        "                 password=None):\n"
        "        self.api_key, self.endpoint, self.hub_token = api_key, endpoint, hub_token\n"
        "        self.options, self.password = options, password\n"
        "    def fit(self, X, y=None):\n"
        "        self.fitted_ = True\n"
        "        return self")
    errors = [f'raise ValueError("could not connect with {f.name}=" + {_var(f)})'
              for f in one_line]
    errors.append(f"%%track failing\nraise RuntimeError('token rejected: ' + {_var(shapes[0])})")
    return ["%load_ext jupyter_mlops\n%track",
            "import os\nimport numpy as np\nimport pandas as pd\n"
            "from sklearn.base import BaseEstimator",
            literals, "\n".join(line for line, _ in shell), model, frame, training, *errors]


def _search(blobs: dict[str, bytes], needles: dict[str, set[str]]) -> list[str]:
    found = []
    for where, data in blobs.items():
        for key, forms in needles.items():
            for form in forms:
                if form.encode() in data:
                    found.append(f"{key} in {where} as {form[:12]}…")
    return found


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _get(server, path: str) -> bytes:
    request = urllib.request.Request(f"{server.api}/{path}", headers=server.auth)
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read()


def test_no_secret_reaches_the_store_the_api_or_the_cli(tmp_path, store_dir, monkeypatch):
    forms = build()
    shell = shell_lines()
    repo = tmp_path / "project"
    extra = _dirty_repository(repo, forms)
    hub_token = "hf_" + rand(34)
    env_secrets = {f"MLOPS_{f.name.upper()}": f.value for f in forms if f.one_line}
    env_secrets["MLOPS_SETTING"] = "sk_live_" + rand(24)
    env_secrets["MLOPS_WORD_PASS"] = word()
    for name, value in {**env_secrets, "HUB_TOKEN_FOR_TEST": hub_token}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "data"))
    needles = {f.key: set().union(*(encodings(n) for n in f.needles)) for f in forms}
    needles |= {f"shell-{i}": encodings(secret) for i, (_, secret) in enumerate(shell)}
    needles |= {"git-remote-password": encodings(extra[0]), "hub-token": encodings(hub_token),
                "env-setting": encodings(env_secrets["MLOPS_SETTING"]),
                "env-word-pass": encodings(env_secrets["MLOPS_WORD_PASS"])}

    cells = _cells(forms, shell)
    nb = new_notebook(cells=[new_code_cell(c) for c in cells])
    nbformat.write(nb, str(repo / "plant.ipynb"))
    monkeypatch.setenv("JPY_SESSION_NAME", str(repo / "plant.ipynb"))
    store_dir.write_text("the store is unreachable for now")  # everything goes to the spool
    client = NotebookClient(nb, kernel_name="python3", timeout=120, allow_errors=True,
                            resources={"metadata": {"path": str(repo)}})
    spool = tmp_path / "data" / "mlops-spool"
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        spooled = _files(spool)
        assert sum(len(b) for b in spooled.values()) > 20_000  # the records are in there
        store_dir.unlink()
        back = new_code_cell("%track status")
        nb.cells.append(back)
        client.execute_cell(back, len(nb.cells) - 1)
    leaks = _search(spooled, needles)

    stored = _files(store_dir)
    assert any(p.endswith("mlops.db") for p in stored)
    leaks += _search(stored, needles)
    leaks += _search(_files(spool), needles)

    from jupyter_mlops.store import Store

    st = Store.open(str(store_dir))
    (run,) = [r for r in st.list_runs() if r["name"].startswith("Connector")]
    detail = st.get_run(run["run_id"])
    # the planting worked: everything arrived, with the secrets replaced
    assert detail["params"]["DB_PASSWORD"] == "[REDACTED]"
    assert detail["params"]["hub_token"] == "[REDACTED]"
    assert "[REDACTED]" in detail["params"]["blob_target"]
    assert detail["tags"]["tag_API_TOKEN"] == "[REDACTED]"
    assert "[REDACTED]" in detail["notes"]
    assert [a["name"] for a in detail["artifacts"]] == ["git.diff"]
    assert detail["datasets"] and detail["environment"]["env_vars"]["MLOPS_DB_PASSWORD"] == (
        "[REDACTED]")
    with st.db.read() as c:
        errors = [e for (e,) in c.execute(select(s.cell_executions.c.error)) if e]
    assert len(errors) == len([f for f in forms if f.one_line]) + 1
    assert all("[REDACTED]" in e for e in errors)
    diff = st.artifacts.read(detail["artifacts"][0]["digest"]).decode()
    assert "+DB_PASSWORD=[REDACTED]" in diff and "BEGIN PRIVATE KEY" not in diff
    run_ids = [r["run_id"] for r in st.list_runs()]
    st.close()

    with jupyter_process(tmp_path / "project", {"JUPYTER_MLOPS_STORE": str(store_dir)}) as server:
        answers = {"runs": _get(server, "runs")}
        for run_id in run_ids:
            answer = json.loads(_get(server, f"runs/{run_id}"))
            answers[f"runs/{run_id}"] = json.dumps(answer).encode()
            for dataset in answer["datasets"]:
                path = f"datasets/{dataset['dataset_id']}"
                answers[path] = _get(server, path)
            if answer.get("environment_id"):
                path = f"environments/{answer['environment_id']}"
                answers[path] = _get(server, path)
            for artifact in answer["artifacts"]:
                path = f"artifacts/{artifact['artifact_id']}"
                answers[path] = _get(server, path)
    assert len(answers) >= 5
    leaks += _search(answers, needles)

    outputs = {"cli runs": ["runs"], "cli datasets": ["datasets"]}
    outputs |= {f"cli show {r}": ["show", r] for r in run_ids}
    for where, args in outputs.items():
        result = run_cli(*args, "--format", "json", env={"JUPYTER_MLOPS_STORE": str(store_dir)})
        assert result.returncode == 0, result.stderr
        leaks += _search({where: result.stdout.encode()}, needles)

    planted = len(forms) + len(shell)
    print(f"\nsecret forms planted: {planted} ({len(forms)} values + {len(shell)} shell lines); "
          f"found: {len(leaks)}")
    assert leaks == [], "\n".join(leaks[:40])
