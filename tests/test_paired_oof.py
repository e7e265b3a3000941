"""benchmarks/paired_oof.py: two out-of-fold runs compared page by page."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "paired_oof.py"
_spec = importlib.util.spec_from_file_location("paired_oof", SCRIPT)
paired_oof = sys.modules["paired_oof"] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(paired_oof)


def write_run(path: Path, scores: dict[str, tuple[str, float]]) -> Path:
    with path.open("w") as out:
        for page, (corpus, f1) in scores.items():
            out.write(json.dumps({"corpus": corpus, "path": page, "fold": 1, "f1": {"None": f1, "0.65": f1}}) + "\n")
        out.write("\n")  # a blank line is no record
    return path


def test_pages_are_paired_and_grouped_by_corpus_and_copies(tmp_path):
    baseline = write_run(tmp_path / "a.jsonl", {
        "a/1": ("dragnet", 0.8), "a/2": ("dragnet", 0.6), "b/1": ("zh_cwced", 1.0),
        "c/1": ("augmented copies", 0.5), "only-here": ("dragnet", 0.0),
    })
    candidate = write_run(tmp_path / "b.jsonl", {
        "a/1": ("dragnet", 0.9), "a/2": ("dragnet", 0.8), "b/1": ("zh_cwced", 0.7),
        "c/1": ("augmented copies", 0.6),
    })
    table = paired_oof.compare(paired_oof.read_pages(baseline), paired_oof.read_pages(candidate))
    groups = table["0.65"]
    assert set(groups) == {"original pages", "augmented copies", "dragnet", "zh_cwced"}
    assert groups["dragnet"].pages == 2 and groups["dragnet"].difference == pytest.approx(0.15)
    # the page only one run scored does not count; the copies are not original pages
    assert groups["original pages"].pages == 3
    assert groups["original pages"].difference == pytest.approx((0.1 + 0.2 - 0.3) / 3)
    # differences .1, .2, -.3: sample deviation sqrt(.14 / 2), over sqrt(3) pages
    assert groups["original pages"].standard_error == pytest.approx((0.07 / 3) ** 0.5)
    assert groups["augmented copies"].difference == pytest.approx(0.1)


def test_unreadable_file_is_one_line_and_exit_1(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n")
    run = subprocess.run([sys.executable, str(SCRIPT), str(bad), str(bad)], capture_output=True, text=True)
    assert run.returncode == 1
    assert run.stderr.startswith("error: cannot read") and run.stderr.count("\n") == 1


def test_runs_pair_up_whatever_their_build_folder_was_called(tmp_path):
    baseline = write_run(tmp_path / "a.jsonl", {
        "/work/main/build/base/corpora/dragnet/train/1.html": ("dragnet", 0.5),
        "/work/main/build/base/augmented/1.inc0.html": ("augmented copies", 0.5),
    })
    candidate = write_run(tmp_path / "b.jsonl", {
        "build/experiment/corpora/dragnet/train/1.html": ("dragnet", 0.7),
        "build/experiment/augmented/1.inc0.html": ("augmented copies", 0.9),
    })
    groups = paired_oof.compare(paired_oof.read_pages(baseline), paired_oof.read_pages(candidate))["0.65"]
    assert groups["dragnet"].pages == 1 and groups["dragnet"].difference == pytest.approx(0.2)
    assert groups["augmented copies"].difference == pytest.approx(0.4)
