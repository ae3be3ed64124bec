"""Cards are in our own words: no run of 8 words of their English is copied from the source articles."""

from __future__ import annotations

import re
from pathlib import Path

from bot.core.content import Entry, Glossary, card_files, load_card, load_glossary, render_text
from tests import seed_fingerprint as fp
from tests.conftest import BRIEFS, LOCALES


def copied_runs(text: str, running: set[str], quoted: set[str]) -> list[str]:
    """Each run of 8 words of a text found in the articles, as the words; quotations they make aside."""
    found = []
    for inside, piece in fp.split_quotations(text):
        for _, shingle in fp.shingles(fp.words(piece)):
            key = fp.digest(shingle)
            # A quotation is ours to repeat only when the articles quote it too.
            if (key in quoted) if inside else (key not in running):
                continue
            found.append(" ".join(shingle))
    return found


def card_copies(briefs: Path, glossary: Glossary, running: set[str], quoted: set[str]) -> list[str]:
    """`file: field: "copied words"` for every copied run in every card's English."""
    problems = []
    for path in card_files(briefs):
        card, errors = load_card(path)
        assert card is not None, errors
        for field, text in card.texts():
            english = render_text(text, "en", glossary)
            problems += [f'{path.name}: {field}.en: "{run}"' for run in copied_runs(english, running, quoted)]
    return problems


def test_no_card_copies_eight_words_from_the_articles():
    glossary, errors = load_glossary(LOCALES)
    assert glossary is not None, errors
    running, quoted = fp.load()
    assert running, "the fingerprint file is empty"
    problems = card_copies(BRIEFS, glossary, running, quoted)
    assert not problems, "copied from the source articles:\n" + "\n".join(problems)


def test_fingerprints_match_the_articles():
    articles = sorted(fp.SEEDS.glob("*.txt"))
    lines = fp.FINGERPRINTS.read_text(encoding="utf-8").splitlines()
    if not articles:
        # A clone without the articles beside it (they are not ours to ship) can still tell that the
        # fingerprint file is whole: sorted, distinct, each a kind mark and a digest.
        assert lines == sorted(set(lines))
        assert len(lines) > 1000
        assert all(re.fullmatch(r"[aq] [0-9a-f]{16,64}", line) for line in lines), "a line is damaged"
        return
    expected = fp.fingerprint(p.read_text(encoding="utf-8") for p in articles)
    assert fp.FINGERPRINTS.read_text(encoding="utf-8").splitlines() == expected, (
        "tests/seed_shingles.txt is stale: run `.venv/bin/python -m tests.seed_fingerprint`"
    )


ARTICLE = (
    'The lab shipped a model on Tuesday and the whole team left on Wednesday. Its lead wrote "we are '
    'done here and we will not be coming back to this lab again" and logged off.'
)


def _fingerprints(article: str) -> tuple[set[str], set[str]]:
    running, quoted = fp.load_lines(fp.fingerprint([article]))
    return running, quoted


def test_a_copied_run_is_named_with_its_field_and_words(tmp_path: Path):
    running, quoted = _fingerprints(ARTICLE)
    (tmp_path / "story.toml").write_text(
        """
id = "story"
kind = "report"
published = "2026-03-05"
[source]
outlet = "acme"
date = "2026-03"
[title]
en = "A lab loses its team"
zh-Hans = "实验室失去团队"
[summary]
en = "A day after a launch, THE WHOLE TEAM left on Wednesday, {ann} says."
zh-Hans = "发布一天后，整个团队离开。"
[[points]]
heading = { en = "Exit", zh-Hans = "离开" }
text = { en = "The lab shipped {ann} on Tuesday, and then the team left.", zh-Hans = "{ann}离开。" }
""",
        encoding="utf-8",
    )
    # The name is compared as a reader sees it: "{ann}" reads "A model", which makes the run copied.
    ann = {"id": "ann", "kind": "person", "en": "A model", "confidence": "unresolved", "source": "test"}
    glossary = Glossary([Entry.model_validate(ann)])
    problems = card_copies(tmp_path, glossary, running, quoted)
    assert problems == ['story.toml: points.0.text.en: "the lab shipped a model on tuesday and"']


def test_a_quotation_the_article_makes_may_be_repeated_but_not_its_running_text():
    running, quoted = _fingerprints(ARTICLE)
    quote = 'The lead wrote "we are done here and we will not be coming back to this lab again".'
    assert copied_runs(quote, running, quoted) == []
    # The same words unquoted are copying; and quoting the article's own prose is copying too.
    assert copied_runs(quote.replace('"', ""), running, quoted)
    assert copied_runs(
        'It said "the lab shipped a model on Tuesday and the whole team left".', running, quoted
    )


def test_text_is_compared_without_case_punctuation_or_apostrophes():
    assert fp.words("Alibaba’s  “open-source” P10—youngest!") == [
        "alibabas",
        "open",
        "source",
        "p10",
        "youngest",
    ]
    assert fp.words("Alibaba's") == fp.words("ALIBABA’S")
