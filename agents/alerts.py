"""Alerts to live subscribers: the ring of recent alerts, SSE listeners, and the
webhook pieces (a webhook's config, the signature, one delivery with retries).

Every worker follows the whole alerts topic (no consumer group, like the
tracked-topics follower) into a bounded ring of recent alerts: GET /alerts and
GET /alerts/stream (SSE) on any worker show every worker's alerts, and a
client that comes back with `Last-Event-ID` resumes from the ring, or from the
alerts topic when the ring has moved past its id.

Webhooks are delivered from the alerts topic too, but each in a consumer
group of its own with its position committed after every alert
(agents.outbox): nothing waits in memory, so a kill -9 loses no delivery.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from agents.deliver import alert_type_of, parse_cloudevent
from agents.follow import Follower, topic_partitions

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Claimwatch-Signature"
STRUCTURED_CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"


# -- events -------------------------------------------------------------------

@dataclass(frozen=True)
class AlertEvent:
    """One alert as a structured CloudEvent (attributes plus data)."""

    event: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.event.get("id", ""))

    @property
    def type(self) -> str:
        return str(self.event.get("type", ""))

    @property
    def alert_type(self) -> str:
        return alert_type_of(self.type)

    @property
    def topic(self) -> str | None:
        data = self.event.get("data") or {}
        claim = data.get("claim") or {}
        topic = claim.get("topic")
        return str(topic) if topic is not None else None

    def matches(self, topics: Iterable[str] | None = None, types: Iterable[str] | None = None,
                ) -> bool:
        if topics and self.topic not in set(topics):
            return False
        if types:
            wanted = set(types)
            if self.type not in wanted and self.alert_type not in wanted:
                return False
        return True

    def body(self) -> bytes:
        """The structured-mode JSON (application/cloudevents+json)."""
        return json.dumps(self.event, ensure_ascii=False, sort_keys=True,
                          separators=(",", ":")).encode("utf-8")

    @classmethod
    def from_kafka(cls, headers: Any, value: bytes | None) -> AlertEvent:
        event = parse_cloudevent(headers, value or b"")
        event.setdefault("datacontenttype", "application/json")
        return cls(event)


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The signature header value: `t=<unix>,v1=<hex HMAC-SHA256 of "t.body">`."""
    t = int(time.time()) if timestamp is None else int(timestamp)
    mac = hmac.new(secret.encode("utf-8"), f"{t}.".encode("ascii") + body, hashlib.sha256)
    return f"t={t},v1={mac.hexdigest()}"


def verify(secret: str, body: bytes, header: str, tolerance: float | None = 300.0,
           now: float | None = None) -> bool:
    """Check a signature header (what a receiver does); `tolerance` bounds its age."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        t = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if tolerance is not None and abs((now or time.time()) - t) > tolerance:
        return False
    expected = sign(secret, body, t).split(",", 1)[1].removeprefix("v1=")
    return hmac.compare_digest(expected, parts.get("v1", ""))


# -- the ring -----------------------------------------------------------------

class AlertRing:
    """The last `capacity` distinct alerts, oldest first (a redelivered id is kept once)."""

    def __init__(self, capacity: int = 1000) -> None:
        self.capacity = capacity
        self._events: OrderedDict[str, AlertEvent] = OrderedDict()

    def add(self, event: AlertEvent) -> bool:
        """Keep the event; False when its id is already here."""
        if event.id in self._events:
            return False
        self._events[event.id] = event
        while len(self._events) > self.capacity:
            self._events.popitem(last=False)
        return True

    def __contains__(self, alert_id: object) -> bool:
        return alert_id in self._events

    def __len__(self) -> int:
        return len(self._events)

    def events(self) -> list[AlertEvent]:
        return list(self._events.values())

    def after(self, alert_id: str) -> list[AlertEvent] | None:
        """The events after `alert_id`, or None when the ring does not hold it."""
        if alert_id not in self._events:
            return None
        out: list[AlertEvent] = []
        found = False
        for eid, ev in self._events.items():
            if found:
                out.append(ev)
            elif eid == alert_id:
                found = True
        return out


# -- webhooks -----------------------------------------------------------------

#: a webhook id names its consumer group: letters, digits, dot, dash, underscore
WEBHOOK_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
CONFIG_ID_PREFIX = "config-"


@dataclass
class WebhookConfig:
    url: str
    secret: str
    topics: list[str] | None = None
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    origin: str = "api"
    #: when it was registered (unix seconds): a new webhook's deliveries start here
    created_at: float = field(default_factory=time.time)

    @classmethod
    def from_dict(cls, d: Any, origin: str = "api") -> WebhookConfig:
        """Validate one {url, secret, topics?, id?}; ValueError with the reason."""
        if not isinstance(d, Mapping):
            raise ValueError("a webhook is a JSON object {url, secret, topics?}")
        url, secret, topics = d.get("url"), d.get("secret"), d.get("topics")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise ValueError("url must be an http:// or https:// URL")
        if not isinstance(secret, str) or not secret:
            raise ValueError("secret must be a non-empty string")
        if topics is not None and (not isinstance(topics, list)
                                   or not all(isinstance(t, str) and t for t in topics)):
            raise ValueError("topics must be a list of tracked-topic ids")
        extra = set(d) - {"url", "secret", "topics", "id"}
        if extra:
            raise ValueError(f"unknown field(s): {', '.join(sorted(extra))}")
        wid = d.get("id")
        if wid is not None and (not isinstance(wid, str) or not wid or len(wid) > 64
                                or not set(wid) <= WEBHOOK_ID_CHARS):
            raise ValueError("id must be 1 to 64 letters, digits, '.', '_' or '-'")
        if origin == "api" and isinstance(wid, str) and wid.startswith(CONFIG_ID_PREFIX):
            raise ValueError(f"ids starting with {CONFIG_ID_PREFIX!r} are CLAIMWATCH_WEBHOOKS'")
        kwargs: dict[str, Any] = {"url": url, "secret": secret, "topics": topics or None,
                                  "origin": origin}
        if wid:
            kwargs["id"] = wid
        return cls(**kwargs)

    def public(self) -> dict[str, Any]:
        return {"id": self.id, "url": self.url, "topics": self.topics, "origin": self.origin}

    def encode(self) -> bytes:
        """The record on the compacted webhooks topic (the secret too: every
        worker signs with it)."""
        return json.dumps({"id": self.id, "url": self.url, "secret": self.secret,
                           "topics": self.topics, "created_at": self.created_at},
                          sort_keys=True).encode("utf-8")

    @classmethod
    def decode(cls, value: bytes) -> WebhookConfig:
        """A record of the compacted webhooks topic; ValueError when unusable."""
        try:
            data = json.loads(value)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"not JSON: {exc}") from None
        if not isinstance(data, dict) or not isinstance(data.get("created_at"), int | float):
            raise ValueError("not a webhook record {id, url, secret, topics, created_at}")
        created = float(data.pop("created_at"))
        config = cls.from_dict(data)
        config.created_at = created
        return config

    def same_delivery(self, other: WebhookConfig) -> bool:
        return (self.url, self.secret, self.topics) == (other.url, other.secret, other.topics)


def parse_webhooks_setting(raw: str | None) -> list[WebhookConfig]:
    """CLAIMWATCH_WEBHOOKS: a JSON list of {url, secret, topics?}."""
    if not raw or not raw.strip():
        return []
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValueError(f"CLAIMWATCH_WEBHOOKS is not JSON: {exc}") from None
    if not isinstance(data, list):
        raise ValueError("CLAIMWATCH_WEBHOOKS must be a JSON list of {url, secret, topics?}")
    out = []
    for i, d in enumerate(data):
        try:
            out.append(WebhookConfig.from_dict(d, origin="config"))
        except ValueError as exc:
            raise ValueError(f"CLAIMWATCH_WEBHOOKS item {i + 1}: {exc}") from None
        out[-1].id = f"{CONFIG_ID_PREFIX}{i + 1}"
    return out


class WebhookSubscriber:
    """Posts one alert to one receiver, retrying with backoff (agents.outbox
    decides which alerts and commits the webhook's position after each)."""

    def __init__(self, config: WebhookConfig, metrics: Any, session: Any, *,
                 max_attempts: int = 6, base_delay: float = 0.5, max_delay: float = 30.0,
                 timeout: float = 10.0, allow_private: bool = False) -> None:
        self.config = config
        self.metrics = metrics
        self.session = session
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.timeout = timeout
        self.allow_private = allow_private
        self.delivered = 0
        self.failed = 0

    def worst_case_seconds(self) -> float:
        """The longest one alert can take (every attempt timing out, every backoff)."""
        backoff = sum(min(self.max_delay, self.base_delay * 2.0 ** (a - 1))
                      for a in range(1, self.max_attempts))
        return float(self.max_attempts * self.timeout + backoff)

    async def _attempt(self, body: bytes) -> str:
        """One POST: "" on a 2xx, else why not."""
        import aiohttp

        from agents.netguard import TargetRefused, literal_refusal

        if not self.allow_private:
            try:
                # aiohttp resolves no IP literal, so the resolver's guard misses it
                refused = literal_refusal(self.config.url)
            except TargetRefused as exc:
                refused = str(exc)
            if refused:
                return refused
        headers = {
            "Content-Type": STRUCTURED_CONTENT_TYPE,
            SIGNATURE_HEADER: sign(self.config.secret, body),
            "User-Agent": "claimwatch-webhook",
        }
        try:
            async with self.session.post(
                    self.config.url, data=body, headers=headers, allow_redirects=False,
                    timeout=aiohttp.ClientTimeout(total=self.timeout)) as resp:
                await resp.read()
                return "" if 200 <= resp.status < 300 else f"HTTP {resp.status}"
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            return repr(exc)

    async def deliver(self, event: AlertEvent) -> bool:
        """Post until a 2xx or the attempts are spent; True when delivered."""
        body = event.body()
        m = self.metrics.webhook_deliveries
        for attempt in range(1, self.max_attempts + 1):
            why = await self._attempt(body)
            if not why:
                m.labels("delivered").inc()
                self.delivered += 1
                return True
            if attempt == self.max_attempts:
                break
            m.labels("retried").inc()
            delay = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
            log.info("webhook %s: alert %s attempt %d failed (%s); retry in %.1f s",
                     self.config.id, event.id, attempt, why, delay)
            await asyncio.sleep(delay)
        m.labels("failed").inc()
        self.failed += 1
        log.warning("webhook %s: alert %s failed after %d attempts (%s)", self.config.id,
                    event.id, self.max_attempts, why)
        return False


# -- the hub ------------------------------------------------------------------

class AlertHub:
    """The ring and the SSE listeners of one worker (webhooks: agents.outbox)."""

    def __init__(self, metrics: Any, *, ring_size: int = 1000, listener_queue: int = 1000,
                 ) -> None:
        self.metrics = metrics
        self.ring = AlertRing(ring_size)
        self.listener_queue = listener_queue
        self._listeners: set[asyncio.Queue[AlertEvent | None]] = set()
        self.ready = asyncio.Event()

    def followed(self, event: AlertEvent) -> bool:
        """An alert read from the alerts topic: keep it and tell the SSE listeners."""
        if not self.ring.add(event):
            return False
        for q in list(self._listeners):
            if q.full():
                with contextlib.suppress(asyncio.QueueEmpty):
                    q.get_nowait()
                self.metrics.subscriber_dropped.labels("sse").inc()
            q.put_nowait(event)
        return True

    def close_streams(self) -> None:
        """End every SSE stream (the web server waits for open handlers on stop)."""
        for q in list(self._listeners):
            if q.full():
                with contextlib.suppress(asyncio.QueueEmpty):
                    q.get_nowait()
            q.put_nowait(None)

    def listen(self) -> asyncio.Queue[AlertEvent | None]:
        q: asyncio.Queue[AlertEvent | None] = asyncio.Queue(self.listener_queue)
        self._listeners.add(q)
        self.metrics.sse_clients.set(len(self._listeners))
        return q

    def unlisten(self, q: asyncio.Queue[AlertEvent | None]) -> None:
        self._listeners.discard(q)
        self.metrics.sse_clients.set(len(self._listeners))

    def recent(self, topics: Iterable[str] | None = None, types: Iterable[str] | None = None,
               limit: int = 100) -> list[AlertEvent]:
        """Newest first."""
        out = [e for e in reversed(self.ring.events()) if e.matches(topics, types)]
        return out[:limit]


def sse_frame(event: AlertEvent) -> bytes:
    """One server-sent event: id = the alert id, event = its CloudEvents type,
    data = the structured CloudEvent JSON on one line."""
    return (f"id: {event.id}\nevent: {event.type}\ndata: ".encode()
            + event.body() + b"\n\n")


async def read_alerts_topic(bootstrap: list[str], topic: str, limit: int = 100_000,
                            ) -> list[AlertEvent]:
    """Every alert on the topic up to its current end (partition by partition,
    each in order); for a resume the ring cannot serve."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None,
                                enable_auto_commit=False)
    await consumer.start()
    out: list[AlertEvent] = []
    try:
        tps = [TopicPartition(topic, p)
               for p in sorted(await topic_partitions(bootstrap, topic))]
        if not tps:
            return out
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(out) < limit:
            behind = [tp for tp in tps if await consumer.position(tp) < ends[tp]]
            if not behind:
                break
            batches = await consumer.getmany(*behind, timeout_ms=200)
            for records in batches.values():
                for rec in records:
                    with contextlib.suppress(ValueError, UnicodeDecodeError):
                        out.append(AlertEvent.from_kafka(rec.headers, rec.value))
    finally:
        await consumer.stop()
    return out


def alerts_follower(bootstrap: list[str], topic: str, hub: AlertHub,
                    backlog: int | None = None) -> Follower:
    """Fills the ring with the last alerts of each partition, then keeps
    following (the alerts topic is the app's: the follower waits for it)."""
    def apply(rec: Any) -> None:
        hub.followed(AlertEvent.from_kafka(rec.headers, rec.value))

    return Follower(bootstrap, topic, apply, what="alerts", compacted=False,
                    backlog=hub.ring.capacity if backlog is None else backlog,
                    poll_ms=500, on_caught_up=hub.ready.set)
