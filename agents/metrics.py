"""claimwatch's Prometheus metrics: one bundle, built on an injectable registry.

Names, labels and units are a contract (monitoring rules and the dashboard
use them). Every label value is set up at start so a series exists, at 0,
before the first event; no label ever comes from free text or an id.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from schemas.records import ALERT_TYPES, REJECT_REASONS, STANCES, STATUSES

log = logging.getLogger(__name__)
STAGES = ("ingest", "detect", "track", "deliver")
DUPLICATE_KINDS = ("id", "text")
WEBHOOK_RESULTS = ("delivered", "retried", "failed")
SUBSCRIBER_KINDS = ("webhook", "sse")
STAGE_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
                 2.5, 5.0, 10.0)
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
                   300.0)


#: (topic, partition, messages behind the end) for each partition to report
LagRows = Callable[[], Iterable[tuple[str, int, int]]]


class ConsumerLag(Collector):
    """claimwatch_consumer_lag, computed when the registry is collected (a
    scrape), from whatever `watch` was given; no series before that."""

    NAME = "claimwatch_consumer_lag"
    HELP = "Messages behind the end of each assigned partition."

    def __init__(self) -> None:
        self._rows: LagRows | None = None

    def watch(self, rows: LagRows) -> None:
        self._rows = rows

    def _family(self) -> GaugeMetricFamily:
        return GaugeMetricFamily(self.NAME, self.HELP, labels=["topic", "partition"])

    def describe(self) -> Iterator[GaugeMetricFamily]:
        yield self._family()

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = self._family()
        if self._rows is not None:
            try:
                rows = list(self._rows())
            except Exception as exc:  # a consumer stopping or rebalancing: no series
                log.debug("consumer lag not read: %r", exc)
                rows = []
            for topic, partition, lag in rows:
                family.add_metric([topic, str(partition)], max(0, lag))
        yield family


class Metrics:
    """All claimwatch metrics, registered on `registry` (a fresh one by default)."""

    def __init__(self, registry: CollectorRegistry | None = None, version: str = "") -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        self.items_consumed = Counter(
            "claimwatch_items_consumed", "News messages consumed from the input topic.",
            registry=r)
        self.items_accepted = Counter(
            "claimwatch_items_accepted", "Valid, first-seen news items passed to detection.",
            registry=r)
        self.items_rejected = Counter(
            "claimwatch_items_rejected", "News messages sent to the dead-letter topic.",
            ["reason"], registry=r)
        self.items_duplicate = Counter(
            "claimwatch_items_duplicate",
            "Valid items dropped as duplicates: same id, or same normalized text.",
            ["kind"], registry=r)
        self.observations = Counter(
            "claimwatch_observations", "Observations produced by detection.", ["stance"],
            registry=r)
        self.alerts = Counter(
            "claimwatch_alerts", "Alerts emitted on the alerts topic.", ["type"], registry=r)
        self.stage_seconds = Histogram(
            "claimwatch_stage_seconds", "Processing time per stage and batch.", ["stage"],
            buckets=STAGE_BUCKETS, registry=r)
        self.stage_errors = Counter(
            "claimwatch_stage_errors", "Unexpected errors caught at a stage boundary.",
            ["stage"], registry=r)
        self.ingest_to_alert = Histogram(
            "claimwatch_ingest_to_alert_seconds",
            "From consuming a news item to emitting an alert it triggered.",
            buckets=LATENCY_BUCKETS, registry=r)
        self.claims = Gauge(
            "claimwatch_claims", "Claims held by this worker, by status.", ["status"],
            registry=r)
        self.webhook_deliveries = Counter(
            "claimwatch_webhook_deliveries", "Webhook delivery attempts by result.",
            ["result"], registry=r)
        self.subscriber_dropped = Counter(
            "claimwatch_subscriber_dropped",
            "Alerts dropped for a live subscriber whose bounded queue was full.",
            ["kind"], registry=r)
        self.sse_clients = Gauge(
            "claimwatch_sse_clients", "Connected /alerts/stream clients.", registry=r)
        self.consumer_lag = ConsumerLag()
        r.register(self.consumer_lag)
        self.last_consumed = Gauge(
            "claimwatch_last_consumed_timestamp_seconds",
            "Unix time of the last news message consumed.", registry=r)
        self.worker_up = Gauge(
            "claimwatch_worker_up", "1 while the worker is consuming, else 0.", registry=r)
        self.build_info = Info("claimwatch_build", "claimwatch build.", registry=r)
        self.build_info.info({"version": version})
        for reason in REJECT_REASONS:
            self.items_rejected.labels(reason)
        for kind in DUPLICATE_KINDS:
            self.items_duplicate.labels(kind)
        for stance in STANCES:
            self.observations.labels(stance)
        for kind in ALERT_TYPES:
            self.alerts.labels(kind)
        for stage in STAGES:
            self.stage_seconds.labels(stage)
            self.stage_errors.labels(stage)
        for status in STATUSES:
            self.claims.labels(status)
        for result in WEBHOOK_RESULTS:
            self.webhook_deliveries.labels(result)
        for kind in SUBSCRIBER_KINDS:
            self.subscriber_dropped.labels(kind)
