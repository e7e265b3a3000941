"""Stage 3: blocks -> feature matrix with a named, versioned schema."""

import math

import numpy as np
import pytest

from segclf.blocks import segment_text
from segclf.features import FEATURE_NAMES, FEATURE_SCHEMA, SiteRepetition, page_features


def features_of(html: str, site_repetition=None) -> tuple[list[str], np.ndarray]:
    page = segment_text(html)
    return [b.text for b in page.blocks], page_features(page, site_repetition)


def column(name: str) -> int:
    return FEATURE_NAMES.index(name)


def test_schema_names_every_column_once():
    assert len(FEATURE_NAMES) == len(set(FEATURE_NAMES))
    assert FEATURE_SCHEMA["columns"] == list(FEATURE_NAMES)
    _, matrix = features_of("<p>a</p><p>b</p>")
    assert matrix.shape == (2, len(FEATURE_NAMES))


def test_cjk_text_counts_per_character():
    _, matrix = features_of("<p>衢州主动对接央企</p><p>two words</p>")
    assert math.expm1(matrix[0, column("log_tokens")]) == pytest.approx(8)
    assert math.expm1(matrix[1, column("log_tokens")]) == pytest.approx(2)
    assert matrix[0, column("cjk_ratio")] == pytest.approx(1.0)


def test_link_ratio_and_count():
    _, matrix = features_of('<p><a href="/a">abcd</a>efgh</p><p><a href="/1">x</a> <a href="/2">y</a></p>')
    assert matrix[0, column("link_ratio")] == pytest.approx(0.5)
    assert matrix[1, column("link_ratio")] == pytest.approx(1.0)
    assert math.expm1(matrix[1, column("log_link_count")]) == pytest.approx(2)


def test_punctuation_ratio_is_high_for_prose():
    _, matrix = features_of("<p>Hello, world. This is prose; it has commas, and stops.</p><p>Home About Contact</p>")
    assert matrix[0, column("punct_ratio")] > 0.05
    assert matrix[1, column("punct_ratio")] == 0


def test_repetition_on_the_page_is_counted():
    html = "<p>404 Not Found</p><p>article</p><p>404 not found</p><p>404 Not  Found</p>"
    _, matrix = features_of(html)
    assert math.expm1(matrix[0, column("page_repeat")]) == pytest.approx(2)
    assert matrix[1, column("page_repeat")] == 0


def test_repetition_across_pages_of_a_site():
    pages = [
        segment_text(f'<head><meta name="segclf-site" content="s.example"></head><p>Menu</p><p>story {i} text</p>')
        for i in ("one", "two", "three")
    ]
    repetition = SiteRepetition.from_pages(pages)
    matrix = page_features(pages[0], repetition)
    assert matrix[0, column("site_repeat")] == pytest.approx(1.0)  # on both other pages
    assert matrix[1, column("site_repeat")] == pytest.approx(0.0)
    alone = page_features(pages[0])
    assert np.isnan(alone[0, column("site_repeat")])  # unknown without the site's pages


@pytest.mark.parametrize(
    "text, marker",
    [
        ("404 Not Found", "err_strong"),
        ("502 Bad Gateway", "err_strong"),
        ("[an error occurred while processing this directive]", "err_strong"),
        ("ZJOL/1.22.95", "err_signature"),
        ("nginx/1.18.0", "err_signature"),
        ("您访问的页面不存在", "err_soft"),
        ("Die angeforderte Seite wurde nicht gefunden.", "err_soft"),
    ],
)
def test_error_markers(text, marker):
    _, matrix = features_of(f"<p>{text}</p><p>A normal sentence about the city council and its budget.</p>")
    assert matrix[0, column(marker)] == 1
    assert matrix[1, column(marker)] == 0


@pytest.mark.parametrize("text", ["Advertisement", "广告", "Anzeige", "Sponsored links"])
def test_ad_phrase_marker(text):
    _, matrix = features_of(f"<p>{text}</p><p>The council met on Tuesday.</p>")
    assert matrix[0, column("ad_phrase")] == 1
    assert matrix[1, column("ad_phrase")] == 0


@pytest.mark.parametrize(
    "text",
    [
        "© 2024 Example News",
        "Alle Rechte vorbehalten.",
        "Tous droits réservés",
        "根据《中华人民共和国著作权法》等法律法规，未经书面许可，擅自转载本报社作品的，将涉嫌侵犯著作权人合法权益。",
        "Все права защищены",
    ],
)
def test_copyright_and_reprint_notices_are_marked_in_every_measured_language(text):
    _, matrix = features_of(f"<p>{text}</p><p>The council met on Tuesday.</p>")
    assert matrix[0, column("has_copyright")] == 1
    assert matrix[1, column("has_copyright")] == 0


def test_ad_host_links():
    _, matrix = features_of('<p><a href="https://ad.doubleclick.net/c?x=1">Cheap flights</a></p><p><a href="https://example.org/">x</a></p>')
    assert matrix[0, column("ad_host_ratio")] == 1
    assert matrix[1, column("ad_host_ratio")] == 0


def test_class_tokens_weigh_nearest_ancestors_most():
    html = '<div class="sidebar"><div><div class="menu"><p>x</p></div></div></div>'
    _, matrix = features_of(html)
    assert matrix[0, column("class_nav")] > matrix[0, column("class_sidebar")] > 0


def test_neighbour_features_see_the_next_block():
    _, matrix = features_of("<p>404 Not Found</p><p>ZJOL/1.22.95</p>")
    assert matrix[1, column("n-1_err_strong")] == 1
    assert matrix[0, column("n+1_err_signature")] == 1
    assert np.isnan(matrix[0, column("n-1_err_strong")])


def test_main_container_holds_the_article():
    article = "".join(f"<p>Paragraph {i} of the article, with enough words to count as prose.</p>" for i in range(6))
    html = f'<div class="nav"><a href="/">Home</a></div><div class="story">{article}</div>'
    _, matrix = features_of(html)
    assert matrix[0, column("in_main_container")] == 0
    assert all(matrix[1:, column("in_main_container")] == 1)


def test_empty_page_gives_empty_matrix():
    _, matrix = features_of("")
    assert matrix.shape == (0, len(FEATURE_NAMES))



def test_repetition_keys_ignore_case_white_space_and_numbers():
    from segclf.features import repetition_keys
    from segclf.text import repetition_key

    texts = ["Posted 12 May  2024", "posted 3 may\n2023", "Comments\u3000(15)", "comments\xa0(2)"]
    assert repetition_keys(texts) == ["posted 0 may 0", "posted 0 may 0", "comments (0)", "comments (0)"]
    assert [repetition_key(text) for text in texts] == repetition_keys(texts)
