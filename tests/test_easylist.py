"""EasyList weak labels: which elements of a page the filter lists hide, which URLs are ad servers.

Every rule used here is quoted from the lists in ../shared/corpora/easylist (the line is in
the comment), so a test failing after a list update says which rule changed.
"""

import pytest
from lxml import html as lxml_html

pytest.importorskip("cssselect", reason="cssselect not installed (pip install 'segclf[corpora]')")

from segclf import easylist  # noqa: E402
from segclf.easylist import ad_elements, candidate_rules, is_ad_url, load_filters, rule_counts  # noqa: E402

from conftest import SHARED  # noqa: E402

LISTS = SHARED / "corpora" / "easylist"


@pytest.fixture(scope="module")
def filters():
    if not LISTS.is_dir():
        pytest.skip("../shared/corpora/easylist not present")
    return load_filters(LISTS)


def page(body: str, lang: str = "en"):
    return lxml_html.document_fromstring(f"<html lang='{lang}'><head><title>t</title></head><body>{body}</body></html>")


def hidden(filters, body: str, site: str | None = None, lang: str = "en") -> dict[str, str]:
    """Hidden elements of a page, by their id attribute (every test element has one)."""
    found = ad_elements(filters, page(body, lang), site)
    return {element.get("id", element.tag): family for element, family in found.items()}


ARTICLE = "<div id='story' class='article-body'><p>The harbour board voted to rebuild the pier.</p></div>"


def test_generic_class_rule_hides_its_element(filters):
    # easylist_general_hide: ##.ad-banner-container (EasyList has no bare ##.ad-banner)
    found = hidden(filters, ARTICLE + "<div id='slot' class='ad-banner-container'>Buy now</div>", site="example.com")
    assert found == {"slot": "generic_hide"}


def test_id_rule_hides_its_element(filters):
    # easylist_general_hide: ###ad_slot
    assert hidden(filters, ARTICLE + "<div id='ad_slot'></div>") == {"ad_slot": "generic_hide"}


def test_attribute_prefix_rule_hides_gpt_slots(filters):
    # easylist_general_hide: ##[id^="div-gpt-ad"]
    body = ARTICLE + "<div id='div-gpt-ad-1338574248127-0'></div><div id='my-div-gpt-ad'></div>"
    assert hidden(filters, body, site="example.com") == {"div-gpt-ad-1338574248127-0": "generic_hide"}


def test_child_combinator_and_not(filters):
    # easylist_general_hide: ##.banner-img > .pbl   and   ##.ad-box:not(#ad-banner):not(:empty)
    body = (
        "<div class='banner-img'><span id='child' class='pbl'>x</span>"
        "<div><span id='grandchild' class='pbl'>y</span></div></div>"
        "<div id='box' class='ad-box'>Sponsored</div><div id='empty' class='ad-box'></div>"
    )
    assert hidden(filters, body) == {"child": "generic_hide", "box": "generic_hide"}


def test_a_rule_never_hides_the_whole_page(filters):
    # ##.wideAd matched a 2012 nytimes.com <body class="wideAd">: written for another design
    root = lxml_html.document_fromstring("<html><body class='wideAd'><div id='x' class='wideAd'>ad</div></body></html>")
    assert [element.get("id") for element in ad_elements(filters, root)] == ["x"]


def test_link_rule_hides_links_to_an_ad_host(filters):
    # easylist_general_hide: ##a[href^="https://pubads.g.doubleclick.net/"]
    body = (
        "<a id='ad' href='https://pubads.g.doubleclick.net/gampad/jump?x=1'>Offer</a>"
        "<a id='news' href='/news/1'>News</a>"
    )
    assert hidden(filters, body) == {"ad": "generic_hide"}


def test_site_specific_rule_fires_only_on_its_site(filters):
    # easylist_specific_hide: filepuma.com##.update_software
    body = ARTICLE + "<div id='promo' class='update_software'>Update now</div>"
    assert hidden(filters, body, site="www.filepuma.com") == {"promo": "specific_hide"}
    assert hidden(filters, body, site="https://filepuma.com/download/x") == {"promo": "specific_hide"}
    assert hidden(filters, body, site="example.com") == {}
    assert hidden(filters, body, site=None) == {}


def test_allowlist_exception_stops_a_rule_on_its_site(filters):
    # ###ad_banner, excepted by easylist_allowlist_general_hide: mediafire.com#@##ad_banner
    body = ARTICLE + "<div id='ad_banner'></div>"
    assert hidden(filters, body, site="example.com") == {"ad_banner": "generic_hide"}
    assert hidden(filters, body, site="www.mediafire.com") == {}
    # ##[id^="div-gpt-ad"], excepted by amazon.com,...#@#[id^="div-gpt-ad"]
    # (a span: ##div[id^="div-gpt-"] would hide a div on amazon.com too)
    gpt = "<span id='div-gpt-ad-1'></span>"
    assert hidden(filters, gpt, site="example.com") == {"div-gpt-ad-1": "generic_hide"}
    assert hidden(filters, gpt, site="www.amazon.com") == {}


def test_chinese_rules_from_easylistchina(filters):
    text = "<div id='story'><p>衢州主动对接央企，助推主导产业高端发展。</p></div>"
    # easylistchina: ##.ad_right_1 (generic) and sohu.com##.godR (site-specific)
    body = text + "<div id='right' class='ad_right_1'>广告</div><div id='god_2' class='godR'></div>"
    assert hidden(filters, body, site="www.sohu.com", lang="zh-CN") == {"right": "china_hide", "god_2": "china_hide"}
    assert hidden(filters, body, site="www.example.cn", lang="zh-CN") == {"right": "china_hide"}


def test_ad_urls(filters):
    assert is_ad_url(filters, "https://securepubads.g.doubleclick.net/x") == "adserver"
    assert is_ad_url(filters, "//pagead2.googlesyndication.com/pagead/show_ads.js") == "adserver"
    assert is_ad_url(filters, "https://en.wikipedia.org/wiki/Harbour") is None
    assert is_ad_url(filters, "/relative/doubleclick.net/x") is None
    assert is_ad_url(filters, "javascript:void(0)") is None
    # easylistchina: ||matwbp.iask.sina.com.cn^
    assert is_ad_url(filters, "http://matwbp.iask.sina.com.cn/a.js") == "china_network"


def test_url_rule_options_and_exceptions(filters):
    # ||g.doubleclick.net^, excepted by easylistchina @@||googleads.g.doubleclick.net^$domain=wandhi.com
    url = "https://googleads.g.doubleclick.net/pagead/ads"
    assert is_ad_url(filters, url, site="example.com") == "adserver"
    assert is_ad_url(filters, url, site="www.wandhi.com") is None
    # ||simplyhired.com^$third-party: an ad elsewhere, not on its own site
    assert is_ad_url(filters, "https://www.simplyhired.com/jobs", site="news.example.com") == "adserver"
    assert is_ad_url(filters, "https://www.simplyhired.com/jobs", site="www.simplyhired.com") is None
    # ||s1.wp.com^$subdocument,third-party: WordPress's iframes, not its scripts
    assert is_ad_url(filters, "https://s1.wp.com/widget", site="blog.example.com", resource="subdocument") == "adserver"
    assert is_ad_url(filters, "https://s1.wp.com/wp-includes/x.js", site="blog.example.com", resource="script") is None
    assert is_ad_url(filters, "https://s1.wp.com/wp-includes/x.js", site="blog.example.com") is None


def test_matching_evaluates_only_selectors_keyed_on_the_page(filters):
    body = (
        ARTICLE
        + "<div id='main' class='content wrapper'><div class='ad-banner-container'></div>"
        + "<div id='div-gpt-ad-7'></div><a href='https://example.com/x'>x</a></div>"
    )
    root = page(body)
    classes = {token for element in root.iter() for token in (element.get("class") or "").split()}
    ids = {element.get("id") for element in root.iter() if element.get("id")}
    rules = candidate_rules(filters, root, "example.com")
    assert rule_counts(filters)["generic_hide"] > 10000
    assert 0 < len(rules) <= 10
    for rule in rules:
        kind = rule.key[0]
        if kind == "class":
            assert rule.key[1] in classes
        elif kind == "id":
            assert rule.key[1] in ids
        else:  # an attribute-value key such as [id^="div-gpt-ad"] whose value occurs here
            assert kind == "value" and any(value.startswith(rule.key[3]) for value in ids)


def test_rule_counts_report_loaded_and_skipped(filters):
    counts = rule_counts(filters)
    for family in ("generic_hide", "specific_hide", "china_hide", "adserver", "china_network", "hide_exception"):
        assert counts[family] > 100, family
    # #?# rules (:-abp-has, ...) and path-pattern network rules are skipped, and counted
    assert counts["skipped:extended_syntax"] > 100
    assert counts["skipped:network_path_pattern"] > 1000
    assert all(value > 0 for value in counts.values())


def test_procedural_and_unparsable_selectors_are_skipped():
    builder = easylist._Builder()
    builder.add_list(
        "\n".join(
            [
                "example.com##.box:has-text(Sponsored)",
                "example.com#?#.box:-abp-has(.ad)",
                "example.com##+js(set-constant, x, 1)",
                "##.ok-rule",
                "##.a[[",
            ]
        ),
        china=False,
        host_family=None,
    )
    counts = dict(builder.counts)
    assert counts["generic_hide"] == 1
    assert counts["skipped:procedural"] == 1
    assert counts["skipped:extended_syntax"] == 1
    assert counts["skipped:scriptlet"] == 1
    assert counts["skipped:css_unparsable"] == 1


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="EasyList folder"):
        load_filters(tmp_path / "no-such-folder")
