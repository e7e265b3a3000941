#!/usr/bin/env python
"""How well segclf cleans plain text: the corpora's test pages as a scraper saves them.

Each test page (or, with --split train, each training page) is turned into whole-page
text with html-text (one line per block, as a naive scraper keeps it; in the `bench`
extra), then cleaned by segclf as plain text, and scored against the corpus gold like
accuracy.py (bag of tokens, CJK per character, mean over pages). Three columns per
corpus: keeping every line, the model's own labels on the lines
(segclf before segclf/plaintext.py), and what `segclf clean` does now.

    python benchmarks/plain_text.py [--corpus dragnet ...] [--split train] [--limit N]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from segclf.blocks import segment_text  # noqa: E402
from segclf.corpus import is_corpus_folder, read_corpus  # noqa: E402
from segclf.decode import decode_html  # noqa: E402
from segclf.evaluate import body_text, token_scores  # noqa: E402
from segclf.extract import default_model_path, page_labels  # noqa: E402
from segclf.model import load_model  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    parser.add_argument("--corpus", action="append", help="repeat for several (default: every corpus)")
    parser.add_argument("--split", default="test", choices=("test", "train"))
    parser.add_argument("--limit", type=int, help="first N pages per corpus")
    args = parser.parse_args()
    import html_text

    model = load_model(default_model_path())
    names = args.corpus or sorted(p.name for p in args.corpora.iterdir() if is_corpus_folder(p))
    print("| corpus | pages | every line | model labels only | segclf clean (plain text) |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name in names:
        pages = [page for page in read_corpus(args.corpora / name) if page.split == args.split][: args.limit]
        every, model_only, cleaned = [], [], []
        for corpus_page in pages:
            html = decode_html(corpus_page.html_bytes(), corpus_page.encoding_hint).text
            text = html_text.extract_text(html, guess_layout=True)
            page = segment_text(text)
            gold = corpus_page.gold_text()
            texts = [block.text for block in page.blocks]
            if not texts:
                scores = [token_scores("", gold).f1] * 3
            else:
                [(labels, _)] = model.predict_pages([page])
                rule = page_labels(page, labels)
                scores = [token_scores(t, gold).f1 for t in ("\n".join(texts), body_text(texts, labels), body_text(texts, rule))]
            for column, score in zip((every, model_only, cleaned), scores):
                column.append(score)
        if pages:
            print(f"| {name} | {len(pages)} | {np.mean(every):.3f} | {np.mean(model_only):.3f} | {np.mean(cleaned):.3f} |")


if __name__ == "__main__":
    main()
