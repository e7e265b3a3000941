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
from itertools import chain
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


def _ancestor_segments(path: str) -> list[str]:
    """The path segments of the ANCESTOR_LEVELS elements above the block's own, nearest last."""
    return path.rsplit(">", ANCESTOR_LEVELS + 1)[-1 - ANCESTOR_LEVELS : -1]


def _structure_tokens(tag: str, own: tuple[str, ...], ancestors: tuple[str, ...]) -> list[str]:
    tokens = [f"t_{tag}"]
    tokens.extend(f"c0_{token}" for token in own)
    for distance, segment in enumerate(reversed(ancestors), 1):
        tokens.extend(_segment_tokens(segment, distance))
    return tokens


def _word_tokens(word: str) -> list[str]:
    """A leading word's tokens: itself with digits folded, or a CJK run's character pairs."""
    if _CJK.search(word):
        head = word[:CJK_CHARACTERS]
        return ["w_" + head[i : i + 2] for i in range(max(len(head) - 1, 1))]
    return ["w_" + _DIGITS.sub("0", word)]


def _text_parts(text: str) -> tuple[list[str], list[str]]:
    """The leading words, and the trailing words of a block longer than LEADING_WORDS."""
    words = _WORD.findall(text[:400].lower())
    tail = _WORD.findall(text[-120:].lower())[-TRAILING_WORDS:] if len(words) > LEADING_WORDS else []
    return words[:LEADING_WORDS], tail


def _tail_token(word: str) -> str:
    return "e_" + _DIGITS.sub("0", word[-CJK_CHARACTERS:])


def block_document(block: Block) -> str:
    """The block as space-separated tokens: its tag, its own and its ancestors' class/id
    tokens by distance, and its leading and trailing words. The readable form of
    block_bag, which the model reads."""
    tokens = _structure_tokens(block.tag, block.tokens, tuple(_ancestor_segments(block.path)))
    leading, tail = _text_parts(block.text)
    for word in leading:
        tokens.extend(_word_tokens(word))
    tokens.extend(_tail_token(word) for word in tail)
    return " ".join(tokens)


@lru_cache(maxsize=1)
def _murmurhash() -> Any:
    """scikit-learn's murmurhash3_32, imported on first use: `import segclf` (and
    `segclf --help`) should not pay the second it takes to import scikit-learn."""
    from sklearn.utils import murmurhash3_32

    return murmurhash3_32


def _column(token: str) -> int:
    """A token's column: scikit-learn's HashingVectorizer index (signed murmurhash3, absolute
    value, modulo the table size), so the two stay interchangeable."""
    return abs(_murmurhash()(token, seed=0)) % HASH_FEATURES


# Most blocks share their tag, names and many words with blocks seen before, so each
# distinct string is hashed once per process, not once per block. The caches are bounded
# (least recently used out), so a long crawl's growing vocabulary cannot eat memory.
_CACHE_LIMIT = 1 << 17  # at most about 25 MB each (about 180 bytes an entry with its key)


@lru_cache(maxsize=65536)
def _structure_columns(tag: str, own: tuple[str, ...], ancestors: tuple[str, ...]) -> tuple[int, ...]:
    return tuple(_column(token) for token in _structure_tokens(tag, own, ancestors))


@lru_cache(maxsize=_CACHE_LIMIT)
def _leading_columns(word: str) -> tuple[int, ...]:
    return tuple(_column(token) for token in _word_tokens(word))


@lru_cache(maxsize=_CACHE_LIMIT)
def _trailing_column(word: str) -> int:
    return _column(_tail_token(word))


def block_bag(block: Block) -> list[int]:
    """The distinct hashed columns of block_document's tokens: what the linear
    model reads, built from cached pieces without joining or re-splitting strings."""
    columns = set(_structure_columns(block.tag, block.tokens, tuple(_ancestor_segments(block.path))))
    leading, tail = _text_parts(block.text)
    for word in leading:
        columns.update(_leading_columns(word))
    columns.update(_trailing_column(word) for word in tail)
    return list(columns)


def document_bag(document: str) -> list[int]:
    """The bag of a block_document string (block_bag builds the same from the block)."""
    return sorted({_column(token) for token in document.split()})


def page_bags(page: Page) -> list[list[int]]:
    return [block_bag(block) for block in page.blocks]


def bag_matrix(bags: Sequence[Sequence[int]]) -> Any:
    """Bags as a sparse matrix: binary, each row scaled to unit length (as the
    HashingVectorizer with binary=True and norm="l2" gives)."""
    from scipy.sparse import csr_matrix

    lengths = np.fromiter((len(bag) for bag in bags), dtype=np.int64, count=len(bags))
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    indices = np.fromiter(chain.from_iterable(bags), dtype=np.int32, count=int(indptr[-1]))
    data = np.repeat(1.0 / np.sqrt(np.maximum(lengths, 1)), lengths)
    matrix = csr_matrix((data, indices, indptr), shape=(len(bags), HASH_FEATURES))
    matrix.sort_indices()
    return matrix


@dataclass
class WordModel:
    """A hashed bag of block tokens and a linear score per label over it.

    The weights are kept as one row per hashed token (float32), so scoring a page
    touches only the rows of the tokens it has."""

    weights: np.ndarray  # (HASH_FEATURES, labels)
    intercept: np.ndarray  # (labels,)
    labels: tuple[str, ...]

    def columns(self, bags: Sequence[Sequence[int]]) -> np.ndarray:
        """One score per label in `labels` order for each bag (block_bag): the sum of its
        columns' weight rows over the square root of their count (the bag's unit-length
        row times the table), plus the intercept. The rows are gathered, not multiplied
        as a sparse product, which would convert the whole float32 table to float64 on
        every page."""
        lengths = np.fromiter((len(bag) for bag in bags), dtype=np.int64, count=len(bags))
        scores = np.zeros((len(bags), len(self.labels)))
        filled = lengths > 0  # an empty bag (no block has one: every block has its tag) scores 0
        if filled.any():
            flat = np.fromiter(chain.from_iterable(bags), dtype=np.intp, count=int(lengths.sum()))
            starts = np.concatenate([[0], np.cumsum(lengths[filled])[:-1]])
            sums = np.add.reduceat(self.weights[flat].astype(np.float64), starts, axis=0)
            scores[filled] = sums / np.sqrt(lengths[filled])[:, None]
        return scores + self.intercept


def fit_word_model(
    bags: Sequence[Sequence[int]], y: np.ndarray, weights: np.ndarray, labels: Sequence[str], seed: int = 0
) -> WordModel:
    """Fit the linear classifier (logistic loss, one against the rest per label)."""
    from sklearn.linear_model import SGDClassifier

    classifier = SGDClassifier(loss="log_loss", alpha=2e-6, max_iter=8, tol=None, random_state=seed)
    classifier.fit(bag_matrix(bags), y, sample_weight=weights)
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
