"""Labeled pages <-> blocks with gold labels.

A labeled page is ordinary HTML in which elements carry `data-segclf="LABEL"`; a block
takes the label of its nearest marked ancestor (the splitter records it), so the labels
do not depend on how the splitter cuts blocks. See docs/labeling.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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
