"""Cross-validation with folds split by site: a site's pages never sit on both sides."""

from __future__ import annotations

from collections.abc import Sequence

from segclf.blocks import Page
from segclf.folds import fold_groups, site_folds  # noqa: F401  (site_folds: part of this module's API)
from segclf.evaluate import PageResult
from segclf.features import SiteRepetition
from segclf.model import fit_model


def cross_validate(
    pages: Sequence[Page],
    labels: Sequence[Sequence[str | None]],
    folds: int = 5,
    kind: str = "hgb",
    second_pass: bool = False,
    words: bool = False,
) -> tuple[list[PageResult], int]:
    """Predictions (labels and probabilities) for every page from a model that never saw
    its site; returns (results, folds used)."""
    split = site_folds(pages, folds)
    if len(split) < 2:
        raise ValueError("cross-validation needs pages from at least two sites")
    results: list[PageResult] = []
    for held_out in split:
        held = set(held_out)
        train_pages = [page for i, page in enumerate(pages) if i not in held]
        train_labels = [label for i, label in enumerate(labels) if i not in held]
        model = fit_model(train_pages, train_labels, kind=kind, second_pass=second_pass, words=words)
        test_pages = [pages[i] for i in held_out]
        repetition = SiteRepetition.from_pages(test_pages)
        for index, page in zip(held_out, test_pages):
            predicted, probabilities = model.predict_page(page, repetition)
            results.append(
                PageResult(
                    name=page.name,
                    site=page.site or "",
                    texts=[block.text for block in page.blocks],
                    gold=list(labels[index]),
                    predicted=predicted,
                    probabilities=probabilities,
                )
            )
    return results, len(split)
