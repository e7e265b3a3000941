"""Choose the body threshold from cross-validated pages, by the page F1 users are judged on.

A classifier trained with class-balanced weights on pages from many sources is not
calibrated for the one decision that matters, body or not: on article pages it keeps a
byline, a legal notice or a "related" line when it is only slightly more sure of body than
of nav. `segclf train --cv K --tune-threshold` therefore predicts every training page with
a model that never saw its site, and picks the body probability a block must reach that
gives the best mean body-text F1 over those pages (bag of tokens, as the benchmarks score).
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


def mean_body_f1(results: Sequence[PageResult], predicted: Sequence[Sequence[str]]) -> float:
    """Mean over pages of the bag-of-token F1 of the predicted body text against the gold body."""
    scores = [page_body_score(result, labels).f1 for result, labels in zip(results, predicted)]
    return float(np.mean(scores)) if scores else 0.0


def choose_body_threshold(
    results: Sequence[PageResult], labels: Sequence[str], thresholds: Sequence[float] = BODY_THRESHOLDS
) -> ThresholdChoice:
    """The threshold with the best mean page body F1 on out-of-fold results (which must
    carry their probabilities); ties go to the one nearest 0.5."""
    if not results or any(result.probabilities is None for result in results):
        raise ValueError("choosing a body threshold needs out-of-fold probabilities for every page")
    by_threshold = {
        float(threshold): mean_body_f1(
            results, [decide_labels(result.probabilities, labels, threshold) for result in results]
        )
        for threshold in thresholds
    }
    most_probable = mean_body_f1(results, [decide_labels(result.probabilities, labels) for result in results])
    best = max(by_threshold, key=lambda threshold: (round(by_threshold[threshold], 6), -abs(threshold - 0.5)))
    return ThresholdChoice(threshold=best, body_f1=by_threshold, most_probable_f1=most_probable)


def relabel(results: Sequence[PageResult], labels: Sequence[str], threshold: float) -> list[PageResult]:
    """The results as the model with this threshold labels them (for the CV report)."""
    return [replace(result, predicted=decide_labels(result.probabilities, labels, threshold)) for result in results]
