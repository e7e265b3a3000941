"""benchmarks/accuracy.py's aggregation of per-page scores, beside the mean page F1."""

import importlib.util
import os
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "accuracy.py"
sys.path.insert(0, str(SCRIPT.parent))
_spec = importlib.util.spec_from_file_location("accuracy", SCRIPT)
accuracy = sys.modules["accuracy"] = importlib.util.module_from_spec(_spec)
_environment = dict(os.environ)
_spec.loader.exec_module(accuracy)  # it pins thread pools to one core for its own runs:
os.environ.clear()
os.environ.update(_environment)  # the rest of the test session keeps its own


def page(precision, recall, f1, empty_output=False, empty_gold=False):
    return accuracy.PageScore("p", precision, recall, f1, 0.01, None, empty_output=empty_output, empty_gold=empty_gold)


def test_scrapinghub_aggregation_leaves_pages_out_as_its_evaluate_py_does():
    pages = [
        page(0.8, 1.0, 0.889),
        page(1.0, 0.0, 0.0, empty_output=True),  # nothing found: costs recall only
        page(1.0, 1.0, 1.0, empty_output=True, empty_gold=True),  # nothing to find, nothing found: counts nowhere
        page(0.0, 1.0, 0.0, empty_gold=True),  # text where the gold is empty: costs precision only
    ]
    scores = accuracy.scrapinghub_scores(pages)
    assert scores["sh_precision"] == pytest.approx((0.8 + 0.0) / 2)
    assert scores["sh_recall"] == pytest.approx((1.0 + 0.0) / 2)
    assert scores["sh_f1"] == pytest.approx(2 * 0.4 * 0.5 / 0.9)
    summary = accuracy.Row("segclf", pages).summary()
    assert summary["f1"] == pytest.approx((0.889 + 0.0 + 1.0 + 0.0) / 4)  # the mean page F1 is kept beside it
    assert summary["sh_f1"] == scores["sh_f1"]


def test_a_page_records_whether_its_output_and_gold_were_empty():
    row = accuracy.Row("segclf")
    accuracy.score(row, "a", "", accuracy.Outcome(text="  ", seconds=0.1, error=None))
    accuracy.score(row, "b", "某某 gold", accuracy.Outcome(text="某某", seconds=0.1, error=None))
    assert (row.pages[0].empty_output, row.pages[0].empty_gold, row.pages[0].f1) == (True, True, 1.0)
    assert (row.pages[1].empty_output, row.pages[1].empty_gold) == (False, False)
