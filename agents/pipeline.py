"""What one worker's stages share: its settings, faust.App, topics and tables,
registries, followers, metrics, the detector and the ways to send.

The stages (agents.detect, agents.track, agents.web, agents.page) receive a
Pipeline; agents.app builds one and wires the stages onto it, so nothing here
imports a stage and no stage imports agents.app.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from importlib.metadata import PackageNotFoundError, version
from typing import Any, TypeVar

import faust

from agents.alerts import AlertHub, alerts_follower, parse_webhooks_setting
from agents.claims import ClaimRegistry, claims_follower, encode_claim
from agents.ingest import Deduplicator, dead_letter
from agents.items import ProcessedItems
from agents.metrics import Metrics
from agents.outbox import WebhookOutbox, WebhookRegistry, webhooks_follower
from agents.settings import Settings
from agents.topics import TopicFileError, TopicRegistry, load_topics_file, topics_follower
from detector import Topic
from schemas.records import DeadLetter
from schemas.records import Observation as ObservationRecord

log = logging.getLogger(__name__)
T = TypeVar("T")

#: builds a detector for the given topics; the object needs set_topics,
#: may_concern and detect_opening (detector.Detector's)
DetectorFactory = Callable[[list[Topic]], Any]


def claimwatch_version() -> str:
    """The installed version, else the one in the source tree's pyproject.toml."""
    try:
        return version("claimwatch")
    except PackageNotFoundError:
        pass
    import tomllib
    from pathlib import Path

    try:
        with (Path(__file__).resolve().parent.parent / "pyproject.toml").open("rb") as f:
            return str(tomllib.load(f)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "0.0.0+unknown"


def default_detector_factory(settings: Settings) -> DetectorFactory:
    def build(topics: list[Topic]) -> Any:
        from detector import Detector

        detector = Detector(topics, model=settings.spacy_model,
                            helpers=settings.parse_helpers)
        detector.parser.start()  # the helpers load their pipelines here, off the loop
        return detector

    return build


class Pipeline:
    """One worker's app and everything its agents share."""

    def __init__(
        self,
        settings: Settings,
        *,
        detector_factory: DetectorFactory | None = None,
        metrics: Metrics | None = None,
        topics: Iterable[Topic] | None = None,
    ) -> None:
        self.settings = settings
        self.metrics = metrics or Metrics(version=claimwatch_version())
        self.detector_factory = detector_factory or default_detector_factory(settings)
        self.registry = TopicRegistry(topics or ())
        self.initial_topics = topics
        self.dedup = Deduplicator(settings.dedup_capacity)
        self.claim_registry = ClaimRegistry()
        self.detector: Any = None
        self._detector_task: asyncio.Future[Any] | None = None
        self._executor: ThreadPoolExecutor | None = None
        #: when the news agent last consumed a batch (for /health); see consumed()
        self.last_consumed: float | None = None
        #: the agents, set by agents.app when it wires this pipeline
        self.detect_agent: Any = None
        self.track_agent: Any = None
        s = settings
        try:
            configured = parse_webhooks_setting(s.webhooks)
        except ValueError as exc:
            raise SystemExit(f"claimwatch: {exc}") from None
        self.hub = AlertHub(
            self.metrics, ring_size=s.alerts_ring, listener_queue=s.subscriber_queue
        )
        #: the configured webhooks and those registered on the compacted topic
        self.webhooks = WebhookRegistry(configured)
        self.outbox = WebhookOutbox(s, self.metrics, self.webhooks)
        b = s.bootstrap_servers
        self.topics_follower = topics_follower(b, s.topics_topic, self.registry)
        self.claims_follower = claims_follower(b, s.claims_topic, self.claim_registry)
        self.alerts_follower = alerts_follower(b, s.alerts_topic, self.hub)
        self.webhooks_follower = webhooks_follower(b, s.webhooks_topic, self.webhooks)
        self.app = faust.App(
            s.app_id,
            broker=s.faust_broker,
            store=s.store,
            datadir=str(s.data_dir / s.app_id),
            web_host=s.web_host,
            web_bind=s.web_host,
            web_port=s.web_port,
            topic_partitions=s.partitions,
            topic_replication_factor=1,
            processing_guarantee="at_least_once",
            consumer_auto_offset_reset="earliest",
            broker_session_timeout=s.session_timeout,
            broker_heartbeat_interval=min(3.0, s.session_timeout / 3),
            autodiscover=False,
            web_router_enabled=False,
            web_tables_enabled=False,
            web_graph_enabled=False,
            web_stats_enabled=False,
            version=1,
        )
        if self.app.conf.broker_consumer[0].scheme == "kafka":
            from agents.transport import Transport

            self.app.transport = Transport(self.app.conf.broker_consumer, self.app)
        self.news_topic = self.app.topic(
            s.news_topic, key_serializer="raw", value_serializer="raw", partitions=s.partitions
        )
        self.observations_topic = self.app.topic(
            s.observations_topic,
            key_type=str,
            key_serializer="raw",
            value_type=ObservationRecord,
            partitions=s.partitions,
        )
        self.alerts_topic = self.app.topic(
            s.alerts_topic, key_serializer="raw", value_serializer="raw", partitions=s.partitions
        )
        self.deadletter_topic = self.app.topic(
            s.deadletter_topic, key_serializer="raw", value_type=DeadLetter, partitions=s.partitions
        )
        self.claims = self.app.Table("claims", default=None, partitions=s.partitions)
        #: news item id -> the observations it produced, "text:<digest>" -> item id,
        #: kept items_retention_seconds; co-partitioned with the news topic
        self.items = self.app.Table("items", default=None, partitions=s.partitions)
        self.processed_items = ProcessedItems(self.items, s.items_retention_seconds)
        self.items.on_recover(self._items_recovered)

    async def _items_recovered(self) -> None:
        self.processed_items.rebuild()

    async def follow_claims(self) -> None:
        await self.claims_follower.run()

    async def follow_alerts(self) -> None:
        await self.alerts_follower.run()

    async def deliver_webhooks(self) -> None:
        await self.outbox.start()
        try:
            await self.webhooks_follower.run()
        finally:
            await self.outbox.stop()

    # -- lifecycle -----------------------------------------------------------

    def load_file_topics(self) -> None:
        """Start from the topics file (unless topics were given explicitly)."""
        if self.initial_topics is not None:
            return
        path = self.settings.resolved_topics_file()
        if not path.exists():
            log.warning("no topics file at %s: tracking only the compacted topic", path)
            return
        try:
            topics = load_topics_file(path)
        except TopicFileError as exc:
            raise SystemExit(f"claimwatch: {exc}") from None
        self.registry.replace_all(topics)
        log.info("%d tracked topics from %s", len(topics), path)

    async def follow_topics(self) -> None:
        self.load_file_topics()
        await self.topics_follower.run()

    async def load_detector(self) -> Any:
        """Build the detector once, off the event loop (loading spaCy takes seconds)."""
        if self.detector is None:
            if self._detector_task is None:
                self._detector_task = asyncio.ensure_future(
                    self.run_detector(self.detector_factory, self.registry.topics())
                )
            self.detector = await self._detector_task
            log.info("detector ready")
        return self.detector

    async def run_detector(self, fn: Callable[..., T], *args: Any) -> T:
        """Run detector work on one dedicated thread: calls are serialized, and
        the event loop stays free for heartbeats and the web views meanwhile."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="claimwatch-detect")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(fn, *args))

    # -- sending -------------------------------------------------------------

    async def send_observation(self, rec: ObservationRecord) -> None:
        await self.observations_topic.send(key=rec.claim_id, value=rec)

    async def send_claim(self, claim: dict[str, Any]) -> None:
        """Publish a claim the detector opened (agents.claims.claim_dict), and wait
        for the broker's ack."""
        await self.app.producer.send_and_wait(
            self.settings.claims_topic,
            claim["id"].encode("utf-8"),
            encode_claim(claim),
            partition=None,
            timestamp=None,
            headers=None,
        )
        self.claim_registry.published(claim)

    async def flush(self) -> None:
        """Wait until everything sent so far (table changelog writes included)
        is acked by the broker."""
        await self.app.producer.flush()

    async def claims_current(self, max_wait: float = 10.0) -> bool:
        """Wait until the claims published before now are in the registry (or
        `max_wait`); False when that could not be confirmed."""
        try:
            await asyncio.wait_for(self.claims_follower.sync(), max_wait)
        except Exception as exc:  # a timeout, no probe, the broker away
            log.warning("claims registry not confirmed current (%r)", exc)
            return False
        return True

    async def send_alert(
        self, claim_id: str, value: bytes, headers: Sequence[tuple[str, bytes]]
    ) -> None:
        """Send an alert and wait for the broker's ack (raises if it fails).

        `Topic.send` only queues the record in the producer and returns its
        delivery future; the claim state may be written only once the alert
        is in Kafka (agents.track), so the future is awaited here."""
        delivered = await self.alerts_topic.send(
            key=claim_id.encode("utf-8"), value=value, headers=list(headers)
        )
        await delivered

    async def send_dead_letter(self, rec: DeadLetter) -> Awaitable[Any]:
        """Queue a dead letter; the returned awaitable is the broker's ack."""
        return await self.deadletter_topic.send(key=None, value=rec)

    async def dead_letter_event(
        self, event: Any, reason: str, detail: str, item_id: str | None = None
    ) -> Awaitable[Any]:
        """Dead-letter the message of an event (every stage's one way to do it);
        await the result before the event may be acked."""
        msg = event.message
        value, key = msg.value, msg.key
        # the raw bytes off the wire; a message made in-process carries the object
        if value is not None and not isinstance(value, bytes):
            value = value.dumps() if hasattr(value, "dumps") else str(value).encode()
        if key is not None and not isinstance(key, bytes):
            key = str(key).encode()
        return await self.send_dead_letter(
            dead_letter(
                reason=reason,
                detail=detail,
                topic=msg.topic,
                partition=msg.partition,
                offset=msg.offset,
                value=value,
                key=key,
                timestamp=msg.timestamp,
                item_id=item_id,
                max_bytes=self.app.conf.producer_max_request_size,
            )
        )

    async def stop_unacked(self, events: Sequence[Any], exc: BaseException) -> None:
        """Stop the worker without acking `events` (their outputs, a dead
        letter say, may be lost): faust would otherwise ack them as the stream
        unwinds and commit past them; after a restart they are read again."""
        for event in events:
            # Message.ack does nothing for a message marked acked, so its
            # offset never reaches the consumer's acked set or a commit
            event.message.acked = True
        await self.app.crash(exc)

    # -- state for /health ---------------------------------------------------

    def consumed(self, at: float) -> None:
        """The news agent consumed a batch at `at` (for /health and the gauge)."""
        self.last_consumed = at
        self.metrics.last_consumed.set(at)

    def source_partitions(self) -> list[str]:
        """Assigned partitions of the topics the agents consume."""
        wanted = {self.settings.news_topic, self.settings.observations_topic}
        try:
            assigned = self.app.consumer.assignment()
        except Exception:
            return []
        return sorted(f"{tp.topic}:{tp.partition}" for tp in assigned if tp.topic in wanted)

    @property
    def consuming(self) -> bool:
        return (
            self.detector is not None
            and self.registry.ready.is_set()
            and bool(self.source_partitions())
        )
