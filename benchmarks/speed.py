"""Pages per second on one core, and peak memory, for segclf, lxml parsing alone and peers.

    python benchmarks/speed.py [--corpus NAME ...] [--limit N] [--tools segclf,lxml,trafilatura,...]

All tools run in one invocation, each in its own child process pinned to the same core,
over the same pages (the test splits of ../shared/corpora), so the ratios hold on a noisy
machine. Peers get the page decoded once by segclf's decoder; segclf and lxml time their
own decoding too (bytes in). Peak memory is the child's maximum resident set size.
"""

from __future__ import annotations

import argparse
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", action="append", help="corpus name (repeatable; default: all six)")
    parser.add_argument("--limit", type=int, default=0, help="first N test pages per corpus")
    parser.add_argument("--tools", default=DEFAULT_TOOLS)
    args = parser.parse_args()
    corpora = args.corpus or ["dragnet", "cleaneval", "l3s_gn1", "zh_cwced", "readability_tests", "cleanportaleval"]
    pages = load_pages(corpora, args.limit)
    context = multiprocessing.get_context("fork")
    results = []
    for tool in args.tools.split(","):
        queue = context.Queue()
        child = context.Process(target=run_tool, args=(tool, pages, queue))
        child.start()
        child.join()
        results.append(queue.get() if not queue.empty() else (tool, float("nan"), float("nan")))
    floor = dict((tool, seconds) for tool, seconds, _ in results).get("lxml")
    print(f"{len(pages)} pages from {', '.join(corpora)}, one core each\n")
    print("| tool | pages/s | ms/page | time / lxml parse | peak RSS MiB |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for tool, seconds, rss in sorted(results, key=lambda item: item[1]):
        ratio = f"{seconds / floor:.1f}x" if floor else "-"
        print(f"| {tool} | {len(pages) / seconds:.1f} | {1000 * seconds / len(pages):.1f} | {ratio} | {rss:.0f} |")


if __name__ == "__main__":
    main()
