"""Error augmentation: failed includes injected into labeled pages, labeled error."""

import random

from segclf.augment import (
    HELD_OUT_FAMILIES,
    copy_with_includes,
    error_page_copy,
    load_fragments,
    select_fragments,
)
from segclf.labeled import read_labeled


def error_texts(path):
    page = read_labeled(path)
    return [b.text for b, label in zip(page.page.blocks, page.labels) if label == "error"], page


def test_catalogue_covers_servers_and_languages():
    families = {f.family for f in load_fragments()}
    assert {"nginx", "apache", "iis", "tomcat", "cloudflare", "varnish", "php", "aspnet", "ssi", "database"} <= families
    names = " ".join(f.name for f in load_fragments() if f.family == "soft404")
    for language in ("en", "zh", "de", "fr", "es", "ru", "ja"):
        assert f"{language}_" in names


def test_held_out_families_are_not_used_for_training():
    training = select_fragments(load_fragments(), exclude=set(HELD_OUT_FAMILIES))
    assert training and not {f.family for f in training} & set(HELD_OUT_FAMILIES)


def test_injected_nginx_page_is_labeled_error_and_body_survives(labeled_files, tmp_path):
    source = next(p for p in labeled_files if p.name == "en-news-harbor-1.html")
    nginx = [f for f in load_fragments() if f.family == "nginx" and "404" in f.name][:1]
    data, names = copy_with_includes(source, nginx, random.Random(1))
    target = tmp_path / "copy.html"
    target.write_bytes(data)
    errors, page = error_texts(target)
    assert "404 Not Found" in errors
    original = read_labeled(source)
    body_before = {b.text for b, l in zip(original.page.blocks, original.labels) if l == "body"}
    body_after = {b.text for b, l in zip(page.page.blocks, page.labels) if l == "body"}
    assert body_after <= body_before
    assert page.unlabeled_blocks == 0
    assert page.page.site != original.page.site  # a copy must not count as a repeat of its original


def test_error_page_keeps_chrome_and_has_no_body(labeled_files, tmp_path):
    source = next(p for p in labeled_files if p.name == "de-blog-kaffeesatz-1.html")
    soft404 = next(f for f in load_fragments() if f.name == "de_seite_nicht_gefunden")
    target = tmp_path / "errpage.html"
    target.write_bytes(error_page_copy(source, soft404))
    errors, page = error_texts(target)
    assert errors and "body" not in page.labels and "nav" in page.labels
