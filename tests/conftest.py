"""Shared fixtures: the repository's paths, the shipped content, and a scratch copy of it to break."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.answers import Briefer
from bot.core.content import Content, Library
from bot.core.content import load as load_content
from bot.store import SQLiteStore, Store
from bot.store.postgres import PostgresStore
from tests.postgres import fresh_database

ROOT = Path(__file__).resolve().parent.parent
BRIEFS = ROOT / "briefs"
LOCALES = ROOT / "locales"


@pytest.fixture(scope="session")
def shipped() -> Content:
    """The cards, glossary and catalogs in the repository, loaded as the bot loads them."""
    loaded = load_content(BRIEFS, LOCALES)
    assert isinstance(loaded, Content), [str(p) for p in loaded]
    return loaded


@pytest.fixture(scope="session")
def library(shipped: Content) -> Library:
    """The shipped cards and glossary."""
    return shipped.library


@pytest.fixture
def briefer(shipped: Content) -> Briefer:
    """A briefer serving the shipped content, with nothing remembered from another test."""
    return Briefer.serving(shipped)


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A writable copy of `briefs/` and `locales/` (catalog sources only)."""
    shutil.copytree(BRIEFS, tmp_path / "briefs")
    shutil.copytree(LOCALES, tmp_path / "locales", ignore=shutil.ignore_patterns("*.mo"))
    return tmp_path


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    """A fresh database on the real PostgreSQL server of the test run, dropped afterwards."""
    async with fresh_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    """A fresh, empty store of each backend."""
    if request.param == "postgres":
        async with fresh_database() as url:
            opened: Store = await PostgresStore.open(url)
            yield opened
            await opened.close()
        return
    opened = await SQLiteStore.open(f"sqlite:///{tmp_path}/store.sqlite3")
    yield opened
    await opened.close()


@pytest.fixture(params=["sqlite", "postgres"])
async def two_stores(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[tuple[Store, Store]]:
    """Two stores on one database, as two processes of a deployment hold them."""
    if request.param == "postgres":
        async with fresh_database() as url:
            first: Store = await PostgresStore.open(url)
            second: Store = await PostgresStore.open(url)
            yield first, second
            await first.close()
            await second.close()
        return
    url = f"sqlite:///{tmp_path}/shared.sqlite3"
    first, second = await SQLiteStore.open(url), await SQLiteStore.open(url)
    yield first, second
    await first.close()
    await second.close()
