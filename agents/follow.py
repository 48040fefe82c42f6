"""Follow one Kafka topic in every worker: the tracked topics, the claims
registry, the webhooks registry (compacted topics, read from the beginning)
and the alerts ring (the last alerts of each partition).

No consumer group: each worker needs all of the topic, not a share of it. The
follower finds the topic's partitions (creating a compacted topic when it is
missing), seeks, hands every record to one callback, and says when it has
caught up with the end offsets it found at its start. It restarts with a
backoff (1 s doubling to 30 s) when anything fails, and keeps each
partition's applied position, so a caller can wait until a record it produced
is applied (`wait_applied`) or until everything produced before now is
(`sync`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

log = logging.getLogger(__name__)
#: the fetch long-poll: how soon a change reaches a follower
FETCH_WAIT_MS = 100
RETRY_FIRST, RETRY_MAX = 1.0, 30.0
#: how often to look again for the partitions of a topic that does not exist yet
DISCOVER_EVERY = 0.5


async def ensure_compacted_topic(bootstrap: list[str], name: str) -> None:
    """Create a compacted one-partition topic when it does not exist."""
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic
    from aiokafka.errors import TopicAlreadyExistsError

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        if name in set(await admin.list_topics()):
            return
        with contextlib.suppress(TopicAlreadyExistsError):
            await admin.create_topics([NewTopic(
                name, num_partitions=1, replication_factor=1,
                topic_configs={"cleanup.policy": "compact"},
            )])
    finally:
        await admin.close()


async def topic_partitions(bootstrap: list[str], name: str) -> set[int]:
    """The partitions of a topic as the broker describes it now (empty while
    the topic does not exist, or a topic just created is not in the metadata
    yet)."""
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics([name])
    finally:
        await admin.close()
    return {int(p["partition"]) for t in described if t.get("topic") == name
            and not t.get("error_code") for p in t.get("partitions") or ()}


#: applies one record; returns what it did (logged), None to log nothing;
#: ValueError for a record it cannot use (logged and skipped)
ApplyRecord = Callable[[Any], "str | None"]


class Follower:
    """One topic followed from the beginning (or its last `backlog` records
    per partition) until cancelled (`run`)."""

    def __init__(self, bootstrap: list[str], topic: str, apply: ApplyRecord, *,
                 what: str, compacted: bool = True, backlog: int | None = None,
                 poll_ms: int = FETCH_WAIT_MS, probe: bool = False,
                 on_caught_up: Callable[[], None] | None = None,
                 on_state: Callable[[bool], None] | None = None) -> None:
        """`what` names the topic in logs; `compacted` creates it (compacted)
        when missing, else the follower waits until it exists; `probe` keeps a
        second connection for `sync`; `on_caught_up` is called once, when the
        end offsets found at the first start are applied; `on_state(up)` when
        following starts (True) or fails (False)."""
        self.bootstrap, self.topic, self.apply, self.what = bootstrap, topic, apply, what
        self.compacted, self.backlog, self.poll_ms = compacted, backlog, poll_ms
        self.probe = probe
        self.on_caught_up, self.on_state = on_caught_up, on_state
        self.caught_up = False
        #: partition -> the next offset to apply (everything before it is applied)
        self.positions: dict[int, int] = {}
        self._consumer: Any = None
        self._probe: Any = None
        self._tps: list[Any] = []
        #: partition -> its end offset when the consumer started
        self._ends: dict[int, int] = {}
        self._advanced = asyncio.Event()

    # -- waiting on the follower --------------------------------------------

    def advance(self, partition: int, position: int) -> None:
        self.positions[partition] = position
        self._advanced.set()
        self._advanced.clear()  # wakes the current waiters only

    async def wait_applied(self, partition: int, offset: int) -> None:
        """Wait until the record at `offset` of `partition` is applied."""
        while self.positions.get(partition, 0) <= offset:
            await self._advanced.wait()

    async def wait_reached(self, ends: Mapping[int, int]) -> None:
        """Wait until every partition is applied up to its offset in `ends`."""
        while any(self.positions.get(p, 0) < end for p, end in ends.items()):
            await self._advanced.wait()

    async def sync(self) -> float:
        """Wait until what was produced before now is applied; return "now".

        The end offsets come over the probe's own connection: on the
        follower's, the request would queue behind the fetch long-poll."""
        if self._probe is None:
            raise RuntimeError(f"{self.what}: not following (or no probe)")
        asked = time.time()
        ends = await self._probe.end_offsets(self._tps)
        await self.wait_reached({tp.partition: end for tp, end in ends.items()})
        return asked

    # -- following ------------------------------------------------------------

    async def run(self) -> None:
        delay = RETRY_FIRST
        while True:
            try:
                await self._start()
                delay = RETRY_FIRST
                await self._follow()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if self.on_state is not None:
                    self.on_state(False)
                log.warning("following %s failed (%s); retrying in %.0f s",
                            self.topic, exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX)
            finally:
                await self._stop()

    async def _partitions(self) -> set[int]:
        if self.compacted:
            await ensure_compacted_topic(self.bootstrap, self.topic)
        while True:  # polling the broker: there is no event to wait on
            parts = await topic_partitions(self.bootstrap, self.topic)
            if parts:
                return parts
            await asyncio.sleep(DISCOVER_EVERY)

    async def _start(self) -> None:
        from aiokafka import AIOKafkaConsumer, TopicPartition

        parts = await self._partitions()
        if self.probe:
            self._probe = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, group_id=None,
                                           enable_auto_commit=False)
            await self._probe.start()
        consumer = self._consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap, group_id=None, enable_auto_commit=False,
            fetch_max_wait_ms=FETCH_WAIT_MS)
        await consumer.start()
        tps = self._tps = [TopicPartition(self.topic, p) for p in sorted(parts)]
        consumer.assign(tps)
        if self.backlog is None:
            # before end_offsets: awaited after it, the seek can lose to the
            # assignment's own reset to the end (seen on aiokafka 0.14)
            await consumer.seek_to_beginning(*tps)
            ends = await consumer.end_offsets(tps)
        else:
            begins = await consumer.beginning_offsets(tps)
            ends = await consumer.end_offsets(tps)
            for tp in tps:
                consumer.seek(tp, max(begins[tp], ends[tp] - self.backlog))
        self._ends = {tp.partition: end for tp, end in ends.items()}
        if self.on_state is not None:
            self.on_state(True)

    async def _follow(self) -> None:
        consumer = self._consumer
        while True:
            if not self.caught_up and all(self.positions.get(p, 0) >= end
                                          for p, end in self._ends.items()):
                self.caught_up = True
                if self.on_caught_up is not None:
                    self.on_caught_up()
            batches = await consumer.getmany(timeout_ms=self.poll_ms)
            for tp, records in batches.items():
                for rec in records:
                    try:
                        did = self.apply(rec)
                    except ValueError as exc:
                        log.warning("%s %s offset %d skipped: %s", self.what, tp.partition,
                                    rec.offset, exc)
                        continue
                    if did is not None:
                        log.info("%s %s offset %d: %s", self.what, tp.partition, rec.offset,
                                 did)
            for tp in self._tps:
                self.advance(tp.partition, await consumer.position(tp))

    async def _stop(self) -> None:
        for name in ("_consumer", "_probe"):
            client = getattr(self, name)
            setattr(self, name, None)
            if client is not None:
                with contextlib.suppress(Exception):
                    await client.stop()
