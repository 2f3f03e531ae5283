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


def test_a_clean_text_artifact_is_decoded_and_scanned_once_and_one_with_a_secret_always(
        monkeypatch):
    import base64

    from jupyter_mlops.redact import redact_value

    scans, decoded = [], []
    scan, decode = redact_module._redact, redact_module.redact_bytes
    monkeypatch.setattr(redact_module, "_redact", lambda text: scans.append(text) or scan(text))
    monkeypatch.setattr(redact_module, "redact_bytes",
                        lambda data, media: decoded.append(data) or decode(data, media))
    diff = "+++ b/train.py\n" + "+EPOCHS = 5\n" * 20
    clean = {"op": "artifact", "name": "git.diff", "media_type": "text/x-diff",
             "data": base64.b64encode(diff.encode()).decode()}
    assert redact_value(clean) == clean and redact_value(dict(clean)) == clean
    assert scans == [diff] and decoded == [diff.encode()]
    leaky = {**clean, "data": base64.b64encode((diff + "+DB_PASSWORD = 'hunter2-x'\n").encode())
             .decode()}
    for _ in range(2):
        text = base64.b64decode(redact_value(leaky)["data"]).decode()
        assert "hunter2-x" not in text and REDACTED in text
    # the same characters as a plain text are not taken for the clean artifact
    assert redact(clean["data"]) == clean["data"] and scans[-1] == clean["data"]
