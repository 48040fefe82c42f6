"""`claimwatch feeds run|check FEEDS.yaml`: poll RSS 2.0, Atom and RDF feeds into
NewsItems on the news topic (kafka-python, like the rest of the command line).

Per feed and poll: a conditional GET (If-None-Match / If-Modified-Since from
the last complete poll), a polite User-Agent, a deadline for the whole
response and a size cap; the document through feedparser
(agents.feedentries); the entries not sent before produced, their acks
awaited; then, and only then, what was sent is written to the state file
(`<data dir>/feeds.sqlite3`), and the validators last. A crash between an
ack and the state write sends those entries again after the restart, under
the same ids (the worker drops an id it has processed); nothing that was
not acked is ever marked as sent.

An entry updated in place (same id, different words in its title or text)
is sent again as a revision, `<id>.rev1`, `.rev2` ... (at most
MAX_REVISIONS), so the worker reads the new text (a correction that turns a
denial into a confirmation becomes an observation); a new date, markup or
spacing alone is not a change.

Every poll ends in one `result` of claimwatch_feed_polls_total: ok,
not_modified, or a failure (malformed, http_error, redirect_loop, timeout,
too_large, network_error, send_error, error), which is logged and retried
after an exponential backoff while the other feeds go on.
"""

from __future__ import annotations

import contextlib
import email.utils
import heapq
import http.client
import json
import logging
import random
import sqlite3
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from collections.abc import Callable, Iterator, Sequence
from concurrent import futures
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TextIO

import yaml

from agents.feedentries import Entry, NotAFeed, ParsedFeed, cut_text, parse_document
from agents.settings import Settings

log = logging.getLogger(__name__)

RESULTS = ("ok", "not_modified", "malformed", "http_error", "redirect_loop", "timeout",
           "too_large", "network_error", "send_error", "error")
MAX_REDIRECTS = 5
MAX_REVISIONS = 5
#: an entry not seen in its feed for this long is forgotten by the state file
FORGET_AFTER_SECONDS = 30 * 86_400.0
STATE_FILE = "feeds.sqlite3"
ACCEPT = ("application/rss+xml, application/atom+xml, application/rdf+xml, "
          "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1")
POLL_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


# -- the feeds file -----------------------------------------------------------

class FeedsFileError(ValueError):
    """The feeds file cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class FeedConfig:
    url: str
    #: publisher name for entries that do not name their own (<source>); else the feed title
    source: str | None = None
    language: str | None = None
    interval: float = 300.0  # seconds between polls
    jitter: float = 0.1  # +- this fraction of each delay
    timeout: float = 20.0  # seconds for the whole response, redirects included
    max_bytes: int = 5_000_000  # response size cap (after decompression)
    max_backoff: float = 3600.0  # longest delay after repeated failures
    #: fetch each new entry's link and send the article's text (trafilatura) instead
    #: of the feed's summary, when the extracted text is longer
    article: bool = False


@dataclass(frozen=True)
class FeedsFile:
    feeds: list[FeedConfig]
    contact: str | None = None  # added to the User-Agent (a URL or an e-mail address)


_NUMBERS = {"interval": (float, 1.0), "jitter": (float, 0.0), "timeout": (float, 0.1),
            "max_bytes": (int, 1), "max_backoff": (float, 1.0)}
_STRINGS = ("source", "language")


def _options(raw: Any, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise FeedsFileError(f"{where}: expected a mapping")
    known = {"url", "article", *_NUMBERS, *_STRINGS}
    unknown = sorted(set(map(str, raw)) - known)
    if unknown:
        raise FeedsFileError(f"{where}: unknown key(s) {', '.join(unknown)} "
                             f"(known: {', '.join(sorted(known))})")
    out: dict[str, Any] = {}
    for key, (kind, least) in _NUMBERS.items():
        if key in raw:
            value = raw[key]
            if isinstance(value, bool) or not isinstance(value, int | float) or value < least:
                raise FeedsFileError(f"{where}: {key} must be a number of at least {least}")
            if key == "jitter" and value > 0.5:
                raise FeedsFileError(f"{where}: jitter must be at most 0.5")
            out[key] = kind(value)
    if "article" in raw:
        if not isinstance(raw["article"], bool):
            raise FeedsFileError(f"{where}: article must be true or false")
        out["article"] = raw["article"]
    for key in _STRINGS:
        if key in raw and raw[key] is not None:
            if not isinstance(raw[key], str):
                raise FeedsFileError(f"{where}: {key} must be a string")
            out[key] = raw[key]
    return out


def load_feeds_file(path: Path) -> FeedsFile:
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
    except OSError as exc:
        raise FeedsFileError(f"{path}: {exc.strerror or exc}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise FeedsFileError(f"{path}: invalid YAML ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("feeds"), list):
        raise FeedsFileError(f"{path}: expected `feeds:` with a list of feeds")
    defaults = _options(data.get("defaults") or {}, f"{path}: defaults")
    if "url" in defaults:
        raise FeedsFileError(f"{path}: defaults: a url belongs to a feed")
    contact = data.get("contact")
    if contact is not None and not isinstance(contact, str):
        raise FeedsFileError(f"{path}: contact must be a string")
    feeds: list[FeedConfig] = []
    seen: set[str] = set()
    for n, raw in enumerate(data["feeds"], start=1):
        where = f"{path}: feed {n}"
        if isinstance(raw, str):
            raw = {"url": raw}
        opts = {**defaults, **_options(raw, where)}
        url = raw.get("url")
        if not isinstance(url, str) or urllib.parse.urlsplit(url).scheme not in ("http",
                                                                                   "https"):
            raise FeedsFileError(f"{where}: url must be an http:// or https:// URL")
        if url in seen:
            raise FeedsFileError(f"{where}: {url} is listed twice")
        seen.add(url)
        feeds.append(FeedConfig(url=url, **{k: v for k, v in opts.items() if k != "url"}))
    return FeedsFile(feeds, contact)


def user_agent(contact: str | None = None) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        ver = version("claimwatch")
    except PackageNotFoundError:
        ver = "dev"
    extra = f"; {contact}" if contact else ""
    return f"claimwatch-feeds/{ver} (feed poller{extra}; python-urllib)"


# -- fetching -----------------------------------------------------------------

class PollFailure(Exception):
    """A poll that produced nothing; `result` is its metric label."""

    def __init__(self, result: str, detail: str, retry_after: float | None = None) -> None:
        super().__init__(f"{result}: {detail}")
        self.result = result
        self.detail = detail
        self.retry_after = retry_after


@dataclass(frozen=True)
class Response:
    status: int  # 200 (or another 2xx) or 304
    url: str  # after redirects
    content: bytes
    headers: dict[str, str]


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Redirects come back as HTTPError: fetch follows them itself (to see a loop,
    keep the deadline and refuse a scheme other than http and https)."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _read(resp: Any, deadline: float, max_bytes: int) -> bytes:
    length = resp.headers.get("Content-Length")
    if length and length.isdigit() and int(length) > max_bytes:
        raise PollFailure("too_large", f"Content-Length {length} over {max_bytes} bytes")
    chunks: list[bytes] = []
    size = 0
    while True:
        if time.monotonic() > deadline:
            raise PollFailure("timeout", f"response still arriving after {size} bytes")
        chunk = resp.read1(65536)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > max_bytes:
            raise PollFailure("too_large", f"response over {max_bytes} bytes")
        chunks.append(chunk)


def _decode(body: bytes, encoding: str, max_bytes: int) -> bytes:
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding not in ("gzip", "x-gzip", "deflate"):
        raise PollFailure("malformed", f"unknown Content-Encoding {encoding!r}")
    wbits = [zlib.MAX_WBITS | 16] if "gzip" in encoding else [zlib.MAX_WBITS, -zlib.MAX_WBITS]
    for bits in wbits:
        inflater = zlib.decompressobj(bits)
        try:
            out = inflater.decompress(body, max_bytes + 1)
        except zlib.error:
            continue
        if len(out) > max_bytes or inflater.unconsumed_tail:
            raise PollFailure("too_large", f"response over {max_bytes} bytes decompressed")
        return out
    raise PollFailure("malformed", f"not valid {encoding} data")


def fetch(url: str, *, timeout: float, max_bytes: int, agent: str,
          etag: str | None = None, last_modified: str | None = None) -> Response:
    """GET a feed, following at most MAX_REDIRECTS redirects, within `timeout`
    seconds in all; raises PollFailure."""
    deadline = time.monotonic() + timeout
    visited = {url}
    current = url
    headers = {"User-Agent": agent, "Accept": ACCEPT, "Accept-Encoding": "gzip, deflate"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    for _ in range(MAX_REDIRECTS + 1):
        if urllib.parse.urlsplit(current).scheme not in ("http", "https"):
            raise PollFailure("http_error", f"redirected to a non-HTTP URL {current}")
        left = deadline - time.monotonic()
        if left <= 0:
            raise PollFailure("timeout", f"no response within {timeout:g} s")
        request = urllib.request.Request(current, headers=headers)  # noqa: S310 - http(s) only
        try:
            resp = _OPENER.open(request, timeout=left)
        except urllib.error.HTTPError as exc:
            with contextlib.closing(exc):
                got = {k.lower(): v for k, v in (exc.headers or {}).items()}
                if exc.code == 304:
                    return Response(304, current, b"", got)
                if exc.code in (301, 302, 303, 307, 308):
                    location = got.get("location")
                    if not location:
                        raise PollFailure("http_error",
                                          f"HTTP {exc.code} without a Location") from None
                    current = urllib.parse.urljoin(current, location)
                    if current in visited:
                        raise PollFailure("redirect_loop",
                                          f"{current} redirects back to itself") from None
                    visited.add(current)
                    continue
                raise PollFailure("http_error", f"HTTP {exc.code}",
                                  _retry_after(got.get("retry-after"))) from None
        except TimeoutError:
            raise PollFailure("timeout", f"no response within {timeout:g} s") from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise PollFailure("timeout", f"no response within {timeout:g} s") from None
            raise PollFailure("network_error", str(exc.reason)) from None
        except (OSError, http.client.HTTPException, ValueError) as exc:
            raise PollFailure("network_error", str(exc) or type(exc).__name__) from None
        with resp:
            got = {k.lower(): v for k, v in resp.headers.items()}
            try:
                body = _read(resp, deadline, max_bytes)
            except TimeoutError:
                raise PollFailure("timeout", f"response not complete within {timeout:g} s") \
                    from None
            except (OSError, http.client.HTTPException) as exc:
                raise PollFailure("network_error", str(exc) or type(exc).__name__) from None
            body = _decode(body, got.pop("content-encoding", ""), max_bytes)
            return Response(resp.status, current, body, got)
    raise PollFailure("redirect_loop", f"more than {MAX_REDIRECTS} redirects")


# -- the state file -------------------------------------------------------------

@dataclass(frozen=True)
class Known:
    digest: str
    revision: int


class FeedState:
    """What was sent (entry id -> text digest, revision) and each feed's
    validators, in SQLite; safe to share between the poller's threads."""

    def __init__(self, path: Path | None, readonly: bool = False) -> None:
        self.path = path
        if path is None:
            self.db = sqlite3.connect(":memory:", check_same_thread=False)
        elif readonly:
            self.db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True,
                                      check_same_thread=False)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, check_same_thread=False, timeout=30)
        self.lock = threading.Lock()
        if not readonly:
            with self.lock, self.db:
                self.db.execute("CREATE TABLE IF NOT EXISTS validators (url TEXT PRIMARY KEY, "
                                "etag TEXT, last_modified TEXT)")
                self.db.execute("CREATE TABLE IF NOT EXISTS entries (id TEXT PRIMARY KEY, "
                                "digest TEXT NOT NULL, revision INTEGER NOT NULL, "
                                "sent_at REAL NOT NULL, seen_at REAL NOT NULL)")

    @classmethod
    def open_readonly(cls, path: Path) -> FeedState:
        """The state as `feeds run` left it, or an empty one when there is none."""
        if not path.exists():
            return cls(None)
        return cls(path, readonly=True)

    def validators(self, url: str) -> tuple[str | None, str | None]:
        with self.lock:
            row = self.db.execute("SELECT etag, last_modified FROM validators WHERE url = ?",
                                  (url,)).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def set_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        with self.lock, self.db:
            self.db.execute("INSERT OR REPLACE INTO validators VALUES (?, ?, ?)",
                            (url, etag, last_modified))

    def known(self, entry_id: str) -> Known | None:
        with self.lock:
            row = self.db.execute("SELECT digest, revision FROM entries WHERE id = ?",
                                  (entry_id,)).fetchone()
        return Known(row[0], int(row[1])) if row else None

    def record(self, entry_id: str, digest: str, revision: int, now: float) -> None:
        with self.lock, self.db:
            self.db.execute("INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?, ?)",
                            (entry_id, digest, revision, now, now))

    def seen(self, entry_ids: Sequence[str], now: float) -> None:
        with self.lock, self.db:
            self.db.executemany("UPDATE entries SET seen_at = ? WHERE id = ?",
                                [(now, i) for i in entry_ids])

    def forget(self, before: float) -> int:
        """Drop entries no feed has listed since `before`."""
        with self.lock, self.db:
            return self.db.execute("DELETE FROM entries WHERE seen_at < ?", (before,)).rowcount

    def __len__(self) -> int:
        with self.lock:
            return int(self.db.execute("SELECT count(*) FROM entries").fetchone()[0])

    def close(self) -> None:
        with self.lock:
            self.db.close()


def parse_response(feed: FeedConfig, resp: Response, max_body_bytes: int) -> ParsedFeed:
    return parse_document(resp.content, url=feed.url, headers=resp.headers,
                          source=feed.source, language=feed.language,
                          max_body_bytes=max_body_bytes)


@dataclass(frozen=True)
class Outgoing:
    entry: Entry
    item_id: str
    revision: int

    def key(self) -> bytes:
        return self.item_id.encode("utf-8")

    def value(self) -> bytes:
        return json.dumps(self.entry.item(self.item_id), ensure_ascii=False).encode("utf-8")


@dataclass
class Plan:
    send: list[Outgoing] = field(default_factory=list)
    known: int = 0  # sent before, unchanged
    over_limit: list[Entry] = field(default_factory=list)  # changed more than MAX_REVISIONS


def plan(entries: Sequence[Entry], state: FeedState, max_revisions: int = MAX_REVISIONS,
         ) -> Plan:
    """What to send of a feed's entries: the new ones, and the next revision of
    those whose text changed since they were sent."""
    out = Plan()
    for e in entries:
        before = state.known(e.base_id)
        if before is None:
            out.send.append(Outgoing(e, e.base_id, 0))
        elif before.digest == e.digest:
            out.known += 1
        elif before.revision >= max_revisions:
            out.over_limit.append(e)
        else:
            rev = before.revision + 1
            out.send.append(Outgoing(e, f"{e.base_id}.rev{rev}", rev))
    return out


def article_text(html: bytes) -> str:
    """The main text of an article page (trafilatura), "" when it finds none."""
    import trafilatura

    try:
        text = trafilatura.extract(html.decode("utf-8", "replace"), include_comments=False,
                                   include_tables=False, favor_precision=True)
    except Exception:  # a page trafilatura cannot read gives no text, never a crash
        log.debug("article extraction failed", exc_info=True)
        return ""
    return (text or "").strip()


# -- metrics ------------------------------------------------------------------

class FeedMetrics:
    """The poller's metrics, on `registry` (a fresh one by default)."""

    def __init__(self, registry: Any = None) -> None:
        from prometheus_client import CollectorRegistry, Counter, Histogram

        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        self.polls = Counter("claimwatch_feed_polls", "Feed polls by result.", ["result"],
                             registry=r)
        self.items_sent = Counter(
            "claimwatch_feed_items_sent",
            "Feed entries produced to the news topic: new ones, and revisions of entries "
            "updated in place.", ["kind"], registry=r)
        self.poll_seconds = Histogram("claimwatch_feed_poll_seconds",
                                      "Time of one feed poll, fetch to state write.",
                                      buckets=POLL_BUCKETS, registry=r)
        for result in RESULTS:
            self.polls.labels(result)
        for kind in ("new", "revision"):
            self.items_sent.labels(kind)
        self.articles = Counter(
            "claimwatch_feed_articles",
            "Article pages fetched for feeds with `article: true`, by result: used (the "
            "article's text replaced the summary), short (the summary was kept), failed.",
            ["result"], registry=r)
        for result in ("used", "short", "failed"):
            self.articles.labels(result)


# -- polling --------------------------------------------------------------------

#: produces a poll's items; returns the ids acked (the others were not delivered)
Sink = Callable[[Sequence[Outgoing]], set[str]]


@dataclass(frozen=True)
class PollOutcome:
    result: str
    sent: int = 0
    detail: str = ""
    retry_after: float | None = None


class KafkaSink:
    """Sends items to the news topic, keyed by id, and waits for the acks."""

    def __init__(self, settings: Settings, topic: str | None = None) -> None:
        from agents.client import producer

        self.topic = topic or settings.news_topic
        self.producer = producer(settings.bootstrap_servers,
                                 max_request_size=max(1_048_576, settings.max_body_bytes * 2))

    def __call__(self, items: Sequence[Outgoing]) -> set[str]:
        sent = []
        for o in items:
            try:
                sent.append((o.item_id, self.producer.send(self.topic, key=o.key(),
                                                           value=o.value())))
            except Exception as exc:  # no metadata in time (broker down), too large
                log.warning("item %s not sent to %s: %s", o.item_id, self.topic, exc)
        with contextlib.suppress(Exception):  # a timeout: the futures say which failed
            self.producer.flush(timeout=60)
        acked: set[str] = set()
        for item_id, future in sent:
            try:
                future.get(timeout=1)
            except Exception as exc:
                log.warning("item %s not delivered to %s: %s", item_id, self.topic, exc)
                continue
            acked.add(item_id)
        return acked

    def close(self) -> None:
        self.producer.close(timeout=10)


def next_delay(feed: FeedConfig, failures: int, rng: random.Random,
               retry_after: float | None = None) -> float:
    """Seconds until the next poll: the interval, or after `failures` failures in a
    row the interval doubled each time up to max_backoff (a server's Retry-After,
    when longer, within max_backoff); then +- the jitter."""
    delay = feed.interval
    if failures:
        delay = min(max(feed.interval, feed.max_backoff), feed.interval * 2 ** (failures - 1))
        if retry_after:
            delay = max(delay, min(retry_after, max(feed.interval, feed.max_backoff)))
    return float(delay * (1 + rng.uniform(-feed.jitter, feed.jitter)))


class Poller:
    def __init__(self, feeds: Sequence[FeedConfig], state: FeedState, sink: Sink,
                 metrics: FeedMetrics | None = None, *, agent: str | None = None,
                 max_body_bytes: int = 1_048_576, concurrency: int = 4,
                 rng: random.Random | None = None) -> None:
        self.feeds = list(feeds)
        self.state = state
        self.sink = sink
        self.metrics = metrics or FeedMetrics()
        self.agent = agent or user_agent()
        self.max_body_bytes = max_body_bytes
        self.concurrency = max(1, min(concurrency, len(self.feeds) or 1))
        self.rng = rng or random.Random()  # noqa: S311 - jitter, not security
        self.failures: dict[str, int] = {f.url: 0 for f in self.feeds}
        self.sent = 0
        self._sent_lock = threading.Lock()

    def poll(self, feed: FeedConfig) -> PollOutcome:
        """One poll of one feed; never raises."""
        started = time.monotonic()
        try:
            outcome = self._poll(feed)
        except PollFailure as exc:
            outcome = PollOutcome(exc.result, detail=exc.detail, retry_after=exc.retry_after)
        except Exception as exc:  # a bug must not stop the other feeds
            log.exception("feed %s: unexpected error", feed.url)
            outcome = PollOutcome("error", detail=f"{type(exc).__name__}: {exc}")
        self.metrics.polls.labels(outcome.result).inc()
        self.metrics.poll_seconds.observe(time.monotonic() - started)
        failures = self.failures[feed.url] = \
            0 if outcome.result in ("ok", "not_modified") else self.failures.get(feed.url, 0) + 1
        if failures:
            log.warning("feed %s: %s (%s); failure %d in a row, retried later", feed.url,
                        outcome.result, outcome.detail, failures)
        else:
            log.info("feed %s: %s, %d sent (%.2f s)", feed.url, outcome.result, outcome.sent,
                     time.monotonic() - started)
        return outcome

    def _poll(self, feed: FeedConfig) -> PollOutcome:
        etag, modified = self.state.validators(feed.url)
        resp = fetch(feed.url, timeout=feed.timeout, max_bytes=feed.max_bytes,
                     agent=self.agent, etag=etag, last_modified=modified)
        if resp.status == 304:
            return PollOutcome("not_modified")
        try:
            parsed = parse_response(feed, resp, self.max_body_bytes)
        except NotAFeed as exc:
            raise PollFailure("malformed", str(exc)) from None
        todo = plan(parsed.entries, self.state)
        now = time.time()
        for e in todo.over_limit:
            log.warning("feed %s: entry %s changed again after %d revisions: not sent",
                        feed.url, e.base_id, MAX_REVISIONS)
            self.state.record(e.base_id, e.digest, MAX_REVISIONS, now)
        if feed.article:
            todo.send = [self._with_article(feed, o) for o in todo.send]
        acked = self.sink(todo.send) if todo.send else set()
        for o in todo.send:
            if o.item_id in acked:
                self.state.record(o.entry.base_id, o.entry.digest, o.revision, now)
                self.metrics.items_sent.labels("revision" if o.revision else "new").inc()
        self.state.seen([e.base_id for e in parsed.entries], now)
        with self._sent_lock:
            self.sent += len(acked)
        if len(acked) < len(todo.send):
            # no validators: the next poll fetches the whole feed and sends the rest
            return PollOutcome("send_error", len(acked),
                               f"{len(todo.send) - len(acked)} of {len(todo.send)} items "
                               "not delivered")
        self.state.set_validators(feed.url, resp.headers.get("etag"),
                                  resp.headers.get("last-modified"))
        return PollOutcome("ok", len(acked))

    def _with_article(self, feed: FeedConfig, out: Outgoing) -> Outgoing:
        """The entry with its article's text as the body, when the link's page gives
        more text than the feed's summary; the summary otherwise (a failed fetch is
        counted and logged, never a failed poll). The entry's digest stays the feed's,
        so a page that changes around its article sends no revision."""
        link = out.entry.fields.get("url")
        if not link:
            return out
        try:
            resp = fetch(link, timeout=feed.timeout, max_bytes=feed.max_bytes,
                         agent=self.agent)
            text = article_text(resp.content)
        except PollFailure as exc:
            log.info("feed %s: article %s not fetched: %s (%s)", feed.url, link,
                     exc.result, exc.detail)
            self.metrics.articles.labels("failed").inc()
            return out
        body = str(out.entry.fields.get("body") or "")
        if len(text) <= len(body):
            self.metrics.articles.labels("short").inc()
            return out
        self.metrics.articles.labels("used").inc()
        fields = {**out.entry.fields,
                  "body": cut_text(text, self.max_body_bytes)}
        return replace(out, entry=replace(out.entry, fields=fields))

    def run(self, stop: threading.Event, once: bool = False) -> None:
        """Poll every feed on its schedule until `stop` is set (with `once`: poll
        each feed one time, then return)."""
        due: list[tuple[float, int]] = [(time.monotonic(), i) for i in range(len(self.feeds))]
        heapq.heapify(due)
        running: dict[futures.Future[PollOutcome], int] = {}
        last_forget = 0.0
        with futures.ThreadPoolExecutor(self.concurrency, "feed-poll") as pool:
            while not (stop.is_set() and not running) and (due or running):
                now = time.monotonic()
                while (not stop.is_set() and due and due[0][0] <= now
                       and len(running) < self.concurrency):
                    _, i = heapq.heappop(due)
                    running[pool.submit(self.poll, self.feeds[i])] = i
                wait = min(1.0, max(0.02, due[0][0] - now)) if due else 1.0
                if not running:
                    stop.wait(wait)
                    continue
                done, _ = futures.wait(running, timeout=wait,
                                       return_when=futures.FIRST_COMPLETED)
                for fut in done:
                    i = running.pop(fut)
                    outcome = fut.result()
                    if not once:
                        feed = self.feeds[i]
                        delay = next_delay(feed, self.failures[feed.url], self.rng,
                                           outcome.retry_after)
                        heapq.heappush(due, (time.monotonic() + delay, i))
                if time.time() - last_forget > 3600:
                    last_forget = time.time()
                    forgotten = self.state.forget(last_forget - FORGET_AFTER_SECONDS)
                    if forgotten:
                        log.info("forgot %d entries no feed listed for 30 days", forgotten)


# -- the commands ---------------------------------------------------------------

def state_path(settings: Settings) -> Path:
    return settings.data_dir / STATE_FILE


@contextlib.contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    import signal

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    for s in previous:
        signal.signal(s, lambda *_: stop.set())
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _load_or_say(path: Path, err: TextIO) -> FeedsFile | None:
    try:
        return load_feeds_file(path)
    except FeedsFileError as exc:
        print(f"claimwatch feeds: {exc}", file=err)
        return None


def run_feeds(settings: Settings, path: Path, *, once: bool = False,
              metrics_port: int | None = None, stop: threading.Event | None = None,
              err: TextIO | None = None, poller_ready: Callable[[Poller], None] | None = None,
              ) -> int:
    """`claimwatch feeds run`: poll until SIGTERM or Ctrl-C (or once)."""
    from agents.client import check_broker, ensure_topic

    err = err or sys.stderr
    config = _load_or_say(path, err)
    if config is None:
        return 1
    check_broker(settings.bootstrap_servers)
    ensure_topic(settings.bootstrap_servers, settings.news_topic, settings.partitions)
    metrics = FeedMetrics()
    if metrics_port is not None:
        from prometheus_client import start_http_server

        start_http_server(metrics_port, addr=settings.web_host, registry=metrics.registry)
    stop = stop or threading.Event()
    state = FeedState(state_path(settings))
    sink = KafkaSink(settings)
    poller = Poller(config.feeds, state, sink, metrics, agent=user_agent(config.contact),
                    max_body_bytes=settings.max_body_bytes)
    if poller_ready:
        poller_ready(poller)
    print(f"claimwatch feeds: polling {len(config.feeds)} feed(s) into "
          f"{settings.news_topic}; state in {state.path}"
          + (f"; metrics on http://{settings.web_host}:{metrics_port}/metrics"
             if metrics_port is not None else ""), file=err, flush=True)
    try:
        with _stop_on_signals(stop):
            poller.run(stop, once=once)
    finally:
        sink.close()
        state.close()
    counts = {r: metrics.registry.get_sample_value("claimwatch_feed_polls_total",
                                                   {"result": r}) or 0.0 for r in RESULTS}
    failed = sum(v for r, v in counts.items() if r not in ("ok", "not_modified"))
    print(f"claimwatch feeds: {poller.sent} items sent; polls: "
          + ", ".join(f"{r} {int(v)}" for r, v in counts.items() if v), file=err, flush=True)
    return 1 if once and failed else 0


def check_feeds(settings: Settings, path: Path, *, as_json: bool = False,
                out: TextIO | None = None, err: TextIO | None = None) -> int:
    """`claimwatch feeds check`: fetch each feed once (unconditionally) and print
    what `feeds run` would send now; sends nothing, writes no state."""
    out = out or sys.stdout
    config = _load_or_say(path, err or sys.stderr)
    if config is None:
        return 1
    state = FeedState.open_readonly(state_path(settings))
    agent = user_agent(config.contact)
    status = 0
    try:
        for feed in config.feeds:
            try:
                resp = fetch(feed.url, timeout=feed.timeout, max_bytes=feed.max_bytes,
                             agent=agent)
                parsed = parse_response(feed, resp, settings.max_body_bytes)
            except PollFailure as exc:
                status = 1
                print(f"{feed.url}: {exc.result}: {exc.detail}", file=out)
                continue
            except NotAFeed as exc:
                status = 1
                print(f"{feed.url}: malformed: {exc}", file=out)
                continue
            todo = plan(parsed.entries, state)
            _print_check(feed, resp, parsed, todo, as_json, out)
    finally:
        state.close()
    return status


def _print_check(feed: FeedConfig, resp: Response, parsed: ParsedFeed, todo: Plan,
                 as_json: bool, out: TextIO) -> None:
    if as_json:
        for o in todo.send:
            print(json.dumps({"feed": feed.url, "revision": o.revision,
                              "item": o.entry.item(o.item_id)}, ensure_ascii=False), file=out)
        return
    moved = f" (from {resp.url})" if resp.url != feed.url else ""
    revised = sum(1 for o in todo.send if o.revision)
    print(f"{feed.url}{moved}: {parsed.version} {parsed.title!r}, {len(parsed.entries)} "
          f"entries: would send {len(todo.send) - revised} new, {revised} revised; "
          f"{todo.known} already sent"
          + (f"; {len(todo.over_limit)} changed too often" if todo.over_limit else "")
          + (f"; {parsed.skipped} without title or text" if parsed.skipped else ""), file=out)
    for o in todo.send:
        f = o.entry.fields
        title = f["title"] if len(f["title"]) <= 90 else f["title"][:87] + "..."
        print(f"  {o.item_id}  {f['published_at'] or '-':20}  {f['source'] or '-'}: {title}"
              f"  ({len(f['body'])} chars)", file=out)


__all__ = [
    "FeedConfig",
    "FeedMetrics",
    "FeedState",
    "FeedsFileError",
    "PollFailure",
    "Poller",
    "check_feeds",
    "fetch",
    "load_feeds_file",
    "next_delay",
    "plan",
    "run_feeds",
]
