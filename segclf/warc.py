"""WARC and ARC files -> a stream of `PageSource` records, one per HTML response.

warcio reads both formats, compressed per record or not. It stops at the first record it
cannot parse; a crawl's file should not be lost for one bad record, so after a failure the
reader looks for the next record start (the next gzip member, or the next `WARC/` header
line) and goes on from there. The damaged stretch is reported as a source with an error:
where it starts, how many bytes were skipped, and whether the rest of the file was lost.
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterator
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator

from segclf.pages import DEFAULT_MAX_BYTES
from segclf.sources import PageSource

HTML_TYPES = ("text/html", "application/xhtml+xml")
# A response with no Content-Type is taken as HTML when its first bytes say so.
SNIFF_BYTES = 1024
_HTML_START = re.compile(rb"<!doctype\s+html|<html|<head|<body", re.IGNORECASE)
_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.IGNORECASE)
# Where a record can start after a damaged stretch: a gzip member (compressed files), or a
# WARC header line or an ARC URL line at the start of a line (uncompressed files).
# Each pattern comes with the number of bytes before the record's first byte.
GZIP_RECORD_STARTS = ((b"\x1f\x8b\x08", 0),)
PLAIN_RECORD_STARTS = ((b"\nWARC/1.", 1), (b"\nWARC/0.", 1), (b"\n\nhttp://", 2), (b"\n\nhttps://", 2))
SCAN_CHUNK_BYTES = 1 << 20


class _QuietIterator(ArchiveIterator):
    # warcio writes a warning to stderr for a record whose length looks wrong; segclf
    # reports damage itself, as one line per damaged stretch.
    INC_RECORD = ""


def warc_sources(
    path: Path, max_bytes: int = DEFAULT_MAX_BYTES, skip: Container[str] = frozenset()
) -> Iterator[PageSource]:
    """Every HTML response in a WARC/ARC file, and a source with an error per damaged stretch.

    `skip` holds keys already done (a resumed run): their bodies are not read.
    """
    name = str(path)
    size = path.stat().st_size
    with path.open("rb") as stream:
        compressed = stream.read(2) == b"\x1f\x8b"
        position = 0
        while position is not None:
            stream.seek(position)
            iterator = _QuietIterator(stream, check_digests=True)
            try:
                for record in iterator:
                    source = _source_of(record, iterator, name, max_bytes, skip)
                    if source is not None:
                        yield source
                if iterator.offset >= size:
                    return
                # warcio ends quietly on a record cut short (a truncated download).
                reason = "the record is cut short"
            except Exception as exc:  # warcio: ArchiveLoadFailed, zlib.error, a short read, ...
                reason = _one_line(exc)
            # warcio's offset: where the record being read starts (it moves between records).
            damaged_at = iterator.offset
            resume_at = _next_record_start(stream, damaged_at + 1, compressed)
            if resume_at is None:
                lost = f"the rest of the file ({size - damaged_at:,} bytes) is lost"
            else:
                lost = f"skipped {resume_at - damaged_at:,} bytes to the next record"
            yield _damage(name, damaged_at, f"{reason}; {lost}")
            position = resume_at


def _source_of(record, iterator: ArchiveIterator, name: str, max_bytes: int, skip: Container[str]) -> PageSource | None:
    """The record as a source if it is an HTML response (None for anything else)."""
    # warcio's reading of a gzip member cut short: no record type at all, or an empty one when
    # the few bytes that decompress end inside the first header line.
    if not record.rec_type:
        return _damage(name, iterator.offset, "no record header: the record is cut short")
    if record.rec_type != "response" or record.http_headers is None:
        return None
    if record.format == "arc":
        url = record.rec_headers.get_header("uri") or ""
        record_id = None
    else:
        url = record.rec_headers.get_header("WARC-Target-URI") or ""
        record_id = record.rec_headers.get_header("WARC-Record-ID")
    if record_id is not None and record_id in skip:
        return None
    content_type = record.http_headers.get_header("Content-Type") or ""
    mime = content_type.split(";")[0].strip().lower()
    if mime and mime not in HTML_TYPES:
        return None
    offset = iterator.offset
    key = record_id or f"{name}@{offset}"
    if key in skip:
        return None
    body = record.content_stream().read(max_bytes + 1 if max_bytes else -1)
    if not mime and not _HTML_START.search(body[:SNIFF_BYTES]):
        return None
    label = f"{name}: {url}"
    common = {
        "key": key,
        "name": label,
        "url": url,
        "record_id": record_id,
        "status": _status(record),
        "archive": name,
        "offset": offset,
    }
    if max_bytes and len(body) > max_bytes:
        too_big = f"{label}: the body is over the limit of {max_bytes:,} bytes (see --max-bytes)"
        return PageSource(**common, error=too_big)
    iterator.read_to_end()  # the digest is checked once the whole record is read
    if record.digest_checker.passed is False:
        problem = "; ".join(record.digest_checker.problems)
        return PageSource(**common, error=f"{label}: damaged record ({problem})")
    match = _CHARSET.search(content_type)
    return PageSource(
        **common,
        data=body,
        encoding_hint=match.group(1) if match else None,
        site_hint=_host(url),
    )


def _damage(name: str, offset: int, reason: str) -> PageSource:
    """A damaged stretch of an archive, as a source that fails with one line."""
    where = f"{name}@{offset}"
    error = f"{name}: corrupt record at byte {offset:,} ({reason})"
    return PageSource(key=where, name=where, archive=name, offset=offset, error=error)


def _status(record) -> int | None:
    try:
        return int(record.http_headers.get_statuscode())
    except (TypeError, ValueError):
        return None


def _host(url: str) -> str | None:
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return host.lower().removeprefix("www.") if host else None


def _next_record_start(stream: BinaryIO, start: int, compressed: bool) -> int | None:
    """The byte offset of the next place a record can start, at or after `start`."""
    patterns = GZIP_RECORD_STARTS if compressed else PLAIN_RECORD_STARTS
    overlap = max(len(pattern) for pattern, _ in patterns)
    stream.seek(start)
    window_start, window = start, b""
    while True:
        chunk = stream.read(SCAN_CHUNK_BYTES)
        if not chunk:
            return None
        window += chunk
        hits = [window.find(pattern) + lead for pattern, lead in patterns if pattern in window]
        if hits:
            return window_start + min(hits)
        keep = min(overlap, len(window))
        window_start += len(window) - keep
        window = window[len(window) - keep :]


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    text = text.encode("ascii", "backslashreplace").decode("ascii")
    return f"{type(exc).__name__}: {text[:120]}" if text else type(exc).__name__
