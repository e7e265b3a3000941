"""WARC/ARC files -> page sources: HTML responses only, with URL, id, status and charset;
a damaged record is reported and the records after it are still read."""

import gzip
import zlib

import pytest
from warc_files import corrupt, write_warc

from segclf.warc import warc_sources


@pytest.fixture
def pages(labeled_files):
    return labeled_files[:5]


def test_html_responses_become_sources_with_url_id_status_and_charset(pages, tmp_path):
    path = tmp_path / "crawl.warc.gz"
    write_warc(path, pages, content_type="text/html; charset=GBK", extras=True)
    sources = list(warc_sources(path))
    assert [source.url for source in sources] == [f"http://{page.stem}.example/{page.name}" for page in pages]
    first = sources[0]
    assert first.error is None
    assert first.record_id.startswith("<urn:uuid:") and first.key == first.record_id
    assert first.status == 200
    assert first.encoding_hint == "GBK"
    assert first.site_hint == f"{pages[0].stem}.example"
    assert first.data == pages[0].read_bytes()
    assert first.archive == str(path) and first.offset is not None


def test_a_response_without_content_type_is_taken_when_it_looks_like_html(pages, tmp_path):
    path = tmp_path / "crawl.warc"
    write_warc(path, pages[:2], gzip=False, content_type="")
    assert len(list(warc_sources(path))) == 2


def test_corrupt_record_in_the_middle_of_a_gzipped_warc_is_reported_and_the_rest_is_read(pages, tmp_path):
    path = tmp_path / "crawl.warc.gz"
    offsets = write_warc(path, pages)
    corrupt(path, offsets[2], offsets[3])
    sources = list(warc_sources(path))
    failed = [source for source in sources if source.error]
    assert len(failed) == 1
    assert f"corrupt record at byte {offsets[2]:,}" in failed[0].error
    assert "skipped" in failed[0].error and "\n" not in failed[0].error
    read = [source.url for source in sources if not source.error]
    assert read == [f"http://{page.stem}.example/{page.name}" for i, page in enumerate(pages) if i != 2]


def test_damaged_body_in_an_uncompressed_warc_fails_its_digest(pages, tmp_path):
    path = tmp_path / "crawl.warc"
    offsets = write_warc(path, pages, gzip=False)
    corrupt(path, offsets[1] + 600, offsets[2])  # inside the page, past the headers
    sources = list(warc_sources(path))
    assert [bool(source.error) for source in sources] == [False, True, False, False, False]
    assert "digest failed" in sources[1].error


def test_truncated_warc_says_what_was_lost(pages, tmp_path):
    path = tmp_path / "crawl.warc"
    offsets = write_warc(path, pages, gzip=False)
    path.write_bytes(path.read_bytes()[: offsets[4] + 100])  # the last record cut short
    sources = list(warc_sources(path))
    assert [bool(source.error) for source in sources] == [False, False, False, False, True]
    assert "the rest of the file (100 bytes) is lost" in sources[-1].error


def test_truncated_gzip_member_is_reported(pages, tmp_path):
    path = tmp_path / "crawl.warc.gz"
    offsets = write_warc(path, pages)
    path.write_bytes(path.read_bytes()[: offsets[4] + 100])
    sources = list(warc_sources(path))
    assert [bool(source.error) for source in sources] == [False, False, False, False, True]
    assert "cut short" in sources[-1].error


def test_a_gzip_member_cut_inside_its_first_header_is_reported(pages, tmp_path):
    # A download cut a few bytes into a member: what decompresses ends at "WARC-Type:".
    path = tmp_path / "crawl.warc.gz"
    write_warc(path, pages[:4])
    member = zlib.compressobj(wbits=31)
    cut_member = member.compress(b"WARC/1.0\r\nWARC-Type: response\r\n"[:20]) + member.flush(zlib.Z_SYNC_FLUSH)
    path.write_bytes(path.read_bytes() + cut_member)
    sources = list(warc_sources(path))
    assert [bool(source.error) for source in sources] == [False, False, False, False, True]
    assert "cut short" in sources[-1].error


def test_record_over_the_size_limit_is_refused_without_reading_it_all(pages, tmp_path):
    path = tmp_path / "crawl.warc.gz"
    write_warc(path, pages[:2])
    sources = list(warc_sources(path, max_bytes=1000))
    assert all("over the limit of 1,000 bytes" in source.error for source in sources)


def test_skip_leaves_out_records_already_done(pages, tmp_path):
    path = tmp_path / "crawl.warc.gz"
    write_warc(path, pages)
    done = {source.key for source in list(warc_sources(path))[:3]}
    assert len(list(warc_sources(path, skip=done))) == 2


def _arc_record(url: str, body: bytes) -> bytes:
    http = b"HTTP/1.0 404 Not Found\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + body
    return f"{url} 10.0.0.1 20240101120000 text/html {len(http)}\n".encode() + http + b"\n"


@pytest.mark.parametrize("compressed", [False, True])
def test_arc_files_are_read_too(pages, tmp_path, compressed):
    version = b"1 0 segclf tests\nURL IP-address Archive-date Content-type Archive-length\n"
    header = f"filedesc://crawl.arc 0.0.0.0 20240101120000 text/plain {len(version)}\n".encode() + version + b"\n"
    records = [header] + [_arc_record(f"http://arc.example/{page.name}", page.read_bytes()) for page in pages[:2]]
    path = tmp_path / ("crawl.arc.gz" if compressed else "crawl.arc")
    path.write_bytes(b"".join(gzip.compress(record) for record in records) if compressed else b"".join(records))
    sources = list(warc_sources(path))
    assert [source.url for source in sources] == [f"http://arc.example/{page.name}" for page in pages[:2]]
    assert sources[0].status == 404 and sources[0].record_id is None
    assert sources[0].key == f"{path}@{sources[0].offset}"
    assert sources[0].data == pages[0].read_bytes()
