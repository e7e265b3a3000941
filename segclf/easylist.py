"""EasyList filters -> the ad elements and ad URLs of a parsed page (weak labels for "ad").

A training page's non-body block is weak-labelled ``ad`` when it sits inside an element the
filter lists hide, or when its links mostly point to ad servers. This module answers both
questions from the raw lists in ``shared/corpora/easylist`` (EasyList split into its sections,
plus EasyList China, which matters because the project handles Chinese pages):

* ``ad_elements`` - elements hidden by element-hiding rules (``##sel``), by rule family:
  ``generic_hide`` (EasyList rules for every site), ``specific_hide`` (EasyList rules for the
  page's site or a parent domain), ``china_hide`` (EasyList China, generic and specific).
  Exceptions (``#@#sel``, and ``@@||site^$elemhide/generichide/specifichide/document``) are
  honoured across all lists, as an ad blocker loading them together would.
* ``is_ad_url`` - ``adserver`` when a URL's host or a parent domain has a ``||host^`` rule in
  the EasyList adservers / thirdparty files (and the publishers' own ad hosts of the
  specific_block files, e.g. ``||ad.khan.co.kr^``), ``china_network`` for EasyList China's
  ``||host^`` rules; ``@@||host^`` exceptions win unless the block rule is ``$important``.
  Path-pattern rules are skipped (and counted): a weak label needs "is this an ad server",
  not a full request matcher. A ``$popup`` / ``$document`` rule names its host as an ad
  destination (so ``ad.uk.doubleclick.net`` counts through ``||doubleclick.net^$popup``); a
  rule limited to other types (``||s1.wp.com^$subdocument``) counts only for that type.

EasyPrivacy is not loaded: trackers (analytics pixels) are not ads, and labelling their
blocks ``ad`` would teach the classifier the wrong thing.

Why our own parser of the ``##`` / ``#@#`` / ``||host^`` syntax plus cssselect, and not a
library (measured on this machine on the 2,048 pages of the dragnet, l3s_gn1 and zh_cwced
corpora):

* ``adblock`` 0.6.0 (Brave's adblock-rust bindings, last release 2022) is a fine oracle: on
  all 2,048 pages its EasyList selectors, run through cssselect, hide exactly the 4,501
  elements this module's generic_hide + specific_hide do, no more, no less. But it only
  hands back selector strings, so cssselect is still needed to run them on lxml; it cannot
  say which list (family) a selector came from without one engine per family; it returns
  all ~500 generic attribute selectors (``[id^="div-gpt-ad"]``, ``a[href^=...]``) for every
  page un-indexed, so adblock + cssselect took ~150 ms a page against ~5 ms here; and it
  reports nothing about the rules it skipped. ``braveblock`` wraps the same engine for
  network rules only; ``adblockparser`` (2016) is regex-per-rule URL matching, unmaintained.
* The syntax we need is small and stable: a domain list, a separator, a CSS selector; or
  ``||host^$options``. Parsing it ourselves lets every generic selector be indexed by a key
  it cannot match without (an id, a class, an attribute value, an attribute name or a tag,
  negations excluded) and be checked against all its other keys before any XPath runs, so a
  page evaluates one or two selectors on average; plain ``.class`` / ``#id`` rules (95 % of
  EasyList's generic rules) need no XPath at all, and a selector keyed in its leftmost
  compound runs from the few elements that carry the key. Loading takes ~2 s.

cssselect before 1.5 mistranslates ``:has()`` / ``:is()`` / ``:where()`` (silently wrong
XPath), so on those versions such selectors are skipped as ``css_unsupported``; the
``bench`` extra's readability-lxml pins cssselect < 1.4. cssselect 1.6 also parses
``:has([attr])`` and the ``[attr="v" i]`` flag.
"""

from __future__ import annotations

import functools
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from lxml import etree

try:
    import cssselect
    from cssselect import HTMLTranslator, SelectorError
    from cssselect import parser as css_tree
except ImportError as error:  # pragma: no cover - depends on the install
    raise ImportError("segclf.easylist needs cssselect: pip install 'segclf[corpora]'") from error

from segclf.corpus import registered_domain

DEFAULT_FOLDER = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "easylist"

GENERIC_HIDE = "generic_hide"
SPECIFIC_HIDE = "specific_hide"
CHINA_HIDE = "china_hide"
ADSERVER = "adserver"
CHINA_NETWORK = "china_network"
# When several families hide one element, the most specific evidence names it.
HIDE_FAMILIES = (SPECIFIC_HIDE, GENERIC_HIDE, CHINA_HIDE)
URL_FAMILIES = (ADSERVER, CHINA_NETWORK)
_HIDE_RANK = {family: rank for rank, family in enumerate(HIDE_FAMILIES)}
_URL_RANK = {family: rank for rank, family in enumerate(URL_FAMILIES)}

# EasyList files whose ||host^ rules name ad servers (the rest are path patterns).
_AD_HOST_FILE_PARTS = ("adservers", "thirdparty", "specific_block")

_CSSSELECT_VERSION = tuple(int(part) for part in re.findall(r"\d+", cssselect.__version__)[:2])
# Older cssselect parses these but emits wrong XPath (e.g. `.a:has(> .b)` tests .b on .a).
_RELATIONAL_OK = _CSSSELECT_VERSION >= (1, 5)
_RELATIONAL = re.compile(r":(?:has|is|where)\(")
# uBO / ABP procedural and action operators: not CSS, cannot be run as XPath.
_PROCEDURAL = re.compile(
    r":(?:-abp-[a-z-]+|has-text|contains|style|remove|remove-attr|remove-class|upward|xpath"
    r"|matches-css(?:-before|-after)?|matches-attr|matches-path|matches-prop|matches-media"
    r"|min-text-length|nth-ancestor|watch-attr|others|if|if-not)\("
)
# domains + separator + body. Separators: ## #@# #?# #@?# #$# #@$# #%# #@%#.
_COSMETIC = re.compile(r"^([^#|/$]*)(#@?[?$%]?#)(.+)$")
_SIMPLE = re.compile(r"^([.#])(-?[^\W\d][\w-]*)$")
_HOST_RULE = re.compile(r"^\|\|([^/^*|$:?&=]+)(?:\^\|?|/)$")
_FAST_HOST_RULE = re.compile(r"^(@@)?\|\|([a-z0-9_-]+(?:\.[a-z0-9_-]+)+)\^(?:\$([^$/]*))?$")
_DOMAIN_LIST = re.compile(r"^[a-z0-9_.*~,|\-]*$")  # no "/": uBO regex domains are not handled
_HOSTNAME = re.compile(r"^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*$")

_PAGE_OPTIONS = {
    "elemhide": "elemhide",
    "ehide": "elemhide",
    "generichide": "generichide",
    "ghide": "generichide",
    "specifichide": "specifichide",
    "shide": "specifichide",
    "document": "document",
    "doc": "document",
    "genericblock": "genericblock",
}
# Resource-type options (and uBO aliases) -> the type is_ad_url's ``resource`` names.
_RESOURCE_TYPES = {
    **{name: name for name in """script image stylesheet object xmlhttprequest subdocument ping media font
    other websocket webrtc popup""".split()},
    "xhr": "xmlhttprequest",
    "frame": "subdocument",
    "css": "stylesheet",
    "object-subrequest": "object",
    "popunder": "popup",
}
# Options that make a network rule something other than "block this host".
_MODIFIER_OPTIONS = frozenset(
    """csp redirect redirect-rule removeparam queryprune rewrite replace header removeheader
    permissions urltransform uritransform urlskip badfilter denyallow to method cname
    ipaddress empty mp4 inline-script inline-font""".split()
)

_TRANSLATOR = HTMLTranslator()
# A URL-prefix value names its host: a[href^="https://ads.example.com/"] is indexed by host.
_VALUE_HOST = re.compile(r"^(?:https?:)?//([^/?#:\\\s]+)[/?#:]")
_PAGE_HOST = re.compile(r"^\s*(?:https?:)?//([^/?#:\\\s]+)", re.IGNORECASE)
# scheme://user@HOST:port/... or //HOST/... (faster than urlsplit on every link of a page)
_URL_HOST = re.compile(r"^\s*(?:[a-zA-Z][a-zA-Z0-9+.-]*:)?//(?:[^@/?#]*@)?([^/?#:@\[\]\\\s]+)")
_NEVER_HIDDEN = frozenset({"html", "head", "body"})
# Attributes on nearly every element: as a bare [attr] key they select nothing.
_COMMON_ATTRS = frozenset("id class style href src title alt name type target rel width height".split())


@dataclass(frozen=True, slots=True, eq=False)
class HideRule:
    """One element-hiding selector (a rule with a selector group becomes one per member)."""

    selector: str  # the rule's selector text: what #@# exceptions name
    family: str
    # What a page must contain for the selector to match: ("class", "ad"), ("id", "x"),
    # ("value", "href", "^=", "https://ad.x/"), ("attr", "data-ad"), ("tag", "amp-ad").
    key: tuple
    member: int  # which member of the selector group; -1: a plain .class / #id rule, no XPath
    anchored: bool = False  # key is in the leftmost compound: run from the key's elements only
    requires: tuple = ()  # the selector's other keys, all of which the page must have too
    include: frozenset[str] = frozenset()  # domains the rule is limited to (empty: all)
    exclude: frozenset[str] = frozenset()  # ~domains


@dataclass(frozen=True, slots=True, eq=False)
class NetRule:
    """One ``||host^`` rule (block or ``@@`` exception) and the options that limit it."""

    family: str
    third_party: bool | None = None  # True: only third-party requests; False: only first-party
    include: frozenset[str] = frozenset()
    exclude: frozenset[str] = frozenset()
    important: bool = False
    # $script,image,... : the rule only covers these resource types (empty: any, or only
    # $popup / $document, which name the host itself as an ad destination)
    types: frozenset[str] = frozenset()
    not_types: frozenset[str] = frozenset()  # $~image,...


@dataclass(frozen=True, eq=False)
class AdFilters:
    """The parsed lists, indexed for per-page matching. Build with ``load_filters``.

    Generic rules are indexed by their key (``HideRule.key``), site rules by domain."""

    folder: Path
    by_class: dict[str, tuple[HideRule, ...]]
    by_id: dict[str, tuple[HideRule, ...]]
    by_tag: dict[str, tuple[HideRule, ...]]
    by_attr: dict[str, tuple[HideRule, ...]]
    by_href_host: dict[str, tuple[HideRule, ...]]  # a[href^="https://host/..."] by host
    by_value: dict[str, tuple[HideRule, ...]]  # other attribute-value keys, by attribute
    unkeyed: tuple[HideRule, ...]
    specific: dict[str, tuple[HideRule, ...]]  # domain (or "name.*" entity) -> rules
    # domain ("" = every site) -> (selector, excluded domains) of #@# exceptions
    hide_exceptions: dict[str, tuple[tuple[str, frozenset[str]], ...]]
    page_exceptions: dict[str, frozenset[str]]  # host -> {"elemhide", "generichide", ...}
    block_hosts: dict[str, tuple[NetRule, ...]]
    allow_hosts: dict[str, tuple[NetRule, ...]]
    counts: dict[str, int]
    value_attrs: frozenset[str] = field(default_factory=frozenset)  # attributes whose values keys test

    def __repr__(self) -> str:  # the tables are huge: show where they came from and their counts
        return f"AdFilters(folder={str(self.folder)!r}, counts={self.counts})"


# ----------------------------------------------------------------------------- loading


def load_filters(folder: Path | None = None) -> AdFilters:
    """Parse and index the lists in ``folder`` (default ``../shared/corpora/easylist``); cached."""
    folder = Path(folder) if folder is not None else DEFAULT_FOLDER
    folder = folder.resolve()
    if not (folder / "easylist").is_dir() or not (folder / "easylistchina.txt").is_file():
        raise FileNotFoundError(
            f"EasyList folder not found or incomplete: {folder} (needs easylist/*.txt and easylistchina.txt)"
        )
    return _load_cached(folder)


@functools.lru_cache(maxsize=4)
def _load_cached(folder: Path) -> AdFilters:
    builder = _Builder()
    for path in _easylist_files(folder / "easylist"):
        name = path.name
        host_family = ADSERVER if any(part in name for part in _AD_HOST_FILE_PARTS) else None
        builder.add_list(path.read_text(encoding="utf-8"), china=False, host_family=host_family)
    builder.add_list((folder / "easylistchina.txt").read_text(encoding="utf-8"), china=True, host_family=CHINA_NETWORK)
    return builder.build(folder)


def _easylist_files(section_folder: Path) -> list[Path]:
    """The section files in the list's own order (``_order.txt``), else sorted."""
    order = section_folder / "_order.txt"
    if order.is_file():
        names = [line.strip() for line in order.read_text(encoding="utf-8").splitlines() if line.strip()]
        return [section_folder / name for name in names if (section_folder / name).is_file()]
    return sorted(path for path in section_folder.glob("*.txt") if not path.name.startswith("_"))


@functools.lru_cache(maxsize=65536)
def _parse_domains(text: str, separator: str) -> tuple[frozenset[str], frozenset[str]] | None:
    """``a.com,~b.a.com`` -> (include, exclude); None for a syntax we do not handle (regex)."""
    text = text.lower()
    if not _DOMAIN_LIST.match(text):
        return None
    items = [item for item in text.split(separator) if item]
    include = frozenset(item for item in items if item[0] != "~")
    exclude = frozenset(item[1:] for item in items if item[0] == "~")
    return include, exclude


def _compound_keys(node) -> list[tuple[int, int, tuple]]:
    """(rank, tie-break, key) for what one compound selector (``a.b[c^="d"]``) requires.

    Only the part outside pseudo-class parentheses counts: a :not() argument must be absent,
    :is() lists alternatives, :has() looks elsewhere."""
    keys = []
    while node is not None:
        if isinstance(node, css_tree.Element):
            if node.element and node.element != "*":
                keys.append((5, 0, ("tag", node.element.lower())))
        elif isinstance(node, css_tree.Hash):
            keys.append((0, -len(node.id), ("id", node.id)))
        elif isinstance(node, css_tree.Class):
            keys.append((1, -len(node.class_name), ("class", node.class_name)))
        elif isinstance(node, css_tree.Attrib) and not node.namespace and node.operator != "!=":
            name = node.attrib.lower()
            value = node.value.value if node.value is not None else ""
            flag = getattr(node, "flag", None)  # [href^="x" i] (cssselect >= 1.6)
            if node.operator == "exists" or not value or flag not in (None, "i", "I"):
                keys.append((6 if name in _COMMON_ATTRS else 4, 0, ("attr", name)))
            elif flag:
                rank = 2 if node.operator in ("=", "^=") else 3
                keys.append((rank, -len(value), ("value", name, node.operator + " i", value.lower())))
            elif name == "id" and node.operator == "=":
                keys.append((0, -len(value), ("id", value)))
            elif name == "class" and node.operator == "~=":
                keys.append((1, -len(value), ("class", value)))
            else:
                rank = 2 if node.operator in ("=", "^=") else 3
                keys.append((rank, -len(value), ("value", name, node.operator, value)))
        node = getattr(node, "selector", None)
    return keys


def _selector_plan(tree) -> tuple[tuple, bool, tuple]:
    """How to match a parsed selector cheaply: (index key, anchored, other required keys).

    An id/class/attribute-value key of the leftmost compound anchors the selector: its
    XPath then runs from the few elements that have the key instead of the whole page."""
    compounds = []
    while isinstance(tree, css_tree.CombinedSelector):
        compounds.append(tree.subselector)
        tree = tree.selector
    leftmost = _compound_keys(tree)
    others = [key for compound in compounds for key in _compound_keys(compound)]
    anchorable = [key for key in leftmost if key[0] <= 3]
    if anchorable:
        best, anchored = min(anchorable)[2], True
    elif leftmost or others:
        best, anchored = min(leftmost + others)[2], False
    else:
        return ("none",), False, ()
    requires = tuple(dict.fromkeys(key[2] for key in leftmost + others if key[2] != best))
    return best, anchored, requires


def _translatable(node) -> bool:
    """Whether cssselect can turn this parsed selector into XPath, without translating it
    (translation is half the parse cost and most selectors never meet a page that needs them)."""
    while node is not None:
        if isinstance(node, css_tree.CombinedSelector):
            if not _translatable(node.subselector):
                return False
        elif isinstance(node, css_tree.Pseudo):
            if not hasattr(_TRANSLATOR, f"xpath_{node.ident.replace('-', '_').lower()}_pseudo"):
                return False
        elif isinstance(node, css_tree.Function):
            if not hasattr(_TRANSLATOR, f"xpath_{node.name.replace('-', '_').lower()}_function"):
                return False
        elif isinstance(node, css_tree.Negation):
            if not _translatable(node.subselector):
                return False
        elif isinstance(node, (css_tree.Matching, css_tree.SpecificityAdjustment)):
            if not all(_translatable(item) for item in node.selector_list):
                return False
        elif isinstance(node, css_tree.Relation):
            if not all(_translatable(selector.parsed_tree) for _, selector in node.arguments):
                return False
        node = getattr(node, "selector", None)
    return True


def _compile_selector(selector: str) -> tuple[tuple[tuple, bool, tuple], ...] | str:
    """Selector text -> the matching plan of each member of its group, or a skip reason."""
    simple = _SIMPLE.match(selector)
    if simple:
        return ((("id" if simple.group(1) == "#" else "class", simple.group(2)), True, ()),)
    if not _RELATIONAL_OK and _RELATIONAL.search(selector):
        return "css_unsupported"
    try:
        parsed = cssselect.parse(selector)
    except SelectorError:
        return "css_unparsable"
    plans = []
    for member in parsed:
        if member.pseudo_element or not _translatable(member.parsed_tree):
            return "css_unsupported"
        plans.append(_selector_plan(member.parsed_tree))
    return tuple(plans)


@functools.lru_cache(maxsize=16384)
def _member_xpath(selector: str, member: int, anchored: bool) -> etree.XPath | None:
    """The compiled XPath of one member of a selector group, built on first use: from the
    anchor element itself (``self::``) or over the whole page."""
    prefix = "self::" if anchored else "descendant-or-self::"
    try:
        expression = _TRANSLATOR.selector_to_xpath(cssselect.parse(selector)[member], prefix=prefix)
        return etree.XPath(expression)
    except (SelectorError, etree.XPathError):
        return None


class _Builder:
    """Accumulates rules line by line, then freezes them into an ``AdFilters``."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.compiled: dict[str, tuple | str] = {}
        self.net_rules: dict[tuple, NetRule | frozenset[str] | str] = {}
        self.generic: list[HideRule] = []
        self.specific: defaultdict[str, list[HideRule]] = defaultdict(list)
        self.hide_exceptions: defaultdict[str, list[tuple[str, frozenset[str]]]] = defaultdict(list)
        self.page_exceptions: defaultdict[str, set[str]] = defaultdict(set)
        self.block_hosts: defaultdict[str, list[NetRule]] = defaultdict(list)
        self.allow_hosts: defaultdict[str, list[NetRule]] = defaultdict(list)

    def skip(self, reason: str) -> None:
        self.counts[f"skipped:{reason}"] += 1

    def add_list(self, text: str, china: bool, host_family: str | None) -> None:
        for line in text.splitlines():
            line = line.strip()
            if not line or line.startswith(("!", "[")):
                continue
            cosmetic = _COSMETIC.match(line)
            if cosmetic:
                self.add_cosmetic(*cosmetic.groups(), china=china)
            else:
                self.add_network(line, host_family)

    def add_cosmetic(self, domains: str, separator: str, body: str, china: bool) -> None:
        body = body.strip()
        if separator in ("#?#", "#@?#"):
            return self.skip("extended_syntax")
        if separator in ("#$#", "#@$#", "#%#", "#@%#") or body.startswith("+js("):
            return self.skip("scriptlet")
        if body.startswith("^"):
            return self.skip("html_filter")
        parsed = _parse_domains(domains, ",")
        if parsed is None:
            return self.skip("domain_syntax")
        include, exclude = parsed
        if separator == "#@#":
            for domain in include or ("",):
                self.hide_exceptions[domain].append((body, exclude))
            self.counts["hide_exception"] += 1
            return None
        if _PROCEDURAL.search(body) or body.endswith("}"):  # "sel {css}": style injection
            return self.skip("procedural")
        plans = self.compiled.get(body)
        if plans is None:
            plans = self.compiled[body] = _compile_selector(body)
        if isinstance(plans, str):
            return self.skip(plans)
        family = CHINA_HIDE if china else (SPECIFIC_HIDE if include else GENERIC_HIDE)
        self.counts[family] += 1
        simple = len(plans) == 1 and _SIMPLE.match(body) is not None
        for member, (key, anchored, requires) in enumerate(plans):
            rule = HideRule(body, family, key, -1 if simple else member, anchored, requires, include, exclude)
            if include:
                for domain in include:
                    self.specific[domain].append(rule)
            else:
                self.generic.append(rule)
        return None

    def add_network(self, line: str, host_family: str | None) -> None:
        fast = _FAST_HOST_RULE.match(line)  # ||host^ and ||host^$options: most of the lines
        if fast:
            exception, host, options = fast.group(1) is not None, fast.group(2), fast.group(3) or ""
        else:
            exception = line.startswith("@@")
            body = line[2:] if exception else line
            pattern, _, options = body.rpartition("$") if "$" in body else (body, "", "")
            match = _HOST_RULE.match(pattern)
            host = match.group(1).lower().rstrip(".") if match else ""
            if not match or not _HOSTNAME.match(host):
                wildcard = pattern.startswith("||") and "*" in pattern.split("/")[0]
                return self.skip("network_wildcard_host" if wildcard else "network_path_pattern")
        made = self.net_rules.get((options, exception, host_family))
        if made is None:  # rules share a few option strings: make each NetRule once
            made = self.net_rules[(options, exception, host_family)] = self._net_rule(options, exception, host_family)
        if isinstance(made, str):
            return self.skip(made)
        if isinstance(made, frozenset):
            self.page_exceptions[host].update(made)
            self.counts["page_exception"] += 1
        elif exception:
            self.allow_hosts[host].append(made)
            self.counts["url_exception"] += 1
        else:
            self.block_hosts[host].append(made)
            self.counts[made.family] += 1
        return None

    def _net_rule(self, options: str, exception: bool, host_family: str | None) -> NetRule | frozenset[str] | str:
        """A host rule's options -> its NetRule, its page-level flags (exceptions such as
        ``$generichide``), or the reason it is skipped."""
        parsed = self._options(options, exception)
        if isinstance(parsed, str):
            return parsed
        third_party, include, exclude, important, page_flags, types, not_types = parsed
        if exception:
            if page_flags:
                return frozenset(page_flags)
            return NetRule("exception", third_party, include, exclude, False, types, not_types)
        if host_family is None:
            return "network_host_outside_ad_sections"
        return NetRule(host_family, third_party, include, exclude, important, types, not_types)

    @staticmethod
    def _options(text: str, exception: bool):
        """``third-party,domain=a.com|~b.com`` -> the parts that decide where a rule applies."""
        third_party, important = None, False
        types: set[str] = set()
        not_types: set[str] = set()
        include: frozenset[str] = frozenset()
        exclude: frozenset[str] = frozenset()
        page_flags: set[str] = set()
        for option in text.split(","):
            option = option.strip().lower()
            if not option:
                continue
            negated = option.startswith("~")
            name, _, value = option.lstrip("~").partition("=")
            if name in ("domain", "from"):
                parsed = _parse_domains(value, "|")
                if parsed is None:
                    return "domain_syntax"
                include, exclude = parsed
            elif name in ("third-party", "3p"):
                third_party = not negated
            elif name in ("first-party", "1p"):
                third_party = negated
            elif name == "important":
                important = True
            elif name in _PAGE_OPTIONS and not negated and (exception or name not in ("document", "doc")):
                page_flags.add(_PAGE_OPTIONS[name])
            elif name in _MODIFIER_OPTIONS:
                return "network_modifier"
            elif name in _RESOURCE_TYPES or name in ("document", "doc"):
                resource = _RESOURCE_TYPES.get(name, "document")
                (not_types if negated else types).add(resource)
            # other options ($match-case, $all, ...) do not change "is this an ad host"
        if not exception:  # a $popup / $document block names the host itself as an ad destination
            types.difference_update(("popup", "document"))
        return third_party, include, exclude, important, page_flags, frozenset(types), frozenset(not_types)

    def build(self, folder: Path) -> AdFilters:
        kinds = ("class", "id", "tag", "attr", "host", "value")
        index: dict[str, defaultdict] = {kind: defaultdict(list) for kind in kinds}
        unkeyed = []
        for rule in self.generic:
            kind = rule.key[0]
            if kind == "none":
                unkeyed.append(rule)
            elif kind == "value":
                _, name, operator, value = rule.key
                host = _VALUE_HOST.match(value) if name == "href" and operator in ("^=", "=") else None
                if host:
                    index["host"][host.group(1).lower()].append(rule)
                else:
                    index["value"][name].append(rule)
            else:
                index[kind][rule.key[1]].append(rule)
        every_rule = [*self.generic, *(rule for rules in self.specific.values() for rule in rules)]
        value_attrs = frozenset(
            key[1] for rule in every_rule for key in (rule.key, *rule.requires) if key[0] == "value"
        )

        def freeze(table) -> dict:
            return {key: tuple(values) for key, values in table.items()}

        return AdFilters(
            folder=folder,
            by_class=freeze(index["class"]),
            by_id=freeze(index["id"]),
            by_tag=freeze(index["tag"]),
            by_attr=freeze(index["attr"]),
            by_href_host=freeze(index["host"]),
            by_value=freeze(index["value"]),
            unkeyed=tuple(unkeyed),
            specific=freeze(self.specific),
            hide_exceptions=freeze(self.hide_exceptions),
            page_exceptions={host: frozenset(flags) for host, flags in self.page_exceptions.items()},
            block_hosts=freeze(self.block_hosts),
            allow_hosts=freeze(self.allow_hosts),
            counts=dict(sorted(self.counts.items())),
            value_attrs=value_attrs,
        )


def rule_counts(filters: AdFilters) -> dict[str, int]:
    """Rules loaded per family (and exceptions), and ``skipped:<reason>`` counts."""
    return dict(filters.counts)


# ----------------------------------------------------------------------------- sites


def _host_of(site_or_url: str | None) -> str | None:
    """A site given as host or URL -> its lowercase host name (no port, no trailing dot)."""
    if not site_or_url:
        return None
    text = site_or_url.strip()
    if "/" in text:
        host = urlsplit(text if "//" in text else "//" + text).hostname
    else:
        host = text.lower().rsplit(":", 1)[0] if text.count(":") == 1 else text.lower()
    host = (host or "").strip(".")
    return host or None


def _parents(host: str) -> list[str]:
    """a.b.c.com -> [a.b.c.com, b.c.com, c.com, com]."""
    labels = host.split(".")
    return [".".join(labels[index:]) for index in range(len(labels))]


def _domain_keys(host: str | None) -> frozenset[str]:
    """What a rule's domain list may name for this site: itself, its parents, its entity."""
    if host is None:
        return frozenset()
    keys = _parents(host)
    registered = registered_domain(host)
    if "." in registered:
        keys.append(registered.split(".")[0] + ".*")  # google.* names google.com, google.co.uk
    return frozenset(keys)


def _in_force(include: frozenset[str], exclude: frozenset[str], site_keys: frozenset[str]) -> bool:
    if include and include.isdisjoint(site_keys):
        return False
    return not exclude or exclude.isdisjoint(site_keys)


def _page_flags(filters: AdFilters, host: str | None) -> frozenset[str]:
    if host is None:
        return frozenset()
    flags: set[str] = set()
    for parent in _parents(host):
        flags |= filters.page_exceptions.get(parent, frozenset())
    return frozenset(flags)


# ----------------------------------------------------------------------------- elements


class _Page:
    """One pass over the page: where each class, id and tested attribute value is."""

    def __init__(self, root, value_attrs: frozenset[str]) -> None:
        self.classes: dict[str, list] = {}
        self.ids: dict[str, list] = {}
        self.tags: set[str] = set()
        self.attrs: set[str] = set()
        self.values: dict[str, list[tuple[str, object]]] = {}
        self._joined: dict[tuple[str, bool], str] = {}
        classes, ids, tags, attrs, values = self.classes, self.ids, self.tags, self.attrs, self.values
        for element in root.iter():
            tag = element.tag
            if not isinstance(tag, str):  # comments, processing instructions
                continue
            tags.add(tag)
            for name, value in element.items():
                attrs.add(name)
                if name == "class":
                    for token in value.split():
                        classes.setdefault(token, []).append(element)
                elif name == "id":
                    ids.setdefault(value, []).append(element)
                if name in value_attrs:
                    values.setdefault(name, []).append((value, element))
        self.href_hosts = {
            match.group(1).lower() for value, _ in values.get("href", ()) if (match := _PAGE_HOST.match(value))
        }

    def joined(self, name: str, fold: bool = False) -> str:
        """All values of one attribute as "\\0v1\\0v2\\0" (lowercased if ``fold``), for
        substring prefilters."""
        joined = self._joined.get((name, fold))
        if joined is None:
            joined = "\0" + "\0".join(value for value, _ in self.values.get(name, ())) + "\0"
            joined = self._joined[(name, fold)] = joined.lower() if fold else joined
        return joined

    def has(self, key: tuple) -> bool:
        """Whether the page may satisfy this key (exact for class/id/tag/attr, a necessary
        condition for attribute values)."""
        kind = key[0]
        if kind == "class":
            return key[1] in self.classes
        if kind == "id":
            return key[1] in self.ids
        if kind == "tag":
            return key[1] in self.tags
        if kind == "attr":
            return key[1] in self.attrs
        if kind == "value":
            name, operator, value = key[1:]
            fold = operator.endswith(" i")
            joined = self.joined(name, fold) if name in self.values else ""
            return bool(joined) and _value_may_match(joined, operator.removesuffix(" i"), value)
        return True

    def anchors(self, key: tuple) -> list:
        """The elements that have the key (class, id or attribute value)."""
        kind = key[0]
        if kind == "class":
            return self.classes.get(key[1], [])
        if kind == "id":
            return self.ids.get(key[1], [])
        _, name, operator, expected = key
        fold = operator.endswith(" i")
        operator = operator.removesuffix(" i")
        return [
            element
            for value, element in self.values.get(name, ())
            if _value_matches(value.lower() if fold else value, operator, expected)
        ]


def _value_may_match(joined: str, operator: str, value: str) -> bool:
    """A necessary condition for ``[name <operator> value]`` on some element of the page."""
    if operator == "=":
        return f"\0{value}\0" in joined
    if operator in ("^=", "|="):
        return f"\0{value}" in joined
    if operator == "$=":
        return f"{value}\0" in joined
    return value in joined  # *=, ~=, !=


def _value_matches(actual: str, operator: str, value: str) -> bool:
    """CSS attribute-operator semantics on one value (case-sensitive, as in the key)."""
    if operator == "=":
        return actual == value
    if operator == "^=":
        return actual.startswith(value)
    if operator == "$=":
        return actual.endswith(value)
    if operator == "*=":
        return value in actual
    if operator == "~=":
        return value in actual.split()
    if operator == "|=":
        return actual == value or actual.startswith(value + "-")
    return True  # "!=" and anything else: let the XPath decide


def _root_element(root):
    return root.getroot() if hasattr(root, "getroot") else root


def _candidates(filters: AdFilters, root, host: str | None) -> tuple[list[HideRule], _Page]:
    page = _Page(root, filters.value_attrs)
    flags = _page_flags(filters, host)
    if "elemhide" in flags or "document" in flags:
        return [], page
    site_keys = _domain_keys(host)
    found: list[HideRule] = []
    if "generichide" not in flags:
        # iterate the page's side: a page has hundreds of classes, the index thousands
        for table, present in (
            (filters.by_class, page.classes),
            (filters.by_id, page.ids),
            (filters.by_tag, page.tags),
            (filters.by_attr, page.attrs),
            (filters.by_href_host, page.href_hosts),
        ):
            for name in present:
                found.extend(table.get(name, ()))
        for name in filters.by_value.keys() & page.values.keys():
            found.extend(filters.by_value[name])
        found.extend(filters.unkeyed)
    if "specifichide" not in flags:
        for key in site_keys:
            found.extend(filters.specific.get(key, ()))
    excepted = _active_exceptions(filters, site_keys)
    seen: set[int] = set()
    rules = []
    for rule in found:
        if id(rule) in seen:
            continue
        seen.add(id(rule))
        if (
            rule.selector not in excepted
            and _in_force(rule.include, rule.exclude, site_keys)
            and page.has(rule.key)
            and all(page.has(key) for key in rule.requires)
        ):
            rules.append(rule)
    return rules, page


def _active_exceptions(filters: AdFilters, site_keys: frozenset[str]) -> set[str]:
    excepted = set()
    for domain in ("", *site_keys):
        for selector, exclude in filters.hide_exceptions.get(domain, ()):
            if not exclude or exclude.isdisjoint(site_keys):
                excepted.add(selector)
    return excepted


def candidate_rules(filters: AdFilters, root, site: str | None = None) -> list[HideRule]:
    """The hiding rules ``ad_elements`` evaluates on this page: those in force for ``site``
    (exceptions removed) whose key and other required classes / ids / attributes all occur
    in the page.

    Exposed so that callers and tests can see that matching stays proportional to the page,
    not to the ~30,000 selectors in the lists."""
    return _candidates(filters, _root_element(root), _host_of(site))[0]


def ad_elements(filters: AdFilters, root, site: str | None = None) -> dict:
    """Elements of the page that the lists hide on ``site`` -> the family of the rule
    (``specific_hide`` over ``generic_hide`` over ``china_hide`` when several match).

    Nested matches are all returned: a caller labelling blocks asks "is this block inside
    any hidden element", which the outermost or innermost alone may not answer. ``html``,
    ``head`` and ``body`` never are: a rule hiding the whole page (``##.wideAd`` on a 2012
    nytimes.com ``<body class="wideAd">``) was written for another page design."""
    root = _root_element(root)
    rules, page = _candidates(filters, root, _host_of(site))
    hidden: dict = {}
    whole_page: dict[tuple[str, int], list] = {}
    for rule in rules:
        if rule.member < 0:
            elements = page.anchors(rule.key)
        else:
            compiled = _member_xpath(rule.selector, rule.member, rule.anchored)
            if compiled is None:
                continue
            if rule.anchored:
                elements = [hit for anchor in page.anchors(rule.key) for hit in compiled(anchor)]
            else:
                elements = whole_page.get((rule.selector, rule.member))
                if elements is None:
                    elements = whole_page[(rule.selector, rule.member)] = compiled(root)
        rank = _HIDE_RANK[rule.family]
        for element in elements:
            if element.tag in _NEVER_HIDDEN:
                continue
            current = hidden.get(element)
            if current is None or rank < _HIDE_RANK[current]:
                hidden[element] = rule.family
    return hidden


# ----------------------------------------------------------------------------- URLs


def is_ad_url(filters: AdFilters, url: str, site: str | None = None, resource: str | None = None) -> str | None:
    """``adserver`` / ``china_network`` when the URL's host or a parent domain is a blocked
    ad host, else None.

    ``site`` (the page's host or URL) decides ``$third-party`` and ``$domain=`` options.
    ``resource`` is what the page loads the URL as (``script``, ``image``, ``subdocument``
    for an iframe, ...). Without it (a link) only rules that block the whole host count:
    ``||s1.wp.com^$subdocument`` makes WordPress's iframes ads, not its every script."""
    match = _URL_HOST.match(url)
    if not match:
        return None  # relative, javascript:, mailto:, ...
    host = match.group(1).lower().strip(".")
    hosts = _parents(host)
    rules = [rule for parent in hosts for rule in filters.block_hosts.get(parent, ())]
    if not rules:
        return None
    site_host = _host_of(site)
    if site_host is not None and "document" in _page_flags(filters, site_host):
        return None  # @@||site^$document: nothing on the site is blocked
    same_party = site_host is not None and registered_domain(host) == registered_domain(site_host)
    site_keys = _domain_keys(site_host)

    def applies(rule: NetRule) -> bool:
        if (rule.types and resource not in rule.types) or resource in rule.not_types:
            return False
        if rule.third_party is not None and rule.third_party == same_party:
            return False  # $third-party on its own site, or $~third-party elsewhere
        return _in_force(rule.include, rule.exclude, site_keys)

    blocking = [rule for rule in rules if applies(rule)]
    if not blocking:
        return None
    best = max(blocking, key=lambda rule: (rule.important, -_URL_RANK[rule.family]))
    if not best.important and any(applies(rule) for parent in hosts for rule in filters.allow_hosts.get(parent, ())):
        return None
    return best.family
