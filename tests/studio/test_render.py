"""The studio's HTML, without a browser: limits marked, text escaped, markdown as Discord draws it, JSON."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime

import pytest

from bot.core.answers import Briefer, reply_buttons
from bot.core.layout import EMBED_TOTAL, Field, Reply, View
from bot.digest.webhook import embed_json
from bot.studio.markdown import timestamp, to_html
from bot.studio.render import embed_html, message_json


def test_an_element_over_its_limit_is_marked_on_the_element() -> None:
    view = View("t" * 300, "d" * 10, (Field("n", "v" * 1100),), "f")
    drawn = embed_html(view)
    assert re.search(r'class="el title over"', drawn)
    assert "title 300/256 · 44 over" in drawn
    assert re.search(r'class="el field over"', drawn)
    assert "value 1100/1024 · 76 over" in drawn
    assert 'class="el description"' in drawn  # within its limit: not marked
    assert '<article class="embed over">' in drawn


def test_the_message_total_is_counted_against_6000() -> None:
    view = View("t", "d" * 4000, tuple(Field(f"n{i}", "v" * 1000) for i in range(3)), "f")
    assert view.size() > EMBED_TOTAL
    assert '<article class="embed over">' in embed_html(view)


def test_card_text_is_escaped_everywhere() -> None:
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)> & "quotes"'
    drawn = embed_html(View(attack, attack, (Field(attack, attack),), attack))
    assert "<script" not in drawn
    assert "<img" not in drawn
    assert drawn.count(html.escape(attack)) == 5


@pytest.mark.parametrize(
    ("source", "drawn"),
    [
        ("**2019**: joined", "<strong>2019</strong>: joined"),
        ("__under__ *it* ~~gone~~", "<u>under</u> <em>it</em> <s>gone</s>"),
        ("`/summary story:x`", "<code>/summary story:x</code>"),
        (
            "[the **post**](https://x.com/a?b=1&c=2)",
            '<a href="https://x.com/a?b=1&amp;c=2" rel="noopener noreferrer" target="_blank">'
            "the <strong>post</strong></a>",
        ),
        ("[bad](javascript:alert(1))", "[bad](javascript:alert(1))"),
        ("2 * 3 * 4", "2 * 3 * 4"),
    ],
)
def test_discord_markdown(source: str, drawn: str) -> None:
    assert to_html(source) == drawn


def test_timestamps_read_as_discord_shows_them() -> None:
    assert timestamp(1_772_582_400, "D") == "4 March 2026"
    assert timestamp(1_772_582_400, "t") == "00:00"
    assert timestamp(1_772_582_400, None) == "4 March 2026 00:00"
    now = datetime(2026, 3, 7, tzinfo=UTC)
    assert timestamp(1_772_582_400, "R", now) == "3 days ago"
    assert '<time class="stamp"' in to_html("due <t:1772582400:R>")


def test_a_paged_message_copies_with_its_buttons(briefer: Briefer) -> None:
    pages = (View("a", "one"), View("a", "two"))
    buttons = reply_buttons(Reply(pages), "en", briefer.translation("en"), page=1)
    payload = message_json([pages[1]], buttons)
    assert payload["embeds"] == [embed_json(pages[1])]
    row = payload["components"][0]["components"]
    assert [(b["label"], b["style"], b.get("disabled", False)) for b in row] == [
        ("Previous", 2, False),
        ("Next", 2, True),
        ("简体中文", 1, False),
        ("繁體中文", 1, False),
    ]
    assert json.loads(json.dumps(payload)) == payload
