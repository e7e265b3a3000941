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


def test_pages_pool_by_language_across_corpora_and_peers_compare_on_shared_pages():
    def row(name, pages):
        return accuracy.Row(name, [accuracy.PageScore(i, 1, 1, f1, 0.01, lang=lang) for i, lang, f1 in pages])

    results = {
        "zh_cwced": [row("segclf", [("a", "zh", 1.0), ("b", "zh", 0.8)]), row("trafilatura", [("a", "zh", 0.5), ("b", "zh", 0.5)])],
        "readability_tests": [row("segclf", [("c", "zh", 0.6), ("d", "de", 0.9)]), row("trafilatura", [("c", "zh", 0.7), ("d", "de", 1.0)])],
        "cleaneval": [row("segclf", [("e", "", 0.0)])],
    }
    table = {entry["lang"]: entry for entry in accuracy.by_language(results)}
    assert table["zh"]["pages"] == 3 and table["zh"]["corpora"] == {"zh_cwced": 2, "readability_tests": 1}
    assert table["zh"]["segclf_f1"] == pytest.approx(0.8)
    (peer,) = table["zh"]["peers"]
    assert peer["f1"] == pytest.approx(1.7 / 3) and peer["pages"] == 3
    assert table["de"]["peers"][0]["f1"] == 1.0  # a lead is shown, not hidden
    assert table["unknown"]["peers"] == []  # no peer ran there
    assert "| zh | 3 | readability_tests 1, zh_cwced 2 |" in "\n".join(accuracy.language_section(results))
