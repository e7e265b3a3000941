"""The second pass reads the first pass's labels around each block."""

import numpy as np

from segclf.context import CONTEXT_NAMES, page_context
from segclf.features import FEATURE_NAMES

BODY, NAV = [0.9, 0.1, 0.0, 0.0], [0.1, 0.9, 0.0, 0.0]


def _page(probabilities, tokens):
    features = np.zeros((len(tokens), len(FEATURE_NAMES)))
    features[:, FEATURE_NAMES.index("log_tokens")] = np.log1p(tokens)
    return page_context(np.array(probabilities, dtype=float), features)


def column(context, name):
    return context[:, CONTEXT_NAMES.index(name)]


def test_one_row_per_block_and_a_named_column_each():
    context = _page([NAV, BODY, NAV], [3, 40, 3])
    assert context.shape == (3, len(CONTEXT_NAMES))
    assert len(set(CONTEXT_NAMES)) == len(CONTEXT_NAMES)


def test_neighbours_labels_are_columns_and_missing_beyond_the_page():
    context = _page([NAV, BODY, NAV], [3, 40, 3])
    assert column(context, "p-1_body")[1] == 0.1
    assert column(context, "p+1_nav")[1] == 0.9
    assert np.isnan(column(context, "p-1_body")[0])
    assert np.isnan(column(context, "p+2_body")[2])


def test_a_short_block_between_article_paragraphs_is_inside_the_body_run():
    context = _page([NAV, BODY, NAV, BODY, NAV], [3, 40, 2, 50, 3])
    assert list(column(context, "in_body_run")) == [0, 1, 1, 1, 0]
    assert column(context, "log_blocks_since_body")[2] == np.log1p(1)
    assert column(context, "log_blocks_until_body")[0] == np.log1p(1)


def test_a_page_without_confident_body_has_no_body_run():
    context = _page([NAV, NAV], [3, 3])
    assert not column(context, "in_body_run").any()
    assert column(context, "page_body_token_share")[0] == 0.0


def test_an_empty_page_has_no_rows():
    assert page_context(np.zeros((0, 4)), np.zeros((0, len(FEATURE_NAMES)))).shape == (0, len(CONTEXT_NAMES))
