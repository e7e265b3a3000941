"""segclf: learn to clean web pages.

A page's DOM is split into blocks, each block gets features, and a trained classifier
labels it body, nav, error or ad. The public API:

    segclf.clean(html)       -> the page's main text
    segclf.segment(html)     -> every block with its label and probability
    segclf.load_model(path)  -> a model to pass to both
"""

from __future__ import annotations

__version__ = "0.1.0"

from pathlib import Path  # noqa: E402

from segclf.model import SegmentModel, load_model  # noqa: E402

__all__ = ["__version__", "clean", "segment", "load_model", "SegmentModel"]


def segment(
    html: str | bytes,
    model: SegmentModel | str | Path | None = None,
    encoding: str | None = None,
    site: str | None = None,
):
    """Label every block of a page; returns a list of LabeledBlock (text, label, probability)."""
    from segclf.blocks import segment_text
    from segclf.extract import label_page, resolve_model
    from segclf.pages import page_from_bytes

    if isinstance(html, bytes):
        page = page_from_bytes(html, encoding_hint=encoding, site=site)
    else:
        page = segment_text(html, site=site)
    return label_page(page, resolve_model(model)).blocks


def clean(
    html: str | bytes,
    model: SegmentModel | str | Path | None = None,
    keep: tuple[str, ...] = ("body",),
    output_format: str = "text",
    encoding: str | None = None,
) -> str:
    """The page's text with only the kept labels (body by default)."""
    from segclf.blocks import segment_text
    from segclf.extract import label_page, resolve_model
    from segclf.pages import page_from_bytes
    from segclf.render import render

    page = page_from_bytes(html, encoding_hint=encoding) if isinstance(html, bytes) else segment_text(html)
    return render(label_page(page, resolve_model(model)), output_format, keep)
