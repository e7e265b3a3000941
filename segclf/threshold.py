"""Choose the body threshold from cross-validated pages, by the page F1 users are judged on.

A classifier trained with class-balanced weights on pages from many sources is not
calibrated for the one decision that matters, body or not: on article pages it keeps a
byline, a legal notice or a "related" line when it is only slightly more sure of body than
of nav. `segclf train --cv K --tune-threshold` therefore predicts every training page with
a model that never saw its site and scores each candidate threshold by mean body-text F1
over those pages (bag of tokens, as the benchmarks score), in two steps:

1. Real pages say which thresholds are as good as the best: those whose mean F1 is within
   one standard error of the best one's (of the per-page differences to it: the
   one-standard-error rule). They are the pages users are judged on, so only they decide
   what a threshold costs in article text.
2. The training copies `segclf augment` writes (site `augmented.*`: failed includes, whole
   error pages, legal notices) choose among those: the one whose body F1 is best on them,
   that is, the one that keeps the most junk out at no cost the real pages can measure.
   Without copies, the one nearest 0.5, the least strict, is taken.

Why not one pool: the copies are over half of the shipped model's training pages and on
them a stricter threshold nearly always pays, so pooled they set the operating point for
real pages: adding soft-404 pages with help text moved it from 0.60 to 0.65 and real
short articles whose body probability sat at 0.63 came out empty. Real pages alone, with
the least strict of the equals, chose 0.50, where a third more of the held-out notice and
error text reached the body (docs/experiments.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from segclf.evaluate import PageResult, page_body_score
from segclf.folds import AUGMENTED_SITE_PREFIX
from segclf.model import decide_labels

# The thresholds tried; 0.5 is close to what the most probable label gives.
BODY_THRESHOLDS = tuple(round(0.30 + 0.05 * step, 2) for step in range(12))  # 0.30 ... 0.85


@dataclass
class ThresholdChoice:
    """The chosen threshold and the cross-validated mean page body F1 at each one tried."""

    threshold: float
    body_f1: dict[float, float]  # mean page body F1 of the real pages at each threshold
    most_probable_f1: float  # real pages, without a threshold: the most probable label wins
    as_good_as_best: tuple[float, ...] = ()  # within one standard error of the best on real pages
    copies_f1: dict[float, float] = field(default_factory=dict)  # the augmented copies', if any
    pages: int = 0
    copies: int = 0

    def summary(self) -> str:
        rows = []
        for threshold, f1 in self.body_f1.items():
            mark = "*" if threshold in self.as_good_as_best else " "
            on_copies = f"  {self.copies_f1[threshold]:.4f}" if self.copies_f1 else ""
            rows.append(f"  {threshold:.2f} {mark} {f1:.4f}{on_copies}")
        header = "threshold  real pages" + ("  copies" if self.copies_f1 else "")
        how = (
            f"of those marked *, the best on the {self.copies} augmented copies"
            if self.copies_f1
            else "of those marked *, the least strict"
        )
        return (
            f"body threshold {self.threshold:.2f}: cross-validated mean page body F1 {self.body_f1[self.threshold]:.4f} "
            f"over {self.pages} real pages (most probable label: {self.most_probable_f1:.4f}); * = within one "
            f"standard error of the best on real pages; {how}\n{header}\n" + "\n".join(rows)
        )


def page_body_f1(results: Sequence[PageResult], predicted: Sequence[Sequence[str]]) -> np.ndarray:
    """Per page, the bag-of-token F1 of the predicted body text against the gold body."""
    return np.array([page_body_score(result, labels).f1 for result, labels in zip(results, predicted)], dtype=float)


def mean_body_f1(results: Sequence[PageResult], predicted: Sequence[Sequence[str]]) -> float:
    """Mean over pages of the bag-of-token F1 of the predicted body text against the gold body."""
    scores = page_body_f1(results, predicted)
    return float(scores.mean()) if scores.size else 0.0


def is_augmented_copy(result: PageResult) -> bool:
    """A training copy written by `segclf augment`, not a real page."""
    return result.site.startswith(AUGMENTED_SITE_PREFIX)


def choose_body_threshold(
    results: Sequence[PageResult], labels: Sequence[str], thresholds: Sequence[float] = BODY_THRESHOLDS
) -> ThresholdChoice:
    """Of the thresholds whose mean page body F1 on the real pages' out-of-fold results
    (which must carry their probabilities) is within one standard error of the best one's,
    the best on the augmented copies, or without copies the one nearest 0.5."""
    if not results or any(result.probabilities is None for result in results):
        raise ValueError("choosing a body threshold needs out-of-fold probabilities for every page")
    real = [result for result in results if not is_augmented_copy(result)]
    copies = [result for result in results if is_augmented_copy(result)]
    if not real:
        raise ValueError("choosing a body threshold needs real pages: every page given is an augmented copy")

    def per_page(pages: Sequence[PageResult], threshold: float) -> np.ndarray:
        return page_body_f1(pages, [decide_labels(result.probabilities, labels, threshold) for result in pages])

    scores = {float(threshold): per_page(real, threshold) for threshold in thresholds}
    by_threshold = {threshold: float(page_scores.mean()) for threshold, page_scores in scores.items()}
    most_probable = mean_body_f1(real, [decide_labels(result.probabilities, labels) for result in real])
    best = max(by_threshold, key=lambda threshold: (round(by_threshold[threshold], 6), -abs(threshold - 0.5)))

    def as_good_as_best(threshold: float) -> bool:
        differences = scores[best] - scores[threshold]
        standard_error = differences.std(ddof=1) / np.sqrt(differences.size) if differences.size > 1 else 0.0
        return differences.mean() <= standard_error

    equals = tuple(threshold for threshold in by_threshold if as_good_as_best(threshold))
    copies_f1 = {threshold: float(per_page(copies, threshold).mean()) for threshold in by_threshold} if copies else {}
    if copies_f1:
        chosen = max(equals, key=lambda t: (round(copies_f1[t], 6), -abs(t - 0.5), -t))
    else:
        chosen = min(equals, key=lambda t: (abs(t - 0.5), t))
    return ThresholdChoice(
        threshold=chosen,
        body_f1=by_threshold,
        most_probable_f1=most_probable,
        as_good_as_best=equals,
        copies_f1=copies_f1,
        pages=len(real),
        copies=len(copies),
    )


def relabel(results: Sequence[PageResult], labels: Sequence[str], threshold: float) -> list[PageResult]:
    """The results as the model with this threshold labels them (for the CV report)."""
    return [replace(result, predicted=decide_labels(result.probabilities, labels, threshold)) for result in results]
