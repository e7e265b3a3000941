"""Gold text -> block labels: align a page's tokens to its gold text in order.

The reference method is dragnet's: the longest common subsequence of the page's tokens
and the gold's tokens (CJK per character) marks which page tokens are gold; a block is
body when enough of its tokens are. difflib's matcher gives a near-LCS in a fraction of
the time of the quadratic dynamic programme, which matters over thousands of pages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from segclf.text import tokens

# A block is body when at least this share of its tokens align to gold tokens.
BODY_COVERAGE = 0.5
# Matches shorter than this many tokens are chance ("the", "of") unless the block is tiny.
MIN_MATCH_TOKENS = 3


@dataclass
class Alignment:
    coverage: list[float]  # per block: share of its tokens that align to gold
    gold_tokens: int
    unmatched_gold_tokens: int

    @property
    def unmatched_gold_share(self) -> float:
        return self.unmatched_gold_tokens / self.gold_tokens if self.gold_tokens else 0.0


def align_gold(block_texts: Sequence[str], gold: str) -> Alignment:
    """How much of each block is gold text, and how much gold text found no block."""
    block_tokens = [tokens(text) for text in block_texts]
    owner = [index for index, toks in enumerate(block_tokens) for _ in toks]
    page_tokens = [token for toks in block_tokens for token in toks]
    gold_tokens = tokens(gold)
    matched_per_block = [0] * len(block_texts)
    matched_gold = 0
    if page_tokens and gold_tokens:
        matcher = SequenceMatcher(None, page_tokens, gold_tokens, autojunk=False)
        for start, _, size in matcher.get_matching_blocks():
            if size == 0:
                continue
            if size < MIN_MATCH_TOKENS and not _whole_block(owner, start, size, block_tokens):
                continue
            matched_gold += size
            for position in range(start, start + size):
                matched_per_block[owner[position]] += 1
    coverage = [matched / len(toks) if toks else 0.0 for matched, toks in zip(matched_per_block, block_tokens)]
    return Alignment(coverage, len(gold_tokens), len(gold_tokens) - matched_gold)


def _whole_block(owner: list[int], start: int, size: int, block_tokens: list[list[str]]) -> bool:
    """A short match still counts when it is a whole short block (a one-word heading)."""
    block = owner[start]
    return owner[start + size - 1] == block and len(block_tokens[block]) == size


def body_labels(alignment: Alignment, threshold: float = BODY_COVERAGE) -> list[bool]:
    return [value >= threshold for value in alignment.coverage]
