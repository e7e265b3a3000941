"""Splits by site: a site's pages (and training copies of them) never sit on both sides."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from segclf.blocks import Page

AUGMENTED_SITE_PREFIX = "augmented."


def is_augmented_copy(page: Page) -> bool:
    """A training copy written by `segclf augment` (its site is `augmented.<kind>.<stem>`)."""
    return (page.site or "").startswith(AUGMENTED_SITE_PREFIX)


def fold_groups(pages: Sequence[Page]) -> list[str]:
    """The group each page must share a fold with: its site, and for a training copy
    written by `segclf augment` (site `augmented.<kind>.<stem>`), its original's site,
    so a page and its copy never sit on both sides of a split."""
    site_of_stem = {
        Path(page.name).stem.lower(): page.site or page.name
        for page in pages
        if not is_augmented_copy(page)
    }
    groups = []
    for page in pages:
        site = page.site or page.name
        if is_augmented_copy(page):
            stem = site.split(".", 2)[-1]
            site = site_of_stem.get(stem, site)
        groups.append(site)
    return groups


def site_folds(pages: Sequence[Page], folds: int) -> list[list[int]]:
    """Page indices per fold; whole sites go to one fold, balancing page counts greedily."""
    by_site: dict[str, list[int]] = {}
    for index, group in enumerate(fold_groups(pages)):
        by_site.setdefault(group, []).append(index)
    folds = min(folds, len(by_site))
    buckets: list[list[int]] = [[] for _ in range(folds)]
    for _, members in sorted(by_site.items(), key=lambda item: (-len(item[1]), item[0])):
        min(buckets, key=len).extend(members)
    return [sorted(bucket) for bucket in buckets]
