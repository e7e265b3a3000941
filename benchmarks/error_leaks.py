"""How many injected junk blocks (error fragments or legal notices) leak into the body text,
at several body thresholds.

    python benchmarks/error_leaks.py                       # build/training/heldout-errors
    python benchmarks/error_leaks.py --notices             # build/training/heldout-notices
    python benchmarks/error_leaks.py --pages DIR --model M

The pages are labeled copies with junk injected that the model never saw in training:
rebuild.sh writes the corpora's test pages with error fragments of held-out families to
build/training/heldout-errors, and with held-out copyright/reprint/disclaimer notices
(segclf.augment.HELD_OUT_NOTICES) to build/training/heldout-notices.
For each threshold: how many junk blocks got their own label (error; nav for a notice), how
many came out as body (what a reader of the cleaned text would see), the share of the junk's
tokens in the body, and mean page body F1 against the labels. This is the figure that a
stricter body threshold pays for and out_of_fold.py, on pages without injected junk, cannot
show. About a minute for 863 pages.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np
from lxml import html as lxml_html

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from segclf.augment import NOTICE_DIR, load_fragments  # noqa: E402
from segclf.evaluate import body_text, token_scores  # noqa: E402
from segclf.labeled import find_labeled_files, read_labeled  # noqa: E402
from segclf.model import decide_labels, load_model  # noqa: E402
from segclf.text import tokens  # noqa: E402

THRESHOLDS = (None, 0.5, 0.6, 0.65, 0.7, 0.75)
_NOTICE_META = re.compile(rb'name="segclf-augmented" content="notice: ([^"]+)"')
_SPACE = re.compile(r"\s+")


def _squeezed(text: str) -> str:
    return _SPACE.sub("", text)


def notice_texts() -> dict[str, str]:
    """Each notice's text without white space, by its `family__name`."""
    return {
        f"{fragment.family}__{fragment.name}": _squeezed(lxml_html.fragment_fromstring(fragment.html, create_parent="div").text_content())
        for fragment in load_fragments(NOTICE_DIR)
    }


def junk_mask(path: Path, texts: list[str], labels: list[str | None], notices: dict[str, str] | None) -> list[bool]:
    """Which blocks are the injected junk: error blocks, or the nav blocks of the page's notice."""
    if notices is None:
        return [label == "error" for label in labels]
    found = _NOTICE_META.search(path.read_bytes())
    notice = notices.get(found.group(1).decode()) if found else None
    if notice is None:
        return [False] * len(texts)
    return [label == "nav" and bool(_squeezed(text)) and _squeezed(text) in notice for text, label in zip(texts, labels)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=Path, help="labeled copies (default: build/training/heldout-errors, or heldout-notices)")
    parser.add_argument("--notices", action="store_true", help="the junk is a legal notice (labeled nav), not error fragments")
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "segclf-default.joblib")
    args = parser.parse_args()
    pages = args.pages or ROOT / "build" / "training" / ("heldout-notices" if args.notices else "heldout-errors")
    files = find_labeled_files([pages]) if pages.is_dir() else []
    if not files:
        raise SystemExit(f"no labeled pages in {pages}: run bash models/rebuild.sh first")
    model = load_model(args.model)
    notices = notice_texts() if args.notices else None
    junk_blocks = junk_tokens = 0
    # The rows: each threshold alone, then the model's own decision (its threshold and fallback).
    own = f"model's own ({model.body_threshold:.2f}, fallback {model.body_fallback})" if model.body_threshold else None
    rows: list[float | str | None] = [*THRESHOLDS, *([own] if own else [])]
    counts = {row: [0, 0, 0] for row in rows}  # junk blocks labeled right, leaked as body, tokens leaked
    page_f1: dict[float | str | None, list[float]] = {row: [] for row in rows}
    kind = "nav" if args.notices else "error"  # the label the junk should get
    for path in files:
        labeled = read_labeled(path)
        model_labels, probabilities = model.predict_page(labeled.page)
        texts = [block.text for block in labeled.page.blocks]
        gold_body = body_text(texts, labeled.labels)
        junk = junk_mask(path, texts, labeled.labels, notices)
        junk_blocks += sum(junk)
        junk_tokens += sum(len(tokens(text)) for text, is_junk in zip(texts, junk) if is_junk)
        for row in rows:
            predicted = model_labels if row == own else decide_labels(probabilities, model.labels, row)
            for text, is_junk, label in zip(texts, junk, predicted):
                if is_junk:
                    counts[row][0] += label == kind
                    counts[row][1] += label == "body"
                    counts[row][2] += len(tokens(text)) if label == "body" else 0
            page_f1[row].append(token_scores(body_text(texts, predicted), gold_body).f1)
    what = "notice" if args.notices else "error"
    print(f"{len(files)} pages, {junk_blocks} {what} blocks, {junk_tokens} tokens ({pages})\n")
    print(f"| body threshold | {what} blocks labeled {kind} | {what} blocks in the body | {what} tokens in the body | mean page body F1 |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for row in rows:
        right, leaked, leaked_tokens = counts[row]
        name = "most probable" if row is None else row if isinstance(row, str) else f"{row:.2f}"
        print(
            f"| {name} | {right / max(junk_blocks, 1):.3f} | {leaked} | {leaked_tokens / max(junk_tokens, 1):.3f} | "
            f"{np.mean(page_f1[row]):.4f} |"
        )


if __name__ == "__main__":
    main()
