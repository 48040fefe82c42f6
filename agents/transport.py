"""Faust's aiokafka transport: a shorter consumer fetch wait, and no records
from before a seek.

Records fetched before a seek. After a rebalance faust resumes the assigned
partitions, then seeks them to their committed offsets (Recovery.
on_recovery_completed). A batch fetched in between is still being handed out
after the seek: faust takes its first record beyond the committed offset for
a gap in the partition and counts the offsets in between as processed, so the
next commit passes records no agent saw (with the worker's callbacks
interrupted during the rebalance, those were never delivered at all). Seen in
tests/integration/test_two_workers.py: kill -9 during a rebalance, and the
survivor committed 12 to 15 news items a partition that it never processed.
faust's own fix for the table-less path (faust-streaming#216, #217) orders
the calls; this one does not depend on the order: a record whose offset is
at or past the partition's fetch position was fetched before a seek moved the
position back, so it is dropped here, before faust reads it, and the fetch
from the new position brings it again (in its place, with no gap).

faust 0.15 hard-codes `fetch_max_wait_ms=1500` for the worker's consumer.
aiokafka keeps one fetch in flight per broker, and a partition whose records
are still buffered is left out of it: once the news partition's buffer is
drained, its next records wait for the in-flight fetch of the idle partitions
(observations, changelog) to time out. Measured on the 2.5 KB-item benchmark:
a 1.1 s stall every ~1,000 items, 600 items/s instead of ~3,000. A 100 ms
wait costs an idle worker ten small fetches a second.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

from faust.transport.drivers import aiokafka as faust_aiokafka

log = logging.getLogger(__name__)
FETCH_MAX_WAIT_MS = 100


class ConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        # aiokafka hands this to its Fetcher in start(), which has not run yet
        consumer._fetch_max_wait_ms = FETCH_MAX_WAIT_MS
        return consumer


class Consumer(faust_aiokafka.Consumer):
    #: records dropped for having been fetched before a seek (see the module docstring)
    stale_dropped = 0

    def _new_consumer_thread(self) -> ConsumerThread:
        return ConsumerThread(self, loop=self.loop, beacon=self.beacon)

    async def getmany(self, timeout: float) -> AsyncIterator[tuple[Any, Any]]:  # noqa: ASYNC109 - faust's signature
        dropped: dict[Any, list[int]] = {}
        async for tp, message in super().getmany(timeout):
            if self._fetched_before_a_seek(tp, message.offset):
                dropped.setdefault(tp, []).append(message.offset)
                continue
            yield tp, message
        for tp, offsets in dropped.items():
            self.stale_dropped += len(offsets)
            log.info("%s:%s: %d records (offsets %d to %d) were fetched before a seek "
                     "to %s: dropped, they are fetched again", tp.topic, tp.partition,
                     len(offsets), offsets[0], offsets[-1], self._position(tp))

    def _fetched_before_a_seek(self, tp: Any, offset: int) -> bool:
        # every record aiokafka hands out is below its position: the position moved
        # past it when it was returned, and only a seek moves it back
        position = self._position(tp)
        return position is not None and offset >= position

    def _position(self, tp: Any) -> int | None:
        """aiokafka's fetch position for the partition (None when not known)."""
        try:
            consumer = self._thread._ensure_consumer()
            state = consumer._subscription.subscription.assignment.state_value(tp)
        except Exception:  # not started, unassigned, no subscription
            return None
        if state is None or not state.has_valid_position:
            return None
        return int(state.position)


class Transport(faust_aiokafka.Transport):
    Consumer = Consumer
