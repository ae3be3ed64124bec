"""Reading content files defensively: regular files inside their folder, within a size limit, as UTF-8."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from bot.core.content.problems import Problem

# One card, the glossary or one catalog: the shipped ones are a few kilobytes, 1,000 glossary entries are
# about 200 KB. Anything bigger is refused before it is read, so one file cannot exhaust memory or time.
MAX_FILE_BYTES = 1024 * 1024
# The glossary holds every name of a newsroom in three scripts: 10,000 names take about 1.8 MB.
MAX_GLOSSARY_BYTES = 16 * 1024 * 1024


def limit_for(path: Path | str) -> int:
    """The size a content file may have: the glossary may be larger than a card or a catalog."""
    name = path.name if isinstance(path, Path) else os.path.basename(path)
    return MAX_GLOSSARY_BYTES if name == "glossary.toml" else MAX_FILE_BYTES


_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop on older Pythons
        return False
    return True


def read_bytes(path: Path, shown: str, folder: Path) -> tuple[bytes | None, list[Problem]]:
    """A file's bytes, or why it is refused: a link out of `folder`, not a regular file, or too big."""
    try:
        if path.is_symlink() and not _inside(path, folder):
            return None, [Problem(shown, "(file)", f"is a symbolic link that leads outside {folder.name}/")]
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            # Never opened: opening a FIFO blocks, reading a device never ends.
            return None, [Problem(shown, "(file)", f"is {_kind(info.st_mode)}, not a regular file")]
        limit = limit_for(path)
        if info.st_size > limit:
            return None, [_too_big(shown, info.st_size, limit)]
        # O_NONBLOCK: should the file be swapped for a FIFO after the check, opening still returns.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                return None, [Problem(shown, "(file)", "is not a regular file")]
            data = fh.read(limit + 1)
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the name
        return None, [Problem(shown, "(file)", getattr(exc, "strerror", None) or str(exc))]
    if len(data) > limit:
        return None, [_too_big(shown, len(data), limit)]
    return data, []


def _too_big(shown: str, size: int, limit: int) -> Problem:
    return Problem(shown, "(file)", f"is {size:,} bytes; the limit is {limit:,} bytes")


def decode(data: bytes, shown: str) -> tuple[str | None, list[Problem]]:
    """UTF-8 text without a byte order mark, or the problem named with where it is."""
    if data.startswith(b"\xef\xbb\xbf"):
        return None, [
            Problem(shown, "(encoding)", "starts with a byte order mark (BOM); save as UTF-8 without BOM")
        ]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        message = f"is not valid UTF-8 (byte 0x{data[exc.start]:02x} on line {line}); save it as UTF-8"
        return None, [Problem(shown, "(encoding)", message)]
    if "\x00" in text:
        return None, [Problem(shown, "(encoding)", "contains a NUL character")]
    return text, []


def read_text(path: Path, shown: str, folder: Path) -> tuple[str | None, list[Problem]]:
    """A content file's text, read only when it is safe to, or the problems that stop it."""
    data, problems = read_bytes(path, shown, folder)
    if data is None:
        return None, problems
    return decode(data, shown)


def walk(folder: Path) -> list[tuple[str, os.stat_result]]:
    """Every entry under a folder with what `lstat` says of it; links are recorded, never followed.

    `os.scandir` rather than `Path.rglob`: polled beside the event loop, it costs a few milliseconds for
    a thousand files. A folder that vanishes or cannot be read adds nothing: the loader names it.
    """
    found: list[tuple[str, os.stat_result]] = []
    pending = [str(folder)]
    while pending:
        try:
            entries = os.scandir(pending.pop())
        except OSError:
            continue
        with entries:
            for entry in entries:
                try:
                    info = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                found.append((entry.path, info))
                if stat.S_ISDIR(info.st_mode):
                    pending.append(entry.path)
    return found
