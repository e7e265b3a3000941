"""The HTML report: self-contained, every section there, mistakes shown side by side."""

import re

import pytest

from segclf.evaluate import PageResult, build_report
from segclf.report import confusion_svg, html_report, summarize, worst_pages

# Anything that would make a browser fetch: an attribute or CSS url() pointing off the file.
EXTERNAL_FETCH = re.compile(r"""(?:src|href|action|srcset|poster|data)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?\s*(?:https?:)?//|@import""", re.IGNORECASE)


@pytest.fixture()
def results():
    return [
        PageResult(
            name="site-a/good.html",
            site="a.example",
            texts=["Menu", "Story one", "Footer"],
            gold=["nav", "body", "nav"],
            predicted=["nav", "body", "nav"],
            group="site-a",
        ),
        PageResult(
            name="site-b/bad.html",
            site="b.example",
            texts=["Home | News http://tracker.example/x.js", "404 Not Found", "Buy <b>now</b> & save", "Article text here."],
            gold=["nav", "error", "ad", "body"],
            predicted=["body", "error", "nav", "body"],
            group="site-b",
        ),
    ]


def test_report_has_scores_confusion_picture_tables_and_worst_pages(results):
    html = html_report(build_report(results), results, "my eval")
    for part in ("<h1>my eval</h1>", 'id="labels"', "<svg", "Per corpus or folder", "Per site", 'id="worst"'):
        assert part in html
    assert "site-b/bad.html" in html and "site-a/good.html" not in html.split('id="worst"')[1]
    assert html.count('class="row wrong"') == 2  # the two mislabeled blocks, outlined


def test_report_fetches_nothing_and_escapes_page_text(results):
    html = html_report(build_report(results), results)
    assert not EXTERNAL_FETCH.search(html)
    assert "<script" not in html
    assert "Buy &lt;b&gt;now&lt;/b&gt; &amp; save" in html


def test_confusion_picture_has_a_cell_per_label_pair_with_its_count():
    svg = confusion_svg([[5, 1, 0, 0], [2, 9, 0, 0], [0, 0, 3, 0], [0, 0, 0, 4]])
    assert svg.count("<rect") == 16
    assert "gold nav, predicted body: 2 blocks" in svg


def test_worst_pages_put_the_lowest_body_f1_first_and_skip_perfect_pages(results):
    summaries = [summarize(result) for result in results]
    assert [s.result.name for s in worst_pages(summaries)] == ["site-b/bad.html"]
    assert summaries[1].wrong_blocks == 2


def test_evaluate_writes_the_report(small_model, sample_files, tmp_path):
    from typer.testing import CliRunner

    from segclf.cli import app

    report = tmp_path / "out" / "report.html"
    result = CliRunner().invoke(app, ["evaluate", *map(str, sample_files[:3]), "--model", str(small_model), "--report", str(report)])
    assert result.exit_code == 0, result.output
    html = report.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "Confusion matrix" in html
    assert not EXTERNAL_FETCH.search(html)


def test_a_baseline_shows_what_changed_fixed_and_broken(results):
    from dataclasses import replace

    from segclf.report import Comparison, changed_blocks

    # The earlier model had the menu and the ad right and the article wrong; the new one fixes the
    # article and breaks the other two.
    earlier = [results[0], replace(results[1], predicted=["nav", "error", "ad", "nav"])]
    baseline = Comparison("old.joblib", build_report(earlier), earlier)
    [(page, changed, fixed, broken)] = changed_blocks(results, baseline)
    assert page.name == "site-b/bad.html" and changed == [0, 2, 3]
    assert (fixed, broken) == (1, 2)
    html = html_report(build_report(results), results, "after", baseline)
    assert "Compared with old.joblib" in html and "1 blocks fixed, 2 broken" in html
    assert html.count("<svg") == 2  # before and after confusion matrices
    assert not EXTERNAL_FETCH.search(html)
    # Two pages cannot show a change to be more than page noise.
    assert "paired bootstrap over 2 pages" in html and "cannot tell the two models apart" in html
