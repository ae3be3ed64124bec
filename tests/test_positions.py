"""Problems name the line of their field: found with tomlkit in the text that was checked."""

from __future__ import annotations

import pytest

from bot.core.content import Problem
from bot.core.content.positions import field_lines, syntax_field, syntax_position

CARD = '''id = "story"

[summary]
en = """A long
summary over lines."""
zh-Hans = "摘要。"

[[points]]
heading = { en = "Why", zh-Hans = "原因" }
[points.text]
en = "First."
zh-Hans = "第一。"

[[points]]
heading = { en = "How", zh-Hans = "如何" }
text = { en = "Second.", zh-Hans = "第二。" }

[[timeline]]
people = ["ann",
  "kai"]
'''


@pytest.mark.parametrize(
    ("field", "line"),
    [
        ("id", 1),
        ("summary", 3),
        ("summary.en", 4),
        ("summary.zh-Hans", 6),
        ("summary.zh-Hant", 3),  # not written: the table it belongs in
        ("points", 8),
        ("points.0.heading.zh-Hans", 9),
        ("points.0.text", 10),
        ("points.0.text.zh-Hans", 12),
        ("points.1.heading", 15),
        ("points.1.text.en", 16),
        ("points.1.text.zh-Hant", 16),
        ("points.7.text", 8),  # no such point: the array of them
        ("timeline.0.people.1", 20),
    ],
)
def test_each_field_is_found_on_its_line(field: str, line: int) -> None:
    assert field_lines(CARD, [field]) == {field: line}


def test_paths_that_name_nothing_in_the_file_get_no_line() -> None:
    assert field_lines(CARD, ["en /summary page 1", "(file)"]) == {}
    assert field_lines("[broken", ["id"]) == {}


def test_a_problem_prints_its_line_when_it_has_one() -> None:
    assert str(Problem("briefs/x.toml", "summary.zh-Hans", "is missing", 42)) == (
        "briefs/x.toml:42: summary.zh-Hans: is missing"
    )
    assert str(Problem("briefs", "(folder)", "does not exist")) == "briefs: (folder): does not exist"


def test_a_syntax_error_gives_its_line_to_the_prefix() -> None:
    assert syntax_position("Expected '=' after a key (at line 12, column 5)") == (
        12,
        "Expected '=' after a key (column 5)",
    )
    assert syntax_position("Unterminated string") == (None, "Unterminated string")


@pytest.mark.parametrize(
    ("line", "field"),
    [
        (1, "id"),
        (4, "summary.en"),
        (6, "summary.zh-Hans"),
        (9, "points.0.heading"),
        (11, "points.0.text.en"),
        (16, "points.1.text"),
        (19, "timeline.0.people"),
        (3, None),  # a header, not an assignment
        (99, None),
    ],
)
def test_a_broken_line_is_read_as_the_field_it_assigns(line: int, field: str | None) -> None:
    assert syntax_field(CARD, line) == field


def test_a_string_left_open_is_placed_where_it_begins() -> None:
    broken = CARD.replace('summary over lines."""', "summary over lines.")
    line, message = syntax_position("Unterminated string (at end of document)", broken)
    assert (line, message) == (4, "Unterminated string: it never ends")
    assert syntax_field(broken, 4) == "summary.en"
