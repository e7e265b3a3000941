"""`segclf clean` on folders and WARC files: worker processes, JSON Lines, errors, resume."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner
from warc_files import corrupt, write_warc

from segclf.cli import app

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def folder(labeled_files, tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    for path in labeled_files[:10]:
        (pages / path.name).write_bytes(path.read_bytes())
    return pages


def test_two_jobs_give_the_same_outputs_as_one(small_model, folder, tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    assert run("clean", folder, "-o", one, "--model", small_model, "--format", "json", "--jobs", 1).exit_code == 0
    result = run("clean", folder, "-o", two, "--model", small_model, "--format", "json", "--jobs", 2, "--batch-size", 3)
    assert result.exit_code == 0, result.output
    names = sorted(path.name for path in one.iterdir())
    assert names == sorted(path.name for path in two.iterdir()) and len(names) == 10
    for name in names:
        assert (one / name).read_text() == (two / name).read_text(), name


def test_warc_to_jsonl_has_one_line_per_html_response_with_the_expected_fields(small_model, labeled_files, tmp_path):
    warc, out = tmp_path / "crawl.warc.gz", tmp_path / "out.jsonl"
    write_warc(warc, labeled_files[:4], extras=True)
    result = run("clean", warc, "-o", out, "--model", small_model)
    assert result.exit_code == 0, result.output
    records = read_jsonl(out)
    assert len(records) == 4
    for record, page in zip(records, labeled_files[:4]):
        assert record["url"] == f"http://{page.stem}.example/{page.name}"
        assert record["record_id"].startswith("<urn:uuid:") and record["id"] == record["record_id"]
        assert record["status"] == 200 and record["source"] == str(warc)
        assert record["verdict"] in ("ok", "error", "empty")
        assert set(record["label_counts"]) <= {"body", "nav", "error", "ad"}
        assert isinstance(record["text"], str)
    assert not list(tmp_path.glob("*.partial"))


def test_warc_to_stdout_and_folder_to_jsonl(small_model, labeled_files, folder, tmp_path):
    warc = tmp_path / "crawl.warc"
    write_warc(warc, labeled_files[:2], gzip=False)
    printed = run("clean", warc, "--model", small_model, "--single-page")
    assert [json.loads(line)["status"] for line in printed.stdout.splitlines()] == [200, 200]
    out = tmp_path / "pages.jsonl"
    assert run("clean", folder, "-o", out, "--model", small_model).exit_code == 0
    assert [record["source"] for record in read_jsonl(out)] == [str(path) for path in sorted(folder.iterdir())]


def test_corrupt_record_is_reported_in_the_errors_file_and_the_rest_is_cleaned(small_model, labeled_files, tmp_path):
    warc, out, errors = tmp_path / "crawl.warc.gz", tmp_path / "out.jsonl", tmp_path / "errors.tsv"
    offsets = write_warc(warc, labeled_files[:5])
    corrupt(warc, offsets[2], offsets[3])
    result = run("clean", warc, "-o", out, "--model", small_model, "--errors", errors)
    assert result.exit_code == 1
    assert "corrupt record" in result.stderr and "Traceback" not in result.output
    lines = errors.read_text().splitlines()
    assert len(lines) == 1 and f"corrupt record at byte {offsets[2]:,}" in lines[0]
    assert [record["url"].rsplit("/", 1)[1] for record in read_jsonl(out)] == [
        page.name for i, page in enumerate(labeled_files[:5]) if i != 2
    ]


def test_resume_from_a_partial_jsonl_redoes_nothing_finished(small_model, labeled_files, tmp_path):
    warc, out = tmp_path / "crawl.warc.gz", tmp_path / "out.jsonl"
    write_warc(warc, labeled_files[:5])
    assert run("clean", warc, "-o", out, "--model", small_model).exit_code == 0
    lines = out.read_text(encoding="utf-8").splitlines(keepends=True)
    finished = [json.loads(line) for line in lines[:2]]
    for record in finished:
        record["text"] = "FROM THE FIRST RUN"  # a redone record would lose this
    partial = tmp_path / "out.jsonl.partial"
    partial.write_text("".join(json.dumps(r) + "\n" for r in finished) + lines[2][:40], encoding="utf-8")
    out.unlink()  # as a run killed after two pages and a half leaves it
    result = run("clean", warc, "-o", out, "--model", small_model, "--resume")
    assert result.exit_code == 0, result.output
    assert "2 pages already cleaned" in result.stderr and "dropped an unfinished last record" in result.stderr
    records = read_jsonl(out)
    assert [r["id"] for r in records] == [json.loads(line)["id"] for line in lines]
    assert [r["text"] for r in records[:2]] == ["FROM THE FIRST RUN"] * 2
    assert not partial.exists()


def test_output_never_overwrites_an_input(small_model, labeled_files, tmp_path):
    warc = tmp_path / "crawl.warc.gz"
    write_warc(warc, labeled_files[:1])
    result = run("clean", warc, "-o", warc, "--format", "jsonl", "--model", small_model)
    assert result.exit_code == 2 and "refusing to overwrite the input" in result.stderr
    page = tmp_path / "page.html"
    page.write_bytes(labeled_files[0].read_bytes())
    result = run("clean", page, "-o", page, "--format", "html", "--model", small_model)
    assert result.exit_code == 2 and "refusing to overwrite the input" in result.stderr


def test_warc_input_needs_jsonl_output(small_model, labeled_files, tmp_path):
    warc = tmp_path / "crawl.warc.gz"
    write_warc(warc, labeled_files[:1])
    result = run("clean", warc, "-o", tmp_path / "out", "--format", "text", "--model", small_model)
    assert result.exit_code == 2 and "written as JSON Lines" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def _segclf(*args) -> subprocess.Popen:
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "segclf", *map(str, args)],
        cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _wait_for_lines(path: Path, count: int, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if path.exists() and path.read_bytes().count(b"\n") >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"{path} never reached {count} lines: {process.poll()=}")


def test_interrupted_and_killed_runs_leave_no_half_output_and_resume(small_model, labeled_files, tmp_path):
    warc, out, partial = tmp_path / "crawl.warc.gz", tmp_path / "out.jsonl", tmp_path / "out.jsonl.partial"
    write_warc(warc, labeled_files[:24])
    args = ("clean", warc, "-o", out, "--model", small_model, "--single-page", "--batch-size", 2, "--jobs", 1)

    first = _segclf(*args)  # Ctrl-C after a few pages
    _wait_for_lines(partial, 4, first)
    first.send_signal(signal.SIGINT)
    _, stderr = first.communicate(timeout=60)
    assert first.returncode == 130 and "rerun with --resume" in stderr and "Traceback" not in stderr
    assert not out.exists()
    before = partial.read_text(encoding="utf-8")
    assert before.endswith("\n")

    second = _segclf(*args, "--resume")  # killed outright a few pages later
    _wait_for_lines(partial, before.count("\n") + 2, second)
    second.kill()
    second.communicate(timeout=60)
    assert not out.exists()
    assert partial.read_text(encoding="utf-8").startswith(before)  # nothing finished was redone

    third = _segclf(*args, "--resume")
    _, stderr = third.communicate(timeout=300)
    assert third.returncode == 0, stderr
    records = read_jsonl(out)
    assert len(records) == 24 and len({record["id"] for record in records}) == 24
    assert out.read_text(encoding="utf-8").startswith(before)
    assert not partial.exists()
