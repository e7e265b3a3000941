"""The batch API: sources in, results out in order, a broken page is a result with an error."""

import numpy as np
import pytest

from segclf.batch import (
    CleanOptions,
    clean_sources,
    count_batch,
    count_sites,
    merge_repetitions,
    prune_repetition,
    read_source,
)
from segclf.extract import label_pages, resolve_model
from segclf.features import SiteRepetition, page_features
from segclf.pages import read_page
from segclf.sources import PageSource, file_sources


@pytest.fixture(scope="module")
def model(small_model):
    return resolve_model(small_model)


def test_results_match_labeling_the_pages_directly(model, sample_files):
    pages = [read_page(path) for path in sample_files]
    repetition = SiteRepetition.from_pages(pages)
    expected = label_pages(pages, model, repetition)
    options = CleanOptions(output_format="jsonl")
    counts = count_sites(file_sources(sample_files))
    results = list(clean_sources(file_sources(sample_files), model, options, counts, batch_size=3))
    assert [result.key for result in results] == [str(path) for path in sample_files]
    assert [result.verdict for result in results] == [cleaned.verdict for cleaned in expected]
    assert [result.text for result in results] == [cleaned.text() for cleaned in expected]
    assert [result.label_counts for result in results] == [cleaned.label_counts() for cleaned in expected]


def test_a_broken_page_is_a_result_with_an_error_and_the_rest_go_on(model, sample_files, tmp_path):
    broken = tmp_path / "broken.html"
    broken.write_bytes(b"%PDF-1.4 not a page")
    damaged = PageSource(key="x", name="x", error="x: corrupt record")
    sources = [*file_sources(sample_files[:2]), *file_sources([broken]), damaged]
    results = list(clean_sources(sources, model, CleanOptions(output_format="markdown")))
    assert [result.error is None for result in results] == [True, True, False, False]
    assert "not HTML" in results[2].error and results[3].error == "x: corrupt record"
    assert results[0].rendered and results[0].verdict in ("ok", "error", "empty")


def test_a_page_without_a_site_takes_its_urls_host():
    source = PageSource(key="k", name="k", data=b"<p>Some text of a page.</p>", site_hint="example.org")
    assert read_source(source).site == "example.org"
    named = b'<link rel="canonical" href="https://news.example/a"><p>Some text.</p>'
    assert read_source(PageSource(key="k", name="k", data=named, site_hint="example.org")).site == "news.example"


def test_pruned_counts_give_the_same_features(labeled_files):
    pages = [read_page(path) for path in labeled_files[:12]]
    full = SiteRepetition.from_pages(pages)
    pruned = prune_repetition(full)
    assert sum(map(len, pruned.texts_per_site.values())) < sum(map(len, full.texts_per_site.values()))
    for page in pages:
        np.testing.assert_array_equal(page_features(page, full), page_features(page, pruned))


def test_counts_made_in_parts_add_up_to_the_whole(labeled_files):
    sources = list(file_sources(labeled_files[:12]))
    whole = count_batch(sources)
    merged = merge_repetitions([count_batch(sources[:5]), count_batch(sources[5:])])
    assert merged.pages_per_site == whole.pages_per_site
    assert merged.texts_per_site == whole.texts_per_site
