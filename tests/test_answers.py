"""Reports before opinion: the default story, the story list, and an analysis that names its report."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from bot.core.answers import Briefer
from bot.core.audit import check_all
from bot.core.layout import Reply
from tests.test_check import CARD, GLOSSARY

# A newer opinion piece about the report in CARD (id "story", published 2026-03-05).
ANALYSIS = """
id = "opinion"
kind = "analysis"
published = "2026-03-20"
about = "story"

[source]
outlet = "acme"
date = "2026-03"

[title]
en = "Opinion: what {ann} leaving means"
zh-Hans = "观点：{ann}离职意味着什么"

[summary]
en = "The author thinks {acme} will struggle."
zh-Hans = "作者认为{acme}会陷入困境。"

[[points]]
heading = { en = "Claim", zh-Hans = "观点" }
text = { en = "It will struggle.", zh-Hans = "会陷入困境。" }

[[people]]
ref = "ann"
role = { en = "Cited by the piece.", zh-Hans = "文章提到的人。" }

[[timeline]]
date = "2026-03-04"
status = "reported"
people = ["ann"]
event = { en = "{ann} leaves.", zh-Hans = "{ann}离开。" }
"""


def write_tree(root: Path, cards: dict[str, str]) -> None:
    (root / "locales" / "glossary.toml").write_text(GLOSSARY, encoding="utf-8")
    for old in (root / "briefs").glob("*.toml"):
        old.unlink()
    for name, text in cards.items():
        (root / "briefs" / f"{name}.toml").write_text(text, encoding="utf-8")


def briefer_for(root: Path) -> Briefer:
    content, problems = check_all(root / "briefs", root / "locales")
    assert content is not None, [str(p) for p in problems]
    return Briefer.serving(content)


def reply(answer: object) -> Reply:
    assert isinstance(answer, Reply), answer
    return answer


@pytest.fixture
def both(content: Path, monkeypatch: pytest.MonkeyPatch) -> Briefer:
    """A report and a newer analysis of it."""
    monkeypatch.chdir(content)
    write_tree(content, {"story": CARD, "opinion": ANALYSIS})
    return briefer_for(content)


def test_a_bare_question_answers_with_the_report_not_the_newer_analysis(both: Briefer) -> None:
    assert reply(both.summary("en")).story == "story"
    assert reply(both.timeline("en")).story == "story"
    assert reply(both.people("en", "ann")).story == "story"  # a person in both: the report's role


def test_an_analysis_is_reached_by_its_id_title_or_autocomplete(both: Briefer) -> None:
    assert reply(both.summary("en", "opinion")).story == "opinion"
    assert reply(both.summary("en", "Opinion: what")).story == "opinion"
    assert [c.value for c in both.story_choices("en", "")] == ["story", "opinion"]
    assert [c.value for c in both.story_choices("en", "leav")] == ["story", "opinion"]


def test_the_story_list_shows_reports_first(both: Briefer) -> None:
    fields = reply(both.stories("en")).pages[0].fields
    assert [f.value.split(" · ")[0] for f in fields] == ["Report", "Analysis (opinion)"]


def test_with_no_report_the_newest_analysis_answers(content: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(content)
    write_tree(content, {"opinion": ANALYSIS.replace('about = "story"\n', "")})
    assert reply(briefer_for(content).summary("en")).story == "opinion"


@pytest.mark.parametrize("language", ["en", "zh-Hans", "zh-Hant"])
def test_every_reply_of_an_analysis_offers_its_report(both: Briefer, language: str) -> None:
    command = "/summary story:story"
    replies = [
        both.summary(language, "opinion"),  # type: ignore[arg-type]
        both.people(language, story="opinion"),  # type: ignore[arg-type]
        both.people(language, "ann", "opinion"),  # type: ignore[arg-type]
        both.timeline(language, story="opinion"),  # type: ignore[arg-type]
    ]
    for answer in replies:
        assert reply(answer).about == "story"
        assert all(command in view.footer.splitlines()[-1] for view in reply(answer).pages)
    report = reply(both.summary(language, "story"))  # type: ignore[arg-type]
    assert report.about is None
    assert command not in report.pages[0].footer


def test_an_analysis_timeline_is_attributed_to_public_reporting(both: Briefer) -> None:
    opinion = reply(both.timeline("en", story="opinion")).pages[0].description
    assert opinion.splitlines()[0] == "*Dates and events from public reporting, not from this opinion piece.*"
    events = reply(both.people("zh-Hant", "ann", "opinion")).pages[0].fields[1].value
    assert events.splitlines()[0] == "*日期與事件來自公開報導，並非出自這篇觀點文章。*"
    report = reply(both.timeline("en", story="story")).pages[0].description
    assert "public reporting" not in report


@pytest.mark.parametrize(
    ("cards", "problem"),
    [
        (
            {"story": CARD, "opinion": ANALYSIS.replace('about = "story"', 'about = "nothing"')},
            "briefs/opinion.toml:5: about: no card has the id 'nothing'",
        ),
        (
            {"story": CARD.replace('kind = "report"', 'kind = "analysis"'), "opinion": ANALYSIS},
            "briefs/opinion.toml:5: about: 'story' is an analysis, not a report",
        ),
        (
            {
                "story": CARD.replace('kind = "report"', 'kind = "report"\nabout = "opinion"'),
                "opinion": ANALYSIS,
            },
            "briefs/story.toml:4: about: only an analysis names the report it reads",
        ),
    ],
)
def test_about_must_name_a_report(
    content: Path, monkeypatch: pytest.MonkeyPatch, cards: dict[str, str], problem: str
) -> None:
    monkeypatch.chdir(content)
    write_tree(content, cards)
    loaded, problems = check_all(content / "briefs", content / "locales")
    assert loaded is None
    assert [str(p) for p in problems] == [problem]


def test_recall_answers_only_from_memory(briefer: Briefer) -> None:
    """The event loop may recall a reply; one not yet built is left to a worker, and nothing is built."""
    asked = [briefer.summary, lambda lang: briefer.people(lang, "lin")]
    for render in asked:
        assert briefer.recall(render, "zh-Hans") is None
        built = render("zh-Hans")
        assert briefer.recall(render, "zh-Hans") is built
        assert briefer.recall(render, "en") is None  # another language is another reply
    # Recalling leaves nothing behind: a worker thread then builds as before.
    assert isinstance(briefer.people("en", "lin"), Reply)


def test_a_page_is_never_cut_inside_a_name_the_card_shows(
    content: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages are cut at a space when nothing better is near, but never inside a referenced name."""
    monkeypatch.chdir(content)
    # No sentence end anywhere: the cut falls on a space, and many of them sit inside "Ann Lee".
    words = " ".join(["{ann} met {kai}"] * 500)
    long_card = CARD.replace('en = "{ann} left. {kai} left too."', f'en = "{words}"')
    write_tree(content, {"story": long_card})
    pages = reply(briefer_for(content).summary("en")).pages
    assert len(pages) > 1
    for before, after in itertools.pairwise(pages):
        assert not (before.description.endswith("Ann") and after.description.startswith("Lee"))
        assert not (before.description.endswith("Kai") and after.description.startswith("Li"))


def test_choices_are_remembered_until_the_content_is_swapped(briefer: Briefer, content: Path) -> None:
    first = briefer.entry_choices("en", "Lin", "people")
    assert first[0].label.startswith("Lin Junyang")
    assert briefer.entry_choices("en", "lin ", "people") is first  # folds alike: the same search
    assert briefer.story_choices("en", "") is briefer.story_choices("en", "")
    glossary = content / "locales" / "glossary.toml"
    glossary.write_text(
        glossary.read_text(encoding="utf-8").replace('en = "Lin Junyang"', 'en = "Lin J. Yang"'),
        encoding="utf-8",
    )
    content_now, problems = check_all(content / "briefs", content / "locales")
    assert content_now is not None, [str(p) for p in problems]
    briefer.swap(content_now)
    assert briefer.entry_choices("en", "Lin", "people")[0].label.startswith("Lin J. Yang")
