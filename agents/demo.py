"""`claimwatch demo`: the seed feed through a real worker, in one command.

With no CLAIMWATCH_BROKER configured it starts the local broker
(scripts/kafka.sh), then a worker on fresh topic names (so a second run
alerts again), replays seeds/feed.jsonl, prints the alerts as they arrive
until the feed is consumed and the alerts stop, and stops what it started.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from agents.client import format_alert, iter_alerts, replay
from agents.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
QUIET_SECONDS = 5.0


def _say(msg: str) -> None:
    print(f"demo: {msg}", file=sys.stderr, flush=True)


def seeds_dir() -> Path:
    for candidate in (ROOT / "seeds", Path(__file__).resolve().parent / "seeds"):
        if (candidate / "feed.jsonl").exists():
            return candidate
    raise SystemExit("claimwatch demo: no seeds/feed.jsonl found")


def free_port(preferred: int) -> int:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", preferred))
            return preferred
        except OSError:
            s.bind(("127.0.0.1", 0))
            return int(s.getsockname()[1])


def http_get(url: str, timeout: float = 2.0) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - local URL
            return resp.status, resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")
    except (urllib.error.URLError, OSError):
        return 0, ""


def metric(text: str, name: str) -> float:
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            total += float(line.rsplit(" ", 1)[1])
    return total


def start_broker() -> tuple[str, bool]:
    """(bootstrap, whether we started it)."""
    script = ROOT / "scripts" / "kafka.sh"
    if not script.exists():
        raise SystemExit("claimwatch demo: set CLAIMWATCH_BROKER (no scripts/kafka.sh here)")
    status = subprocess.run(["bash", str(script), "status"],  # noqa: S603, S607
                            capture_output=True, text=True, check=False)
    started = False
    if status.returncode != 0:
        _say("starting the local Kafka broker (scripts/kafka.sh start; the first run "
             "downloads the jars)")
        subprocess.run(["bash", str(script), "start"], check=True)  # noqa: S603, S607
        started = True
    boot = subprocess.run(["bash", str(script), "bootstrap"],  # noqa: S603, S607
                          capture_output=True, text=True, check=True).stdout.strip()
    boot = boot or "127.0.0.1:9092"
    return f"kafka://{boot}", started


def stop_process(proc: subprocess.Popen[Any], grace: float = 20.0) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def run_demo(timeout: float = 300.0, keep_broker: bool = False) -> int:
    seeds = seeds_dir()
    deadline = time.monotonic() + timeout
    broker = os.environ.get("CLAIMWATCH_BROKER")
    started_broker = False
    if not broker:
        broker, started_broker = start_broker()
    run = uuid.uuid4().hex[:8]
    datadir = Path(tempfile.mkdtemp(prefix="claimwatch-demo-"))
    env = {
        "CLAIMWATCH_BROKER": broker,
        "CLAIMWATCH_APP_ID": f"claimwatch-demo-{run}",
        "CLAIMWATCH_NEWS_TOPIC": f"demo-{run}.news.items.v1",
        "CLAIMWATCH_OBSERVATIONS_TOPIC": f"demo-{run}.observations.v1",
        "CLAIMWATCH_ALERTS_TOPIC": f"demo-{run}.alerts.v1",
        "CLAIMWATCH_DEADLETTER_TOPIC": f"demo-{run}.deadletter.v1",
        "CLAIMWATCH_TOPICS_TOPIC": f"demo-{run}.topics.v1",
        "CLAIMWATCH_TOPICS_FILE": str(seeds / "topics.yaml"),
        "CLAIMWATCH_STORE": "memory://",
        "CLAIMWATCH_DATA_DIR": str(datadir),
        "CLAIMWATCH_WEB_PORT": str(free_port(int(os.environ.get("CLAIMWATCH_WEB_PORT",
                                                                 "6066")))),
    }
    settings = Settings(**{k.removeprefix("CLAIMWATCH_").lower(): v for k, v in env.items()})
    base = f"http://127.0.0.1:{settings.web_port}"
    worker: subprocess.Popen[Any] | None = None
    log_path = datadir / "worker.log"
    try:
        _say(f"starting the worker ({settings.app_id}, {base}/health); log in {log_path}")
        with log_path.open("wb") as log:
            worker = subprocess.Popen(
                [sys.executable, "-m", "agents.cli", "worker", "--loglevel", "warning"],
                env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT,
                cwd=str(ROOT))
        while http_get(f"{base}/health")[0] != 200:
            if worker.poll() is not None:
                _say(f"the worker exited with status {worker.returncode}; see {log_path}")
                return 1
            if time.monotonic() > deadline:
                _say("the worker did not become healthy in time")
                return 1
            time.sleep(0.5)
        feed = seeds / "feed.jsonl"
        items = sum(1 for line in feed.open("rb") if line.strip())
        _say(f"replaying {feed.name} ({items} items) to {settings.news_topic}")
        if replay(settings, feed, progress=False) != 0:
            return 1
        _say(f"alerts on {settings.alerts_topic}:")
        count = 0
        last_alert = time.monotonic()
        for event in iter_alerts(settings, from_beginning=True, idle=True,
                                 timeout=max(1.0, deadline - time.monotonic())):
            if event is not None:
                count += 1
                last_alert = time.monotonic()
                print(format_alert(event), flush=True)
            elif time.monotonic() - last_alert >= QUIET_SECONDS and _consumed(base) >= items:
                break
        else:
            _say("timed out before the feed was processed")
        _say(f"{count} alerts from {items} items")
        exports = " ".join(f"{k}={v}" for k, v in env.items() if "TOPIC" in k or "BROKER" in k)
        _say(f"the topics stay on the broker; to look again: {exports} claimwatch tail "
             "--from-beginning")
        ok = count > 0
        return 0 if ok else 1
    finally:
        if worker is not None:
            _say("stopping the worker")
            stop_process(worker)
            if worker.returncode in (0, -signal.SIGTERM):
                shutil.rmtree(datadir, ignore_errors=True)
        if started_broker and not keep_broker:
            _say("stopping the local broker")
            subprocess.run(["bash", str(ROOT / "scripts" / "kafka.sh"),  # noqa: S603, S607
                            "stop"], check=False)


def _consumed(base: str) -> float:
    status, text = http_get(f"{base}/metrics")
    return metric(text, "claimwatch_items_consumed_total") if status == 200 else 0.0


if __name__ == "__main__":
    sys.exit(run_demo())
