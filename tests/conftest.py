"""Shared fixtures: the repository's paths and a scratch copy of the content to break."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BRIEFS = ROOT / "briefs"
LOCALES = ROOT / "locales"


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A writable copy of `briefs/` and `locales/` (catalog sources only)."""
    shutil.copytree(BRIEFS, tmp_path / "briefs")
    shutil.copytree(LOCALES, tmp_path / "locales", ignore=shutil.ignore_patterns("*.mo"))
    return tmp_path
