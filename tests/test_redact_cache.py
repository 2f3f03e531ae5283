"""A long text redaction found clean is scanned once; one with a secret is redacted every
time it is seen."""

import jupyter_mlops.redact as redact_module
from jupyter_mlops.redact import REDACTED, redact

CELL = "import pandas as pd\n" + "df = pd.read_csv('train.csv')\n" * 20


def test_a_clean_long_text_is_scanned_once(monkeypatch):
    scans = []
    scan = redact_module._redact
    monkeypatch.setattr(redact_module, "_redact", lambda text: scans.append(text) or scan(text))
    text = CELL + "# scanned once\n"
    assert redact(text) == text
    assert redact("".join(text)) == text  # the same text again, another str object
    assert scans == [text]


def test_a_long_text_with_a_secret_is_redacted_every_time():
    text = CELL + "db_password = 'hunter2-correct-horse'\n"
    for _ in range(3):
        cleaned = redact(text)
        assert "hunter2-correct-horse" not in cleaned and REDACTED in cleaned
        assert cleaned.startswith(CELL)
