"""A page as the labeling tool shows it: blocks findable from the DOM, the page's code gone.

The browser renders the page's own HTML and CSS, so a person sees the page as it looks.
Every block's text is wrapped in a `<segclf-t data-b=N>` element (an unknown tag: inline,
and no page stylesheet targets it), and an owner element that holds exactly one block
carries `data-segclf-block=N`, so the tool can outline whole boxes. The page's scripts,
event handlers, refreshes and frames are removed: the page's code must not run inside a
tool that writes files (the server also forbids scripts in the view with a CSP header).
"""

from __future__ import annotations

from lxml import etree

from segclf.blocks import parse_html, split_blocks
from segclf.labeltool.dom import remove_keeping_tail
from segclf.labeltool.labelfile import LabelFile

PIECE_TAG = "segclf-t"
BLOCK_ATTRIBUTE = "data-segclf-block"
PIECE_ATTRIBUTE = "data-b"
# Elements whose content is code or another document, never text the tool shows.
REMOVED_TAGS = ("script", "noscript", "template", "object", "embed", "applet", "base")
URL_ATTRIBUTES = ("href", "src", "action", "formaction", "data", "poster", "background")
# Elements whose content the browser reads as plain text: markup put inside would show.
TEXT_ONLY_TAGS = ("title", "textarea")
# Owners this big are outlined through their text pieces instead: a box around the whole page says nothing.
WHOLE_PAGE_TAGS = ("html", "body")


def view_html(label_file: LabelFile, asset_base: str, stylesheet: str) -> str:
    """The page, annotated and defused, as UTF-8 HTML text.

    `asset_base` is where the page's relative URLs (its CSS, images) are served from;
    `stylesheet` is the tool's CSS for the outlines.
    """
    root = parse_html(label_file.text)
    if root is None:
        return "<!DOCTYPE html><html><body></body></html>"
    blocks = split_blocks(root, keep_sources=True)
    if len(blocks) != len(label_file.blocks):
        raise ValueError(f"{label_file.name}: the page splits differently for display")
    blocks_per_owner: dict[int, int] = {}
    for block in blocks:
        blocks_per_owner[id(block.owner)] = blocks_per_owner.get(id(block.owner), 0) + 1
    for index, block in enumerate(blocks):
        owner = block.owner
        if blocks_per_owner[id(owner)] == 1 and owner.tag not in WHOLE_PAGE_TAGS:
            owner.set(BLOCK_ATTRIBUTE, str(index))
        for element, kind in block.sources or []:
            if not (kind == "text" and element.tag in TEXT_ONLY_TAGS):
                _wrap(element, kind, index)
    _defuse(root)
    _set_head(root, asset_base, stylesheet)
    doctype = root.getroottree().docinfo.doctype
    return (doctype + "\n" if doctype else "") + etree.tostring(root, encoding="unicode", method="html")


def _wrap(element, kind: str, index: int) -> None:
    piece = etree.Element(PIECE_TAG)
    piece.set(PIECE_ATTRIBUTE, str(index))
    if kind == "text":
        piece.text, element.text = element.text, None
        element.insert(0, piece)
    else:
        piece.text, element.tail = element.tail, None
        element.addnext(piece)


def _defuse(root) -> None:
    for element in list(root.iter(*REMOVED_TAGS)):
        remove_keeping_tail(element)
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        for name in list(element.attrib):
            value = element.attrib[name]
            if name.lower().startswith("on") or (
                name.lower() in URL_ATTRIBUTES and value.strip().lower().startswith(("javascript:", "vbscript:"))
            ):
                del element.attrib[name]
        if element.tag in ("iframe", "frame"):
            element.attrib.pop("srcdoc", None)
            element.set("src", "about:blank")
        elif element.tag == "meta" and (
            element.get("charset") is not None
            or (element.get("http-equiv") or "").lower() in ("refresh", "content-type", "set-cookie")
        ):
            element.getparent().remove(element)  # the view is UTF-8 and must stay on this page


def _set_head(root, asset_base: str, stylesheet: str) -> None:
    head = root.find("head")
    if head is None:
        head = etree.Element("head")
        root.insert(0, head)
    charset = etree.Element("meta", charset="utf-8")
    base = etree.Element("base", href=asset_base)
    link = etree.Element("link", rel="stylesheet", href=stylesheet)
    for position, element in enumerate((charset, base, link)):
        head.insert(position, element)
