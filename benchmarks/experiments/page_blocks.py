"""One corpus page's blocks as segclf labels them, beside how much of each the gold holds.

    python benchmarks/experiments/page_blocks.py cleanportaleval washingtonpost.com_blog1_15
    python benchmarks/experiments/page_blocks.py dragnet R788 --all --model M

One-off analysis behind docs/experiments.md: where segclf's precision or recall goes on a
page. Each line is a block segclf keeps (KEEP) or drops (drop), its body probability, the
share of its tokens found in the gold (a bag of tokens, as the benchmarks score), and its
text. `!!` marks a kept block mostly missing from the gold or a dropped one mostly in it.
Without --all, dropped blocks the model was sure of (body probability under 0.3) are left out.
"""

from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import segclf  # noqa: E402
from segclf.corpus import is_corpus_folder, read_corpus  # noqa: E402
from segclf.text import tokens  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus")
    parser.add_argument("page_id")
    parser.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    parser.add_argument("--model", type=Path, default=None, help="segclf model (default: the shipped one)")
    parser.add_argument("--all", action="store_true", help="also the blocks the model surely dropped")
    args = parser.parse_args()
    folder = args.corpora / args.corpus
    if not is_corpus_folder(folder):
        sys.exit(f"error: {folder} is not a corpus folder (html/, gold/, meta.jsonl)")
    page = next((p for p in read_corpus(folder) if p.id == args.page_id), None)
    if page is None:
        sys.exit(f"error: no page {args.page_id!r} in {folder}")
    gold = collections.Counter(tokens(page.gold_text()))
    model = segclf.load_model(args.model) if args.model else None
    for block in segclf.segment(page.html_bytes(), model=model, encoding=page.encoding_hint):
        words = tokens(block.text)
        body = block.probabilities["body"]
        if not words or (block.label != "body" and body < 0.3 and not args.all):
            continue
        in_gold = sum(1 for word in words if gold[word] > 0) / len(words)
        kept = block.label == "body"
        flag = "!!" if (kept and in_gold < 0.5) or (not kept and in_gold > 0.8) else "  "
        print(f"{flag}{'KEEP' if kept else 'drop'} p={body:.2f} gold={in_gold:.2f} n={len(words):4d} {block.text[:150]!r}")


if __name__ == "__main__":
    main()
