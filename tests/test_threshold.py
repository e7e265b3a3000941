"""The body threshold: chosen on cross-validated pages by page F1, stored in the model, used by every prediction."""

import numpy as np
import pytest
from typer.testing import CliRunner

from segclf.cli import app
from segclf.evaluate import PageResult
from segclf.labeled import LABELS, read_labeled
from segclf.model import decide_labels, load_model, save_model
from segclf.threshold import BODY_THRESHOLDS, choose_body_threshold, relabel

runner = CliRunner()


def test_without_a_threshold_the_most_probable_label_wins():
    probabilities = np.array([[0.6, 0.3, 0.05, 0.05], [0.2, 0.1, 0.6, 0.1]])
    assert decide_labels(probabilities, LABELS) == ["body", "error"]


def test_with_a_threshold_body_must_reach_it_and_the_rest_go_to_the_best_other_label():
    probabilities = np.array(
        [
            [0.60, 0.30, 0.05, 0.05],  # body by a little: below 0.7, so nav
            [0.65, 0.05, 0.10, 0.20],  # below 0.7: the best other label is ad
            [0.90, 0.05, 0.03, 0.02],  # sure body
            [0.40, 0.45, 0.10, 0.05],  # a low threshold makes it body
        ]
    )
    assert decide_labels(probabilities, LABELS, 0.7) == ["nav", "ad", "body", "nav"]
    assert decide_labels(probabilities, LABELS, 0.35) == ["body", "body", "body", "body"]


def _page(name, rows):
    """A page of (text, gold label, body probability) rows; the rest of the mass goes to nav."""
    texts = [text for text, _, _ in rows]
    probabilities = np.array([[p, 1 - p, 0.0, 0.0] for _, _, p in rows])
    return PageResult(
        name=name,
        site=name,
        texts=texts,
        gold=[gold for _, gold, _ in rows],
        predicted=decide_labels(probabilities, LABELS),
        probabilities=probabilities,
    )


def test_the_chosen_threshold_drops_junk_the_model_was_only_slightly_sure_of():
    article = "the river rose through the night and the town woke to water in every street"
    results = [
        _page(
            f"page{i}",
            [
                (article, "body", 0.95),
                ("posted by a staff writer on monday", "nav", 0.62),
                ("related stories you might have missed today", "nav", 0.58),
                ("share this", "nav", 0.05),
            ],
        )
        for i in range(4)
    ]
    choice = choose_body_threshold(results, LABELS)
    assert 0.62 < choice.threshold <= 0.95
    assert choice.body_f1[choice.threshold] == pytest.approx(1.0)
    assert choice.most_probable_f1 < 0.9
    relabeled = relabel(results, LABELS, choice.threshold)
    assert relabeled[0].predicted == ["body", "nav", "nav", "nav"]
    assert f"body threshold {choice.threshold:.2f}" in choice.summary()


def test_a_threshold_below_half_is_chosen_when_body_blocks_are_the_uncertain_ones():
    results = [
        _page(
            f"page{i}",
            [
                ("the opening paragraph of a long story told in many words", "body", 0.9),
                ("a second paragraph the model was less sure about for no good reason", "body", 0.42),
                ("home news sport weather", "nav", 0.1),
            ],
        )
        for i in range(3)
    ]
    choice = choose_body_threshold(results, LABELS)
    assert choice.threshold <= 0.40
    assert choice.body_f1[choice.threshold] == pytest.approx(1.0)


def test_choosing_needs_out_of_fold_probabilities():
    result = PageResult(name="p", site="s", texts=["x"], gold=["body"], predicted=["body"])
    with pytest.raises(ValueError, match="out-of-fold probabilities"):
        choose_body_threshold([result], LABELS)


def test_a_saved_threshold_labels_every_prediction(small_model, sample_files, tmp_path):
    model = load_model(small_model)
    page = read_labeled(sample_files[0]).page
    _, probabilities = model.predict_page(page)
    model.metadata["body_threshold"] = 0.8
    path = tmp_path / "strict.joblib"
    save_model(model, path)
    strict = load_model(path)
    assert strict.body_threshold == 0.8
    labels, same_probabilities = strict.predict_page(page)
    assert np.allclose(same_probabilities, probabilities)
    assert labels == decide_labels(probabilities, LABELS, 0.8)
    assert all(p[0] >= 0.8 for p, label in zip(probabilities, labels) if label == "body")


def test_train_tune_threshold_stores_the_cross_validated_choice_and_says_so_in_the_card(sample_files, tmp_path):
    model_path, card = tmp_path / "m.joblib", tmp_path / "card.md"
    result = runner.invoke(
        app, ["train", *map(str, sample_files), "-o", str(model_path), "--cv", "2", "--tune-threshold", "--card", str(card)]
    )
    assert result.exit_code == 0, result.output
    model = load_model(model_path)
    assert model.body_threshold in BODY_THRESHOLDS
    assert set(model.metadata["body_threshold_cv_f1"]) == set(BODY_THRESHOLDS)
    assert "body threshold" in result.stdout
    text = card.read_text()
    assert f"at least {model.body_threshold:.2f}" in text and "--tune-threshold" in text


def test_tune_threshold_without_cross_validation_is_a_one_line_error(sample_files, tmp_path):
    result = runner.invoke(app, ["train", *map(str, sample_files), "-o", str(tmp_path / "m.joblib"), "--tune-threshold"])
    assert result.exit_code != 0
    assert "--tune-threshold" in result.output and "--cv" in result.output
    assert "Traceback" not in result.output


def test_a_block_reports_the_probability_of_the_label_it_was_given(small_model, sample_files, tmp_path):
    import segclf

    model = load_model(small_model)
    model.metadata["body_threshold"] = 0.99
    html = sample_files[0].read_bytes()
    blocks = segclf.segment(html, model=model)
    assert any(block.probabilities["body"] > max(block.probabilities[l] for l in LABELS if l != "body") for block in blocks)
    for block in blocks:
        assert block.probability == block.probabilities[block.label]


def test_a_stricter_threshold_that_wins_on_one_page_in_twenty_is_within_noise_and_not_taken():
    article = "the river rose through the night and the town woke to water in every street"
    clean = [(article, "body", 0.95), ("share this", "nav", 0.05)]
    results = [_page("junk", [(article, "body", 0.95), ("posted by a staff writer on monday", "nav", 0.67)])]
    results += [_page(f"page{i}", clean) for i in range(19)]
    choice = choose_body_threshold(results, LABELS)
    assert choice.body_f1[0.7] > choice.body_f1[0.5]  # 0.70 is best on these pages ...
    assert choice.threshold == 0.5  # ... but by one page in twenty: within one standard error
