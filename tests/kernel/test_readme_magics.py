"""The README's magic lines work when pasted as written, comments included."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def magic_lines() -> list[str]:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    return [line for block in blocks if "%track" in block
            for line in block.splitlines() if line.startswith("%")]


def test_every_magic_line_of_the_readme_runs_as_written(run, shell, tracker, store, capsys):
    lines = magic_lines()
    assert "%load_ext jupyter_mlops" in lines and any(x.startswith("%%track") for x in lines)
    assert len(lines) >= 12
    run("import pandas as pd\nfrom sklearn.linear_model import LogisticRegression\n"
        "train_df = pd.DataFrame({'a': [0.0, 1.0, 2.0, 3.0], 'y': [0, 1, 0, 1]})\n"
        "clf = LogisticRegression().fit(train_df[['a']], train_df.y)\nscratch = 1")
    capsys.readouterr()
    for line in lines:  # each as the cell a user pastes it into (a cell magic heads a body)
        result = run(f"{line}\nloss = 0.1" if line.startswith("%%") else line)
        err = capsys.readouterr().err
        assert result.success, (line, result.error_in_exec)
        assert "UsageError" not in err and "%track:" not in err, (line, err)
    assert tracker.writer.flush(10)
    names = [r["name"] for r in store.session_runs(tracker.session_id)]
    assert "baseline" in names and "sweep" in names
