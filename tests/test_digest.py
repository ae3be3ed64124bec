"""The digest scheduler with an injected clock, a real SQLite store and a delivery that behaves like Discord."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import re
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.core.answers import Briefer
from bot.core.content import Content, load
from bot.core.layout import View
from bot.digest import UTC, DigestScheduler, Gone, Outcome, Transient, nonce_for
from bot.discord.language_chain import LanguageChooser
from bot.store import MIGRATIONS, DigestRow, SchemaTooNew, SQLiteStore, Store


class Channel:
    """Stands in for Discord's side: keeps posts, and like enforce_nonce never makes two for one nonce."""

    def __init__(self) -> None:
        self.posts: list[tuple[int, list[View], str]] = []
        self.fail_with: list[Exception] = []
        self.crash_after_post = False
        self.languages: dict[int, str] = {}
        self.publish_problem: str | None = None
        self.attempts = 0

    async def language(self, row: DigestRow) -> str:
        return row.language or self.languages.get(row.guild_id, "en")

    async def find_post(self, channel_id: int, nonce: str, since: dt.datetime) -> bool | None:
        return any(c == channel_id and n == nonce for c, _, n in self.posts)

    async def post(self, row: DigestRow, views: Sequence[View], nonce: str, day: dt.date) -> str | None:
        self.attempts += 1
        if self.fail_with:
            raise self.fail_with.pop(0)
        if all(n != nonce for _, _, n in self.posts):
            self.posts.append((row.channel_id, list(views), nonce))
        if self.crash_after_post:
            raise SystemExit("crash after Discord accepted the message")
        return self.publish_problem


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


async def run_due(scheduler: DigestScheduler) -> None:
    await scheduler.enqueue_due()
    await scheduler.drain()


async def test_first_digest_has_every_card_then_only_what_changed(store: Store, briefer: Briefer) -> None:
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
    row = await store.digest(1, 10)
    assert row is not None
    assert row.last_date == "2026-03-06"
    assert row.next_due == dt.datetime(2026, 3, 7, 1, 0, tzinfo=UTC)
    # Next day: nothing new, nothing posted, and the status can say so.
    clock.now = dt.datetime(2026, 3, 7, 1, 0, tzinfo=UTC)
    await run_due(scheduler)
    assert len(channel.posts) == 1
    row = await store.digest(1, 10)
    assert row is not None
    assert row.nothing_new_on == "2026-03-07"


async def test_the_same_day_is_never_posted_twice(store: Store, briefer: Briefer) -> None:
    clock = Clock(dt.datetime(2026, 3, 6, 9, 0, tzinfo=UTC))
    channel = Channel()
    await store.set_digest(1, 10, "09:00", "Europe/London", clock.now)
    scheduler = DigestScheduler(store, briefer, channel, clock)
    await run_due(scheduler)
    # Someone sets the digest again for the same minute: today's is already done.
    await store.set_digest(1, 10, "09:00", "Europe/London", clock.now)
    await run_due(DigestScheduler(store, briefer, channel, clock))
    assert len(channel.posts) == 1


async def test_a_crash_after_discord_accepted_gives_one_post(store: Store, briefer: Briefer) -> None:
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
    row = await store.digest(1, 10)
    assert row is not None
    assert row.last_date == "2026-03-06"


async def test_forbidden_channel_pauses_until_set_again(store: Store, briefer: Briefer) -> None:
    clock = Clock(dt.datetime(2026, 3, 6, 9, 0, tzinfo=UTC))
    channel = Channel()
    channel.fail_with = [Gone("forbidden")]
    await store.set_digest(1, 10, "09:00", "Europe/London", clock.now)
    scheduler = DigestScheduler(store, briefer, channel, clock)
    await run_due(scheduler)
    row = await store.digest(1, 10)
    assert row is not None
    assert row.paused == "forbidden"
    assert await store.due_digests(clock.now) == []  # no retry storm
    await store.set_digest(1, 10, "09:00", "Europe/London", clock.now)
    await run_due(scheduler)
    assert [(c, n) for c, _, n in channel.posts] == [(10, channel.posts[0][2])]


async def test_transient_failure_is_retried_the_same_day(store: Store, briefer: Briefer) -> None:
    clock = Clock(dt.datetime(2026, 3, 6, 9, 0, tzinfo=UTC))
    channel = Channel()
    channel.fail_with = [Transient("502"), Transient("timeout")]
    await store.set_digest(1, 10, "09:00", "Europe/London", clock.now)
    scheduler = DigestScheduler(store, briefer, channel, clock)
    await run_due(scheduler)
    row = await store.digest(1, 10)
    assert row is not None
    assert row.next_due == clock.now + dt.timedelta(seconds=30)
    clock.now = row.next_due
    await run_due(scheduler)
    row = await store.digest(1, 10)
    assert row is not None
    assert row.next_due == clock.now + dt.timedelta(seconds=60)
    clock.now = row.next_due
    await run_due(scheduler)
    assert len(channel.posts) == 1


async def test_after_downtime_today_is_posted_and_yesterday_is_not(store: Store, briefer: Briefer) -> None:
    channel = Channel()
    yesterday = dt.datetime(2026, 3, 5, 9, 0, tzinfo=UTC)
    await store.set_digest(1, 10, "09:00", "Europe/London", yesterday)
    await store.set_digest(2, 20, "18:00", "Europe/London", yesterday + dt.timedelta(hours=9))
    clock = Clock(dt.datetime(2026, 3, 6, 12, 0, tzinfo=UTC))  # back at noon the next day
    await run_due(DigestScheduler(store, briefer, channel, clock))
    assert [c for c, _, _ in channel.posts] == [10]  # server 1: today's 09:00 was missed, posted now
    row = await store.digest(2, 20)
    assert row is not None
    assert row.next_due == dt.datetime(2026, 3, 6, 18, 0, tzinfo=UTC)  # server 2: today's is still to come


async def test_work_per_wake_up_is_the_due_servers_only(store: Store) -> None:
    now = dt.datetime(2026, 3, 6, 9, 0, tzinfo=UTC)
    for guild in range(1000):
        due = now if guild < 10 else now + dt.timedelta(hours=1 + guild % 20)
        await store.set_digest(guild, guild, "09:00", "UTC", due)
    assert len(await store.due_digests(now)) == 10
    assert await store.next_digest_after(now) == now + dt.timedelta(hours=1)


async def test_an_unexpected_error_is_not_repeated_on_every_wake_up(store: Store, briefer: Briefer) -> None:
    clock = Clock(dt.datetime(2026, 3, 6, 9, 0, tzinfo=UTC))
    channel = Channel()
    channel.fail_with = [ValueError("400 Bad Request")]
    await store.set_digest(1, 10, "09:00", "Europe/London", clock.now)
    scheduler = DigestScheduler(store, briefer, channel, clock)
    await run_due(scheduler)
    assert await store.due_digests(clock.now) == []
    row = await store.digest(1, 10)
    assert row is not None
    assert row.next_due == clock.now + dt.timedelta(minutes=30)


async def test_a_server_changing_its_zone_gets_one_post_per_local_date(
    store: Store, briefer: Briefer
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
    row = await store.digest(1, 10)
    assert row is not None
    assert row.next_due == dt.datetime(2026, 3, 7, 14, 0, tzinfo=UTC)
    assert row.nothing_new_on is None  # skipped because the date was posted, not because nothing was new


def briefer_with_topics(content: Path, topics: dict[str, list[str]]) -> Briefer:
    """The shipped cards with their topics replaced for some of them."""
    for card_id, names in topics.items():
        path = content / "briefs" / f"{card_id}.toml"
        text = re.sub(r"(?m)^topics = .*$", f"topics = {names!r}", path.read_text(encoding="utf-8"), count=1)
        assert f"topics = {names!r}" in text
        path.write_text(text, encoding="utf-8")
    loaded = load(content / "briefs", content / "locales")
    assert isinstance(loaded, Content), loaded
    return Briefer.serving(loaded)


async def test_two_digests_in_one_server_each_once_in_its_language_with_its_topics(
    store: Store, content: Path
) -> None:
    briefer = briefer_with_topics(content, {"qwen-exodus-crypto-reading": ["crypto"]})
    clock = Clock(dt.datetime(2026, 3, 6, 9, 0, tzinfo=UTC))
    channel = Channel()
    await store.set_digest(1, 10, "09:00", "UTC", clock.now, language="en")
    await store.set_digest(
        1, 11, "10:00", "UTC", clock.now + dt.timedelta(hours=1), language="zh-Hans", topics=("crypto",)
    )
    scheduler = DigestScheduler(store, briefer, channel, clock)
    await run_due(scheduler)
    assert [c for c, _, _ in channel.posts] == [10]
    assert len(channel.posts[0][1]) == 2  # every card: this digest has no topics
    clock.now += dt.timedelta(hours=1)
    await run_due(scheduler)
    await run_due(scheduler)
    assert [c for c, _, _ in channel.posts] == [10, 11]
    _, views, nonce = channel.posts[1]
    assert len(views) == 1  # only the crypto card
    assert "阅读全文" in views[0].description  # in this digest's language
    assert "crypto-reading" in views[0].description
    assert "Read more" in channel.posts[0][1][0].description
    assert nonce != channel.posts[0][2]  # one nonce per channel and day
    crypto = next(c for c in briefer.library.cards if c.id == "qwen-exodus-crypto-reading")
    assert await store.seen_versions(1, 11) == {"qwen-exodus-crypto-reading": crypto.version}
    assert len(await store.seen_versions(1, 10)) == 2


async def test_a_digest_whose_topics_match_nothing_posts_nothing(store: Store, briefer: Briefer) -> None:
    clock = Clock(dt.datetime(2026, 3, 6, 9, 0, tzinfo=UTC))
    channel = Channel()
    await store.set_digest(1, 10, "09:00", "UTC", clock.now, topics=("sports",))
    await run_due(DigestScheduler(store, briefer, channel, clock))
    assert channel.posts == []
    row = await store.digest(1, 10)
    assert row is not None
    assert row.nothing_new_on == "2026-03-06"


async def test_a_post_that_could_not_be_published_is_noted_and_still_counts(
    store: Store, briefer: Briefer
) -> None:
    clock = Clock(dt.datetime(2026, 3, 6, 9, 0, tzinfo=UTC))
    channel = Channel()
    channel.publish_problem = "I may not publish in that channel."
    await store.set_digest(1, 10, "09:00", "UTC", clock.now, kind="announcement")
    scheduler = DigestScheduler(store, briefer, channel, clock)
    await run_due(scheduler)
    row = await store.digest(1, 10)
    assert row is not None
    assert (row.last_date, row.publish_problem) == ("2026-03-06", "I may not publish in that channel.")
    clock.now += dt.timedelta(days=1)
    await run_due(scheduler)  # nothing new the next day: the note stays until a post goes out
    assert len(channel.posts) == 1


async def test_a_digest_with_no_language_follows_channel_then_server(store: Store) -> None:
    chooser = LanguageChooser(store, "en")
    row = DigestRow(1, 10, "09:00", "UTC", None)
    assert await chooser.for_digest(row, None) == "en"
    await store.set_guild_language(1, "zh-Hant")
    assert await chooser.for_digest(row, None) == "zh-Hant"
    await store.set_channel_language(1, 10, "zh-Hans")
    assert await chooser.for_digest(row, None) == "zh-Hans"
    assert await chooser.for_digest(DigestRow(1, 11, "09:00", "UTC", None), None) == "zh-Hant"
    assert await chooser.for_digest(DigestRow(1, 10, "09:00", "UTC", None, language="en"), None) == "en"


async def test_two_processes_post_each_due_digest_once(
    two_stores: tuple[Store, Store], briefer: Briefer
) -> None:
    clock = Clock(dt.datetime(2026, 3, 6, 9, 0, tzinfo=UTC))
    channel = Channel()
    for guild in range(60):
        await two_stores[0].set_digest(guild, 1000 + guild, "09:00", "UTC", clock.now)
    schedulers = [DigestScheduler(s, briefer, channel, clock, per_second=1000, workers=4) for s in two_stores]

    async def until_done(scheduler: DigestScheduler) -> None:
        while await scheduler.enqueue_due():
            await scheduler.drain()

    await asyncio.gather(*(until_done(s) for s in schedulers))
    assert sorted(c for c, _, _ in channel.posts) == [1000 + g for g in range(60)]
    assert channel.attempts == 60  # not even tried twice: the nonce never had to save a post
    assert sum(s.outcomes[Outcome.SENT] for s in schedulers) == 60


async def test_a_dead_process_digests_are_posted_by_another_after_its_lease(
    two_stores: tuple[Store, Store], briefer: Briefer
) -> None:
    clock = Clock(dt.datetime(2026, 3, 6, 9, 0, tzinfo=UTC))
    channel = Channel()
    for guild in range(5):
        await two_stores[0].set_digest(guild, 1000 + guild, "09:00", "UTC", clock.now)
    dead = DigestScheduler(two_stores[0], briefer, channel, clock, lease=30)
    assert await dead.enqueue_due() == 5  # leased, then the process is gone before posting
    survivor = DigestScheduler(two_stores[1], briefer, channel, clock, lease=30)
    assert await survivor.enqueue_due() == 0
    assert await two_stores[1].next_digest_after(clock.now) == clock.now + dt.timedelta(seconds=30)
    clock.now += dt.timedelta(seconds=30)
    await run_due(survivor)
    assert sorted(c for c, _, _ in channel.posts) == [1000 + g for g in range(5)]
    assert survivor.late == 0  # 30 s after its time is not late


async def test_one_slow_server_does_not_hold_up_the_others(store: Store, briefer: Briefer) -> None:
    clock = Clock(dt.datetime(2026, 3, 6, 9, 0, tzinfo=UTC))
    release = asyncio.Event()

    class SlowChannel(Channel):
        async def post(self, row: DigestRow, views: Sequence[View], nonce: str, day: dt.date) -> str | None:
            if row.channel_id == 1000:  # this server's Discord answers only when released
                await release.wait()
            return await super().post(row, views, nonce, day)

    channel = SlowChannel()
    for guild in range(20):
        await store.set_digest(guild, 1000 + guild, "09:00", "UTC", clock.now)
    scheduler = DigestScheduler(store, briefer, channel, clock, per_second=1000, workers=4)
    running = asyncio.create_task(scheduler.run())  # the real loop: it leases more as workers free up

    async def posts(count: int) -> None:
        for _ in range(200):
            if len(channel.posts) >= count:
                return
            await asyncio.sleep(0.05)

    await posts(19)
    assert sorted(c for c, _, _ in channel.posts) == [1000 + g for g in range(1, 20)]
    release.set()
    await posts(20)
    running.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await running
    assert len(channel.posts) == 20


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
    assert [nonce for _, _, nonce in channel.posts] == [nonce_for(1, 10, "2026-03-05") + "-0"]
    row = await store.digest(1, 10)
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
