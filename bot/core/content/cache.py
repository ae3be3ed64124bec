"""A compiled content cache: a set of cards unchanged since the last start skips validation and indexing.

The key is a hash of every source file the loader reads and of the core's own code, so any change to
either builds the library again from the files; the cache is never trusted beyond that key. Each file's
hash is remembered beside the cache with its size, times and inode, so a start reads only what changed.
An unreadable or corrupt cache file is ignored and replaced. The cache lives in the bot's own data folder:
pickle runs code on loading, so that folder must be as private as the database beside it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import stat
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bot.core.content.compact import sharing
from bot.core.content.elsewhere import load_elsewhere
from bot.core.content.files import limit_for, walk
from bot.core.content.library import Library
from bot.core.content.load import Content
from bot.core.content.problems import Problem
from bot.core.text import Catalogs

log = logging.getLogger(__name__)

_CORE = Path(__file__).resolve().parent.parent
PREFIX = "content-"
HASHES = "file-hashes.json"


# A remembered hash is trusted only for a file last changed this long before it was remembered: a
# file rewritten within one tick of the file system's clock, at the same size, could look unchanged.
_SETTLED_NS = 2_000_000_000


class _Hashes:
    """Each file's SHA-256, remembered with its size, times and inode (as git's index does).

    A file whose `stat` still matches what was remembered is not read again; any difference, or a
    file changed too close to when it was remembered, reads and hashes it. Kept beside the cache,
    as JSON: a damaged record is ignored and written anew.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.known: dict[str, list[Any]] = {}
        self.settled_before = 0
        self.changed = False
        if path is not None:
            try:
                record = json.loads(path.read_bytes())
                self.known = dict(record["files"])
                self.settled_before = int(record["at"]) - _SETTLED_NS
            except (OSError, ValueError, KeyError, TypeError):
                pass  # missing or damaged: every file is read, and the record written anew
        self.seen: dict[str, list[Any]] = {}

    def of(self, path: str, info: os.stat_result) -> bytes:
        """The SHA-256 of a regular file's bytes."""
        signature = [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino]
        known = self.known.get(path)
        settled = max(info.st_mtime_ns, info.st_ctime_ns) < self.settled_before
        if known is not None and known[:4] == signature and settled:
            self.seen[path] = known
            return bytes.fromhex(known[4])
        # O_NONBLOCK: should the file be swapped for a FIFO since its stat, opening still returns.
        with os.fdopen(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb") as fh:
            digest = hashlib.sha256(fh.read()).digest()
        self.seen[path] = [*signature, digest.hex()]
        self.changed = True
        return digest

    def save(self) -> None:
        """Remember what was hashed this time, if anything differs from the record read."""
        if self.path is None or not (self.changed or self.seen.keys() != self.known.keys()):
            return
        record = json.dumps({"at": time.time_ns(), "files": self.seen}).encode()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_name(f".tmp-{os.getpid()}-{self.path.name}")
            temporary.write_bytes(record)
            os.replace(temporary, self.path)
        except OSError as exc:  # costs the next start some reading, nothing more
            log.warning("could not remember content hashes in %s: %s", self.path, exc)


def _tree_hash(digest: Any, root: Path, hashes: _Hashes, skip: str | None = None) -> None:
    """Feed every file under `root` (but `skip`-suffixed ones) to `digest`: its name, then its hash."""
    start = len(os.path.join(root, ""))  # the walk's paths all begin with the root and a separator
    for path, looked in sorted(walk(root)):
        if skip is not None and path.endswith(skip):
            continue
        name = path[start:].encode() + b"\0"
        info = looked
        if stat.S_ISLNK(looked.st_mode):
            try:
                info = os.stat(path)  # the loader reads a link's target: hash that
            except OSError:
                digest.update(name + b"(unreadable)\0")
                continue
        if stat.S_ISDIR(info.st_mode):
            continue  # its files are hashed; its mtime moves whenever a catalog is compiled
        if stat.S_ISREG(info.st_mode) and info.st_size <= limit_for(path):
            try:
                digest.update(name + hashes.of(path, info) + b"\0")
            except OSError:
                digest.update(name + b"(unreadable)\0")
        else:
            # Never read: the loader refuses it by its kind or size, and a FIFO would block here.
            digest.update(name + f"{info.st_mode}:{info.st_size}:{info.st_mtime_ns}".encode() + b"\0")


def content_key(briefs_dir: Path, locales_dir: Path, remembered: Path | None = None) -> str:
    """A hash of the core's code and of every file under the content folders (compiled catalogs aside).

    With `remembered` (a file), each file's hash is kept there and a file whose size, times and inode
    are unchanged is not read again; the key is the same either way.
    """
    hashes = _Hashes(remembered)
    digest = hashlib.sha256(sys.version.encode())
    _tree_hash(digest, _CORE, hashes, skip=".pyc")
    for root in (briefs_dir, locales_dir):
        digest.update(b"\1")
        _tree_hash(digest, root, hashes, skip=".mo")
    hashes.save()
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


def _write(folder: Path, path: Path, data: bytes) -> None:
    temporary: str | None = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".tmp-", delete=False) as fh:
            temporary = fh.name
            fh.write(data)
        os.replace(temporary, path)  # readers see the old file or the whole new one, never half of it
        for old in folder.glob(f"{PREFIX}*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError as exc:  # a read-only folder costs speed, not correctness
        log.warning("could not write the content cache in %s: %s", folder, exc)
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)


def load_cached(briefs_dir: Path, locales_dir: Path, folder: Path | None) -> Content | list[Problem]:
    """Load through the cache in `folder` (None turns it off); the same result as `load`, sooner.

    What is not in the cache is built in a child process (see `load_elsewhere`) and read back from it,
    so a first start costs no more memory than a start from the cache.
    """
    if folder is None:
        return load_elsewhere(briefs_dir, locales_dir)[0]
    path = folder / f"{PREFIX}{content_key(briefs_dir, locales_dir, folder / HASHES)}.pickle"
    library = _read(path)
    if library is not None:
        return Content(library, Catalogs.load(locales_dir))
    loaded, data = load_elsewhere(briefs_dir, locales_dir)
    if isinstance(loaded, Content):
        if data is None:  # built here: no child's pickle to keep
            with sharing():
                data = pickle.dumps(loaded.library, protocol=pickle.HIGHEST_PROTOCOL)
        _write(folder, path, data)
    return loaded
