"""Where a field sits in a TOML file, so a problem can name the line an editor has to look at.

tomli keeps no positions, so the file is parsed again with tomlkit, which keeps every byte of it:
the field (or, when it is missing, the nearest enclosing one) is marked in a copy of the document,
the copy is written back out, and the line the mark lands on is the field's line.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

import tomli

if TYPE_CHECKING:
    from tomlkit.toml_document import TOMLDocument

_MARK = "line-mark-5f0c2e"  # a string no card contains; only ever written into a throwaway copy
_SYNTAX_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")
_KEY = r"[A-Za-z0-9_-]+(?:\s*\.\s*[A-Za-z0-9_-]+)*"
_ASSIGNMENT = re.compile(rf"\s*({_KEY})\s*=")
_HEADER = re.compile(rf"\s*(\[\[?)\s*({_KEY})\s*\]")


def _child(node: object, part: str) -> object | None:
    """The item named by one step of a dotted field path, or None when the file lacks it."""
    from tomlkit.container import Container  # noqa: PLC0415 - tomlkit loads once there is a problem
    from tomlkit.items import AoT, Array, InlineTable, Table  # noqa: PLC0415

    if isinstance(node, (AoT, Array)):
        if part.isdigit() and int(part) < len(node):
            child: object = node[int(part)]
            return child
        return None
    if isinstance(node, (Container, Table, InlineTable)):  # a TOMLDocument is a Container
        found: object = node.get(part)
        return found
    return None


def _marked_line(doc: TOMLDocument, steps: list[str]) -> int | None:
    """Mark the item at `steps` in a copy of the document; the line the mark is written on."""
    from tomlkit.items import AoT, Array, Table  # noqa: PLC0415

    marked = copy.deepcopy(doc)
    parent: object = marked
    node: object = marked
    for step in steps:
        parent, node = node, _child(node, step)
    if isinstance(node, AoT) and len(node):
        node = node[0]
    if isinstance(node, Table) and not node.is_super_table():
        node.comment(_MARK)  # a table's comment goes on its [header] line
    elif steps:
        # A value is replaced by the mark: its key's line does not move, whatever the value spanned.
        key: str | int = int(steps[-1]) if isinstance(parent, (AoT, Array)) else steps[-1]
        parent[key] = _MARK  # type: ignore[index]  # a table, an inline table or an array
    else:
        return None
    text = marked.as_string()
    at = text.find(_MARK)
    return None if at < 0 else text.count("\n", 0, at) + 1


def field_lines(text: str, fields: Iterable[str]) -> dict[str, int]:
    """For each dotted field path (`people.2.role.zh-Hans`), the line it is on, or its nearest parent's.

    A path that names nothing in the file (a reply, a folder) is left out.
    """
    # Only a file with a problem is read this way: a bot whose content is sound never loads tomlkit.
    import tomlkit  # noqa: PLC0415
    from tomlkit.exceptions import TOMLKitError  # noqa: PLC0415

    try:
        doc = tomlkit.parse(text)
    except TOMLKitError:
        return {}
    lines: dict[str, int] = {}
    for field in set(fields):
        steps = field.split(".")
        node: object = doc
        found: list[str] = []
        for step in steps:
            node = _child(node, step)
            if node is None:
                break
            found.append(step)
        while found:
            line = _marked_line(doc, found)
            if line is not None:
                lines[field] = line
                break
            found.pop()
    return lines


def syntax_position(message: str, text: str = "") -> tuple[int | None, str]:
    """The line out of tomli's syntax message, and the message with the line left to the prefix.

    A string left open runs to the end of the file, where tomli reports it; the line that matters
    is the one after the longest opening of the file that still parses, where the string began.
    """
    match = _SYNTAX_AT.search(message)
    if match is not None:
        return int(match.group(1)), f"{message[: match.start()]} (column {match.group(2)})"
    if not message.endswith("(at end of document)"):
        return None, message
    lines = text.splitlines(keepends=True)
    for good in range(len(lines) - 1, -1, -1):
        try:
            tomli.loads("".join(lines[:good]))
        except tomli.TOMLDecodeError:
            continue
        start = good + next((i for i, line in enumerate(lines[good:]) if line.strip()), 0)
        return start + 1, f"{message.removesuffix(' (at end of document)')}: it never ends"
    return None, message


def _dotted(key: str) -> list[str]:
    return [part.strip() for part in key.split(".")]


def syntax_field(text: str, line: int) -> str | None:
    """The dotted field a broken line assigns (`summary.zh-Hans`), read from the lines above it.

    A file that does not parse has no document to ask, so the key on the line and the table headers
    above it are read as text: enough to pin the problem beside the field it breaks.
    """
    lines = text.splitlines()
    if not 0 < line <= len(lines) or (assigned := _ASSIGNMENT.match(lines[line - 1])) is None:
        return None
    arrays: dict[str, int] = {}  # [[name]] -> index of the latest element
    table: list[str] = []
    for above in lines[: line - 1]:
        header = _HEADER.match(above)
        if header is None:
            continue
        parts = _dotted(header.group(2))
        if header.group(1) == "[[":
            name = ".".join(parts)
            arrays[name] = arrays.get(name, -1) + 1
            # Deeper arrays start again under each new parent element.
            arrays = {k: v for k, v in arrays.items() if not k.startswith(name + ".")}
        table = []
        for i, part in enumerate(parts):
            table.append(part)
            prefix = ".".join(parts[: i + 1])
            if prefix in arrays:
                table.append(str(arrays[prefix]))
    return ".".join([*table, *_dotted(assigned.group(1))])
