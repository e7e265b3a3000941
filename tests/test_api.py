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
