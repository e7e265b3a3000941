"""Two tree edits the labeling tool needs, for any lxml element (segclf parses with plain
`etree.HTMLParser`, whose elements lack lxml.html's drop_tag and drop_tree)."""

from __future__ import annotations


def _append_text(parent, previous, text: str | None) -> None:
    """Put text where it reads right after `previous` (or first in `parent`)."""
    if not text:
        return
    if previous is not None:
        previous.tail = (previous.tail or "") + text
    else:
        parent.text = (parent.text or "") + text


def unwrap(element) -> None:
    """Remove an element but keep its text, children and tail in place (a tag-only edit)."""
    parent = element.getparent()
    if parent is None:
        return
    _append_text(parent, element.getprevious(), element.text)
    index = parent.index(element)
    children = list(element)
    for offset, child in enumerate(children):
        parent.insert(index + offset, child)
    _append_text(parent, children[-1] if children else element.getprevious(), element.tail)
    element.tail = None
    parent.remove(element)


def remove_keeping_tail(element) -> None:
    """Remove an element and everything in it, but not the text that follows it."""
    parent = element.getparent()
    if parent is None:
        return
    _append_text(parent, element.getprevious(), element.tail)
    element.tail = None
    parent.remove(element)
