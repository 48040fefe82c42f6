"""`claimwatch demo`: the seed feed through a real worker, in one command.

With no CLAIMWATCH_BROKER configured it starts the local broker
(scripts/kafka.sh), then a worker on fresh topic names (so a second run
alerts again), serves seeds/feed.jsonl as an RSS 2.0 feed on a local HTTP
server (the address in seeds/feeds.yaml), polls it with the feed poller
(`claimwatch feeds run seeds/feeds.yaml`, in process), and prints the alerts
as they arrive until the feed is consumed and the alerts stop. It says where
the claims page is; in a terminal it then keeps everything up, printing new
alerts, until Ctrl-C; otherwise it stops what it started.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from agents.client import format_alert, iter_alerts
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


def seed_rss(feed: Path) -> bytes:
    """The seed feed (NewsItems in JSONL) as an RSS 2.0 document: each item's id
    as its guid, its publisher as <source>, its paragraphs as HTML <p>."""
    items = []
    for line in feed.read_text("utf-8").splitlines():
        if not line.strip():
            continue
        d = json.loads(line)
        parts = [f"<title>{escape(d.get('title') or '')}</title>",
                 f'<guid isPermaLink="false">{escape(d["id"])}</guid>']
        if d.get("url"):
            parts.append(f"<link>{escape(d['url'])}</link>")
        if d.get("published_at"):
            when = datetime.fromisoformat(d["published_at"].replace("Z", "+00:00"))
            parts.append(f"<pubDate>{format_datetime(when, usegmt=True)}</pubDate>")
        if d.get("source"):
            parts.append(f'<source url="https://news.example.org/">{escape(d["source"])}'
                         "</source>")
        body = "".join(f"<p>{escape(p)}</p>" for p in (d.get("body") or "").split("\n\n"))
        parts.append(f"<description>{escape(body)}</description>")
        items.append("<item>" + "".join(parts) + "</item>")
    items.reverse()  # a feed lists its newest entry first
    return ('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
            "<title>claimwatch seed feed</title><link>https://news.example.org/</link>"
            "<description>The demo's fictional news (seeds/feed.jsonl)</description>"
            "<language>en</language>" + "".join(items) + "</channel></rss>\n"
            ).encode("utf-8")


@contextlib.contextmanager
def serve_seed_feed(seeds: Path, workdir: Path) -> Iterator[Path]:
    """Serve the seed feed where seeds/feeds.yaml says (another free port when that
    one is taken: the feeds file given to the poller then says so); yields the
    feeds file to poll."""
    import yaml

    feeds_file = seeds / "feeds.yaml"
    config = yaml.safe_load(feeds_file.read_text("utf-8"))
    url = urllib.parse.urlsplit(config["feeds"][0]["url"])
    body = seed_rss(seeds / "feed.jsonl")
    etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path != url.path:
                self.send_error(404)
                return
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    port = free_port(url.port or 80)
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="seed-feed", daemon=True)
    thread.start()
    if port != url.port:
        moved = url._replace(netloc=f"127.0.0.1:{port}").geturl()
        config["feeds"][0]["url"] = moved
        feeds_file = workdir / "feeds.yaml"
        feeds_file.write_text(yaml.safe_dump(config), encoding="utf-8")
    try:
        yield feeds_file
    finally:
        server.shutdown()
        server.server_close()


class _BackgroundPoller:
    """`claimwatch feeds run` in a thread, stopped on exit."""

    def __init__(self, settings: Settings, feeds_file: Path) -> None:
        from agents.poller import Poller, run_feeds

        self.stop = threading.Event()
        self.poller: Poller | None = None
        self.ready = threading.Event()

        def started(p: Poller) -> None:
            self.poller = p
            self.ready.set()

        def target() -> None:
            try:
                run_feeds(settings, feeds_file, stop=self.stop, poller_ready=started)
            finally:
                self.ready.set()

        self.thread = threading.Thread(target=target, name="feeds", daemon=True)
        self.thread.start()

    @property
    def sent(self) -> int:
        return self.poller.sent if self.poller else 0

    def close(self) -> None:
        self.stop.set()
        self.thread.join(30)


def _expected_entries(seeds: Path) -> int:
    """How many entries the poller sends of the seed feed (an id listed twice once)."""
    from agents.feedentries import parse_document

    return len(parse_document(seed_rss(seeds / "feed.jsonl"), url="x").entries)


def run_demo(timeout: float = 300.0, keep_broker: bool = False,
             stay: bool | None = None) -> int:
    """`stay`: keep running until Ctrl-C after the seed feed's alerts (default:
    when stdin and stdout are a terminal)."""
    if stay is None:
        stay = sys.stdin.isatty() and sys.stdout.isatty()
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
                cwd=str(ROOT), start_new_session=True)  # Ctrl-C is ours: we stop it
        while http_get(f"{base}/health")[0] != 200:
            if worker.poll() is not None:
                _say(f"the worker exited with status {worker.returncode}; see {log_path}")
                return 1
            if time.monotonic() > deadline:
                _say("the worker did not become healthy in time")
                return 1
            time.sleep(0.5)
        with serve_seed_feed(seeds, datadir) as feeds_file:
            return _follow(settings, env, base, feeds_file, _expected_entries(seeds), deadline,
                           stay)
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


def _follow(settings: Settings, env: dict[str, str], base: str, feeds_file: Path,
            items: int, deadline: float, stay: bool) -> int:
    """Poll the served seed feed into the news topic and print the alerts."""
    _say(f"polling the seed feed ({items} entries) with `claimwatch feeds run {feeds_file}` "
         f"into {settings.news_topic}")
    poller = _BackgroundPoller(settings, feeds_file)
    try:
        _say(f"alerts on {settings.alerts_topic}:")
        count = 0
        last_alert = time.monotonic()
        for event in iter_alerts(settings, from_beginning=True, idle=True,
                                 timeout=max(1.0, deadline - time.monotonic())):
            if event is not None:
                count += 1
                last_alert = time.monotonic()
                print(format_alert(event), flush=True)
            elif not poller.thread.is_alive():
                _say("the feed poller stopped (see the lines above)")
                return 1
            elif (time.monotonic() - last_alert >= QUIET_SECONDS and poller.sent >= items
                  and _consumed(base) >= poller.sent):
                break
        else:
            _say("timed out before the feed was processed")
        _say(f"{count} alerts from {poller.sent} feed entries")
        _say(f"claims page: {base}/  (JSON: {base}/claims, live alerts: {base}/alerts/stream)")
        exports = " ".join(f"{k}={v}" for k, v in env.items() if "TOPIC" in k or "BROKER" in k)
        _say(f"the topics stay on the broker; to look again: {exports} claimwatch tail "
             "--from-beginning")
        if count == 0:
            return 1
        if stay:
            _say(f"the worker ({base}/), the seed feed server and the poller keep running; "
                 "new alerts print below; press Ctrl-C to stop")
            with contextlib.suppress(KeyboardInterrupt):
                for event in iter_alerts(settings):
                    if event is not None:
                        print(format_alert(event), flush=True)
            print(file=sys.stderr)
        return 0
    finally:
        poller.close()


def _consumed(base: str) -> float:
    status, text = http_get(f"{base}/metrics")
    return metric(text, "claimwatch_items_consumed_total") if status == 200 else 0.0


if __name__ == "__main__":
    sys.exit(run_demo())
