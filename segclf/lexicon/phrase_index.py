"""Where any of many literal phrases may start in a text, found with numpy.

Python's `re` tries a phrase regex at every position of a text, and with hundreds of
phrases (a trie-shaped pattern, lexicon._trie_pattern) that is most of the cost of the
phrase features. A phrase can only start where the text holds the first characters of
some phrase: looking those up for every position at once, then confirming each of the
few candidates with the regex, finds the same matches several times faster.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

# How many leading characters of each phrase are looked up (at most: shorter phrases lower it).
PREFIX_CHARS = 3


@dataclass(frozen=True)
class PhraseIndex:
    """The leading characters of a set of phrases, as lookup tables over code points."""

    char_ids: np.ndarray  # code point -> 1.. for characters in some phrase's prefix, else 0
    pairs: np.ndarray  # (id, id) -> whether some phrase starts with those two characters
    triples: np.ndarray  # sorted codes of phrases' first three characters (empty: not used)
    width: int  # number of ids, 0 included

    @classmethod
    def of(cls, phrases: Iterable[str]) -> PhraseIndex | None:
        """The index of these phrases; None when one is shorter than two characters."""
        phrases = list(set(phrases))
        shortest = min(map(len, phrases), default=0)
        if shortest < 2:
            return None
        use_triples = shortest >= PREFIX_CHARS
        chars = sorted({char for phrase in phrases for char in phrase[: PREFIX_CHARS if use_triples else 2]})
        ids = {char: number for number, char in enumerate(chars, 1)}
        width = len(chars) + 1
        char_ids = np.zeros(max(map(ord, chars)) + 2, dtype=np.int64)  # the last entry stays 0
        for char, number in ids.items():
            char_ids[ord(char)] = number
        pairs = np.zeros(width * width, dtype=bool)
        for phrase in phrases:
            pairs[ids[phrase[0]] * width + ids[phrase[1]]] = True
        triples = (
            np.unique([(ids[p[0]] * width + ids[p[1]]) * width + ids[p[2]] for p in phrases])
            if use_triples
            else np.zeros(0, dtype=np.int64)
        )
        return cls(char_ids, pairs, triples, width)

    def candidates(self, text: str) -> list[int]:
        """Positions of `text` where a phrase may start: every position where one does,
        and a few where it does not (the caller's regex tells them apart)."""
        if len(text) < 2:
            return []
        points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        ids = self.char_ids[np.minimum(points, len(self.char_ids) - 1)]
        pair_codes = ids[:-1] * self.width + ids[1:]
        positions = np.flatnonzero(self.pairs[pair_codes])
        if len(self.triples) and len(positions):
            positions = positions[positions + 2 < len(ids)]
            codes = pair_codes[positions] * self.width + ids[positions + 2]
            found = np.searchsorted(self.triples, codes)
            found = np.minimum(found, len(self.triples) - 1)
            positions = positions[self.triples[found] == codes]
        return positions.tolist()
