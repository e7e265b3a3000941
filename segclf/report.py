"""An evaluation as one self-contained HTML file, for people who would rather look.

Per-label scores, the confusion matrix drawn as SVG, a table per corpus or folder and
one per site, and the worst pages with their blocks coloured by gold and by predicted
label side by side, so an error shows at a glance. Everything is inline (CSS, SVG, no
script, no font or image from anywhere): the file opens offline and fetches nothing.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from segclf.evaluate import PageResult, Report, page_body_score, paired_difference_by_page
from segclf.labeled import LABELS

COLOURS = {"body": "#1a9850", "nav": "#4575b4", "error": "#d73027", "ad": "#e08a00", None: "#999999"}
# Block text shown per row of a worst page.
ROW_CHARS = 140
# A long page shows only the blocks near its errors, this many on each side.
CONTEXT_BLOCKS = 2
LONG_PAGE_BLOCKS = 60
WORST_PAGES = 10


@dataclass
class Comparison:
    """The same pages scored by an earlier model, to show what a retrained model changed."""

    name: str
    report: Report
    results: Sequence[PageResult]


@dataclass
class PageSummary:
    """One page's scores, for the tables and for picking the worst pages."""

    result: PageResult
    f1: float
    precision: float
    recall: float
    wrong_blocks: int
    wrong_chars: int
    labeled_blocks: int


def summarize(result: PageResult) -> PageSummary:
    score = page_body_score(result)
    wrong = [
        (text, gold) for text, gold, predicted in zip(result.texts, result.gold, result.predicted)
        if gold is not None and gold != predicted
    ]
    return PageSummary(
        result=result,
        f1=score.f1,
        precision=score.precision,
        recall=score.recall,
        wrong_blocks=len(wrong),
        wrong_chars=sum(len(text) for text, _ in wrong),
        labeled_blocks=sum(1 for gold in result.gold if gold is not None),
    )


def worst_pages(summaries: Sequence[PageSummary], count: int = WORST_PAGES) -> list[PageSummary]:
    """Pages with mistakes, lowest body-text F1 first, then most mislabeled text."""
    with_errors = [s for s in summaries if s.wrong_blocks or s.f1 < 1.0]
    return sorted(with_errors, key=lambda s: (s.f1, -s.wrong_chars))[:count]


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _score_cell(value: float) -> str:
    width = max(0.0, min(1.0, value)) * 100
    return f'<td class="num"><span class="bar" style="width:{width:.0f}%"></span>{value:.3f}</td>'


def _label_table(report: Report) -> str:
    rows = []
    for label in LABELS:
        b, c = report.by_blocks[label], report.by_chars[label]
        rows.append(
            f'<tr><th><span class="chip" style="background:{COLOURS[label]}"></span>{label}</th>'
            + "".join(_score_cell(b[key]) for key in ("precision", "recall", "f1"))
            + f'<td class="num">{int(b["support"])}</td>'
            + "".join(_score_cell(c[key]) for key in ("precision", "recall", "f1"))
            + f'<td class="num">{int(c["support"])}</td></tr>'
        )
    return (
        '<table class="scores"><thead><tr><th rowspan="2">label</th><th colspan="4">by blocks</th>'
        '<th colspan="4">by characters</th></tr><tr><th>precision</th><th>recall</th><th>F1</th><th>support</th>'
        "<th>precision</th><th>recall</th><th>F1</th><th>support</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    )


def confusion_svg(confusion: Sequence[Sequence[int]], cell: int = 64) -> str:
    """The confusion matrix as an SVG picture: rows gold, columns predicted, shade = row share."""
    margin_left, margin_top = 70, 60
    size = cell * len(LABELS)
    width, height = margin_left + size + 10, margin_top + size + 10
    parts = [
        (
            f'<svg role="img" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" aria-label="confusion matrix, rows gold, columns predicted">'
        ),
        f'<text x="{margin_left + size / 2}" y="14" text-anchor="middle" class="axis">predicted</text>',
        (
            f'<text x="14" y="{margin_top + size / 2}" text-anchor="middle" class="axis" '
            f'transform="rotate(-90 14 {margin_top + size / 2})">gold</text>'
        ),
    ]
    for i, label in enumerate(LABELS):
        parts.append(
            f'<text x="{margin_left + i * cell + cell / 2}" y="{margin_top - 8}" text-anchor="middle" '
            f'fill="{COLOURS[label]}" class="tick">{label}</text>'
        )
        parts.append(
            f'<text x="{margin_left - 8}" y="{margin_top + i * cell + cell / 2 + 4}" text-anchor="end" '
            f'fill="{COLOURS[label]}" class="tick">{label}</text>'
        )
    for row, (gold, counts) in enumerate(zip(LABELS, confusion)):
        total = sum(counts) or 1
        for column, (predicted, count) in enumerate(zip(LABELS, counts)):
            share = count / total
            # Right answers shade green, mistakes red; an empty cell stays white.
            rgb = "26,152,80" if row == column else "215,48,39"
            x, y = margin_left + column * cell, margin_top + row * cell
            parts.append(
                f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="rgba({rgb},{0.08 + 0.85 * share if count else 0:.3f})" '
                f'stroke="#bbb"><title>gold {gold}, predicted {predicted}: {count} blocks ({share:.1%} of gold {gold})</title></rect>'
            )
            colour = "#fff" if share > 0.55 else "#222"
            parts.append(
                f'<text x="{x + cell / 2}" y="{y + cell / 2 + 5}" text-anchor="middle" fill="{colour}" class="count">{count}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def _group_table(title: str, groups: dict[str, list[PageSummary]]) -> str:
    rows = []
    for name, items in sorted(groups.items()):
        blocks = sum(item.labeled_blocks for item in items)
        wrong = sum(item.wrong_blocks for item in items)
        mean = {key: sum(getattr(item, key) for item in items) / len(items) for key in ("precision", "recall", "f1")}
        rows.append(
            f"<tr><th>{_e(name)}</th><td class=\"num\">{len(items)}</td>"
            + "".join(_score_cell(mean[key]) for key in ("precision", "recall", "f1"))
            + _score_cell(1 - wrong / blocks if blocks else 1.0)
            + "</tr>"
        )
    return (
        f"<h2>{_e(title)}</h2><table class=\"scores\"><thead><tr><th>{_e(title.split()[-1])}</th><th>pages</th>"
        "<th>body precision</th><th>body recall</th><th>body F1</th><th>blocks right</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    )


def _shown_rows(summary: PageSummary) -> list[int | None]:
    """Block indices to draw; None stands for a run of agreeing blocks left out."""
    result = summary.result
    count = len(result.texts)
    if count <= LONG_PAGE_BLOCKS:
        return list(range(count))
    near = set()
    for index, (gold, predicted) in enumerate(zip(result.gold, result.predicted)):
        if gold != predicted:
            near.update(range(max(0, index - CONTEXT_BLOCKS), min(count, index + CONTEXT_BLOCKS + 1)))
    rows: list[int | None] = []
    for index in range(count):
        if index in near:
            rows.append(index)
        elif not rows or rows[-1] is not None:
            rows.append(None)
    return rows


def _minimap(result: PageResult, labels: Sequence[str | None]) -> str:
    """The whole page as one strip: a segment per block, as wide as its text is long."""
    total = sum(max(len(text), 1) for text in result.texts) or 1
    segments = "".join(
        f'<span style="width:{100 * max(len(text), 1) / total:.3f}%;background:{COLOURS[label]}"></span>'
        for text, label in zip(result.texts, labels)
    )
    return f'<div class="strip">{segments}</div>'


def _page_section(summary: PageSummary, number: int) -> str:
    result = summary.result
    rows = []
    for index in _shown_rows(summary):
        if index is None:
            rows.append('<div class="gap">… blocks where gold and prediction agree …</div>')
            continue
        gold, predicted = result.gold[index], result.predicted[index]
        text = result.texts[index]
        text = text if len(text) <= ROW_CHARS else text[: ROW_CHARS - 1] + "…"
        wrong = gold is not None and gold != predicted
        rows.append(
            f'<div class="row{" wrong" if wrong else ""}">'
            f'<div class="blk" style="border-color:{COLOURS[gold]}"><b style="color:{COLOURS[gold]}">{_e(gold or "unlabeled")}</b> {_e(text)}</div>'
            f'<div class="blk" style="border-color:{COLOURS[predicted]}"><b style="color:{COLOURS[predicted]}">{_e(predicted)}</b> {_e(text)}</div>'
            "</div>"
        )
    return (
        f'<section class="page" id="page-{number}"><h3>{number}. {_e(result.name)}</h3>'
        f'<p class="meta">site {_e(result.site or "-")} · body text F1 {summary.f1:.3f} '
        f"(precision {summary.precision:.3f}, recall {summary.recall:.3f}) · "
        f"{summary.wrong_blocks} of {summary.labeled_blocks} blocks mislabeled ({summary.wrong_chars} characters)</p>"
        f'<div class="strips"><span>gold</span>{_minimap(result, result.gold)}'
        f"<span>predicted</span>{_minimap(result, result.predicted)}</div>"
        '<div class="row head"><div>gold</div><div>predicted</div></div>'
        + "".join(rows)
        + "</section>"
    )


def _delta(before: float, after: float) -> str:
    change = after - before
    colour = "#1a7f37" if change > 0.0005 else "#b42318" if change < -0.0005 else "#555"
    return f'<td class="num" style="color:{colour}">{change:+.3f}</td>'


def _comparison_table(report: Report, report_results: Sequence[PageResult], baseline: Comparison) -> str:
    rows = []
    for label in LABELS:
        cells = []
        for before, after in ((baseline.report.by_blocks, report.by_blocks), (baseline.report.by_chars, report.by_chars)):
            cells.append(f'<td class="num">{before[label]["f1"]:.3f}</td><td class="num">{after[label]["f1"]:.3f}</td>')
            cells.append(_delta(before[label]["f1"], after[label]["f1"]))
        rows.append(f'<tr><th><span class="chip" style="background:{COLOURS[label]}"></span>{label}</th>{"".join(cells)}</tr>')
    before, after = baseline.report.body_tokens["f1"], report.body_tokens["f1"]
    rows.append(
        f'<tr><th>body text</th><td class="num" colspan="2"></td><td></td>'
        f'<td class="num">{before:.3f}</td><td class="num">{after:.3f}</td>{_delta(before, after)}</tr>'
    )
    return (
        '<table class="scores"><thead><tr><th rowspan="2">F1</th><th colspan="3">by blocks</th>'
        '<th colspan="3">by characters (body text: bag of tokens)</th></tr><tr><th>before</th><th>after</th><th>change</th>'
        "<th>before</th><th>after</th><th>change</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
        + _body_change_interval(report_results, baseline)
    )


def _body_change_interval(results: Sequence[PageResult], baseline: Comparison) -> str:
    """Whether the body-text change is more than a few pages flipping."""
    difference = paired_difference_by_page(
        {result.name: page_body_score(result).f1 for result in results},
        {result.name: page_body_score(result).f1 for result in baseline.results},
    )
    verdict = "more than page noise" if difference.clear else "it includes 0: these pages cannot tell the two models apart"
    return (
        f"<p>Body-text F1 change per page: mean {difference.mean:+.4f}, 95% interval {difference.low:+.4f} to "
        f"{difference.high:+.4f} (paired bootstrap over {difference.pages} pages; {verdict}).</p>"
    )


def changed_blocks(results: Sequence[PageResult], baseline: Comparison) -> list[tuple[PageResult, list[int], int, int]]:
    """Per page: the blocks whose prediction changed, and how many were fixed and broken."""
    earlier = {result.name: result for result in baseline.results}
    pages = []
    for result in results:
        before = earlier.get(result.name)
        if before is None or before.texts != result.texts:
            continue  # not the same page (or not split the same way): nothing to compare block by block
        changed = [i for i, (a, b) in enumerate(zip(before.predicted, result.predicted)) if a != b]
        fixed = sum(1 for i in changed if result.gold[i] is not None and result.predicted[i] == result.gold[i])
        broken = sum(1 for i in changed if result.gold[i] is not None and before.predicted[i] == result.gold[i])
        if changed:
            pages.append((result, changed, fixed, broken))
    return sorted(pages, key=lambda item: (-item[3], -item[2], item[0].name))


def _changes_section(results: Sequence[PageResult], baseline: Comparison) -> str:
    pages = changed_blocks(results, baseline)
    fixed = sum(item[2] for item in pages)
    broken = sum(item[3] for item in pages)
    earlier = {result.name: result for result in baseline.results}
    parts = [
        f'<h2 id="changes">What changed ({fixed} blocks fixed, {broken} broken, on {len(pages)} pages)</h2>',
        "<p>Blocks the two models label differently: the gold label, the earlier model's and this one's. "
        "Fixed blocks are marked &#10003;, broken ones &#10007;.</p>" if pages else "<p>Both models label every block alike.</p>",
    ]
    for result, changed, page_fixed, page_broken in pages[:WORST_PAGES * 2]:
        before = earlier[result.name]
        rows = []
        for index in changed:
            gold, old, new = result.gold[index], before.predicted[index], result.predicted[index]
            mark = "&#10003;" if new == gold else "&#10007;" if old == gold else "&middot;"
            text = result.texts[index]
            text = text if len(text) <= ROW_CHARS else text[: ROW_CHARS - 1] + "…"
            cells = "".join(
                f'<div class="blk" style="border-color:{COLOURS[label]}"><b style="color:{COLOURS[label]}">{_e(label or "unlabeled")}</b></div>'
                for label in (gold, old, new)
            )
            rows.append(f'<div class="row3 {"fixed" if new == gold else "broken" if old == gold else ""}">'
                        f'<div class="mark">{mark}</div>{cells}<div class="txt">{_e(text)}</div></div>')
        parts.append(
            f'<section class="page"><h3>{_e(result.name)}</h3><p class="meta">{page_fixed} fixed, {page_broken} broken, '
            f"{len(changed)} changed</p>"
            '<div class="row3 head"><div></div><div>gold</div><div>before</div><div>after</div><div>text</div></div>'
            + "".join(rows) + "</section>"
        )
    return "".join(parts)


STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px auto; max-width: 1200px; padding: 0 16px; color: #222; }
h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 32px; } h3 { font-size: 15px; margin-bottom: 2px; }
table.scores { border-collapse: collapse; margin: 8px 0; }
table.scores th, table.scores td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; }
table.scores thead th { background: #f3f3f3; font-weight: 600; }
td.num { text-align: right; position: relative; min-width: 64px; font-variant-numeric: tabular-nums; }
td.num .bar { position: absolute; left: 0; top: 0; bottom: 0; background: rgba(69,117,180,0.15); }
.chip { display: inline-block; width: 10px; height: 10px; margin-right: 6px; border-radius: 2px; }
svg .axis { font: 600 13px system-ui, sans-serif; fill: #444; }
svg .tick { font: 600 12px system-ui, sans-serif; }
svg .count { font: 14px system-ui, sans-serif; }
.summary { display: flex; gap: 32px; flex-wrap: wrap; align-items: flex-start; }
.legend span { display: inline-block; padding: 1px 8px; margin-right: 6px; color: #fff; border-radius: 3px; }
.page { border-top: 2px solid #ddd; margin-top: 24px; padding-top: 4px; }
.meta { color: #555; margin: 0 0 6px; }
.strips { display: grid; grid-template-columns: 70px 1fr; gap: 3px 8px; align-items: center; margin: 6px 0 10px; font-size: 12px; color: #555; }
.strip { display: flex; height: 12px; border: 1px solid #ccc; }
.strip span { display: block; height: 100%; }
.row { display: grid; grid-template-columns: 1fr 1fr; gap: 8px; margin: 2px 0; }
.row.head div { font-weight: 600; color: #555; }
.blk { border-left: 6px solid; padding: 2px 6px; background: #fafafa; font-size: 12px; overflow-wrap: anywhere; }
.row.wrong .blk { background: #fff3f1; }
.row.wrong .blk:last-child { outline: 2px solid #d73027; }
.gap { color: #888; font-size: 12px; text-align: center; margin: 4px 0; }
nav.toc a { margin-right: 10px; }
.row3 { display: grid; grid-template-columns: 20px 90px 90px 90px 1fr; gap: 6px; margin: 2px 0; font-size: 12px; align-items: start; }
.row3.head div { font-weight: 600; color: #555; }
.row3.fixed .mark { color: #1a7f37; } .row3.broken .mark { color: #b42318; }
.row3.broken .txt { background: #fff3f1; } .row3.fixed .txt { background: #f0faf2; }
.figures { display: flex; gap: 32px; flex-wrap: wrap; }
.figures figure { margin: 0; } figcaption { font-size: 12px; color: #555; text-align: center; }
"""


def html_report(
    report: Report, results: Sequence[PageResult], title: str = "segclf evaluation", baseline: Comparison | None = None
) -> str:
    """The whole report as one HTML document (a string; write it as UTF-8).

    With a baseline (the same pages scored by an earlier model) it also shows what changed:
    F1 before and after, both confusion matrices, and the blocks fixed and broken.
    """
    summaries = [summarize(result) for result in results]
    worst = worst_pages(summaries)
    tokens = report.body_tokens
    by_group: dict[str, list[PageSummary]] = {}
    by_site: dict[str, list[PageSummary]] = {}
    for summary in summaries:
        by_group.setdefault(summary.result.group or "-", []).append(summary)
        by_site.setdefault(summary.result.site or "-", []).append(summary)
    legend = "".join(f'<span style="background:{COLOURS[label]}">{label}</span>' for label in LABELS)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        # No script, no connection: the report needs none, and must not make any.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        f'<p>{report.pages} pages, {report.blocks} labeled blocks'
        + (f" ({report.unlabeled_blocks} unlabeled blocks left out)" if report.unlabeled_blocks else "")
        + f'. Body text, bag of tokens (CJK per character), mean over pages: precision {tokens["precision"]:.3f}, '
        f'recall {tokens["recall"]:.3f}, <b>F1 {tokens["f1"]:.3f}</b>.</p>',
        f'<p class="legend">{legend}</p>',
        '<nav class="toc"><a href="#labels">per label</a><a href="#confusion">confusion</a>'
        '<a href="#groups">per folder and site</a><a href="#worst">worst pages</a>'
        + ('<a href="#changes">what changed</a>' if baseline is not None else "")
        + "</nav>",
        '<h2 id="labels">Per label</h2>',
        _label_table(report),
    ]
    if baseline is not None:
        parts += [f"<h2>Compared with {_e(baseline.name)}</h2>", _comparison_table(report, results, baseline)]
    explanation = (
        "<p>Rows are the gold labels, columns what the model predicted; a cell's shade is its share of the row. "
        "Green: right; red: mistakes.</p>"
    )
    parts.append('<h2 id="confusion">Confusion matrix (blocks)</h2>')
    if baseline is None:
        parts.append('<div class="summary">' + confusion_svg(report.confusion) + explanation + "</div>")
    else:
        parts.append(
            '<div class="figures">'
            f"<figure>{confusion_svg(baseline.report.confusion)}<figcaption>before: {_e(baseline.name)}</figcaption></figure>"
            f"<figure>{confusion_svg(report.confusion)}<figcaption>after: this model</figcaption></figure></div>" + explanation
        )
    parts += [
        '<div id="groups">',
        _group_table("Per corpus or folder", by_group),
        _group_table("Per site", by_site),
        "</div>",
        f'<h2 id="worst">Worst pages ({len(worst)})</h2>',
        "<p>Each page's blocks in order, coloured by the gold label (left) and the predicted label (right); "
        "mislabeled blocks are outlined in red. The strips show the whole page, a segment per block, as wide as "
        "its text is long.</p>" if worst else "<p>No page has a mislabeled block.</p>",
    ]
    parts += [_page_section(summary, number) for number, summary in enumerate(worst, 1)]
    if baseline is not None:
        parts.append(_changes_section(results, baseline))
    parts.append("</body></html>")
    return "\n".join(parts)
