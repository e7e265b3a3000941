"""The body threshold: chosen on cross-validated pages by page F1, stored in the model, used by every prediction."""

import numpy as np
import pytest
from typer.testing import CliRunner

from segclf.cli import app
from segclf.evaluate import PageResult
from segclf.labeled import LABELS, read_labeled
from segclf.model import decide_labels, load_model, save_model
from segclf.threshold import BODY_FALLBACKS, BODY_THRESHOLDS, choose_body_threshold, relabel

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
    assert set(model.metadata["body_fallback_cv_f1"]) == {f for f in BODY_FALLBACKS if f < model.body_threshold}
    assert model.metadata["body_fallback"] in {None, *BODY_FALLBACKS}
    assert "body threshold" in result.stdout and "fallback threshold" in result.stdout
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


def test_a_page_with_no_sure_article_and_no_error_block_takes_its_body_at_the_fallback():
    short_post = np.array([[0.52, 0.46, 0.01, 0.01], [0.45, 0.50, 0.03, 0.02], [0.10, 0.88, 0.01, 0.01]])
    chars = [150, 30, 20]
    assert decide_labels(short_post, LABELS, 0.6) == ["nav", "nav", "nav"]
    assert decide_labels(short_post, LABELS, 0.6, 0.4, chars) == ["body", "body", "nav"]
    assert decide_labels(short_post, LABELS, 0.6, 0.5, chars) == ["body", "nav", "nav"]


def test_the_fallback_leaves_error_pages_and_pages_with_a_sure_article_alone():
    soft_404 = np.array([[0.05, 0.05, 0.90, 0.00], [0.45, 0.54, 0.01, 0.00]])
    assert decide_labels(soft_404, LABELS, 0.6, 0.4, [40, 120]) == ["error", "nav"]
    article = np.array([[0.95, 0.05, 0.0, 0.0], [0.45, 0.55, 0.0, 0.0]])
    assert decide_labels(article, LABELS, 0.6, 0.4, [200, 30]) == ["body", "nav"]
    assert decide_labels(article, LABELS, 0.6, 0.4, [199, 30]) == ["body", "body"]


def test_the_fallback_needs_one_length_per_block():
    with pytest.raises(ValueError, match="block lengths"):
        decide_labels(np.array([[0.5, 0.5, 0.0, 0.0]]), LABELS, 0.6, 0.4, [10, 20])


def test_a_fallback_is_chosen_when_short_articles_fall_under_the_threshold():
    brief = "a two paragraph brief on the council vote that passed late on tuesday"
    results = [_page(f"brief{i}", [(brief, "body", 0.47), ("home news sport", "nav", 0.2)]) for i in range(2)]
    article = "the river rose through the night and the town woke to water in every street " * 4
    byline = "posted by a staff writer " * 20
    results += [_page(f"long{i}", [(article, "body", 0.95), (byline, "nav", 0.5)]) for i in range(18)]
    choice = choose_body_threshold(results, LABELS)
    assert choice.threshold > 0.5  # the bylines set it; the briefs then have no block over it
    assert choice.fallback is not None and 0.2 < choice.fallback <= 0.45
    assert choice.fallback_f1[choice.fallback] == pytest.approx(1.0)
    assert relabel(results, LABELS, choice.threshold, choice.fallback)[0].predicted == ["body", "nav"]
    assert f"fallback threshold for pages with no sure article and no error block: {choice.fallback:.2f}" in choice.summary()


def test_no_fallback_is_chosen_when_it_only_adds_junk_to_pages_without_an_article():
    section_front = [("more headlines from around the region today", "nav", 0.45), ("weather", "nav", 0.1)]
    results = [_page(f"front{i}", section_front) for i in range(6)]
    article = "the river rose through the night and the town woke to water in every street " * 4
    results += [_page(f"long{i}", [(article, "body", 0.95), ("share this", "nav", 0.05)]) for i in range(6)]
    choice = choose_body_threshold(results, LABELS)
    assert choice.fallback is None
    assert choice.fallback_f1 and max(choice.fallback_f1.values()) < choice.body_f1[choice.threshold]
    assert "fallback threshold for pages with no sure article and no error block: none" in choice.summary()


def test_a_saved_fallback_labels_every_prediction_and_the_card_says_so(small_model, sample_files, tmp_path):
    from segclf.modelcard import model_card

    model = load_model(small_model)
    page = read_labeled(sample_files[0]).page
    _, probabilities = model.predict_page(page)
    model.metadata.update(body_threshold=0.99, body_fallback=0.3, body_fallback_cv_f1={0.3: 0.9})
    labels, _ = model.predict_page(page)
    chars = [len(block.text) for block in page.blocks]
    assert labels == decide_labels(probabilities, LABELS, 0.99, 0.3, chars)
    assert "takes its body at 0.30 instead" in model_card(model, "0" * 64, "segclf train ...")
    model.metadata["body_threshold"] = None
    assert model.body_fallback is None  # a fallback only lowers a threshold
