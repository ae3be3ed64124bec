"""The compiled content cache: the same content sooner, rebuilt whenever anything differs, never trusted."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.core.answers import Briefer
from bot.core.content import Content
from bot.core.content.cache import PREFIX, load_cached


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
