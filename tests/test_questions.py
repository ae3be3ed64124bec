"""Questions asked in chat, in English and Chinese."""

from __future__ import annotations

import pytest

from bot.core.answers import Question, parse_question


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<@123> who is Lin Junyang?", Question("people", "Lin Junyang")),
        ("<@!123> Who's Yu Bowen", Question("people", "Yu Bowen")),
        ("<@123> 林俊旸是谁？", Question("people", "林俊旸")),
        ("<@123> 谁是郁博文", Question("people", "郁博文")),
        ("<@123> 林俊暘是誰", Question("people", "林俊暘")),
        ("<@123> timeline", Question("timeline")),
        ("<@123> 时间线", Question("timeline")),
        ("<@123> 林俊旸的时间线", Question("timeline", "林俊旸")),
        ("<@123> timeline of Lin", Question("timeline", "Lin")),
        ("<@123> summary", Question("summary")),
        ("<@123> 总结", Question("summary")),
        ("<@123> 總結", Question("summary")),
        ("<@123> what is P10?", Question("glossary", "P10")),
        ("<@123> P10是什么意思", Question("glossary", "P10")),
        ("<@123>", Question("help")),
        ("<@123> Hui Binyuan", Question("people", "Hui Binyuan")),
    ],
)
def test_parse_question(text: str, expected: Question) -> None:
    assert parse_question(text) == expected
