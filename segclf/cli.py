"""The `segclf` command: a thin Typer shell over the library.

Every command parses its arguments, calls library functions and prints; bad input gives
a one-line error and a non-zero exit, and one broken page never stops a batch.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Annotated, Optional

import typer

from segclf.labeled import LABELS

# Pages classified per model call: the model's fixed cost per call is spread over them.
PREDICT_BATCH = 64
# The smallest batch given to a worker process: smaller batches pay the model's per-call cost too often.
MIN_PARALLEL_BATCH = 8
# Archives up to this size are cleaned without worker processes when --jobs is not given:
# about a batch of pages, less work than starting the workers (seconds: imports and a model each).
SERIAL_ARCHIVE_BYTES = 2 * 1024 * 1024

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Learn to clean web pages: label each block of a page body, nav, error or ad.",
)


def fail(message: str, code: int = 2) -> None:
    """Print one line to stderr and exit: the CLI's only way to report a fatal problem."""
    typer.echo(f"segclf: error: {message}", err=True)
    raise typer.Exit(code)


def warn(message: str) -> None:
    typer.echo(f"segclf: {message}", err=True)


def _warn_if_plain_text(result) -> None:
    if result.plain_text:
        warn(
            f"{result.name}: no HTML markup: cleaned line by line (error lines found by their text, "
            "the article as the run of long punctuated lines; with no markup, ads count as nav)"
        )


def _progress(items: Sequence, description: str) -> Iterator:
    """A progress bar on stderr for multi-item work (silent for a single item)."""
    if len(items) <= 1:
        yield from items
        return
    from rich.console import Console
    from rich.progress import track

    yield from track(items, description=description, console=Console(stderr=True), transient=True)


def _parse_keep(keep: str) -> tuple[str, ...]:
    labels = tuple(label.strip().lower() for label in keep.split(",") if label.strip())
    unknown = [label for label in labels if label not in LABELS]
    if unknown or not labels:
        fail(f"--keep takes labels from {', '.join(LABELS)}; got {keep!r}")
    return labels


def _load_model_or_fail(model_path: Optional[Path]):
    from segclf.extract import default_model_path
    from segclf.model import ModelError, load_model

    path = model_path or default_model_path()
    try:
        return load_model(path)
    except ModelError as exc:
        fail(str(exc))


def _read_labeled_pages(data: list[Path]):
    from segclf.labeled import find_labeled_files, read_labeled
    from segclf.pages import PageError

    missing = [str(path) for path in data if not path.exists()]
    if missing:
        fail(f"no such file or folder: {', '.join(missing)}")
    files = find_labeled_files(data)
    if not files:
        fail(f"no labeled HTML files found in {', '.join(map(str, data))}")
    pages, failed = [], 0
    for path in _progress(files, "reading labeled pages"):
        try:
            pages.append(read_labeled(path))
        except PageError as exc:
            warn(f"skipped: {exc}")
            failed += 1
        except Exception as exc:  # one odd page must not stop training or evaluation
            warn(f"skipped: {path}: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
            failed += 1
    drafts = [item.page.name for item in pages if item.page.extras.get("review") == "draft"]
    if drafts:
        warn(f"{len(drafts)} pages are drafts in `segclf label` (not saved as done) and are used as they are (first: {drafts[0]})")
    unlabeled = sum(page.unlabeled_blocks for page in pages)
    if unlabeled:
        names = [page.page.name for page in pages if page.unlabeled_blocks]
        warn(f"{unlabeled} blocks in {len(names)} pages carry no label and are left out (first: {names[0]})")
    if not pages:
        fail("none of the labeled pages could be read")
    return pages, failed


def _group_of(name: str) -> str:
    return Path(name).parent.name


@app.command()
def train(
    data: Annotated[list[Path], typer.Argument(help="Labeled HTML files or folders of them.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the model (.joblib).")],
    cv: Annotated[int, typer.Option(help="Cross-validate with K folds split by site before the final fit (0: off).")] = 0,
    kind: Annotated[str, typer.Option(help="Classifier: hgb (gradient-boosted trees) or forest.")] = "hgb",
    second_pass: Annotated[
        bool, typer.Option("--second-pass", help="Add the second pass over the first pass's labels around each block (segclf/context.py).")
    ] = False,
    subsample: Annotated[
        bool, typer.Option("--subsample", help="On over 200k blocks, fit on all body/error/ad rows and a share of the rest (faster).")
    ] = False,
    words: Annotated[
        bool,
        typer.Option(
            "--words",
            help="Add the word model: a linear model over each block's words and class/id names whose scores the trees read (segclf/words.py; needs pages from 2+ sites).",
        ),
    ] = False,
    tune_threshold: Annotated[
        bool,
        typer.Option(
            "--tune-threshold",
            help="With --cv: make body the label of blocks whose body probability reaches the threshold "
            "that gives the best cross-validated page body F1 (segclf/threshold.py).",
        ),
    ] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print the CV report as JSON.")] = False,
    card: Annotated[Optional[Path], typer.Option(help="Also write a model card (markdown) to this file.")] = None,
    evaluate_on: Annotated[
        Optional[list[Path]],
        typer.Option("--eval", help="Held-out labeled folders to score the final model on (repeatable; reported and put in the card)."),
    ] = None,
) -> None:
    """Train a model on labeled pages (and report cross-validated accuracy with --cv)."""
    from segclf.evaluate import build_report, format_report
    from segclf.model import fit_model, save_model

    if kind not in ("hgb", "forest"):
        fail(f"--kind takes hgb or forest, got {kind!r}")
    if output.exists() and output.is_dir():
        fail(f"{output} is a folder; give a file name such as model.joblib")
    if tune_threshold and not cv:
        fail("--tune-threshold chooses the threshold on cross-validated pages: give --cv K too (K >= 2)")
    labeled, failed = _read_labeled_pages(data)
    pages = [item.page for item in labeled]
    labels = [item.labels for item in labeled]
    scores = {}
    report_text = ""
    threshold = None
    if cv:
        from segclf.crossval import cross_validate

        if cv < 2:
            fail("--cv needs at least 2 folds")
        results, folds = cross_validate(pages, labels, folds=cv, kind=kind, second_pass=second_pass, words=words)
        title = f"{folds}-fold cross-validation, folds split by site"
        if tune_threshold:
            from segclf.threshold import choose_body_threshold, relabel

            threshold = choose_body_threshold(results, LABELS)
            results = relabel(results, LABELS, threshold.threshold, threshold.fallback)
            title += f", at body threshold {threshold.threshold:.2f}"
            if threshold.fallback is not None:
                title += f" (fallback {threshold.fallback:.2f})"
        report = build_report(results)
        scores = {"cv_folds": folds, "cv_split": "by site", **_summary(report)}
        report_text = format_report(report, title) + (f"\n\n{threshold.summary()}" if threshold else "")
        if json_output:
            typer.echo(json.dumps(report.to_dict(), indent=1))
        else:
            typer.echo(report_text + "\n")
    trained_on = {"inputs": [str(path) for path in data], "pages": len(pages), "sites": len({p.site for p in pages})}
    model = fit_model(
        pages, labels, kind=kind, trained_on=trained_on, second_pass=second_pass, subsample=subsample, words=words
    )
    if words and model.word_model is None:
        warn("--words: no word model was fitted (it needs pages from at least 2 sites); the model uses the features alone")
    model.metadata["scores"] = scores
    if threshold is not None:
        model.metadata["body_threshold"] = threshold.threshold
        model.metadata["body_threshold_cv_f1"] = threshold.body_f1
        model.metadata["body_fallback"] = threshold.fallback
        model.metadata["body_fallback_cv_f1"] = threshold.fallback_f1
    held_out_reports = []
    for folder in evaluate_on or []:
        held_out, _ = _read_labeled_pages([folder])
        report = _evaluate_pages(model, held_out, cross_page=True)
        text = format_report(report, f"held-out: {folder}")
        held_out_reports.append(text)
        model.metadata.setdefault("held_out_scores", {})[str(folder)] = _summary(report)
        typer.echo(text + "\n")
    digest = save_model(model, output)
    if card is not None:
        from segclf.modelcard import model_card
        from segclf.model import current_versions

        model.metadata["versions"] = current_versions()
        command = "segclf train " + " ".join(map(str, data)) + f" -o {output}" + (f" --cv {cv}" if cv else "")
        command += (f" --kind {kind}" if kind != "hgb" else "") + f" --card {card}"
        command += (" --second-pass" if second_pass else "") + (" --subsample" if subsample else "")
        command += " --tune-threshold" if tune_threshold else ""
        command += " --words" if words else ""
        command += "".join(f" --eval {folder}" for folder in evaluate_on or [])
        card.write_text(model_card(model, digest, command, report_text, held_out_reports), encoding="utf-8")
    warn(
        f"trained on {len(pages)} pages ({model.metadata['blocks']} blocks) from {trained_on['sites']} sites; "
        f"wrote {output} (sha256 {digest[:12]})"
    )
    if failed:
        raise typer.Exit(1)


def _summary(report) -> dict:
    return {
        "body_token_f1": round(report.body_tokens["f1"], 4),
        "body_token_precision": round(report.body_tokens["precision"], 4),
        "body_token_recall": round(report.body_tokens["recall"], 4),
        "block_f1": {label: round(report.by_blocks[label]["f1"], 4) for label in LABELS},
        "char_f1": {label: round(report.by_chars[label]["f1"], 4) for label in LABELS},
    }


@app.command()
def evaluate(
    data: Annotated[list[Path], typer.Argument(help="Labeled HTML files or folders of them.")],
    model_path: Annotated[Optional[Path], typer.Option("--model", "-m", help="Model file (default: the shipped model).")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    cross_page: Annotated[
        bool, typer.Option("--cross-page/--single-page", help="Count repeated text across pages of a site.")
    ] = True,
    report_path: Annotated[
        Optional[Path],
        typer.Option("--report", help="Also write a self-contained HTML report (confusion picture, worst pages coloured)."),
    ] = None,
    baseline_path: Annotated[
        Optional[Path],
        typer.Option("--baseline", help="An earlier model: the --report then shows what changed (F1 before/after, blocks fixed and broken)."),
    ] = None,
) -> None:
    """Score a model on labeled pages: per-label P/R/F1, confusion matrix, body-text token F1."""
    from segclf.evaluate import build_report, format_report

    if baseline_path is not None and report_path is None:
        fail("--baseline goes with --report (the comparison is part of the HTML report)")
    model = _load_model_or_fail(model_path)
    baseline_model = _load_model_or_fail(baseline_path) if baseline_path is not None else None
    labeled, failed = _read_labeled_pages(data)
    results = _page_results(model, labeled, cross_page)
    report = build_report(results)
    title = f"evaluation of {model_path or 'the shipped model'}"
    if json_output:
        typer.echo(json.dumps(report.to_dict(), indent=1))
    else:
        typer.echo(format_report(report, title))
    if report_path is not None:
        from segclf.report import Comparison, html_report

        baseline = None
        if baseline_model is not None:
            baseline_results = _page_results(baseline_model, labeled, cross_page)
            baseline = Comparison(str(baseline_path), build_report(baseline_results), baseline_results)
        report_path.parent.mkdir(parents=True, exist_ok=True)
        temporary = report_path.with_name(report_path.name + ".partial")
        html = html_report(report, results, title + " on " + ", ".join(map(str, data)), baseline)
        temporary.write_text(html, encoding="utf-8")
        temporary.replace(report_path)
        warn(f"wrote {report_path}")
    if failed:
        raise typer.Exit(1)


def _evaluate_pages(model, labeled, cross_page: bool):
    """Predict every labeled page and aggregate the report (pages of a site share repetition counts)."""
    from segclf.evaluate import build_report

    return build_report(_page_results(model, labeled, cross_page))


def _page_results(model, labeled, cross_page: bool):
    """Every labeled page's gold and predicted labels (pages of a site share repetition counts)."""
    from segclf.evaluate import PageResult
    from segclf.features import SiteRepetition

    repetition = SiteRepetition.from_pages(item.page for item in labeled) if cross_page else None
    results = []
    batches = [labeled[start : start + PREDICT_BATCH] for start in range(0, len(labeled), PREDICT_BATCH)]
    predictions = []
    for batch in _progress(batches, "evaluating"):
        predictions += [labels for labels, _ in model.predict_pages([item.page for item in batch], repetition)]
    for item, predicted in zip(labeled, predictions):
        results.append(
            PageResult(
                name=item.page.name,
                site=item.page.site or "",
                texts=[block.text for block in item.page.blocks],
                gold=item.labels,
                predicted=predicted,
                group=_group_of(item.page.name),
            )
        )
    return results


def _stdin_bytes() -> bytes:
    return sys.stdin.buffer.read()


@app.command()
def clean(
    inputs: Annotated[
        list[str],
        typer.Argument(help="HTML files, folders of them, WARC/ARC files (.warc[.gz], .arc[.gz]), or - for stdin."),
    ],
    output: Annotated[
        Optional[Path], typer.Option("--output", "-o", help="Output file (one input), folder, or OUT.jsonl.")
    ] = None,
    output_format: Annotated[
        Optional[str],
        typer.Option(
            "--format", "-f", help="text, markdown, html, json or jsonl (default: jsonl for -o *.jsonl or WARC input, else text)."
        ),
    ] = None,
    keep: Annotated[str, typer.Option(help="Labels to keep, comma-separated.")] = "body",
    model_path: Annotated[Optional[Path], typer.Option("--model", "-m", help="Model file (default: the shipped model).")] = None,
    encoding: Annotated[Optional[str], typer.Option(help="Charset of the input when known from outside (HTTP header, WARC).")] = None,
    max_bytes: Annotated[int, typer.Option(help="Refuse pages larger than this many bytes (0: no limit).")] = 20 * 1024 * 1024,
    max_tags: Annotated[
        int, typer.Option(help="Refuse pages with more tags ('<' characters) than this (0: no limit).")
    ] = 200_000,
    cross_page: Annotated[
        bool, typer.Option("--cross-page/--single-page", help="Count repeated text across pages of a site in a batch.")
    ] = True,
    resume: Annotated[
        bool, typer.Option(help="Skip pages already in the output (continue a broken run).")
    ] = False,
    errors_file: Annotated[
        Optional[Path], typer.Option("--errors", help="Write the pages that failed, one `name<TAB>reason` per line.")
    ] = None,
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", help="Worker processes for a batch (0: all cores; 1: none).")
    ] = 0,
    batch_size: Annotated[
        int, typer.Option(help="Pages per model call (0: 64, fewer to keep all workers busy); lower it for huge pages.")
    ] = 0,
) -> None:
    """Clean pages: keep the body text (or the labels in --keep) and drop the rest.

    Folders and WARC files stream through in batches (memory stays flat), over --jobs
    processes; every output is written atomically, and with --resume a rerun skips the
    pages that were finished.
    """
    from segclf.batch import JSONL, CleanOptions
    from segclf.render import FORMATS
    from segclf.sources import PageSource, is_archive

    if output_format is None:  # JSON Lines for -o *.jsonl and for web archives, else text
        to_jsonl = output is not None and output.suffix.lower() == ".jsonl"
        output_format = JSONL if to_jsonl or any(is_archive(Path(item)) for item in inputs) else "text"
    if output_format not in (*FORMATS, JSONL):
        fail(f"--format takes one of {', '.join((*FORMATS, JSONL))}; got {output_format!r}")
    if jobs < 0 or batch_size < 0:
        fail(f"--jobs and --batch-size take 0 (automatic) or more; got {min(jobs, batch_size)}")
    keep_labels = _parse_keep(keep)
    model = _load_model_or_fail(model_path)
    options = CleanOptions(output_format=output_format, keep=keep_labels, max_bytes=max_bytes, max_tags=max_tags)

    if inputs == ["-"]:
        source = PageSource(key="<stdin>", name="<stdin>", data=_stdin_bytes(), encoding_hint=encoding)
        _clean_one(source, output, options, model, inputs=[])
        return
    paths = [Path(item) for item in inputs]
    missing = [str(path) for path in paths if not path.exists()]
    if missing:
        fail(f"no such file or folder: {', '.join(missing)}")
    if len(paths) == 1 and paths[0].is_file() and not is_archive(paths[0]):
        source = PageSource(key=str(paths[0]), name=str(paths[0]), path=paths[0], encoding_hint=encoding)
        _clean_one(source, output, options, model, inputs=paths)
        return
    _clean_batch(paths, output, options, model, model_path, encoding, cross_page, resume, errors_file, jobs, batch_size)


def _clean_one(source, output: Optional[Path], options, model, inputs: Sequence[Path]) -> None:
    """One page to stdout or to one file; a page that cannot be read is a one-line error."""
    from segclf.batch import JSONL, clean_batch

    result = clean_batch([source], model, options)[0]
    if result.error is not None:
        fail(result.error, 1)
    _warn_if_plain_text(result)
    text = json.dumps(result.record(), ensure_ascii=False) if options.output_format == JSONL else result.rendered
    _write_or_print(text or "", output, inputs)


def _clean_batch(
    paths, output, options, model, model_path, encoding, cross_page, resume, errors_file, jobs, batch_size
) -> None:
    """Folders, several files or WARC files: stream, write each output safely, report failures."""
    import dataclasses

    from segclf.batch import PAGES_PER_CALL, SerialRunner
    from segclf.extract import default_model_path
    from segclf.outputs import OverwriteError
    from segclf.pages import HTML_SUFFIXES, find_html_files
    from segclf.parallel import WorkerError, WorkerPool, available_cores
    from segclf.sources import file_sources, is_archive
    from segclf.warc import warc_sources

    archives = [path for path in paths if is_archive(path)]
    files = find_html_files([path for path in paths if not is_archive(path)])
    if not files and not archives:
        fail(
            f"no HTML or WARC files found in {', '.join(map(str, paths))} "
            f"(folders are searched for {', '.join(HTML_SUFFIXES)}; name .txt files one by one: DIR/*.txt)"
        )
    sink = _open_output(output, options.output_format, paths, files, archives, resume)
    done = sink.open(str(path) for path in files)
    if sink.dropped_bytes:
        warn(f"resuming: dropped an unfinished last record ({sink.dropped_bytes} bytes) from {sink.partial}")
    if done:
        warn(f"resuming: {len(done)} pages already cleaned")

    def sources(skip=frozenset()):
        for source in file_sources(files, encoding):
            if source.key not in skip:
                yield source
        for archive in archives:
            for source in warc_sources(archive, options.max_bytes, skip):
                yield dataclasses.replace(source, encoding_hint=source.encoding_hint or encoding)

    todo_files = len(files) - len(done & {str(path) for path in files})
    archive_bytes = sum(path.stat().st_size for path in archives)
    workers = jobs or available_cores()
    if not jobs and todo_files <= PAGES_PER_CALL and archive_bytes <= SERIAL_ARCHIVE_BYTES:
        workers = 1  # a pool costs seconds to start; one batch of pages cannot pay that back
    runner = SerialRunner(model) if workers == 1 else WorkerPool(workers, model_path or default_model_path())
    total: Optional[int] = todo_files if not archives else None
    failures: list[str] = []
    written = 0
    try:
        with runner:
            repetition = None
            if cross_page and (len(files) > 1 or archives) and (todo_files or archives):
                counted = _Counter(sources(), skip=done)
                repetition = runner.count_sites(
                    _progress_stream(counted, None, "counting repeated text"),
                    options,
                    batch_size or _batch_size(total, workers),
                )
                total = counted.todo
            results = runner.clean(sources(done), options, repetition, batch_size or _batch_size(total, workers))
            for result in _progress_stream(results, total, "cleaning"):
                if result.error is not None:
                    warn(f"skipped: {result.error}")
                    failures.append(f"{result.name}\t{result.error}")
                else:
                    _warn_if_plain_text(result)
                    sink.write(result)
                    written += 1
    except KeyboardInterrupt:
        sink.abandon()
        _write_errors(errors_file, failures)
        warn(f"interrupted after {written} pages; nothing half-written is left: rerun with --resume to go on")
        raise typer.Exit(130)
    except (OverwriteError, WorkerError) as exc:
        sink.abandon()
        _write_errors(errors_file, failures)
        fail(str(exc))
    sink.finish()
    _write_errors(errors_file, failures)
    if failures:
        warn(f"{len(failures)} of {written + len(failures)} pages failed")
        raise typer.Exit(1)


def _open_output(output: Optional[Path], output_format: str, paths, files, archives, resume: bool):
    """Where the results go: OUT.jsonl, standard output (JSON lines) or a folder of files."""
    from segclf.batch import JSONL
    from segclf.outputs import FolderOutput, InputGuard, JsonlOutput, OverwriteError, StreamOutput
    from segclf.render import SUFFIXES

    guard = InputGuard([*files, *archives])
    try:
        if output_format == JSONL:
            return JsonlOutput(output, guard, resume) if output is not None else StreamOutput(sys.stdout)
        if archives:
            fail("WARC/ARC records are written as JSON Lines: give -o OUT.jsonl (or --format jsonl)")
        if output is None:
            fail("cleaning several pages needs --output FOLDER (or -o OUT.jsonl)")
        if output.exists() and not output.is_dir():
            fail(f"{output} exists and is not a folder")
        roots = [path for path in paths if path.is_dir()]
        return FolderOutput(output, roots, SUFFIXES[output_format], guard, resume)
    except OverwriteError as exc:
        fail(str(exc))


class _Counter:
    """Passes sources through, counting those still to clean (the progress bar's total)."""

    def __init__(self, sources, skip) -> None:
        self.sources, self.skip, self.todo = sources, skip, 0

    def __iter__(self):
        for source in self.sources:
            self.todo += source.key not in self.skip
            yield source


def _batch_size(total: Optional[int], workers: int) -> int:
    """Pages per model call: the full batch, unless that would leave workers idle."""
    from segclf.batch import PAGES_PER_CALL

    if workers == 1 or not total:
        return PAGES_PER_CALL
    return max(MIN_PARALLEL_BATCH, min(PAGES_PER_CALL, math.ceil(total / workers)))


def _write_errors(path: Optional[Path], failures: list[str]) -> None:
    from segclf.outputs import write_errors

    if path is not None:
        write_errors(path, failures)


def _progress_stream(items, total: Optional[int], description: str):
    """A progress bar on stderr for a stream (a count when the total is unknown); none in logs."""
    from rich.console import Console

    console = Console(stderr=True)
    if (total is not None and total <= 1) or not console.is_terminal:
        yield from items
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = [SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(description, total=total)
        for item in items:
            yield item
            progress.advance(task)


def _write_or_print(text: str, target: Optional[Path], inputs: Sequence[Path]) -> None:
    if target is None:
        typer.echo(text)
        return
    from segclf.outputs import InputGuard, OverwriteError, write_atomically

    try:
        InputGuard(inputs).check(target)
    except OverwriteError as exc:
        fail(str(exc))
    write_atomically(target, text + "\n")


@app.command()
def blocks(
    page_path: Annotated[Path, typer.Argument(help="An HTML page (labeled or not).")],
    model_path: Annotated[Optional[Path], typer.Option("--model", "-m", help="Model file (default: the shipped model).")] = None,
    encoding: Annotated[Optional[str], typer.Option(help="Charset of the page when known from outside.")] = None,
    width: Annotated[int, typer.Option(help="Characters of text shown per block.")] = 60,
) -> None:
    """Show a page's blocks: key features, predicted label, and the gold label if marked."""
    from segclf.extract import label_page
    from segclf.features import FEATURE_NAMES, page_features
    from segclf.pages import PageError, read_page

    model = _load_model_or_fail(model_path)
    try:
        page = read_page(page_path, encoding_hint=encoding)
    except PageError as exc:
        fail(str(exc), 1)
    cleaned = label_page(page, model)
    features = page_features(page)
    column = {name: i for i, name in enumerate(FEATURE_NAMES)}
    typer.echo(f"{page.name}: {len(page.blocks)} blocks, encoding {page.encoding}, site {page.site}, verdict {cleaned.verdict}")
    typer.echo(f"{'#':>4} {'label':<6}{'prob':>5} {'gold':<6}{'tag':<8}{'toks':>5}{'link':>5}{'punc':>5}{'rep':>4}{'err':>4}{'ad':>3}  text")
    for index, (item, row) in enumerate(zip(cleaned.blocks, features)):
        error = int(row[column["err_strong"]] or row[column["err_signature"]] or row[column["err_soft"]])
        text = " ".join(item.text.split())
        text = text if len(text) <= width else text[: width - 1] + "…"
        typer.echo(
            f"{index:>4} {item.label:<6}{item.probability:>5.2f} {(item.block.marked_label or '-'):<6}{item.block.tag[:7]:<8}"
            f"{int(round(float(math.expm1(row[column['log_tokens']])))):>5}"
            f"{row[column['link_ratio']]:>5.2f}{row[column['punct_ratio']]:>5.2f}"
            f"{int(round(float(math.expm1(row[column['page_repeat']])))):>4}"
            f"{error:>4}{int(row[column['ad_phrase']]):>3}  {text}"
        )


@app.command("import")
def import_command(
    corpus: Annotated[Path, typer.Argument(help="A corpus folder with html/, gold/ and meta.jsonl.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for the labeled pages (OUT/train, OUT/test).")],
    split: Annotated[str, typer.Option(help="Which pages: train, test or all.")] = "all",
    limit: Annotated[int, typer.Option(help="Import at most this many pages (0: all).")] = 0,
    ads: Annotated[bool, typer.Option("--ads/--no-ads", help="Weak-label ads with the EasyList filters.")] = True,
    easylist: Annotated[Optional[Path], typer.Option(help="EasyList folder (default: ../shared/corpora/easylist).")] = None,
) -> None:
    """Turn a corpus with gold text into labeled pages (gold aligned to blocks, weak ad/error labels)."""
    from segclf.corpus import is_corpus_folder, read_corpus
    from segclf.importer import easylist_ad_matcher, format_stats, import_corpus

    if not is_corpus_folder(corpus):
        fail(f"{corpus} is not a corpus folder (it needs html/ and meta.jsonl)")
    if split not in ("train", "test", "all"):
        fail(f"--split takes train, test or all; got {split!r}")
    if output.resolve() == corpus.resolve() or corpus.resolve() in output.resolve().parents:
        fail("--output must be outside the corpus folder")
    pages = [page for page in read_corpus(corpus) if split == "all" or page.split == split]
    if limit:
        pages = pages[:limit]
    if not pages:
        fail(f"{corpus}: no pages with both html and gold text")
    matcher = None
    if ads:
        try:
            matcher = easylist_ad_matcher(easylist)
        except (FileNotFoundError, ImportError) as exc:
            fail(f"cannot load the EasyList filters ({exc}); pass --easylist DIR or --no-ads")
    stats = import_corpus(
        pages,
        output,
        ad_matcher=matcher,
        on_error=lambda message: warn(f"skipped: {message}"),
        progress=_progress,
    )
    typer.echo(format_stats(corpus.name, stats))
    if stats.failed:
        raise typer.Exit(1)


@app.command()
def augment(
    data: Annotated[list[Path], typer.Argument(help="Labeled HTML files or folders of them.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for the augmented copies.")],
    copies: Annotated[int, typer.Option(help="Copies with failed includes per page.")] = 1,
    error_pages: Annotated[float, typer.Option(help="Share of pages that also get a whole error-page copy.")] = 0.1,
    families: Annotated[
        Optional[str], typer.Option(help="Only these fragment families (comma-separated); default: all but the held-out ones.")
    ] = None,
    notice_pages: Annotated[
        float, typer.Option(help="Share of pages that also get a copy with a copyright, reprint or disclaimer notice.")
    ] = 0.0,
    held_out_notices: Annotated[
        bool, typer.Option("--held-out-notices", help="Use only the notices kept out of training (to measure on them).")
    ] = False,
    seed: Annotated[int, typer.Option(help="Random seed (copies are reproducible).")] = 13,
) -> None:
    """Write training copies of labeled pages with real error fragments injected where includes fail."""
    from segclf.augment import NOTICE_DIR, HELD_OUT_FAMILIES, augment as augment_pages, load_fragments, select_fragments, select_notices
    from segclf.labeled import find_labeled_files

    missing = [str(path) for path in data if not path.exists()]
    if missing:
        fail(f"no such file or folder: {', '.join(missing)}")
    fragments = load_fragments()
    if families:
        chosen = {family.strip() for family in families.split(",") if family.strip()}
        unknown = chosen - {fragment.family for fragment in fragments}
        if unknown:
            fail(f"unknown fragment families: {', '.join(sorted(unknown))}")
        fragments = select_fragments(fragments, families=chosen)
    else:
        fragments = select_fragments(fragments, exclude=set(HELD_OUT_FAMILIES))
    files = find_labeled_files(data)
    if not files:
        fail(f"no labeled HTML files found in {', '.join(map(str, data))}")
    for option, share in (("--error-pages", error_pages), ("--notice-pages", notice_pages)):
        if not 0.0 <= share <= 1.0:
            fail(f"{option} must be a share between 0 and 1, not {share}")
    notices = select_notices(load_fragments(NOTICE_DIR), held_out=held_out_notices)
    counts = augment_pages(
        files, output, fragments, copies=copies, error_pages=error_pages, seed=seed, notices=notices, notice_pages=notice_pages
    )
    typer.echo(
        f"{counts['pages']} pages: {counts['include_copies']} copies with failed includes, "
        f"{counts['error_pages']} error pages, {counts['notice_copies']} with notices, {counts['skipped']} skipped; "
        f"fragment families: {', '.join(sorted({f.family for f in fragments}))}"
    )


@app.command()
def label(
    inputs: Annotated[list[Path], typer.Argument(help="A page or a folder of pages (labeled or not).")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Folder for the labeled pages (a page already there reopens with its labels).")
    ] = Path("labeled"),
    model_path: Annotated[Optional[Path], typer.Option("--model", "-m", help="Model that pre-labels the blocks (default: the shipped model).")] = None,
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0: any free port).")] = 8765,
    site: Annotated[
        Optional[str], typer.Option(help="Site id for pages that name none (default: the name of the page's folder).")
    ] = None,
    open_browser: Annotated[bool, typer.Option("--open/--no-open", help="Open the tool in the default browser.")] = False,
) -> None:
    """Label pages in the browser: blocks outlined in the colour the model predicts, keys b/n/e/a to set labels.

    Serves a local page (loopback only) until Ctrl+C. Every change is written to the
    labeled page in --output at once; "save" marks the page done.
    """
    from segclf.labeltool.server import make_server, run_until_interrupted, server_url
    from segclf.labeltool.session import LabelingSession

    missing = [str(path) for path in inputs if not path.exists()]
    if missing:
        fail(f"no such file or folder: {', '.join(missing)}")
    if output.exists() and not output.is_dir():
        fail(f"{output} exists and is not a folder")
    model = _load_model_or_fail(model_path)
    session = LabelingSession(inputs, output, model, site=site)
    if not session.pages:
        fail(f"no HTML files found in {', '.join(map(str, inputs))}")
    try:
        server = make_server(session, port)
    except OSError as exc:
        fail(f"cannot listen on 127.0.0.1:{port} ({exc.strerror or exc}); try --port 0 for any free port")
    url = server_url(server)
    done = sum(1 for page in session.pages if page.review == "done")
    typer.echo(f"segclf label: {len(session.pages)} pages ({done} done), labeled pages go to {output.resolve()}")
    typer.echo(f"open {url} (Ctrl+C stops)")
    if open_browser:
        import webbrowser

        webbrowser.open(url)
    run_until_interrupted(server)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
