"""Faust's aiokafka transport: a shorter consumer fetch wait, and every record
of the agents' partitions handed to faust's reader once, in order, after the
seek of its assignment (faust's own reader loses some around a rebalance).

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

Records before the seek of a new assignment. Between an assignment and the
seek faust makes once its tables are recovered, aiokafka fetches the new
partitions from the committed offsets it looked up itself, and faust's reader
takes those records in: its streams skip them (flow stopped, older
generation), while its read offsets then point past records no agent saw,
and the seek's new read offset sits below the next record that comes (taken
for a gap, counted as processed). So until that seek is done in the current
generation, records of the agents' partitions are dropped here (the seek
brings them again); those dropped while the seek was on its way, after
aiokafka had moved back, are sought again once it is done.

Records faust leaves unhanded. faust's getmany takes a batch from aiokafka
(whose position then stands past the whole batch) and yields it record by
record; it stops early when the consumer generation changes or the flow
stops, and silently skips the records of a partition that is not in its
active set at that moment (the set is shared, and a rebalance pauses and
resumes partitions under it). When no seek follows, the partition's next
records come after a hole, which faust takes for a gap in the partition
(counted as processed): the next commit passes records no agent saw. Seen in
tests/integration/test_two_workers.py with the kill a moment after the
rebalance began: the survivor, given the dead worker's partitions, skipped
13 news items of one partition and 17 observations of another. So after
every batch, a partition whose records were not all handed out is sought
back to the first one left (unless a seek moved its position back already),
and they come again, in order. The tables' changelog partitions the same: a
standby replica reads its changelog through the same reader, and records it
skipped stayed missing (the table's recovery seeks a changelog only when a
rebalance begins, to the offset the table has persisted, which later records
had moved past). Seen in the same test: the survivor, promoted from standby to
active, lacked claims its changelog held (27 in CI, 55 in a local run), all
from the first records the standby read, so GET /claims never listed them and
their next observations would have started them afresh.

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
from collections.abc import AsyncIterator, Mapping, Sequence
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
    """faust's consumer, with the record handling the module docstring describes."""

    #: records dropped for having been fetched before a seek
    stale_dropped = 0
    #: records dropped for coming before the seek of their assignment
    unsought_dropped = 0
    #: partitions sought back to records faust left unhanded
    refetched = 0
    #: the consumer generation whose seek to the committed offsets is done
    _sought_generation: int | None = None
    #: the records of the last batch aiokafka handed to faust's getmany (replaced, never changed)
    _batch: Mapping[Any, Sequence[Any]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: partition -> the first record dropped before the seek of its assignment
        self._unsought: dict[Any, int] = {}

    def _new_consumer_thread(self) -> ConsumerThread:
        return ConsumerThread(self, loop=self.loop, beacon=self.beacon)

    async def _wait_next_records(self, timeout: float) -> tuple[Any, Any]:  # noqa: ASYNC109
        records, active = await super()._wait_next_records(timeout)
        self._batch = records or {}
        return records, active

    async def perform_seek(self) -> None:
        generation = self.app.consumer_generation_id
        await super().perform_seek()
        self._sought_generation = generation
        early, self._unsought = self._unsought, {}
        for tp, offset in early.items():
            position = self._position(tp)
            # dropped after aiokafka moved back (the seek was on its way): seek again
            if position is not None and position > offset and tp in self.assignment():
                log.info("%s:%s: records from offset %d came during the seek to the "
                         "committed offsets: fetched again", tp.topic, tp.partition, offset)
                await self.seek(tp, offset)

    async def getmany(self, timeout: float) -> AsyncIterator[tuple[Any, Any]]:  # noqa: ASYNC109 - faust's signature
        self._batch = {}
        dropped: dict[Any, list[int]] = {}
        handed: dict[Any, int] = {}  # partition -> the last offset handed to faust's reader
        async for tp, message in super().getmany(timeout):
            # asked per record: the seek can complete while a batch is handed out
            if (self._sought_generation != self.app.consumer_generation_id
                    and not self._is_changelog_tp(tp)):
                self.unsought_dropped += 1
                if message.offset < self._unsought.get(tp, message.offset + 1):
                    self._unsought[tp] = message.offset
                handed[tp] = message.offset  # the seek to come is what brings it again
                continue
            if self._fetched_before_a_seek(tp, message.offset):
                dropped.setdefault(tp, []).append(message.offset)
                continue
            handed[tp] = message.offset
            yield tp, message
        for tp, offsets in dropped.items():
            self.stale_dropped += len(offsets)
            log.info("%s:%s: %d records (offsets %d to %d) were fetched before a seek "
                     "to %s: dropped, they are fetched again", tp.topic, tp.partition,
                     len(offsets), offsets[0], offsets[-1], self._position(tp))
        await self._fetch_unhanded(self._batch, handed)

    async def _fetch_unhanded(self, batch: Mapping[Any, Sequence[Any]],
                              handed: Mapping[Any, int]) -> None:
        """Seek each partition of `batch` (the agents' and the tables' changelogs)
        back to its first record faust did not hand out, unless a seek has moved the
        partition's position back since."""
        assigned = None
        for tp, records in batch.items():
            last = handed.get(tp)
            if not records or (last is not None and last >= records[-1].offset):
                continue  # all handed out: the common case
            left = [r.offset for r in records if last is None or r.offset > last]
            position = self._position(tp)
            if position is None or position <= left[0]:
                continue  # sought back already: the fetch from there brings them
            if assigned is None:
                assigned = self.assignment()
            if tp not in assigned:
                continue  # revoked: its next owner starts from the committed offset
            self.refetched += 1
            log.info("%s:%s: %d records (offsets %d to %d) were fetched but not handed "
                     "out (faust's reader stopped or skipped them): fetched again from %d",
                     tp.topic, tp.partition, len(left), left[0], left[-1], left[0])
            await self.seek(tp, left[0])

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
