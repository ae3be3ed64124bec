"""The compiled content cache: the same content sooner, rebuilt whenever anything differs, never trusted."""

from __future__ import annotations

import json
import logging
import os
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.core.answers import Briefer
from bot.core.content import Content, Library
from bot.core.content.cache import PREFIX, content_key, load_cached
from bot.core.content.compact import sharing
from tests.conftest import ROOT


def loaded(content: Path, cache: Path | None) -> Content:
    result = load_cached(content / "briefs", content / "locales", cache)
    assert isinstance(result, Content), result
    return result


def caches(folder: Path) -> list[Path]:
    return sorted(folder.glob(f"{PREFIX}*.pickle"))


def test_a_second_start_reads_the_cache_and_answers_the_same(content: Path, tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    first = loaded(content, folder)
    [written] = caches(folder)
    second = loaded(content, folder)
    assert second.library is not first.library
    assert caches(folder) == [written]
    for language in ("en", "zh-Hans", "zh-Hant"):
        assert Briefer.serving(first).summary(language) == Briefer.serving(second).summary(language)
        assert Briefer.serving(first).people(language, "lin") == Briefer.serving(second).people(
            language, "lin"
        )


def test_a_changed_card_is_loaded_from_the_files_and_replaces_the_cache(
    content: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "cache"
    loaded(content, folder)
    [before] = caches(folder)
    card = next((content / "briefs").glob("qwen-core*.toml"))
    card.write_text(card.read_text(encoding="utf-8").replace("version = 2", "version = 3"), encoding="utf-8")
    after = loaded(content, folder)
    assert next(c for c in after.library.cards if c.id.startswith("qwen-core")).version == 3
    assert caches(folder) != [before]
    assert len(caches(folder)) == 1


def test_a_broken_card_is_refused_even_with_a_good_cache(content: Path, tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    loaded(content, folder)
    card = next((content / "briefs").glob("qwen-core*.toml"))
    card.write_text(
        card.read_text(encoding="utf-8").replace('kind = "report"', 'kind = "rumour"'), encoding="utf-8"
    )
    problems = load_cached(content / "briefs", content / "locales", folder)
    assert not isinstance(problems, Content)
    assert any(p.field == "kind" for p in problems)


def test_a_corrupt_cache_is_ignored_and_rebuilt(
    content: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "cache"
    loaded(content, folder)
    [path] = caches(folder)
    path.write_bytes(b"\x80\x05 not a pickle")
    with caplog.at_level(logging.WARNING):
        again = loaded(content, folder)
    assert "unreadable" in caplog.text
    assert len(again.library.cards) >= 2
    assert path.read_bytes() != b"\x80\x05 not a pickle"


def test_off_means_the_files_every_time(content: Path, tmp_path: Path) -> None:
    loaded(content, None)
    assert not (tmp_path / "cache").exists()


def test_models_read_back_equal_and_share_what_they_can(library: Library) -> None:
    with sharing():
        data = pickle.dumps(library.cards, protocol=pickle.HIGHEST_PROTOCOL)
    cards = pickle.loads(data)
    assert cards == library.cards
    assert [c.model_dump(exclude_unset=True) for c in cards] == [
        c.model_dump(exclude_unset=True) for c in library.cards
    ]
    first, second = cards[0], cards[1]
    assert first.title.model_fields_set is second.title.model_fields_set
    changed = first.title.model_copy(update={"en": "Another title"})
    assert changed.en == "Another title"
    assert first.title.en != "Another title"
    assert first.title.model_fields_set == library.cards[0].title.model_fields_set  # the shared set unchanged
    assert second.title.model_fields_set == library.cards[1].title.model_fields_set
    entries = pickle.loads(pickle.dumps(library.glossary))
    assert entries.matches("lin") == library.glossary.matches("lin")
    assert entries.find("林俊阳") == library.glossary.find("林俊阳")


def from_the_cache_elsewhere(content: Path, cache: Path, then: str) -> list[str]:
    """What a fresh interpreter prints after loading the content from the cache as `c`, then running `then`."""
    script = (
        "import sys; from pathlib import Path; from bot.core.content.cache import load_cached\n"
        f"c = load_cached(Path({str(content / 'briefs')!r}), Path({str(content / 'locales')!r}), "
        f"Path({str(cache)!r}))\n" + then
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True, timeout=120
    )
    return done.stdout.split()


@pytest.mark.parametrize(
    ("work", "library"),
    [
        # Traditional Chinese is rendered from the cache's text, not converted again.
        ("all(c.library.briefing(card.id, 'zh-Hant').summary for card in c.library.cards)", "opencc"),
        # A first Chinese keystroke reads the glossary's own readings of its characters.
        ("'lin-junyang' in [e.id for e in c.library.glossary.matches('林')]", "pypinyin"),
    ],
)
def test_a_start_from_the_cache_does_without_the_libraries_that_built_it(
    content: Path, tmp_path: Path, work: str, library: str
) -> None:
    loaded(content, tmp_path / "cache")
    printed = from_the_cache_elsewhere(
        content, tmp_path / "cache", f"print({work}, {library!r} in sys.modules)\n"
    )
    assert printed == ["True", "False"]


def _age_record(record: Path, seconds: float) -> dict[str, Any]:
    """The record as if written `seconds` later, so the files in it count as long settled."""
    data: dict[str, Any] = json.loads(record.read_text())
    data["at"] += int(seconds * 1e9)
    record.write_text(json.dumps(data))
    return data


def test_remembered_hashes_give_the_same_key_and_are_used(content: Path, tmp_path: Path) -> None:
    briefs, locales, record = content / "briefs", content / "locales", tmp_path / "hashes.json"
    key = content_key(briefs, locales)
    assert content_key(briefs, locales, record) == key
    data = _age_record(record, 60)
    assert content_key(briefs, locales, record) == key
    # A remembered hash is believed while the file's stat matches: a wrong one shows it was not re-read.
    card = str(next(briefs.glob("qwen-core*.toml")))
    data["files"][card][4] = "00" * 32
    record.write_text(json.dumps(data))
    assert content_key(briefs, locales, record) != key


def test_a_file_rewritten_with_its_old_size_and_mtime_changes_the_key(content: Path, tmp_path: Path) -> None:
    briefs, locales, record = content / "briefs", content / "locales", tmp_path / "hashes.json"
    key = content_key(briefs, locales, record)
    _age_record(record, 60)
    card = next(briefs.glob("qwen-core*.toml"))
    before = card.stat()
    card.write_text(card.read_text(encoding="utf-8").replace("version = 2", "version = 7"), encoding="utf-8")
    os.utime(card, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert card.stat().st_size == before.st_size
    changed = content_key(briefs, locales, record)
    assert changed != key
    assert changed == content_key(briefs, locales)


def test_a_damaged_record_of_hashes_is_ignored_and_written_anew(content: Path, tmp_path: Path) -> None:
    briefs, locales, record = content / "briefs", content / "locales", tmp_path / "hashes.json"
    record.write_text('{"at": "soon", "files": [1, 2')
    assert content_key(briefs, locales, record) == content_key(briefs, locales)
    assert json.loads(record.read_text())["files"]
