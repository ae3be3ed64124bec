"""Fingerprints of the source articles' 8-word runs, so a test can catch copying without the articles.

The articles in `../shared/seeds/` are someone else's text and are not kept in this repository. What is
kept is `tests/seed_shingles.txt`: one line per distinct run of 8 consecutive words (a shingle) of the
articles, as a truncated SHA-256 of the normalised words, sorted. A line starts with `a` for a shingle
of the running text and `q` for one that lies wholly inside a quotation the articles themselves make.

Regenerate it after the seeds change (from the repository root):

    .venv/bin/python -m tests.seed_fingerprint            # reads ../shared/seeds
    .venv/bin/python -m tests.seed_fingerprint PATH       # or another folder of .txt articles
"""

from __future__ import annotations

import hashlib
import re
import sys
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path

SHINGLE = 8
ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
FINGERPRINTS = Path(__file__).resolve().parent / "seed_shingles.txt"

_APOSTROPHES = re.compile(r"[’'ʼ`]")
# A quotation: straight double quotes (paired in order) or curly ones.
QUOTATION = re.compile(r"\"([^\"]*)\"|“([^”]*)”")


def words(text: str) -> list[str]:
    """Normalised words: lower case, apostrophes dropped, any other punctuation a word break."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _APOSTROPHES.sub("", text)
    return "".join(c if c.isalnum() else " " for c in text).split()


def digest(run: Iterable[str]) -> str:
    """The fingerprint of one run of words."""
    return hashlib.sha256(" ".join(run).encode()).hexdigest()[:20]


def shingles(run: list[str]) -> Iterator[tuple[int, list[str]]]:
    """Each run of SHINGLE consecutive words, with where it starts."""
    for start in range(len(run) - SHINGLE + 1):
        yield start, run[start : start + SHINGLE]


def split_quotations(text: str) -> list[tuple[bool, str]]:
    """The text cut into (inside a quotation?, piece) in order."""
    pieces: list[tuple[bool, str]] = []
    at = 0
    for match in QUOTATION.finditer(text):
        pieces.append((False, text[at : match.start()]))
        pieces.append((True, match.group(1) if match.group(1) is not None else match.group(2)))
        at = match.end()
    pieces.append((False, text[at:]))
    return pieces


def fingerprint(texts: Iterable[str]) -> list[str]:
    """The sorted lines of the fingerprint file for some articles."""
    running: set[str] = set()
    quoted: set[str] = set()
    for text in texts:
        running.update(digest(s) for _, s in shingles(words(text)))
        for inside, piece in split_quotations(text):
            if inside:
                quoted.update(digest(s) for _, s in shingles(words(piece)))
    return sorted([f"a {d}" for d in running] + [f"q {d}" for d in quoted])


def load(path: Path = FINGERPRINTS) -> tuple[set[str], set[str]]:
    """The running-text and the quoted fingerprints from the file."""
    return load_lines(path.read_text(encoding="utf-8").splitlines())


def load_lines(lines: Iterable[str]) -> tuple[set[str], set[str]]:
    """The running-text and the quoted fingerprints from the lines of a fingerprint file."""
    running: set[str] = set()
    quoted: set[str] = set()
    for line in lines:
        kind, _, value = line.partition(" ")
        (quoted if kind == "q" else running).add(value)
    return running, quoted


def main(argv: list[str]) -> int:
    """Write the fingerprint file from a folder of articles."""
    folder = Path(argv[0]) if argv else SEEDS
    articles = sorted(folder.glob("*.txt"))
    if not articles:
        print(f"no .txt articles in {folder}", file=sys.stderr)
        return 1
    lines = fingerprint(p.read_text(encoding="utf-8") for p in articles)
    FINGERPRINTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{FINGERPRINTS.relative_to(ROOT)}: {len(lines)} fingerprints from {len(articles)} articles")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
