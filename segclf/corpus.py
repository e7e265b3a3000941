"""Public benchmark corpora in the shared layout: html/, gold/, meta.jsonl.

Each corpus folder holds `html/<id>.html` (the page's bytes as crawled), `gold/<id>.txt`
(its main-content text) and `meta.jsonl` (one JSON object per page: id, url,
encoding_hint, split, site, ...). This module reads them and fixes the train/test split
every tool in the project uses: the corpus's own split where it has one (dragnet),
otherwise a split by site, so a site's pages never sit on both sides.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

# Share of sites held out for testing in corpora without a split of their own.
TEST_SHARE_PERCENT = 30
# readability_tests' hand-made fixtures are not pages (see its README): left out.
EXCLUDED_KINDS = frozenset({"fixture"})
# CleanEval's dev-60 and final-60 are the same page with two golds: keep one.
EXCLUDED_IDS = {"cleaneval": frozenset({"dev-60"})}


@dataclass
class CorpusPage:
    """One page of a corpus and where its gold text is."""

    corpus: str
    id: str
    html_path: Path
    gold_path: Path
    site: str
    split: str  # "train" or "test"
    meta: dict = field(default_factory=dict)

    @property
    def encoding_hint(self) -> str | None:
        return self.meta.get("encoding_hint")

    def gold_text(self) -> str:
        return self.gold_path.read_text(encoding="utf-8", errors="replace")

    def html_bytes(self) -> bytes:
        return self.html_path.read_bytes()


def site_of(meta: dict, corpus: str) -> str:
    """The page's site: the corpus's own `site`, else the URL's host, else the page itself."""
    if meta.get("site"):
        return str(meta["site"]).lower()
    url = meta.get("url") or ""
    if url.startswith("//"):
        url = "http:" + url
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        host = ""
    return registered_domain(host) or f"{corpus}:{meta.get('id')}"


# Second-level labels under which country domains register names (bbc.co.uk, sina.com.cn).
_SECOND_LEVEL = frozenset({"co", "com", "org", "net", "gov", "ac", "edu", "or", "ne", "go", "gob", "nic", "mil"})


def registered_domain(host: str) -> str:
    """news.bbc.co.uk -> bbc.co.uk, blogs.wsj.com -> wsj.com: one site per registered name."""
    labels = [label for label in host.lower().strip(".").split(".") if label]
    if len(labels) <= 2:
        return ".".join(labels)
    if len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def split_of(meta: dict, site: str) -> str:
    """train or test: the corpus's own split when it has one, else a fixed hash of the site."""
    own = meta.get("split")
    if own in ("train", "test"):
        return own
    bucket = int(hashlib.sha1(site.encode("utf-8")).hexdigest(), 16) % 100
    return "test" if bucket < TEST_SHARE_PERCENT else "train"


def read_corpus(folder: Path) -> list[CorpusPage]:
    """Every usable page of a corpus folder (pages missing html or gold are skipped)."""
    folder = Path(folder)
    name = folder.name
    meta_path = folder / "meta.jsonl"
    if not meta_path.is_file():
        raise FileNotFoundError(f"{folder}: no meta.jsonl (not a corpus folder in the html/, gold/, meta.jsonl layout)")
    pages = []
    for line in meta_path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        meta = json.loads(line)
        page_id = str(meta["id"])
        if meta.get("kind") in EXCLUDED_KINDS or page_id in EXCLUDED_IDS.get(name, ()):
            continue
        html_path = folder / "html" / f"{page_id}.html"
        gold_path = folder / "gold" / f"{page_id}.txt"
        if not html_path.is_file() or not gold_path.is_file():
            continue
        site = site_of(meta, name)
        pages.append(
            CorpusPage(
                corpus=name,
                id=page_id,
                html_path=html_path,
                gold_path=gold_path,
                site=site,
                split=split_of(meta, site),
                meta=meta,
            )
        )
    return pages


def is_corpus_folder(folder: Path) -> bool:
    return (Path(folder) / "meta.jsonl").is_file() and (Path(folder) / "html").is_dir()


def fixed_sample(pages: list[CorpusPage], size: int) -> list[CorpusPage]:
    """A small, stable sample spread over a list of pages (sorted by id): the eval gate's pages."""
    ordered = sorted(pages, key=lambda page: page.id)
    if len(ordered) <= size:
        return ordered
    step = len(ordered) / size
    return [ordered[int(index * step)] for index in range(size)]


def sample_digest(pages: list[CorpusPage]) -> str:
    """SHA-256 over the sample's ids, html and gold bytes: pins exactly what a floor was measured on."""
    digest = hashlib.sha256()
    for page in pages:
        digest.update(page.id.encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(page.html_bytes()).digest())
        digest.update(hashlib.sha256(page.gold_path.read_bytes()).digest())
    return digest.hexdigest()
