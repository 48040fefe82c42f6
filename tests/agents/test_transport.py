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
