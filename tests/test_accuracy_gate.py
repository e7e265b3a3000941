"""The accuracy gate: the shipped model's body-text F1 on fixed test samples of each corpus
stays at or above the floors pinned in accuracy_floors.json (see benchmarks/gate.py)."""

import json
from pathlib import Path

import pytest

from segclf.corpus import fixed_sample, read_corpus, sample_digest
from segclf.evaluate import corpus_body_f1
from segclf.model import load_model

from conftest import SHARED, SHIPPED_MODEL

FLOORS = json.loads((Path(__file__).parent / "accuracy_floors.json").read_text())


@pytest.fixture(scope="module")
def model():
    return load_model(SHIPPED_MODEL)


@pytest.mark.skipif(not (SHARED / "corpora").is_dir(), reason="../shared/corpora is not present")
@pytest.mark.parametrize("corpus", sorted(FLOORS["corpora"]))
def test_body_f1_stays_above_its_floor(corpus, model):
    floor = FLOORS["corpora"][corpus]
    pages = fixed_sample([p for p in read_corpus(SHARED / "corpora" / corpus) if p.split == "test"], FLOORS["sample_size"])
    assert sample_digest(pages) == floor["sample_sha256"], "the corpus sample changed: re-pin with benchmarks/gate.py"
    f1 = corpus_body_f1(model, pages).f1
    assert f1 >= floor["f1_floor"], f"{corpus}: F1 {f1:.4f} fell under its floor {floor['f1_floor']}"


def test_every_corpus_has_a_floor():
    assert set(FLOORS["corpora"]) == {"dragnet", "cleaneval", "l3s_gn1", "zh_cwced", "readability_tests", "cleanportaleval"}


@pytest.fixture(scope="module")
def gate():
    """benchmarks/gate.py, loaded once from its file (benchmarks/ is not a package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("gate", Path(__file__).parents[1] / "benchmarks" / "gate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_better_model_raises_the_floor_and_a_worse_one_keeps_it(gate):
    old = {"f1_floor": 0.90, "measured_f1": 0.91, "sample_sha256": "abc"}
    raised, why = gate.updated_entry(old, 0.95, "abc")
    assert raised["f1_floor"] == 0.94 and why == ""
    kept, why = gate.updated_entry(old, 0.905, "abc", allow_lower=True)
    assert kept["f1_floor"] == 0.90 and kept["measured_f1"] == 0.905 and "still passes" in why


def test_a_failed_floor_is_lowered_only_when_asked(gate):
    old = {"f1_floor": 0.90, "measured_f1": 0.91, "sample_sha256": "abc"}
    kept, why = gate.updated_entry(old, 0.85, "abc")
    assert kept["f1_floor"] == 0.90 and "--allow-lower" in why
    lowered, why = gate.updated_entry(old, 0.85, "abc", allow_lower=True)
    assert lowered["f1_floor"] == 0.84 and why == ""
    repinned, _ = gate.updated_entry(old, 0.85, "a new sample")
    assert repinned == {"f1_floor": 0.84, "measured_f1": 0.85, "sample_sha256": "a new sample"}
