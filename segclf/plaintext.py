"""Body or not for the lines of a plain-text page, where the model is missing its signals.

On HTML the model tells a nav bar from a paragraph by links, tags and class names. A
scraper's saved text (the seed page) has none of those: every line looks like a paragraph
with no links, so the model keeps menus, weather widgets and "related" lines as body. Error
lines it still finds by their text, so its error and ad labels stand; body or nav is decided
here instead, from what a text-only page does show (as jusText does): the article is a run
of long, punctuated lines, and short lines count only inside that run or as its headline.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from segclf.text import count_tokens

# A line with this many tokens (CJK characters count one each) and sentence punctuation is
# article text wherever it stands.
PARAGRAPH_TOKENS = 30
# A shorter punctuated line is article text next to a paragraph (an article's last line,
# "(吴新波)", or a short paragraph between long ones).
SENTENCE_TOKENS = 15
# At most this many other lines between two article lines are part of the article.
MAX_LINES_BETWEEN = 3
_SENTENCE_PUNCTUATION = re.compile(r"[.!?;,:。！？；，、：]")
# Lines built from separated items are menus, breadcrumbs and link lists, not headlines.
_NAV_SEPARATORS = re.compile(r"\||>|»|·|•|\[|\]|/\s")
KEPT_LABELS = ("error", "ad")  # the model's labels that stand on plain text


def plain_text_labels(texts: Sequence[str], model_labels: Sequence[str]) -> list[str]:
    """Labels for a plain-text page's lines: the model's error and ad lines, body for the
    article's lines, nav for the rest. Without one paragraph-length line there is no article
    run to find, and the model's labels stand."""
    # Neighbours are the nearest lines that are not error or ad lines (failed includes sit
    # between the paragraphs of the seed page).
    candidates = [index for index, label in enumerate(model_labels) if label not in KEPT_LABELS]
    sentence_tokens = {index: _sentence_tokens(texts[index]) for index in candidates}
    paragraphs = {index for index in candidates if sentence_tokens[index] >= PARAGRAPH_TOKENS}
    if not paragraphs:
        return list(model_labels)
    body = set(paragraphs)
    for position, index in enumerate(candidates):  # a shorter sentence beside a paragraph
        neighbours = candidates[max(position - 1, 0) : position] + candidates[position + 1 : position + 2]
        if sentence_tokens[index] >= SENTENCE_TOKENS and paragraphs.intersection(neighbours):
            body.add(index)
    # Short lines between article lines (a subheading, a list) belong to the article.
    positions = [position for position, index in enumerate(candidates) if index in body]
    for start, end in zip(positions, positions[1:]):
        if end - start - 1 <= MAX_LINES_BETWEEN:
            body.update(candidates[start + 1 : end])
    first = min(body)
    headline = max((index for index in candidates if index < first), default=None)
    if headline is not None and _looks_like_headline(texts[headline]):
        body.add(headline)
    return [
        label if label in KEPT_LABELS else ("body" if index in body else "nav")
        for index, label in enumerate(model_labels)
    ]


def _sentence_tokens(text: str) -> int:
    """The line's token count if it is punctuated like running text, else 0."""
    return count_tokens(text) if _SENTENCE_PUNCTUATION.search(text) else 0


def _looks_like_headline(text: str) -> bool:
    return 0 < count_tokens(text) < PARAGRAPH_TOKENS and not _NAV_SEPARATORS.search(text)
