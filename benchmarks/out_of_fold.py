"""Out-of-fold page F1 on the corpora's training pages: how training choices are judged
without touching the test split.

    bash models/rebuild.sh                       # once: build/training (import + augment)
    python benchmarks/out_of_fold.py             # the shipped configuration
    python benchmarks/out_of_fold.py --page-weight-power 0   # training as in session 1

Every training input of the shipped model (labeled/, the corpora's train pages, the
augmented copies) is split into site folds (a copy stays with its original); each fold is
predicted, one page at a time, by a model fitted on the others. The corpora's original
training pages are then scored against the corpus's own gold text (bag of tokens, as in
accuracy.py), with the most probable label and at several body thresholds. About 9
minutes on 2 cores with 2 folds.

    python benchmarks/out_of_fold.py --copies    # the augmented copies too
    python benchmarks/out_of_fold.py --fallback 0.4   # with the shipped model's fallback threshold

`--copies` also scores every augmented copy against its own labels (the body text its
labels keep). `segclf train --tune-threshold` chooses the body threshold on all pages,
copies included, so a change that leaves the real pages as they were can still move the
threshold through the copies (docs/experiments.md, "Fewer, larger trees"): this shows it.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from segclf.corpus import read_corpus  # noqa: E402
from segclf.evaluate import body_text, token_scores  # noqa: E402
from segclf.folds import is_augmented_copy, site_folds  # noqa: E402
from segclf.labeled import LABELS, find_labeled_files, read_labeled  # noqa: E402
from segclf.model import PAGE_WEIGHT_POWER, decide_labels, fit_model  # noqa: E402

THRESHOLDS = (None, 0.5, 0.6, 0.65, 0.7, 0.75)
COPIES = "augmented copies"


def training_inputs(build: Path) -> list[Path]:
    return [ROOT / "labeled", *sorted((build / "corpora").glob("*/train")), build / "augmented"]


def corpus_of(path: Path) -> str | None:
    """The corpus an imported training page comes from (None: labeled page or a copy)."""
    parts = path.parts
    if "corpora" in parts and parts[-2] == "train":
        return parts[parts.index("corpora") + 1]
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", type=Path, default=ROOT / "build" / "training", help="rebuild.sh's build folder")
    parser.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    parser.add_argument("--folds", type=int, default=2)
    parser.add_argument("--page-weight-power", type=float, default=PAGE_WEIGHT_POWER)
    parser.add_argument(
        "--pages-out", type=Path, help="JSON lines: every scored page's F1 per threshold and its blocks' probability of each label"
    )
    parser.add_argument("--words", action="store_true", help="train with the word model (segclf.words)")
    parser.add_argument("--copies", action="store_true", help="also score the augmented copies against their labels")
    parser.add_argument(
        "--fallback", type=float, help="at every threshold, also the model's lower fallback threshold (the shipped one: 0.4)"
    )
    args = parser.parse_args()
    if not (args.build / "corpora").is_dir():
        raise SystemExit(f"no imported corpora in {args.build}: run bash models/rebuild.sh first")

    paths, items = [], []
    for path in find_labeled_files(training_inputs(args.build)):
        try:
            items.append(read_labeled(path))
            paths.append(path)
        except Exception as exc:  # the same pages train skips
            print(f"skipped {path}: {exc}", file=sys.stderr)
    pages = [item.page for item in items]
    gold_text = {
        corpus: {page.id: page.gold_text() for page in read_corpus(args.corpora / corpus) if page.split == "train"}
        for corpus in sorted({c for c in map(corpus_of, paths) if c})
    }
    scores: dict[str, dict[float | None, list[float]]] = {}
    pages_out = args.pages_out.open("w", encoding="utf-8") if args.pages_out else None
    for number, held_out in enumerate(site_folds(pages, args.folds), 1):
        started = time.time()
        held = set(held_out)
        model = fit_model(
            [p for i, p in enumerate(pages) if i not in held],
            [item.labels for i, item in enumerate(items) if i not in held],
            page_weight_power=args.page_weight_power,
            words=args.words,
        )
        print(f"fold {number}: fitted in {time.time() - started:.0f} s", file=sys.stderr, flush=True)
        for index in held_out:
            corpus = corpus_of(paths[index])
            if corpus is None and not (args.copies and is_augmented_copy(pages[index])):
                continue
            (_, probabilities), = model.predict_pages([pages[index]])
            texts = [block.text for block in pages[index].blocks]
            lengths = [len(text) for text in texts]
            if corpus is None:  # a copy: its gold is the body its labels keep
                corpus = COPIES
                gold = body_text(texts, items[index].labels)
            else:
                gold = gold_text[corpus][paths[index].stem]
            page_f1 = {}
            for threshold in THRESHOLDS:
                predicted = decide_labels(probabilities, LABELS, threshold, args.fallback, lengths)
                page_f1[threshold] = token_scores(body_text(texts, predicted), gold).f1
                scores.setdefault(corpus, {}).setdefault(threshold, []).append(page_f1[threshold])
            if pages_out:
                by_label = {label: [round(float(p), 3) for p in probabilities[:, column]]
                            for column, label in enumerate(LABELS)}
                record = {"corpus": corpus, "path": str(paths[index]), "fold": number,
                          "f1": {str(t): round(f, 4) for t, f in page_f1.items()},
                          "body_probability": by_label["body"], "probability": by_label}
                pages_out.write(json.dumps(record) + "\n")
    if pages_out:
        pages_out.close()

    names = ["most probable" if t is None else f"body >= {t}" for t in THRESHOLDS]
    fallback = "" if args.fallback is None else f", fallback {args.fallback}"
    print(f"out-of-fold mean page F1, {args.folds} folds by site, page weight power {args.page_weight_power}{fallback}\n")
    print("| corpus | pages | " + " | ".join(names) + " |")
    print("| --- | ---: | " + " | ".join("---:" for _ in names) + " |")
    for corpus, by_threshold in scores.items():
        cells = " | ".join(f"{np.mean(by_threshold[t]):.4f}" for t in THRESHOLDS)
        print(f"| {corpus} | {len(by_threshold[None])} | {cells} |")
    real = {corpus: by_threshold for corpus, by_threshold in scores.items() if corpus != COPIES}
    every = " | ".join(f"{np.mean([f for c in real.values() for f in c[t]]):.4f}" for t in THRESHOLDS)
    print(f"| all original pages | {sum(len(c[None]) for c in real.values())} | {every} |")


if __name__ == "__main__":
    main()
