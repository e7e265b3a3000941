"""One page file <-> its blocks and labels, written back in the page's own charset.

The labeling tool rewrites a page every time a label changes, so a write must keep what
the person gave it: the page's text, its charset and its markup, with only `data-segclf`
marks and the segclf metas added. Marks are rebuilt on every write (old ones removed,
each block's owner marked by `segclf.labeled.mark_labels`, then marks that only repeat
what an ancestor says dropped), so the file stays as small as a hand-labeled one and
reads back with exactly the labels meant for it.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from lxml import etree

from segclf.blocks import LABEL_ATTRIBUTE, SKIPPED_TAGS, Block, Page, find_site, find_title, parse_html, split_blocks
from segclf.decode import declared_label, decode_html, normalize_encoding
from segclf.labeled import LABELS, labeled_from_page, mark_labels, set_page_meta
from segclf.labeltool.dom import unwrap
from segclf.pages import PageError, binary_kind

# Review state kept in the page itself: "draft" while the tool autosaves, "done" once the
# person pressed save. A draft is a complete labeled page; the state says nobody confirmed it.
REVIEW_META = "segclf-review"
REVIEW_STATES = ("draft", "done")
SITE_META = "segclf-site"

# Longest first: a UTF-32-LE mark starts with the UTF-16-LE one.
_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# Python codec -> a charset label browsers and segclf.decode both read as that codec.
_CHARSET_LABELS = {
    "utf-8": "utf-8",
    "gb18030": "gb18030",
    "gbk": "gbk",
    "big5hkscs": "big5-hkscs",
    "cp932": "shift_jis",
    "cp949": "euc-kr",
    "euc_jp": "euc-jp",
    "koi8-r": "koi8-r",
    "koi8-u": "koi8-u",
    "cp874": "windows-874",
    "mac-roman": "macintosh",
}


@dataclass
class LabelFile:
    """A page opened for labeling: its decoded text, its blocks and the labels it carries."""

    name: str
    text: str  # the decoded HTML that labels are written into
    encoding: str  # the codec the file's bytes decode with
    write_codec: str  # the codec writes use: the one the page declares, if it is right
    bom: bytes  # a byte-order mark the file started with (written back)
    charset_declared: bool  # the page declares the charset its bytes are really in
    page: Page
    gold: list[str | None]  # labels marked in the file (None: no mark covers the block)
    review: str | None  # REVIEW_META of the file: None, "draft" or "done"

    @property
    def blocks(self) -> list[Block]:
        return self.page.blocks

    @property
    def is_labeled(self) -> bool:
        return any(label is not None for label in self.gold)


def open_label_file(data: bytes, name: str = "", site: str | None = None) -> LabelFile:
    """Decode and split a page (labeled or not); `site` is used when the page names none."""
    kind = binary_kind(data)
    if kind is not None:
        raise PageError(f"{name or 'page'}: not HTML: the bytes are {kind}")
    decoded = decode_html(data)
    root = parse_html(decoded.text)
    bom = next((mark for mark in _BOMS if data.startswith(mark)), b"") if decoded.source == "bom" else b""
    blocks = split_blocks(root)
    page = Page(
        blocks=blocks,
        encoding=decoded.encoding,
        site=find_site(root) or site,
        name=name,
        title=find_title(root),
    )
    gold = labeled_from_page(page).labels
    label = declared_label(data)
    declared = decoded.source == "bom" or normalize_encoding(label) == decoded.encoding
    return LabelFile(
        name=name,
        text=decoded.text,
        encoding=decoded.encoding,
        # A page that says gbk is read as its superset gb18030 but written as gbk: characters
        # outside gbk become character references, which every reader understands.
        write_codec=_codec(label) if declared and label and decoded.source != "bom" else decoded.encoding,
        bom=bom,
        charset_declared=declared,
        page=page,
        gold=gold,
        review=_meta_content(root, REVIEW_META),
    )


def _codec(label: str) -> str:
    return codecs.lookup(label.strip().strip("\"'").lower()).name


def _meta_content(root, name: str) -> str | None:
    if root is None:
        return None
    for meta in root.iter("meta"):
        if (meta.get("name") or "").lower() == name:
            return meta.get("content")
    return None


def clear_marks(root) -> None:
    """Remove every label mark; spans that only carried a mark are unwrapped (text kept)."""
    for element in list(root.iter()):
        if isinstance(element.tag, str):
            _unmark(element)


def tidy_marks(root) -> None:
    """Move marks up to the highest element whose visible text all has one label, and drop
    marks that repeat an ancestor's: `div.content` marked body rather than each of its
    paragraphs, as a person would write it. No text changes label."""
    elements = [element for element in root.iter() if isinstance(element.tag, str)]
    effective: dict = {}
    hidden: dict = {}
    for element in elements:  # document order: parents first
        parent = element.getparent()
        effective[element] = element.get(LABEL_ATTRIBUTE) or (effective.get(parent) if parent is not None else None)
        hidden[element] = element.tag in SKIPPED_TAGS or bool(parent is not None and hidden.get(parent))
    under: dict = {element: set() for element in elements}
    for element in reversed(elements):  # children first
        if hidden[element]:
            continue
        if element.text and element.text.strip():
            under[element].add(effective[element])
        parent = element.getparent()
        if parent is not None and parent in under:
            under[parent] |= under[element]
            if element.tail and element.tail.strip():
                under[parent].add(effective[parent])
    for element in elements:
        if hidden[element]:
            continue
        labels = under[element]
        parent = element.getparent()
        parent_uniform = parent is not None and parent in under and len(under[parent]) == 1 and not hidden[parent]
        if len(labels) == 1 and not parent_uniform:
            element.set(LABEL_ATTRIBUTE, next(iter(labels)))
        elif len(labels) == 1:
            _unmark(element)
    for element in elements:
        label = element.get(LABEL_ATTRIBUTE)
        if label is not None and label == _inherited(element):
            _unmark(element)


def _inherited(element) -> str | None:
    for ancestor in element.iterancestors():
        label = ancestor.get(LABEL_ATTRIBUTE)
        if label is not None:
            return label
    return None


def _unmark(element) -> None:
    if element.get(LABEL_ATTRIBUTE) is None:
        return
    del element.attrib[LABEL_ATTRIBUTE]
    if element.tag == "span" and not element.attrib:
        unwrap(element)  # a span segclf added only to carry the mark


def labeled_bytes(label_file: LabelFile, labels: list[str], site: str | None, review: str) -> bytes:
    """The page with `labels` written in, in the page's charset, ready to save.

    Raises ValueError when the labels do not fit the page or do not read back exactly.
    """
    if len(labels) != len(label_file.blocks):
        raise ValueError(f"{label_file.name}: {len(labels)} labels for {len(label_file.blocks)} blocks")
    unknown = sorted({label for label in labels if label not in LABELS})
    if unknown:
        raise ValueError(f"unknown labels {unknown} (use {', '.join(LABELS)})")
    if review not in REVIEW_STATES:
        raise ValueError(f"review state is one of {REVIEW_STATES}, not {review!r}")
    root = parse_html(label_file.text)
    clear_marks(root)
    blocks = split_blocks(root, keep_sources=True)
    if [block.text for block in blocks] != [block.text for block in label_file.blocks]:
        raise ValueError(f"{label_file.name}: the page splits differently on rewrite; labels not written")
    body = root.find("body")
    if body is not None:
        # The page's default, as docs/labeling.md asks: nav, unless the page has no nav at all.
        body.set(LABEL_ATTRIBUTE, "nav" if "nav" in labels else max(LABELS, key=labels.count))
    mark_labels(blocks, labels)
    tidy_marks(root)
    if site and not find_site(root):
        set_page_meta(root, SITE_META, site)
    set_page_meta(root, REVIEW_META, review)
    data = _serialize(root, label_file)
    written = open_label_file(data, label_file.name)
    if written.gold != list(labels):
        raise ValueError(f"{label_file.name}: the written page does not read back with the labels given")
    return data


def _serialize(root, label_file: LabelFile) -> bytes:
    encoding = label_file.write_codec
    label = charset_label(encoding)
    if not label_file.charset_declared:
        if label is None:  # no label every reader agrees on: fall back to UTF-8
            encoding, label = "utf-8", "utf-8"
        _declare_charset(root, label)
    doctype = root.getroottree().docinfo.doctype
    text = etree.tostring(root, encoding="unicode", method="html")
    text = (doctype + "\n" if doctype else "") + text + "\n"
    return label_file.bom + text.encode(encoding, errors="xmlcharrefreplace")


def charset_label(codec: str) -> str | None:
    """A charset label that segclf.decode maps back to `codec` (None: none known)."""
    name = codecs.lookup(codec).name
    label = _CHARSET_LABELS.get(name)
    if label is None:
        match = re.fullmatch(r"cp(125\d)", name) or re.fullmatch(r"iso8859-(\d+)", name)
        if match:
            label = ("windows-" if name.startswith("cp") else "iso-8859-") + match.group(1)
    if label is None or normalize_encoding(label) != name:
        return None
    return label


def _declare_charset(root, label: str) -> None:
    """Replace the page's charset declarations with one that tells the truth, first in <head>."""
    for meta in list(root.iter("meta")):
        if meta.get("charset") is not None or (meta.get("http-equiv") or "").lower() == "content-type":
            meta.getparent().remove(meta)
    head = root.find("head")
    if head is None:
        head = etree.Element("head")
        root.insert(0, head)
    meta = etree.Element("meta")
    meta.set("charset", label)
    head.insert(0, meta)
