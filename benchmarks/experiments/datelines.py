"""Do the corpora's golds keep datelines and bylines, and what would dropping them do?

    python benchmarks/experiments/datelines.py                 # train split, shipped model
    python benchmarks/experiments/datelines.py --split test --model M

One-off analysis behind docs/experiments.md ("A dateline and byline filter"). Every block
segclf finds on a page is sorted by its text alone: `dateline` (a date or time and nothing
but date words: "Posted at 10:58 AM ET, 09/16/2011", "5 April 2013 Last updated at 11:05
GMT"), `byline` ("By Hayley Tsukayama") or `byline+date`. For each corpus it prints how
many of them the gold keeps (the block's words appear in the gold in order), how many
segclf keeps as body, and the mean page body F1 if segclf dropped each kind.
"""

from __future__ import annotations

import argparse
import collections
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import segclf  # noqa: E402
from segclf.corpus import is_corpus_folder, read_corpus  # noqa: E402
from segclf.evaluate import token_scores  # noqa: E402

_MONTH = re.compile(r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b\.?")
_NUMERIC_DATE = re.compile(r"\d{1,2}[/.]\d{1,2}[/.]\d{2,4}|\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}")
_BYLINE = re.compile(r"^\s*(posted |written |words )?by\s+\S", re.IGNORECASE)
_DATE_WORDS = frozenset(
    """posted published updated last modified at on am pm et est edt gmt bst utc pst pdt cet
    cest monday tuesday wednesday thursday friday saturday sunday mon tue wed thu fri sat sun
    date time uhr le january february march april may june july august september october
    november december jan feb mar apr jun jul aug sep sept oct nov dec and of the""".split()
)


def block_kind(text: str) -> str | None:
    """dateline, byline, byline+date or None (anything else, or longer than 25 words)."""
    words = re.findall(r"[a-z]+|\d+", text.lower())
    if not words or len(words) > 25:
        return None
    has_date = any(w.isdigit() for w in words) and bool(_MONTH.search(text.lower()) or _NUMERIC_DATE.search(text))
    if has_date and all(w.isdigit() or w in _DATE_WORDS for w in words):
        return "dateline"
    if _BYLINE.match(text) and len(words) <= 16:
        return "byline+date" if has_date else "byline"
    return None


def _normalized(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    parser.add_argument("--split", choices=("train", "test"), default="train")
    parser.add_argument("--model", type=Path, default=None, help="segclf model (default: the shipped one)")
    args = parser.parse_args()
    if not args.corpora.is_dir():
        sys.exit(f"error: no corpora folder at {args.corpora} (give --corpora)")
    model = segclf.load_model(args.model) if args.model else None
    drops = {"as is": set(), "no dateline": {"dateline"}, "no dateline, byline+date": {"dateline", "byline+date"},
             "none of the three": {"dateline", "byline", "byline+date"}}
    for folder in sorted(p for p in args.corpora.iterdir() if is_corpus_folder(p)):
        counts: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        f1 = collections.Counter()
        pages = [page for page in read_corpus(folder) if page.split == args.split]
        for page in pages:
            gold = page.gold_text()
            normalized_gold = _normalized(gold)
            blocks = segclf.segment(page.html_bytes(), model=model, encoding=page.encoding_hint)
            kinds = [block_kind(block.text) for block in blocks]
            seen = set()
            for block, kind in zip(blocks, kinds):
                text = _normalized(block.text) if kind else ""
                if kind and text not in seen:
                    seen.add(text)
                    counts[kind][("gold keeps" if text in normalized_gold else "gold drops", block.label == "body")] += 1
            body = [(block, kind) for block, kind in zip(blocks, kinds) if block.label == "body"]
            for name, dropped in drops.items():
                kept = "\n".join(block.text for block, kind in body if kind not in dropped)
                f1[name] += token_scores(kept, gold).f1
        print(f"{folder.name} ({len(pages)} {args.split} pages)")
        for kind, c in sorted(counts.items()):
            kept, dropped = c["gold keeps", True] + c["gold keeps", False], c["gold drops", True] + c["gold drops", False]
            print(f"  {kind:12s} gold keeps {kept}/{kept + dropped}; segclf keeps {c['gold keeps', True]} of those "
                  f"and {c['gold drops', True]} of the {dropped} the gold drops")
        print("  mean page body F1: " + ", ".join(f"{name} {total / max(len(pages), 1):.4f}" for name, total in f1.items()))


if __name__ == "__main__":
    main()
