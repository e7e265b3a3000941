"""Training copies with error fragments injected where failed includes land.

Real pages rarely carry failed includes, so the model would never see enough `error`
blocks. This module takes labeled pages and writes copies in which real error fragments
(segclf/lexicon/error_fragments/) sit where includes sit: between body paragraphs, in
sidebars and nav, in ad slots, at the top and the end of the page, repeated as on the
seed page; and whole soft-404 pages built on the page's own chrome (its body replaced by
a not-found, access-denied or enable-JavaScript message).

Fragments are pasted into the serialized HTML as raw text, nested `<html>` documents
included, so they are parsed the way a scraper's page with a failed include is.
Some fragment families are held out of training so that error recall can be measured on
fragments the model never saw (`HELD_OUT_FAMILIES`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from segclf.blocks import BLOCK_TAGS, parse_html
from segclf.decode import decode_html
from segclf.labeled import serialize_labeled, set_page_meta

FRAGMENT_DIR = Path(__file__).parent / "lexicon" / "error_fragments"
# Families never used for training copies: error recall on them says whether the model
# learned what an error fragment is rather than memorised these servers' wording.
HELD_OUT_FAMILIES = ("tomcat", "varnish", "lighttpd", "cloudflare", "aspnet")
# Families that make a whole page an error page (the body replaced by the message).
PAGE_FAMILIES = ("soft404", "access_denied", "js_wall", "generic")
PLACES = ("between_body", "in_nav", "ad_slot", "page_start", "page_end")
# Up to this many include failures per copy; a failing include often repeats (the seed has 7).
MAX_INJECTIONS = 4
MAX_REPEATS = 4
_PLACEHOLDER = "segclf-fragment-{}"


@dataclass(frozen=True)
class Fragment:
    family: str
    name: str
    html: str


def load_fragments(folder: Path = FRAGMENT_DIR) -> list[Fragment]:
    fragments = []
    for path in sorted(folder.glob("*.html")):
        family, _, name = path.stem.partition("__")
        fragments.append(Fragment(family, name, path.read_text(encoding="utf-8")))
    return fragments


def select_fragments(fragments: list[Fragment], families: set[str] | None = None, exclude: set[str] = frozenset()) -> list[Fragment]:
    return [f for f in fragments if (families is None or f.family in families) and f.family not in exclude]


def _marked(root: etree._Element, label: str) -> list[etree._Element]:
    return [element for element in root.iter() if isinstance(element.tag, str) and element.get("data-segclf") == label]


def _nearest_label(element: etree._Element) -> str | None:
    for node in [element, *element.iterancestors()]:
        if node.get("data-segclf"):
            return node.get("data-segclf")
    return None


def _block_elements(root: etree._Element, label: str) -> list[etree._Element]:
    """Block-level elements whose text carries `label` (candidates to sit next to)."""
    body = root.find("body")
    if body is None:
        return []
    return [
        element
        for element in body.iter()
        if isinstance(element.tag, str) and element.tag in BLOCK_TAGS and element is not body and _nearest_label(element) == label
    ]


def _placeholder(index: int) -> etree._Element:
    holder = etree.Element("div")
    holder.set("data-segclf", "error")
    holder.text = _PLACEHOLDER.format(index)
    return holder


def _insert(root: etree._Element, place: str, index: int, rng: random.Random) -> bool:
    """Put a placeholder for fragment `index` at a place of this kind; False if the page has none."""
    body = root.find("body")
    if body is None:
        return False
    holder = _placeholder(index)
    if place == "page_start":
        body.insert(0, holder)
    elif place == "page_end":
        body.append(holder)
    elif place == "between_body":
        candidates = [e for e in _block_elements(root, "body") if e.tag in ("p", "div", "h2", "h3", "blockquote", "li") and e.getparent() is not None]
        if not candidates:
            return False
        target = rng.choice(candidates)
        tail, target.tail = target.tail, None
        target.addnext(holder)
        holder.tail = tail
    elif place == "in_nav":
        candidates = [e for e in _block_elements(root, "nav") if e.tag in ("div", "td", "ul", "aside", "section", "header", "footer", "nav")]
        if not candidates:
            return False
        rng.choice(candidates).append(holder)
    elif place == "ad_slot":
        slots = [e for e in _marked(root, "ad") if e.tag not in ("a", "span", "img")]
        if not slots:
            return False
        slot = rng.choice(slots)
        for child in list(slot):
            slot.remove(child)
        slot.text = None
        slot.append(holder)
    else:
        raise ValueError(f"unknown place {place!r}")
    return True


def _own_site(root: etree._Element, path: Path, kind: str) -> None:
    """A copy is its own site: beside its original it would make every block look repeated."""
    set_page_meta(root, "segclf-site", f"augmented.{kind}.{path.stem}")


def _fill(html: bytes, fragments: dict[int, Fragment]) -> bytes:
    text = html.decode("utf-8")
    for index, fragment in fragments.items():
        text = text.replace(_PLACEHOLDER.format(index), fragment.html)
    return text.encode("utf-8")


def _read_root(path: Path) -> etree._Element | None:
    return parse_html(decode_html(path.read_bytes()).text)


def copy_with_includes(
    path: Path, fragments: list[Fragment], rng: random.Random, copy: int = 0
) -> tuple[bytes, list[str]] | None:
    """A copy of a labeled page with failed includes; None when nothing could be placed."""
    root = _read_root(path)
    if root is None or not fragments:
        return None
    placed: dict[int, Fragment] = {}
    for _ in range(rng.randint(1, MAX_INJECTIONS)):
        fragment = rng.choice(fragments)
        for _ in range(rng.choice((1, 1, 2, MAX_REPEATS))):
            index = len(placed)
            if _insert(root, rng.choice(PLACES), index, rng):
                placed[index] = fragment
    if not placed:
        return None
    names = sorted({f"{f.family}__{f.name}" for f in placed.values()})
    set_page_meta(root, "segclf-augmented", "includes: " + " ".join(names))
    _own_site(root, path, f"inc{copy}")
    return _fill(serialize_labeled(root), placed), names


def error_page_copy(path: Path, fragment: Fragment) -> bytes | None:
    """The page's chrome with its body replaced by an error message (a soft-404 page)."""
    root = _read_root(path)
    if root is None:
        return None
    regions = _marked(root, "body")
    if not regions:
        return None
    for number, region in enumerate(regions):
        for child in list(region):
            region.remove(child)
        region.text = None
        region.set("data-segclf", "error")
        if number == 0:
            region.append(_placeholder(0))
    set_page_meta(root, "segclf-augmented", f"error page: {fragment.family}__{fragment.name}")
    _own_site(root, path, "errpage")
    return _fill(serialize_labeled(root), {0: fragment})


def augment(
    paths: list[Path],
    output: Path,
    fragments: list[Fragment],
    copies: int = 1,
    error_pages: float = 0.1,
    seed: int = 13,
) -> dict[str, int]:
    """Write `copies` include-failure copies per page, plus error pages for a share of pages."""
    rng = random.Random(seed)
    page_fragments = [f for f in fragments if f.family in PAGE_FAMILIES]
    counts = {"pages": 0, "include_copies": 0, "error_pages": 0, "skipped": 0}
    output.mkdir(parents=True, exist_ok=True)
    for path in paths:
        counts["pages"] += 1
        for copy in range(copies):
            result = copy_with_includes(path, fragments, rng, copy)
            if result is None:
                counts["skipped"] += 1
                continue
            _write(output / f"{path.stem}.inc{copy}.html", result[0])
            counts["include_copies"] += 1
        if page_fragments and rng.random() < error_pages:
            data = error_page_copy(path, rng.choice(page_fragments))
            if data is not None:
                _write(output / f"{path.stem}.errpage.html", data)
                counts["error_pages"] += 1
    return counts


def _write(target: Path, data: bytes) -> None:
    temporary = target.with_name(target.name + ".partial")
    temporary.write_bytes(data)
    temporary.replace(target)
