"""A compiled content cache: a set of cards unchanged since the last start skips validation and indexing.

The key is a hash of every source file the loader reads and of the core's own code, so any change to
either builds the library again from the files; the cache is never trusted beyond that key. An unreadable
or corrupt cache file is ignored and replaced. The cache lives in the bot's own data folder: pickle runs
code on loading, so that folder must be as private as the database beside it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import stat
import sys
import tempfile
from pathlib import Path

from bot.core.content.compact import sharing
from bot.core.content.files import limit_for
from bot.core.content.library import Library
from bot.core.content.load import Content, load
from bot.core.content.problems import Problem
from bot.core.text import Catalogs

log = logging.getLogger(__name__)

_CORE = Path(__file__).resolve().parent.parent
PREFIX = "content-"


def _code_hash() -> bytes:
    """The core's source and the interpreter: what shapes a pickled library."""
    digest = hashlib.sha256(sys.version.encode())
    for path in sorted(_CORE.rglob("*.py")):
        digest.update(str(path.relative_to(_CORE)).encode() + b"\0" + path.read_bytes())
    return digest.digest()


def content_key(briefs_dir: Path, locales_dir: Path) -> str:
    """A hash of the code and of every file under the content folders (compiled catalogs aside)."""
    digest = hashlib.sha256(_code_hash())
    for root in (briefs_dir, locales_dir):
        for path in sorted(root.rglob("*")):
            if path.suffix == ".mo":
                continue
            name = str(path.relative_to(root)).encode() + b"\0"
            try:
                info = path.stat()
            except OSError:
                digest.update(name + b"(unreadable)\0")
                continue
            if stat.S_ISDIR(info.st_mode):
                continue  # its files are hashed; its mtime moves whenever a catalog is compiled
            if stat.S_ISREG(info.st_mode) and info.st_size <= limit_for(path):
                digest.update(name + path.read_bytes() + b"\0")
            else:
                # Never read: the loader refuses it by its kind or size, and a FIFO would block here.
                digest.update(name + f"{info.st_mode}:{info.st_size}:{info.st_mtime_ns}".encode() + b"\0")
    return digest.hexdigest()[:32]


def _read(path: Path) -> Library | None:
    try:
        with path.open("rb") as fh:
            # Our own file under our own key; see the module's note on where it may live.
            library = pickle.load(fh)
    except FileNotFoundError:
        return None
    except Exception as exc:  # a truncated or foreign file: rebuild rather than fail
        log.warning("content cache %s is unreadable (%s); rebuilding it", path.name, type(exc).__name__)
        return None
    return library if isinstance(library, Library) else None


def _write(folder: Path, path: Path, library: Library) -> None:
    temporary: str | None = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".tmp-", delete=False) as fh:
            temporary = fh.name
            with sharing():
                pickle.dump(library, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)  # readers see the old file or the whole new one, never half of it
        for old in folder.glob(f"{PREFIX}*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)
    except (OSError, pickle.PicklingError) as exc:  # a read-only folder costs speed, not correctness
        log.warning("could not write the content cache in %s: %s", folder, exc)
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)


def load_cached(briefs_dir: Path, locales_dir: Path, folder: Path | None) -> Content | list[Problem]:
    """Load through the cache in `folder` (None turns it off); the same result as `load`, sooner."""
    if folder is None:
        return load(briefs_dir, locales_dir)
    path = folder / f"{PREFIX}{content_key(briefs_dir, locales_dir)}.pickle"
    library = _read(path)
    if library is not None:
        return Content(library, Catalogs.load(locales_dir))
    loaded = load(briefs_dir, locales_dir)
    if isinstance(loaded, Content):
        _write(folder, path, loaded.library)
    return loaded
