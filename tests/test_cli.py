"""The CLI end to end: train, evaluate, clean, blocks, and clear errors on bad input."""

import json
import re

import pytest
from typer.testing import CliRunner

from segclf.cli import app

runner = CliRunner()


def run(*args, input=None):
    return runner.invoke(app, [str(a) for a in args], input=input)


def test_train_with_cv_prints_a_site_split_report(sample_files, tmp_path):
    model = tmp_path / "m.joblib"
    card = tmp_path / "card.md"
    result = run("train", *sample_files, "-o", model, "--cv", 2, "--card", card)
    assert result.exit_code == 0, result.output
    assert "2-fold cross-validation, folds split by site" in result.stdout
    assert "confusion matrix" in result.stdout
    assert "body text, bag of tokens" in result.stdout
    assert model.exists()
    assert "segclf train" in card.read_text() and "SHA-256" in card.read_text()
    # the card says how big the classifier is: what prediction time grows with
    assert re.search(r"classifier: hgb .*, \d+ rounds of up to \d+ leaves at learning rate [\d.]+ \(\d+ trees\)", card.read_text())


def test_evaluate_warns_about_pages_still_drafts_in_the_labeling_tool(small_model, sample_files, tmp_path):
    draft = tmp_path / "draft.html"
    html = sample_files[0].read_bytes().replace(b"</head>", b'<meta name="segclf-review" content="draft"></head>', 1)
    draft.write_bytes(html)
    result = run("evaluate", draft, "--model", small_model)
    assert result.exit_code == 0, result.output
    assert "1 pages are drafts in `segclf label`" in result.stderr


def test_evaluate_json_report(small_model, sample_files):
    result = run("evaluate", *sample_files[:3], "--model", small_model, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report["by_blocks"]) == {"body", "nav", "error", "ad"}
    assert report["confusion"]["rows"] == "gold"
    assert 0 <= report["body_tokens"]["f1"] <= 1


@pytest.mark.parametrize("fmt, marker", [("text", ""), ("markdown", ""), ("html", "<!DOCTYPE html>"), ("json", '"verdict"')])
def test_clean_formats(small_model, sample_files, fmt, marker):
    result = run("clean", sample_files[0], "--model", small_model, "--format", fmt)
    assert result.exit_code == 0, result.output
    assert marker in result.stdout
    assert result.stdout.strip()


def test_clean_json_has_every_block_with_label_probability_and_path(small_model, sample_files):
    result = run("clean", sample_files[0], "--model", small_model, "--format", "json")
    record = json.loads(result.stdout)
    assert record["verdict"] in ("ok", "error", "empty")
    for block in record["blocks"]:
        assert block["label"] in ("body", "nav", "error", "ad")
        assert 0 <= block["probability"] <= 1
        assert block["path"] and block["text"]


def test_clean_keep_selects_labels(small_model, sample_files):
    body = run("clean", sample_files[0], "--model", small_model).stdout
    everything = run("clean", sample_files[0], "--model", small_model, "--keep", "body,nav,error,ad").stdout
    assert len(everything) > len(body)


def test_clean_stdin(small_model):
    html = "<html><body><p>" + "A sentence of an article, with words. " * 20 + "</p></body></html>"
    result = run("clean", "-", "--model", small_model, "--format", "json", input=html)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["source"] == "<stdin>"


def test_clean_folder_writes_a_file_per_page_and_reports_broken_ones(small_model, sample_files, tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    for path in sample_files[:3]:
        (pages / path.name).write_bytes(path.read_bytes())
    (pages / "unreadable.html").mkdir()  # a "page" that cannot be read
    (pages / "empty.html").write_bytes(b"")
    out = tmp_path / "out"
    result = run("clean", pages, "-o", out, "--model", small_model, "--format", "markdown")
    names = sorted(p.name for p in out.iterdir())
    assert [path.with_suffix(".md").name for path in sorted(sample_files[:3])] == [n for n in names if n != "empty.md"]
    assert result.exit_code == 0, result.output


def test_broken_page_is_skipped_and_exit_status_says_so(small_model, sample_files, tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "good.html").write_bytes(b"<p>" + b"A sentence of an article. " * 20 + b"</p>")
    (pages / "huge.html").write_bytes(b"<p>" + b"x" * 5000 + b"</p>")
    out = tmp_path / "out"
    result = run("clean", pages, "-o", out, "--model", small_model, "--max-bytes", 4000)
    assert result.exit_code == 1
    assert "huge.html" in result.stderr and "over the limit" in result.stderr
    assert (out / "good.txt").exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["clean", "no-such.html"], "no such file or folder"),
        (["clean", "-", "--format", "pdf"], "--format takes one of"),
        (["clean", "-", "--keep", "junk"], "--keep takes labels"),
        (["evaluate", "no-such-dir"], "no such file or folder"),
    ],
)
def test_bad_arguments_give_one_line_errors(small_model, args, message):
    result = run(*args, "--model", small_model)
    assert result.exit_code != 0
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1


def test_corrupt_model_gives_one_line_error(sample_files, tmp_path):
    bad = tmp_path / "bad.joblib"
    bad.write_bytes(b"not a model")
    result = run("clean", sample_files[0], "--model", bad)
    assert result.exit_code == 2
    assert "not a readable model file" in result.stderr
    assert "Traceback" not in result.output


def test_blocks_table(small_model, sample_files):
    result = run("blocks", sample_files[0], "--model", small_model)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "blocks, encoding" in lines[0]
    assert any(" body " in line for line in lines[2:])


def test_help_for_every_command():
    for command in ("train", "evaluate", "clean", "blocks"):
        result = run(command, "--help")
        assert result.exit_code == 0
        assert "Usage" in result.output


def test_resume_skips_finished_pages_and_errors_file_lists_failures(small_model, sample_files, tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    for path in sample_files[:3]:
        (pages / path.name).write_bytes(path.read_bytes())
    (pages / "broken.html").write_bytes(b"%PDF-1.4 not a page")
    out, errors = tmp_path / "out", tmp_path / "errors.tsv"
    first = run("clean", pages, "-o", out, "--model", small_model, "--errors", errors)
    assert first.exit_code == 1
    assert errors.read_text().count("\n") == 1 and "broken.html" in errors.read_text()
    finished = sorted(out.iterdir())
    assert len(finished) == 3
    victim = finished[0]
    victim.unlink()  # as if the run had been killed before this page
    marker = finished[1].stat().st_mtime_ns
    second = run("clean", pages, "-o", out, "--model", small_model, "--resume")
    assert "2 pages already cleaned" in second.stderr
    assert victim.exists() and finished[1].stat().st_mtime_ns == marker
    assert not list(out.glob("*.partial"))


def test_clean_plain_text_line_by_line_drops_error_lines_and_says_so(tmp_path):
    paragraphs = [
        "The river rose through the night, and by morning the lower town was under water; volunteers carried sandbags until the last street was dry again.",
        "It was the worst flood since 1953, the mayor said on Tuesday, and the clean-up would take weeks. Insurers have sent assessors to more than two hundred homes.",
        "Farmers upstream said the new dam had held, but that the fields below it would not be sown this spring. The council will meet on Friday to discuss compensation.",
    ]
    lines = ["404 Not Found", "nginx/1.18.0", paragraphs[0], paragraphs[1], "404 Not Found", "nginx/1.18.0", paragraphs[2]]
    scrape = tmp_path / "scrape.txt"
    scrape.write_text("\n\n".join(lines) + "\n", encoding="utf-8")
    result = run("clean", scrape, "--format", "json")
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["plain_text"] is True
    assert [block["text"] for block in record["blocks"]] == lines
    assert [block["label"] for block in record["blocks"] if block["text"] in ("404 Not Found", "nginx/1.18.0")] == ["error"] * 4
    assert "404 Not Found" not in record["text"] and "nginx/1.18.0" not in record["text"]
    assert "It was the worst flood since 1953" in record["text"]
    assert "no HTML markup: cleaned line by line" in result.stderr


def test_a_folder_of_text_files_is_refused_with_a_hint_to_name_them(tmp_path):
    # Folders are searched for HTML only, so cleaned .txt output inside them is never re-read.
    (tmp_path / "scrape.txt").write_text("Home | News\n", encoding="utf-8")
    result = run("clean", tmp_path)
    assert result.exit_code != 0
    assert "DIR/*.txt" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_augment_writes_notice_copies_and_refuses_a_share_above_one(labeled_files, tmp_path):
    pages = [p for p in labeled_files if p.name in ("en-news-harbor-1.html", "zh-blog-xiaoyu-hike.html")]
    result = run("augment", *pages, "-o", tmp_path / "out", "--copies", 0, "--error-pages", 0, "--notice-pages", 1)
    assert result.exit_code == 0, result.output
    assert "2 with notices" in result.stdout
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["en-news-harbor-1.notice.html", "zh-blog-xiaoyu-hike.notice.html"]
    refused = run("augment", *pages, "-o", tmp_path / "out2", "--notice-pages", 1.5)
    assert refused.exit_code != 0 and "--notice-pages must be a share" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1 and not (tmp_path / "out2").exists()


def test_train_with_words_says_so_when_the_pages_are_too_few_sites_for_a_word_model(labeled_files, tmp_path):
    from segclf.labeled import read_labeled

    first = read_labeled(labeled_files[0]).page.site
    one_site = [path for path in labeled_files if read_labeled(path).page.site == first][:3]
    result = run("train", *one_site, "-o", tmp_path / "m.joblib", "--words")
    assert result.exit_code == 0, result.output
    assert "no word model was fitted" in result.output
    result = run("train", *labeled_files[:12], "-o", tmp_path / "m2.joblib", "--words")
    assert result.exit_code == 0 and "no word model" not in result.output
