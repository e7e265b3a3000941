"""Rules kept as data: error phrases and patterns, ad words and hosts, class/id tokens.

The text files beside this module are the source of truth (see README.md here);
this module only reads them once and compiles them into fast matchers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from segclf.lexicon.phrase_index import PhraseIndex

LEXICON_DIR = Path(__file__).parent

# Error families that on their own say "this block is an error message".
STRONG_ERROR_FAMILIES = frozenset(
    {"http_status", "server_page", "ssi", "php", "aspnet", "java", "python", "database"}
)
# Families that say it in words a person would write: soft 404s, walls, maintenance.
SOFT_ERROR_FAMILIES = frozenset({"soft404", "access_denied", "js_wall", "maintenance"})

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z])(?=[A-Z])")
_NON_ALNUM = re.compile(r"[^0-9a-zA-Z]+")


def _rows(name: str, fields: int) -> list[list[str]]:
    """Non-comment, non-blank lines of a lexicon file split on tabs."""
    path = LEXICON_DIR / name
    if not path.exists():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) < fields:
            continue
        rows.append([part.strip() for part in parts[: fields - 1]] + ["\t".join(parts[fields - 1 :]).strip()])
    return rows


def _trie_pattern(phrases: list[str]) -> str:
    """A regex for any of the literal phrases, factored into a trie.

    Python's `re` tries the branches of `a|b|c` one by one at every position; with
    hundreds of phrases sharing prefixes, a trie-shaped pattern is many times faster.
    """
    trie: dict = {}
    for phrase in phrases:
        node = trie
        for char in phrase:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict) -> str:
        ends = "" in node
        branches = [re.escape(char) + build(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if ends else body

    return build(trie)


def _alternation(phrases: list[str]) -> re.Pattern[str]:
    return re.compile(_trie_pattern(sorted(set(phrases))))


def _family_regexes(pairs: list[tuple[str, str]]) -> dict[str, re.Pattern[str]]:
    """One regex per family (phrases of two families may start at the same place)."""
    by_family: dict[str, list[str]] = {}
    for family, phrase in pairs:
        if phrase:
            by_family.setdefault(family, []).append(phrase)
    return {family: _alternation(phrases) for family, phrases in sorted(by_family.items())}


# Anchored (whole-block) error regexes only run on blocks up to this long.
MAX_ANCHORED_TEXT = 300


@dataclass(frozen=True)
class PatternRule:
    """One error regex, with what makes it cheap to skip."""

    family: str
    regex: re.Pattern[str]
    anchored: bool  # starts with ^: only a match at the start counts
    # Lower-cased pieces every match contains: from each group, at least one piece
    # (a literal run is a group of one; an alternation, a group of its branches' literals).
    needs: tuple[tuple[str, ...], ...]

    def could_match(self, lowered_text: str) -> bool:
        """False when the text lacks a piece every match needs (a substring test costs
        a fraction of a regex search, and most blocks fail it)."""
        for group in self.needs:
            for piece in group:
                if piece in lowered_text:
                    break
            else:
                return False
        return True


def required_pieces(pattern: str) -> tuple[tuple[str, ...], ...]:
    """What every match of `pattern` must contain: groups of lower-cased pieces, at least
    one piece of each group. Read from the parsed pattern's top level: runs of plain
    characters, groups (recursively) and alternations whose every branch needs a piece."""
    try:
        from re import _parser as sre_parse  # type: ignore[attr-defined]
        from re._constants import BRANCH, LITERAL, SUBPATTERN  # type: ignore[import-not-found]
    except ImportError:  # Python 3.10
        import sre_parse  # type: ignore[no-redef]
        from sre_constants import BRANCH, LITERAL, SUBPATTERN  # type: ignore[no-redef]

    def pieces_of(sequence) -> list[tuple[str, ...]]:
        groups: list[tuple[str, ...]] = []
        run = ""
        for op, argument in sequence:
            if op is LITERAL:
                run += chr(argument)
                continue
            if run:
                groups.append((run.lower(),))
                run = ""
            if op is SUBPATTERN:
                groups += pieces_of(argument[-1])
            elif op is BRANCH:
                # one piece per branch, the longest single piece that branch needs
                choices = []
                for branch in argument[1]:
                    singles = [group[0] for group in pieces_of(branch) if len(group) == 1]
                    if not singles:
                        break
                    choices.append(max(singles, key=len))
                else:
                    groups.append(tuple(dict.fromkeys(choices)))
        if run:
            groups.append((run.lower(),))
        return groups

    try:
        parsed = sre_parse.parse(pattern, re.IGNORECASE)
    except Exception:  # unparsable here means: never skip this rule
        return ()
    return tuple(dict.fromkeys(pieces_of(parsed)))


@dataclass(frozen=True)
class Lexicon:
    """Compiled matchers over the lexicon files."""

    any_error_phrase: re.Pattern[str] | None  # all families at once: most blocks match none
    error_phrase_index: PhraseIndex | None  # where an error phrase may start (phrase_index.py)
    error_phrases: dict[str, re.Pattern[str]]
    error_patterns: list[PatternRule]
    ad_phrases: re.Pattern[str] | None
    ad_phrase_index: PhraseIndex | None
    ad_words: re.Pattern[str] | None
    token_families: dict[str, frozenset[str]]
    ad_hosts: frozenset[str]

    def error_families(self, lowered_text: str) -> set[str]:
        """Families of the error phrases found in already lower-cased text."""
        if self.any_error_phrase is None or not lowered_text or not self.any_error_phrase.search(lowered_text):
            return set()
        return {family for family, regex in self.error_phrases.items() if regex.search(lowered_text)}

    def error_pattern_families(
        self, text: str, lowered_text: str | None = None, rules: Sequence[PatternRule] | None = None
    ) -> set[str]:
        """Families of error regexes that match the (stripped) block text.

        A regex is only run when the text holds the pieces it cannot match without
        (PatternRule.could_match); `^`-anchored regexes are tried at the start only, and
        only on short texts. `rules`: a subset of error_patterns to try (features pass
        those that could match somewhere on the page).
        """
        lowered = lowered_text if lowered_text is not None else text.lower()
        short = len(text) <= MAX_ANCHORED_TEXT
        found = set()
        for rule in self.error_patterns if rules is None else rules:
            if rule.family in found or (rule.needs and not rule.could_match(lowered)):
                continue
            if rule.anchored:
                if short and rule.regex.match(text):
                    found.add(rule.family)
            elif rule.regex.search(text):
                found.add(rule.family)
        return found

    def has_ad_phrase(self, lowered_text: str) -> bool:
        if self.ad_phrases is not None and self.ad_phrases.search(lowered_text):
            return True
        return self.ad_words is not None and self.ad_words.search(lowered_text) is not None

    def is_ad_host(self, host: str) -> bool:
        """True for an ad host or any subdomain of one."""
        host = host.lower().rstrip(".")
        while host:
            if host in self.ad_hosts:
                return True
            dot = host.find(".")
            if dot < 0:
                return False
            host = host[dot + 1 :]
        return False


def attribute_tokens(value: str) -> list[str]:
    """Tokens of a class or id value, so that lexicon entries match however sites spell them.

    `mainNav sr-only sidebar2` -> mainnav, main, nav, sr-only, sr, only, sidebar2, sidebar:
    whole names (for hyphenated entries), their parts, and parts without trailing digits.
    """
    found: list[str] = []
    for name in value.split():
        lowered = name.lower()
        found.append(lowered)
        for part in _NON_ALNUM.split(_CAMEL_BOUNDARY.sub(" ", name)):
            if not part:
                continue
            part = part.lower()
            if part != lowered:
                found.append(part)
            stripped = part.rstrip("0123456789")
            if stripped and stripped != part:
                found.append(stripped)
    return found


@lru_cache(maxsize=1)
def load_lexicon() -> Lexicon:
    error_pairs = [(family, phrase.lower()) for family, phrase in _rows("error_phrases.txt", 2)]
    error_patterns: list[PatternRule] = []
    for family, pattern in _rows("error_patterns.txt", 2):
        try:
            regex = re.compile(pattern, re.IGNORECASE)
        except re.error as exc:  # a bad rule must not take the tool down
            raise ValueError(f"bad regex in lexicon/error_patterns.txt ({family}): {exc}") from exc
        error_patterns.append(PatternRule(family, regex, pattern.startswith("^"), required_pieces(pattern)))

    phrases, words = [], []
    for lang, phrase in _rows("ad_phrases.txt", 2):
        (words if lang == "word" else phrases).append(phrase.lower())
    ad_phrases = _alternation(phrases) if phrases else None
    # ASCII boundaries: "PR" must match in "PR記事" but not in "PRESS".
    ad_words = (
        re.compile(r"(?<![a-z0-9])(?:" + _trie_pattern(sorted(set(words))) + r")(?![a-z0-9])")
        if words
        else None
    )

    families: dict[str, set[str]] = {}
    for family, token in _rows("class_tokens.txt", 2):
        families.setdefault(token.lower(), set()).add(family)
    hosts_path = LEXICON_DIR / "ad_hosts.txt"
    hosts = (
        frozenset(
            line.strip().lower()
            for line in hosts_path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")
        )
        if hosts_path.exists()
        else frozenset()
    )
    return Lexicon(
        any_error_phrase=_alternation([phrase for _, phrase in error_pairs]) if error_pairs else None,
        error_phrase_index=PhraseIndex.of(phrase for _, phrase in error_pairs),
        error_phrases=_family_regexes(error_pairs),
        error_patterns=error_patterns,
        ad_phrases=ad_phrases,
        ad_phrase_index=PhraseIndex.of(phrases),
        ad_words=ad_words,
        token_families={token: frozenset(fams) for token, fams in families.items()},
        ad_hosts=hosts,
    )
