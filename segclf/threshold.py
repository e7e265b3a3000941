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

A short article can also sit wholly under the threshold: a forum post, a two-paragraph
news brief, whose blocks reach .45 to .58 and nothing else on the page does. Such a page
came out empty. So a lower fallback threshold is chosen too, for pages left with no sure
article and no error block (segclf.model.decide_labels): the fallback with the best mean
page body F1 at the chosen threshold, if it beats no fallback by more than one standard
error of the per-page differences.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from segclf.evaluate import PageResult, page_body_score
from segclf.model import decide_labels

# The thresholds tried; 0.5 is close to what the most probable label gives.
BODY_THRESHOLDS = tuple(round(0.30 + 0.05 * step, 2) for step in range(12))  # 0.30 ... 0.85
# The fallback thresholds tried (only those under the chosen threshold).
BODY_FALLBACKS = (0.55, 0.5, 0.45, 0.4, 0.35, 0.3, 0.25)


@dataclass
class ThresholdChoice:
    """The chosen threshold and the cross-validated mean page body F1 at each one tried."""

    threshold: float
    body_f1: dict[float, float]
    most_probable_f1: float  # without a threshold: the most probable label wins
    fallback: float | None = None
    fallback_f1: dict[float, float] = field(default_factory=dict)  # at the chosen threshold

    def summary(self) -> str:
        tried = "\n".join(f"  {threshold:.2f}  {f1:.4f}" for threshold, f1 in self.body_f1.items())
        text = (
            f"body threshold {self.threshold:.2f}: cross-validated mean page body F1 "
            f"{self.body_f1[self.threshold]:.4f} (most probable label: {self.most_probable_f1:.4f})\n"
            f"threshold  mean page body F1\n{tried}"
        )
        if not self.fallback_f1:
            return text
        chosen = "none" if self.fallback is None else f"{self.fallback:.2f}"
        fallbacks = "\n".join(f"  {fallback:.2f}  {f1:.4f}" for fallback, f1 in self.fallback_f1.items())
        return (
            f"{text}\n\nfallback threshold for pages with no sure article and no error block: {chosen}\n"
            f"fallback   mean page body F1 at body threshold {self.threshold:.2f} "
            f"(none: {self.body_f1[self.threshold]:.4f})\n{fallbacks}"
        )


def page_body_f1(results: Sequence[PageResult], predicted: Sequence[Sequence[str]]) -> np.ndarray:
    """Per page, the bag-of-token F1 of the predicted body text against the gold body."""
    return np.array([page_body_score(result, labels).f1 for result, labels in zip(results, predicted)], dtype=float)


def mean_body_f1(results: Sequence[PageResult], predicted: Sequence[Sequence[str]]) -> float:
    """Mean over pages of the bag-of-token F1 of the predicted body text against the gold body."""
    scores = page_body_f1(results, predicted)
    return float(scores.mean()) if scores.size else 0.0


def choose_body_threshold(
    results: Sequence[PageResult],
    labels: Sequence[str],
    thresholds: Sequence[float] = BODY_THRESHOLDS,
    fallbacks: Sequence[float] = BODY_FALLBACKS,
) -> ThresholdChoice:
    """The threshold nearest 0.5 whose mean page body F1 on out-of-fold results (which must
    carry their probabilities) is within one standard error of the best one's, and the
    fallback threshold that pays at it (choose_fallback)."""
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
        return differences.mean() <= _standard_error(differences)

    chosen = min((t for t in by_threshold if as_good_as_best(t)), key=lambda t: (abs(t - 0.5), t))
    fallback, fallback_f1 = choose_fallback(results, labels, chosen, scores[chosen], fallbacks)
    return ThresholdChoice(chosen, by_threshold, most_probable, fallback, fallback_f1)


def choose_fallback(
    results: Sequence[PageResult],
    labels: Sequence[str],
    threshold: float,
    without: np.ndarray,
    fallbacks: Sequence[float] = BODY_FALLBACKS,
) -> tuple[float | None, dict[float, float]]:
    """The fallback threshold with the best mean page body F1 at this body threshold, if it
    beats no fallback (per-page scores `without`) by more than one standard error; else None."""
    lengths = _block_lengths(results)
    scores = {
        float(fallback): page_body_f1(results, _decided(results, labels, threshold, fallback, lengths))
        for fallback in fallbacks
        if fallback < threshold
    }
    if not scores:
        return None, {}
    best = max(scores, key=lambda fallback: (round(float(scores[fallback].mean()), 6), fallback))
    gains = scores[best] - without
    chosen = best if gains.mean() > _standard_error(gains) else None
    return chosen, {fallback: float(page_scores.mean()) for fallback, page_scores in scores.items()}


def _standard_error(differences: np.ndarray) -> float:
    """Standard error of the mean of per-page differences (0 for a single page)."""
    return float(differences.std(ddof=1) / np.sqrt(differences.size)) if differences.size > 1 else 0.0


def _block_lengths(results: Sequence[PageResult]) -> list[list[int]]:
    return [[len(text) for text in result.texts] for result in results]


def _decided(
    results: Sequence[PageResult],
    labels: Sequence[str],
    threshold: float,
    fallback: float | None,
    lengths: Sequence[Sequence[int]],
) -> list[list[str]]:
    return [
        decide_labels(result.probabilities, labels, threshold, fallback, page_lengths)
        for result, page_lengths in zip(results, lengths)
    ]


def relabel(
    results: Sequence[PageResult], labels: Sequence[str], threshold: float, fallback: float | None = None
) -> list[PageResult]:
    """The results as the model with this threshold (and fallback) labels them (for the CV report)."""
    decided = _decided(results, labels, threshold, fallback, _block_lengths(results))
    return [replace(result, predicted=predicted) for result, predicted in zip(results, decided)]
