"""Web views on the worker's port: /health and /metrics; the lag timer."""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING, Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from agents.deliver import rfc3339

if TYPE_CHECKING:
    from agents.app import Pipeline

log = logging.getLogger(__name__)
LAG_INTERVAL = 5.0


def health(pipe: Pipeline) -> tuple[dict[str, Any], int]:
    """The /health body and status: 503 while not consuming."""
    consuming = pipe.consuming
    body = {
        "status": "ok" if consuming else "unavailable",
        "consuming": consuming,
        "detector_ready": pipe.detector is not None,
        "topics_ready": pipe.registry.ready.is_set(),
        "assigned_partitions": pipe.source_partitions(),
        "last_consumed_at": rfc3339(pipe.last_consumed) if pipe.last_consumed else None,
        "tracked_topics": pipe.registry.ids(),
        "rebalancing": bool(getattr(pipe.app, "rebalancing", False)),
    }
    return body, 200 if consuming else 503


def update_lag(pipe: Pipeline) -> None:
    """Set claimwatch_consumer_lag for the source partitions, drop stale ones."""
    m = pipe.metrics
    wanted = {pipe.settings.news_topic, pipe.settings.observations_topic}
    consumer = pipe.app.consumer
    seen = set()
    for tp in consumer.assignment():
        if tp.topic not in wanted:
            continue
        high = consumer.highwater(tp)
        if high is None:  # nothing fetched yet
            continue
        read = consumer._read_offset.get(tp)
        if read is None:
            read = consumer._committed_offset.get(tp)
        position = (read + 1) if read is not None else 0
        labels = (tp.topic, str(tp.partition))
        m.consumer_lag.labels(*labels).set(max(0, high - position))
        seen.add(labels)
    for labels in getattr(pipe, "_lag_labels", set()) - seen:
        with contextlib.suppress(KeyError):
            m.consumer_lag.remove(*labels)
    pipe._lag_labels = seen  # type: ignore[attr-defined]
    m.worker_up.set(1 if pipe.consuming else 0)


def register(pipe: Pipeline) -> None:
    app = pipe.app

    @app.page("/health")
    async def health_view(web: Any, request: Any) -> Any:
        body, status = health(pipe)
        return web.json(body, status=status)

    @app.page("/metrics")
    async def metrics_view(web: Any, request: Any) -> Any:
        # aiohttp refuses a charset in content_type=, so the full header goes as is
        return web.bytes(generate_latest(pipe.metrics.registry),
                         headers={"Content-Type": CONTENT_TYPE_LATEST})

    @app.timer(LAG_INTERVAL)
    async def lag_timer() -> None:
        try:
            update_lag(pipe)
        except Exception as exc:
            log.debug("lag update failed: %r", exc)
