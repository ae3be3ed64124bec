"""What readers type into a name option, keystroke by keystroke, for autocomplete benchmarks.

Discord sends an autocomplete interaction as the reader types, so a reader looking for "Lin Junyang" sends
"l", "li", "lin"… and one looking for 林俊阳 sends 林, 林俊. Each sequence here is one reader typing the
start of a name from the glossary, in English (two in three) or in Chinese; the seed keeps runs comparable.
Short prefixes recur, as they do in a real server; long ones rarely do.
"""

from __future__ import annotations

import random
import tomllib
from pathlib import Path

LATIN_MAX = 6  # letters a reader types before picking from the list
HAN_MAX = 3


def keystrokes(glossary: Path, count: int, seed: int = 1) -> list[str]:
    """`count` option values, as readers typing the starts of the glossary's people send them."""
    entries = tomllib.loads(glossary.read_text(encoding="utf-8"))["entry"]
    people = [e for e in entries if e.get("kind") == "person"] or entries
    rng = random.Random(seed)
    typed: list[str] = []
    while len(typed) < count:
        entry = rng.choice(people)
        han = rng.random() < 1 / 3
        form = str(entry.get("zh-Hans") if han and entry.get("zh-Hans") else entry["en"])
        stop = rng.randint(1, min(len(form), HAN_MAX if han else LATIN_MAX))
        typed += [form[:length] for length in range(1, stop + 1)]
    return typed[:count]
