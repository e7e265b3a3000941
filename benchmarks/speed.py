"""Pages per second on one core, and peak memory, for segclf, lxml parsing alone and peers.

    python benchmarks/speed.py [--corpus NAME ...] [--limit N] [--tools segclf,lxml,trafilatura,...] [--rounds 3]

All tools run in one invocation, each in its own child process pinned to the same core,
over the same pages (the test splits of ../shared/corpora). This machine's speed drifts by
a third within minutes, so the tools take turns for `--rounds` rounds and each keeps its
fastest: one slow spell cannot land on one tool alone. Peers get the page decoded once by segclf's decoder; segclf and lxml time their
own decoding too (bytes in). Peak memory is the child's maximum resident set size.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import os
import resource
import sys
import time
from pathlib import Path

for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[variable] = "1"

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

CORPORA = ROOT.parent / "shared" / "corpora"
DEFAULT_TOOLS = "lxml,segclf,segclf-batch,trafilatura,readability-lxml,justext,boilerpy3,resiliparse"


def load_pages(corpora: list[str], limit: int) -> list[tuple[bytes, str | None]]:
    from segclf.corpus import read_corpus

    pages = []
    for name in corpora:
        test = [page for page in read_corpus(CORPORA / name) if page.split == "test"]
        pages += [(page.html_bytes(), page.encoding_hint) for page in test[: limit or None]]
    return pages


def run_tool(tool: str, pages: list[tuple[bytes, str | None]], queue) -> None:
    """Child process: warm up, time the tool over every page, report seconds and peak RSS."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})
    from segclf.decode import decode_html

    if tool in ("segclf", "segclf-batch"):
        from segclf.extract import label_pages, resolve_model
        from segclf.pages import page_from_bytes

        model = resolve_model(None)
        batch_size = 64 if tool == "segclf-batch" else 1
        pending: list = []

        def work(data: bytes, hint: str | None) -> None:
            # One page per model call, or a batch per call as `segclf clean DIR` does.
            pending.append(page_from_bytes(data, encoding_hint=hint))
            if len(pending) >= batch_size or data is pages[-1][0]:
                for cleaned in label_pages(pending, model):
                    cleaned.text()
                pending.clear()

    elif tool == "lxml":
        from lxml import html as lxml_html

        def work(data: bytes, hint: str | None) -> None:
            try:
                lxml_html.document_fromstring(decode_html(data, hint).text)
            except Exception:
                pass

    else:
        from peers import PEERS

        extractor = PEERS[tool]
        texts = [decode_html(data, hint).text for data, hint in pages]
        pages = [(text, None) for text in texts]  # type: ignore[misc]

        def work(text, hint) -> None:  # type: ignore[no-redef]
            extractor(text, None, None)

    work(*pages[0])  # imports, model load, dictionaries: not billed to the pages
    started = time.perf_counter()
    for data, hint in pages:
        work(data, hint)
    seconds = time.perf_counter() - started
    queue.put((tool, seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))


def stage_times(pages: list[tuple[bytes, str | None]], queue) -> None:
    """Child process: where segclf's time goes, stage by stage (ms per page), one core."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})
    import numpy as np

    from segclf.blocks import find_site, find_title, parse_html, split_blocks, Page
    from segclf.decode import decode_html
    from segclf.extract import resolve_model
    from segclf.features import page_features
    from segclf.words import page_bags

    model = resolve_model(None)
    totals: dict[str, float] = {}

    def timed(stage: str, function, *arguments):
        started = time.perf_counter()
        result = function(*arguments)
        totals[stage] = totals.get(stage, 0.0) + time.perf_counter() - started
        return result

    for repeat in range(2):  # the first round warms caches and is not counted
        totals.clear()
        matrices, sizes = [], []
        for data, hint in pages:
            text = timed("decode", lambda: decode_html(data, hint).text)
            root = timed("parse (lxml)", parse_html, text)
            blocks = timed("split into blocks", split_blocks, root)
            timed("site and title", lambda: (find_site(root), find_title(root)))
            page = Page(blocks=blocks)
            features = timed("features", page_features, page)
            if model.word_model is not None:
                scores = timed("word model", lambda: model.word_model.columns(page_bags(page)))
                features = np.hstack([features, scores])
            matrices.append(features)
            sizes.append(len(blocks))
        timed("model", model.predict_proba, np.vstack(matrices), sizes)
    queue.put({stage: 1000 * seconds / len(pages) for stage, seconds in totals.items()})


SPEED_BEGIN, SPEED_END = "<!-- speed:begin -->", "<!-- speed:end -->"


def write_section(path: Path, section: str) -> None:
    """Put the speed section into docs/benchmarks.md between its markers (appended if absent)."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    block = f"{SPEED_BEGIN}\n{section.rstrip()}\n{SPEED_END}"
    if SPEED_BEGIN in text and SPEED_END in text:
        head, rest = text.split(SPEED_BEGIN, 1)
        text = head + block + rest.split(SPEED_END, 1)[1]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", action="append", help="corpus name (repeatable; default: all six)")
    parser.add_argument("--limit", type=int, default=0, help="first N test pages per corpus")
    parser.add_argument("--tools", default=DEFAULT_TOOLS)
    parser.add_argument(
        "--rounds", type=int, default=3, help="time every tool this many times, in turn, and keep its fastest (default 3)"
    )
    parser.add_argument("--write", type=Path, help="also put the tables into this markdown file (docs/benchmarks.md)")
    args = parser.parse_args()
    corpora = args.corpus or ["dragnet", "cleaneval", "l3s_gn1", "zh_cwced", "readability_tests", "cleanportaleval"]
    pages = load_pages(corpora, args.limit)
    context = multiprocessing.get_context("fork")
    tools = args.tools.split(",")
    best: dict[str, tuple[float, float]] = {}
    for _ in range(args.rounds):  # tools in turn, each round: a slow spell hits them all alike
        for tool in tools:
            queue = context.Queue()
            child = context.Process(target=run_tool, args=(tool, pages, queue))
            child.start()
            child.join()
            _, seconds, rss = queue.get() if not queue.empty() else (tool, float("nan"), float("nan"))
            previous = best.get(tool)
            if previous is None or math.isnan(previous[0]) or seconds < previous[0]:  # a failed round never wins
                best[tool] = (seconds, max(rss, previous[1]) if previous else rss)
    results = [(tool, *best[tool]) for tool in tools]
    queue = context.Queue()
    child = context.Process(target=stage_times, args=(pages, queue))
    child.start()
    child.join()
    stages = queue.get() if not queue.empty() else {}

    floor = dict((tool, seconds) for tool, seconds, _ in results).get("lxml")
    lines = [
        f"{len(pages)} test pages from {', '.join(corpora)}; each tool in its own process on one core, "
        f"{args.rounds} rounds with the tools in turn, the fastest round of each.",
        "",
    ]
    lines += ["| tool | pages/s | ms/page | time / lxml parse | peak RSS MiB |", "| --- | ---: | ---: | ---: | ---: |"]
    for tool, seconds, rss in sorted(results, key=lambda item: item[1]):
        ratio = f"{seconds / floor:.1f}x" if floor else "-"
        lines.append(f"| {tool} | {len(pages) / seconds:.1f} | {1000 * seconds / len(pages):.1f} | {ratio} | {rss:.0f} |")
    if stages:
        lines += ["", "Where segclf's time goes (ms per page, same pages, one core, batched model call):", ""]
        lines += ["| stage | ms/page | share |", "| --- | ---: | ---: |"]
        total = sum(stages.values())
        for stage, milliseconds in stages.items():
            lines.append(f"| {stage} | {milliseconds:.2f} | {milliseconds / total:.0%} |")
        lines.append(f"| total | {total:.2f} | |")
    table = "\n".join(lines)
    print(table)
    if args.write:
        import platform
        from datetime import datetime, timezone

        from segclf import __version__

        command = "python benchmarks/speed.py " + " ".join(sys.argv[1:])
        heading = (
            "## Speed: pages per second on one core\n\n"
            f"Measured {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC with `{command}`, segclf {__version__}, "
            f"the shipped model, Python {platform.python_version()}, on this project's 2-core machine. "
            "segclf and lxml decode the bytes themselves; peers get the page decoded. `segclf` calls the "
            "model once per page, `segclf-batch` once per 64 pages (as `segclf clean DIR` does).\n\n"
        )
        write_section(args.write, heading + table)


if __name__ == "__main__":
    main()
