"""Sources -> cleaned results, many pages per model call: the engine-free batch API.

The `clean` command (in one process or in worker processes) and a distributed engine
(`examples/dask_clean_warcs.py`) call these same functions. Results stream: a batch of
pages is read, labeled in one model call, rendered and let go, so memory stays flat
however many pages go through. A page that cannot be read or labeled becomes a result
with an error; it never stops the rest.

Cross-page repetition needs every page of a site before any is labeled, so a run counts
first (`count_sites`, a pass that keeps no pages) and labels second.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import TypeVar

from segclf.blocks import Page
from segclf.extract import CleanedPage, label_pages
from segclf.features import SiteRepetition
from segclf.model import SegmentModel
from segclf.pages import DEFAULT_MAX_BYTES, DEFAULT_MAX_TAGS, PageError, page_from_bytes, read_page
from segclf.render import render
from segclf.sources import PageSource

# Pages classified per model call: the model's fixed cost per call is spread over them.
PAGES_PER_CALL = 64
JSONL = "jsonl"

T = TypeVar("T")


@dataclass(frozen=True)
class CleanOptions:
    """What to make of each page."""

    output_format: str = "text"  # a render format (text, markdown, html, json) or jsonl
    keep: tuple[str, ...] = ("body",)
    max_bytes: int = DEFAULT_MAX_BYTES
    max_tags: int = DEFAULT_MAX_TAGS


@dataclass
class CleanResult:
    """One page's outcome: small and plain, so it crosses process boundaries cheaply."""

    key: str
    name: str
    url: str | None = None
    record_id: str | None = None
    status: int | None = None
    archive: str | None = None
    offset: int | None = None
    title: str = ""
    encoding: str | None = None
    verdict: str | None = None
    plain_text: bool = False  # the input had no HTML markup: one block per line
    label_counts: dict[str, int] = field(default_factory=dict)
    text: str = ""  # the kept labels' text
    rendered: str | None = None  # the page in the chosen render format (None for jsonl)
    error: str | None = None  # one line; the page is not in the output

    def record(self) -> dict:
        """The page as one JSON Lines record (`id` is the key a resumed run skips)."""
        return {
            "id": self.key,
            "source": self.archive or self.name,
            "offset": self.offset,
            "url": self.url,
            "record_id": self.record_id,
            "status": self.status,
            "title": self.title,
            "encoding": self.encoding,
            "verdict": self.verdict,
            "plain_text": self.plain_text,
            "label_counts": self.label_counts,
            "text": self.text,
        }


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def read_source(source: PageSource, max_bytes: int = DEFAULT_MAX_BYTES, max_tags: int = DEFAULT_MAX_TAGS) -> Page:
    """Decode and split a source's page; PageError (one line) when it cannot be read."""
    if source.error is not None:
        raise PageError(source.error)
    limits = {"encoding_hint": source.encoding_hint, "max_bytes": max_bytes, "max_tags": max_tags}
    if source.data is not None:
        page = page_from_bytes(source.data, name=source.name, **limits)
    elif source.path is not None:
        page = read_page(source.path, **limits)
    else:
        raise PageError(f"{source.name}: no bytes and no file")
    if page.site is None and source.site_hint:
        page.site = source.site_hint  # a page that names no site belongs to its URL's host
    return page


def clean_batch(
    sources: Sequence[PageSource],
    model: SegmentModel,
    options: CleanOptions = CleanOptions(),
    repetition: SiteRepetition | None = None,
) -> list[CleanResult]:
    """Results for a batch of sources, in order, with one model call for the readable pages."""
    results: list[CleanResult] = [source_result(source) for source in sources]
    pages: list[tuple[int, Page]] = []
    for index, source in enumerate(sources):
        try:
            pages.append((index, read_source(source, options.max_bytes, options.max_tags)))
        except Exception as exc:  # PageError, or anything unexpected: one page must not stop the batch
            results[index].error = _message(source, exc)
    try:
        with _one_model_thread():
            labeled = label_pages([page for _, page in pages], model, repetition)
    except Exception:  # one page broke the shared call: label page by page to find it
        labeled = []
        for index, page in pages:
            try:
                labeled.extend(label_pages([page], model, repetition))
            except Exception as exc:
                results[index].error = _message(sources[index], exc)
        pages = [(index, page) for index, page in pages if results[index].error is None]
    for (index, _), cleaned in zip(pages, labeled):
        _fill(results[index], cleaned, options)
    return results


def clean_sources(
    sources: Iterable[PageSource],
    model: SegmentModel,
    options: CleanOptions = CleanOptions(),
    repetition: SiteRepetition | None = None,
    batch_size: int = PAGES_PER_CALL,
) -> Iterator[CleanResult]:
    """Results for a stream of sources, in order, `batch_size` pages per model call."""
    for batch in batched(sources, batch_size):
        yield from clean_batch(batch, model, options, repetition)


def count_batch(sources: Iterable[PageSource], options: CleanOptions = CleanOptions()) -> SiteRepetition:
    """Repeated-text counts of the readable pages among `sources` (the others are skipped
    here and reported when they are cleaned)."""
    repetition = SiteRepetition()
    for source in sources:
        try:
            repetition.add(read_source(source, options.max_bytes, options.max_tags))
        except Exception:
            continue
    return repetition


def count_sites(sources: Iterable[PageSource], options: CleanOptions = CleanOptions()) -> SiteRepetition:
    """The first pass of a cross-page run: repeated-text counts of every page, pruned."""
    return prune_repetition(count_batch(sources, options))


def merge_repetitions(parts: Iterable[SiteRepetition]) -> SiteRepetition:
    """Counts made over parts of a run (batches, workers, files), added up."""
    merged = SiteRepetition()
    for part in parts:
        merged.pages_per_site.update(part.pages_per_site)
        for site, counter in part.texts_per_site.items():
            merged.texts_per_site.setdefault(site, Counter()).update(counter)
    return merged


def prune_repetition(repetition: SiteRepetition) -> SiteRepetition:
    """The same counts without the texts seen on one page only.

    `SiteRepetition.shares` reads a missing text as seen once, so dropping those changes
    no feature, and most of a site's texts are unique: what is sent to each worker (or
    kept for the second pass) shrinks to the repeated boilerplate.
    """
    return SiteRepetition(
        pages_per_site=Counter(repetition.pages_per_site),
        texts_per_site={
            site: Counter({text: count for text, count in counter.items() if count > 1})
            for site, counter in repetition.texts_per_site.items()
        },
    )


class SerialRunner:
    """`count_sites` and `clean` in this process; `segclf.parallel.WorkerPool` has the same shape."""

    def __init__(self, model: SegmentModel) -> None:
        self.model = model

    def __enter__(self) -> SerialRunner:
        return self

    def __exit__(self, *exc) -> None:
        return None

    def count_sites(
        self, sources: Iterable[PageSource], options: CleanOptions = CleanOptions(), batch_size: int = PAGES_PER_CALL
    ) -> SiteRepetition:
        return count_sites(sources, options)

    def clean(
        self,
        sources: Iterable[PageSource],
        options: CleanOptions = CleanOptions(),
        repetition: SiteRepetition | None = None,
        batch_size: int = PAGES_PER_CALL,
    ) -> Iterator[CleanResult]:
        return clean_sources(sources, self.model, options, repetition, batch_size)


def _one_model_thread():
    """The model's predict on one OpenMP thread.

    A batch's predict is short (0.3 s for 59 pages) and runs 1,000 small parallel regions
    (one per tree); on the 2-core machine, with other work running, two threads were
    measured 4-8x slower than one (and 3x slower for a whole WARC run). Labels are the same.
    """
    from threadpoolctl import threadpool_limits  # installed with scikit-learn

    return threadpool_limits(limits=1, user_api="openmp")


def source_result(source: PageSource, error: str | None = None) -> CleanResult:
    """A result that carries only what the source knew (and the error, if any)."""
    return CleanResult(
        key=source.key,
        name=source.name,
        url=source.url,
        record_id=source.record_id,
        status=source.status,
        archive=source.archive,
        offset=source.offset,
        error=error,
    )


def _fill(result: CleanResult, cleaned: CleanedPage, options: CleanOptions) -> None:
    result.title = cleaned.page.title
    result.encoding = cleaned.page.encoding
    result.verdict = cleaned.verdict
    result.plain_text = cleaned.page.plain_text
    result.label_counts = cleaned.label_counts()
    result.text = cleaned.text(options.keep)
    if options.output_format != JSONL:
        result.rendered = render(cleaned, options.output_format, options.keep)


def _message(source: PageSource, exc: Exception) -> str:
    """A one-line reason naming the page."""
    if isinstance(exc, PageError):
        message = str(exc)
    else:
        message = f"{source.name}: {type(exc).__name__}: {exc}"
    return message.splitlines()[0] if message.strip() else source.name
