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
# told by how a block opens ("Posted by", "Related:") or closes ("... comments"). A CJK
# character counts as a word here, and CJK text is taken as overlapping character pairs.
LEADING_WORDS = 10
TRAILING_WORDS = 3
# The shape of the text's first and last characters (letters, digits, CJK and spaces
# collapsed to one mark per run, punctuation kept): "【nevermind】08-12 12:01 505字 [155/0]"
# ends like every entry of a thread list, "... 12:43 pm" like every byline, in any language.
HEAD_SHAPE_MARKS = 8
TAIL_SHAPE_MARKS = 10
SHAPE_CHARS = 40  # shaped at each end, then cut to the marks above
HASH_FEATURES = 2**18
WORD_SCHEMA = {
    "version": 2,
    "columns": list(WORD_COLUMNS),
    "hash_features": HASH_FEATURES,
    "tokens": [ANCESTOR_LEVELS, LEADING_WORDS, TRAILING_WORDS, HEAD_SHAPE_MARKS, TAIL_SHAPE_MARKS, SHAPE_CHARS],
}
# CJK letters (not the CJK punctuation at U+3000-303F).
_CJK_CLASS = "\u2e80-\u2fff\u3040-\u9fff\uac00-\ud7af\uf900-\ufaff"
# A word, a run of digits, or one CJK character.
_UNIT = re.compile(f"[{_CJK_CLASS}]|\\d+|[^\\W\\d_{_CJK_CLASS}]+")
_CJK = re.compile(f"[{_CJK_CLASS}]")
# In this order, so that no mark is taken for text by a later pattern.
_SHAPE_RUNS = (
    (re.compile(r"\d+"), "0"),
    (re.compile(r"\s+"), "_"),
    (re.compile(f"[^\\W\\d_{_CJK_CLASS}]+"), "a"),
    (re.compile(f"[{_CJK_CLASS}]+"), "C"),
)


def _shape(text: str) -> str:
    """`08-11 16:06 298字` -> `0-0_0:0_0C`: runs of a kind as one mark, punctuation kept."""
    for pattern, mark in _SHAPE_RUNS:
        text = pattern.sub(mark, text)
    return text


@lru_cache(maxsize=65536)
def _segment_tokens(segment: str, distance: int) -> tuple[str, ...]:
    """`div#main` at distance 2 -> a2_div, c2_main: a path segment's tag and name tokens."""
    cut = min((i for i in (segment.find("#"), segment.find(".")) if i > 0), default=len(segment))
    tag, name = segment[:cut], segment[cut + 1 :]
    return (f"a{distance}_{tag}",) + tuple(f"c{distance}_{token}" for token in attribute_tokens(name))


def _units(text: str) -> list[str]:
    """Words, digit runs and CJK characters; a CJK character directly followed by another
    is taken with it as a pair."""
    found = [(match.group(), match.end()) for match in _UNIT.finditer(text)]
    units = []
    for index, (unit, end) in enumerate(found):
        joined = index + 1 < len(found) and _CJK.match(unit) and found[index + 1][1] == end + 1 and _CJK.match(found[index + 1][0])
        units.append(unit + found[index + 1][0] if joined else unit)
    return units


def _unit_tokens(units: list[str], prefix: str) -> list[str]:
    return [prefix + ("0" if unit[0].isdigit() else unit) for unit in units]


def _text_tokens(text: str) -> list[str]:
    lowered = text.lower()
    units = _units(lowered[:200])
    tokens = _unit_tokens(units[:LEADING_WORDS], "w_")
    if len(units) > LEADING_WORDS or len(lowered) > 200:
        tokens.extend(_unit_tokens(_units(lowered[-60:])[-TRAILING_WORDS:], "e_"))
    if text:
        tokens.append("h_" + _shape(lowered[:SHAPE_CHARS])[:HEAD_SHAPE_MARKS])
        tokens.append("s_" + _shape(lowered[-SHAPE_CHARS:])[-TAIL_SHAPE_MARKS:])
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


def _vectorizer() -> Any:
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
