"""A PostgreSQL server that cannot be reached is a passing outage, retried soon, not a failure."""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import urlparse, urlunparse

import pytest

from bot.store import StoreUnavailable
from bot.store.postgres import PostgresStore
from tests.postgres import fresh_database


class Link:
    """A TCP hop between the store and the server that the test can cut, as a network or server outage."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.server: asyncio.Server | None = None
        self.port = 0
        self.pipes: set[asyncio.Task[None]] = set()

    async def up(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def down(self) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()
        for pipe in list(self.pipes):
            pipe.cancel()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)

        async def pump(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            finally:
                sink.close()

        tasks = {asyncio.create_task(pump(reader, up_writer)), asyncio.create_task(pump(up_reader, writer))}
        self.pipes |= tasks
        with contextlib.suppress(asyncio.CancelledError, ConnectionError):
            await asyncio.gather(*tasks)


async def test_an_unreachable_server_is_store_unavailable_and_service_resumes() -> None:
    async with fresh_database() as url:
        parsed = urlparse(url)
        link = Link(parsed.hostname or "127.0.0.1", parsed.port or 5432)
        await link.up()
        through = urlunparse(parsed._replace(netloc=f"{parsed.username}@127.0.0.1:{link.port}"))
        store = await PostgresStore.open(through, max_connections=1)
        try:
            await store.set_guild_language(1, "zh-Hant")
            await link.down()
            with pytest.raises(StoreUnavailable, match="PostgreSQL is unreachable"):
                await store.guild_language(1)
            with pytest.raises(StoreUnavailable):
                await store.set_guild_language(2, "en")
            await link.up()  # the same port: the pool reconnects on its own
            assert await store.guild_language(1) == "zh-Hant"
        finally:
            await store.close()
            await link.down()
