"""The Python API: segclf.clean and segclf.segment."""

import segclf


def test_clean_and_segment_with_a_model(small_model, sample_files):
    html = sample_files[0].read_bytes()
    blocks = segclf.segment(html, model=small_model)
    assert blocks and all(b.label in ("body", "nav", "error", "ad") for b in blocks)
    text = segclf.clean(html, model=small_model)
    assert text == "\n".join(b.text for b in blocks if b.label == "body")


def test_clean_accepts_text_and_bytes_with_an_outside_charset(small_model):
    html = "<html><body><p>" + "Новости дня. " * 30 + "</p></body></html>"
    from_bytes = segclf.clean(html.encode("cp1251"), model=small_model, encoding="windows-1251")
    assert from_bytes == segclf.clean(html, model=small_model)


def test_importing_segclf_leaves_scikit_learn_unloaded_until_a_model_is_needed():
    """`segclf --help`, decoding and splitting should not pay scikit-learn's import (about
    a second here); it loads with the first model."""
    import subprocess
    import sys

    code = "import sys, segclf, segclf.cli, segclf.words, segclf.model; print('sklearn' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
