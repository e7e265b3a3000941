"""Labeled blocks -> output: plain text, markdown, HTML or JSON."""

from __future__ import annotations

import html
import json

from segclf.extract import CleanedPage

FORMATS = ("text", "markdown", "html", "json")
SUFFIXES = {"text": ".txt", "markdown": ".md", "html": ".html", "json": ".json"}
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}


def render_text(cleaned: CleanedPage, keep: tuple[str, ...]) -> str:
    return cleaned.text(keep)


def render_markdown(cleaned: CleanedPage, keep: tuple[str, ...]) -> str:
    parts = []
    for item in cleaned.blocks:
        if item.label not in keep:
            continue
        tag, text = item.block.tag, item.text
        if tag in _HEADINGS:
            parts.append("#" * _HEADINGS[tag] + " " + " ".join(text.split()))
        elif tag in ("li", "dd", "dt"):
            parts.append("- " + text.replace("\n", "\n  "))
        elif tag == "pre":
            parts.append("```\n" + text + "\n```")
        elif tag == "blockquote":
            parts.append("> " + text.replace("\n", "\n> "))
        else:
            parts.append(text.replace("\n", "  \n"))
    return "\n\n".join(parts)


def render_html(cleaned: CleanedPage, keep: tuple[str, ...]) -> str:
    body: list[str] = []
    in_list = False
    for item in cleaned.blocks:
        if item.label not in keep:
            continue
        tag = item.block.tag
        text = html.escape(item.text).replace("\n", "<br>")
        is_item = tag in ("li", "dd", "dt")
        if is_item and not in_list:
            body.append("<ul>")
        if in_list and not is_item:
            body.append("</ul>")
        in_list = is_item
        if is_item:
            body.append(f"<li>{text}</li>")
        elif tag in _HEADINGS:
            level = _HEADINGS[tag]
            body.append(f"<h{level}>{text}</h{level}>")
        elif tag == "pre":
            body.append(f"<pre>{html.escape(item.text)}</pre>")
        elif tag == "blockquote":
            body.append(f"<blockquote>{text}</blockquote>")
        else:
            body.append(f"<p>{text}</p>")
    if in_list:
        body.append("</ul>")
    title = html.escape(cleaned.page.title)
    return (
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
        f"<title>{title}</title></head>\n<body>\n" + "\n".join(body) + "\n</body></html>"
    )


def page_record(cleaned: CleanedPage, keep: tuple[str, ...]) -> dict:
    """Everything known about a cleaned page, as JSON-ready data."""
    return {
        "source": cleaned.page.name,
        "encoding": cleaned.page.encoding,
        "site": cleaned.page.site,
        "title": cleaned.page.title,
        "verdict": cleaned.verdict,
        "plain_text": cleaned.page.plain_text,
        "label_counts": cleaned.label_counts(),
        "text": cleaned.text(keep),
        "blocks": [
            {
                "index": index,
                "label": item.label,
                "probability": round(item.probability, 4),
                "probabilities": {k: round(v, 4) for k, v in item.probabilities.items()},
                "tag": item.block.tag,
                "path": item.block.path,
                "text": item.text,
            }
            for index, item in enumerate(cleaned.blocks)
        ],
    }


def render_json(cleaned: CleanedPage, keep: tuple[str, ...]) -> str:
    return json.dumps(page_record(cleaned, keep), ensure_ascii=False, indent=1)


RENDERERS = {"text": render_text, "markdown": render_markdown, "html": render_html, "json": render_json}


def render(cleaned: CleanedPage, output_format: str = "text", keep: tuple[str, ...] = ("body",)) -> str:
    if output_format not in RENDERERS:
        raise ValueError(f"unknown format {output_format!r} (use one of {', '.join(FORMATS)})")
    return RENDERERS[output_format](cleaned, keep)
