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
    labeled, failed = _read_labeled_pages(data)
    pages = [item.page for item in labeled]
    labels = [item.labels for item in labeled]
    scores = {}
    report_text = ""
    if cv:
        from segclf.crossval import cross_validate

        if cv < 2:
            fail("--cv needs at least 2 folds")
        results, folds = cross_validate(pages, labels, folds=cv, kind=kind)
        report = build_report(results)
        scores = {"cv_folds": folds, "cv_split": "by site", **_summary(report)}
        report_text = format_report(report, f"{folds}-fold cross-validation, folds split by site")
        if json_output:
            typer.echo(json.dumps(report.to_dict(), indent=1))
        else:
            typer.echo(report_text + "\n")
    trained_on = {"inputs": [str(path) for path in data], "pages": len(pages), "sites": len({p.site for p in pages})}
    model = fit_model(pages, labels, kind=kind, trained_on=trained_on)
    model.metadata["scores"] = scores
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
    inputs: Annotated[list[str], typer.Argument(help="HTML files, folders of them, or - for standard input.")],
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Output file (one input) or folder.")] = None,
    output_format: Annotated[str, typer.Option("--format", "-f", help="text, markdown, html or json.")] = "text",
    keep: Annotated[str, typer.Option(help="Labels to keep, comma-separated.")] = "body",
    model_path: Annotated[Optional[Path], typer.Option("--model", "-m", help="Model file (default: the shipped model).")] = None,
    encoding: Annotated[Optional[str], typer.Option(help="Charset of the input when known from outside (HTTP header, WARC).")] = None,
    max_bytes: Annotated[int, typer.Option(help="Refuse pages larger than this many bytes (0: no limit).")] = 20 * 1024 * 1024,
    cross_page: Annotated[
        bool, typer.Option("--cross-page/--single-page", help="Count repeated text across pages of a site in a batch.")
    ] = True,
    resume: Annotated[bool, typer.Option(help="Skip pages whose output file already exists (continue a broken run).")] = False,
    errors_file: Annotated[
        Optional[Path], typer.Option("--errors", help="Write the pages that failed, one `path<TAB>reason` per line.")
    ] = None,
) -> None:
    """Clean pages: keep the body text (or the labels in --keep) and drop the rest.

    Pages stream through in batches (memory stays flat), every output file is written
    atomically, and with --resume a rerun skips the pages that were finished.
    """
    from segclf.extract import label_page, label_pages
    from segclf.features import SiteRepetition
    from segclf.pages import PageError, find_html_files, page_from_bytes, read_page
    from segclf.render import FORMATS, SUFFIXES, render

    if output_format not in FORMATS:
        fail(f"--format takes one of {', '.join(FORMATS)}; got {output_format!r}")
    keep_labels = _parse_keep(keep)
    model = _load_model_or_fail(model_path)

    if inputs == ["-"]:
        try:
            page = page_from_bytes(_stdin_bytes(), name="<stdin>", encoding_hint=encoding, max_bytes=max_bytes)
        except PageError as exc:
            fail(str(exc), 1)
        text = render(label_page(page, model), output_format, keep_labels)
        _write_or_print(text, output, inputs=[])
        return

    paths = [Path(item) for item in inputs]
    missing = [str(path) for path in paths if not path.exists()]
    if missing:
        fail(f"no such file or folder: {', '.join(missing)}")
    files = find_html_files(paths)
    single = len(paths) == 1 and paths[0].is_file()
    if not files:
        fail(f"no HTML files found in {', '.join(inputs)}")
    if not single and output is None:
        fail("cleaning several pages needs --output FOLDER")
    if not single and output is not None and output.exists() and not output.is_dir():
        fail(f"{output} exists and is not a folder")

    roots = [path for path in paths if path.is_dir()]

    def target_of(path: Path) -> Optional[Path]:
        return output if single else _output_path(path, roots, output, SUFFIXES[output_format])

    todo = files
    if resume and not single:
        todo = [path for path in files if not target_of(path).exists()]
        if len(todo) < len(files):
            warn(f"resuming: {len(files) - len(todo)} pages already cleaned, {len(todo)} to go")
    failures: list[str] = []

    def read(path: Path, report: bool = True):
        try:
            return read_page(path, encoding_hint=encoding, max_bytes=max_bytes)
        except Exception as exc:  # PageError, or anything unexpected: one page must not stop the batch
            message = str(exc) if isinstance(exc, PageError) else f"{path}: {type(exc).__name__}: {exc}"
            message = message.splitlines()[0] if message else str(path)
            if report:
                warn(f"skipped: {message}")
                failures.append(f"{path}\t{message}")
            return None

    # Cross-page repetition needs every page's strings before any page is labeled: a first
    # streaming pass counts them (pages are not kept), the second labels and writes.
    repetition = None
    if cross_page and len(files) > 1:
        repetition = SiteRepetition()
        for path in _progress(files, "counting repeated text"):
            page = read(path, report=False)
            if page is not None:
                repetition.add(page)
    batches = [todo[start : start + PREDICT_BATCH] for start in range(0, len(todo), PREDICT_BATCH)]
    for batch in _progress(batches, "cleaning"):
        pages = [page for page in (read(path) for path in batch) if page is not None]
        for cleaned in label_pages(pages, model, repetition):
            text = render(cleaned, output_format, keep_labels)
            _write_or_print(text, target_of(Path(cleaned.page.name)), inputs=files)
    if errors_file is not None:
        errors_file.parent.mkdir(parents=True, exist_ok=True)
        errors_file.write_text("".join(line + "\n" for line in failures), encoding="utf-8")
    if failures:
        if len(files) > 1:
            warn(f"{len(failures)} of {len(todo)} pages failed")
        raise typer.Exit(1)


def _output_path(source: Path, roots: list[Path], output: Path, suffix: str) -> Path:
    """Mirror a page's place below its input folder inside the output folder."""
    for root in roots:
        try:
            relative = source.relative_to(root)
            return output / relative.with_suffix(suffix)
        except ValueError:
            continue
    return output / (source.stem + suffix)


def _write_or_print(text: str, target: Optional[Path], inputs: Sequence[Path]) -> None:
    if target is None:
        typer.echo(text)
        return
    if any(target.resolve() == source.resolve() for source in inputs):
        fail(f"refusing to overwrite the input {target}")
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(target.name + ".partial")
    temporary.write_text(text + "\n", encoding="utf-8")
    temporary.replace(target)


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
    seed: Annotated[int, typer.Option(help="Random seed (copies are reproducible).")] = 13,
) -> None:
    """Write training copies of labeled pages with real error fragments injected where includes fail."""
    from segclf.augment import HELD_OUT_FAMILIES, augment as augment_pages, load_fragments, select_fragments
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
    counts = augment_pages(files, output, fragments, copies=copies, error_pages=error_pages, seed=seed)
    typer.echo(
        f"{counts['pages']} pages: {counts['include_copies']} copies with failed includes, "
        f"{counts['error_pages']} error pages, {counts['skipped']} skipped; "
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
    from segclf.labeltool.server import make_server, server_url
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
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
