"""Site folds: a site's pages, and training copies of them, never sit on both sides."""

import numpy as np

from segclf.blocks import Page
from segclf.folds import fold_groups, site_folds
from segclf.model import MIN_ROWS_TO_SUBSAMPLE, fitting_rows


def page(name, site):
    return Page(blocks=[], name=name, site=site)


def test_a_training_copy_shares_its_originals_group():
    pages = [
        page("corpus/train/R178.html", "example.com"),
        page("augmented/R178.inc0.html", "augmented.inc0.r178"),
        page("augmented/R999.inc0.html", "augmented.inc0.r999"),  # original not in the set
    ]
    assert fold_groups(pages) == ["example.com", "example.com", "augmented.inc0.r999"]


def test_folds_keep_whole_sites_together():
    pages = [page(f"{site}-{n}.html", site) for site in "abcde" for n in range(2)]
    folds = site_folds(pages, 3)
    for fold in folds:
        sites = {pages[i].site for i in fold}
        assert all(pages[i].site not in sites for other in folds if other is not fold for i in other)


def test_small_training_sets_are_fitted_whole():
    y = np.array(["nav", "body"] * 50)
    keep, factor = fitting_rows([page("a.html", "a")], y, np.zeros(len(y), dtype=int))
    assert keep.all() and (factor == 1).all()


def test_large_training_sets_keep_every_error_and_body_row_and_some_nav():
    rows = MIN_ROWS_TO_SUBSAMPLE + 1000
    y = np.array(["nav", "nav", "body", "error"] * (rows // 4))
    pages = [page("a.html", "a"), page("a.copy.html", "augmented.inc0.a")]
    rows_page = (np.arange(len(y)) // 4) % 2
    keep, factor = fitting_rows(pages, y, rows_page)
    original, copy = rows_page == 0, rows_page == 1
    assert keep[(y == "error")].all() and keep[(y == "body") & original].all()
    assert 0.3 < keep[(y == "nav") & original].mean() < 0.5
    assert keep[(y == "body") & copy].mean() < 0.2
    assert (factor[keep & (y == "nav") & original] == 2.5).all()
    again, _ = fitting_rows(pages, y, rows_page)
    assert (again == keep).all()
