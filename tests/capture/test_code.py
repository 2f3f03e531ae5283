"""Static analysis of cells: names defined, used and mutated, literals, opaque code."""

from __future__ import annotations

import pytest

from jupyter_mlops.capture.code import analyse


def test_assignments_define_and_reads_use():
    info = analyse("import pandas as pd\ndf = pd.read_csv(path)\nn = len(df)")
    assert info.defined == {"pd", "df", "n"}
    assert info.used == {"path"}  # pd and df were bound first; len is a builtin


def test_a_name_read_before_it_is_rebound_is_a_use():
    assert analyse("x = x + 1").used == {"x"}
    assert analyse("x += 1").mutated == {"x"}


@pytest.mark.parametrize("code", ["model.fit(X, y)", "df.dropna(inplace=True)",
                                  "df['a'] = 1", "model.coef_ = None", "del df",
                                  "rows.append(1)"])
def test_mutations_are_uses_and_definitions(code):
    info = analyse(code)
    name = next(iter(info.mutated))
    assert name in info.defined and name in info.used


def test_reading_methods_do_not_mutate():
    info = analyse("df.head()\nmodel.predict(X)")
    assert not info.mutated and info.used == {"df", "model", "X"}


def test_function_locals_are_not_reported_but_its_globals_are_used():
    info = analyse("def f(a):\n    b = a * scale\n    return [b + i for i in range(k)]")
    assert info.defined == {"f"}
    assert info.used == {"scale", "k"}


def test_literals_are_numbers_strings_and_bools():
    info = analyse("lr = 0.1\nname = 'x'\nflag = True\nneg = -3\nobj = f()\nlong = 'a' * 3")
    assert info.literals == {"lr": 0.1, "name": "x", "flag": True, "neg": -3}


@pytest.mark.parametrize(("code", "why"), [
    ("exec('x = 1')", "exec()"),
    ("from numpy import *", "from numpy import *"),
    ("get_ipython().run_line_magic('run', 'other.py')", "%run"),
])
def test_code_that_cannot_be_analysed_is_opaque(code, why):
    assert analyse(code).opaque == why


def test_syntax_errors_define_nothing():
    info = analyse("x = (")
    assert not info.parsed and not info.defined


@pytest.mark.parametrize("code", [
    "k = 3\nvals = [k * i for i in range(3)]",
    "k = 3\nscale = lambda v: v * k",
    "def helper(v):\n    return v * k\nk = 3",
    "k = {1: 2}\nlookup = {a: k[a] for a in k}",
    "class Base:\n    pass\nclass Child(Base):\n    def f(self):\n        return Base",
])
def test_names_the_cell_binds_are_not_uses_inside_its_functions_and_comprehensions(code):
    assert analyse(code).used == frozenset()


def test_a_function_reads_the_globals_the_cell_does_not_bind():
    assert analyse("def f():\n    return X + g(1)").used == {"X", "g"}
    assert analyse("vals = [k for _ in range(2)]").used == {"k"}


def test_order_is_the_order_names_were_last_bound_or_fitted():
    info = analyse("a = 1\nclf = SVC()\nlb = LabelBinarizer().fit(y)\nclf.fit(X, y)")
    assert info.order == ("a", "lb", "clf")


def test_loop_variables():
    info = analyse("for f_score in levels:\n    best = f_score\nfor i, row in rows:\n    pass\n"
                   "acc = 1\nfor acc in []:\n    pass")
    assert info.loop_variables == {"f_score", "i", "row"}  # acc is also assigned


def test_what_predictions_were_made_from():
    info = analyse("y_pred = model.predict(X_test)\n"
                   "print(f1(y_test, clf.predict_proba(X_valid)[:, 1]))")
    assert info.predicted_from == {"y_pred": "X_test", 1: "X_test", 2: "X_valid"}
