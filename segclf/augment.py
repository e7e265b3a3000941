"""Training copies with error fragments injected where failed includes land, and with legal notices.

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

Notice copies put a copyright, reprint or disclaimer notice (segclf/lexicon/notice_fragments/)
right after the article or at the page end, labeled nav. Such notices are long prose on many
Chinese news pages ("反侵权公告" ...); the corpora hold too few of them for the model to learn
that prose saying "no reprint without permission" is not the article.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from segclf.blocks import BLOCK_TAGS, parse_html
from segclf.decode import decode_html
from segclf.labeled import serialize_labeled, set_page_meta
from segclf.text import CJK_CHAR

FRAGMENT_DIR = Path(__file__).parent / "lexicon" / "error_fragments"
NOTICE_DIR = Path(__file__).parent / "lexicon" / "notice_fragments"
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
# Notices never used for training copies (one per language group): what leaks of them into
# the body text says whether the model learned what a notice is, not these wordings.
# zh__fanqinquan_gonggao is out because it was written after reading a test page's notice.
HELD_OUT_NOTICES = frozenset(
    {
        "zh__fanqinquan_gonggao",
        "en__copyright_notice_long",
        "de__haftungsausschluss",
        "fr__droits_reproduction",
        "es__aviso_legal",
        "ru__pravila_ispolzovaniya",
    }
)
# Where a notice goes: after the article's last block (inside its container, as on most
# news pages) twice as often as at the very end of the page.
NOTICE_PLACES = ("after_body", "after_body", "page_end")
# Notices in Chinese or Japanese go on pages whose article is written in those scripts, the
# others on the rest. CJK pages are few in the corpora and carry the most such notices, so
# every one of them gets a notice copy.
CJK_NOTICE_LANGUAGES = ("zh", "ja")


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


def _placeholder(index: int, label: str = "error") -> etree._Element:
    holder = etree.Element("div")
    holder.set("data-segclf", label)
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


def read_root(path: Path) -> etree._Element | None:
    """A labeled page's tree (None: nothing to parse)."""
    return parse_html(decode_html(path.read_bytes()).text)


def copy_with_includes(
    path: Path, fragments: list[Fragment], rng: random.Random, copy: int = 0
) -> tuple[bytes, list[str]] | None:
    """A copy of a labeled page with failed includes; None when nothing could be placed."""
    root = read_root(path)
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
    root = read_root(path)
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


def select_notices(notices: list[Fragment], held_out: bool = False) -> list[Fragment]:
    """The training notices, or (held_out=True) the ones kept out of training."""
    return [n for n in notices if (f"{n.family}__{n.name}" in HELD_OUT_NOTICES) == held_out]


def _article_is_cjk(root: etree._Element) -> bool:
    text = "".join("".join(e.itertext()) for e in _block_elements(root, "body"))
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(bool(CJK_CHAR.match(c)) for c in letters) > len(letters) / 2


def notice_copy(root: etree._Element, path: Path, notices: list[Fragment], rng: random.Random, cjk: bool) -> bytes | None:
    """The labeled page (parsed: `root`, changed in place) with a legal notice, drawn from those in
    the article's script, after its article or at its end; None without body."""
    body_blocks = [e for e in _block_elements(root, "body") if e.getparent() is not None]
    if not body_blocks:
        return None
    notice = rng.choice([n for n in notices if (n.family in CJK_NOTICE_LANGUAGES) == cjk] or notices)
    holder = _placeholder(0, label="nav")
    if rng.choice(NOTICE_PLACES) == "after_body":
        last = body_blocks[-1]
        # Step out of inline-ish wrappers so the notice is the article's next block, not inside its last one.
        while last.getparent() is not None and last.getparent().get("data-segclf") is None and len(last.getparent()) == 1:
            last = last.getparent()
        holder.tail, last.tail = last.tail, None
        last.addnext(holder)
    else:
        root.find("body").append(holder)
    set_page_meta(root, "segclf-augmented", f"notice: {notice.family}__{notice.name}")
    _own_site(root, path, "notice")
    return _fill(serialize_labeled(root), {0: notice})


def augment(
    paths: list[Path],
    output: Path,
    fragments: list[Fragment],
    copies: int = 1,
    error_pages: float = 0.1,
    seed: int = 13,
    notices: list[Fragment] | None = None,
    notice_pages: float = 0.0,
) -> dict[str, int]:
    """Write `copies` include-failure copies per page, error pages and notice copies for shares of pages."""
    rng = random.Random(seed)
    # Its own stream, so that adding notice copies leaves the include and error copies as they were.
    notice_rng = random.Random(seed * 1_000_003 + 1)
    page_fragments = [f for f in fragments if f.family in PAGE_FAMILIES]
    counts = {"pages": 0, "include_copies": 0, "error_pages": 0, "notice_copies": 0, "skipped": 0}
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
        if notices and notice_pages > 0:
            drawn = notice_rng.random() < notice_pages
            root = read_root(path)  # parsed once: the script decides the notice and, on CJK pages, the copy
            cjk = root is not None and _article_is_cjk(root)
            data = notice_copy(root, path, notices, notice_rng, cjk) if root is not None and (drawn or cjk) else None
            if data is not None:
                _write(output / f"{path.stem}.notice.html", data)
                counts["notice_copies"] += 1
    return counts


def _write(target: Path, data: bytes) -> None:
    temporary = target.with_name(target.name + ".partial")
    temporary.write_bytes(data)
    temporary.replace(target)
