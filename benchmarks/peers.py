"""Peer main-text extractors behind one interface, for benchmarks/accuracy.py.

Each `*_text(html, url, lang)` function takes the page already decoded to str (the
harness decodes every page once with segclf's decoder, so charset handling is the same
for every peer) and returns the extractor's main text. These functions may raise; wrap
them in `Extractor`, whose `run()` never raises (a failure is an empty text plus the
error, so the harness can count failures) and whose call returns "" on any failure.

Settings are each library's defaults except where noted: nothing here may touch the
network (newspaper4k would download images), and jusText needs a stoplist.
"""

from __future__ import annotations

import functools
import importlib.metadata
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass

# Elements after which a line break goes, so text_content() does not glue two
# paragraphs' words into one token.
BLOCK_TAGS = frozenset(
    "address article aside blockquote br dd div dl dt figcaption figure footer h1 h2 h3 h4 h5 h6 "
    "header hr li main nav ol p pre section table td th tr ul".split()
)

# ISO 639-1 code (meta.jsonl `lang`) -> jusText stoplist name, for the languages of the corpora
# and their neighbours. Languages without a stoplist (zh, ja, ...) use language-independent mode.
JUSTEXT_STOPLISTS = {
    "en": "English", "de": "German", "fr": "French", "es": "Spanish", "pt": "Portuguese",
    "it": "Italian", "nl": "Dutch", "cs": "Czech", "sk": "Slovak", "pl": "Polish",
    "ru": "Russian", "sv": "Swedish", "da": "Danish", "fi": "Finnish", "hu": "Hungarian",
    "ro": "Romanian", "tr": "Turkish", "el": "Greek", "uk": "Ukrainian", "ca": "Catalan",
}  # fmt: skip


def block_text(element) -> str:
    """An lxml element's text with a newline after every block element."""
    for node in element.iter():
        if isinstance(node.tag, str) and node.tag.lower() in BLOCK_TAGS:
            node.tail = "\n" + (node.tail or "")
    return element.text_content()


def trafilatura_text(html: str, url: str | None = None, lang: str | None = None) -> str:
    import trafilatura

    text = trafilatura.extract(html, url=url, include_comments=False, include_tables=True, favor_precision=False)
    return text or ""


def readability_text(html: str, url: str | None = None, lang: str | None = None) -> str:
    import lxml.html
    from readability import Document

    summary = Document(html, url=url).summary()
    return block_text(lxml.html.fromstring(summary))


@functools.cache
def _justext_stoplist(name: str) -> frozenset[str]:
    import justext

    return justext.get_stoplist(name)


def justext_text(html: str, url: str | None = None, lang: str | None = None) -> str:
    """The page language's stoplist when meta.jsonl knows the language and jusText has one;
    otherwise jusText's language-independent mode (empty stoplist, stopword thresholds 0:
    paragraphs judged by length and link density only), as its own CLI does. A union of
    all 100 stoplists would make nearly every paragraph look like prose."""
    import justext

    name = JUSTEXT_STOPLISTS.get(_primary(lang))
    if name:
        paragraphs = justext.justext(html, _justext_stoplist(name))
    else:
        paragraphs = justext.justext(html, frozenset(), stopwords_low=0, stopwords_high=0)
    return "\n".join(paragraph.text for paragraph in paragraphs if not paragraph.is_boilerplate)


def boilerpy3_text(html: str, url: str | None = None, lang: str | None = None) -> str:
    from boilerpy3 import extractors

    return extractors.ArticleExtractor().get_content(html)


def html_text_text(html: str, url: str | None = None, lang: str | None = None) -> str:
    import html_text

    return html_text.extract_text(html)


def resiliparse_text(html: str, url: str | None = None, lang: str | None = None) -> str:
    from resiliparse.extract.html2text import extract_plain_text
    from resiliparse.parse.html import HTMLTree

    return extract_plain_text(HTMLTree.parse(html), main_content=True)


def _primary(lang: str | None) -> str:
    """'zh-CN' -> 'zh'; '' when unknown."""
    return (lang or "").split("-")[0].lower()


def newspaper_text(html: str, url: str | None = None, lang: str | None = None) -> str:
    """Defaults except: fetch_images=False (images are downloaded only to pick a top image:
    network traffic, not text) and the page language when known (without it newspaper4k
    falls back to English stopwords and finds no text on Chinese pages that declare no
    language). A fresh config per page, since parse() writes the page's language into it."""
    from newspaper import Article
    from newspaper.configuration import Configuration
    from newspaper.languages import get_available_languages

    config = Configuration()
    config.fetch_images = False
    if _primary(lang) in get_available_languages():
        config.language = _primary(lang)
    article = Article(url or "http://localhost/", config=config)
    article.download(input_html=html)
    article.parse()
    return article.text


# Languages goose3 segments with a stopword class of their own (its README's "Goose in
# Chinese"); jieba comes with goose3[chinese]. Japanese would need goose3[japanese].
GOOSE_STOPWORDS = {"zh": "StopWordsChinese", "ko": "StopWordsKorean", "ar": "StopWordsArabic"}


@functools.cache
def _goose(language: str):
    import goose3
    import goose3.text

    config = {"target_language": language} if language else {}  # a language the page declares still wins
    if language in GOOSE_STOPWORDS:
        config["stopwords_class"] = getattr(goose3.text, GOOSE_STOPWORDS[language])
    return goose3.Goose(config)  # image fetching is off by default


def goose_text(html: str, url: str | None = None, lang: str | None = None) -> str:
    """Defaults except the page language when known: Chinese needs goose3's Chinese
    stopword class, which goose3 never picks by itself."""
    return _goose(_primary(lang)).extract(raw_html=html).cleaned_text


def inscriptis_text(html: str, url: str | None = None, lang: str | None = None) -> str:
    import inscriptis

    return inscriptis.get_text(html)


class ExtractorTimeout(BaseException):
    """Raised by the alarm; a BaseException so that peers' own `except Exception` can't swallow it."""


@dataclass(frozen=True)
class Outcome:
    text: str
    seconds: float
    error: str | None = None


def _alarm(signum, frame):
    raise ExtractorTimeout


@dataclass(frozen=True)
class Extractor:
    """An extraction function with its name, the package whose version is reported, and a note."""

    name: str
    distribution: str
    function: Callable[..., str]
    whole_page: bool = False  # a whole-page text baseline, not a main-content extractor
    readability_port: bool = False  # never compared on Readability's own (silver) test pages

    def version(self) -> str | None:
        try:
            return importlib.metadata.version(self.distribution)
        except importlib.metadata.PackageNotFoundError:
            return None

    def run(self, *args, timeout: float = 0) -> Outcome:
        """Call the function; never raises. timeout (seconds, main thread only) counts as a failure."""
        if timeout:
            previous = signal.signal(signal.SIGALRM, _alarm)
            signal.setitimer(signal.ITIMER_REAL, timeout)
        start = time.perf_counter()
        try:
            text, error = self.function(*args) or "", None
        except ExtractorTimeout:
            text, error = "", f"timeout after {timeout:g} s"
        except Exception as exc:  # noqa: BLE001 - any peer bug is a failure, not a crash
            text, error = "", f"{type(exc).__name__}: {exc}"[:300]
        finally:
            seconds = time.perf_counter() - start
            if timeout:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous)
        return Outcome(text, seconds, error)

    def __call__(self, html: str, url: str | None = None, lang: str | None = None) -> str:
        """The main text, or "" when the extractor fails."""
        return self.run(html, url, lang).text


PEERS: dict[str, Extractor] = {
    extractor.name: extractor
    for extractor in (
        Extractor("trafilatura", "trafilatura", trafilatura_text),
        Extractor("readability-lxml", "readability-lxml", readability_text, readability_port=True),
        Extractor("justext", "justext", justext_text),
        Extractor("boilerpy3", "boilerpy3", boilerpy3_text),
        Extractor("resiliparse", "resiliparse", resiliparse_text),
        Extractor("newspaper4k", "newspaper4k", newspaper_text),
        Extractor("goose3", "goose3", goose_text),
        Extractor("html-text", "html-text", html_text_text, whole_page=True),
        Extractor("inscriptis", "inscriptis", inscriptis_text, whole_page=True),
    )
}
