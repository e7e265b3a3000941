"""Error regexes are skipped when a block lacks what they need, and never wrongly."""

import pytest

from segclf.augment import load_fragments
from segclf.blocks import segment_text
from segclf.lexicon import load_lexicon, required_pieces


@pytest.mark.parametrize(
    "pattern, pieces",
    [
        # a run of plain characters is needed as a whole
        (r"the requested URL \S+ was not found", (("the requested url ",), (" was not found",))),
        # an alternation needs one of its branches' pieces
        (r"^(?:Warning|Fatal error): .+", (("warning", "fatal error"), (": ",))),
        # a group is needed as its contents are (a plain (?:...) group is read as a run)
        (r"x(abc)y", (("x",), ("abc",), ("y",))),
        (r"x(?:abc)y", (("xabcy",),)),
        # what may be absent (repeats, lookarounds, classes) is not needed
        (r"(?<!Mozilla/)(?:at )?[\w$]{1,80}\d+", ()),
        # a branch with nothing plain in it leaves the alternation unusable
        (r"(?:\d+|Native Method)", ()),
    ],
)
def test_required_pieces(pattern, pieces):
    assert required_pieces(pattern) == pieces


def test_a_rule_that_matches_a_text_is_never_skipped_for_it():
    """Over the error fragment catalogue (blocks that the rules are written to catch)
    and ordinary prose, `could_match` is True wherever the regex matches."""
    lexicon = load_lexicon()
    texts = [block.text for fragment in load_fragments() for block in segment_text(fragment.html).blocks]
    texts += ["The council met on Tuesday (its third meeting) and voted 5-2.", "at com.example.App.main(App.java:12)"]
    matched = 0
    for text in texts:
        lowered = text.lower()
        for rule in lexicon.error_patterns:
            hit = (rule.regex.match(text) if rule.anchored else rule.regex.search(text)) is not None
            matched += hit
            assert not hit or rule.could_match(lowered), (rule.regex.pattern, text)
    assert matched > 100  # the catalogue does exercise the rules


def test_rules_are_skipped_on_blocks_without_their_pieces():
    lexicon = load_lexicon()
    java = next(rule for rule in lexicon.error_patterns if rule.regex.pattern.startswith(r"\b(?:java|"))
    assert not java.could_match("a plain sentence about coffee.")
    assert java.could_match("java.lang.nullpointerexception")


def test_phrase_index_finds_every_phrase_wherever_it_starts():
    from segclf.lexicon import _rows

    lexicon = load_lexicon()
    checks = [
        (lexicon.error_phrase_index, [phrase.lower() for _, phrase in _rows("error_phrases.txt", 2)]),
        (lexicon.ad_phrase_index, [phrase.lower() for lang, phrase in _rows("ad_phrases.txt", 2) if lang != "word"]),
    ]
    for index, phrases in checks:
        assert index is not None
        for number, phrase in enumerate(phrases):
            prefix = ["", "x", "页面 ", "\U0001f600 ", "the "][number % 5]
            text = prefix + phrase + ("" if number % 2 else " and more")  # at the very end too
            assert len(prefix) in index.candidates(text), phrase


def test_phrase_index_gives_the_blocks_the_regex_gives():
    """The features' phrase markers are the same with the index as with a scan of every position."""
    import numpy as np

    from segclf.features import _blocks_with_match

    lexicon = load_lexicon()
    texts = [block.text.lower() for fragment in load_fragments() for block in segment_text(fragment.html).blocks]
    texts += ["sponsored", "a", "", "广告", "anzeige: neu", "\U0001f600 page not found \U0001f600", "404 not found"]
    everything = np.ones(len(texts), dtype=bool)
    for pattern, index in [
        (lexicon.any_error_phrase, lexicon.error_phrase_index),
        (lexicon.ad_phrases, lexicon.ad_phrase_index),
    ]:
        with_index = _blocks_with_match(pattern, texts, everything, index)
        assert (with_index == _blocks_with_match(pattern, texts, everything)).all()
        assert with_index.sum() >= 3  # the texts do hold phrases of both lists
