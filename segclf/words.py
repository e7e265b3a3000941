"""A linear model over each block's words and class/id names, read by the trees as columns.

The feature stage turns class/id names into a dozen hand-picked families (nav, footer,
comment, ...) and the words into a few phrase markers; everything else a site writes
(`storybody`, `byline`, `timestamp`, "Share this", "阅读全文") is invisible to the trees.
A hashed bag of those strings and a linear classifier see all of them cheaply. Its
scores become four more columns of the block's features. The trees learn how far to
trust them from scores made by linear models that never saw the block's site
(segclf.model fits it out of fold), so names that only one site uses cannot fake
confidence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from segclf.blocks import Block, Page
from segclf.lexicon import attribute_tokens

WORD_COLUMNS = ("words_body", "words_nav", "words_error", "words_ad")
# Ancestors above the holding element whose tag and class/id name become tokens.
ANCESTOR_LEVELS = 3
# Leading and trailing words of the block's text that become tokens: boilerplate is
# told by how a block opens ("Posted by", "Related:") or closes ("... comments").
LEADING_WORDS = 10
TRAILING_WORDS = 3
# CJK runs have no spaces: their first characters are taken as overlapping pairs.
CJK_CHARACTERS = 8
HASH_FEATURES = 2**18
WORD_SCHEMA = {
    "version": 1,
    "columns": list(WORD_COLUMNS),
    "hash_features": HASH_FEATURES,
    "tokens": [ANCESTOR_LEVELS, LEADING_WORDS, TRAILING_WORDS, CJK_CHARACTERS],
}
_WORD = re.compile(r"\w+")
_CJK = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_DIGITS = re.compile(r"\d")


@lru_cache(maxsize=65536)
def _segment_tokens(segment: str, distance: int) -> tuple[str, ...]:
    """`div#main` at distance 2 -> a2_div, c2_main: a path segment's tag and name tokens."""
    cut = min((i for i in (segment.find("#"), segment.find(".")) if i > 0), default=len(segment))
    tag, name = segment[:cut], segment[cut + 1 :]
    return (f"a{distance}_{tag}",) + tuple(f"c{distance}_{token}" for token in attribute_tokens(name))


def _text_tokens(text: str) -> list[str]:
    words = _WORD.findall(text[:400].lower())
    tokens: list[str] = []
    for word in words[:LEADING_WORDS]:
        if _CJK.search(word):
            head = word[:CJK_CHARACTERS]
            tokens.extend("w_" + head[i : i + 2] for i in range(max(len(head) - 1, 1)))
        else:
            tokens.append("w_" + _DIGITS.sub("0", word))
    if len(words) > LEADING_WORDS:
        tail = _WORD.findall(text[-120:].lower())[-TRAILING_WORDS:]
        tokens.extend("e_" + _DIGITS.sub("0", word[-CJK_CHARACTERS:]) for word in tail)
    return tokens


def block_document(block: Block) -> str:
    """The block as space-separated tokens: its tag, its own and its ancestors' class/id
    tokens by distance, and its leading and trailing words."""
    tokens = [f"t_{block.tag}"]
    tokens.extend(f"c0_{token}" for token in block.tokens)
    segments = block.path.split(">")
    for distance, segment in enumerate(reversed(segments[-1 - ANCESTOR_LEVELS : -1]), 1):
        tokens.extend(_segment_tokens(segment, distance))
    tokens.extend(_text_tokens(block.text))
    return " ".join(tokens)


def page_documents(page: Page) -> list[str]:
    return [block_document(block) for block in page.blocks]


@lru_cache(maxsize=1)
def _vectorizer() -> Any:
    """One stateless HashingVectorizer for the process: built once, not once per page."""
    from sklearn.feature_extraction.text import HashingVectorizer

    return HashingVectorizer(
        n_features=HASH_FEATURES,
        token_pattern=r"\S+",
        lowercase=False,
        alternate_sign=False,
        binary=True,
        norm="l2",
    )


@dataclass
class WordModel:
    """A hashed bag of block tokens and a linear score per label over it.

    The weights are kept as one row per hashed token (float32), so scoring a page
    touches only the rows of the tokens it has."""

    weights: np.ndarray  # (HASH_FEATURES, labels)
    intercept: np.ndarray  # (labels,)
    labels: tuple[str, ...]

    def columns(self, documents: Sequence[str]) -> np.ndarray:
        """One score per label in `labels` order for each document."""
        if len(documents) == 0:
            return np.zeros((0, len(self.labels)))
        return np.asarray(_vectorizer().transform(documents) @ self.weights) + self.intercept


def fit_word_model(
    documents: Sequence[str], y: np.ndarray, weights: np.ndarray, labels: Sequence[str], seed: int = 0
) -> WordModel:
    """Fit the linear classifier (logistic loss, one against the rest per label)."""
    from sklearn.linear_model import SGDClassifier

    classifier = SGDClassifier(loss="log_loss", alpha=2e-6, max_iter=8, tol=None, random_state=seed)
    classifier.fit(_vectorizer().transform(documents), y, sample_weight=weights)
    classes = [str(label) for label in classifier.classes_]
    coef, intercept = classifier.coef_, classifier.intercept_
    if len(classes) == 2:  # one score, positive for the second class
        coef, intercept = np.vstack([-coef, coef]), np.concatenate([-intercept, intercept])
    table = np.zeros((HASH_FEATURES, len(labels)), dtype=np.float32)
    bias = np.zeros(len(labels))
    for row, label in enumerate(classes):  # a label the classifier never saw scores 0
        table[:, list(labels).index(label)] = coef[row]
        bias[list(labels).index(label)] = intercept[row]
    return WordModel(weights=table, intercept=bias, labels=tuple(labels))
