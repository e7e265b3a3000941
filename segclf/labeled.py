"""Labeled pages <-> blocks with gold labels.

A labeled page is ordinary HTML in which elements carry `data-segclf="LABEL"`; a block
takes the label of its nearest marked ancestor (the splitter records it), so the labels
do not depend on how the splitter cuts blocks. See docs/labeling.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from lxml import etree
from lxml import html as lxml_html

from segclf.blocks import Page
from segclf.pages import PageError, find_html_files, read_page

LABELS = ("body", "nav", "error", "ad")


@dataclass
class LabeledPage:
    """A page and the gold label of each of its blocks (None: text no label covers)."""

    page: Page
    labels: list[str | None]

    @property
    def unlabeled_blocks(self) -> int:
        return sum(1 for label in self.labels if label is None)


def labeled_from_page(page: Page) -> LabeledPage:
    """Gold labels from the marks the splitter found; unknown label names are an error."""
    labels = []
    for block in page.blocks:
        label = block.marked_label
        if label is not None and label not in LABELS:
            raise PageError(f"{page.name}: unknown label {label!r} (use one of {', '.join(LABELS)})")
        labels.append(label)
    return LabeledPage(page=page, labels=labels)


def read_labeled(path: Path) -> LabeledPage:
    page = read_page(path)
    if not page.site:
        page.site = path.stem  # a page with no site id is its own site
    return labeled_from_page(page)


def find_labeled_files(inputs: list[Path]) -> list[Path]:
    return find_html_files(inputs)


def mark_labels(blocks: list, labels: list[str]) -> int:
    """Write block labels into the tree the blocks were split from (split with keep_sources).

    Each block-level element that holds text gets the label of its blocks; where one
    element holds blocks of different labels, the minority blocks' text is wrapped in
    `<span data-segclf=...>` (inline, so the split does not change). Returns the number
    of wrapped text pieces.
    """

    by_owner: dict[int, tuple[object, list[int]]] = {}
    for index, block in enumerate(blocks):
        if block.owner is None or block.sources is None:
            raise ValueError("mark_labels needs blocks split with keep_sources=True")
        by_owner.setdefault(id(block.owner), (block.owner, []))[1].append(index)
    wrapped = 0
    for owner, indices in by_owner.values():
        owner_labels = [labels[i] for i in indices]
        # Ties go to the first label in LABELS order: never to set order, which changes
        # from run to run and would make imported pages (and the model) irreproducible.
        majority = max(LABELS, key=owner_labels.count)
        owner.set("data-segclf", majority)
        for index in indices:
            if labels[index] == majority:
                continue
            for element, kind in blocks[index].sources:
                span = etree.Element("span")
                span.set("data-segclf", labels[index])
                if kind == "text":
                    span.text, element.text = _xml_safe(element.text), None
                    element.insert(0, span)
                else:
                    span.text, element.tail = _xml_safe(element.tail), None
                    element.addnext(span)
                wrapped += 1
    return wrapped


# Characters libxml2 accepts from a parsed numeric reference (&#26;) but refuses to set.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _xml_safe(text: str | None) -> str | None:
    return _NOT_XML.sub("", text) if text else text


def set_page_meta(root, name: str, value: str) -> None:
    """Set (or replace) a `<meta name=... content=...>` in the page's head."""

    head = root.find("head")
    if head is None:
        head = etree.Element("head")
        root.insert(0, head)
    for meta in head.findall("meta"):
        if meta.get("name") == name:
            head.remove(meta)
    meta = etree.SubElement(head, "meta")
    meta.set("name", name)
    meta.set("content", value)


def serialize_labeled(root) -> bytes:
    """The labeled page as UTF-8 bytes declaring UTF-8 (old charset declarations removed)."""

    head = root.find("head")
    if head is None:
        head = etree.Element("head")
        root.insert(0, head)
    for meta in list(head.iter("meta")):
        if meta.get("charset") is not None or (meta.get("http-equiv") or "").lower() == "content-type":
            meta.getparent().remove(meta)
    charset = etree.Element("meta")
    charset.set("charset", "utf-8")
    head.insert(0, charset)
    return lxml_html.tostring(root, encoding="utf-8", method="html", doctype="<!DOCTYPE html>")
