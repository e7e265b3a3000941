"""[Block] -> feature matrix, with the named, versioned schema that labels its columns.

Every model stores FEATURE_SCHEMA; a model whose schema differs from the running
code's is refused at load time, because its columns would silently mean other things.
Features are computed for a whole page at once: per-block Python only where a regex
must read the text, the rest as numpy arrays.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import chain
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from segclf.blocks import Block, Page
from segclf.lexicon import SOFT_ERROR_FAMILIES, STRONG_ERROR_FAMILIES, load_lexicon
from segclf.lexicon.phrase_index import PhraseIndex
from segclf.text import CJK_CHAR, CJK_RANGES, repetition_key_page

FEATURE_SCHEMA_VERSION = 2

# Class/id token families (segclf/lexicon/class_tokens.txt) turned into columns.
TOKEN_FAMILIES = (
    "nav",
    "footer",
    "sidebar",
    "social",
    "comment",
    "related",
    "ad",
    "body",
    "meta",
    "error",
    "hidden",
)
# Holding-element tags with a column of their own; the rest fall into "other".
TAG_GROUPS = {
    "p": "p",
    "div": "div",
    "td": "cell",
    "th": "cell",
    "li": "li",
    "dd": "li",
    "dt": "li",
    "h1": "h1",
    "h2": "h",
    "h3": "h",
    "h4": "h",
    "h5": "h",
    "h6": "h",
    "pre": "pre",
    "blockquote": "quote",
    "figcaption": "caption",
    "caption": "caption",
    "option": "form",
    "select": "form",
    "textarea": "form",
    "legend": "form",
    "form": "form",
    "body": "body",
    "center": "center",
    "span": "other",
}
TAG_COLUMNS = ("p", "div", "cell", "li", "h1", "h", "pre", "quote", "caption", "form", "body", "center", "other")
# Ancestors (counted from the holding element up) whose share of the page is a column.
CONTAINER_LEVELS = 4
# Share of the page's non-link text that makes an element "the main text container".
MAIN_CONTAINER_SHARE = 0.6
# Neighbours on each side whose key features are columns of their own.
NEIGHBOUR_OFFSETS = (-2, -1, 1, 2)
NEIGHBOUR_COLUMNS = (
    "log_tokens",
    "link_ratio",
    "punct_ratio",
    "err_strong",
    "err_signature",
    "ad_phrase",
    "page_repeat",
    "site_repeat",
)
# Blocks this far on each side are averaged into "window" columns.
WINDOW_RADIUS = 3
# Error regexes and phrases are only looked for in blocks up to this long: error
# messages are short, and searching long article paragraphs costs the most.
MAX_PATTERN_BLOCK_CHARS = 400
MAX_PHRASE_BLOCK_CHARS = 2000
MAX_AD_PHRASE_BLOCK_CHARS = 200
# Text wider than this counts as one "line" for text density (Kohlschuetter et al.).
LINE_WIDTH = 80

_PUNCT = re.compile(r"[.,;:!?\"'()\[\]。，、；：！？「」『』“”‘’（）《》〈〉…—\-]")
_SENTENCE_END = re.compile(r"[.!?。！？](?:\s|$|[\"'”’」』）)])")
_DIGIT = re.compile(r"\d")
_UPPER = re.compile(r"[A-Z]")
_LETTER = re.compile(r"[^\W\d_]")
_BULLET = re.compile(r"^\s*(?:[·•●▪■◆►»›>|\-–*]|\[\s*)")
# Copyright and reprint notices in the languages segclf is measured on (a long Chinese
# "反侵权公告" at a page end reads like article text but says 著作权/转载, not 版权).
_COPYRIGHT_LITERALS = (
    "©", "(c)", "copyright", "all rights reserved", "impressum", "alle rechte vorbehalten",
    "tous droits réservés", "todos los derechos reservados", "все права защищены",
    "版权", "著作权", "侵权", "转载", "免责", "無断転載", "無断複製",
)
_DATE = re.compile(r"\b(?:19|20)\d\d[-/.年]\s?\d{1,2}|\d{1,2}[./月]\s?\d{1,2}[日.]?|\b\d{1,2}:\d\d\b")

TEXT_COLUMNS = (
    "log_chars",
    "log_tokens",
    "text_density",
    "cjk_ratio",
    "link_ratio",
    "log_link_count",
    "links_per_token",
    "punct_ratio",
    "log_sentences",
    "digit_ratio",
    "upper_ratio",
    "mean_token_length",
    "starts_with_bullet",
    "ends_with_sentence",
    "log_images",
    "has_copyright",
    "has_date",
    "line_count",
)
MARKER_COLUMNS = (
    "err_strong",
    "err_soft",
    "err_weak",
    "err_signature",
    "err_status_line",
    "err_pattern",
    "ad_phrase",
    "ad_host_ratio",
    "page_repeat",
    "site_repeat",
)
POSITION_COLUMNS = (
    "rel_position",
    "rel_char_position",
    "depth",
    "rel_depth",
    "page_log_blocks",
    "page_log_tokens",
    "in_main_container",
    "main_container_share",
)


def _schema_columns() -> tuple[str, ...]:
    columns: list[str] = list(TEXT_COLUMNS) + list(MARKER_COLUMNS) + list(POSITION_COLUMNS)
    columns += [f"class_{family}" for family in TOKEN_FAMILIES]
    columns += [f"tag_{group}" for group in TAG_COLUMNS]
    for level in range(CONTAINER_LEVELS):
        columns += [f"container{level}_share", f"container{level}_link_ratio", f"container{level}_log_blocks"]
    for offset in NEIGHBOUR_OFFSETS:
        columns += [f"n{offset:+d}_{name}" for name in NEIGHBOUR_COLUMNS]
    columns += ["window_log_tokens", "window_link_ratio", "window_punct_ratio"]
    return tuple(columns)


FEATURE_NAMES = _schema_columns()
FEATURE_SCHEMA = {"version": FEATURE_SCHEMA_VERSION, "columns": list(FEATURE_NAMES)}
_COLUMN = {name: index for index, name in enumerate(FEATURE_NAMES)}


def text_hash(key: str) -> int:
    """A stable 64-bit hash of a repetition key: what SiteRepetition stores instead of the
    text (8 bytes, not the whole string; the same in every process, unlike hash())."""
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")


def repetition_keys(texts: Sequence[str]) -> list[str]:
    """repetition_key of every text, in one pass over them joined."""
    if not texts:
        return []
    return _keys_of_joined(_SEPARATOR.join(text.lower() for text in texts), len(texts))


def _keys_of_joined(lowered: str, count: int) -> list[str]:
    """Repetition keys of `count` lower-cased texts joined by _SEPARATOR."""
    return [key.strip() for key in repetition_key_page(lowered).split(_SEPARATOR)[:count]]


@dataclass
class SiteRepetition:
    """How many pages of each site contain each normalized block text.

    Built from a batch of pages; a block's `site_repeat` is the share of the *other*
    pages of its site that contain the same text. Unknown (NaN) when a site has one page.
    Texts are kept as 64-bit hashes (text_hash), so memory grows with the number of
    distinct texts, not their length: about 100 bytes each (docs/scale.md).
    """

    pages_per_site: Counter[str] = field(default_factory=Counter)
    texts_per_site: dict[str, Counter[int]] = field(default_factory=dict)

    def add(self, page: Page) -> None:
        if not page.site:
            return
        self.pages_per_site[page.site] += 1
        counter = self.texts_per_site.setdefault(page.site, Counter())
        counter.update({text_hash(key) for key in repetition_keys([block.text for block in page.blocks])})

    @classmethod
    def from_pages(cls, pages: Iterable[Page]) -> SiteRepetition:
        repetition = cls()
        for page in pages:
            repetition.add(page)
        return repetition

    def shares(self, page: Page, keys: Sequence[str]) -> np.ndarray:
        pages = self.pages_per_site.get(page.site or "", 0)
        if pages < 2:
            return np.full(len(keys), np.nan)
        counter = self.texts_per_site[page.site or ""]
        return np.array([(counter.get(text_hash(key), 1) - 1) / (pages - 1) for key in keys], dtype=float)


# Character classes, one bit each, looked up per code point for a whole page at once:
# counting characters with numpy is many times faster than a regex findall per block.
_WORD, _CJK, _LETTER_BIT, _DIGIT_BIT, _UPPER_BIT, _PUNCT_BIT, _TERMINATOR, _FOLLOWER, _SPACE_BIT, _NEWLINE = (
    1 << bit for bit in range(10)
)
_CHARACTER_CLASSES = (
    (_WORD, re.compile(f"[^\\W_{CJK_RANGES}]")),  # the non-CJK characters of TOKEN's words
    (_CJK, CJK_CHAR),
    (_LETTER_BIT, _LETTER),
    (_DIGIT_BIT, _DIGIT),
    (_UPPER_BIT, _UPPER),
    (_PUNCT_BIT, _PUNCT),
    (_TERMINATOR, re.compile(r"[.!?。！？]")),  # _SENTENCE_END's first character ...
    (_FOLLOWER, re.compile(r"[\s\"'”’」』）)\x00]")),  # ... and what may follow it (\x00: block end)
    (_SPACE_BIT, re.compile("[ \n\u3000]")),
    (_NEWLINE, re.compile("\n")),
)
_NONE: frozenset[str] = frozenset()
# Joins a page's block texts; block text never holds it (control characters are dropped).
_SEPARATOR = "\x00"


def _classify(characters: str) -> np.ndarray:
    classes = np.zeros(len(characters), dtype=np.uint16)
    for bit, pattern in _CHARACTER_CLASSES:
        classes[[match.start() for match in pattern.finditer(characters)]] |= bit
    return classes


@lru_cache(maxsize=1)
def _bmp_classes() -> np.ndarray:
    """Class bits of every Basic Multilingual Plane code point (built once, ~0.1 s)."""
    return _classify("".join(map(chr, range(0x10000))))


_ASTRAL_CLASSES: dict[int, int] = {}


def _code_point_classes(text: str) -> np.ndarray:
    code_points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    table = _bmp_classes()
    astral = code_points > 0xFFFF
    if not astral.any():
        return table[code_points]
    classes = table[np.where(astral, 0, code_points)]
    for position in np.flatnonzero(astral):
        point = int(code_points[position])
        if point not in _ASTRAL_CLASSES:
            _ASTRAL_CLASSES[point] = int(_classify(chr(point))[0])
        classes[position] = _ASTRAL_CLASSES[point]
    return classes


def _blocks_with_match(
    pattern: re.Pattern[str] | None,
    texts: Sequence[str],
    candidates: np.ndarray,
    phrase_index: PhraseIndex | None = None,
) -> np.ndarray:
    """Which candidate blocks hold a match: one regex pass over their texts joined
    (a match never crosses the separator, so it is the same as one search per block).
    With the phrases' `phrase_index`, the regex is tried only where a phrase may start."""
    hit = np.zeros(len(texts), dtype=bool)
    chosen = np.flatnonzero(candidates)
    if pattern is None or not len(chosen):
        return hit
    selected = [texts[index] for index in chosen]
    lengths = np.fromiter((len(text) + 1 for text in selected), dtype=np.int64, count=len(selected))
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    joined = _SEPARATOR.join(selected)
    if phrase_index is None:
        positions = [match.start() for match in pattern.finditer(joined)]
    else:
        positions = [position for position in phrase_index.candidates(joined) if pattern.match(joined, position)]
    if positions:
        hit[chosen[np.searchsorted(starts, positions, side="right") - 1]] = True
    return hit


def _blocks_with_literal(literals: Sequence[str], lowered: str, starts: np.ndarray) -> np.ndarray:
    """Which blocks of a joined, lower-cased page text contain any of the literals."""
    positions = []
    for literal in literals:
        found = lowered.find(literal)
        while found >= 0:
            positions.append(found)
            found = lowered.find(literal, found + 1)
    hit = np.zeros(len(starts), dtype=bool)
    if positions:
        hit[np.searchsorted(starts, positions, side="right") - 1] = True
    return hit


def _text_columns(blocks: Sequence[Block]) -> tuple[np.ndarray, list[str]]:
    """Per-block text statistics and markers, and the blocks' repetition keys.

    The page's block texts are joined once and counted with numpy (character classes)
    or one regex pass each (copyright, dates, error and ad phrases); per-block Python
    remains only where a rule must read one block (error regexes on short blocks).
    """
    lexicon = load_lexicon()
    count = len(blocks)
    texts = [block.text for block in blocks]
    lengths = np.fromiter((len(text) for text in texts), dtype=np.int64, count=count)
    starts = np.concatenate([[0], np.cumsum(lengths + 1)[:-1]])
    ends = starts + lengths
    joined = _SEPARATOR.join(texts) + _SEPARATOR
    classes = _code_point_classes(joined)
    owner = np.repeat(np.arange(count), lengths + 1)

    def per_block(mask: np.ndarray) -> np.ndarray:
        return np.bincount(owner, weights=mask, minlength=count)

    word = (classes & _WORD) != 0
    word_starts = word & ~np.concatenate([[False], word[:-1]])
    follower = np.concatenate([(classes[1:] & _FOLLOWER) != 0, [True]])
    sentence_end = ((classes & _TERMINATOR) != 0) & follower
    chars = lengths - per_block((classes & _SPACE_BIT) != 0)
    cjk = per_block((classes & _CJK) != 0)
    token_count = cjk + per_block(word_starts)
    token_chars = cjk + per_block(word)
    letters = per_block((classes & _LETTER_BIT) != 0)
    sentence_ends = per_block(sentence_end)
    ends_cumulative = np.concatenate([[0], np.cumsum(sentence_end)])
    last_three = np.maximum(starts, ends - 3)
    ends_with_sentence = (ends_cumulative[ends] - ends_cumulative[last_three]) > 0
    safe_chars = np.maximum(chars, 1)

    lowered_texts = [text.lower() for text in texts]
    lowered_lengths = np.fromiter((len(text) for text in lowered_texts), dtype=np.int64, count=count)
    lowered_starts = np.concatenate([[0], np.cumsum(lowered_lengths + 1)[:-1]])
    lowered = _SEPARATOR.join(lowered_texts) + _SEPARATOR
    has_copyright = _blocks_with_literal(_COPYRIGHT_LITERALS, lowered, lowered_starts)
    digits = per_block((classes & _DIGIT_BIT) != 0)
    has_date = np.array([digits[index] > 0 and _DATE.search(text) is not None for index, text in enumerate(texts)])
    # Phrases count only in blocks up to a length: only those are searched.
    maybe_error = _blocks_with_match(
        lexicon.any_error_phrase, lowered_texts, chars <= MAX_PHRASE_BLOCK_CHARS, lexicon.error_phrase_index
    )
    short = chars <= MAX_AD_PHRASE_BLOCK_CHARS
    ad_phrase = _blocks_with_match(lexicon.ad_phrases, lowered_texts, short, lexicon.ad_phrase_index)
    ad_phrase |= _blocks_with_match(lexicon.ad_words, lowered_texts, short)
    # Error regexes only run on short blocks; one missing a piece it needs in all of them
    # together cannot match any block. Leaving the long paragraphs (30% of the text of the
    # benchmark pages) out of this scan cut it from 1.06 to 0.74 ms a page (one-off timing).
    short_for_patterns = chars <= MAX_PATTERN_BLOCK_CHARS
    short_lowered = _SEPARATOR.join(lowered_texts[index] for index in np.flatnonzero(short_for_patterns))
    page_rules = [rule for rule in lexicon.error_patterns if rule.could_match(short_lowered)]

    rows = np.zeros((count, len(TEXT_COLUMNS) + len(MARKER_COLUMNS) - 2), dtype=float)
    rows[:, 0] = np.log1p(chars)
    rows[:, 1] = np.log1p(token_count)
    rows[:, 2] = token_count / np.maximum(1.0, chars / LINE_WIDTH)
    rows[:, 3] = cjk / safe_chars
    link_counts = np.fromiter((block.link_count for block in blocks), dtype=float, count=count)
    rows[:, 4] = np.fromiter((block.link_chars for block in blocks), dtype=float, count=count) / safe_chars
    rows[:, 5] = np.log1p(link_counts)
    rows[:, 6] = link_counts / (token_count + 1)
    rows[:, 7] = per_block((classes & _PUNCT_BIT) != 0) / safe_chars
    rows[:, 8] = np.log1p(sentence_ends)
    rows[:, 9] = digits / safe_chars
    rows[:, 10] = per_block((classes & _UPPER_BIT) != 0) / np.maximum(letters, 1)
    rows[:, 11] = np.where(token_count > 0, token_chars / np.maximum(token_count, 1), 0.0)
    rows[:, 13] = ends_with_sentence
    rows[:, 14] = [math.log1p(block.image_count) for block in blocks]
    rows[:, 15] = has_copyright
    rows[:, 16] = has_date
    rows[:, 17] = per_block((classes & _NEWLINE) != 0) + 1
    rows[:, 24] = ad_phrase
    for index, block in enumerate(blocks):
        text = block.text
        if _BULLET.match(text):
            rows[index, 12] = 1.0
        if block.urls:
            rows[index, 25] = sum(1 for host in block.urls if lexicon.is_ad_host(host)) / len(block.urls)
        families = lexicon.error_families(lowered_texts[index]) if maybe_error[index] else _NONE
        patterns = (
            lexicon.error_pattern_families(text, lowered_texts[index], page_rules)
            if short_for_patterns[index]
            else _NONE
        )
        if families or patterns:
            rows[index, 18:24] = (
                bool(families & STRONG_ERROR_FAMILIES),
                bool(families & SOFT_ERROR_FAMILIES),
                "weak" in families,
                "server_signature" in patterns,
                "status_line" in patterns,
                bool(patterns - {"server_signature", "status_line", "weak"}),
            )
    keys = _keys_of_joined(lowered, count)
    return rows, keys


def _container_columns(blocks: Sequence[Block], chars: np.ndarray, link_chars: np.ndarray) -> np.ndarray:
    """Share of the page's text under the block's nearest ancestors, and their link ratio.

    Vectorised over (block, ancestor) pairs: this runs for every page, and a Python
    loop over blocks times ancestors was a third of the feature time.
    """
    count = len(blocks)
    lengths = np.fromiter((len(block.ancestors) for block in blocks), dtype=np.int64, count=count)
    columns = np.full((count, 2 + 3 * CONTAINER_LEVELS), np.nan)
    columns[:, :2] = 0.0
    if lengths.sum() == 0:
        return columns
    pair_block = np.repeat(np.arange(count), lengths)
    pair_ancestor = np.fromiter(chain.from_iterable(block.ancestors for block in blocks), dtype=np.int64)
    pair_depth = np.arange(len(pair_ancestor)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    size = int(pair_ancestor.max()) + 1
    total_chars = np.bincount(pair_ancestor, weights=chars[pair_block], minlength=size)
    total_links = np.bincount(pair_ancestor, weights=link_chars[pair_block], minlength=size)
    total_blocks = np.bincount(pair_ancestor, minlength=size).astype(float)

    # The deepest element holding most of the page's non-link text: the article region.
    plain_share = (total_chars - total_links) / max(float((chars - link_chars).sum()), 1.0)
    candidates = plain_share[pair_ancestor] >= MAIN_CONTAINER_SHARE
    if candidates.any():
        deepest = np.argmax(np.where(candidates, pair_depth, -1))
        main = pair_ancestor[deepest]
        columns[pair_block[pair_ancestor == main], 0] = 1.0
        columns[:, 1] = plain_share[main]

    page_chars = max(float(chars.sum()), 1.0)
    last = np.cumsum(lengths) - 1
    for level in range(CONTAINER_LEVELS):
        has = lengths > level
        ancestor = pair_ancestor[last[has] - level]
        base = 2 + 3 * level
        columns[has, base] = total_chars[ancestor] / page_chars
        columns[has, base + 1] = total_links[ancestor] / np.maximum(total_chars[ancestor], 1.0)
        columns[has, base + 2] = np.log1p(total_blocks[ancestor])
    return columns


def _shift(values: np.ndarray, offset: int) -> np.ndarray:
    """values[i + offset], NaN beyond the page's ends."""
    shifted = np.full_like(values, np.nan)
    if offset > 0:
        shifted[:-offset] = values[offset:]
    elif offset < 0:
        shifted[-offset:] = values[:offset]
    else:
        shifted[:] = values
    return shifted


def _window_mean(values: np.ndarray, radius: int) -> np.ndarray:
    padded = np.concatenate([np.zeros(radius), values, np.zeros(radius)])
    counts = np.concatenate([np.zeros(radius), np.ones(len(values)), np.zeros(radius)])
    kernel = np.ones(2 * radius + 1)
    return np.convolve(padded, kernel, "valid") / np.maximum(np.convolve(counts, kernel, "valid"), 1)


def page_features(page: Page, site_repetition: SiteRepetition | None = None) -> np.ndarray:
    """The feature matrix of one page: a row per block, columns as FEATURE_NAMES."""
    blocks = page.blocks
    matrix = np.zeros((len(blocks), len(FEATURE_NAMES)), dtype=float)
    if not blocks:
        return matrix
    # Text and marker columns come first in the schema, page/site repetition last of them.
    text, keys = _text_columns(blocks)
    matrix[:, : text.shape[1]] = text

    key_counts = Counter(keys)
    matrix[:, _COLUMN["page_repeat"]] = [math.log1p(key_counts[key] - 1) for key in keys]
    matrix[:, _COLUMN["site_repeat"]] = (
        site_repetition.shares(page, keys) if site_repetition is not None else np.nan
    )

    chars = np.expm1(matrix[:, _COLUMN["log_chars"]])
    link_chars = chars * matrix[:, _COLUMN["link_ratio"]]
    count = len(blocks)
    depths = np.array([block.depth for block in blocks], dtype=float)
    matrix[:, _COLUMN["rel_position"]] = np.arange(count) / max(count - 1, 1)
    matrix[:, _COLUMN["rel_char_position"]] = (np.cumsum(chars) - chars) / max(chars.sum(), 1.0)
    matrix[:, _COLUMN["depth"]] = depths
    matrix[:, _COLUMN["rel_depth"]] = depths / max(depths.max(), 1.0)
    matrix[:, _COLUMN["page_log_blocks"]] = math.log1p(count)
    matrix[:, _COLUMN["page_log_tokens"]] = math.log1p(np.expm1(matrix[:, _COLUMN["log_tokens"]]).sum())

    containers = _container_columns(blocks, chars, link_chars)
    matrix[:, _COLUMN["in_main_container"]] = containers[:, 0]
    matrix[:, _COLUMN["main_container_share"]] = containers[:, 1]
    first = _COLUMN["container0_share"]
    matrix[:, first : first + 3 * CONTAINER_LEVELS] = containers[:, 2:]

    for index, block in enumerate(blocks):
        for family, distance in block.family_distance.items():
            column = _COLUMN.get(f"class_{family}")
            if column is not None:
                matrix[index, column] = 1.0 / (1.0 + distance)
        matrix[index, _COLUMN["tag_" + TAG_GROUPS.get(block.tag, "other")]] = 1.0

    for offset in NEIGHBOUR_OFFSETS:
        for name in NEIGHBOUR_COLUMNS:
            matrix[:, _COLUMN[f"n{offset:+d}_{name}"]] = _shift(matrix[:, _COLUMN[name]], offset)
    matrix[:, _COLUMN["window_log_tokens"]] = _window_mean(matrix[:, _COLUMN["log_tokens"]], WINDOW_RADIUS)
    matrix[:, _COLUMN["window_link_ratio"]] = _window_mean(matrix[:, _COLUMN["link_ratio"]], WINDOW_RADIUS)
    matrix[:, _COLUMN["window_punct_ratio"]] = _window_mean(matrix[:, _COLUMN["punct_ratio"]], WINDOW_RADIUS)
    return matrix


def pages_features(pages: Sequence[Page], site_repetition: SiteRepetition | None = None) -> np.ndarray:
    """Feature rows of many pages, stacked in order (site repetition shared across them)."""
    if not pages:
        return np.zeros((0, len(FEATURE_NAMES)))
    return np.vstack([page_features(page, site_repetition) for page in pages])
