"""How many error-fragment blocks leak into the body text, at several body thresholds.

    python benchmarks/error_leaks.py                       # build/training/heldout-errors
    python benchmarks/error_leaks.py --pages DIR --model M

The pages are labeled copies with injected error fragments (rebuild.sh writes the corpora's
test pages with fragments of families the model never saw to build/training/heldout-errors).
For each threshold: error-label recall, error blocks that came out as body (what a reader of
the cleaned text would see), and mean page body F1 against the labels. This is the figure
that a stricter body threshold pays for and out_of_fold.py, on pages without fragments,
cannot show. About a minute for 863 pages.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from segclf.evaluate import body_text, token_scores  # noqa: E402
from segclf.labeled import find_labeled_files, read_labeled  # noqa: E402
from segclf.model import decide_labels, load_model  # noqa: E402

THRESHOLDS = (None, 0.5, 0.6, 0.65, 0.7, 0.75)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=Path, default=ROOT / "build" / "training" / "heldout-errors")
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "segclf-default.joblib")
    args = parser.parse_args()
    files = find_labeled_files([args.pages]) if args.pages.is_dir() else []
    if not files:
        raise SystemExit(f"no labeled pages in {args.pages}: run bash models/rebuild.sh first")
    model = load_model(args.model)
    errors = 0
    counts = {threshold: [0, 0] for threshold in THRESHOLDS}  # error blocks found, leaked as body
    page_f1: dict[float | None, list[float]] = {threshold: [] for threshold in THRESHOLDS}
    for path in files:
        labeled = read_labeled(path)
        _, probabilities = model.predict_page(labeled.page)
        texts = [block.text for block in labeled.page.blocks]
        gold_body = body_text(texts, labeled.labels)
        errors += sum(g == "error" for g in labeled.labels)
        for threshold in THRESHOLDS:
            predicted = decide_labels(probabilities, model.labels, threshold)
            for gold, label in zip(labeled.labels, predicted):
                if gold == "error":
                    counts[threshold][0] += label == "error"
                    counts[threshold][1] += label == "body"
            page_f1[threshold].append(token_scores(body_text(texts, predicted), gold_body).f1)
    print(f"{len(files)} pages, {errors} error blocks ({args.pages})\n")
    print("| body threshold | error recall | error blocks in the body | mean page body F1 |")
    print("| --- | ---: | ---: | ---: |")
    for threshold in THRESHOLDS:
        found, leaked = counts[threshold]
        name = "most probable" if threshold is None else f"{threshold:.2f}"
        print(f"| {name} | {found / max(errors, 1):.3f} | {leaked} | {np.mean(page_f1[threshold]):.4f} |")


if __name__ == "__main__":
    main()
