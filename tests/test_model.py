"""The model: fit, predict, save/load with metadata, and refusal of unusable files."""

import joblib
import pytest

from segclf.features import FEATURE_SCHEMA
from segclf.labeled import LABELS, read_labeled
from segclf.model import ModelError, load_model, save_model


def test_saved_model_carries_its_metadata(small_model):
    model = load_model(small_model)
    assert model.labels == LABELS
    assert model.metadata["versions"]["scikit-learn"]
    assert set(model.metadata["label_counts"]) == set(LABELS)
    assert small_model.with_name(small_model.name + ".sha256").exists()


def test_predictions_give_a_probability_per_label(small_model, sample_files):
    model = load_model(small_model)
    page = read_labeled(sample_files[0]).page
    labels, probabilities = model.predict_page(page)
    assert len(labels) == len(page.blocks)
    assert probabilities.shape == (len(page.blocks), len(LABELS))
    assert probabilities.sum(axis=1) == pytest.approx(1.0)


def test_training_is_deterministic(sample_files, tmp_path):
    from segclf.model import fit_model

    labeled = [read_labeled(path) for path in sample_files[:4]]
    pages, labels = [item.page for item in labeled], [item.labels for item in labeled]
    first = fit_model(pages, labels).predict_page(pages[0])[1]
    second = fit_model(pages, labels).predict_page(pages[0])[1]
    assert (first == second).all()


def test_truncated_model_is_refused(small_model, tmp_path):
    broken = tmp_path / "broken.joblib"
    broken.write_bytes(small_model.read_bytes()[:200])
    with pytest.raises(ModelError, match="truncated or corrupt"):
        load_model(broken)


def test_changed_model_fails_its_checksum(small_model, tmp_path):
    copy = tmp_path / "copy.joblib"
    copy.write_bytes(small_model.read_bytes() + b"x")
    (tmp_path / "copy.joblib.sha256").write_text(small_model.with_name(small_model.name + ".sha256").read_text())
    with pytest.raises(ModelError, match="SHA-256 does not match"):
        load_model(copy)


def test_foreign_joblib_file_is_refused(tmp_path):
    path = tmp_path / "foreign.joblib"
    joblib.dump({"weights": [1, 2, 3]}, path)
    with pytest.raises(ModelError, match="not a segclf model"):
        load_model(path)


def test_other_feature_schema_is_refused(small_model, tmp_path):
    payload = joblib.load(small_model)
    payload["feature_schema"] = {"version": 0, "columns": ["old"]}
    path = tmp_path / "old.joblib"
    joblib.dump(payload, path)
    with pytest.raises(ModelError, match="feature schema"):
        load_model(path)
    assert FEATURE_SCHEMA["version"] >= 1


def test_other_scikit_learn_version_is_refused(small_model, tmp_path):
    payload = joblib.load(small_model)
    payload["versions"]["scikit-learn"] = "0.24.2"
    path = tmp_path / "old.joblib"
    joblib.dump(payload, path)
    with pytest.raises(ModelError, match="scikit-learn 0.24.2"):
        load_model(path)


def test_missing_model_file(tmp_path):
    with pytest.raises(ModelError, match="no such model file"):
        load_model(tmp_path / "nope.joblib")


def test_model_saved_atomically(small_model, tmp_path):
    model = load_model(small_model)
    target = tmp_path / "m.joblib"
    save_model(model, target)
    assert target.exists() and not (tmp_path / "m.joblib.partial").exists()


def test_second_pass_is_trained_on_enough_sites_and_survives_saving(sample_files, tmp_path):
    from segclf.model import fit_model, load_model, save_model

    labeled = [read_labeled(path) for path in sample_files]
    pages, labels = [item.page for item in labeled], [item.labels for item in labeled]
    assert fit_model(pages, labels).context_estimator is None  # off unless asked for
    model = fit_model(pages, labels, second_pass=True)
    assert model.context_estimator is not None and model.metadata["second_pass"]
    save_model(model, tmp_path / "m.joblib")
    loaded = load_model(tmp_path / "m.joblib")
    assert loaded.context_estimator is not None
    assert (loaded.predict_page(pages[0])[1] == model.predict_page(pages[0])[1]).all()


def test_second_pass_of_another_context_schema_is_refused(small_model, tmp_path):
    import joblib

    from segclf.model import ModelError, load_model

    payload = joblib.load(small_model)
    payload["context_estimator"] = object()
    payload["context_schema"] = {"version": 0, "columns": []}
    path = tmp_path / "old-context.joblib"
    joblib.dump(payload, path)
    with pytest.raises(ModelError, match="context schema"):
        load_model(path)


def test_training_on_one_page_per_site_works(labeled_files):
    """Site repetition is unknown for every page then (an all-empty column)."""
    from segclf.model import fit_model

    by_site = {}
    for path in labeled_files:
        item = read_labeled(path)
        by_site.setdefault(item.page.site, item)
    items = list(by_site.values())[:6]
    model = fit_model([item.page for item in items], [item.labels for item in items], second_pass=False)
    assert model.predict_page(items[0].page)[0]


def test_every_training_page_weighs_the_same_in_total_however_many_blocks_it_has():
    import numpy as np

    from segclf.model import even_out_pages

    weights = np.array([1.0] * 10 + [2.0, 4.0])
    rows_page = np.array([0] * 10 + [1, 1])
    even = even_out_pages(weights, rows_page, 2, power=1.0)
    totals = np.bincount(rows_page, weights=even)
    assert totals[0] == pytest.approx(totals[1])
    assert even.mean() == pytest.approx(1.0)
    assert even[11] == pytest.approx(2 * even[10])  # within a page, long blocks still count more
    assert (even_out_pages(weights, rows_page, 2, power=0.0) == weights).all()
