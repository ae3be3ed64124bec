"""Two bot processes sharing PostgreSQL: shards, one command sync, digests once each, a kill, a deploy."""

from __future__ import annotations

import asyncio
import datetime as dt
import signal
import time
from collections import Counter
from pathlib import Path

import asyncpg
import psutil

from tests.e2e.bot_process import BotProcess
from tests.e2e.conftest import ADMIN, ask, text_of
from tests.e2e.discord_server import GUILD_ID, LoopbackDiscord, Request, embeds_of
from tests.e2e.test_digest import this_minute
from tests.e2e.test_reload import pack

# Guild ids whose shard (id >> 22) % 2 alternates: four on shard 0, four on shard 1.
GUILDS = tuple(((1_000_000 + k) << 22) + 7 for k in range(8))
TRADITIONAL = {GUILDS[0], GUILDS[1], GUILDS[4]}  # chose zh-Hant with /language set
TAIWAN = GUILDS[5]  # chose nothing; its preferred locale is zh-TW


def channel(guild: int) -> int:
    return guild + 1


def posts_per_channel(server: LoopbackDiscord) -> Counter[int]:
    """Messages Discord kept in each digest channel (a repeated nonce is not a second one)."""
    wanted = {channel(g) for g in GUILDS}
    return Counter(int(m["channel_id"]) for m in server.messages if int(m["channel_id"]) in wanted)


def bots(
    server: LoopbackDiscord, tmp_path: Path, pg_url: str, *shard_ids: str, **env: str
) -> list[BotProcess]:
    """One bot process per entry of `shard_ids`, all on one database, each with its own folder."""
    made = []
    for n, ids in enumerate(shard_ids):
        workdir = tmp_path / f"process-{n}"
        workdir.mkdir()
        shards = {"SHARD_COUNT": "2", "SHARD_IDS": ids} if ids else {}
        made.append(
            BotProcess(
                workdir, {**server.env(), "DATABASE_URL": pg_url, "RELOAD_INTERVAL": "0.5", **shards, **env}
            )
        )
    return made


def sent_by(process: BotProcess, request: Request) -> bool:
    """Whether a request came from this process (one of its sockets has the request's port)."""
    if process.process is None or process.process.returncode is not None:
        return False
    sockets = psutil.Process(process.process.pid).net_connections(kind="tcp")
    return any(c.laddr and c.laddr.port == request.peer_port for c in sockets)


def next_minute() -> tuple[str, dt.datetime]:
    """A minute to come with at least 15 seconds before it to set every digest, as HH:MM and its start."""
    start = (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=75)).replace(second=0, microsecond=0)
    return start.strftime("%H:%M"), start


async def set_digests(server: LoopbackDiscord, minute: str | None = None) -> None:
    """Each server chooses its language and a digest (this minute by default), from the process it is on."""
    minute = minute or await this_minute()
    for guild in TRADITIONAL:
        await ask(server, "language", {"language": "zh-Hant"}, subcommand="set", guild_id=guild, **ADMIN)
    for guild in GUILDS:
        body = await ask(
            server,
            "digest",
            {"channel": channel(guild), "time": minute, "timezone": "UTC"},
            subcommand="set",
            guild_id=guild,
            **ADMIN,
        )
        assert f"<#{channel(guild)}>" in text_of(body), body


def assert_languages(server: LoopbackDiscord) -> None:
    for guild in GUILDS:
        text = " ".join(str(m["embeds"]) for m in server.messages if int(m["channel_id"]) == channel(guild))
        if guild in TRADITIONAL or guild == TAIWAN:
            assert "閱讀全文" in text, (guild, text[:200])
        else:
            assert "Read more" in text, (guild, text[:200])


async def test_two_sharded_processes_and_a_kill_in_the_digest_minute(tmp_path: Path, pg_url: str) -> None:
    server = LoopbackDiscord(guilds=GUILDS, shards=2, guild_locales={TAIWAN: "zh-TW"})
    async with server:
        # A slow budget keeps digests in flight long enough to kill a process in the middle of them.
        first, second = bots(server, tmp_path, pg_url, "0", "1", DIGEST_RATE="3", DIGEST_LEASE="6")
        for bot in (first, second):
            await bot.start()
        try:
            await server.wait_for(lambda: server.connected_shards() == [0, 1], 60)
            assert server.command_puts == 1  # one sync for the deployment, not one per process
            assert {server.shard_of(g) for g in GUILDS} == {0, 1}

            # Every digest is due at the same minute; the first process dies at its first post of it.
            def kill_first(request: Request) -> None:
                if sent_by(first, request):
                    assert first.process is not None
                    first.process.send_signal(signal.SIGKILL)

            minute, start = next_minute()
            await set_digests(server, minute)
            assert posts_per_channel(server) == Counter()
            server.on_post = kill_first
            assert first.process is not None
            wait = (start - dt.datetime.now(dt.UTC)).total_seconds()
            await asyncio.wait_for(first.process.wait(), wait + 20)
            server.on_post = None
            db = await asyncpg.connect(pg_url)
            held = await db.fetchval(
                "SELECT count(*) FROM digest WHERE lease_owner LIKE $1", f"%:{first.process.pid}:%"
            )
            await db.close()
            assert held > 0  # it died with digests of its own still to post

            await server.wait_for(lambda: len(posts_per_channel(server)) == len(GUILDS), 40)
            await asyncio.sleep(2)  # a late duplicate would arrive now
            assert posts_per_channel(server) == Counter({channel(g): 1 for g in GUILDS})
            assert_languages(server)

            # The first process comes back; /digest status is right whichever process answers.
            await first.start()
            await server.wait_for(lambda: server.connected_shards() == [0, 1], 60)
            assert server.command_puts == 1
            for guild in GUILDS:
                status = text_of(await ask(server, "digest", subcommand="status", guild_id=guild, **ADMIN))
                assert "Last post" in status or "上次發布" in status, (guild, status)
        finally:
            for bot in (first, second):
                if bot.process is not None and bot.process.returncode is None:
                    await bot.stop()
    for bot in (first, second):
        assert "Traceback" not in bot.log(), bot.log()


async def test_a_deploy_overlap_posts_each_digest_once(tmp_path: Path, pg_url: str) -> None:
    server = LoopbackDiscord(guilds=GUILDS, shards=2, guild_locales={TAIWAN: "zh-TW"})
    async with server:
        old, new = bots(server, tmp_path, pg_url, "0-1", "0-1", DIGEST_RATE="10")
        for bot in (old, new):
            await bot.start()
        try:
            await server.wait_for(lambda: server.connected_shards() == [0, 0, 1, 1], 60)
            assert server.command_puts == 1
            await set_digests(server)  # both processes see every command; Discord keeps one answer
            await server.wait_for(lambda: len(posts_per_channel(server)) == len(GUILDS), 30)
            await asyncio.sleep(2)
            assert posts_per_channel(server) == Counter({channel(g): 1 for g in GUILDS})
            posts = [r for r in server.requests if r.method == "POST" and "/channels/" in r.path]
            assert len(posts) == len(GUILDS)  # not even tried twice
            assert_languages(server)
            assert GUILD_ID not in GUILDS
        finally:
            for bot in (old, new):
                await bot.stop()


async def summary_title(server: LoopbackDiscord, guild: int) -> str:
    handle = await server.command("summary", {"story": "qwen-core"}, guild_id=guild)
    return embeds_of((await handle.response()).body)[0]["title"]


async def test_a_card_pack_taken_by_one_process_is_served_by_all_within_a_reload_interval(
    tmp_path: Path, pg_url: str
) -> None:
    server = LoopbackDiscord(guilds=GUILDS, shards=2)
    async with server:
        server.files["pack.json"] = (
            pack("{lin-junyang} leaves {alibaba}'s {qwen}: pack one"),
            '"v1"',
        )
        # Each process fetches the pack only hourly by itself; the store tells it sooner.
        env = {"BRIEFS_URL": f"http://127.0.0.1:{server.port}/files/pack.json", "BRIEFS_REFRESH": "3600"}
        first, second = bots(server, tmp_path, pg_url, "0", "1", **env)
        try:
            await first.start()
            await server.wait_for(lambda: server.connected_shards() == [0], 60)
            on_first = GUILDS[0]
            assert server.shard_of(on_first) == 0
            await server.wait_for(lambda: server.file_requests, 10)
            started = time.monotonic()  # the first fetch runs beside start-up
            while (
                seen := await summary_title(server, on_first)
            ) != "Lin Junyang leaves Alibaba's Qwen: pack one":
                assert time.monotonic() - started < 10, seen
                await asyncio.sleep(0.2)

            server.files["pack.json"] = (
                pack("{lin-junyang} leaves {alibaba}'s {qwen}: pack two"),
                '"v2"',
            )
            await second.start()  # a new process of the deployment fetches the new pack as it starts
            await server.wait_for(lambda: server.connected_shards() == [0, 1], 60)
            started = time.monotonic()
            while (
                seen := await summary_title(server, on_first)
            ) != "Lin Junyang leaves Alibaba's Qwen: pack two":
                assert time.monotonic() - started < 5, seen  # RELOAD_INTERVAL is 0.5 s here
                await asyncio.sleep(0.2)
            assert "fetching it" in first.log()
        finally:
            for bot in (first, second):
                if bot.process is not None:
                    await bot.stop()


async def test_a_language_saved_through_one_process_is_used_by_the_other(tmp_path: Path, pg_url: str) -> None:
    server = LoopbackDiscord(guilds=GUILDS, shards=2)
    person = {"user_id": 4242}
    on_first, on_second = GUILDS[0], GUILDS[1]

    async def title(guild: int, options: dict[str, str] | None = None) -> str:
        body = await ask(
            server, "summary", {"story": "qwen-core", **(options or {})}, guild_id=guild, **person
        )
        return str(embeds_of(body)[0]["title"])

    async def becomes(guild: int, expected: str) -> None:
        started = time.monotonic()
        while (seen := await title(guild)) != expected:
            assert time.monotonic() - started < 2, seen  # heard within milliseconds; never is the bug
            await asyncio.sleep(0.05)

    async with server:
        first, second = bots(server, tmp_path, pg_url, "0", "1")
        try:
            for bot in (first, second):
                await bot.start()
            await server.wait_for(lambda: server.connected_shards() == [0, 1], 60)
            # Each listens for changes beside its start; what it reads from then on, it remembers.
            deadline = time.monotonic() + 10
            while not all("listening for language changes" in bot.log() for bot in (first, second)):
                assert time.monotonic() < deadline, "a process never listened for language changes"
                await asyncio.sleep(0.05)
            assert (server.shard_of(on_first), server.shard_of(on_second)) == (0, 1)
            english, traditional = await title(on_second), await title(on_second, {"language": "zh-Hant"})
            assert english != traditional
            assert await title(on_first) == english  # both processes now remember "no language saved"

            # Saved through the first process, read by the second, which had remembered none.
            await ask(
                server, "language", {"language": "zh-Hant"}, subcommand="me", guild_id=on_first, **person
            )
            await becomes(on_second, traditional)
            assert await title(on_first) == traditional
            # Cleared through the second, read by the first, which had remembered zh-Hant.
            await ask(server, "language", {"language": "auto"}, subcommand="me", guild_id=on_second, **person)
            await becomes(on_first, english)
            assert await title(on_second) == english
        finally:
            for bot in (first, second):
                if bot.process is not None:
                    await bot.stop()
    for bot in (first, second):
        assert "Traceback" not in bot.log(), bot.log()
