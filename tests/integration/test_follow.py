"""The one topic-follower (agents.follow) on a real broker: a compacted topic
it creates, records already there and records produced while it follows, a
restart from the beginning."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from agents.follow import Follower

pytestmark = pytest.mark.integration


def servers(broker: str) -> list[str]:
    return [p.split("://", 1)[-1] for p in broker.split(",")]


async def test_follower_applies_every_record_and_says_when_caught_up(broker: str) -> None:
    bootstrap, topic = servers(broker), f"it-{uuid.uuid4().hex[:10]}.follow"
    applied: list[tuple[int, bytes | None]] = []
    at_caught_up: list[int] = []

    def apply(rec: Any) -> str | None:
        if rec.value == b"bad":
            raise ValueError("unusable")  # logged and skipped, the follower goes on
        applied.append((rec.offset, rec.value))
        return None

    async def run_once(expect: int) -> Follower:
        applied.clear()
        at_caught_up.clear()
        follower = Follower(bootstrap, topic, apply, what="test", probe=True,
                            on_caught_up=lambda: at_caught_up.append(len(applied)))
        task = asyncio.ensure_future(follower.run())
        try:
            await asyncio.wait_for(follower.wait_reached({0: expect}), 30)
            assert await asyncio.wait_for(follower.sync(), 10) > 0
        finally:
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        return follower

    first = Follower(bootstrap, topic, apply, what="test")
    await first._partitions()  # creates the compacted topic
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for value in (b"a", b"bad", b"b"):
            await producer.send_and_wait(topic, value, key=value)
        await run_once(3)
        # caught up once the records there at the start were applied
        assert applied == [(0, b"a"), (2, b"b")] and at_caught_up == [2]

        meta = await producer.send_and_wait(topic, b"c", key=b"c")
        follower = await run_once(4)  # a restart reads it all again
        assert applied == [(0, b"a"), (2, b"b"), (3, b"c")]
        await asyncio.wait_for(follower.wait_applied(meta.partition, meta.offset), 1)
    finally:
        await producer.stop()
