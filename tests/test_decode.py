"""Stage 1: bytes -> text. Every charset named in the spec must decode right."""

import codecs

import pytest

from segclf.decode import declared_encoding, decode_html, normalize_encoding

ZH = "衢州主动对接央企 助推主导产业高端发展"


def page(body: str, charset: str | None) -> str:
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">' if charset else ""
    return f"<html><head>{meta}<title>t</title></head><body><p>{body}</p></body></html>"


@pytest.mark.parametrize(
    "text, charset",
    [
        (ZH, "gb2312"),
        (ZH, "gbk"),
        ("臺灣新聞 繁體中文測試頁面", "big5"),
        ("東京都の天気予報 今日は晴れ", "shift_jis"),
        ("Привет, мир! Новости дня", "windows-1251"),
        ("Größenänderung für Café", "iso-8859-1"),
    ],
)
def test_declared_charset_decodes(text, charset):
    decoded = decode_html(page(text, charset).encode(charset))
    assert text in decoded.text
    assert decoded.source == "meta"


def test_gbk_page_without_declaration_is_detected():
    text = "浙江在线09月18日讯 昨日，衢州市委书记率市有关部门负责人赴京，与中国通用技术集团进行对接。" * 3
    decoded = decode_html(page(text, None).encode("gbk"))
    assert text in decoded.text


def test_hint_from_outside_the_page_wins_over_meta():
    data = page("Москва", "iso-8859-1").encode("cp1251")
    assert "Москва" in decode_html(data, encoding_hint="windows-1251").text


def test_utf8_bytes_declared_as_gbk_decode_as_utf8():
    decoded = decode_html(page(ZH, "gbk").encode("utf-8"))
    assert ZH in decoded.text


def test_bom_decides():
    data = codecs.BOM_UTF8 + page("café", "iso-8859-1").encode("utf-8")
    assert "café" in decode_html(data).text


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom(codec):
    assert "Hello wörld" in decode_html(page("Hello wörld", None).encode(codec)).text


def test_broken_bytes_never_raise():
    decoded = decode_html(b"<p>\xff\xfe\x00garbage\x81\x8d</p>" * 10)
    assert isinstance(decoded.text, str)


def test_encoding_names_map_to_supersets():
    assert normalize_encoding("GB2312") == "gb18030"
    assert normalize_encoding("ISO-8859-1") == "cp1252"
    assert normalize_encoding("no-such-charset") is None
    assert declared_encoding(b'<meta charset="Shift_JIS">') == "cp932"


def test_short_latin1_page_without_declaration_reads_as_western_european():
    # charset_normalizer scores cp1250 and cp1252 the same on so few bytes; cp1250 made "crčme".
    text = "<p>Café crème brûlée à la française, déjà vu.</p>"
    decoded = decode_html(text.encode("latin-1"))
    assert decoded.text == text
    assert decoded.encoding == "cp1252"


def test_short_central_european_page_keeps_its_charset():
    text = "<p>Zażółć gęślą jaźń, mówię.</p>"
    assert decode_html(text.encode("cp1250")).text == text
