"""Clean a set of WARC/ARC files into JSON Lines on a Dask cluster.

    python examples/dask_clean_warcs.py crawl/*.warc.gz -o cleaned/               # a local cluster
    python examples/dask_clean_warcs.py crawl/*.warc.gz -o cleaned/ --scheduler tcp://HOST:8786

segclf knows nothing of Dask: every task calls segclf's batch API on one WARC file
(`warc_sources` -> `clean_sources` -> `JsonlOutput`), exactly as `segclf clean` does, so a
file's output is the same `CRAWL.jsonl` (and `CRAWL.errors.tsv`) the command would write.
Two passes, as in `segclf clean`: every file's repeated-text counts are made in parallel
and added up on the cluster, then every file is cleaned with the sum. The output folder
must be one that every worker can write (a shared file system). See docs/scale.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dask.distributed import Client, LocalCluster

from segclf.batch import CleanOptions, clean_sources, count_batch, merge_repetitions, prune_repetition
from segclf.extract import default_model_path, resolve_model
from segclf.features import SiteRepetition
from segclf.outputs import InputGuard, JsonlOutput, write_errors
from segclf.warc import warc_sources


def count_warc(path: str, options: CleanOptions = CleanOptions()) -> SiteRepetition:
    """Repeated-text counts of one file's pages (a task of the first pass)."""
    return count_batch(warc_sources(Path(path), options.max_bytes), options)


def add_counts(parts: list[SiteRepetition]) -> SiteRepetition:
    """All files' counts in one, without the texts seen once (they change no feature)."""
    return prune_repetition(merge_repetitions(parts))


def clean_warc(
    path: str,
    output_folder: str,
    model_path: str,
    repetition: SiteRepetition | None = None,
    options: CleanOptions = CleanOptions(output_format="jsonl"),
    resume: bool = False,
) -> dict:
    """Clean one file into OUTPUT/NAME.jsonl and OUTPUT/NAME.errors.tsv (a task of the second pass)."""
    source = Path(path)
    name = source.name.split(".")[0]
    target = Path(output_folder) / f"{name}.jsonl"
    model = resolve_model(model_path)  # loaded once per worker process, then cached
    output = JsonlOutput(target, InputGuard([source]), resume=resume)
    done = output.open()
    failures, written = [], 0
    try:
        for result in clean_sources(warc_sources(source, options.max_bytes, skip=done), model, options, repetition):
            if result.error is not None:
                failures.append(f"{result.name}\t{result.error}")
            else:
                output.write(result)
                written += 1
    except BaseException:
        output.abandon()  # the partial file stays for a resumed run
        raise
    output.finish()
    write_errors(Path(output_folder) / f"{name}.errors.tsv", failures)
    return {"warc": path, "output": str(target), "written": written, "resumed": len(done), "failed": len(failures)}


def clean_warcs(
    client: Client,
    warcs: list[str],
    output_folder: str,
    model_path: str | None = None,
    cross_page: bool = True,
    resume: bool = False,
    options: CleanOptions = CleanOptions(output_format="jsonl"),
) -> list[dict]:
    """Both passes over `warcs` on the cluster behind `client`; a summary per file."""
    Path(output_folder).mkdir(parents=True, exist_ok=True)
    model = str(model_path or default_model_path())
    repetition = None
    if cross_page:
        counts = client.map(count_warc, warcs, options=options, pure=False)
        repetition = client.submit(add_counts, counts)  # stays on the cluster; workers fetch it once
    cleaned = client.map(
        clean_warc, warcs, output_folder=output_folder, model_path=model,
        repetition=repetition, options=options, resume=resume, pure=False,
    )
    return client.gather(cleaned)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warcs", nargs="+", help="WARC/ARC files (.warc[.gz], .arc[.gz])")
    parser.add_argument("-o", "--output", required=True, help="folder for NAME.jsonl and NAME.errors.tsv")
    parser.add_argument("--scheduler", help="address of a running Dask scheduler (default: start a local cluster)")
    parser.add_argument("--workers", type=int, default=2, help="local cluster: worker processes")
    parser.add_argument("--model", help="model file (default: the shipped model)")
    parser.add_argument("--single-page", action="store_true", help="no cross-page repetition counts")
    parser.add_argument("--resume", action="store_true", help="skip records already in the outputs")
    args = parser.parse_args(argv)
    missing = [path for path in args.warcs if not Path(path).is_file()]
    if missing:
        print(f"dask_clean_warcs: error: no such file: {', '.join(missing)}", file=sys.stderr)
        return 2
    if args.scheduler:
        client = Client(args.scheduler)
    else:
        client = Client(LocalCluster(n_workers=args.workers, threads_per_worker=1))
    with client:
        summaries = clean_warcs(
            client, args.warcs, args.output, args.model, cross_page=not args.single_page, resume=args.resume
        )
    for summary in summaries:
        print(f"{summary['warc']}: {summary['written']} written, {summary['failed']} failed -> {summary['output']}")
    return 1 if any(summary["failed"] for summary in summaries) else 0


if __name__ == "__main__":
    sys.exit(main())
