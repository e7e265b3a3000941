"""Property-based fuzzing: random bytes, random markup and mutated real pages never raise
anything but a one-line PageError, give valid text, and give the same output twice."""

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segclf.extract import label_page, resolve_model
from segclf.features import page_features
from segclf.pages import PageError, page_from_bytes
from segclf.render import render

from conftest import LABELED, SHIPPED_MODEL

FUZZ = settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
TAGS = ["div", "p", "a", "span", "table", "tr", "td", "li", "ul", "br", "html", "body", "head", "title", "script", "b", "iframe", "pre", "frameset"]
REAL_PAGES = sorted(LABELED.glob("*.html"))[:8]


def clean_bytes(data: bytes) -> str | None:
    """The json rendering of a page, or None when the page is refused with a PageError."""
    try:
        page = page_from_bytes(data, name="fuzz.html")
    except PageError as exc:
        assert "\n" not in str(exc)
        return None
    matrix = page_features(page)
    assert matrix.shape[0] == len(page.blocks)
    output = render(label_page(page, resolve_model(SHIPPED_MODEL)), "json", ("body", "nav", "error", "ad"))
    output.encode("utf-8")  # valid UTF-8: no lone surrogates
    return output


markup = st.recursive(
    st.text(max_size=30),
    lambda children: st.builds(
        lambda tag, attrs, inner: f"<{tag}{attrs}>{''.join(inner)}</{tag}>" if tag != "br" else "<br>",
        st.sampled_from(TAGS),
        st.sampled_from(["", " class='nav'", " style='display:none'", " data-segclf='junk'", " id='ad_1'", " hidden"]),
        st.lists(children, max_size=5),
    ),
    max_leaves=40,
)


@FUZZ
@given(st.binary(max_size=4000))
def test_random_bytes(data):
    assert clean_bytes(data) == clean_bytes(data)


@FUZZ
@given(markup)
def test_random_markup(html):
    data = html.encode("utf-8", "surrogatepass")
    assert clean_bytes(data) == clean_bytes(data)


@FUZZ
@given(st.sampled_from(REAL_PAGES), st.lists(st.tuples(st.floats(0, 1), st.binary(min_size=0, max_size=8)), max_size=12))
def test_mutated_real_pages(path: Path, mutations):
    data = bytearray(path.read_bytes())
    for where, replacement in mutations:
        position = int(where * len(data))
        data[position : position + len(replacement)] = replacement
    assert clean_bytes(bytes(data)) == clean_bytes(bytes(data))
