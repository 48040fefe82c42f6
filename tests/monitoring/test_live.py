"""Live: the real worker on a real broker, scraped by a real Prometheus loading the
repository's rules. Every dashboard panel query and every recording rule must return data.

Needs CLAIMWATCH_BROKER (scripts/test.sh starts a broker) and Debian's `prometheus`.
The worker gets fresh uuid topic names, its own consumer group and web port, and the
memory store; Prometheus scrapes it every second, so [1m] windows fill within seconds.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import DASHBOARD, REPO, RULES_DIR, rule_files

pytestmark = [pytest.mark.integration, pytest.mark.prometheus]

BROKER = os.environ.get("CLAIMWATCH_BROKER", "")
PROMETHEUS = shutil.which("prometheus")
FEED = REPO / "seeds" / "feed.jsonl"
TOPICS_FILE = REPO / "seeds" / "topics.yaml"
WORKER_START_TIMEOUT = 180.0  # spaCy loads on 2 cores
ALERTS_TIMEOUT = 180.0
# Grafana's interval variables, for a Prometheus that scrapes every second
GRAFANA_VARS = {"$__rate_interval": "1m", "$__interval": "5s"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _get(url: str, timeout: float = 5.0) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - loopback only
        body: bytes = resp.read()
        return body


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process group we started, then SIGKILL it if it lingers."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _sample_sum(metrics_text: str, name: str) -> float:
    from prometheus_client.parser import text_string_to_metric_families

    total = 0.0
    for family in text_string_to_metric_families(metrics_text):
        for sample in family.samples:
            if sample.name == name:
                total += sample.value
    return total


@dataclass
class Worker:
    url: str
    env: dict[str, str]
    log: Path
    suffix: str


@pytest.fixture(scope="module")
def worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worker]:
    if not BROKER:
        pytest.skip("CLAIMWATCH_BROKER is not set (scripts/test.sh starts a broker)")
    if PROMETHEUS is None:
        pytest.skip("prometheus not installed (Debian package `prometheus`)")
    tmp = tmp_path_factory.mktemp("worker")
    suffix = uuid.uuid4().hex[:12]
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMWATCH_")}
    env.update(
        CLAIMWATCH_BROKER=BROKER,
        CLAIMWATCH_APP_ID=f"claimwatch-mon-{suffix}",
        CLAIMWATCH_NEWS_TOPIC=f"mon-news-{suffix}",
        CLAIMWATCH_OBSERVATIONS_TOPIC=f"mon-observations-{suffix}",
        CLAIMWATCH_ALERTS_TOPIC=f"mon-alerts-{suffix}",
        CLAIMWATCH_DEADLETTER_TOPIC=f"mon-deadletter-{suffix}",
        CLAIMWATCH_TOPICS_TOPIC=f"mon-topics-{suffix}",
        CLAIMWATCH_TOPICS_FILE=str(TOPICS_FILE),
        CLAIMWATCH_DATA_DIR=str(tmp / "data"),
        CLAIMWATCH_STORE="memory://",
        CLAIMWATCH_WEB_HOST="127.0.0.1",
        CLAIMWATCH_WEB_PORT=str(port),
    )
    log = tmp / "worker.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "agents.cli", "worker", "--loglevel", "info"],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + WORKER_START_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail(f"worker exited with {proc.returncode}:\n{_tail(log)}")
            try:
                _get(f"{url}/metrics")
                break
            except (urllib.error.URLError, OSError) as exc:
                if time.monotonic() > deadline:
                    pytest.fail(
                        f"worker /metrics not up in {WORKER_START_TIMEOUT:.0f} s ({exc}):\n"
                        f"{_tail(log)}"
                    )
                time.sleep(1)
        yield Worker(url=url, env=env, log=log, suffix=suffix)
    finally:
        _stop(proc)
        _delete_topics(suffix)
        shutil.rmtree(tmp / "data", ignore_errors=True)  # the log stays for a failure report


def _delete_topics(suffix: str) -> None:
    """Best effort: drop the topics this test made (its own and faust's internal ones)."""
    try:
        from kafka import KafkaAdminClient

        servers = [p.split("://", 1)[-1] for p in BROKER.split(",") if p.strip()]
        admin = KafkaAdminClient(bootstrap_servers=servers, request_timeout_ms=10_000)
        try:
            mine = [t for t in admin.list_topics() if suffix in t]
            if mine:
                admin.delete_topics(mine)
        finally:
            admin.close()
    except Exception:  # noqa: S110 - cleanup must not mask the test's result
        pass


@dataclass
class Prometheus:
    url: str
    started: float
    log: Path

    def api(self, path: str, **params: str) -> Any:
        query = urllib.parse.urlencode(params)
        try:
            body = _get(f"{self.url}/api/v1/{path}?{query}", timeout=20)
        except urllib.error.HTTPError as exc:
            raise AssertionError(f"{path} {params}: {exc.read().decode()}") from exc
        data = json.loads(body)
        assert data["status"] == "success", data
        return data["data"]

    def query(self, expr: str) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.api("query", query=expr)["result"]
        return result

    def query_range(self, expr: str) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.api(
            "query_range",
            query=expr,
            start=f"{self.started:.3f}",
            end=f"{time.time():.3f}",
            step="2",
        )["result"]
        return result


@pytest.fixture(scope="module")
def prometheus(worker: Worker, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Prometheus]:
    assert PROMETHEUS is not None  # the worker fixture skipped otherwise
    tmp = tmp_path_factory.mktemp("prometheus")
    port = _free_port()
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(RULES_DIR / "*.yml")],
        "scrape_configs": [
            {
                "job_name": "claimwatch",
                "static_configs": [{"targets": [worker.url.removeprefix("http://")]}],
            }
        ],
    }
    (tmp / "prometheus.yml").write_text(yaml.safe_dump(config))
    log = tmp / "prometheus.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(  # noqa: S603 - fixed arguments
            [
                PROMETHEUS,
                f"--config.file={tmp / 'prometheus.yml'}",
                f"--storage.tsdb.path={tmp / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--log.level=warn",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    prom = Prometheus(url=f"http://127.0.0.1:{port}", started=time.time(), log=log)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"prometheus exited with {proc.returncode}:\n{_tail(log)}")
            try:
                _get(f"{prom.url}/-/ready")
                break
            except (urllib.error.URLError, OSError):
                if time.monotonic() > deadline:
                    pytest.fail(f"prometheus not ready:\n{_tail(log)}")
                time.sleep(0.5)
        rules = prom.api("rules")["groups"]
        loaded = {r.get("name") for g in rules for r in g["rules"]}
        assert loaded, f"prometheus loaded no rules:\n{_tail(log)}"
        yield prom
    finally:
        _stop(proc)
        shutil.rmtree(tmp / "data", ignore_errors=True)  # the TSDB; the log stays


@pytest.fixture(scope="module")
def after_replay(worker: Worker, prometheus: Prometheus) -> Prometheus:
    """Replay the seed feed once Prometheus scrapes, wait for alerts, then for a few scrapes."""
    # /-/ready comes before the first scrape: wait for two, so the counters' zeros are stored
    deadline = time.monotonic() + 60
    while not prometheus.query('count_over_time(up{job="claimwatch"}[1m]) >= 2'):
        if time.monotonic() > deadline:
            pytest.fail(f"prometheus did not scrape the worker:\n{_tail(prometheus.log)}")
        time.sleep(0.5)
    replay = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-m", "agents.cli", "replay", str(FEED), "--no-progress"],
        cwd=REPO,
        env=worker.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert replay.returncode == 0, replay.stdout + replay.stderr
    deadline = time.monotonic() + ALERTS_TIMEOUT
    while _sample_sum(_get(f"{worker.url}/metrics").decode(), "claimwatch_alerts_total") <= 0:
        if time.monotonic() > deadline:
            pytest.fail(f"no alert within {ALERTS_TIMEOUT:.0f} s:\n{_tail(worker.log)}")
        time.sleep(2)
    # Prometheus has scraped the alerts, and the rules have been evaluated on it since.
    deadline = time.monotonic() + 60
    while not prometheus.query('sum(claimwatch:alerts:rate1m{job="claimwatch"}) > 0'):
        if time.monotonic() > deadline:
            pytest.fail(f"prometheus never saw an alert rate:\n{_tail(prometheus.log)}")
        time.sleep(1)
    time.sleep(5)
    return prometheus


def _panel_queries() -> list[Any]:
    dashboard = json.loads(DASHBOARD.read_text())
    out = []
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            expr = target["expr"]
            for var, value in GRAFANA_VARS.items():
                expr = expr.replace(var, value)
            name = f"{panel['title']} {target['refId']}"
            out.append(pytest.param(name, expr, id=name))
    return out


def _recording_rules() -> list[Any]:
    out = []
    for path in rule_files():
        for group in yaml.safe_load(path.read_text())["groups"]:
            out += [
                pytest.param(r["record"], r["record"], id=r["record"])
                for r in group["rules"]
                if "record" in r
            ]
    return out


def _finite_values(result: list[dict[str, Any]]) -> list[float]:
    values = [float(v) for series in result for _, v in series.get("values", [])]
    values += [float(series["value"][1]) for series in result if "value" in series]
    return [v for v in values if math.isfinite(v)]


@pytest.mark.parametrize(("name", "expr"), _panel_queries())
def test_dashboard_panel_returns_data(after_replay: Prometheus, name: str, expr: str) -> None:
    result = after_replay.query_range(expr)
    assert result, f"panel {name!r}: {expr} returned no series"
    assert _finite_values(result), f"panel {name!r}: {expr} returned only NaN"
    assert after_replay.query(expr), f"panel {name!r}: {expr} has no current value"


@pytest.mark.parametrize(("name", "expr"), _recording_rules())
def test_recording_rule_returns_data(after_replay: Prometheus, name: str, expr: str) -> None:
    result = after_replay.query_range(expr)
    assert result, f"recording rule {name} has no series"
    assert _finite_values(result), f"recording rule {name} was only ever NaN"


def test_the_feed_shows_up_in_the_rates(after_replay: Prometheus) -> None:
    for expr in (
        "claimwatch:items_consumed:rate1m",
        "claimwatch:items_accepted:rate1m",
        "claimwatch:alerts:rate1m",
        "claimwatch:ingest_to_alert_seconds:p99",
    ):
        values = _finite_values(after_replay.query_range(expr))
        assert max(values) > 0, f"{expr} never rose above 0"


def test_worker_down_stays_quiet_on_a_healthy_worker(after_replay: Prometheus) -> None:
    # Not even pending: every scrape succeeded and the worker said it was up.
    states = [
        a["state"]
        for a in after_replay.api("alerts")["alerts"]
        if a["labels"]["alertname"] == "ClaimwatchWorkerDown"
    ]
    assert states == []
    assert after_replay.query('min_over_time(up{job="claimwatch"}[1m]) == 1')
