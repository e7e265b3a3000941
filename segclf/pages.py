"""Bytes or files -> Page: the entry to the pipeline (decode, then split)."""

from __future__ import annotations

from pathlib import Path

from segclf.blocks import Page, segment_text
from segclf.decode import decode_html

# Pages larger than this are refused rather than parsed: a crawler's 200 MB "page"
# is a video or a dump, and parsing it would stall a whole batch.
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
# Pages with more '<' characters than this are refused before parsing: splitting costs
# about 45 us a block (200,000 sibling elements: 9 s), so a million empty <p>s would stall a
# batch for a minute. Ten times the most markup-heavy page of the shared corpora (20,574).
DEFAULT_MAX_TAGS = 200_000
HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".shtml")


# Files that crawls save under .html but are not text: refuse them by their magic bytes
# rather than "clean" binary noise.
BINARY_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"\x1f\x8b", "gzip-compressed data (decompress it first)"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"\x28\xb5\x2f\xfd", "zstd-compressed data (decompress it first)"),
    (b"BZh", "bzip2-compressed data (decompress it first)"),
)


def binary_kind(data: bytes) -> str | None:
    """What a non-HTML file is, judged by its first bytes (None: could be text)."""
    head = data[:16]
    for signature, kind in BINARY_SIGNATURES:
        if head.startswith(signature):
            return kind
    return None


class PageError(ValueError):
    """A page that cannot be read; the message is one line, fit for a batch report."""


def page_from_bytes(
    data: bytes,
    name: str = "",
    encoding_hint: str | None = None,
    site: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_tags: int = DEFAULT_MAX_TAGS,
) -> Page:
    """Decode and split one page."""
    if max_bytes and len(data) > max_bytes:
        raise PageError(f"{name or 'page'}: {len(data):,} bytes is over the limit of {max_bytes:,} (see --max-bytes)")
    if max_tags and (tags := data.count(b"<")) > max_tags:
        raise PageError(f"{name or 'page'}: {tags:,} tags is over the limit of {max_tags:,} (see --max-tags)")
    kind = binary_kind(data)
    if kind is not None:
        raise PageError(f"{name or 'page'}: not HTML: the bytes are {kind}")
    decoded = decode_html(data, encoding_hint)
    return segment_text(decoded.text, name=name, encoding=decoded.encoding, site=site)


def read_page(
    path: Path, encoding_hint: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES, max_tags: int = DEFAULT_MAX_TAGS
) -> Page:
    """Read and split one page file."""
    try:
        size = path.stat().st_size
        if max_bytes and size > max_bytes:
            raise PageError(f"{path}: {size:,} bytes is over the limit of {max_bytes:,} (see --max-bytes)")
        data = path.read_bytes()
    except OSError as exc:
        raise PageError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    return page_from_bytes(data, name=str(path), encoding_hint=encoding_hint, max_bytes=max_bytes, max_tags=max_tags)


def find_html_files(inputs: list[Path]) -> list[Path]:
    """Files named directly, plus every HTML file below named folders, in a stable order."""
    found: list[Path] = []
    for item in inputs:
        if item.is_dir():
            found.extend(
                sorted(p for p in item.rglob("*") if p.is_file() and p.suffix.lower() in HTML_SUFFIXES)
            )
        else:
            found.append(item)
    return found
