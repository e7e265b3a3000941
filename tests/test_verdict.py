"""The page verdict in `clean --format json`: ok, error or empty."""

from segclf.blocks import Block, Page
from segclf.extract import CleanedPage, LabeledBlock


def cleaned(*labeled_texts):
    blocks = []
    for label, text in labeled_texts:
        block = Block(text=text, tag="p", path="body>p", depth=2, ancestors=(0,), tokens=(), family_distance={})
        blocks.append(LabeledBlock(block, label, 0.9, {label: 0.9}))
    return CleanedPage(Page([item.block for item in blocks]), blocks)


def test_article_between_failed_includes_is_ok():
    page = cleaned(("error", "404 Not Found"), ("body", "A paragraph of the article. " * 10), ("error", "ZJOL/1.22.95") )
    assert page.verdict == "ok"


def test_soft_404_with_a_stray_short_body_line_is_an_error_page():
    page = cleaned(
        ("nav", "Home News Sport"),
        ("error", "Sorry, the page you are looking for could not be found. It may have been moved."),
        ("body", "Try searching for the story instead."),
    )
    assert page.verdict == "error"


def test_page_with_nothing_but_nav_is_empty():
    assert cleaned(("nav", "Home News Sport"), ("ad", "Buy now")).verdict == "empty"
    assert cleaned().verdict == "empty"
