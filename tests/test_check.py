"""`python -m bot check`: one line per problem, naming file, line, field and problem."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.core.audit import check_all
from tests.conftest import ROOT

GLOSSARY = """
[[entry]]
id = "ann"
kind = "person"
en = "Ann Lee"
zh-Hans = "李安"
zh-Hant = "李安"
pinyin = "Lǐ Ān"
confidence = "confirmed"
source = "test"

[[entry]]
id = "acme"
kind = "organisation"
en = "Acme"
zh-Hans = "阿克米"
zh-Hant = "阿克米"
confidence = "likely"
source = "test"

[[entry]]
id = "kai"
kind = "person"
en = "Kai Li"
aliases = ["李凯新"]
confidence = "unresolved"
source = "test"
"""

CARD = """
id = "story"
kind = "report"
published = "2026-03-05"

[source]
outlet = "acme"
date = "2026-03"

[title]
en = "{ann} leaves {acme}"
zh-Hans = "{ann}离开{acme}"

[summary]
en = "{ann} left. {kai} left too."
zh-Hans = "{ann}离职。{kai}也离职了。"

[[points]]
heading = { en = "Why", zh-Hans = "原因" }
text = { en = "Nobody knows.", zh-Hans = "无人知晓。" }

[[people]]
ref = "ann"
role = { en = "The lead.", zh-Hans = "负责人。" }

[[people]]
ref = "kai"
role = { en = "A contributor.", zh-Hans = "贡献者。" }

[[timeline]]
date = "2026-03-04"
status = "confirmed"
people = ["ann"]
event = { en = "{ann} posts a farewell.", zh-Hans = "{ann}发文告别。" }

[[terms]]
ref = "acme"
meaning = { en = "The company.", zh-Hans = "公司。" }
"""


@pytest.fixture
def tree(content: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small valid content tree: the real catalogs with a tiny glossary and one card."""
    monkeypatch.chdir(content)  # problems name files relative to where the check runs
    (content / "locales" / "glossary.toml").write_text(GLOSSARY, encoding="utf-8")
    for card in (content / "briefs").glob("*.toml"):
        card.unlink()
    (content / "briefs" / "story.toml").write_text(CARD, encoding="utf-8")
    return content


def problems_after(tree: Path, old: str, new: str, file: str = "briefs/story.toml") -> list[str]:
    path = tree / file
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture lacks {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    content, problems = check_all(tree / "briefs", tree / "locales")
    assert content is None
    return [str(p) for p in problems]


def test_the_small_tree_is_valid(tree: Path) -> None:
    content, problems = check_all(tree / "briefs", tree / "locales")
    assert problems == []
    assert content is not None
    assert content.library.briefing("story", "zh-Hant").summary == "李安離職。Kai Li也離職了。"


def test_the_real_content_is_valid() -> None:
    content, problems = check_all(ROOT / "briefs", ROOT / "locales")
    assert [str(p) for p in problems] == []
    assert content is not None
    assert len(content.library.cards) >= 2


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('zh-Hans = "{ann}离职。{kai}也离职了。"\n', "", "14: summary.zh-Hans: is missing"),
        ('kind = "report"', 'kind = "rumour"', "3: kind: Input should be 'report' or 'analysis'"),
        ('published = "2026-03-05"', "published = 5", "4: published: Value error"),
        (
            'date = "2026-03-04"',
            'date = "2026-02-30"',
            "31: timeline.0.date: Value error, day is out of range",
        ),
        (
            'date = "2026-03-04"',
            'date = "2026-3"',
            "31: timeline.0.date: Value error, '2026-3' must use two digits",
        ),
        ('date = "2026-03-04"', 'date = "2026-03-04T09:00"', "31: timeline.0.date: Value error"),
        ('status = "confirmed"', 'status = "rumoured"', "32: timeline.0.status: Input should be"),
        ("{ann} posts", "{nobody} posts", "34: timeline.0.event.en: unknown glossary reference {nobody}"),
        (
            'zh-Hans = "负责人。"',
            'zh-Hans = "The lead."',
            "24: people.0.role.zh-Hans: has no Chinese characters",
        ),
        (
            'zh-Hans = "{ann}离开{acme}"',
            'zh-Hans = "{ann}离开"',
            "12: title.zh-Hans: references differ from en: {acme}",
        ),
        ('ref = "ann"', 'ref = "acme"', "23: people.0.ref: 'acme' is not a person in the glossary"),
        (
            'people = ["ann"]',
            'people = ["ghost"]',
            "33: timeline.0.people.0: unknown glossary reference 'ghost'",
        ),
        ('outlet = "acme"', "outlet = 7", "7: source.outlet: Input should be a valid string"),
        ("[source]", "colour = 'red'\n[source]", "6: colour: is not a known field"),
        ('en = "{ann} leaves {acme}"', 'en = "{ann} leaves {acme} ' + "x" * 250 + '"', "11: title.en: 2"),
        ('en = "Nobody knows."', 'en = "Nobody {knows."', "20: points.0.text.en: has a brace"),
        ("[title]", "[title\n", "10: (syntax)"),
        (
            'zh-Hans = "{ann}离职。{kai}也离职了。"',
            'zh-Hans = "{ann}离职。{kai}也离职了。',
            "16: summary.zh-Hans: TOML syntax: Illegal character",
        ),
    ],
)
def test_each_broken_card_names_file_line_field_and_problem(
    tree: Path, old: str, new: str, expected: str
) -> None:
    problems = problems_after(tree, old, new)
    assert any(p.startswith(f"briefs/story.toml:{expected}") for p in problems), problems


def test_toml_1_1_is_read_and_its_problems_keep_their_lines(tree: Path) -> None:
    """A multi-line inline table with a trailing comma (TOML 1.1) loads, and a problem in it has its line."""
    one_line = 'role = { en = "The lead.", zh-Hans = "负责人。" }'
    spread = 'role = {\n  en = "The lead.",\n  zh-Hans = "负责人。",\n}'
    path = tree / "briefs" / "story.toml"
    path.write_text(CARD.replace(one_line, spread, 1), encoding="utf-8")
    content, problems = check_all(tree / "briefs", tree / "locales")
    assert problems == []
    assert content is not None
    assert content.library.briefing("story", "en").roles["ann"] == "The lead."
    problems_seen = problems_after(tree, 'zh-Hans = "负责人。",', 'zh-Hans = "The lead.",')
    assert "briefs/story.toml:26: people.0.role.zh-Hans: has no Chinese characters" in problems_seen


def test_duplicate_card_id(tree: Path) -> None:
    (tree / "briefs" / "again.toml").write_text(CARD, encoding="utf-8")
    content, problems = check_all(tree / "briefs", tree / "locales")
    assert content is None
    assert "briefs/story.toml:2: id: duplicate card id 'story' (also in briefs/again.toml)" in map(
        str, problems
    )


def test_duplicate_glossary_id(tree: Path) -> None:
    glossary = tree / "locales" / "glossary.toml"
    glossary.write_text(GLOSSARY + GLOSSARY.split("[[entry]]")[1].join(["[[entry]]", ""]), encoding="utf-8")
    problems = [str(p) for p in check_all(tree / "briefs", tree / "locales")[1]]
    text = glossary.read_text(encoding="utf-8")
    line = text[: text.rindex('id = "ann"')].count("\n") + 1
    assert f"locales/glossary.toml:{line}: entry.3.id: duplicate id 'ann' (also entry.0)" in problems


def test_unresolved_name_must_not_carry_chinese(tree: Path) -> None:
    problems = problems_after(
        tree, 'aliases = ["李凯新"]', 'zh-Hans = "李凯新"\nzh-Hant = "李凱新"', "locales/glossary.toml"
    )
    assert any("entry.2.zh-Hans: kai is unresolved" in p for p in problems)


def test_empty_msgstr_is_named(tree: Path) -> None:
    po = tree / "locales" / "zh_Hans" / "LC_MESSAGES" / "messages.po"
    problems = problems_after(tree, 'msgstr "未找到"', 'msgstr ""', str(po.relative_to(tree)))
    text = po.read_text(encoding="utf-8")
    line = text[: text.index('msgid "Not found"')].count("\n") + 1
    assert (
        f"locales/zh_Hans/LC_MESSAGES/messages.po:{line}: msgid 'Not found': has an empty msgstr" in problems
    )


def test_catalog_placeholder_mismatch_is_named(tree: Path) -> None:
    po = tree / "locales" / "zh_Hant" / "LC_MESSAGES" / "messages.po"
    problems = problems_after(tree, "來源：{outlet}", "來源：{source}", str(po.relative_to(tree)))
    assert any("msgid 'Source: {outlet}': placeholders differ" in p for p in problems)


def test_the_replacement_table_is_checked(tree: Path) -> None:
    table = tree / "locales" / "zh_Hant" / "replacements.toml"
    table.write_text('[replace]\n"報道" = "報導"\n"帖" = "帖"\n"{x}" = "y"\n"利好" = 1\n', encoding="utf-8")
    problems = [str(p) for p in check_all(tree / "briefs", tree / "locales")[1]]
    shown = "locales/zh_Hant/replacements.toml"
    assert problems == [
        f"{shown}:3: replace.帖: must replace a form with a different, non-empty one",
        f"{shown}:4: replace.{{x}}: must not contain braces: references are not replaced",
        f"{shown}:5: replace.利好: must be a string",
    ]


def test_replacements_apply_to_converted_card_text(tree: Path) -> None:
    table = tree / "locales" / "zh_Hant" / "replacements.toml"
    table.write_text('[replace]\n"離職" = "辭職"\n', encoding="utf-8")
    content, problems = check_all(tree / "briefs", tree / "locales")
    assert content is not None, problems
    assert content.library.briefing("story", "zh-Hant").summary == "李安辭職。Kai Li也辭職了。"


def test_command_exits_non_zero_with_one_line_per_problem(tree: Path) -> None:
    card = tree / "briefs" / "story.toml"
    card.write_text(
        card.read_text(encoding="utf-8").replace('zh-Hans = "{ann}离职。{kai}也离职了。"\n', ""),
        encoding="utf-8",
    )
    env = {**os.environ, "BRIEFS_DIR": "briefs", "LOCALES_DIR": "locales", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "check"],
        check=False,
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stdout.splitlines() == ["briefs/story.toml:14: summary.zh-Hans: is missing"]


TOPICS = """
[[entry]]
id = "ai"
kind = "topic"
en = "AI"
zh-Hans = "人工智能"
zh-Hant = "人工智慧"
confidence = "confirmed"
source = "test"
"""


@pytest.mark.parametrize(
    ("topics", "expected"),
    [
        ('["ai"]', None),
        (
            '["sports"]',
            "briefs/story.toml: topics.0: unknown topic 'sports': add it to the glossary as a topic",
        ),
        ('["ann"]', "briefs/story.toml: topics.0: 'ann' is a person, not a topic"),
        ('["ai", "ai"]', "briefs/story.toml: topics.1: 'ai' is listed twice"),
        ('["AI"]', "briefs/story.toml: topics.0: String should match pattern"),
    ],
)
def test_topics_are_glossary_topics(tree: Path, topics: str, expected: str | None) -> None:
    glossary = tree / "locales" / "glossary.toml"
    glossary.write_text(GLOSSARY + TOPICS, encoding="utf-8")
    card = tree / "briefs" / "story.toml"
    card.write_text(
        card.read_text(encoding="utf-8").replace("[source]", f"topics = {topics}\n[source]"), "utf-8"
    )
    content, problems = check_all(tree / "briefs", tree / "locales")
    shown = [str(p) for p in problems]
    if expected is None:
        assert shown == []
        assert content is not None
        assert content.library.cards[0].topics == ("ai",)
    else:
        file, problem = expected.split(": ", 1)
        # The check names the line too: file:LINE: field: problem.
        assert any(p.startswith(file + ":") and problem in p for p in shown), shown


def test_a_topic_is_named_in_every_language(tree: Path) -> None:
    glossary = tree / "locales" / "glossary.toml"
    glossary.write_text(GLOSSARY + TOPICS.replace('zh-Hant = "人工智慧"\n', ""), encoding="utf-8")
    problems = [str(p) for p in check_all(tree / "briefs", tree / "locales")[1]]
    wanted = "entry.3.zh-Hans: topic ai needs both Chinese forms"
    assert any(p.startswith("locales/glossary.toml:") and p.endswith(wanted) for p in problems), problems
