"""Plain-text pages: the article is the run of long punctuated lines and its headline."""

import json
from pathlib import Path

import pytest

from segclf.plaintext import plain_text_labels

SEED_PAGE = Path(__file__).resolve().parents[2] / "shared" / "seed" / "000_3ba3c5d7ee2c0bc0.txt"

PARAGRAPHS = [
    "The river rose through the night, and by morning the lower town was under water; volunteers "
    "carried sandbags from the church hall until the last street was dry again and the pumps could stop.",
    "It was the worst flood since 1953, the mayor said on Tuesday, and the clean-up would take weeks. "
    "Insurers have sent assessors to more than two hundred homes along the river and its canal.",
    "Farmers upstream said the new dam had held, but that the fields below it would not be sown this "
    "spring. The council will meet on Friday to discuss how much compensation it can pay them.",
]


def test_menus_widgets_and_related_lines_are_nav_article_and_headline_are_body():
    lines = [
        "Home | News | Sport | Weather",  # menu
        "London 14°C cloudy",  # weather widget
        "Floods close the lower town",  # headline
        "404 Not Found",  # failed include: the model's error label stands
        PARAGRAPHS[0],
        "Volunteers at work",  # a caption between paragraphs
        PARAGRAPHS[1],
        "The council has set up a help line for anyone whose home or shop was damaged.",  # a short last sentence
        "Share this article",
        "Related: Dam opens early · River levels",
        "Comments (12)",
        "Log in to comment",
        PARAGRAPHS[2],  # a long line far from the article run is still article text
    ]
    model = ["body"] * len(lines)
    model[3] = "error"
    assert plain_text_labels(lines, model) == [
        "nav", "nav", "body", "error", "body", "body", "body", "body", "nav", "nav", "nav", "nav", "body",
    ]


def test_up_to_three_short_lines_between_paragraphs_belong_to_the_article():
    lines = [PARAGRAPHS[0], "Sandbags", "Pumps", "Boats", PARAGRAPHS[1], "a", "b", "c", "d", PARAGRAPHS[2]]
    assert plain_text_labels(lines, ["nav"] * len(lines)) == ["body"] * 5 + ["nav"] * 4 + ["body"]


def test_short_sentence_next_to_a_paragraph_is_body():
    lines = [PARAGRAPHS[0], "The mayor thanked the volunteers, the fire brigade and the army for all of their help this week.", "Log in"]
    assert plain_text_labels(lines, ["body", "nav", "body"]) == ["body", "body", "nav"]


def test_without_a_paragraph_the_model_labels_stand():
    lines = ["Opening hours", "Mon-Fri 9-17", "404 Not Found"]
    labels = ["body", "nav", "error"]
    assert plain_text_labels(lines, labels) == labels


@pytest.mark.skipif(not SEED_PAGE.exists(), reason=f"the seed page is not at {SEED_PAGE} (../shared is absent)")
def test_seed_page_keeps_headline_and_article_only():
    from typer.testing import CliRunner

    from segclf.cli import app

    result = CliRunner().invoke(app, ["clean", str(SEED_PAGE), "--format", "json"])
    assert result.exit_code == 0, result.output
    text = json.loads(result.stdout)["text"]
    lines = text.splitlines()
    assert lines[0] == "衢州主动对接央企 助推主导产业高端发展"
    assert lines[1].startswith("浙江在线09月18日讯")
    assert lines[-1].endswith("(吴新波)")
    for junk in ("404 Not Found", "ZJOL/1.22.95", "首页 | 原创", "杭州晴到少云", "关键词", "街拍", "我要注册", "发表评论"):
        assert junk not in text
