"""The digest scheduler with an injected clock, a real SQLite store and a delivery that behaves like Discord."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.core.answers import Briefer
from bot.core.layout import View
from bot.digest import UTC, DigestScheduler, Gone, Transient, nonce_for
from bot.store import MIGRATIONS, SchemaTooNew, SQLiteStore


class Channel:
    """Stands in for Discord's side: keeps posts, and like enforce_nonce never makes two for one nonce."""

    def __init__(self) -> None:
        self.posts: list[tuple[int, list[View], str]] = []
        self.fail_with: list[Exception] = []
        self.crash_after_post = False
        self.languages: dict[int, str] = {}

    async def language(self, guild_id: int) -> str:
        return self.languages.get(guild_id, "en")

    async def find_post(self, channel_id: int, nonce: str, since: dt.datetime) -> bool | None:
        return any(c == channel_id and n == nonce for c, _, n in self.posts)

    async def post(self, channel_id: int, views: Sequence[View], nonce: str) -> None:
        if self.fail_with:
            raise self.fail_with.pop(0)
        if all(n != nonce for _, _, n in self.posts):
            self.posts.append((channel_id, list(views), nonce))
        if self.crash_after_post:
            raise SystemExit("crash after Discord accepted the message")


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
async def store(tmp_path: Path):
    opened = await SQLiteStore.open(f"sqlite:///{tmp_path}/db.sqlite3")
    yield opened
    await opened.close()


async def run_due(scheduler: DigestScheduler) -> None:
    await scheduler.enqueue_due()
    await scheduler.drain()


async def test_first_digest_has_every_card_then_only_what_changed(
    store: SQLiteStore, briefer: Briefer
) -> None:
    clock = Clock(dt.datetime(2026, 3, 6, 0, 59, tzinfo=UTC))
    channel = Channel()
    channel.languages[1] = "zh-Hant"
    scheduler = DigestScheduler(store, briefer, channel, clock)
    await store.set_digest(1, 10, "09:00", "Asia/Shanghai", dt.datetime(2026, 3, 6, 1, 0, tzinfo=UTC))
    await run_due(scheduler)
    assert channel.posts == []  # not yet due
    clock.now = dt.datetime(2026, 3, 6, 1, 0, tzinfo=UTC)
    await run_due(scheduler)
    assert len(channel.posts) == 1
    _, views, _ = channel.posts[0]
    assert len(views) == 2
    assert "林俊暘" in " ".join(v.description for v in views)
    row = await store.digest(1)
    assert row is not None
    assert row.last_date == "2026-03-06"
    assert row.next_due == dt.datetime(2026, 3, 7, 1, 0, tzinfo=UTC)
    # Next day: nothing new, nothing posted, and the status can say so.
    clock.now = dt.datetime(2026, 3, 7, 1, 0, tzinfo=UTC)
    await run_due(scheduler)
    assert len(channel.posts) == 1
    row = await store.digest(1)
    assert row is not None
    assert row.nothing_new_on == "2026-03-07"


async def test_the_same_day_is_never_posted_twice(store: SQLiteStore, briefer: Briefer) -> None:
    clock = Clock(dt.datetime(2026, 3, 6, 9, 0, tzinfo=UTC))
    channel = Channel()
    await store.set_digest(1, 10, "09:00", "Europe/London", clock.now)
    scheduler = DigestScheduler(store, briefer, channel, clock)
    await run_due(scheduler)
    # Someone sets the digest again for the same minute: today's is already done.
    await store.set_digest(1, 10, "09:00", "Europe/London", clock.now)
    await run_due(DigestScheduler(store, briefer, channel, clock))
    assert len(channel.posts) == 1


async def test_a_crash_after_discord_accepted_gives_one_post(store: SQLiteStore, briefer: Briefer) -> None:
    clock = Clock(dt.datetime(2026, 3, 6, 9, 0, tzinfo=UTC))
    channel = Channel()
    channel.crash_after_post = True
    await store.set_digest(1, 10, "09:00", "Europe/London", clock.now)
    with pytest.raises(SystemExit):
        await DigestScheduler(store, briefer, channel, clock).deliver((await store.due_digests(clock.now))[0])
    # Restart a minute later: the ledger still says "sending", so the post is repeated with the same nonce.
    channel.crash_after_post = False
    clock.now += dt.timedelta(minutes=1)
    await run_due(DigestScheduler(store, briefer, channel, clock))
    assert len(channel.posts) == 1
    row = await store.digest(1)
    assert row is not None
    assert row.last_date == "2026-03-06"


async def test_forbidden_channel_pauses_until_set_again(store: SQLiteStore, briefer: Briefer) -> None:
    clock = Clock(dt.datetime(2026, 3, 6, 9, 0, tzinfo=UTC))
    channel = Channel()
    channel.fail_with = [Gone("forbidden")]
    await store.set_digest(1, 10, "09:00", "Europe/London", clock.now)
    scheduler = DigestScheduler(store, briefer, channel, clock)
    await run_due(scheduler)
    row = await store.digest(1)
    assert row is not None
    assert row.paused == "forbidden"
    assert await store.due_digests(clock.now) == []  # no retry storm
    await store.set_digest(1, 11, "09:00", "Europe/London", clock.now)
    await run_due(scheduler)
    assert [(c, n) for c, _, n in channel.posts] == [(11, channel.posts[0][2])]


async def test_transient_failure_is_retried_the_same_day(store: SQLiteStore, briefer: Briefer) -> None:
    clock = Clock(dt.datetime(2026, 3, 6, 9, 0, tzinfo=UTC))
    channel = Channel()
    channel.fail_with = [Transient("502"), Transient("timeout")]
    await store.set_digest(1, 10, "09:00", "Europe/London", clock.now)
    scheduler = DigestScheduler(store, briefer, channel, clock)
    await run_due(scheduler)
    row = await store.digest(1)
    assert row is not None
    assert row.next_due == clock.now + dt.timedelta(seconds=30)
    clock.now = row.next_due
    await run_due(scheduler)
    row = await store.digest(1)
    assert row is not None
    assert row.next_due == clock.now + dt.timedelta(seconds=60)
    clock.now = row.next_due
    await run_due(scheduler)
    assert len(channel.posts) == 1


async def test_after_downtime_today_is_posted_and_yesterday_is_not(
    store: SQLiteStore, briefer: Briefer
) -> None:
    channel = Channel()
    yesterday = dt.datetime(2026, 3, 5, 9, 0, tzinfo=UTC)
    await store.set_digest(1, 10, "09:00", "Europe/London", yesterday)
    await store.set_digest(2, 20, "18:00", "Europe/London", yesterday + dt.timedelta(hours=9))
    clock = Clock(dt.datetime(2026, 3, 6, 12, 0, tzinfo=UTC))  # back at noon the next day
    await run_due(DigestScheduler(store, briefer, channel, clock))
    assert [c for c, _, _ in channel.posts] == [10]  # server 1: today's 09:00 was missed, posted now
    row = await store.digest(2)
    assert row is not None
    assert row.next_due == dt.datetime(2026, 3, 6, 18, 0, tzinfo=UTC)  # server 2: today's is still to come


async def test_work_per_wake_up_is_the_due_servers_only(store: SQLiteStore) -> None:
    now = dt.datetime(2026, 3, 6, 9, 0, tzinfo=UTC)
    for guild in range(1000):
        due = now if guild < 10 else now + dt.timedelta(hours=1 + guild % 20)
        await store.set_digest(guild, guild, "09:00", "UTC", due)
    assert len(await store.due_digests(now)) == 10
    assert await store.next_digest_after(now) == now + dt.timedelta(hours=1)


async def test_an_unexpected_error_is_not_repeated_on_every_wake_up(
    store: SQLiteStore, briefer: Briefer
) -> None:
    clock = Clock(dt.datetime(2026, 3, 6, 9, 0, tzinfo=UTC))
    channel = Channel()
    channel.fail_with = [ValueError("400 Bad Request")]
    await store.set_digest(1, 10, "09:00", "Europe/London", clock.now)
    scheduler = DigestScheduler(store, briefer, channel, clock)
    await run_due(scheduler)
    assert await store.due_digests(clock.now) == []
    row = await store.digest(1)
    assert row is not None
    assert row.next_due == clock.now + dt.timedelta(minutes=30)


async def test_a_server_changing_its_zone_gets_one_post_per_local_date(
    store: SQLiteStore, briefer: Briefer
) -> None:
    clock = Clock(dt.datetime(2026, 3, 6, 1, 0, tzinfo=UTC))  # 09:00 in Shanghai
    channel = Channel()
    await store.set_digest(1, 10, "09:00", "Asia/Shanghai", clock.now)
    scheduler = DigestScheduler(store, briefer, channel, clock)
    await run_due(scheduler)
    assert len(channel.posts) == 1
    # Later that day the server moves to New York time: 6 March there is already posted.
    clock.now = dt.datetime(2026, 3, 6, 2, 0, tzinfo=UTC)
    from bot.digest import next_due  # noqa: PLC0415

    moved = next_due(clock.now, dt.time(9, 0), ZoneInfo("America/New_York"))
    assert moved == dt.datetime(2026, 3, 6, 14, 0, tzinfo=UTC)
    await store.set_digest(1, 10, "09:00", "America/New_York", moved)
    clock.now = moved
    await run_due(scheduler)
    assert len(channel.posts) == 1
    row = await store.digest(1)
    assert row is not None
    assert row.next_due == dt.datetime(2026, 3, 7, 14, 0, tzinfo=UTC)
    assert row.nothing_new_on is None  # skipped because the date was posted, not because nothing was new


async def test_a_store_locked_across_the_due_minute_and_midnight_delays_the_digest(
    tmp_path: Path, briefer: Briefer
) -> None:
    path = tmp_path / "locked.sqlite3"
    store = await SQLiteStore.open(f"sqlite:///{path}", busy_timeout=0.1)
    due = dt.datetime(2026, 3, 5, 23, 58, tzinfo=UTC)
    await store.set_digest(1, 10, "23:58", "UTC", due)
    # Another process holds the write lock from before the due minute until after midnight.
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    clock = Clock(due)
    channel = Channel()
    seen: list[str] = []
    scheduler = DigestScheduler(store, briefer, channel, clock, store_retry=0.1, on_cycle=seen.append)
    loop = asyncio.create_task(scheduler.run())
    try:
        await asyncio.sleep(1.0)
        assert channel.posts == []  # nothing can be claimed while the store is locked...
        assert not loop.done()  # ...and the scheduler is still there
        clock.now = dt.datetime(2026, 3, 6, 0, 0, 30, tzinfo=UTC)
        await asyncio.sleep(0.5)
        blocker.execute("ROLLBACK")
        for _ in range(100):
            if channel.posts:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)
    finally:
        loop.cancel()
        blocker.close()
    assert [nonce for _, _, nonce in channel.posts] == [nonce_for(1, "2026-03-05") + "-0"]
    row = await store.digest(1)
    assert row is not None
    assert row.last_date == "2026-03-05"  # that day's digest, late, not lost
    assert row.next_due == dt.datetime(2026, 3, 6, 23, 58, tzinfo=UTC)
    assert "digest scheduler" in seen
    await store.close()


async def test_a_database_written_by_newer_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(SchemaTooNew, match=rf"schema version {len(MIGRATIONS) + 1}, newer than this code"):
        await SQLiteStore.open(f"sqlite:///{path}")
