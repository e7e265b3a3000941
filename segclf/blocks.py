"""Text -> lxml tree -> ordered list of text blocks.

A block is the text between two block-level element boundaries; inline tags (a, span,
b, em, font, ...) never split one. Each block keeps what the feature stage needs from
the DOM (its element path, the class/id tokens of its ancestors, its link text), so the
tree can be dropped once the page is split: nothing downstream goes back to the DOM.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from segclf.lexicon import attribute_tokens, load_lexicon

LABEL_ATTRIBUTE = "data-segclf"

BLOCK_TAGS = frozenset(
    """address article aside blockquote body caption center dd details dialog dir div dl dt
    fieldset figcaption figure footer form frameset h1 h2 h3 h4 h5 h6 header hgroup hr html
    legend li main menu nav noframes ol optgroup option p pre section select summary table
    tbody td textarea tfoot th thead tr ul""".split()
)
# Subtrees that are never visible text. MathML is visible (its text is the formula), but
# not its <annotation>s: the TeX or other source a formula was written in. A <title> is
# never rendered, even where a parser leaves it in the body (a page that opens with a
# stray tag, as cleaneval's and CleanPortalEval's `<text id=...>` wrappers do, or an
# included error document): as a block it held the headline twice, and imported gold
# aligned to it instead of to the visible <h1>. The page's title is metadata (find_title).
SKIPPED_TAGS = frozenset(
    """script style noscript template head title iframe object embed svg canvas audio video
    map annotation annotation-xml""".split()
)
# MathML token elements: a formula's symbols, which are separate words even when the markup
# puts nothing between them (<mi>x</mi><mn>2</mn> reads "x 2", not "x2").
MATH_TOKEN_TAGS = frozenset("mi mn mo ms mtext".split())
# Semantic tags count as class/id tokens of their element: <nav> says what class="nav" says.
SEMANTIC_TAG_TOKENS = {
    "nav": "nav",
    "header": "header",
    "footer": "footer",
    "aside": "aside",
    "article": "article",
    "main": "main",
    "form": "form",
    "menu": "menu",
    "figcaption": "caption",
    "h1": "headline",
}
# Families of class/id tokens looked up on ancestors at most this far up.
MAX_TOKEN_DISTANCE = 8
# Any tag, comment, doctype or processing instruction: a document without one is plain text.
_MARKUP = re.compile(r"<[A-Za-z!/?]")
PLAIN_TEXT = "plain text"
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>", re.IGNORECASE)
_TITLE_OPEN = re.compile(r"<title\b[^>]*>", re.IGNORECASE)
# C0 control characters other than tab and newlines: libxml2 refuses them in text.
_CONTROL_CHARACTERS = dict.fromkeys([*range(0, 9), 11, *range(14, 32)])
_CONTROL_CHARACTER = re.compile("[\x00-\x08\x0b\x0e-\x1f]")
_TITLE_CLOSE = re.compile(r"</title", re.IGNORECASE)
# lxml.etree's parser, not lxml.html's: lxml.html looks up a Python element class for
# every element the walk touches, which cost more than the parse itself.
# huge_tree: libxml2 otherwise drops a text node over 10 MB without a word; page size and
# tag count are bounded before parsing instead (segclf.pages: --max-bytes, --max-tags).
_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, default_doctype=False, huge_tree=True)


@dataclass
class Block:
    """One run of text between block-level boundaries, with its DOM context."""

    text: str
    tag: str  # the innermost block-level element holding the text
    path: str  # block-level ancestors, e.g. "body>div#main>div.story>p"
    depth: int  # nesting depth of the holding element
    ancestors: tuple[int, ...]  # ids of block-level ancestors, outermost first
    tokens: tuple[str, ...]  # class/id tokens of the holding element
    family_distance: dict[str, int]  # class/id token family -> nearest ancestor distance
    link_chars: int = 0
    link_count: int = 0
    image_count: int = 0
    urls: tuple[str, ...] = ()  # hosts of links and embedded images in the block
    marked_label: str | None = None  # from a data-segclf ancestor (labeled pages only)
    # Where the text came from, (element, "text" | "tail") pairs, only when asked for:
    # the importer needs it to write labels back into the page.
    sources: list[tuple[etree._Element, str]] | None = field(default=None, repr=False, compare=False)
    owner: etree._Element | None = field(default=None, repr=False, compare=False)


@dataclass
class Page:
    """A split page: its blocks in document order and where it came from."""

    blocks: list[Block]
    encoding: str = "utf-8"
    site: str | None = None
    name: str = ""
    title: str = ""
    extras: dict[str, str] = field(default_factory=dict)

    @property
    def plain_text(self) -> bool:
        """The input had no HTML markup and was split one block per line."""
        return self.extras.get("input") == PLAIN_TEXT


def parse_html(text: str) -> etree._Element | None:
    """Parse (possibly broken) HTML into an lxml tree; None when there is nothing to parse."""
    if _CONTROL_CHARACTER.search(text):  # rare: a scan is far cheaper than str.translate
        text = text.translate(_CONTROL_CHARACTERS)
    text = _XML_DECLARATION.sub("", text, count=1)
    text = _repair_unclosed_title(text) or text
    if not text.strip():
        return None
    try:
        return etree.fromstring(text, parser=_PARSER)
    except (etree.LxmlError, ValueError):
        return None


def _local_tag(tag: object) -> str | None:
    if not isinstance(tag, str):
        return None
    if "}" in tag:
        tag = tag.rsplit("}", 1)[1]
    return tag.lower()


def _is_hidden(element: etree._Element) -> bool:
    attrib = element.attrib
    if "hidden" in attrib or attrib.get("aria-hidden", "").strip().lower() == "true":
        return True
    style = attrib.get("style")
    return bool(style and _HIDDEN_STYLE.search(style))


_URL_HOST = re.compile(r"\s*(?:https?:)?//([^/?#\\]*)", re.IGNORECASE)


def _host(url: str) -> str:
    """The lower-cased host of an absolute (or scheme-relative) http(s) URL, else "".

    A regex rather than urlsplit: this runs for every link and image of every page.
    """
    match = _URL_HOST.match(url)
    if match is None:
        return ""
    netloc = match.group(1).rpartition("@")[2]
    if netloc.startswith("["):  # IPv6 literal
        closing = netloc.find("]")
        return netloc[1:closing].lower() if closing > 0 else ""
    return netloc.partition(":")[0].lower()


_WHITE_SPACE = " \n\t\r\xa0\u3000"


def _visible_chars(text: str) -> int:
    """Characters other than white space: what every length and ratio in segclf counts."""
    return (
        len(text)
        - text.count(" ")
        - text.count("\n")
        - text.count("\t")
        - text.count("\r")
        - text.count("\xa0")
        - text.count("\u3000")
    )


# Class/id tokens and their lexicon families, per (tag, class, id): the same few
# combinations recur on every page of a site, and splitting them is regex work.
_ATTRIBUTE_CACHE: dict[tuple[str, str | None, str | None], tuple[tuple[str, ...], frozenset[str], str]] = {}
_ATTRIBUTE_CACHE_LIMIT = 100_000


def _element_tokens(tag: str, class_value: str | None, id_value: str | None) -> tuple[tuple[str, ...], frozenset[str], str]:
    """An element's class/id tokens, their families, and its path segment (`div#main`)."""
    key = (tag, class_value, id_value)
    cached = _ATTRIBUTE_CACHE.get(key)
    if cached is not None:
        return cached
    lexicon = load_lexicon()
    tokens: list[str] = []
    for value in (class_value, id_value):
        if value:
            tokens.extend(attribute_tokens(value))
    if tag in SEMANTIC_TAG_TOKENS:
        tokens.append(SEMANTIC_TAG_TOKENS[tag])
    families = frozenset(family for token in tokens for family in lexicon.token_families.get(token, ()))
    first = (id_value or (class_value or "").split(" ")[0]).strip()
    segment = tag + (("#" if id_value else ".") + first if first else "")
    if len(_ATTRIBUTE_CACHE) >= _ATTRIBUTE_CACHE_LIMIT:
        _ATTRIBUTE_CACHE.clear()
    result = _ATTRIBUTE_CACHE[key] = (tuple(tokens), families, segment)
    return result


_HIDING_ATTRIBUTES = frozenset({"hidden", "aria-hidden", "style"})
_HAS_LABELS = etree.XPath(f"boolean(//*[@{LABEL_ATTRIBUTE}])")


class _OpenBlock:
    """A block-level element the walk is inside; its block context is built on first use."""

    __slots__ = ("tag", "path", "ancestors", "tokens", "families", "depth", "element", "context")

    def __init__(self, tag, path, ancestors, tokens, families, depth, element) -> None:
        self.tag = tag
        self.path = path
        self.ancestors = ancestors
        self.tokens = tokens
        self.families = families
        self.depth = depth
        self.element = element
        self.context: tuple | None = None


class _BlockBuilder:
    """Accumulates the text of the block being read and flushes it into a Block."""

    def __init__(self, keep_sources: bool = False, track_labels: bool = False) -> None:
        self.keep_sources = keep_sources
        self.track_labels = track_labels  # labeled pages only: count each label's characters
        self.sources: list[tuple[etree._Element, str]] = []
        self.blocks: list[Block] = []
        self.parts: list[str] = []
        self.link_chars = 0
        self.link_count = 0
        self.image_count = 0
        self.hosts: list[str] = []
        self.label_chars: dict[str | None, int] = {}
        self.breaks_in_a_row = 0
        self.visible = False  # whether any text so far is more than white space

    def add_text(self, text: str, in_link: bool, label: str | None, in_pre: bool, element, kind: str) -> None:
        if self.keep_sources and text.strip():
            self.sources.append((element, kind))
        # Source line breaks are spaces, except in <pre>; <br> adds the real ones.
        self.parts.append(text if in_pre else text.replace("\n", " "))
        if text.strip(_WHITE_SPACE):
            self.visible = True
            self.breaks_in_a_row = 0
            if in_link or self.track_labels:
                visible = _visible_chars(text)
                if in_link:
                    self.link_chars += visible
                if self.track_labels:
                    self.label_chars[label] = self.label_chars.get(label, 0) + visible

    def flush(self, context_of) -> None:
        """End the current block; `context_of()` gives its DOM context (only asked when needed)."""
        if self.parts:
            if self.visible:
                raw = "".join(self.parts)
                # Runs of white space -> one space, stripped (str.split and \s agree on
                # what white space is); line breaks from <br> and <pre> are kept.
                if "\n" in raw:
                    lines = (" ".join(line.split()) for line in raw.split("\n"))
                    text = "\n".join(line for line in lines if line)
                else:
                    text = " ".join(raw.split())
            else:
                text = ""
            if text:
                tag, path, depth, ancestors, tokens, family_distance, owner = context_of()
                label = max(self.label_chars.items(), key=lambda item: item[1])[0] if self.label_chars else None
                self.blocks.append(
                    Block(
                        text=text,
                        tag=tag,
                        path=path,
                        depth=depth,
                        ancestors=ancestors,
                        tokens=tokens,
                        family_distance=family_distance,
                        link_chars=min(self.link_chars, _visible_chars(text)),
                        link_count=self.link_count,
                        image_count=self.image_count,
                        urls=tuple(self.hosts),
                        sources=self.sources if self.keep_sources else None,
                        owner=owner if self.keep_sources else None,
                        marked_label=label,
                    )
                )
            self.parts = []
            self.sources = []
            self.label_chars = {}
            self.visible = False
        self.link_chars = self.link_count = self.image_count = 0
        if self.hosts:
            self.hosts = []


def split_blocks(root: etree._Element | None, keep_sources: bool = False) -> list[Block]:
    """Walk the tree once and cut it into blocks at block-level boundaries.

    This is the hottest loop in segclf (it runs per element of every page), so the
    per-element work is kept to attribute lookups; a block's context (path, ancestors,
    nearest class/id families) is built once per block-level element, when first needed.
    """
    if root is None:
        return []
    track_labels = bool(_HAS_LABELS(root))
    builder = _BlockBuilder(keep_sources, track_labels)
    block_stack: list[_OpenBlock] = []
    label_stack: list[str | None] = [None]
    depth = 0
    link_depth = 0
    pre_depth = 0
    next_id = 0
    root_context = ("body", "body", 0, (), (), {}, root)

    def context() -> tuple:
        if not block_stack:
            return root_context
        top = block_stack[-1]
        if top.context is None:
            distances: dict[str, int] = {}
            for distance, entry in enumerate(reversed(block_stack[-MAX_TOKEN_DISTANCE:])):
                for family in entry.families:
                    distances.setdefault(family, distance)
            top.context = (top.tag, top.path, top.depth, top.ancestors, top.tokens, distances, top.element)
        return top.context

    local_tags: dict[object, str | None] = {}
    walker = etree.iterwalk(root, events=("start", "end"))
    skipped: set[int] = set()
    for event, element in walker:
        raw_tag = element.tag
        tag = local_tags.get(raw_tag, "")
        if tag == "":
            tag = local_tags[raw_tag] = _local_tag(raw_tag)
        if event == "start":
            if tag is None or tag in SKIPPED_TAGS:
                skipped.add(id(element))
                walker.skip_subtree()
                continue
            names = element.keys()  # one call; most elements have no attributes at all
            if names and _HIDING_ATTRIBUTES.intersection(names) and _is_hidden(element):
                skipped.add(id(element))
                walker.skip_subtree()
                continue
            depth += 1
            label = element.get(LABEL_ATTRIBUTE) if names and track_labels else None
            label_stack.append(label.strip().lower() if label else label_stack[-1])
            if tag in BLOCK_TAGS:
                if builder.visible or builder.link_count or builder.image_count:
                    builder.flush(context)
                elif builder.parts:  # white space only: no block, nothing to count
                    builder.parts.clear()
                tokens, families, segment = _element_tokens(
                    tag, element.get("class") if names else None, element.get("id") if names else None
                )
                if block_stack:
                    parent = block_stack[-1]
                    path, ancestors = parent.path + ">" + segment, parent.ancestors + (next_id,)
                else:
                    path, ancestors = segment, (next_id,)
                block_stack.append(_OpenBlock(tag, path, ancestors, tokens, families, depth, element))
                next_id += 1
            elif tag == "br":
                builder.breaks_in_a_row += 1
                if builder.breaks_in_a_row >= 2:  # <br><br> is a paragraph break
                    builder.flush(context)
                else:
                    builder.parts.append("\n")
            elif tag == "a":
                href = element.get("href")
                if href is not None:
                    link_depth += 1
                    builder.link_count += 1
                    host = _host(href)
                    if host:
                        builder.hosts.append(host)
            elif tag == "img":
                builder.image_count += 1
                host = _host(element.get("src") or "")
                if host:
                    builder.hosts.append(host)
            if tag == "pre":  # also a block tag
                pre_depth += 1
            text = element.text
            if text:
                builder.add_text(text, link_depth > 0, label_stack[-1], pre_depth > 0, element, "text")
        else:
            if id(element) in skipped:
                skipped.discard(id(element))
            else:
                if tag in BLOCK_TAGS:
                    if builder.visible or builder.link_count or builder.image_count:
                        builder.flush(context)
                    elif builder.parts:
                        builder.parts.clear()
                    block_stack.pop()
                elif tag == "a" and element.get("href") is not None:
                    link_depth -= 1
                if tag == "pre":
                    pre_depth -= 1
                elif tag in MATH_TOKEN_TAGS:
                    builder.parts.append(" ")
                depth -= 1
                label_stack.pop()
            tail = element.tail
            if tail:
                builder.add_text(tail, link_depth > 0, label_stack[-1], pre_depth > 0, element, "tail")
    builder.flush(context)
    return builder.blocks


def find_title(root: etree._Element | None) -> str:
    """The document's <title> text (not part of any block)."""
    if root is None:
        return ""
    for element in root.iter("title"):
        return " ".join("".join(element.itertext()).split())
    return ""


def find_segclf_meta(root: etree._Element | None) -> dict[str, str]:
    """segclf's own `<meta name="segclf-...">` notes on a page (e.g. the labeling tool's
    `segclf-review: draft`), keyed without the prefix."""
    if root is None:
        return {}
    found = {}
    for meta in root.iter("meta"):
        name = (meta.get("name") or "").lower()
        if name.startswith("segclf-") and meta.get("content") is not None:
            found[name.removeprefix("segclf-")] = meta.get("content").strip()
    return found


def find_site(root: etree._Element | None) -> str | None:
    """The site a page belongs to: segclf-site meta, else canonical or og:url host."""
    if root is None:
        return None
    for meta in root.iter("meta"):
        name = (meta.get("name") or meta.get("property") or "").lower()
        if name == "segclf-site" and meta.get("content"):
            return meta.get("content").strip().lower()
    for element in root.iter("link", "meta"):
        if element.tag == "link" and "canonical" in (element.get("rel") or "").lower():
            host = _host(element.get("href") or "")
        elif element.tag == "meta" and (element.get("property") or "").lower() == "og:url":
            host = _host(element.get("content") or "")
        else:
            continue
        if host:
            return host.lower().removeprefix("www.")
    return None


def _repair_unclosed_title(text: str) -> str | None:
    """A <title> that is never closed swallows the page (libxml2 and browsers agree);
    crawls truncated inside <head> leave many such pages. Dropping the tag recovers them."""
    if _TITLE_OPEN.search(text) and not _TITLE_CLOSE.search(text):
        return _TITLE_OPEN.sub("", text)
    return None


def segment_text(text: str, name: str = "", encoding: str = "utf-8", site: str | None = None) -> Page:
    """Decoded HTML -> Page of blocks. Text with no markup at all (a scraper's saved text,
    like the seed page) is split into one block per line instead of one block in all."""
    plain = _MARKUP.search(text) is None and text != "" and not text.isspace()
    root = parse_html(lines_as_html(text) if plain else text)
    extras = find_segclf_meta(root)
    if plain:
        extras["input"] = PLAIN_TEXT
    return Page(
        blocks=split_blocks(root),
        encoding=encoding,
        site=site or find_site(root),
        name=name,
        title=find_title(root),
        extras=extras,
    )


def lines_as_html(text: str) -> str:
    """Plain text as HTML with a paragraph per non-empty line."""
    from html import escape

    return "<html><body>" + "".join(f"<p>{escape(line.strip())}</p>" for line in text.splitlines() if line.strip()) + "</body></html>"
