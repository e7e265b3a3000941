"""Two out-of-fold runs compared page by page: is a training change better, and by how
much more than the noise?

    python benchmarks/paired_oof.py BASELINE.jsonl CANDIDATE.jsonl

Both files are `out_of_fold.py --pages-out` files. Only pages scored in both count. For
each body threshold: the mean page F1 of each run on the corpora's original pages and on
the augmented copies, the mean per-page difference with its standard error (pages are
paired, so the error is that of the differences, far smaller than either run's spread),
and the difference on each corpus. Single pages flip by 0.5 to 1.0 between any two
builds: a difference under two standard errors is noise.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from out_of_fold import COPIES  # noqa: E402  (the corpus name out_of_fold.py gives the copies)


@dataclass(frozen=True)
class Paired:
    """One group of pages scored by both runs."""

    pages: int
    baseline: float
    candidate: float
    difference: float
    standard_error: float


# The folders of a build that out_of_fold.py reads pages from (build/NAME/corpora/...,
# build/NAME/augmented/..., labeled/...): a page's key starts at the last of them, so two
# runs pair up whether their build folder was named relative or absolute, or differently.
BUILD_FOLDERS = ("corpora", "augmented", "labeled")


def page_key(path: str) -> str:
    parts = Path(path).parts
    starts = [i for i, part in enumerate(parts) if part in BUILD_FOLDERS]
    return "/".join(parts[starts[-1]:]) if starts else path


def read_pages(path: Path) -> dict[str, dict]:
    """A --pages-out file, keyed by the page's path within its build (page_key)."""
    with path.open(encoding="utf-8") as lines:
        return {page_key(record["path"]): record for record in (json.loads(line) for line in lines if line.strip())}


def paired(baseline: list[float], candidate: list[float]) -> Paired:
    differences = [b - a for a, b in zip(baseline, candidate)]
    count = len(differences)
    mean = sum(differences) / count
    spread = math.sqrt(sum((d - mean) ** 2 for d in differences) / (count - 1)) if count > 1 else math.nan
    return Paired(count, sum(baseline) / count, sum(candidate) / count, mean, spread / math.sqrt(count))


def compare(baseline: dict[str, dict], candidate: dict[str, dict]) -> dict[str, dict[str, Paired]]:
    """{threshold: {group: Paired}}; groups are "original pages", COPIES and each corpus."""
    shared = sorted(set(baseline) & set(candidate))
    thresholds = [t for t in baseline[shared[0]]["f1"] if t in candidate[shared[0]]["f1"]] if shared else []
    result: dict[str, dict[str, Paired]] = {}
    for threshold in thresholds:
        groups: dict[str, tuple[list[float], list[float]]] = defaultdict(lambda: ([], []))
        for path in shared:
            corpus = baseline[path]["corpus"]
            for group in (corpus,) if corpus == COPIES else (corpus, "original pages"):
                groups[group][0].append(baseline[path]["f1"][threshold])
                groups[group][1].append(candidate[path]["f1"][threshold])
        result[threshold] = {group: paired(*scores) for group, scores in sorted(groups.items())}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("baseline", type=Path)
    parser.add_argument("candidate", type=Path)
    args = parser.parse_args()
    try:
        baseline, candidate = read_pages(args.baseline), read_pages(args.candidate)
    except (OSError, ValueError, KeyError) as exc:
        sys.exit(f"error: cannot read the --pages-out files: {exc}")
    table = compare(baseline, candidate)
    if not table:
        sys.exit("error: the two files share no scored page")
    corpora = sorted({group for groups in table.values() for group in groups} - {"original pages", COPIES})
    print(f"{args.baseline} -> {args.candidate}, paired by page\n")
    print("| decision | original pages | copies | " + " | ".join(corpora) + " |")
    print("| --- | --- | --- | " + " | ".join("---:" for _ in corpora) + " |")
    for threshold, groups in table.items():
        name = "most probable" if threshold == "None" else f"body >= {threshold}"
        cells = []
        for group in ("original pages", COPIES):
            if group in groups:
                p = groups[group]
                cells.append(f"{p.baseline:.4f} -> {p.candidate:.4f} ({p.difference:+.4f}, se {p.standard_error:.4f}, {p.pages})")
            else:
                cells.append("")
        cells += [f"{groups[c].difference:+.4f}" if c in groups else "" for c in corpora]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
