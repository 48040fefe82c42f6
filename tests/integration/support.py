"""Helpers: a real broker (CLAIMWATCH_BROKER) and the worker as a subprocess, with a
fresh uuid-suffixed topic set and app id per worker."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from agents.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
BROKER = os.environ.get("CLAIMWATCH_BROKER", "")
STARTUP_TIMEOUT = 120.0  # spaCy loads in 10-20 s on 2 cores; the group joins after


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def http_get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:  # noqa: S310 - local URL
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except (urllib.error.URLError, OSError):
        return 0, ""


def parse_metrics(text: str) -> dict[str, float]:
    """`name{labels}` -> value, for the claimwatch_ series."""
    out = {}
    for line in text.splitlines():
        if line.startswith("claimwatch_"):
            key, _, value = line.rpartition(" ")
            out[key] = float(value)
    return out


def wait_for(check: Callable[[], Any], timeout: float, what: str,
             interval: float = 0.25) -> Any:
    end = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


@dataclass
class Worker:
    env: dict[str, str]
    settings: Settings
    proc: subprocess.Popen[bytes] | None
    log_path: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.settings.web_port}"

    def health(self) -> tuple[int, dict[str, Any]]:
        status, body = http_get(f"{self.base}/health")
        return status, (json.loads(body) if body else {})

    def metrics(self) -> dict[str, float]:
        status, body = http_get(f"{self.base}/metrics")
        assert status == 200, status
        return parse_metrics(body)

    def log(self, tail: int | None = 4000) -> str:
        text = self.log_path.read_text(errors="replace")
        return text[-tail:] if tail else text

    def cli(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "agents.cli", *args], env={**os.environ, **self.env},
            cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False)

    def start(self) -> None:
        """Start the worker and wait for its /health."""
        self.spawn()
        self.wait_healthy()

    def spawn(self) -> None:
        """Start the worker process and return at once."""
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "agents.cli", "worker", "--loglevel", "info"],
                env={**os.environ, **self.env}, cwd=ROOT, stdout=log,
                stderr=subprocess.STDOUT)

    def wait_healthy(self) -> None:
        def healthy() -> bool:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"worker exited {self.proc.returncode}:\n{self.log()}")
            return self.health()[0] == 200

        try:
            wait_for(healthy, STARTUP_TIMEOUT, "the worker's /health", interval=0.5)
        except AssertionError:
            self.stop()
            raise

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture(scope="session")
def broker() -> str:
    if not BROKER:
        pytest.skip("CLAIMWATCH_BROKER is not set (scripts/test.sh starts a broker)")
    return BROKER


def make_worker(tmp_path: Path, broker: str, **overrides: str) -> Worker:
    run = uuid.uuid4().hex[:10]
    env = {
        "CLAIMWATCH_BROKER": broker,
        "CLAIMWATCH_APP_ID": f"cw-it-{run}",
        "CLAIMWATCH_NEWS_TOPIC": f"it-{run}.news",
        "CLAIMWATCH_OBSERVATIONS_TOPIC": f"it-{run}.observations",
        "CLAIMWATCH_ALERTS_TOPIC": f"it-{run}.alerts",
        "CLAIMWATCH_DEADLETTER_TOPIC": f"it-{run}.deadletter",
        "CLAIMWATCH_TOPICS_TOPIC": f"it-{run}.topics",
        "CLAIMWATCH_CLAIMS_TOPIC": f"it-{run}.claims",
        "CLAIMWATCH_WEBHOOKS_TOPIC": f"it-{run}.webhooks",
        "CLAIMWATCH_TOPICS_FILE": str(ROOT / "seeds" / "topics.yaml"),
        "CLAIMWATCH_STORE": "memory://",
        "CLAIMWATCH_DATA_DIR": str(tmp_path / "data"),
        "CLAIMWATCH_WEB_PORT": str(free_port()),
        **overrides,
    }
    settings = Settings(**{k.removeprefix("CLAIMWATCH_").lower(): v for k, v in env.items()})
    return Worker(env, settings, None, tmp_path / "worker.log")


@pytest.fixture
def worker_factory(tmp_path: Path, broker: str) -> Iterator[Callable[..., Worker]]:
    started: list[Worker] = []

    def factory(**overrides: str) -> Worker:
        w = make_worker(tmp_path, broker, **overrides)
        started.append(w)
        w.start()
        return w

    yield factory
    for w in started:
        w.stop()


def produce(servers: list[str], topic: str, messages: list[tuple[bytes | None, bytes | None]],
            ) -> list[Any]:
    """Send raw (key, value) pairs in order; the record metadata of each."""
    from kafka import KafkaProducer

    prod = KafkaProducer(bootstrap_servers=servers, acks="all", linger_ms=5,
                         max_request_size=4 * 1024 * 1024)
    try:
        futures = [prod.send(topic, key=k, value=v) for k, v in messages]
        prod.flush()
        return [f.get(timeout=30) for f in futures]
    finally:
        prod.close()


def consume_all(servers: list[str], topic: str, *, expect: int | None = None,
                idle: float = 3.0, timeout: float = 60.0) -> list[Any]:
    """Every record of a topic from the beginning: until `expect` records and
    then `idle` seconds with nothing new, or `timeout`."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=servers, group_id=None,
                             enable_auto_commit=False)
    records: list[Any] = []
    try:
        parts = wait_for(lambda: consumer.partitions_for_topic(topic), 30, f"topic {topic}")
        tps = [TopicPartition(topic, p) for p in sorted(parts)]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        end = time.monotonic() + timeout
        last_new = time.monotonic()
        while time.monotonic() < end:
            polled = consumer.poll(timeout_ms=250)
            for batch in polled.values():
                records.extend(batch)
                last_new = time.monotonic()
            enough = expect is None or len(records) >= expect
            if enough and time.monotonic() - last_new >= idle:
                break
    finally:
        consumer.close()
    return records
