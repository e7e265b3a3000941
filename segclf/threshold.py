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
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from segclf.evaluate import PageResult, page_body_score
from segclf.model import decide_labels

# The thresholds tried; 0.5 is close to what the most probable label gives.
BODY_THRESHOLDS = tuple(round(0.30 + 0.05 * step, 2) for step in range(12))  # 0.30 ... 0.85


@dataclass
class ThresholdChoice:
    """The chosen threshold and the cross-validated mean page body F1 at each one tried."""

    threshold: float
    body_f1: dict[float, float]
    most_probable_f1: float  # without a threshold: the most probable label wins

    def summary(self) -> str:
        tried = "\n".join(f"  {threshold:.2f}  {f1:.4f}" for threshold, f1 in self.body_f1.items())
        return (
            f"body threshold {self.threshold:.2f}: cross-validated mean page body F1 "
            f"{self.body_f1[self.threshold]:.4f} (most probable label: {self.most_probable_f1:.4f})\n"
            f"threshold  mean page body F1\n{tried}"
        )


def page_body_f1(results: Sequence[PageResult], predicted: Sequence[Sequence[str]]) -> np.ndarray:
    """Per page, the bag-of-token F1 of the predicted body text against the gold body."""
    return np.array([page_body_score(result, labels).f1 for result, labels in zip(results, predicted)], dtype=float)


def mean_body_f1(results: Sequence[PageResult], predicted: Sequence[Sequence[str]]) -> float:
    """Mean over pages of the bag-of-token F1 of the predicted body text against the gold body."""
    scores = page_body_f1(results, predicted)
    return float(scores.mean()) if scores.size else 0.0


def choose_body_threshold(
    results: Sequence[PageResult], labels: Sequence[str], thresholds: Sequence[float] = BODY_THRESHOLDS
) -> ThresholdChoice:
    """The threshold nearest 0.5 whose mean page body F1 on out-of-fold results (which must
    carry their probabilities) is within one standard error of the best one's."""
    if not results or any(result.probabilities is None for result in results):
        raise ValueError("choosing a body threshold needs out-of-fold probabilities for every page")
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
    return ThresholdChoice(threshold=chosen, body_f1=by_threshold, most_probable_f1=most_probable)


def relabel(results: Sequence[PageResult], labels: Sequence[str], threshold: float) -> list[PageResult]:
    """The results as the model with this threshold labels them (for the CV report)."""
    return [replace(result, predicted=decide_labels(result.probabilities, labels, threshold)) for result in results]
