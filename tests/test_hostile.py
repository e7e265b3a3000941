"""Hostile input: every case gives a result or a one-line error, in bounded time, never a traceback."""

import gzip
import struct
import time
import zlib

import pytest
from typer.testing import CliRunner

from segclf.blocks import segment_text
from segclf.cli import app
from segclf.pages import PageError, page_from_bytes


def png_bytes() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    "data, kind",
    [
        (png_bytes(), "PNG"),
        (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "PDF"),
        (gzip.compress(b"<html><body><p>hi</p></body></html>"), "gzip"),
    ],
)
def test_binary_files_named_html_are_refused_by_name(data, kind):
    with pytest.raises(PageError, match=kind):
        page_from_bytes(data, name="x.html")


@pytest.mark.parametrize("data", [b"", b"   \n\t  ", b"\x00\x00\x00", b"<script>var a = 1;</script>", b"<html></html>"])
def test_pages_without_text_give_no_blocks(data):
    assert page_from_bytes(data).blocks == []


def test_deep_nesting_is_bounded():
    html = "<div>" * 100_000 + "deep text" + "</div>" * 100_000
    started = time.perf_counter()
    page = segment_text(html)
    assert time.perf_counter() - started < 30
    assert isinstance(page.blocks, list)


def test_many_siblings():
    html = "<body>" + "<p>x</p>" * 200_000 + "</body>"
    started = time.perf_counter()
    page = segment_text(html)
    assert len(page.blocks) == 200_000
    assert time.perf_counter() - started < 60


def test_frameset_page_keeps_its_noframes_text():
    html = "<html><frameset cols='50%,50%'><frame src='a.html'><noframes><p>Your browser does not support frames.</p></noframes></frameset></html>"
    assert isinstance(segment_text(html).blocks, list)


def test_mixed_encodings_decode_without_error():
    data = "<p>café</p>".encode("utf-8") + "<p>Größe</p>".encode("latin-1") + "<p>中文</p>".encode("gbk")
    page = page_from_bytes(data)
    assert page.blocks


def test_cli_reports_binary_input_in_one_line(tmp_path):
    path = tmp_path / "image.html"
    path.write_bytes(png_bytes())
    result = CliRunner().invoke(app, ["clean", str(path)])
    assert result.exit_code == 1
    assert "not HTML: the bytes are a PNG image" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
