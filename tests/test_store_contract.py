"""The store contract: every backend keeps the same settings, digests, ledger and limits."""

from __future__ import annotations

import asyncio
import datetime as dt
import time

import pytest

from bot.store import MAX_DIGESTS, Shards, Store, TooManyDigests

NOW = dt.datetime(2026, 3, 6, 9, 0, tzinfo=dt.UTC)


async def test_person_and_channel_languages_are_kept_and_cleared(store: Store) -> None:
    assert await store.user_language(5) is None
    assert await store.channel_language(50) is None
    await store.set_user_language(5, "zh-Hant")
    await store.set_channel_language(1, 50, "zh-Hans")
    await store.set_guild_language(1, "en")
    assert await store.user_language(5) == "zh-Hant"
    assert await store.channel_language(50) == "zh-Hans"
    assert await store.guild_language(1) == "en"
    assert await store.user_language(6) is None  # another person's is not theirs
    await store.set_user_language(5, "en")
    assert await store.user_language(5) == "en"
    await store.set_user_language(5, None)
    await store.set_channel_language(1, 50, None)
    assert await store.user_language(5) is None
    assert await store.channel_language(50) is None


async def test_a_servers_locale_is_kept_beside_its_language(store: Store) -> None:
    assert await store.guild_locale(1) is None
    await store.set_guild_locale(1, "zh-TW")
    await store.set_guild_language(1, "en")
    await store.set_guild_locale(1, "zh-TW")  # seen again at the next start: nothing changes
    assert (await store.guild_locale(1), await store.guild_language(1)) == ("zh-TW", "en")
    await store.set_guild_locale(1, "en-GB")
    assert await store.guild_locale(1) == "en-GB"
    assert await store.guild_language(1) == "en"


async def test_several_digests_per_server_each_with_its_own_settings(store: Store) -> None:
    await store.set_digest(1, 10, "09:00", "Europe/London", NOW)
    await store.set_digest(
        1,
        11,
        "18:30",
        "Asia/Shanghai",
        NOW + dt.timedelta(hours=1),
        language="zh-Hans",
        topics=("ai", "crypto"),
        role_id=77,
        kind="forum",
    )
    await store.set_digest(2, 20, "07:00", "UTC", NOW)
    rows = await store.digests(1)
    assert [r.channel_id for r in rows] == [10, 11]
    plain, special = rows
    assert (plain.language, plain.topics, plain.role_id, plain.kind) == (None, (), None, "text")
    assert (special.at, special.zone, special.next_due) == (
        "18:30",
        "Asia/Shanghai",
        NOW + dt.timedelta(hours=1),
    )
    assert (special.language, special.topics, special.role_id, special.kind) == (
        "zh-Hans",
        ("ai", "crypto"),
        77,
        "forum",
    )
    assert await store.digest(1, 11) == special
    assert await store.digest(1, 20) is None  # a channel of another server is not this server's
    assert await store.digest_off(1, 10) is True
    assert await store.digest_off(1, 10) is False
    assert [r.channel_id for r in await store.digests(1)] == [11]
    assert [r.channel_id for r in await store.digests(2)] == [20]


async def test_setting_again_moves_and_resumes_a_paused_digest(store: Store) -> None:
    await store.set_digest(1, 10, "09:00", "UTC", NOW, topics=("ai",))
    await store.pause_digest(1, 10, "forbidden")
    row = await store.digest(1, 10)
    assert row is not None
    assert row.paused == "forbidden"
    assert await store.due_digests(NOW) == []
    await store.set_digest(1, 10, "10:00", "UTC", NOW + dt.timedelta(hours=1), kind="announcement")
    row = await store.digest(1, 10)
    assert row is not None
    assert (row.paused, row.at, row.topics, row.kind) == (None, "10:00", (), "announcement")
    assert len(await store.digests(1)) == 1


async def test_a_server_has_at_most_ten_digests(store: Store) -> None:
    for channel in range(MAX_DIGESTS):
        await store.set_digest(1, 100 + channel, "09:00", "UTC", NOW)
    with pytest.raises(TooManyDigests) as refused:
        await store.set_digest(1, 999, "09:00", "UTC", NOW)
    assert refused.value.limit == MAX_DIGESTS
    assert "already has 10 digests" in str(refused.value)
    await store.set_digest(1, 100, "10:00", "UTC", NOW)  # changing one of the ten is still allowed
    await store.set_digest(2, 999, "09:00", "UTC", NOW)  # another server has its own ten
    assert len(await store.digests(1)) == MAX_DIGESTS


async def test_ten_at_most_even_when_set_at_the_same_time(store: Store) -> None:
    async def attempt(channel: int) -> bool:
        try:
            await store.set_digest(1, channel, "09:00", "UTC", NOW)
        except TooManyDigests:
            return False
        return True

    results = await asyncio.gather(*(attempt(100 + c) for c in range(25)))
    assert sum(results) == MAX_DIGESTS
    assert len(await store.digests(1)) == MAX_DIGESTS


async def test_due_and_next_digests_by_channel(store: Store) -> None:
    await store.set_digest(1, 10, "09:00", "UTC", NOW)
    await store.set_digest(1, 11, "10:00", "UTC", NOW + dt.timedelta(hours=1))
    await store.set_digest(2, 20, "09:00", "UTC", NOW - dt.timedelta(minutes=5))
    due = await store.due_digests(NOW)
    assert [(r.guild_id, r.channel_id) for r in due] == [(2, 20), (1, 10)]  # oldest due first
    assert await store.next_digest_after(NOW) == NOW + dt.timedelta(hours=1)
    await store.reschedule_digest(1, 10, NOW + dt.timedelta(minutes=30), nothing_new_on="2026-03-06")
    row = await store.digest(1, 10)
    assert row is not None
    assert (row.next_due, row.nothing_new_on) == (NOW + dt.timedelta(minutes=30), "2026-03-06")
    assert await store.next_digest_after(NOW) == NOW + dt.timedelta(minutes=30)


async def test_ledger_and_seen_versions_are_per_digest(store: Store) -> None:
    await store.set_digest(1, 10, "09:00", "UTC", NOW)
    await store.set_digest(1, 11, "09:00", "UTC", NOW)
    first = await store.claim_digest(1, 10, "2026-03-06", "nonce-a", NOW)
    again = await store.claim_digest(1, 10, "2026-03-06", "nonce-b", NOW)
    other = await store.claim_digest(1, 11, "2026-03-06", "nonce-c", NOW)
    assert (first.nonce, first.state, first.parts_sent) == ("nonce-a", "sending", 0)
    assert (again.nonce, again.state, again.parts_sent) == ("nonce-a", "sending", 0)  # the earlier claim wins
    assert (first.resumed, again.resumed) == (False, True)  # the second finds a claim left unfinished
    assert again.claimed_at == NOW
    assert other.nonce == "nonce-c"
    await store.digest_part_sent(1, 10, "2026-03-06", 2)
    assert (await store.claim_digest(1, 10, "2026-03-06", "x", NOW)).parts_sent == 2
    tomorrow = NOW + dt.timedelta(days=1)
    await store.finish_digest(1, 10, "2026-03-06", "sent", {"card-a": 2}, tomorrow, NOW, "could not publish")
    assert await store.seen_versions(1, 10) == {"card-a": 2}
    assert await store.seen_versions(1, 11) == {}
    claim = await store.claim_digest(1, 10, "2026-03-06", "x", NOW)
    assert claim.state == "sent"
    row = await store.digest(1, 10)
    assert row is not None
    assert (row.last_date, row.last_posted_at, row.next_due) == ("2026-03-06", NOW, tomorrow)
    assert row.publish_problem == "could not publish"
    await store.finish_digest(1, 11, "2026-03-06", "empty", {}, tomorrow, NOW)
    row = await store.digest(1, 11)
    assert row is not None
    assert (row.last_posted_at, row.nothing_new_on, row.publish_problem) == (None, "2026-03-06", None)
    await store.set_digest(1, 10, "09:00", "UTC", tomorrow)  # setting it again clears the old note
    row = await store.digest(1, 10)
    assert row is not None
    assert row.publish_problem is None


async def test_concurrent_claims_of_one_day_agree_on_one_nonce(store: Store) -> None:
    await store.set_digest(1, 10, "09:00", "UTC", NOW)
    claims = await asyncio.gather(
        *(store.claim_digest(1, 10, "2026-03-06", f"nonce-{i}", NOW) for i in range(20))
    )
    assert len({c.nonce for c in claims}) == 1


async def test_meta_round_trip(store: Store) -> None:
    assert await store.get_meta("k") is None
    await store.set_meta("k", "v1")
    await store.set_meta("k", "v2")
    assert await store.get_meta("k") == "v2"


async def test_leases_give_two_processes_disjoint_digests_and_expire(two_stores: tuple[Store, Store]) -> None:
    first, second = two_stores
    for guild in range(40):
        await first.set_digest(guild, 1000 + guild, "09:00", "UTC", NOW - dt.timedelta(seconds=guild))
    until = NOW + dt.timedelta(seconds=60)
    taken = await asyncio.gather(
        *(store.lease_due(NOW, f"process-{i}", until, 7) for i in range(6) for store in (first, second))
    )
    keys = [(r.guild_id, r.channel_id) for rows in taken for r in rows]
    assert len(keys) == len(set(keys)) == 40  # every due digest once, none twice
    assert await first.lease_due(NOW, "late", until, 100) == []  # all held
    # The holder of some dies; after its lease runs out the digests are anyone's again.
    assert await second.next_digest_after(NOW) == until
    later = until + dt.timedelta(seconds=1)
    await first.reschedule_digest(0, 1000, NOW + dt.timedelta(days=1))  # one was finished meanwhile
    again = await second.lease_due(later, "survivor", later + dt.timedelta(seconds=60), 100)
    assert len(again) == 39
    assert (0, 1000) not in {(r.guild_id, r.channel_id) for r in again}


async def test_a_process_takes_its_own_shards_first_and_others_once_overdue(store: Store) -> None:
    on_shard = {0: [(k << 22) + 1 for k in (2, 4)], 1: [(k << 22) + 1 for k in (3, 5)]}
    for shard, guilds in on_shard.items():
        for guild in guilds:
            await store.set_digest(guild, guild + 1, "09:00", "UTC", NOW - dt.timedelta(seconds=10 * shard))
    until = NOW + dt.timedelta(seconds=30)
    mine = await store.lease_due(NOW, "shard-0", until, 10, Shards(2, (0,), NOW - dt.timedelta(seconds=30)))
    assert sorted(r.guild_id for r in mine) == on_shard[0]
    # Shard 1's digests are ten seconds overdue: with a patience of five seconds they are taken too.
    late = await store.lease_due(NOW, "shard-0", until, 10, Shards(2, (0,), NOW - dt.timedelta(seconds=5)))
    assert sorted(r.guild_id for r in late) == on_shard[1]


async def test_a_paused_or_moved_digest_is_not_leased(store: Store) -> None:
    await store.set_digest(1, 10, "09:00", "UTC", NOW)
    await store.set_digest(1, 11, "09:00", "UTC", NOW)
    await store.pause_digest(1, 11, "missing")
    (row,) = await store.lease_due(NOW, "me", NOW + dt.timedelta(seconds=60), 10)
    assert (row.guild_id, row.channel_id) == (1, 10)
    await store.set_digest(1, 10, "09:00", "UTC", NOW)  # set again: a fresh schedule, no old lease
    assert len(await store.lease_due(NOW, "other", NOW + dt.timedelta(seconds=60), 10)) == 1


async def test_the_rate_budget_spaces_every_process_requests(two_stores: tuple[Store, Store]) -> None:
    interval = 0.05  # 20 requests/s between both

    async def book(store: Store) -> float:
        wait = await store.rate_slot("test", interval)
        return time.time() + wait  # the slot, on our clock, late by the moment since it was booked

    slots = sorted(await asyncio.gather(*(book(s) for _ in range(20) for s in two_stores)))
    # Whatever process booked them, no second holds more than its share: 20, plus one at the edge and two
    # for the noise of reading our clock on a busy machine (two budgets of their own would put 40 there).
    busiest = max(sum(1 for t in slots if start <= t < start + 1.0) for start in slots)
    assert busiest <= 23, slots
    assert slots[-1] - slots[0] >= interval * 39 * 0.9  # and the budget is not spread thinner than asked


async def test_a_named_lock_is_held_by_one_process_at_a_time(two_stores: tuple[Store, Store]) -> None:
    first, second = two_stores
    events: list[str] = []

    async def hold(store: Store, name: str) -> None:
        async with store.lock("command-sync"):
            events.append(f"{name} in")
            await asyncio.sleep(0.2)
            events.append(f"{name} out")

    await asyncio.gather(hold(first, "a"), hold(second, "b"))
    assert events in (["a in", "a out", "b in", "b out"], ["b in", "b out", "a in", "a out"])


async def test_two_processes_setting_digests_at_once_still_stop_at_ten(
    two_stores: tuple[Store, Store],
) -> None:
    async def attempt(store: Store, channel: int) -> bool:
        try:
            await store.set_digest(1, channel, "09:00", "UTC", NOW)
        except TooManyDigests:
            return False
        return True

    results = await asyncio.gather(*(attempt(two_stores[c % 2], 100 + c) for c in range(30)))
    assert sum(results) == MAX_DIGESTS
    assert len(await two_stores[0].digests(1)) == MAX_DIGESTS


async def test_two_processes_claiming_one_day_agree(two_stores: tuple[Store, Store]) -> None:
    first, second = two_stores
    await first.set_digest(1, 10, "09:00", "UTC", NOW)
    claims = await asyncio.gather(
        *(s.claim_digest(1, 10, "2026-03-06", f"nonce-{i}", NOW) for i in range(10) for s in (first, second))
    )
    assert len({c.nonce for c in claims}) == 1


async def test_settings_written_by_two_processes_at_once_all_land(two_stores: tuple[Store, Store]) -> None:
    first = two_stores[0]
    languages = ("en", "zh-Hans", "zh-Hant")
    await asyncio.gather(
        *(two_stores[g % 2].set_guild_language(g, languages[g % 3]) for g in range(60)),
        *(two_stores[u % 2].set_user_language(1000 + u, languages[u % 3]) for u in range(60)),
        *(two_stores[c % 2].set_channel_language(1, 2000 + c, languages[c % 3]) for c in range(60)),
        *(two_stores[k % 2].set_meta(f"key-{k % 5}", f"value-{k}") for k in range(40)),
    )
    # Each process reads what the other wrote: from the database, never from its own memory.
    for n in range(60):
        other = two_stores[(n + 1) % 2]
        assert await other.guild_language(n) == languages[n % 3]
        assert await other.user_language(1000 + n) == languages[n % 3]
        assert await other.channel_language(2000 + n) == languages[n % 3]
    for k in range(5):
        assert await first.get_meta(f"key-{k}") in {f"value-{v}" for v in range(40) if v % 5 == k}
