"""claimwatch_consumer_lag is computed when /metrics is scraped, from faust's
consumer (assignment, highwater, position) and monitor (read and committed
offsets); claimwatch_worker_up likewise."""

from __future__ import annotations

from typing import Any

from faust.types import TP
from prometheus_client import generate_latest

from agents.pipeline import Pipeline
from agents.web import ConsumerLag


class FakeConsumer:
    def __init__(self, assigned: dict[TP, int | None], positions: dict[TP, int]) -> None:
        self.assigned, self.positions = assigned, positions

    def assignment(self) -> set[TP]:
        return set(self.assigned)

    def highwater(self, tp: TP) -> int | None:
        return self.assigned[tp]

    async def position(self, tp: TP) -> int | None:
        return self.positions.get(tp)


def lag(pipe: Pipeline, topic: str, partition: int) -> float | None:
    return pipe.metrics.registry.get_sample_value(
        "claimwatch_consumer_lag", {"topic": topic, "partition": str(partition)})


async def test_lag_is_read_at_scrape_time(pipe: tuple[Pipeline, Any]) -> None:
    p, _ = pipe
    news, obs = p.settings.news_topic, p.settings.observations_topic
    t0, t1, t2, o0 = TP(news, 0), TP(news, 1), TP(news, 2), TP(obs, 0)
    other = TP("claimwatch-items-changelog", 0)
    consumer = FakeConsumer({t0: 100, t1: 50, t2: 30, o0: None, other: 9},
                            positions={t2: 30})
    p.app._consumer = consumer  # type: ignore[assignment]
    monitor = p.app.monitor
    monitor.tp_read_offsets = {t0: 89}  # offset 89 handed to the agents: 10 behind
    monitor.tp_committed_offsets = {t1: 45}  # nothing read here, 45 committed

    source = ConsumerLag(p)
    await source.refresh()  # t2: neither read nor committed: its fetch position
    p.metrics.consumer_lag.watch(source.rows)
    assert lag(p, news, 0) == 10
    assert lag(p, news, 1) == 5
    assert lag(p, news, 2) == 0
    assert lag(p, obs, 0) is None  # nothing fetched yet: no series
    assert lag(p, "claimwatch-items-changelog", 0) is None  # not a source topic

    # the next scrape sees the consumer as it is then; no timer in between
    monitor.tp_read_offsets[t0] = 99
    consumer.assigned[t0] = 120
    del consumer.assigned[t1]
    assert lag(p, news, 0) == 20
    assert lag(p, news, 1) is None  # revoked: its series is gone


def test_lag_scrape_survives_a_stopped_consumer(pipe: tuple[Pipeline, Any]) -> None:
    p, _ = pipe

    class Broken:
        def assignment(self) -> set[TP]:
            raise RuntimeError("consumer stopped")

    p.app._consumer = Broken()  # type: ignore[assignment]
    p.metrics.consumer_lag.watch(ConsumerLag(p).rows)
    text = generate_latest(p.metrics.registry).decode()
    assert "# TYPE claimwatch_consumer_lag gauge" in text
    assert "claimwatch_consumer_lag{" not in text
    assert p.metrics.registry.get_sample_value("claimwatch_worker_up") == 0
