"""Where pages come from: files and folders -> a stream of `PageSource` records.

A batch works on sources, not on pages: a source is small (a path, or a WARC record's
bytes), can be sent to another process, and carries what is known about the page from
outside (URL, HTTP status, charset) plus the key that a resumed run skips.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from segclf.pages import find_html_files

# File names read as web archives (WARC or the older ARC), compressed or not.
ARCHIVE_SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")


@dataclass(frozen=True)
class PageSource:
    """One page to clean: its bytes (or the file that holds them) and what is known of it."""

    key: str  # unique within a run: a resumed run skips the keys already written
    name: str  # what messages call it: a path, or an archive and a URL
    path: Path | None = None  # read when the page is cleaned (in the worker), if data is None
    data: bytes | None = None
    url: str | None = None
    record_id: str | None = None
    status: int | None = None
    encoding_hint: str | None = None  # charset from outside the page (HTTP Content-Type)
    site_hint: str | None = None  # the site when the page names none itself (the URL's host)
    archive: str | None = None  # the WARC/ARC file the record came from
    offset: int | None = None  # the record's byte offset in that file
    error: str | None = None  # the source itself is broken (a corrupt WARC record): one line


def is_archive(path: Path) -> bool:
    return path.is_file() and path.name.lower().endswith(ARCHIVE_SUFFIXES)


def file_sources(paths: Iterable[Path], encoding_hint: str | None = None) -> Iterator[PageSource]:
    """A source per HTML file named or found below a named folder, in a stable order."""
    for path in find_html_files(list(paths)):
        yield PageSource(key=str(path), name=str(path), path=path, encoding_hint=encoding_hint)
