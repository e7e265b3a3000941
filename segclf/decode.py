"""Bytes -> text: find the page's charset and decode it.

Order of evidence: a byte-order mark, then a charset known from outside the page
(HTTP header, WARC record, corpus hint), then the page's own ``<meta>`` declaration,
then a detector. A declared charset that the bytes contradict is not trusted: pages
that say ``utf-8`` and are GBK (or the reverse) are common in old crawls.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

# How many bytes of the page to scan for a <meta charset>; browsers use 1024,
# real pages put long <head>s first, so look further.
META_SCAN_BYTES = 16384
# Share of undecodable characters above which a declared charset is rejected.
MAX_REPLACEMENT_RATIO = 0.002
# The detector only needs a sample; detecting over megabytes is slow.
DETECTOR_SAMPLE_BYTES = 65536

_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,512}?charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.IGNORECASE
)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9_.\-]+)""")

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Labels that pages use for a narrower charset than the one their bytes really are in
# (the WHATWG Encoding Standard does the same): decoding with the superset never hurts.
_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "euc-cn": "gb18030",
    "cp936": "gb18030",
    "iso-8859-1": "cp1252",
    "latin-1": "cp1252",
    "latin1": "cp1252",
    "iso8859-1": "cp1252",
    "l1": "cp1252",
    "ascii": "cp1252",
    "us-ascii": "cp1252",
    "iso-8859-9": "cp1254",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ms_kanji": "cp932",
    "windows-31j": "cp932",
    "euc-kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "big5": "big5hkscs",
    "x-big5": "big5hkscs",
    "iso-8859-11": "cp874",
    "tis-620": "cp874",
    "utf8": "utf-8",
    "unicode": "utf-16",
}


@dataclass(frozen=True)
class Decoded:
    """A decoded page and how its charset was found."""

    text: str
    encoding: str
    source: str  # "bom", "hint", "meta", "utf-8", "detector" or "fallback"


def normalize_encoding(label: str | None) -> str | None:
    """Map a charset label to a Python codec name, or None if Python knows no such codec."""
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    name = _SUPERSETS.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def declared_label(data: bytes) -> str | None:
    """The charset label a page declares in an XML declaration or a <meta> tag, as written."""
    head = data[:META_SCAN_BYTES]
    match = _XML_DECL.match(head) or _META_CHARSET.search(head)
    return match.group(1).decode("ascii", "replace") if match else None


def declared_encoding(data: bytes) -> str | None:
    """The charset a page declares in an XML declaration or a <meta> tag, if any."""
    return normalize_encoding(declared_label(data))


def _bom_encoding(data: bytes) -> tuple[str, int] | None:
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name, len(bom)
    return None


def _looks_like_utf16(data: bytes) -> str | None:
    """UTF-16 without a BOM: ASCII markup leaves a NUL in every other byte."""
    sample = data[:4096]
    if len(sample) < 8:
        return None
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = len(sample) / 2
    if odd_nuls > 0.4 * half and even_nuls < 0.05 * half:
        return "utf-16-le"
    if even_nuls > 0.4 * half and odd_nuls < 0.05 * half:
        return "utf-16-be"
    return None


def _decodes_cleanly(data: bytes, encoding: str) -> str | None:
    """Decode, accepting a few stray bad bytes but not a wrong charset."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        pass
    except LookupError:
        return None
    text = data.decode(encoding, errors="replace")
    if text.count("\ufffd") <= MAX_REPLACEMENT_RATIO * max(len(text), 1):
        return text
    return None


def _is_utf8_with_non_ascii(data: bytes) -> bool:
    if data.isascii():
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# When the detector scores several charsets the same (a short page whose few non-ASCII
# bytes read as plausible letters in each), the one more pages on the web are in wins:
# a 49-byte French page (tests/test_decode.py) read as cp1250 turns "crème" into "crčme".
_WEB_PREVALENCE = ("cp1252", "gb18030", "cp932", "cp1251", "euc_jp", "cp949", "big5", "cp1250", "iso8859_2")


def _detect(data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data[:DETECTOR_SAMPLE_BYTES]))
    if not matches:
        return None
    best = matches[0]
    tied = {
        name
        for match in matches
        if (match.chaos, match.coherence) == (best.chaos, best.coherence)
        for name in match.could_be_from_charset  # charsets that decode the bytes the same
    }
    preferred = next((name for name in _WEB_PREVALENCE if name in tied), best.encoding)
    return normalize_encoding(preferred)


def decode_html(data: bytes, encoding_hint: str | None = None) -> Decoded:
    """Decode a page's bytes to text; never raises on bad bytes."""
    bom = _bom_encoding(data)
    if bom is not None:
        name, size = bom
        return Decoded(data[size:].decode(name, errors="replace"), name, "bom")

    utf16 = _looks_like_utf16(data)
    if utf16 is not None:
        return Decoded(data.decode(utf16, errors="replace"), utf16, "detector")

    if _is_utf8_with_non_ascii(data):
        # Valid multi-byte UTF-8 is almost never an accident, whatever the page or
        # its server claims; single-byte and GBK labels on UTF-8 bytes are common.
        return Decoded(data.decode("utf-8"), "utf-8", "utf-8")

    candidates: list[tuple[str | None, str]] = [
        (normalize_encoding(encoding_hint), "hint"),
        (declared_encoding(data), "meta"),
        ("utf-8", "utf-8"),
    ]
    for encoding, source in candidates:
        if encoding is None or encoding.startswith(("utf-16", "utf-32")):
            continue  # a UTF-16 label on bytes without NULs is a lie
        text = _decodes_cleanly(data, encoding)
        if text is not None:
            return Decoded(text, encoding, source)

    detected = _detect(data)
    if detected is not None:
        text = _decodes_cleanly(data, detected)
        if text is not None:
            return Decoded(text, detected, "detector")
    return Decoded(data.decode("cp1252", errors="replace"), "cp1252", "fallback")
