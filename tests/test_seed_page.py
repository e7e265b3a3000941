"""The page segclf grew from, cleaned by the shipped model: the article and nothing else."""

import pytest

from segclf.extract import label_page
from segclf.labeled import read_labeled
from segclf.model import load_model

from conftest import LABELED, SHIPPED_MODEL

SEED_PAGE = LABELED / "zh-news-zjol-quzhou.html"
ARTICLE_START = "浙江在线09月18日讯"
ARTICLE_END = "(吴新波)"
NOT_BODY = ["首页", "您当前的位置", "杭州晴到少云", "玫红系girl", "街拍", "复制本文标题地址", "我要注册", "衢州引进国内龙头企业", "ZJOL/1.22.95", "404 Not Found"]


@pytest.fixture(scope="module")
def cleaned():
    if not SHIPPED_MODEL.exists():
        pytest.fail("the shipped model models/segclf-default.joblib is missing; rebuild it (models/README.md)")
    labeled = read_labeled(SEED_PAGE)
    return labeled, label_page(labeled.page, load_model(SHIPPED_MODEL))


def test_every_error_fragment_is_labeled_error(cleaned):
    labeled, result = cleaned
    fragments = [b for b in result.blocks if b.text in ("404 Not Found", "ZJOL/1.22.95")]
    assert len(fragments) >= 14
    assert all(b.label == "error" for b in fragments), [(b.text, b.label) for b in fragments if b.label != "error"]


def test_every_article_paragraph_is_kept(cleaned):
    labeled, result = cleaned
    gold_body = [b.text for b, label in zip(labeled.page.blocks, labeled.labels) if label == "body"]
    kept = result.text()
    assert gold_body[0] == "衢州主动对接央企 助推主导产业高端发展"
    for paragraph in gold_body:
        assert paragraph in kept
    assert kept.lstrip().startswith("衢州主动对接央企") and ARTICLE_START in kept and kept.rstrip().endswith(ARTICLE_END)


def test_no_nav_promo_or_error_text_in_the_output(cleaned):
    _, result = cleaned
    kept = result.text()
    for junk in NOT_BODY:
        assert junk not in kept, junk


def test_the_page_verdict_is_ok(cleaned):
    assert cleaned[1].verdict == "ok"
