"""Webhooks that survive a kill -9: registrations on a compacted topic,
deliveries driven from the alerts topic with each webhook's position committed.

Registrations. `POST /webhooks` publishes the webhook on the compacted topic
claimwatch.webhooks.v1 (key = webhook id, value = {id, url, secret, topics,
created_at}; a tombstone deletes), like tracked topics. Every worker reads the
whole topic from the beginning (no consumer group) and keeps following it, so
a registration survives restarts and is known to every worker. Webhooks from
CLAIMWATCH_WEBHOOKS join them (every worker has the same setting).

Deliveries: the outbox is the alerts topic itself. Each webhook has a consumer
group of its own over it, `<app id>.webhook.<webhook id>`, and every worker
runs one member of each: Kafka gives each partition of the alerts topic to
one member, so each alert is posted by one worker per webhook (not once per
worker), and a slow receiver holds back only its own group. An alert's offset
is committed once it was delivered (a 2xx) or its attempts were spent
(counted as failed), before the next alert is posted. A worker killed in the
middle resumes, in the group's next member or in itself restarted, from the
committed position: the alert in flight is posted again (same id, receivers
dedup by id), none is skipped. At-least-once per webhook, the same promise as
the alerts topic.

Why a group per webhook, not positions on a compacted topic of our own: the
group gives us the partition assignment between workers, the fail-over when a
worker dies (the session timeout) and the committed positions, all with
semantics the broker already defines; a positions topic would need its own
ownership protocol between workers. The cost is one consumer per webhook on
every worker, fine for tens of webhooks.

A new group starts at the webhook's `created_at` (the offsets for that time;
the end of the topic when nothing is newer): a webhook gets the alerts raised
from its registration on, not the topic's history. A configured webhook's
created_at is the worker's start. The start is committed at once, so a worker
restarted later starts where the first one did.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable
from typing import Any

from aiokafka import ConsumerRebalanceListener

from agents.alerts import AlertEvent, WebhookConfig, WebhookSubscriber
from agents.follow import Follower
from agents.settings import Settings

log = logging.getLogger(__name__)
#: a kill between two alerts is what matters: one alert per fetch keeps the
#: time between polls at one alert's worst case (see max_poll_interval below)
MAX_RECORDS = 1


class WebhookRegistry:
    """The known webhooks: the configured ones, and those of the compacted topic."""

    def __init__(self, configured: Iterable[WebhookConfig] = ()) -> None:
        self.configured = {c.id: c for c in configured}
        self.registered: dict[str, WebhookConfig] = {}
        self.ready = asyncio.Event()
        #: called after every change (the outbox starts and stops deliveries)
        self.on_change: Callable[[], None] | None = None

    def get(self, webhook_id: str) -> WebhookConfig | None:
        return self.configured.get(webhook_id) or self.registered.get(webhook_id)

    def all(self) -> list[WebhookConfig]:
        return [*self.configured.values(), *self.registered.values()]

    def apply_message(self, key: bytes | None, value: bytes | None) -> str:
        """One record of the compacted topic; ValueError when it is unusable."""
        if not key:
            raise ValueError("record without a key")
        webhook_id = key.decode("utf-8", "replace")
        if value is None:
            found = self.registered.pop(webhook_id, None) is not None
            self._changed()
            return f"removed {webhook_id}" if found else f"{webhook_id} absent"
        config = WebhookConfig.decode(value)
        if config.id != webhook_id:
            raise ValueError(f"key {webhook_id!r} differs from the webhook id {config.id!r}")
        self.registered[config.id] = config
        self._changed()
        return f"upserted {config.id}"

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()


def webhooks_follower(bootstrap: list[str], name: str, registry: WebhookRegistry) -> Follower:
    """Reads the compacted webhooks topic from the start, marks the registry
    ready once caught up, then keeps applying changes (its `wait_applied`
    tells when a change made over the API is applied here)."""

    def loaded() -> None:
        log.info("webhooks loaded: %s", ", ".join(c.id for c in registry.all()) or "none")
        registry.ready.set()

    return Follower(bootstrap, name, lambda rec: registry.apply_message(rec.key, rec.value),
                    what="webhooks", on_caught_up=loaded)


class _StartAt(ConsumerRebalanceListener):  # type: ignore[misc]
    """A new group (no committed offset) starts at the webhook's created_at."""

    def __init__(self, delivery: WebhookDelivery) -> None:
        self.delivery = delivery

    async def on_partitions_revoked(self, revoked: Any) -> None:
        self.delivery.partitions = set()

    async def on_partitions_assigned(self, assigned: Any) -> None:
        d = self.delivery
        consumer = d.consumer
        for tp in assigned:
            if await consumer.committed(tp) is not None:
                continue
            at = await consumer.offsets_for_times({tp: int(d.config.created_at * 1000)})
            found = at.get(tp)
            start = found.offset if found is not None else (
                await consumer.end_offsets([tp]))[tp]
            consumer.seek(tp, start)
            await consumer.commit({tp: start})
            log.info("webhook %s: new group starts partition %d at offset %d",
                     d.config.id, tp.partition, start)
        d.partitions = {tp.partition for tp in assigned}


class WebhookDelivery:
    """One webhook's member of its consumer group over the alerts topic."""

    def __init__(self, config: WebhookConfig, settings: Settings, metrics: Any,
                 session: Any) -> None:
        s = settings
        self.config = config
        self.settings = settings
        self.subscriber = WebhookSubscriber(
            config, metrics, session, max_attempts=s.webhook_attempts,
            base_delay=s.webhook_backoff_seconds, max_delay=s.webhook_backoff_max_seconds,
            timeout=s.webhook_timeout_seconds, allow_private=s.webhook_allow_private)
        self.group = f"{s.app_id}.webhook.{config.id}"
        self.consumer: Any = None
        #: the alerts partitions this worker delivers for this webhook
        self.partitions: set[int] = set()
        #: partition -> the offset after the last alert handled here
        self.next_offset: dict[int, int] = {}
        self.task: asyncio.Future[None] | None = None

    def start(self) -> None:
        if self.task is None:
            self.task = asyncio.ensure_future(self.run())

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task
            self.task = None

    def status(self) -> dict[str, Any]:
        """For GET /webhooks: this worker's share of the webhook and what waits in it."""
        pending = 0
        consumer = self.consumer
        if consumer is not None:
            for tp in consumer.assignment():
                high, done = consumer.highwater(tp), self.next_offset.get(tp.partition)
                if high is not None and done is not None:
                    pending += max(0, high - done)
        return {**self.config.public(), "partitions": sorted(self.partitions),
                "pending": pending, "delivered": self.subscriber.delivered,
                "failed": self.subscriber.failed}

    def _consumer(self) -> Any:
        from aiokafka import AIOKafkaConsumer

        s = self.settings
        # a member that does not poll within max_poll_interval leaves the group:
        # allow one alert's worst case (every attempt timing out) and a margin
        poll_ms = int(1000 * (self.subscriber.worst_case_seconds() + 60))
        session_ms = int(s.session_timeout * 1000)
        return AIOKafkaConsumer(
            bootstrap_servers=s.bootstrap_servers, group_id=self.group,
            client_id=f"claimwatch-webhook-{self.config.id}", enable_auto_commit=False,
            auto_offset_reset="earliest", fetch_max_wait_ms=200,
            max_poll_interval_ms=max(300_000, poll_ms), session_timeout_ms=session_ms,
            heartbeat_interval_ms=max(1000, min(3000, session_ms // 3)))

    async def run(self) -> None:
        delay = 1.0
        while True:
            self.consumer = self._consumer()
            try:
                await self.consumer.start()
                self.consumer.subscribe([self.settings.alerts_topic], listener=_StartAt(self))
                delay = 1.0
                while True:
                    await self._poll()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("webhook %s: the delivery consumer failed (%r); again in %.0f s",
                            self.config.id, exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
            finally:
                consumer, self.consumer, self.partitions = self.consumer, None, set()
                with contextlib.suppress(Exception):
                    await consumer.stop()

    async def _poll(self) -> None:
        from aiokafka.errors import CommitFailedError

        consumer = self.consumer
        batches = await consumer.getmany(timeout_ms=1000, max_records=MAX_RECORDS)
        for tp, records in batches.items():
            for rec in records:
                if tp not in consumer.assignment():
                    break  # revoked meanwhile: its next member posts the rest
                await self._handle(rec)
                self.next_offset[tp.partition] = rec.offset + 1
                try:
                    await consumer.commit({tp: rec.offset + 1})
                except CommitFailedError:
                    # the group rebalanced during the post: the partition's next
                    # owner posts this alert again (same id), then goes on
                    log.info("webhook %s: alert at %d:%d posted, its commit lost to a "
                             "rebalance", self.config.id, tp.partition, rec.offset)
                    break

    async def _handle(self, rec: Any) -> None:
        try:
            event = AlertEvent.from_kafka(rec.headers, rec.value)
        except (ValueError, UnicodeDecodeError) as exc:
            log.warning("webhook %s: alerts %d offset %d unreadable: %s", self.config.id,
                        rec.partition, rec.offset, exc)
            return
        if event.matches(self.config.topics):
            await self.subscriber.deliver(event)


class WebhookOutbox:
    """Starts, replaces and stops one WebhookDelivery per known webhook."""

    def __init__(self, settings: Settings, metrics: Any, registry: WebhookRegistry) -> None:
        self.settings = settings
        self.metrics = metrics
        self.registry = registry
        self.deliveries: dict[str, WebhookDelivery] = {}
        self._session: Any = None
        self._stopping: set[asyncio.Future[None]] = set()

    async def start(self) -> None:
        import aiohttp

        from agents.netguard import guarded_resolver

        if self._session is None:
            resolver = guarded_resolver(self.settings.webhook_allow_private)
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(resolver=resolver))
        self.registry.on_change = self.sync
        self.sync()

    def sync(self) -> None:
        """Make the running deliveries match the registry."""
        if self._session is None:
            return
        wanted = {c.id: c for c in self.registry.all()}
        for webhook_id in list(self.deliveries):
            current = self.deliveries[webhook_id]
            config = wanted.get(webhook_id)
            if config is None or not config.same_delivery(current.config):
                self._stop_later(self.deliveries.pop(webhook_id))
        for webhook_id, config in wanted.items():
            if webhook_id not in self.deliveries:
                delivery = WebhookDelivery(config, self.settings, self.metrics, self._session)
                self.deliveries[webhook_id] = delivery
                delivery.start()

    def _stop_later(self, delivery: WebhookDelivery) -> None:
        self._stopping = {t for t in self._stopping if not t.done()}
        self._stopping.add(asyncio.ensure_future(delivery.stop()))

    def status(self) -> list[dict[str, Any]]:
        return [d.status() for d in self.deliveries.values()]

    async def stop(self) -> None:
        self.registry.on_change = None
        for delivery in list(self.deliveries.values()):
            await delivery.stop()
        self.deliveries.clear()
        for task in list(self._stopping):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._session is not None:
            await self._session.close()
            self._session = None
