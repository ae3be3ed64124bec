"""Short stable keys for card and glossary ids: a button names any story or person in a few characters."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable

KEY_LENGTH = 7  # 35 bits: `python -m bot check` refuses a content set in which two ids share a key
KEY_PATTERN = f"[a-z2-7]{{{KEY_LENGTH}}}"


def short_key(identifier: str) -> str:
    """The same few characters for the same id in every process, on every day (not truncation)."""
    digest = hashlib.sha256(identifier.encode()).digest()
    return base64.b32encode(digest).decode().lower()[:KEY_LENGTH]


def key_clashes(identifiers: Iterable[str]) -> list[tuple[str, str]]:
    """Pairs of distinct ids that share a short key (none in any real content set, but checked)."""
    seen: dict[str, str] = {}
    clashes = []
    for identifier in identifiers:
        key = short_key(identifier)
        if key in seen and seen[key] != identifier:
            clashes.append((seen[key], identifier))
        seen.setdefault(key, identifier)
    return clashes
