"""Choosing the backend from DATABASE_URL: SQLite for one process, PostgreSQL for a deployment."""

from __future__ import annotations

from urllib.parse import urlparse

from bot.store.base import Store

POSTGRES_SCHEMES = ("postgresql", "postgres")


def is_postgres(database_url: str) -> bool:
    """Whether the URL names a PostgreSQL server."""
    return urlparse(database_url).scheme in POSTGRES_SCHEMES


async def open_store(database_url: str) -> Store:
    """Open the store the URL names and bring its schema up to date."""
    if is_postgres(database_url):
        from bot.store.postgres import PostgresStore  # noqa: PLC0415 - asyncpg only when it is used

        return await PostgresStore.open(database_url)
    from bot.store.sqlite import SQLiteStore  # noqa: PLC0415

    return await SQLiteStore.open(database_url)
