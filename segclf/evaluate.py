"""Metrics and reports: per-label scores by blocks and by characters, confusion matrix,
and bag-of-token precision/recall/F1 of the extracted body text (CJK per character),
averaged over pages as the article-extraction benchmarks do.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from segclf.labeled import LABELS
from segclf.text import tokens


# A per-group table longer than this shows only its weakest groups.
MAX_GROUP_ROWS = 40
WEAKEST_GROUP_ROWS = 10


@dataclass
class TokenScore:
    precision: float
    recall: float
    f1: float
    predicted_tokens: int = 0  # token counts of the two texts (0: empty), for aggregations
    gold_tokens: int = 0  # that treat empty outputs or golds apart (benchmarks/accuracy.py)


# Resamples of the pages for a bootstrap interval: enough for the second decimal of a 95% bound.
BOOTSTRAP_DRAWS = 2000


@dataclass(frozen=True)
class PairedDifference:
    """Mean per-page difference of two extractors' (or models') scores on the same pages."""

    mean: float
    low: float  # bounds of the bootstrap interval of the mean
    high: float
    pages: int

    @property
    def clear(self) -> bool:
        """The interval leaves out 0: the sign of the difference is more than page noise."""
        return self.low > 0 or self.high < 0


def paired_difference(
    ours: Sequence[float], theirs: Sequence[float], draws: int = BOOTSTRAP_DRAWS, level: float = 0.95, seed: int = 0
) -> PairedDifference:
    """The mean of ours - theirs, page by page, with a percentile bootstrap interval (pages resampled
    in pairs). A test split of 27 pages moves by 1/27 when one page flips; the interval says whether a
    margin is more than such flips."""
    differences = np.asarray(ours, dtype=float) - np.asarray(theirs, dtype=float)
    if differences.size == 0:
        return PairedDifference(0.0, 0.0, 0.0, 0)
    resampled = np.random.default_rng(seed).integers(0, differences.size, size=(draws, differences.size))
    means = differences[resampled].mean(axis=1)
    low, high = np.quantile(means, [(1 - level) / 2, (1 + level) / 2])
    return PairedDifference(float(differences.mean()), float(low), float(high), int(differences.size))


def paired_difference_by_page(ours: Mapping[str, float], theirs: Mapping[str, float]) -> PairedDifference:
    """paired_difference over the pages both score (keyed by page id or name)."""
    shared = [page for page in ours if page in theirs]
    return paired_difference([ours[page] for page in shared], [theirs[page] for page in shared])


def token_scores(predicted: str, gold: str) -> TokenScore:
    """Bag-of-token overlap of two texts; an empty prediction of an empty gold is perfect."""
    predicted_bag, gold_bag = Counter(tokens(predicted)), Counter(tokens(gold))
    overlap = sum((predicted_bag & gold_bag).values())
    predicted_total, gold_total = sum(predicted_bag.values()), sum(gold_bag.values())
    if predicted_total == 0 and gold_total == 0:
        return TokenScore(1.0, 1.0, 1.0, 0, 0)
    precision = overlap / predicted_total if predicted_total else 1.0
    recall = overlap / gold_total if gold_total else 1.0
    f1 = 2 * precision * recall / (precision + recall) if overlap else 0.0
    return TokenScore(precision, recall, f1, predicted_total, gold_total)


@dataclass
class PageResult:
    """One page's gold and predicted block labels, with block texts."""

    name: str
    site: str
    texts: list[str]
    gold: list[str | None]
    predicted: list[str]
    group: str = ""  # corpus or folder, for per-group tables
    probabilities: np.ndarray | None = None  # one row per block, in the model's label order


@dataclass
class Report:
    """Everything `segclf evaluate` prints, as data (also the --json output)."""

    pages: int
    blocks: int
    unlabeled_blocks: int
    by_blocks: dict[str, dict[str, float]]
    by_chars: dict[str, dict[str, float]]
    confusion: list[list[int]]  # rows gold, columns predicted, in LABELS order
    body_tokens: dict[str, float]
    per_group: dict[str, dict[str, float]] = field(default_factory=dict)
    worst_pages: list[dict[str, float | str]] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "labels": list(LABELS),
            "pages": self.pages,
            "blocks": self.blocks,
            "unlabeled_blocks": self.unlabeled_blocks,
            "by_blocks": self.by_blocks,
            "by_chars": self.by_chars,
            "confusion": {"rows": "gold", "columns": "predicted", "matrix": self.confusion},
            "body_tokens": self.body_tokens,
            "per_group": self.per_group,
            "worst_pages": self.worst_pages,
        }


def _label_scores(gold: np.ndarray, predicted: np.ndarray, weights: np.ndarray) -> dict[str, dict[str, float]]:
    scores: dict[str, dict[str, float]] = {}
    for label in LABELS:
        true_positive = float(weights[(gold == label) & (predicted == label)].sum())
        gold_total = float(weights[gold == label].sum())
        predicted_total = float(weights[predicted == label].sum())
        precision = true_positive / predicted_total if predicted_total else 0.0
        recall = true_positive / gold_total if gold_total else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores[label] = {"precision": precision, "recall": recall, "f1": f1, "support": gold_total}
    return scores


def body_text(texts: Sequence[str], labels: Sequence[str | None], keep: Sequence[str] = ("body",)) -> str:
    return "\n".join(text for text, label in zip(texts, labels) if label in keep)


def page_body_score(result: PageResult, predicted: Sequence[str] | None = None) -> TokenScore:
    """Bag-of-token scores of a page's predicted body text (or of `predicted` labels) against its gold body text."""
    labels = result.predicted if predicted is None else predicted
    return token_scores(body_text(result.texts, labels), body_text(result.texts, result.gold))


def build_report(results: Sequence[PageResult], worst: int = 10) -> Report:
    """Aggregate page results; unlabeled gold blocks are left out of block metrics."""
    gold, predicted, chars = [], [], []
    unlabeled = 0
    page_scores: list[tuple[PageResult, TokenScore]] = []
    for result in results:
        for text, gold_label, predicted_label in zip(result.texts, result.gold, result.predicted):
            if gold_label is None:
                unlabeled += 1
                continue
            gold.append(gold_label)
            predicted.append(predicted_label)
            chars.append(len(text))
        score = page_body_score(result)
        page_scores.append((result, score))
    gold_array = np.array(gold, dtype=object)
    predicted_array = np.array(predicted, dtype=object)
    confusion = [
        [int(((gold_array == g) & (predicted_array == p)).sum()) for p in LABELS] for g in LABELS
    ]

    def mean_scores(scores: Sequence[TokenScore]) -> dict[str, float]:
        if not scores:
            return {"precision": 0.0, "recall": 0.0, "f1": 0.0, "pages": 0}
        return {
            "precision": float(np.mean([s.precision for s in scores])),
            "recall": float(np.mean([s.recall for s in scores])),
            "f1": float(np.mean([s.f1 for s in scores])),
            "pages": len(scores),
        }

    groups: dict[str, list[TokenScore]] = {}
    for result, score in page_scores:
        groups.setdefault(result.group or result.site, []).append(score)
    ranked = sorted(page_scores, key=lambda item: item[1].f1)[:worst]
    return Report(
        pages=len(results),
        blocks=len(gold),
        unlabeled_blocks=unlabeled,
        by_blocks=_label_scores(gold_array, predicted_array, np.ones(len(gold))),
        by_chars=_label_scores(gold_array, predicted_array, np.array(chars, dtype=float)),
        confusion=confusion,
        body_tokens=mean_scores([score for _, score in page_scores]),
        per_group={name: mean_scores(scores) for name, scores in sorted(groups.items())},
        worst_pages=[
            {"page": result.name, "f1": score.f1, "precision": score.precision, "recall": score.recall}
            for result, score in ranked
        ],
    )


def format_report(report: Report, title: str = "") -> str:
    """The plain-text report a person reads."""
    lines = []
    if title:
        lines += [title, "=" * len(title)]
    lines.append(
        f"{report.pages} pages, {report.blocks} labeled blocks"
        + (f" ({report.unlabeled_blocks} unlabeled blocks left out)" if report.unlabeled_blocks else "")
    )
    lines.append("")
    lines.append(f"{'label':<8}{'blocks P':>10}{'R':>7}{'F1':>7}{'support':>9}   {'chars P':>9}{'R':>7}{'F1':>7}{'support':>10}")
    for label in LABELS:
        b, c = report.by_blocks[label], report.by_chars[label]
        lines.append(
            f"{label:<8}{b['precision']:>10.3f}{b['recall']:>7.3f}{b['f1']:>7.3f}{int(b['support']):>9}"
            f"   {c['precision']:>9.3f}{c['recall']:>7.3f}{c['f1']:>7.3f}{int(c['support']):>10}"
        )
    lines.append("")
    lines.append("confusion matrix (blocks; rows gold, columns predicted)")
    lines.append(f"{'':<8}" + "".join(f"{label:>8}" for label in LABELS))
    for label, row in zip(LABELS, report.confusion):
        lines.append(f"{label:<8}" + "".join(f"{count:>8}" for count in row))
    lines.append("")
    t = report.body_tokens
    lines.append(
        f"body text, bag of tokens (CJK per character), mean over {t['pages']} pages: "
        f"precision {t['precision']:.3f}  recall {t['recall']:.3f}  F1 {t['f1']:.3f}"
    )
    if len(report.per_group) > 1:
        groups = list(report.per_group.items())
        lines.append("")
        if len(groups) > MAX_GROUP_ROWS:
            # Site-split CV over thousands of sites: the weakest sites are what a reader can use.
            groups = sorted(groups, key=lambda item: item[1]["f1"])[:WEAKEST_GROUP_ROWS]
            lines.append(f"{len(report.per_group)} groups; the {WEAKEST_GROUP_ROWS} with the lowest F1 (all of them: --json)")
        lines.append(f"{'group':<40}{'pages':>6}{'P':>7}{'R':>7}{'F1':>7}")
        for name, s in groups:
            lines.append(f"{name[:40]:<40}{s['pages']:>6}{s['precision']:>7.3f}{s['recall']:>7.3f}{s['f1']:>7.3f}")
    if report.worst_pages:
        lines.append("")
        lines.append("lowest body-text F1:")
        for item in report.worst_pages[:5]:
            lines.append(f"  {item['f1']:.3f}  {item['page']}")
    return "\n".join(lines)


def corpus_body_f1(model, pages) -> TokenScore:
    """Mean bag-of-token scores of the model's body text against corpus gold text."""
    from segclf.extract import label_page
    from segclf.pages import PageError, page_from_bytes

    scores = []
    for item in pages:
        try:
            page = page_from_bytes(item.html_bytes(), name=item.id, encoding_hint=item.encoding_hint)
            text = label_page(page, model).text()
        except PageError:
            text = ""
        scores.append(token_scores(text, item.gold_text()))
    if not scores:
        return TokenScore(0.0, 0.0, 0.0)
    return TokenScore(
        float(np.mean([s.precision for s in scores])),
        float(np.mean([s.recall for s in scores])),
        float(np.mean([s.f1 for s in scores])),
    )
