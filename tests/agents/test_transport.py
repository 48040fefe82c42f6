"""The worker's consumer drops records fetched before a seek (agents.transport).

After a rebalance faust seeks the assigned partitions back to their committed
offsets while a batch fetched from the old position may still be handed out;
faust took its first record for a gap and committed past records no agent
saw. Here the consumer's fetch position is a fake aiokafka partition state:
what a user would notice is which records reach the agents, in which order.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TP

from agents.transport import Consumer

NEWS = TP("news", 2)


def consumer(positions: dict[Any, int | None]) -> Consumer:
    def state_value(tp: Any) -> Any:
        if tp not in positions:
            return None
        pos = positions[tp]
        return SimpleNamespace(has_valid_position=pos is not None, position=pos)

    aio = SimpleNamespace(_subscription=SimpleNamespace(subscription=SimpleNamespace(
        assignment=SimpleNamespace(state_value=state_value))))
    c = Consumer.__new__(Consumer)
    c._thread = SimpleNamespace(_ensure_consumer=lambda: aio)  # type: ignore[assignment]
    c._is_changelog_tp = lambda tp: tp.topic.endswith("-changelog")  # type: ignore[method-assign]
    c.app = SimpleNamespace(consumer_generation_id=1)  # type: ignore[assignment]
    c._sought_generation = 1  # the seek of the current assignment is done
    c._unsought = {}
    return c


@pytest.fixture
def batch(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, Any]]:
    """What faust's own getmany yields (one fetched batch)."""
    records: list[tuple[Any, Any]] = []

    async def getmany(self: Any, timeout: float) -> Any:  # noqa: ASYNC109 - faust's signature
        for tp, message in list(records):
            yield tp, message

    monkeypatch.setattr(faust_aiokafka.Consumer, "getmany", getmany)
    return records


async def test_a_batch_fetched_before_a_seek_back_is_dropped_and_read_again(
        batch: list[tuple[Any, Any]]) -> None:
    positions: dict[Any, int | None] = {NEWS: 81}
    c = consumer(positions)
    key = NEWS
    batch += [(key, SimpleNamespace(offset=o)) for o in range(50, 81)]
    # a batch handed out in the normal way: every record is below the position
    assert [m.offset for _, m in [x async for x in c.getmany(1.0)]] == list(range(50, 81))
    # the seek to the committed offset 38 happens while that batch is handed out
    positions[key] = 38
    assert [x async for x in c.getmany(1.0)] == []
    assert c.stale_dropped == 31
    # the fetch from 38 brings everything again, in order, from 38
    batch[:] = [(key, SimpleNamespace(offset=o)) for o in range(38, 81)]
    positions[key] = 81
    assert [m.offset for _, m in [x async for x in c.getmany(1.0)]] == list(range(38, 81))


async def test_a_partition_without_a_known_position_is_left_alone(
        batch: list[tuple[Any, Any]]) -> None:
    c = consumer({TP("news", 0): None})
    batch += [(TP("news", 0), SimpleNamespace(offset=5)),
              (TP("news", 1), SimpleNamespace(offset=7))]
    assert [m.offset for _, m in [x async for x in c.getmany(1.0)]] == [5, 7]


@pytest.fixture
def fetches(monkeypatch: pytest.MonkeyPatch) -> list[tuple[dict[Any, list[Any]], int]]:
    """Batches as aiokafka hands them to faust's getmany, each with how many of
    its records faust yields before it stops (a rebalance began)."""
    queued: list[tuple[dict[Any, list[Any]], int]] = []

    async def wait_next_records(self: Any, timeout: float) -> Any:  # noqa: ASYNC109
        return queued[0][0], set(queued[0][0])

    async def getmany(self: Any, timeout: float) -> Any:  # noqa: ASYNC109 - faust's signature
        records, _ = await self._wait_next_records(timeout)
        records_and_count = queued.pop(0)
        flat = [(tp, r) for tp, rs in records.items() for r in rs]
        for tp, record in flat[:records_and_count[1]]:
            yield tp, record

    monkeypatch.setattr(faust_aiokafka.Consumer, "_wait_next_records", wait_next_records)
    monkeypatch.setattr(faust_aiokafka.Consumer, "getmany", getmany)
    return queued


def seeking(c: Consumer, positions: dict[Any, int | None], assigned: set[Any],
            ) -> list[tuple[Any, int]]:
    sought: list[tuple[Any, int]] = []

    async def seek(tp: Any, offset: int) -> None:
        sought.append((tp, offset))
        positions[tp] = offset

    c.seek = seek  # type: ignore[method-assign]
    c.assignment = lambda: assigned  # type: ignore[method-assign]
    return sought


def records(tp: Any, offsets: range) -> dict[Any, list[Any]]:
    return {tp: [SimpleNamespace(offset=o) for o in offsets]}


async def test_records_faust_leaves_unhanded_are_fetched_again_in_their_place(
        fetches: list[tuple[dict[Any, list[Any]], int]]) -> None:
    positions: dict[Any, int | None] = {NEWS: 74}
    c = consumer(positions)
    sought = seeking(c, positions, {NEWS})
    # aiokafka handed out 39..73 (its position is past them); faust yields 7 and stops
    fetches.append((records(NEWS, range(39, 74)), 7))
    assert [m.offset for _, m in [x async for x in c.getmany(1.0)]] == list(range(39, 46))
    assert sought == [(NEWS, 46)]
    # the next fetch starts at 46: the reader meets no hole (faust would count one
    # as processed, and the next commit would pass 46..73)
    positions[NEWS] = 74
    fetches.append((records(NEWS, range(46, 74)), 28))
    assert [m.offset for _, m in [x async for x in c.getmany(1.0)]] == list(range(46, 74))
    assert sought == [(NEWS, 46)]
    assert c.refetched == 1


async def test_a_partition_sought_back_or_revoked_meanwhile_is_left_to_that(
        fetches: list[tuple[dict[Any, list[Any]], int]]) -> None:
    other = TP("news", 3)
    # news:2 was sought back to its committed offset (below the records left);
    # news:3 was revoked: its next owner starts from the committed offset
    positions: dict[Any, int | None] = {NEWS: 30, other: 90}
    c = consumer(positions)
    sought = seeking(c, positions, {NEWS})
    fetches.append(({**records(NEWS, range(39, 50)), **records(other, range(80, 90))}, 0))
    assert [x async for x in c.getmany(1.0)] == []
    assert sought == []


async def test_a_standby_changelog_left_unhanded_is_read_again_from_its_first_record(
        fetches: list[tuple[dict[Any, list[Any]], int]]) -> None:
    # a standby replica's first batch of its changelog, cut off by faust's reader
    # (its flow stopped as the streams resumed): the standby would apply 41 on and
    # persist offset 41 past the 41 records it never saw, and a worker promoted
    # from it later lacks those claims
    standby = TP("app-claims-changelog", 2)
    positions: dict[Any, int | None] = {standby: 41}
    c = consumer(positions)
    sought = seeking(c, positions, {standby})
    fetches.append((records(standby, range(0, 41)), 0))
    assert [x async for x in c.getmany(1.0)] == []
    assert sought == [(standby, 0)]
    positions[standby] = 41  # the fetch from 0 brings them again
    fetches.append((records(standby, range(0, 41)), 41))
    assert [m.offset for _, m in [x async for x in c.getmany(1.0)]] == list(range(41))
    assert sought == [(standby, 0)]


async def test_records_before_the_seek_of_a_new_assignment_wait_for_it(
        fetches: list[tuple[dict[Any, list[Any]], int]], monkeypatch: pytest.MonkeyPatch,
        ) -> None:
    changelog = TP("app-items-changelog", 2)
    positions: dict[Any, int | None] = {NEWS: 54, changelog: 20}
    c = consumer(positions)
    sought = seeking(c, positions, {NEWS, changelog})
    c.app.consumer_generation_id = 2  # a new assignment; its seek is still to come
    # aiokafka fetched the new partition from the committed offset it looked up
    # itself: nothing of it reaches faust's reader yet (a table's recovery still
    # reads its changelog)
    fetches.append(({**records(NEWS, range(32, 54)), **records(changelog, range(10, 20))},
                    32))
    assert [(tp.topic, m.offset) for tp, m in [x async for x in c.getmany(1.0)]] == [
        ("app-items-changelog", o) for o in range(10, 20)]
    assert c.unsought_dropped == 22

    async def seek_to_committed(self: Any) -> None:
        positions[NEWS] = 32  # faust's seek: aiokafka back at the committed offset
    monkeypatch.setattr(faust_aiokafka.Consumer, "perform_seek", seek_to_committed)
    await c.perform_seek()
    assert sought == []  # the seek itself brings them again
    positions[NEWS] = 54
    fetches.append((records(NEWS, range(32, 54)), 22))
    assert [m.offset for _, m in [x async for x in c.getmany(1.0)]] == list(range(32, 54))


async def test_records_dropped_while_the_seek_was_on_its_way_are_sought_again(
        fetches: list[tuple[dict[Any, list[Any]], int]], monkeypatch: pytest.MonkeyPatch,
        ) -> None:
    positions: dict[Any, int | None] = {NEWS: 40}
    c = consumer(positions)
    sought = seeking(c, positions, {NEWS})
    c.app.consumer_generation_id = 2

    async def seek_to_committed(self: Any) -> None:
        # aiokafka moved back to 32 and fetched 32..39 before faust's seek returned
        fetches.append((records(NEWS, range(32, 40)), 8))
        assert [x async for x in c.getmany(1.0)] == []
    monkeypatch.setattr(faust_aiokafka.Consumer, "perform_seek", seek_to_committed)
    await c.perform_seek()
    assert sought == [(NEWS, 32)]
