"""The labeled format: data-segclf marks, nearest marked ancestor, site ids, encodings."""

from collections import Counter

from segclf.labeled import LABELS, read_labeled
from segclf.pages import PageError

import pytest


def test_project_ships_at_least_forty_labeled_pages(labeled_files):
    assert len(labeled_files) >= 40


def test_every_labeled_page_reads_with_all_text_labeled(labeled_files):
    for path in labeled_files:
        page = read_labeled(path)
        assert page.page.blocks, path
        assert page.unlabeled_blocks == 0, path
        assert page.page.site != path.stem, f"{path} has no segclf-site meta"


def test_label_set_languages_and_encodings_are_covered(labeled_files):
    labels, encodings, languages = Counter(), Counter(), Counter()
    for path in labeled_files:
        page = read_labeled(path)
        labels.update(page.labels)
        encodings[page.page.encoding] += 1
        languages[path.name.split("-")[0]] += 1
    assert set(LABELS) <= set(labels)
    assert encodings["gb18030"] >= 2, encodings  # GBK/GB2312 pages
    assert len(languages) >= 4, languages
    assert "zh" in languages


def test_seed_page_is_laid_out_with_its_errors(labeled_files):
    [seed] = [path for path in labeled_files if path.name == "zh-news-zjol-quzhou.html"]
    page = read_labeled(seed)
    by_label = {label: [b.text for b, l in zip(page.page.blocks, page.labels) if l == label] for label in LABELS}
    assert any("ZJOL/1.22.95" in text for text in by_label["error"])
    assert any("浙江在线09月18日讯" in text for text in by_label["body"])
    assert any("玫红系girl" in text for text in by_label["ad"])


def test_unknown_label_is_an_error(tmp_path):
    path = tmp_path / "bad.html"
    path.write_text('<body data-segclf="nav"><p data-segclf="junk">x</p></body>', encoding="utf-8")
    with pytest.raises(PageError, match="unknown label 'junk'"):
        read_labeled(path)


def test_text_outside_any_mark_is_reported_not_guessed(tmp_path):
    path = tmp_path / "partial.html"
    path.write_text('<body><p data-segclf="body">article</p><p>stray</p></body>', encoding="utf-8")
    page = read_labeled(path)
    assert page.labels == ["body", None]
    assert page.unlabeled_blocks == 1
