"""Corpus import: gold text aligned to blocks, labels written back into the page."""

import json

import pytest

from segclf.align import align_gold
from segclf.corpus import read_corpus, registered_domain, split_of
from segclf.importer import ImportStats, import_corpus, weak_error_label
from segclf.labeled import read_labeled

from conftest import SHARED

ARTICLE = [
    "The harbour board voted on Tuesday to rebuild the old ferry pier before winter.",
    "Repairs will cost about four million and take eleven weeks, the board said.",
]


def make_corpus(folder, pages):
    (folder / "html").mkdir(parents=True)
    (folder / "gold").mkdir()
    with (folder / "meta.jsonl").open("w") as meta:
        for page_id, html, gold, extra in pages:
            (folder / "html" / f"{page_id}.html").write_bytes(html)
            (folder / "gold" / f"{page_id}.txt").write_text(gold, encoding="utf-8")
            meta.write(json.dumps({"id": page_id, "url": f"http://{page_id}.example.com/a", **extra}) + "\n")


def test_alignment_marks_gold_blocks_and_counts_missing_gold():
    blocks = ["Home | News | Sport", ARTICLE[0], "Share this", ARTICLE[1]]
    alignment = align_gold(blocks, "\n".join(ARTICLE) + "\nA sentence that is on no block at all.")
    assert [c >= 0.5 for c in alignment.coverage] == [False, True, False, True]
    assert 0 < alignment.unmatched_gold_share < 0.3


def test_alignment_counts_cjk_per_character():
    alignment = align_gold(["首页 新闻", "衢州主动对接央企助推主导产业高端发展"], "衢州主动对接央企 助推主导产业高端发展")
    assert alignment.coverage[1] == 1.0 and alignment.coverage[0] == 0.0
    assert alignment.unmatched_gold_tokens == 0


def test_split_is_by_site_and_stable():
    assert split_of({"split": "test"}, "a.com") == "test"
    assert split_of({}, "bbc.co.uk") == split_of({}, "bbc.co.uk")
    assert registered_domain("news.bbc.co.uk") == "bbc.co.uk"
    assert registered_domain("blogs.wsj.com") == "wsj.com"


def test_weak_error_labels_only_short_blocks():
    from segclf.blocks import segment_text

    short, long = segment_text("<p>502 Bad Gateway</p><p>" + "The server said 502 Bad Gateway. " * 20 + "</p>").blocks
    assert weak_error_label(short).startswith("error:")
    assert weak_error_label(long) is None


def test_import_writes_labeled_pages_that_read_back(tmp_path):
    html = (
        "<html><head><meta charset='gbk'><title>t</title></head><body>"
        "<div class='nav'>Home | News | Sport</div>"
        f"<td>{ARTICLE[0]}<br><br>{ARTICLE[1]}<br><br>Related: other story</td>"
        "<div><center><h1>502 Bad Gateway</h1></center><hr><center>nginx/1.18.0</center></div>"
        "<p>衢州主动对接央企</p></body></html>"
    ).encode("gbk")
    make_corpus(tmp_path / "mini", [("p1", html, "\n".join(ARTICLE) + "\n衢州主动对接央企", {"split": "train"})])
    pages = read_corpus(tmp_path / "mini")
    stats = import_corpus(pages, tmp_path / "out")
    assert stats.pages == 1 and stats.roundtrip_mismatches == 0
    labeled = read_labeled(tmp_path / "out" / "train" / "p1.html")
    by_text = {block.text: label for block, label in zip(labeled.page.blocks, labeled.labels)}
    assert by_text[ARTICLE[0]] == "body" and by_text[ARTICLE[1]] == "body"
    assert by_text["Related: other story"] == "nav"  # same <td> as the article: wrapped in a span
    assert by_text["502 Bad Gateway"] == "error"
    assert by_text["衢州主动对接央企"] == "body"  # GBK decoded, written back as UTF-8
    assert labeled.page.site == "example.com"  # the registered domain


def test_broken_page_is_reported_and_skipped(tmp_path):
    make_corpus(
        tmp_path / "mini",
        [("bad", b"", "gold", {"split": "train"}), ("ok", f"<p>{ARTICLE[0]}</p>".encode(), ARTICLE[0], {"split": "test"})],
    )
    errors = []
    stats = import_corpus(read_corpus(tmp_path / "mini"), tmp_path / "out", on_error=errors.append)
    assert stats.pages == 1 and stats.failed == 1
    assert "bad" in errors[0]


@pytest.mark.skipif(not (SHARED / "corpora").is_dir(), reason="../shared/corpora is not present")
@pytest.mark.parametrize("corpus", ["dragnet", "zh_cwced", "cleanportaleval"])
def test_real_corpus_gold_aligns_almost_entirely(corpus, tmp_path):
    pages = read_corpus(SHARED / "corpora" / corpus)[:8]
    stats = import_corpus(pages, tmp_path / corpus)
    assert stats.pages == len(pages)
    assert stats.unmatched_gold_share < 0.03
    assert stats.roundtrip_mismatches == 0
    assert isinstance(stats, ImportStats)


def test_control_character_references_do_not_break_labeling(tmp_path):
    html = f"<html><body><td>{ARTICLE[0]}<br><br>Related links &#26; more</td></body></html>".encode()
    make_corpus(tmp_path / "mini", [("p1", html, ARTICLE[0], {"split": "train"})])
    stats = import_corpus(read_corpus(tmp_path / "mini"), tmp_path / "out")
    assert stats.pages == 1 and stats.failed == 0


def test_label_ties_in_one_element_are_broken_the_same_way_every_run():
    from segclf.blocks import parse_html, split_blocks
    from segclf.labeled import mark_labels

    root = parse_html("<td>first part<br><br>second part</td>")
    blocks = split_blocks(root, keep_sources=True)
    mark_labels(blocks, ["nav", "body"])
    assert root.find(".//td").get("data-segclf") == "body"  # LABELS order, not set order
