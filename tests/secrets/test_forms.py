"""Every secret form of the corpus, in every textual shape it is written in, is redacted by
the one boundary (``redact_value``), and what surrounds it is kept."""

from __future__ import annotations

import pytest

from jupyter_mlops.redact import REDACTED, redact, redact_value

from .corpus import build, shell_lines

FORMS = build()


def contexts(form):
    """(entry, text or value) pairs: how the form reaches the store."""
    name, value = form.name, form.value
    code = (f"{name} = {value!r}" if form.one_line else f'{name} = """{value}"""')
    out = [("code", code), ("param", {name: value}), ("model-param", {"est__" + name: value}),
           ("tag", {name: value}), ("env", {"env": {"MLOPS_" + name.upper(): value}}),
           ("exception", f"ValueError: could not connect with {name}={value}")]
    if form.kind == "shape":
        out += [("param-neutral", {"setting": value}), ("profile", {"columns": {"notes": {
            "top": [{"value": value, "count": 3}]}}}), ("note", f"tried with {value} today")]
    else:
        out.append(("profile", {name: {"top": [{"value": value, "count": 3}]}}))
    if form.one_line:
        out += [("dotenv", f"{name.upper()}={value}"),
                ("diff", f"@@ -1,2 +1,3 @@\n A=1\n+{name.upper()}={value}\n"),
                ("yaml", f"db:\n  {name}: {value}\n"),
                ("string-with-dotenv", f'ENV = "A=1\\n{name.upper()}={value}\\n"')]
    else:
        out.append(("diff", "".join(f"+{line}\n" for line in value.splitlines())))
    return out


CASES = [(form.key, entry, text, form.needles)
         for form in FORMS for entry, text in contexts(form)]


def test_the_corpus_is_large_enough():
    assert len(FORMS) >= 60
    assert len({entry for _, entry, _, _ in CASES}) >= 8


@pytest.mark.parametrize(("key", "entry", "text", "needles"), CASES,
                         ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_every_form_in_every_shape_is_redacted(key, entry, text, needles):
    out = str(redact_value(text))
    for needle in needles:
        assert needle not in out, out
    assert REDACTED in out


@pytest.mark.parametrize(("line", "secret"), shell_lines())
def test_shell_lines(line, secret):
    out = redact(line)
    assert secret not in out and REDACTED in out
    assert out.split()[0] == line.split()[0]  # the command stays readable
