"""Stage 2: text -> blocks at block-level boundaries, with DOM context kept."""

from segclf.blocks import parse_html, segment_text, split_blocks


def texts(html: str) -> list[str]:
    return [block.text for block in segment_text(html).blocks]


def test_inline_tags_do_not_split_a_block():
    html = "<p>One <a href='/x'>link</a>, <span>span</span>, <b>bold</b> and <font>font</font>.</p>"
    assert texts(html) == ["One link, span, bold and font."]


def test_block_tags_split():
    assert texts("<div>a<p>b</p>c<ul><li>d</li><li>e</li></ul></div>") == ["a", "b", "c", "d", "e"]


def test_script_style_noscript_template_and_comments_are_dropped():
    html = (
        "<body><script>var x=1</script><style>p{}</style><noscript>enable js</noscript>"
        "<template><p>tpl</p></template><!-- comment --><p>kept</p></body>"
    )
    assert texts(html) == ["kept"]


def test_hidden_subtrees_are_dropped():
    html = '<p hidden>a</p><p style="display: none">b</p><p aria-hidden="true">c</p><p>d</p>'
    assert texts(html) == ["d"]


def test_mathml_formulas_are_text_without_their_source_annotations():
    html = (
        "<p>Solve <math><semantics><mrow><mi>x</mi><msup><mi>y</mi><mn>2</mn></msup><mo>=</mo><mn>0</mn>"
        "</mrow><annotation encoding='application/x-tex'>xy^2=0</annotation></semantics></math> now.</p>"
        "<svg><text>icon</text></svg>"
    )
    assert texts(html) == ["Solve x y 2 = 0 now."]


def test_double_br_splits_single_br_is_a_line_break():
    assert texts("<td>line one<br>line two<br><br>next paragraph</td>") == ["line one\nline two", "next paragraph"]


def test_link_text_and_hosts_are_counted():
    [block] = segment_text('<p>Read <a href="http://ads.doubleclick.net/x">this offer</a> now</p>').blocks
    assert block.link_chars == len("thisoffer")  # white space does not count
    assert block.link_count == 1
    assert block.urls == ("ads.doubleclick.net",)


def test_block_keeps_path_tokens_and_ancestors():
    [block] = segment_text('<div id="mainNav"><ul class="menu-top"><li>Home</li></ul></div>').blocks
    assert block.tag == "li"
    assert block.path.endswith("div#mainNav>ul.menu-top>li")
    assert len(block.ancestors) >= 3


def test_nested_error_document_stays_in_place():
    html = (
        "<body><p>before</p><div><html><head><title>404 Not Found</title></head><body>"
        "<center><h1>404 Not Found</h1></center><hr><center>ZJOL/1.22.95</center></body></html></div>"
        "<p>after</p></body>"
    )
    # What a browser shows: the included document's heading and signature, not its <title>.
    assert texts(html) == ["before", "404 Not Found", "ZJOL/1.22.95", "after"]


def test_title_is_never_a_block_even_when_the_parser_leaves_it_in_the_body():
    # cleaneval's and CleanPortalEval's pages open with a <text id=...> wrapper, so the
    # parser has started the body before it meets <head> and <title>.
    html = '<text id="http://example.com/a"><html><head><title>Site - Headline</title></head><body><h1>Headline</h1><p>Story.</p></body></html>'
    page = segment_text(html)
    assert [b.text for b in page.blocks] == ["Headline", "Story."]
    assert page.title == "Site - Headline"


def test_marked_label_is_the_nearest_marked_ancestor():
    html = (
        '<body data-segclf="nav"><div>menu</div><article data-segclf="body"><p>text</p>'
        '<div data-segclf="ad"><p>buy</p></div></article></body>'
    )
    assert [b.marked_label for b in segment_text(html).blocks] == ["nav", "body", "ad"]


def test_empty_and_garbage_input_gives_no_blocks():
    assert split_blocks(parse_html("")) == []
    assert split_blocks(parse_html("   \n ")) == []
    assert texts("\x00\x00<p>x\x00y</p>") == ["xy"]


def test_xml_declaration_and_namespaced_xhtml_parse():
    html = '<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml"><body><p>hi</p></body></html>'
    assert texts(html) == ["hi"]


def test_site_comes_from_meta_or_canonical():
    assert segment_text('<head><meta name="segclf-site" content="Zjol.example"></head><p>x</p>').site == "zjol.example"
    assert segment_text('<head><link rel="canonical" href="https://www.example.com/a"></head><p>x</p>').site == "example.com"


def test_unclosed_title_does_not_swallow_the_page():
    html = "<html><head><title>Broken crawl<meta charset=utf-8></head><body><p>The article text.</p></body></html>"
    assert "The article text." in texts(html)


def test_control_characters_are_dropped():
    assert texts("<p>a\x01b\x1fc</p>") == ["abc"]


def test_plain_text_without_markup_becomes_one_block_per_line():
    from segclf.blocks import PLAIN_TEXT

    page = segment_text("404 Not Found\n\n  Rates rose & fell, a < b.\nnginx/1.18.0\n")
    assert [block.text for block in page.blocks] == ["404 Not Found", "Rates rose & fell, a < b.", "nginx/1.18.0"]
    assert page.extras["input"] == PLAIN_TEXT
    assert "input" not in segment_text("<p>404 Not Found</p>").extras
