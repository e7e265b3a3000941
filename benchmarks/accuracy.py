#!/usr/bin/env python
"""Main-text accuracy of segclf and peer extractors on the public corpora.

Every test page of each corpus goes through segclf and each peer; the output is scored
against the corpus gold with segclf.evaluate.token_scores (bag of tokens, CJK per
character) and averaged over pages, as the scrapinghub article-extraction benchmark does.
Peers' outputs and times are cached, so a run for a new segclf model only re-runs segclf.
See benchmarks/README.md.
"""

from __future__ import annotations

import os

# One core, one thread: set before numpy/scikit-learn load their thread pools.
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_variable] = "1"

import argparse  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import platform  # noqa: E402
import shlex  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from dataclasses import asdict, dataclass, field  # noqa: E402
from datetime import datetime, timezone  # noqa: E402
from pathlib import Path  # noqa: E402

# This checkout's segclf, not whichever one pip last installed (as the other benchmarks do).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import segclf  # noqa: E402
from peers import PEERS, Extractor, Outcome  # noqa: E402
from segclf.corpus import CorpusPage, is_corpus_folder, read_corpus  # noqa: E402
from segclf.decode import decode_html  # noqa: E402
from segclf.evaluate import paired_difference_by_page, token_scores  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPORA = ROOT.parent / "shared" / "corpora"
DEFAULT_MODEL = ROOT / "models" / "segclf-default.joblib"
DEFAULT_CACHE = Path(__file__).resolve().parent / ".cache"
# A peer that takes longer than this on one page has failed on it (its time still counts).
TIMEOUT_SECONDS = 120

# What each corpus's gold holds: scores are only comparable with this in mind.
GOLD = {
    "cleaneval": "all non-boilerplate running text of the page (CleanEval 2007)",
    "cleanportaleval": "headline + article text of 4 news sites (CleanEval style); 2 pages have empty gold",
    "dragnet": "article text (+ headline/byline), comments excluded (`gold/`)",
    "l3s_gn1": "headline + full text + supplemental blocks; the gold has `?` for curly quotes (punctuation is not scored)",
    "readability_tests": "Readability.js's own expected output (SILVER gold)",
    "zh_cwced": "hand-copied main content, without title/author/date (Chinese, scored per character)",
}
# Corpora whose gold some extractors imitate: those extractors are not run there.
SILVER = {
    "readability_tests": (
        "**SILVER gold**: this gold is Readability.js's own output, so extractors that imitate "
        "Readability are favoured. readability-lxml is left out of this table by design, and "
        "trafilatura falls back to a Readability port on some pages. Do not report these numbers "
        "as accuracy; see the corpus README."
    ),
}


@dataclass
class PageScore:
    id: str
    precision: float
    recall: float
    f1: float
    seconds: float
    error: str | None = None
    empty_output: bool = False
    empty_gold: bool = False
    lang: str = ""


@dataclass
class Row:
    """One extractor's results on one corpus."""

    extractor: str
    pages: list[PageScore] = field(default_factory=list)

    def summary(self) -> dict[str, float | int | str]:
        count = len(self.pages)
        seconds = sum(page.seconds for page in self.pages)
        return {
            "extractor": self.extractor,
            "pages": count,
            "precision": sum(page.precision for page in self.pages) / count if count else 0.0,
            "recall": sum(page.recall for page in self.pages) / count if count else 0.0,
            "f1": sum(page.f1 for page in self.pages) / count if count else 0.0,
            **scrapinghub_scores(self.pages),
            "pages_per_second": count / seconds if seconds else 0.0,
            "failures": sum(1 for page in self.pages if page.error),
        }


def scrapinghub_scores(pages: list[PageScore]) -> dict[str, float]:
    """The scrapinghub article-extraction-benchmark's aggregation (its evaluate.py): precision
    averaged over the pages with some output, recall over the pages with some gold, and F1
    of those two means. So a page whose gold and output are both empty counts nowhere (the
    mean page F1 scores it 1), and an empty output costs recall but not precision."""
    precisions = [page.precision for page in pages if not page.empty_output]
    recalls = [page.recall for page in pages if not page.empty_gold]
    precision = sum(precisions) / len(precisions) if precisions else 0.0
    recall = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"sh_precision": precision, "sh_recall": recall, "sh_f1": f1}


class PeerCache:
    """Peers' outputs per (peer, version, corpus, page id), one JSON line per page.

    A record is used only when the peer's input (decoded page, url, language) hashes the
    same, so a change in segclf's decoder or in the corpus re-runs the peer."""

    def __init__(self, folder: Path | None):
        self.folder = folder

    def _path(self, extractor: Extractor, corpus: str) -> Path:
        return self.folder / extractor.name / (extractor.version() or "unknown") / f"{corpus}.jsonl"

    def load(self, extractor: Extractor, corpus: str) -> dict[str, dict]:
        if self.folder is None or not self._path(extractor, corpus).is_file():
            return {}
        # split("\n"), not splitlines(): texts keep U+2028 and other line separators unescaped.
        lines = self._path(extractor, corpus).read_text(encoding="utf-8").split("\n")
        records = {}
        for line in lines:
            try:
                record = json.loads(line)
            except ValueError:
                continue  # blank, or cut short by an interrupted run: that page runs again
            records[record["id"]] = record
        return records

    def add(self, extractor: Extractor, corpus: str, record: dict) -> None:
        if self.folder is None:
            return
        path = self._path(extractor, corpus)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def input_key(html: str, url: str | None, lang: str | None) -> str:
    return hashlib.sha1(json.dumps([html, url, lang]).encode("utf-8", "surrogatepass")).hexdigest()


def page_url(page: CorpusPage) -> str | None:
    url = page.meta.get("url") or None
    return "http:" + url if url and url.startswith("//") else url


def segclf_extractor(model_path: Path) -> Extractor:
    """segclf as an extractor: it gets the page's bytes and the corpus's charset hint."""
    model = segclf.load_model(model_path)

    def extract(html_bytes: bytes, encoding_hint: str | None) -> str:
        return segclf.clean(html_bytes, model=model, encoding=encoding_hint)

    return Extractor("segclf", "segclf", extract)


def select_peers(spec: str) -> list[Extractor]:
    if spec == "none":
        return []
    names = list(PEERS) if spec == "all" else [name.strip() for name in spec.split(",") if name.strip()]
    unknown = [name for name in names if name not in PEERS]
    if unknown:
        raise SystemExit(f"unknown peer(s) {', '.join(unknown)}; known: {', '.join(PEERS)}")
    missing = [name for name in names if PEERS[name].version() is None]
    if missing:
        raise SystemExit(f"not installed: {', '.join(missing)}; run pip install -e '.[bench]'")
    return [PEERS[name] for name in names]


def run_corpus(folder: Path, split: str, limit: int | None, segclf_: Extractor | None,
               peers: list[Extractor], cache: PeerCache) -> list[Row]:
    """Score every extractor on the corpus's pages of the split."""
    corpus = folder.name
    pages = [page for page in read_corpus(folder) if split == "all" or page.split == split][:limit]
    peers = [peer for peer in peers if not (corpus in SILVER and peer.readability_port)]
    cached = {peer.name: cache.load(peer, corpus) for peer in peers}
    rows = {extractor.name: Row(extractor.name) for extractor in [segclf_, *peers] if extractor}
    warmed: set[str] = set()
    for number, page in enumerate(pages, 1):
        gold = page.gold_text()
        if segclf_:
            score(rows["segclf"], page.id, gold, timed(segclf_, warmed, page.html_bytes(), page.encoding_hint), page.meta.get("lang"))
        html = decode_html(page.html_bytes(), page.encoding_hint).text
        args = (html, page_url(page), page.meta.get("lang"))
        key = input_key(*args)
        for peer in peers:
            record = cached[peer.name].get(page.id)
            if record is None or record["input"] != key:
                outcome = timed(peer, warmed, *args)
                record = {"id": page.id, "input": key, **asdict(outcome)}
                cache.add(peer, corpus, record)
            score(rows[peer.name], page.id, gold, Outcome(record["text"], record["seconds"], record["error"]), page.meta.get("lang"))
        if number % 50 == 0 or number == len(pages):
            print(f"  {corpus}: {number}/{len(pages)} pages", file=sys.stderr, flush=True)
    return list(rows.values())


def timed(extractor: Extractor, warmed: set[str], *args) -> Outcome:
    """Run the extractor; the first call of a corpus runs twice, untimed the first time,
    so lazy imports and dictionary loading (jieba) are not billed to one page."""
    if extractor.name not in warmed:
        extractor.run(*args, timeout=TIMEOUT_SECONDS)
        warmed.add(extractor.name)
    return extractor.run(*args, timeout=TIMEOUT_SECONDS)


def score(row: Row, page_id: str, gold: str, outcome: Outcome, lang: str | None = None) -> None:
    result = token_scores(outcome.text, gold)
    row.pages.append(PageScore(
        page_id, result.precision, result.recall, result.f1, outcome.seconds, outcome.error,
        empty_output=result.predicted_tokens == 0, empty_gold=result.gold_tokens == 0, lang=lang or "",
    ))


def model_sha256(model_path: Path) -> str:
    checksum = model_path.with_name(model_path.name + ".sha256")
    if checksum.is_file():
        return checksum.read_text(encoding="utf-8").split()[0]
    return hashlib.sha256(model_path.read_bytes()).hexdigest() + " (computed: no .sha256 file)"


def header(args: argparse.Namespace, peers: list[Extractor], seconds: float) -> dict[str, str]:
    """What a reader needs to reproduce or distrust the numbers."""
    if args.no_segclf:
        model = "not run (--no-segclf)"
    else:
        model = f"`{display_path(args.model)}`, SHA-256 `{model_sha256(args.model)}`"
    cpu = next((line.split(":", 1)[1].strip() for line in _cpuinfo() if line.startswith("model name")), platform.machine())
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": "`" + shlex.join([Path(sys.executable).name, *sys.argv]) + "`",
        "segclf": f"{segclf.__version__}; model {model}",
        "peers": ", ".join(f"{peer.name} {peer.version()}" for peer in peers) or "none",
        "machine": (
            f"{platform.system()} {platform.machine()}, {cpu}, nproc {os.cpu_count()}, Python {platform.python_version()}; "
            "run in one process pinned to one core, BLAS/OpenMP threads 1"
        ),
        "split": args.split + (f", first {args.limit} pages per corpus" if args.limit else ""),
        "run time": f"{seconds / 60:.1f} min (wall clock, this run; cached peer outputs are not re-run)",
    }


def _cpuinfo() -> list[str]:
    try:
        return Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return []


def display_path(path: Path) -> str:
    path = Path(path).resolve()
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def markdown(info: dict[str, str], results: dict[str, list[Row]], page_counts: dict[str, int]) -> str:
    lines = ["# Main-text accuracy: segclf and peer extractors", "", "| | |", "| --- | --- |"]
    lines += [f"| {key} | {value} |" for key, value in info.items()]
    lines += [
        "",
        "Each extractor's text is scored per page against the gold as a bag of tokens (lower-cased words,"
        " one token per CJK character, punctuation dropped): precision, recall and F1 of the token overlap,"
        " then averaged over pages. An empty output of an empty gold scores 1. pages/s = pages / seconds"
        " spent in the extractor (segclf's time includes decoding the bytes; peers get the page already"
        " decoded). failures = pages where the extractor raised or timed out (scored as empty output)."
        " Rows marked *whole page* are whole-page text baselines: the recall a tool gets by keeping everything."
        " Margin = segclf's mean F1 minus the best peer's, with a 95% percentile-bootstrap interval of the mean"
        " per-page difference (pages resampled in pairs, 2,000 draws, seed 0): where it includes 0, the test"
        " split is too small to tell the two apart."
        " F1 (sh) is the scrapinghub article-extraction-benchmark's aggregation of the same per-page scores:"
        " precision averaged over the pages with some output, recall over the pages with some gold, and the F1"
        " of the two means, so a page whose gold and output are both empty counts in neither (its tokens, not"
        " its 4-word shingles). The tables are sorted and the margin taken by the mean page F1.",
    ]
    for corpus, rows in results.items():
        lines += ["", f"## {corpus}: {page_counts[corpus]} pages", "", f"Gold: {GOLD.get(corpus, 'see the corpus README')}.", ""]
        lines += [
            "| extractor | pages | precision | recall | F1 | F1 (sh) | pages/s | failures |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for summary in sorted((row.summary() for row in rows), key=lambda s: -s["f1"]):
            lines.append(
                f"| {row_label(str(summary['extractor']))} | {summary['pages']} | {summary['precision']:.3f} | {summary['recall']:.3f} | {summary['f1']:.3f} | {summary['sh_f1']:.3f} "
                f"| {summary['pages_per_second']:.1f} | {summary['failures']} |"
            )
        lines += ["", margin_line(rows), "", scrapinghub_line(rows)]
        if corpus in SILVER:
            lines += ["", "> " + SILVER[corpus]]
    lines += language_section(results)
    return "\n".join(lines) + "\n"


def segclf_and_peers(rows: list[Row]) -> tuple[dict, list[dict]] | None:
    """segclf's summary and the peers' (None unless both were run)."""
    summaries = [row.summary() for row in rows]
    ours = [s for s in summaries if s["extractor"] == "segclf"]
    peers = [s for s in summaries if s["extractor"] != "segclf"]
    return (ours[0], peers) if ours and peers else None


def margin_line(rows: list[Row]) -> str:
    """segclf's F1 minus the best peer's (whole-page baselines included), or why there is none."""
    both = segclf_and_peers(rows)
    if both is None:
        return "Margin: not measured (segclf or the peers were not run)."
    ours, peers = both
    best = max(peers, key=lambda s: s["f1"])
    margin = float(ours["f1"]) - float(best["f1"])
    by_name = {row.extractor: row for row in rows}
    difference = paired_difference_by_page(
        {page.id: page.f1 for page in by_name["segclf"].pages},
        {page.id: page.f1 for page in by_name[str(best["extractor"])].pages},
    )
    interval = (
        f"95% interval of the per-page difference (paired bootstrap over the {difference.pages} pages):"
        f" {difference.low:+.3f} to {difference.high:+.3f}" + ("" if difference.clear else ", which includes 0")
    )
    if round(abs(margin), 3) == 0:  # a lead that rounds to nothing is not a lead
        return f"Margin: segclf level with the best peer ({best['extractor']}, F1 {best['f1']:.3f}; difference {margin:+.4f} F1); {interval}."
    verdict = "ahead of" if margin > 0 else "behind"
    return f"Margin: segclf {verdict} the best peer ({best['extractor']}, F1 {best['f1']:.3f}) by {abs(margin):.3f} F1; {interval}."


def by_language(results: dict[str, list[Row]]) -> list[dict]:
    """Every corpus's pages pooled by the language its meta.jsonl gives: segclf's mean page
    F1 beside each peer's on the same pages (a peer left out of a corpus, as readability-lxml
    is on readability_tests, is compared on the pages it ran on)."""
    scores: dict[str, dict[str, dict[tuple[str, str], float]]] = {}
    corpora: dict[str, dict[str, int]] = {}
    for corpus, rows in results.items():
        for row in rows:
            for page in row.pages:
                lang = page.lang or "unknown"
                scores.setdefault(lang, {}).setdefault(row.extractor, {})[(corpus, page.id)] = page.f1
                if row.extractor == "segclf":
                    corpora.setdefault(lang, {}).setdefault(corpus, 0)
                    corpora[lang][corpus] += 1
    table = []
    for lang, by_extractor in scores.items():
        ours = by_extractor.get("segclf")
        if not ours:
            continue
        peers = []
        for name, theirs in by_extractor.items():
            shared = [key for key in theirs if key in ours]
            if name == "segclf" or not shared:
                continue
            peers.append({
                "extractor": name, "pages": len(shared),
                "f1": sum(theirs[key] for key in shared) / len(shared),
                "segclf_f1": sum(ours[key] for key in shared) / len(shared),
            })
        peers.sort(key=lambda peer: peer["segclf_f1"] - peer["f1"])
        table.append({"lang": lang, "pages": len(ours), "corpora": corpora.get(lang, {}),
                      "segclf_f1": sum(ours.values()) / len(ours), "peers": peers})
    return sorted(table, key=lambda entry: -entry["pages"])


def language_section(results: dict[str, list[Row]]) -> list[str]:
    table = by_language(results)
    if not table:
        return []
    lines = [
        "", "## By language: every corpus's test pages pooled", "",
        "Language as each corpus's meta.jsonl gives it. Outside English and Chinese the pages are"
        " readability_tests' only, whose gold is silver (Readability's own output), and there are"
        " too few to tell extractors apart. `unknown`: pages whose meta.jsonl gives no language"
        " (in these corpora, cleaneval's pages with empty gold).",
        "Strongest peer = the peer that does best against segclf (the smallest or a negative"
        " difference of mean page F1) on the pages both ran on.", "",
        "| language | pages | from | segclf | trafilatura (same pages) | strongest peer (same pages) |",
        "| --- | ---: | --- | ---: | ---: | --- |",
    ]
    for entry in table:
        where = ", ".join(f"{corpus} {count}" for corpus, count in sorted(entry["corpora"].items()))
        trafilatura = next((peer for peer in entry["peers"] if peer["extractor"] == "trafilatura"), None)
        strongest = entry["peers"][0] if entry["peers"] else None
        lines.append(
            f"| {entry['lang']} | {entry['pages']} | {where} | {entry['segclf_f1']:.3f} | "
            + (f"{trafilatura['f1']:.3f} (segclf {trafilatura['segclf_f1']:.3f})" if trafilatura else "not run")
            + " | "
            + (f"{strongest['extractor']} {strongest['f1']:.3f} (segclf {strongest['segclf_f1']:.3f}, {strongest['pages']} pages)" if strongest else "none")
            + " |"
        )
    return lines


def scrapinghub_line(rows: list[Row]) -> str:
    """Where segclf stands among the peers by the scrapinghub aggregation (F1 (sh))."""
    both = segclf_and_peers(rows)
    if both is None:
        return "By F1 (sh): not measured (segclf or the peers were not run)."
    ours, peers = both
    best = max(peers, key=lambda s: s["sh_f1"])
    difference = float(ours["sh_f1"]) - float(best["sh_f1"])
    return f"By F1 (sh): segclf {ours['sh_f1']:.3f}, best peer {best['extractor']} {best['sh_f1']:.3f} (difference {difference:+.4f})."


def row_label(name: str) -> str:
    if name == "segclf":
        return "**segclf**"
    return name + (" *(whole page)*" if name in PEERS and PEERS[name].whole_page else "")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA, help="folder of corpus folders (default: %(default)s)")
    parser.add_argument("--corpus", action="append", help="a corpus name; repeat for several (default: every corpus folder)")
    parser.add_argument("--split", choices=("test", "train", "all"), default="test")
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="segclf model (default: %(default)s)")
    parser.add_argument("--no-segclf", action="store_true", help="run the peers only")
    parser.add_argument("--peers", default="all", help=f"all, none, or a comma list of: {', '.join(PEERS)}")
    parser.add_argument("--limit", type=int, help="first N pages of each corpus only (a quick look)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md", help="markdown report (default: %(default)s)")
    parser.add_argument("--json", type=Path, help="also write summaries and per-page scores as JSON")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="peer output cache (default: %(default)s)")
    parser.add_argument("--no-cache", action="store_true", help="re-run every peer and cache nothing")
    return parser.parse_args(argv)


def corpus_folders(args: argparse.Namespace) -> list[Path]:
    if args.corpus:
        folders = [args.corpora / name for name in args.corpus]
        bad = [str(folder) for folder in folders if not is_corpus_folder(folder)]
        if bad:
            raise SystemExit(f"not a corpus folder: {', '.join(bad)}")
        return folders
    return sorted(folder for folder in args.corpora.iterdir() if is_corpus_folder(folder))


def pin_to_one_core() -> None:
    """Peers and segclf are timed on one core, as a single-process crawler would run them."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})


def keep_speed_section(path: Path, report: str) -> str:
    """The report, followed by the speed section benchmarks/speed.py --write put in the old file."""
    from speed import SPEED_BEGIN, SPEED_END

    old = path.read_text(encoding="utf-8") if path.exists() else ""
    if SPEED_BEGIN in old and SPEED_END in old:
        section = SPEED_BEGIN + old.split(SPEED_BEGIN, 1)[1].split(SPEED_END, 1)[0] + SPEED_END
        return report.rstrip() + "\n\n" + section + "\n"
    return report


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if not args.no_segclf and not args.model.is_file():
        raise SystemExit(f"{args.model}: no such model; pass --model PATH, or --no-segclf to run the peers only")
    pin_to_one_core()
    warnings.simplefilter("ignore")
    logging.disable(logging.CRITICAL)  # peers log every odd page
    start = time.perf_counter()
    segclf_ = None if args.no_segclf else segclf_extractor(args.model)
    peers = select_peers(args.peers)
    cache = PeerCache(None if args.no_cache else args.cache)
    results: dict[str, list[Row]] = {}
    for folder in corpus_folders(args):
        print(f"{folder.name} ...", file=sys.stderr, flush=True)
        results[folder.name] = run_corpus(folder, args.split, args.limit, segclf_, peers, cache)
    info = header(args, peers, time.perf_counter() - start)
    page_counts = {corpus: max((len(row.pages) for row in rows), default=0) for corpus, rows in results.items()}
    report = markdown(info, results, page_counts)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    report = keep_speed_section(args.out, report)
    args.out.write_text(report, encoding="utf-8")
    if args.json:
        payload = {
            "header": info,
            "corpora": {
                corpus: {row.extractor: {"summary": row.summary(), "pages": [asdict(page) for page in row.pages]} for row in rows}
                for corpus, rows in results.items()
            },
        }
        args.json.write_text(json.dumps(payload, indent=1, ensure_ascii=False), encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
