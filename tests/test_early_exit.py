"""Early exit: blocks sure after the first rounds keep those probabilities, the rest get
the whole ensemble's, and exact=True is plain predict_proba."""

import math

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier

from segclf import early_exit


def _data(classes: int, rows: int = 600, seed: int = 0):
    generator = np.random.default_rng(seed)
    x = generator.normal(size=(rows, 6))
    score = x[:, 0] + 0.5 * x[:, 1] * x[:, 2] + generator.normal(scale=0.7, size=rows)
    y = np.digitize(score, np.quantile(score, np.linspace(0, 1, classes + 1)[1:-1]))
    return x, np.array(["body", "nav", "error", "ad"])[y]


@pytest.mark.parametrize("classes", [2, 4])
def test_sure_blocks_stop_early_and_the_rest_get_every_round(classes):
    x, y = _data(classes)
    model = HistGradientBoostingClassifier(max_iter=60, learning_rate=0.3, early_stopping=False, random_state=0).fit(x, y)
    full = model.predict_proba(x)
    early_round = math.ceil(60 * early_exit.EARLY_SHARE)
    at_early = list(model.staged_predict_proba(x))[early_round - 1]
    sure = at_early.max(axis=1) >= early_exit.SURE
    assert 0 < sure.sum() < len(x)  # both kinds occur, so both branches are tested

    got = early_exit.predict_proba(model, x)
    np.testing.assert_allclose(got[sure], at_early[sure], rtol=1e-9)
    np.testing.assert_allclose(got[~sure], full[~sure], rtol=1e-9)
    np.testing.assert_array_equal(early_exit.predict_proba(model, x, exact=True), full)


def test_a_sure_block_keeps_its_most_probable_label():
    x, y = _data(4)
    model = HistGradientBoostingClassifier(max_iter=80, early_stopping=False, random_state=0).fit(x, y)
    got, full = early_exit.predict_proba(model, x), model.predict_proba(x)
    # Not promised block by block, but a sure block rarely turns later.
    assert (got.argmax(axis=1) == full.argmax(axis=1)).mean() > 0.97


def test_other_estimators_and_short_ensembles_are_predicted_whole():
    x, y = _data(4)
    forest = RandomForestClassifier(n_estimators=5, random_state=0).fit(x, y)
    np.testing.assert_array_equal(early_exit.predict_proba(forest, x), forest.predict_proba(x))
    short = HistGradientBoostingClassifier(max_iter=early_exit.MIN_ROUNDS - 1, early_stopping=False).fit(x, y)
    np.testing.assert_array_equal(early_exit.predict_proba(short, x), short.predict_proba(x))


def test_the_shipped_model_puts_the_labeled_pages_blocks_on_the_same_side_of_its_threshold(
    shipped_model, labeled_files
):
    """With the model segclf ships, early exit moves (almost) no block across the body
    threshold on the project's labeled pages."""
    from segclf.labeled import read_labeled

    features = np.vstack([shipped_model.page_matrix(read_labeled(path).page) for path in labeled_files])
    threshold = shipped_model.body_threshold or 0.5
    body = shipped_model.labels.index("body")
    early = shipped_model.predict_proba(features)[:, body] >= threshold
    exact = shipped_model.predict_proba(features, exact=True)[:, body] >= threshold
    assert len(features) > 1000
    assert (early != exact).sum() <= len(features) // 5000
