"""`python -m bot check` on hostile content: every file it cannot use is one problem line, never a crash."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.core.content.files import MAX_FILE_BYTES
from tests.conftest import ROOT
from tests.test_check import CARD, GLOSSARY

PO = "locales/{}/LC_MESSAGES/messages.po"


@pytest.fixture
def tree(content: Path) -> Path:
    """The small valid tree of test_check: the real catalogs, a tiny glossary and one card."""
    (content / "locales" / "glossary.toml").write_text(GLOSSARY, encoding="utf-8")
    for card in (content / "briefs").glob("*.toml"):
        card.unlink()
    (content / "briefs" / "story.toml").write_text(CARD, encoding="utf-8")
    return content


def check(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BRIEFS_DIR": "briefs", "LOCALES_DIR": "locales", "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "bot", "check"],
        check=False,
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{path.name} lacks {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, text: str) -> int:
    """The number of the first line of a file that is exactly `text`."""
    return path.read_text(encoding="utf-8").splitlines().index(text) + 1


def drop_message(path: Path, msgid: str) -> None:
    """Remove one entry from a catalog, as if a translator's copy predates it."""
    blocks = path.read_text(encoding="utf-8").split("\n\n")
    kept = [b for b in blocks if f'msgid "{msgid}"' not in b]
    assert len(kept) == len(blocks) - 1
    path.write_text("\n\n".join(kept), encoding="utf-8")


def test_unreadable_files_catalogs_and_fields_are_each_one_line(tree: Path) -> None:
    briefs = tree / "briefs"
    (briefs / "gbk.toml").write_bytes(CARD.encode("gbk"))
    (briefs / "bom.toml").write_bytes(b"\xef\xbb\xbf" + CARD.replace('"story"', '"bom"', 1).encode())
    (briefs / "deep.toml").write_text("a = " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    os.mkfifo(briefs / "fifo.toml")
    (briefs / "folder.toml").mkdir()
    (briefs / "outside.toml").symlink_to(ROOT / "pyproject.toml")
    (briefs / "huge.toml").write_text("# " + "x" * MAX_FILE_BYTES + "\n", encoding="utf-8")
    replace(
        briefs / "story.toml", 'published = "2026-03-05"', 'published = "2026-03-05"\nversion = 9999999999'
    )
    replace(tree / "locales" / "glossary.toml", 'en = "Acme"', 'en = "{ann} Acme"')
    replace(tree / PO.format("zh_Hans"), 'msgstr "来源：{outlet}"', 'msgstr "来源：{outlet}}"')
    replace(tree / PO.format("zh_Hant"), 'msgstr "來源：{outlet}"', 'msgstr "來源：{outlet.__class__}"')
    drop_message(tree / PO.format("zh_Hant"), "Not found")
    replace(tree / PO.format("en"), 'msgid "Not found"', 'msgid "Not found')

    broken_line = line_of(tree / PO.format("en"), 'msgid "Not found')
    hans, hant = (
        line_of(tree / PO.format(lang), 'msgid "Source: {outlet}"') for lang in ("zh_Hans", "zh_Hant")
    )

    result = check(tree)

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    huge = MAX_FILE_BYTES + 3
    assert sorted(result.stdout.splitlines()) == sorted(
        [
            "locales/glossary.toml:15: entry.1.en: '{ann} Acme' contains a reference or brace; write the name itself",
            "briefs/bom.toml: (encoding): starts with a byte order mark (BOM); save as UTF-8 without BOM",
            "briefs/deep.toml: (syntax): is nested too deeply",
            "briefs/fifo.toml: (file): is a FIFO, not a regular file",
            "briefs/folder.toml: (file): is a folder, not a regular file",
            "briefs/gbk.toml: (encoding): is not valid UTF-8 (byte 0xc0 on line 12); save it as UTF-8",
            f"briefs/huge.toml: (file): is {huge:,} bytes; the limit is {MAX_FILE_BYTES:,} bytes",
            "briefs/outside.toml: (file): is a symbolic link that leads outside briefs/",
            "briefs/story.toml:5: version: Input should be less than or equal to 2147483647",
            f"locales/en/LC_MESSAGES/messages.po:{broken_line}: (syntax): not a catalog line: 'msgid \"Not found'",
            f"locales/zh_Hans/LC_MESSAGES/messages.po:{hans}: msgid 'Source: {{outlet}}': "
            "msgstr '来源：{outlet}}' is not a valid format string: Single '}' encountered in format string",
            "locales/zh_Hant/LC_MESSAGES/messages.po: msgid 'Not found': is in messages.pot but not in this catalog",
            f"locales/zh_Hant/LC_MESSAGES/messages.po:{hant}: msgid 'Source: {{outlet}}': "
            "msgstr '來源：{outlet.__class__}' is not a valid format string: "
            "{outlet.__class__} is not a plain named placeholder",
        ]
    )


def test_a_title_too_long_for_an_autocomplete_choice(tree: Path) -> None:
    title = "{ann} leaves {acme} " + "and says why " * 10
    replace(tree / "briefs" / "story.toml", 'en = "{ann} leaves {acme}"', f'en = "{title}"')
    result = check(tree)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "briefs/story.toml:11: title.en: 150 characters in en; an autocomplete choice holds 100"
    ]


def test_an_empty_glossary(tree: Path) -> None:
    (tree / "locales" / "glossary.toml").write_text("# nothing yet\n", encoding="utf-8")
    result = check(tree)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "locales/glossary.toml: entry: the glossary has no entries; every card needs at least its outlet"
    ]


def test_a_fifo_or_an_oversized_file_at_start_up_is_named(tree: Path) -> None:
    os.mkfifo(tree / "briefs" / "fifo.toml")
    with (tree / "briefs" / "huge.toml").open("wb") as fh:
        fh.truncate(2 * MAX_FILE_BYTES)
    env = {**os.environ, "BRIEFS_DIR": "briefs", "LOCALES_DIR": "locales", "PYTHONPATH": str(ROOT)}
    env.pop("DISCORD_TOKEN", None)
    # The console loads through the content cache, whose key hashes the files: it opens neither.
    result = subprocess.run(
        [sys.executable, "-m", "bot", "console"],
        check=False,
        cwd=tree,
        env={**env, "CONTENT_CACHE": str(tree / "cache")},
        input="",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.splitlines()[:2] == [
        "briefs/fifo.toml: (file): is a FIFO, not a regular file",
        f"briefs/huge.toml: (file): is {2 * MAX_FILE_BYTES:,} bytes; the limit is {MAX_FILE_BYTES:,} bytes",
    ]


def test_a_newsrooms_glossary_may_be_larger_than_a_card_but_not_without_limit(content: Path) -> None:
    from bot.core.content import Content, load  # noqa: PLC0415
    from bot.core.content.files import MAX_GLOSSARY_BYTES  # noqa: PLC0415

    glossary = content / "locales" / "glossary.toml"
    extra = "".join(
        f'\n[[entry]]\nid = "filler-{i}"\nkind = "term"\nen = "Filler term number {i}"\n'
        f'confidence = "unresolved"\nsource = "a test of the size limit, padded to look like a real entry"\n'
        for i in range(8000)
    )
    glossary.write_text(glossary.read_text(encoding="utf-8") + extra, encoding="utf-8")
    assert MAX_FILE_BYTES < glossary.stat().st_size < MAX_GLOSSARY_BYTES
    assert isinstance(load(content / "briefs", content / "locales"), Content)
    with glossary.open("a", encoding="utf-8") as fh:
        fh.write("# " + "x" * MAX_GLOSSARY_BYTES + "\n")
    problems = load(content / "briefs", content / "locales")
    assert not isinstance(problems, Content)
    assert [p.message for p in problems if p.file.endswith("glossary.toml")] == [
        f"is {glossary.stat().st_size:,} bytes; the limit is {MAX_GLOSSARY_BYTES:,} bytes"
    ]
