"""Small WARC files for the tests, written with warcio from the project's labeled pages."""

from __future__ import annotations

import io
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter


def write_warc(
    path: Path,
    pages: list[Path],
    gzip: bool = True,
    content_type: str = "text/html; charset=utf-8",
    extras: bool = False,
) -> list[int]:
    """A response record per page (URL http://<stem>.example/<name>); returns each record's
    start offset and, last, the file's size. `extras` adds records that are not HTML
    responses (a request, an image, a warcinfo) that the reader must skip."""
    offsets = []
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=gzip)
        if extras:
            writer.write_record(writer.create_warcinfo_record(path.name, {"software": "segclf tests"}))
        for page in pages:
            url = f"http://{page.stem}.example/{page.name}"
            headers = StatusAndHeaders("200 OK", [("Content-Type", content_type)], protocol="HTTP/1.1")
            offsets.append(handle.tell())
            writer.write_record(
                writer.create_warc_record(url, "response", payload=io.BytesIO(page.read_bytes()), http_headers=headers)
            )
            if extras:
                request = StatusAndHeaders("GET / HTTP/1.1", [("Host", f"{page.stem}.example")], is_http_request=True)
                writer.write_record(
                    writer.create_warc_record(url, "request", payload=io.BytesIO(b""), http_headers=request)
                )
                image = StatusAndHeaders("200 OK", [("Content-Type", "image/png")], protocol="HTTP/1.1")
                png = io.BytesIO(b"\x89PNG\r\n\x1a\n")
                record = writer.create_warc_record(url + ".png", "response", payload=png, http_headers=image)
                writer.write_record(record)
        offsets.append(handle.tell())
    return offsets


def corrupt(path: Path, start: int, end: int) -> None:
    """Overwrite the middle of the stretch [start, end) with junk, as a bad disk block would."""
    data = bytearray(path.read_bytes())
    middle = (start + end) // 2
    data[middle : middle + 64] = bytes(byte ^ 0x5A for byte in data[middle : middle + 64])
    path.write_bytes(bytes(data))
