"""A few of the corpus notebooks, tracked and untracked (method: runner.py's docstring).

Every notebook must complete both ways with identical outputs; the capture targets of
issue 8 must hold on them. The whole corpus, with the cell-time ratio, is
``tests/benchmarks/bench_corpus.py`` (times are not asserted in tests).
"""

from __future__ import annotations

import pytest

from .runner import TARGETS, run_corpus, table, totals

# Small and varied: a pipeline with a classification report, a confusion-matrix Display, a
# multinomial logistic regression with metrics and decision-boundary figures, DET/ROC curves.
SUBSET = ["plot_feature_selection_pipeline", "plot_confusion_matrix", "plot_logistic_multinomial",
          "plot_det"]

pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def results():
    results = run_corpus(SUBSET)
    print(table(results))
    return results


@pytest.mark.parametrize("name", SUBSET)
def test_completes_both_ways_with_identical_outputs(results, name):
    (result,) = [r for r in results if r.name == name]
    assert result.completed, result.errors
    assert result.identical, result.first_difference


@pytest.mark.parametrize("key", ["estimators", "metrics", "figures"])
def test_capture_target(results, key):
    t = totals(results)
    assert t.share(getattr(t, key)) >= TARGETS[key], table(results)


def test_no_false_alarms(results):
    assert totals(results).false_alarms == 0, table(results)
