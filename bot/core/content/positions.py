"""Where a field sits in a TOML file, so a problem can name the line an editor has to look at.

tomllib keeps no positions, so the file is parsed again with tomlkit, which keeps every byte of it:
the field (or, when it is missing, the nearest enclosing one) is marked in a copy of the document,
the copy is written back out, and the line the mark lands on is the field's line.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable

import tomlkit
from tomlkit.container import Container
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import AoT, Array, InlineTable, Table
from tomlkit.toml_document import TOMLDocument

_MARK = "line-mark-5f0c2e"  # a string no card contains; only ever written into a throwaway copy
_SYNTAX_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


def _child(node: object, part: str) -> object | None:
    """The item named by one step of a dotted field path, or None when the file lacks it."""
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


def syntax_position(message: str) -> tuple[int | None, str]:
    """The line out of tomllib's syntax message, and the message with the line left to the prefix."""
    match = _SYNTAX_AT.search(message)
    if match is None:
        return None, message
    return int(match.group(1)), f"{message[: match.start()]} (column {match.group(2)})"
