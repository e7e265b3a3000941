"""Writing labels into a page: text, charset and labels survive, marks sit where a person puts them."""

import random

import pytest

from segclf.labeled import LABELS, read_labeled
from segclf.labeltool.labelfile import labeled_bytes, open_label_file


def rewrite(path, labels=None, review="draft", site=None):
    opened = open_label_file(path.read_bytes(), path.name)
    data = labeled_bytes(opened, labels if labels is not None else opened.gold, site, review)
    return opened, data


def test_gbk_page_is_written_back_in_gbk_with_its_text_and_labels(labeled_files, tmp_path):
    [seed] = [path for path in labeled_files if path.name == "zh-news-zjol-quzhou.html"]
    opened, data = rewrite(seed)
    data.decode("gbk")  # strict: every byte is GBK, characters outside it are references
    assert b'charset=gbk"' in data[:1024]
    target = tmp_path / seed.name
    target.write_bytes(data)
    again = read_labeled(target)
    assert again.labels == opened.gold
    assert [block.text for block in again.page.blocks] == [block.text for block in opened.blocks]


@pytest.mark.parametrize("prefix", ["zh-tw-news-gangdu-ferry", "ja-news-minato-library", "ru-news-vestnik-1", "de-news-elbtal-1"])
def test_any_labels_read_back_exactly_in_legacy_charsets(labeled_files, tmp_path, prefix):
    [path] = [p for p in labeled_files if p.stem == prefix]
    opened = open_label_file(path.read_bytes(), path.name)
    labels = [random.Random(index).choice(LABELS) for index in range(len(opened.blocks))]
    target = tmp_path / path.name
    target.write_bytes(labeled_bytes(opened, labels, None, "done"))
    again = read_labeled(target)
    assert again.labels == labels
    assert again.page.encoding == opened.encoding
    assert [block.text for block in again.page.blocks] == [block.text for block in opened.blocks]


def test_marks_sit_on_containers_not_on_every_paragraph(labeled_files):
    [seed] = [path for path in labeled_files if path.name == "zh-news-zjol-quzhou.html"]
    _, data = rewrite(seed)
    text = data.decode("gbk")
    assert '<body data-segclf="nav">' in text
    assert '<div class="content" data-segclf="body">' in text
    assert text.count("data-segclf=") < 2 * seed.read_bytes().count(b"data-segclf=")


def test_review_state_and_site_are_written_as_metas(tmp_path):
    path = tmp_path / "page.html"
    path.write_text("<html><head><title>t</title></head><body><p>Menu</p><p>Story text.</p></body></html>")
    opened = open_label_file(path.read_bytes(), path.name)
    assert opened.gold == [None, None]  # not labeled yet
    labels = ["nav"] * len(opened.blocks)
    labels[-1] = "body"
    data = labeled_bytes(opened, labels, "mysite.example", "done").decode("utf-8")
    assert '<meta name="segclf-site" content="mysite.example">' in data
    assert '<meta name="segclf-review" content="done">' in data
    assert open_label_file(data.encode(), "again").review == "done"


def test_a_page_that_declares_no_charset_gets_a_true_declaration(tmp_path):
    page = "<html><head><title>x</title></head><body><p>Привет, мир! Это статья.</p></body></html>"
    opened = open_label_file(page.encode("cp1251"), "ru.html")
    data = labeled_bytes(opened, ["body"] * len(opened.blocks), "ru.example", "draft")
    assert b'<meta charset="windows-1251">' in data[:1024]
    assert "Привет, мир!" in data.decode("cp1251")


def test_a_page_with_a_lying_declaration_is_declared_truthfully(tmp_path):
    page = '<html><head><meta charset="gbk"><title>x</title></head><body><p>Grüße aus Köln</p></body></html>'
    opened = open_label_file(page.encode("utf-8"), "lie.html")  # UTF-8 bytes that say gbk
    data = labeled_bytes(opened, ["body"] * len(opened.blocks), None, "draft")
    assert b'<meta charset="utf-8">' in data and b"gbk" not in data
    assert "Grüße aus Köln" in data.decode("utf-8")


def test_wrong_label_count_or_name_is_refused(labeled_files):
    opened = open_label_file(labeled_files[0].read_bytes(), labeled_files[0].name)
    with pytest.raises(ValueError, match="labels for"):
        labeled_bytes(opened, ["nav"], None, "draft")
    with pytest.raises(ValueError, match="unknown labels"):
        labeled_bytes(opened, ["junk"] * len(opened.blocks), None, "draft")


def test_unwrapping_a_tag_or_removing_an_element_keeps_the_text_around_it():
    from lxml import etree

    from segclf.labeltool.dom import remove_keeping_tail, unwrap

    root = etree.fromstring("<p>a<b>b</b>c<span>d<i>e</i>f</span>g<script>x</script>h</p>")
    unwrap(root.find("span"))
    remove_keeping_tail(root.find("script"))
    assert etree.tostring(root, encoding="unicode") == "<p>a<b>b</b>cd<i>e</i>fgh</p>"
    first = etree.fromstring("<p><span>only</span> after</p>")
    unwrap(first.find("span"))
    assert etree.tostring(first, encoding="unicode") == "<p>only after</p>"
