"""Is this checkout faster than that one? Time per page of two segclf checkouts, taken in turns.

    python benchmarks/compare_speed.py /path/to/old/checkout . [--rounds 3] [--limit 40]

On a shared machine one run of speed.py can be 30% off the next, so a change of a few
milliseconds a page only shows when the two versions are measured in alternation and
the least time of each is compared. Each round runs every checkout in its own process
pinned to one core: the whole batched pipeline (as `segclf clean DIR`), decoding with
parsing and splitting, and the features alone, each the best of three passes over the
same test pages, in CPU time. Both use this checkout's shipped model, so only the code
differs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT.parent / "shared" / "corpora"
CORPUS_NAMES = ("dragnet", "cleaneval", "l3s_gn1", "zh_cwced", "readability_tests", "cleanportaleval")

CHILD = r"""
import json, sys, time
from pathlib import Path
root, corpora, model_path, limit = sys.argv[1], Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
sys.path.insert(0, root)
import segclf
if not segclf.__file__.startswith(root):
    raise SystemExit(f"imported segclf from {segclf.__file__}, not {root}")
from segclf.corpus import read_corpus
from segclf.extract import label_pages, resolve_model
from segclf.features import page_features
from segclf.pages import page_from_bytes
pages = []
for name in sys.argv[5:]:
    test = [page for page in read_corpus(corpora / name) if page.split == "test"][:limit]
    pages += [(page.html_bytes(), page.encoding_hint) for page in test]
model = resolve_model(model_path)
parsed = [page_from_bytes(data, encoding_hint=hint) for data, hint in pages]

def pipeline():
    for start in range(0, len(pages), 64):
        batch = [page_from_bytes(data, encoding_hint=hint) for data, hint in pages[start : start + 64]]
        for cleaned in label_pages(batch, model):
            cleaned.text()

def splitting():
    for data, hint in pages:
        page_from_bytes(data, encoding_hint=hint)

def features():
    for page in parsed:
        page_features(page)

result = {}
for stage, work in (("pipeline", pipeline), ("decode, parse, split", splitting), ("features", features)):
    work()
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        work()
        best = min(best, time.process_time() - started)
    result[stage] = 1000 * best / len(pages)
print(json.dumps(result))
"""


def measure(checkout: Path, model: Path, limit: int, corpora: list[str]) -> dict[str, float]:
    """One child process: ms per page of each stage in `checkout`'s code."""
    environment = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    command = [sys.executable, "-c", CHILD, str(checkout), str(CORPORA), str(model), str(limit), *corpora]
    if sys.platform.startswith("linux"):
        command = ["taskset", "-c", "0", *command]
    done = subprocess.run(command, capture_output=True, text=True, env=environment)
    if done.returncode != 0:
        raise SystemExit(f"{checkout}: {(done.stderr.strip().splitlines() or ['failed'])[-1]}")
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkouts", type=Path, nargs=2, help="two segclf checkouts (folders holding segclf/)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--limit", type=int, default=40, help="test pages per corpus")
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "segclf-default.joblib")
    args = parser.parse_args()
    checkouts = [path.resolve() for path in args.checkouts]
    for path in checkouts:
        if not (path / "segclf" / "__init__.py").is_file():
            raise SystemExit(f"{path}: not a segclf checkout (no segclf/__init__.py)")
    if not CORPORA.is_dir():
        raise SystemExit(f"{CORPORA}: corpora not found (../shared beside the project)")
    runs: dict[Path, list[dict[str, float]]] = {path: [] for path in checkouts}
    for number in range(1, args.rounds + 1):
        for path in checkouts:
            runs[path].append(measure(path, args.model, args.limit, list(CORPUS_NAMES)))
            times = ", ".join(f"{stage} {ms:.2f}" for stage, ms in runs[path][-1].items())
            print(f"round {number}, {path}: {times}", file=sys.stderr)
    stages = list(runs[checkouts[0]][0])
    print(f"ms per page, least of {args.rounds} rounds (each the best of 3 passes, CPU time, one core)\n")
    print("| stage | " + " | ".join(str(path) for path in checkouts) + " | change |")
    print("| --- | ---: | ---: | ---: |")
    for stage in stages:
        old, new = (min(run[stage] for run in runs[path]) for path in checkouts)
        print(f"| {stage} | {old:.2f} | {new:.2f} | {100 * (new - old) / old:+.0f}% |")


if __name__ == "__main__":
    main()
