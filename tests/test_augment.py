"""Augmentation: failed includes injected into labeled pages, labeled error; legal notices, labeled nav."""

import random
import re

from segclf.augment import (
    HELD_OUT_FAMILIES,
    NOTICE_DIR,
    NOTICE_PLACES,
    augment,
    copy_with_includes,
    error_page_copy,
    load_fragments,
    notice_copy,
    read_root,
    select_fragments,
    select_notices,
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


def notice_of(language):
    return next(n for n in select_notices(load_fragments(NOTICE_DIR)) if n.family == language)


def test_notice_catalogue_covers_the_languages_and_keeps_some_out_of_training():
    notices = load_fragments(NOTICE_DIR)
    assert {"zh", "en", "de", "fr", "es", "ru", "ja"} <= {n.family for n in notices}
    held_out = select_notices(notices, held_out=True)
    training = select_notices(notices)
    assert held_out and training and not {n.name for n in held_out} & {n.name for n in training}


def test_notice_copy_puts_the_notice_after_the_article_labeled_nav(labeled_files, tmp_path):
    source = next(p for p in labeled_files if p.name == "en-news-harbor-1.html")
    notice = notice_of("zh")
    # With seed 0, the place drawn after the notice is "after_body".
    rng = random.Random(0)
    check = random.Random(0)
    check.choice([notice])
    assert check.choice(NOTICE_PLACES) == "after_body"
    target = tmp_path / "notice.html"
    target.write_bytes(notice_copy(read_root(source), source, [notice], rng, cjk=False))
    page = read_labeled(target)
    original = read_labeled(source)
    labels = {b.text: label for b, label in zip(page.page.blocks, page.labels)}
    notice_blocks = [b.text for b in page.page.blocks if b.text not in {o.text for o in original.page.blocks}]
    assert notice_blocks and all(labels[text] == "nav" for text in notice_blocks)
    body_before = [b.text for b, l in zip(original.page.blocks, original.labels) if l == "body"]
    body_after = [b.text for b, l in zip(page.page.blocks, page.labels) if l == "body"]
    assert body_after == body_before
    texts = [b.text for b in page.page.blocks]
    assert texts.index(notice_blocks[0]) == texts.index(body_before[-1]) + 1
    assert page.unlabeled_blocks == 0 and page.page.site != original.page.site


def test_notice_copies_leave_the_include_copies_as_they_were(labeled_files, tmp_path):
    sources = [p for p in labeled_files if p.name.startswith("en-")][:4]
    fragments = select_fragments(load_fragments(), exclude=set(HELD_OUT_FAMILIES))
    plain = augment(sources, tmp_path / "plain", fragments, error_pages=0.5)
    with_notices = augment(sources, tmp_path / "notices", fragments, error_pages=0.5, notices=select_notices(load_fragments(NOTICE_DIR)), notice_pages=1.0)
    assert with_notices["notice_copies"] == len(sources) and plain["notice_copies"] == 0
    for path in (tmp_path / "plain").iterdir():
        assert (tmp_path / "notices" / path.name).read_bytes() == path.read_bytes()


def test_notices_are_drawn_in_the_script_of_the_article_and_every_cjk_page_gets_one(labeled_files, tmp_path):
    sources = [p for p in labeled_files if p.name.startswith(("zh-", "ja-", "en-news", "de-"))]
    counts = augment(sources, tmp_path, [], copies=0, error_pages=0, notices=select_notices(load_fragments(NOTICE_DIR)), notice_pages=0.5)
    languages = {
        path.name.split(".")[0]: re.search(r'notice: (\w+?)__', path.read_text(encoding="utf-8")).group(1)
        for path in tmp_path.glob("*.notice.html")
    }
    cjk_pages = {p.stem for p in sources if p.name.startswith(("zh-", "ja-")) and not p.stem.endswith(("notfound", "soft404"))}
    assert cjk_pages <= set(languages) and len(languages) > len(cjk_pages)
    assert counts["notice_copies"] == len(languages)
    for stem, language in languages.items():
        assert (language in ("zh", "ja")) == (stem in cjk_pages), stem
