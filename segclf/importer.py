"""Corpus pages with gold text -> labeled pages in the project's format.

Gold text is aligned to the page's blocks (segclf.align); a block is body when enough of
it is gold. Every other block is nav unless a weak label says otherwise: error when the
lexicon's strong error markers fire, ad when an EasyList element-hiding rule covers it or
its links mostly go to ad servers. The labels are written back into the page's own HTML
(segclf.labeled.mark_labels) so a person can open and correct the result.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from segclf.align import BODY_COVERAGE, align_gold
from segclf.blocks import Block, find_site, parse_html, split_blocks
from segclf.corpus import CorpusPage
from segclf.decode import decode_html
from segclf.labeled import mark_labels, read_labeled, serialize_labeled, set_page_meta
from segclf.lexicon import STRONG_ERROR_FAMILIES, load_lexicon
from segclf.pages import PageError

# Error phrases only label short blocks: a long paragraph that mentions "404 Not Found"
# is an article about errors, not an error.
MAX_ERROR_BLOCK_CHARS = 400
# A non-body block whose links mostly go to ad servers is an ad.
AD_LINK_SHARE = 0.5
# An element-hiding match holding more text than this is a layout container whose class
# happens to look like an ad's (nj.com's `adv-header` masthead, `<body class="wideAd">`).
MAX_AD_ELEMENT_CHARS = 800


@dataclass
class ImportStats:
    """What an import did, for the per-corpus report."""

    pages: int = 0
    failed: int = 0
    gold_tokens: int = 0
    unmatched_gold_tokens: int = 0
    labels: Counter[str] = field(default_factory=Counter)
    weak_rules: Counter[str] = field(default_factory=Counter)
    roundtrip_mismatches: int = 0
    wrapped_pieces: int = 0

    @property
    def unmatched_gold_share(self) -> float:
        return self.unmatched_gold_tokens / self.gold_tokens if self.gold_tokens else 0.0


AdMatcher = Callable[[object, list[Block], str | None], list[str | None]]


def weak_error_label(block: Block) -> str | None:
    """`error:<family>` when a short block carries a strong error marker."""
    text = block.text
    if len(text) > MAX_ERROR_BLOCK_CHARS:
        return None
    lexicon = load_lexicon()
    families = lexicon.error_families(text.lower()) & STRONG_ERROR_FAMILIES
    if families:
        return "error:" + sorted(families)[0]
    patterns = lexicon.error_pattern_families(text.strip()) - {"weak"}
    if patterns:
        return "error:" + sorted(patterns)[0]
    return None


def easylist_ad_matcher(folder: Path | None = None) -> AdMatcher:
    """Weak ad labels from EasyList: element-hiding rules and ad-server links."""
    from segclf import easylist

    filters = easylist.load_filters(folder)

    def match(root, blocks: list[Block], site: str | None) -> list[str | None]:
        hidden = {
            element: family
            for element, family in easylist.ad_elements(filters, root, site).items()
            if len("".join(element.itertext())) <= MAX_AD_ELEMENT_CHARS
        }
        results: list[str | None] = []
        for block in blocks:
            family = None
            if hidden and block.owner is not None:
                for element in [block.owner, *block.owner.iterancestors()]:
                    if element in hidden:
                        family = hidden[element]
                        break
            if family is None and block.urls:
                ad_links = [easylist.is_ad_url(filters, "http://" + host + "/", site) for host in block.urls]
                hits = [hit for hit in ad_links if hit]
                if len(hits) / len(block.urls) >= AD_LINK_SHARE:
                    family = hits[0]
            results.append(f"ad:{family}" if family else None)
        return results

    return match


def label_corpus_page(
    item: CorpusPage, ad_matcher: AdMatcher | None, stats: ImportStats
) -> tuple[bytes, list[str]]:
    """The labeled HTML of one corpus page and its block labels."""
    decoded = decode_html(item.html_bytes(), item.encoding_hint)
    root = parse_html(decoded.text)
    if root is None:
        raise PageError(f"{item.corpus}/{item.id}: no HTML to parse")
    blocks = split_blocks(root, keep_sources=True)
    if not blocks:
        raise PageError(f"{item.corpus}/{item.id}: no text blocks")
    alignment = align_gold([block.text for block in blocks], item.gold_text())
    stats.gold_tokens += alignment.gold_tokens
    stats.unmatched_gold_tokens += alignment.unmatched_gold_tokens

    site = find_site(root) or item.site
    ads = ad_matcher(root, blocks, site) if ad_matcher else [None] * len(blocks)
    labels = []
    for block, coverage, ad in zip(blocks, alignment.coverage, ads):
        if coverage >= BODY_COVERAGE:
            labels.append("body")
            continue
        weak = weak_error_label(block) or ad
        if weak:
            stats.weak_rules[weak] += 1
            labels.append(weak.split(":")[0])
        else:
            labels.append("nav")
    stats.wrapped_pieces += mark_labels(blocks, labels)
    body = root.find("body")
    if body is not None and body.get("data-segclf") is None:
        body.set("data-segclf", "nav")  # the page's default label
    set_page_meta(root, "segclf-site", item.site)
    set_page_meta(root, "segclf-source", f"{item.corpus}/{item.id}")
    set_page_meta(root, "segclf-split", item.split)
    stats.labels.update(labels)
    return serialize_labeled(root), labels


def import_corpus(
    pages: list[CorpusPage],
    output: Path,
    ad_matcher: AdMatcher | None = None,
    on_error: Callable[[str], None] = lambda message: None,
    progress: Callable = lambda items, description: items,
) -> ImportStats:
    """Write `output/<split>/<id>.html` for every page; broken pages are reported and skipped."""
    stats = ImportStats()
    for item in progress(pages, f"importing {pages[0].corpus if pages else ''}"):
        try:
            data, labels = label_corpus_page(item, ad_matcher, stats)
        except PageError as exc:
            stats.failed += 1
            on_error(str(exc))
            continue
        except Exception as exc:  # one odd page must not stop a corpus import
            stats.failed += 1
            on_error(f"{item.corpus}/{item.id}: {type(exc).__name__}: {exc}".splitlines()[0])
            continue
        target = output / item.split / f"{_safe_name(item.id)}.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(target.name + ".partial")
        temporary.write_bytes(data)
        temporary.replace(target)
        stats.pages += 1
        # The written page must read back with exactly the labels meant for it.
        if read_labeled(target).labels != labels:
            stats.roundtrip_mismatches += 1
    return stats


def _safe_name(page_id: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in page_id)


def format_stats(corpus: str, stats: ImportStats) -> str:
    labels = ", ".join(f"{label} {stats.labels[label]}" for label in ("body", "nav", "error", "ad"))
    rules = ", ".join(f"{rule} {count}" for rule, count in stats.weak_rules.most_common()) or "none"
    return "\n".join(
        [
            f"{corpus}: {stats.pages} pages imported, {stats.failed} failed",
            f"  gold text that found no block: {stats.unmatched_gold_share:.2%} of {stats.gold_tokens} gold tokens",
            f"  blocks: {labels}",
            f"  weak labels by rule family: {rules}",
            f"  pages whose labels did not read back exactly: {stats.roundtrip_mismatches}"
            f" ({stats.wrapped_pieces} text pieces wrapped in spans)",
        ]
    )
