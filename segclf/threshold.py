"""Choose the body threshold from cross-validated pages, by the page F1 users are judged on.

A classifier trained with class-balanced weights on pages from many sources is not
calibrated for the one decision that matters, body or not: on article pages it keeps a
byline, a legal notice or a "related" line when it is only slightly more sure of body than
of nav. `segclf train --cv K --tune-threshold` therefore predicts every training page with
a model that never saw its site, and picks the body probability a block must reach that
gives the best mean body-text F1 over those pages (bag of tokens, as the benchmarks score).
Thresholds whose mean F1 is within one standard error of the best (of the per-page
differences to it: the one-standard-error rule) are as good as the best as far as the data
can tell; of those, the one nearest 0.5, the least strict, is taken. Two builds whose data
differed by little chose 0.65 and 0.70 at .0002 apart, and the stricter one dropped whole
short articles whose body probability sat just under it.

Only real pages vote: the training copies `segclf augment` writes (site `augmented.*`)
teach the error and notice labels, but they are more than half of the shipped model's
training pages and their body is injected junk or, on whole error pages, nothing at all,
so a stricter threshold always looks better on them. Counted in, they moved the threshold
from 0.60 to 0.65 when soft-404 pages with help text were added, and real short articles
whose body probability sat at 0.63 came out empty.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

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
    body_f1: dict[float, float]
    most_probable_f1: float  # without a threshold: the most probable label wins
    pages: int = 0  # the real pages the choice was made on
    copies_left_out: int = 0  # augmented training copies, which do not vote

    def summary(self) -> str:
        tried = "\n".join(f"  {threshold:.2f}  {f1:.4f}" for threshold, f1 in self.body_f1.items())
        return (
            f"body threshold {self.threshold:.2f}: cross-validated mean page body F1 "
            f"{self.body_f1[self.threshold]:.4f} (most probable label: {self.most_probable_f1:.4f}) "
            f"over {self.pages} real pages ({self.copies_left_out} augmented copies left out)\n"
            f"threshold  mean page body F1\n{tried}"
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
    """The threshold nearest 0.5 whose mean page body F1 on out-of-fold results (which must
    carry their probabilities) is within one standard error of the best one's, over the
    real pages only (augmented copies do not vote; see the module docstring)."""
    if not results or any(result.probabilities is None for result in results):
        raise ValueError("choosing a body threshold needs out-of-fold probabilities for every page")
    copies = sum(1 for result in results if is_augmented_copy(result))
    results = [result for result in results if not is_augmented_copy(result)]
    if not results:
        raise ValueError("choosing a body threshold needs real pages: every page given is an augmented copy")
    scores = {
        float(threshold): page_body_f1(results, [decide_labels(result.probabilities, labels, threshold) for result in results])
        for threshold in thresholds
    }
    by_threshold = {threshold: float(page_scores.mean()) for threshold, page_scores in scores.items()}
    most_probable = mean_body_f1(results, [decide_labels(result.probabilities, labels) for result in results])
    best = max(by_threshold, key=lambda threshold: (round(by_threshold[threshold], 6), -abs(threshold - 0.5)))

    def as_good_as_best(threshold: float) -> bool:
        differences = scores[best] - scores[threshold]
        standard_error = differences.std(ddof=1) / np.sqrt(differences.size) if differences.size > 1 else 0.0
        return differences.mean() <= standard_error

    chosen = min((t for t in by_threshold if as_good_as_best(t)), key=lambda t: (abs(t - 0.5), t))
    return ThresholdChoice(
        threshold=chosen, body_f1=by_threshold, most_probable_f1=most_probable, pages=len(results), copies_left_out=copies
    )


def relabel(results: Sequence[PageResult], labels: Sequence[str], threshold: float) -> list[PageResult]:
    """The results as the model with this threshold labels them (for the CV report)."""
    return [replace(result, predicted=decide_labels(result.probabilities, labels, threshold)) for result in results]
