"""A problem in the content, named by file, field and what is wrong, as editors and logs see it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the content: which file, which line, which field, what."""

    file: str
    field: str
    message: str
    line: int | None = None  # where the field is in the file, when the file has it

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.field}: {self.message}"


def shown_path(path: Path) -> str:
    """A path as a person would name it: relative to the working directory when it is under it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
