"""The digest scheduler: sleeps until the next due digest, posts from a rate-limited queue, once a day."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import enum
import hashlib
import logging
import os
import socket
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.core.answers import Briefer
from bot.core.language import Language
from bot.core.layout import View, pack_messages
from bot.digest.compose import compose
from bot.digest.schedule import UTC, local_date, next_due, occurrence, parse_hhmm
from bot.store import DigestRow, PauseReason, Shards, Store

log = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]
RETRY_DELAYS = (30, 60, 120, 300, 600, 1800)  # seconds between tries after a transient failure
UNEXPECTED_RETRY = dt.timedelta(minutes=30)
LATE = dt.timedelta(minutes=1)  # a digest posted later than this after its time counts as late


class Outcome(enum.Enum):
    """What one due digest came to."""

    SENT = "sent"
    EMPTY = "empty"  # nothing new to post that day
    DONE = "done"  # already posted for that day
    SKIPPED = "skipped"  # an earlier day missed while down; today's time has not come yet
    PAUSED = "paused"  # the channel is gone or forbidden
    RETRY = "retry"  # a transient failure; tried again later the same day


class Gone(Exception):
    """The channel cannot be posted in (403 or 404): the digest pauses until it is set again."""

    def __init__(self, reason: PauseReason) -> None:
        super().__init__(reason)
        self.reason: PauseReason = reason


class Transient(Exception):
    """A 5xx or a time-out: worth trying again later the same day."""


class Delivery(Protocol):
    """What the scheduler needs from a chat front end."""

    async def language(self, row: DigestRow) -> Language:
        """A digest's language (no reader): its own, the channel's, the server's, its locale, the default."""
        ...

    async def post(self, row: DigestRow, views: Sequence[View], nonce: str, day: dt.date) -> str | None:
        """Post one message of a digest's day in its channel; the same nonce twice must not make two.

        Returns a note when the message went out but a follow-up (publishing an announcement) failed.
        """
        ...


class RateLimiter:
    """A budget of requests per second that every process of a deployment draws from together.

    The next free slot is kept in the store (one row, on the database's clock), so the sum of all
    processes' posts stays under Discord's global limit however many run, deploys included.
    """

    def __init__(self, store: Store, per_second: float, name: str = "discord-global") -> None:
        self.store = store
        self.interval = 1.0 / per_second
        self.name = name
        self.waits = 0  # how many posts had to wait for a slot
        self.waited = 0.0  # and for how long in all, in seconds

    async def acquire(self) -> None:
        """Book the next free slot and wait for it."""
        wait = await self.store.rate_slot(self.name, self.interval)
        if wait > 0:
            self.waits += 1
            self.waited += wait
            await asyncio.sleep(wait)


def nonce_for(guild_id: int, channel_id: int, day: str) -> str:
    """A stable nonce for a channel's digest of a day (Discord allows 25 characters)."""
    return "d" + hashlib.sha256(f"{guild_id}:{channel_id}:{day}".encode()).hexdigest()[:20]


def utc_now() -> dt.datetime:
    """The real clock."""
    return dt.datetime.now(UTC)


class DigestScheduler:
    """Sleeps until the next due digest, then posts the due ones from a queue."""

    def __init__(
        self,
        store: Store,
        briefer: Briefer,
        delivery: Delivery,
        clock: Clock = utc_now,
        per_second: float = 45.0,
        workers: int = 16,
        lease: float = 30.0,
        owner: str | None = None,
        shards: tuple[int, tuple[int, ...]] | None = None,
    ) -> None:
        self.store = store
        self.briefer = briefer
        self.delivery = delivery
        self.clock = clock
        self.limiter = RateLimiter(store, per_second)
        self.workers = workers
        # A digest taken from the schedule is this process's for `lease` seconds: long enough to post
        # what it queued, short enough that another process posts it soon if this one dies.
        self.lease = dt.timedelta(seconds=lease)
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        # (count, ids) when this process serves only some shards: it takes their digests, and another
        # shard's only once overdue by a lease, i.e. when the process serving that shard seems gone.
        self.shards = shards
        self.outcomes: Counter[Outcome] = Counter()
        self.late = 0  # digests posted more than LATE after their due time
        self._queue: asyncio.Queue[DigestRow] = asyncio.Queue()
        self._inflight: set[tuple[int, int]] = set()
        self._wake = asyncio.Event()
        self._retries: dict[tuple[int, int, str], int] = {}

    def wake(self) -> None:
        """Look at the schedule again now (a digest was set, moved or turned off)."""
        self._wake.set()

    async def run(self) -> None:
        """The loop: queue what is due, then sleep until the next due time or a wake-up."""
        workers = [asyncio.create_task(self._work()) for _ in range(self.workers)]
        try:
            while True:
                await self.enqueue_due()
                now = self.clock()
                upcoming = await self.store.next_digest_after(now)
                delay = 60.0 if upcoming is None else (upcoming - now).total_seconds()
                # Serving some shards only, another shard's due digests become ours a lease after their
                # time if nobody took them: look again at least that often.
                longest = self.lease.total_seconds() if self.shards else 60.0
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), max(0.05, min(delay, 60.0, longest)))
        finally:
            for task in workers:
                task.cancel()

    async def enqueue_due(self) -> int:
        """Lease and queue the due digests no other process holds, as many as the workers soon take."""
        room = self.workers * 2 - self._queue.qsize()
        if room <= 0:
            return 0
        now = self.clock()
        count = 0
        mine = Shards(self.shards[0], self.shards[1], now - self.lease) if self.shards else None
        for row in await self.store.lease_due(now, self.owner, now + self.lease, room, mine):
            if (row.guild_id, row.channel_id) not in self._inflight:
                self._inflight.add((row.guild_id, row.channel_id))
                self._queue.put_nowait(row)
                count += 1
        return count

    async def drain(self) -> None:
        """Post everything queued (for tests and the benchmark, which run without the loop)."""
        workers = [asyncio.create_task(self._work()) for _ in range(self.workers)]
        await self._queue.join()
        for task in workers:
            task.cancel()

    async def _work(self) -> None:
        while True:
            row = await self._queue.get()
            try:
                self.outcomes[await self.deliver(row)] += 1
            except Exception:  # one server's failure must never stop the others
                log.exception("digest for server %s, channel %s failed", row.guild_id, row.channel_id)
                # Not due again at once: an unexpected error would otherwise repeat on every wake-up.
                await self.store.reschedule_digest(
                    row.guild_id, row.channel_id, self.clock() + UNEXPECTED_RETRY
                )
            finally:
                self._inflight.discard((row.guild_id, row.channel_id))
                self._queue.task_done()
                self._wake.set()

    async def deliver(self, row: DigestRow) -> Outcome:
        """Post one channel's due digest at most once for its local date; return what happened."""
        guild, channel = row.guild_id, row.channel_id
        zone = ZoneInfo(row.zone)
        at = parse_hhmm(row.at)
        if at is None or row.next_due is None:  # stored only after parse_hhmm accepted it; due rows have one
            raise ValueError(f"digest of server {guild}, channel {channel} has no valid time: {row.at!r}")
        now = self.clock()
        today = local_date(now, zone)
        day = local_date(row.next_due, zone)
        if day < today:
            # Down over a due time: an earlier day is not posted; today's is, if its time has come.
            if occurrence(today, at, zone) > now:
                await self.store.reschedule_digest(guild, channel, occurrence(today, at, zone))
                return Outcome.SKIPPED
            day = today
        key = day.isoformat()
        if row.last_date is not None and row.last_date >= key:
            await self.store.reschedule_digest(guild, channel, next_due(now, at, zone, posted_for=day))
            return Outcome.DONE
        claim = await self.store.claim_digest(guild, channel, key, nonce_for(guild, channel, key), now)
        following = next_due(now, at, zone, posted_for=day)
        if claim.state != "sending":
            await self.store.reschedule_digest(guild, channel, following)
            return Outcome.DONE
        language = await self.delivery.language(row)
        seen = await self.store.seen_versions(guild, channel)
        views, included = compose(self.briefer, language, seen, row.topics)
        if not views:
            await self.store.finish_digest(guild, channel, key, "empty", {}, following, now)
            return Outcome.EMPTY
        messages = pack_messages(views)
        problem: str | None = None
        try:
            for index in range(claim.parts_sent, len(messages)):
                await self.limiter.acquire()
                problem = (
                    await self.delivery.post(row, messages[index], f"{claim.nonce}-{index}", day) or problem
                )
                await self.store.digest_part_sent(guild, channel, key, index + 1)
        except Gone as gone:
            await self.store.pause_digest(guild, channel, gone.reason)
            return Outcome.PAUSED
        except Transient:
            tries = self._retries.get((guild, channel, key), 0)
            retry_at = now + dt.timedelta(seconds=RETRY_DELAYS[min(tries, len(RETRY_DELAYS) - 1)])
            self._retries[(guild, channel, key)] = tries + 1
            # Tried again within the same local day only; after that the day is given up.
            await self.store.reschedule_digest(
                guild, channel, retry_at if local_date(retry_at, zone) == day else following
            )
            return Outcome.RETRY
        self._retries.pop((guild, channel, key), None)
        if self.clock() - row.next_due > LATE:
            self.late += 1
        await self.store.finish_digest(
            guild, channel, key, "sent", included, following, self.clock(), problem
        )
        return Outcome.SENT
