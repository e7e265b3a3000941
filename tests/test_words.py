"""The word model: a block's words and class/id names as tokens, scored by a linear model
whose out-of-fold scores the trees read as four more columns."""

import numpy as np
import pytest

from segclf.blocks import Block, Page
from segclf.labeled import LABELS, read_labeled
from segclf.words import WORD_COLUMNS, bag_matrix, block_bag, block_document, document_bag, fit_word_model


def _block(text: str, path: str = "body>div#main>div.story-body>p", tokens=("lead",), tag: str = "p") -> Block:
    return Block(text=text, tag=tag, path=path, depth=path.count(">"), ancestors=(), tokens=tokens, family_distance={})


def test_a_block_document_names_its_tag_its_classes_by_distance_and_its_opening_words():
    tokens = block_document(_block("Posted by Ann Lee on 12 May 2013")).split()
    assert tokens[:2] == ["t_p", "c0_lead"]
    assert {"a1_div", "c1_story-body", "c1_story", "c1_body", "a2_div", "c2_main", "a3_body"} <= set(tokens)
    assert "a4_body" not in tokens and not any(token.startswith("c4_") for token in tokens)
    # Words are lower-cased and digits folded, so every date looks alike.
    assert ["w_posted", "w_by", "w_ann", "w_lee", "w_on", "w_00", "w_may", "w_0000"] == [t for t in tokens if t.startswith("w_")]


def test_a_long_block_also_gives_its_closing_words():
    text = " ".join(f"word{i}" for i in range(40)) + " read more comments"
    tokens = block_document(_block(text)).split()
    assert [t for t in tokens if t.startswith("e_")] == ["e_read", "e_more", "e_comments"]
    assert len([t for t in tokens if t.startswith("w_")]) == 10


def test_chinese_text_is_taken_as_character_pairs():
    tokens = block_document(_block("本站所有文章版权归原作者所有")).split()
    assert [t for t in tokens if t.startswith("w_")][:3] == ["w_本站", "w_站所", "w_所有"]


def test_a_block_bag_is_the_hashed_columns_of_its_document(sample_files):
    blocks = [block for path in sample_files for block in read_labeled(path).page.blocks]
    assert len(blocks) > 100
    for block in blocks:
        assert sorted(block_bag(block)) == document_bag(block_document(block))


def test_bags_are_the_rows_scikit_learns_hashing_vectorizer_gives(sample_files):
    """Models trained on HashingVectorizer rows (2e788796) read the same numbers."""
    from sklearn.feature_extraction.text import HashingVectorizer

    from segclf.words import HASH_FEATURES

    blocks = [block for path in sample_files for block in read_labeled(path).page.blocks]
    vectorizer = HashingVectorizer(
        n_features=HASH_FEATURES, token_pattern=r"\S+", lowercase=False, alternate_sign=False, binary=True, norm="l2"
    )
    expected = vectorizer.transform([block_document(block) for block in blocks])
    assert abs(bag_matrix([block_bag(block) for block in blocks]) - expected).max() < 1e-12


def test_the_word_model_learns_which_tokens_mean_which_label():
    documents = ["t_p c1_story w_the w_harbour"] * 20 + ["t_li c1_menu w_home"] * 20 + ["t_div c1_sponsor w_buy"] * 5
    y = np.array(["body"] * 20 + ["nav"] * 20 + ["ad"] * 5, dtype=object)
    model = fit_word_model([document_bag(d) for d in documents], y, np.ones(len(y)), LABELS)
    tried = ["t_p c1_story w_harbour", "t_li c1_menu w_home", "t_div c1_sponsor"]
    scores = model.columns([document_bag(d) for d in tried])
    np.testing.assert_allclose(scores, bag_matrix([document_bag(d) for d in tried]) @ model.weights + model.intercept, rtol=1e-6)
    assert scores.shape == (3, len(WORD_COLUMNS))
    assert list(scores.argmax(axis=1)) == [LABELS.index("body"), LABELS.index("nav"), LABELS.index("ad")]
    # error was never seen: its column is 0, never a guess.
    assert (scores[:, LABELS.index("error")] == 0).all()
    assert model.columns([]).shape == (0, len(WORD_COLUMNS))


def test_a_model_with_words_reads_four_more_columns_and_survives_saving(sample_files, tmp_path):
    from segclf.features import FEATURE_NAMES
    from segclf.model import fit_model, load_model, save_model

    labeled = [read_labeled(path) for path in sample_files]
    pages, labels = [item.page for item in labeled], [item.labels for item in labeled]
    assert fit_model(pages, labels).word_model is None  # off unless asked for
    model = fit_model(pages, labels, words=True)
    assert model.word_model is not None and model.metadata["word_model"]
    assert model.estimator.n_features_in_ == len(FEATURE_NAMES) + len(WORD_COLUMNS)
    save_model(model, tmp_path / "m.joblib")
    loaded = load_model(tmp_path / "m.joblib")
    np.testing.assert_array_equal(loaded.predict_page(pages[0])[1], model.predict_page(pages[0])[1])


def test_the_trees_learn_from_word_scores_of_models_that_never_saw_the_site(sample_files, monkeypatch):
    """A class name only one site uses must not look like proof to the trees: the scores
    they learn from for a site's blocks come from a word model fitted without that site."""
    import segclf.model
    from segclf.model import _word_model_and_columns, fitting_rows, training_matrix

    labeled = [read_labeled(path) for path in sample_files]
    pages, labels = [item.page for item in labeled], [item.labels for item in labeled]
    site = pages[0].site
    for page in pages:  # every block of one site carries a class name no other site has
        if page.site == site:
            page.blocks = [Block(**{**block.__dict__, "tokens": block.tokens + ("onlyhere",)}) for block in page.blocks]
    fitted = []

    marker = document_bag("c0_onlyhere")[0]

    def recording_fit(bags, *args, **kwargs):
        model = fit_word_model(bags, *args, **kwargs)
        fitted.append((any(marker in bag for bag in bags), model))
        return model

    monkeypatch.setattr(segclf.model, "fit_word_model", recording_fit)
    x, y, weights, rows_page = training_matrix(pages, labels)
    keep, _ = fitting_rows(pages, y, rows_page)
    final, columns = _word_model_and_columns(pages, labels, y, weights, rows_page, keep)

    saw_site = [seen for seen, _ in fitted]
    assert saw_site.count(False) == 1 and saw_site[-1]  # one fold lacks the site; the final model has it
    blind = fitted[saw_site.index(False)][1]
    on_site = np.isin(rows_page, [i for i, page in enumerate(pages) if page.site == site])
    documents = [
        block_bag(block)
        for page, page_labels in zip(pages, labels)
        if page.site == site
        for block, label in zip(page.blocks, page_labels)
        if label is not None
    ]
    np.testing.assert_allclose(columns[on_site], blind.columns(documents))
    assert not np.allclose(columns[on_site], final.columns(documents))


def test_the_word_model_never_learns_error_wording(sample_files):
    """Fragment families repeat across every site's training copies; error is left to the
    lexicon, so an unseen family is not judged by how unlike the known ones it reads."""
    from segclf.model import fit_model

    labeled = [read_labeled(path) for path in sample_files]
    assert any("error" in item.labels for item in labeled)
    model = fit_model([item.page for item in labeled], [item.labels for item in labeled], words=True)
    error = LABELS.index("error")
    assert not model.word_model.weights[:, error].any() and model.word_model.intercept[error] == 0
    assert model.word_model.weights[:, LABELS.index("body")].any()


def test_pages_of_one_site_get_no_word_model(labeled_files):
    from segclf.model import fit_model

    first = read_labeled(labeled_files[0])
    same_site = [read_labeled(path) for path in labeled_files]
    same_site = [item for item in same_site if item.page.site == first.page.site][:3]
    model = fit_model([item.page for item in same_site], [item.labels for item in same_site], words=True)
    assert model.word_model is None and not model.metadata["word_model"]


def test_a_word_model_of_another_word_schema_is_refused(sample_files, tmp_path):
    import joblib

    from segclf.model import ModelError, fit_model, load_model, save_model

    labeled = [read_labeled(path) for path in sample_files]
    save_model(fit_model([i.page for i in labeled], [i.labels for i in labeled], words=True), tmp_path / "m.joblib")
    payload = joblib.load(tmp_path / "m.joblib")
    payload["word_schema"] = {"version": 0}
    joblib.dump(payload, tmp_path / "old.joblib")
    with pytest.raises(ModelError, match="word schema"):
        load_model(tmp_path / "old.joblib")


def test_an_empty_page_has_no_word_columns():
    from segclf.words import page_bags

    assert page_bags(Page(blocks=[])) == []


def test_the_token_caches_stay_bounded_and_give_the_same_columns():
    """A long crawl's vocabulary keeps growing; the caches drop their least used words."""
    import segclf.words as words

    blocks = [_block(f"word{i} " * 12 + f"tail{i}") for i in range(50)]
    first = [sorted(block_bag(block)) for block in blocks]
    for i in range(words._CACHE_LIMIT + 100):  # more distinct words than a cache holds
        words._leading_columns(f"filler{i}")
        words._trailing_column(f"filler{i}")
    for cached in (words._leading_columns, words._trailing_column):
        assert cached.cache_info().currsize <= words._CACHE_LIMIT
    assert [sorted(block_bag(block)) for block in blocks] == first == [document_bag(block_document(b)) for b in blocks]


def test_an_empty_bag_scores_the_intercept_and_leaves_its_neighbours_alone():
    y = np.array(["body"] * 10 + ["nav"] * 10, dtype=object)
    bags = [document_bag("t_p w_story")] * 10 + [document_bag("t_li w_home")] * 10
    model = fit_word_model(bags, y, np.ones(len(y)), LABELS)
    alone = model.columns([bags[0], bags[-1]])
    mixed = model.columns([[], bags[0], [], bags[-1], []])
    np.testing.assert_allclose(mixed[[1, 3]], alone)
    np.testing.assert_allclose(mixed[[0, 2, 4]], np.tile(model.intercept, (3, 1)))
