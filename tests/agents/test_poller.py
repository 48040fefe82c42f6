"""The feed poller against a local HTTP server (no broker): fetching with its
faults, and polls that send each entry once through a recording sink."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from agents import cli
from agents.poller import (
    FeedConfig,
    FeedMetrics,
    FeedState,
    Outgoing,
    Poller,
    PollFailure,
    fetch,
    user_agent,
)
from tests.feedserver import FeedServer, Story, document, in_turn, redirect, rss, slow, status

STORIES = [Story(f"pt-{n}", f"Tram line {n} opens", (f"Line {n} opened on time.",),
                 link=f"https://news.example.org/pt-{n}", published=1772431800.0 + n)
           for n in range(3)]
AGENT = user_agent("desk@example.org")


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as s:
        yield s


def get(server: FeedServer, path: str, **kw: object) -> object:
    opts: dict[str, object] = {"timeout": 2.0, "max_bytes": 100_000, "agent": AGENT, **kw}
    return fetch(server.url(path), **opts)  # type: ignore[arg-type]


def failure(server: FeedServer, path: str, **kw: object) -> PollFailure:
    with pytest.raises(PollFailure) as info:
        get(server, path, **kw)
    return info.value


def test_conditional_get_with_etag_and_last_modified(server: FeedServer) -> None:
    server.set("/e", document(rss("W", STORIES), etag='"v1"'))
    server.set("/m", document(rss("W", STORIES), last_modified=1772431800.0))
    first = get(server, "/e")
    assert first.status == 200 and first.headers["etag"] == '"v1"'  # type: ignore[attr-defined]
    assert get(server, "/e", etag='"v1"').status == 304  # type: ignore[attr-defined]
    modified = get(server, "/m").headers["last-modified"]  # type: ignore[attr-defined]
    assert get(server, "/m", last_modified=modified).status == 304  # type: ignore[attr-defined]
    _, headers = server.requests[0]
    assert headers["User-Agent"].startswith("claimwatch-feeds/")
    assert "desk@example.org" in headers["User-Agent"]


def test_gzip_and_redirects_are_followed(server: FeedServer) -> None:
    server.set("/old", redirect("/new", 301))
    server.set("/new", document(rss("W", STORIES), gzipped=True))
    resp = get(server, "/old")
    assert resp.url.endswith("/new") and b"Tram line 2" in resp.content  # type: ignore[attr-defined]


def test_a_redirect_loop_is_refused(server: FeedServer) -> None:
    server.set("/a", redirect("/b"))
    server.set("/b", redirect("/a"))
    assert failure(server, "/a").result == "redirect_loop"
    hops = [f"/hop{n}" for n in range(10)]
    for here, there in itertools.pairwise(hops):
        server.set(here, redirect(there))
    assert failure(server, "/hop0").result == "redirect_loop"


def test_http_errors_carry_the_servers_retry_after(server: FeedServer) -> None:
    server.set("/busy", status(503, {"Retry-After": "120"}))
    busy = failure(server, "/busy")
    assert (busy.result, busy.detail, busy.retry_after) == ("http_error", "HTTP 503", 120.0)
    assert failure(server, "/absent").detail == "HTTP 404"


def test_a_redirect_off_http_is_refused(server: FeedServer) -> None:
    server.set("/file", redirect("file:///etc/passwd"))
    assert "non-HTTP" in failure(server, "/file").detail


def test_size_cap_holds_with_and_without_compression(server: FeedServer) -> None:
    big = rss("W", [Story(f"b-{n}", "Big", ("x" * 1000,)) for n in range(50)])
    server.set("/big", document(big))
    server.set("/bomb", document(big, gzipped=True))
    assert failure(server, "/big", max_bytes=10_000).result == "too_large"
    assert failure(server, "/bomb", max_bytes=10_000).result == "too_large"


def test_a_slow_server_times_out_within_the_deadline(server: FeedServer) -> None:
    server.set("/slow", slow(rss("W", STORIES), seconds=5))
    started = time.monotonic()
    assert failure(server, "/slow", timeout=0.5).result == "timeout"
    assert time.monotonic() - started < 2.0


def test_nothing_listening_is_a_network_error() -> None:
    with FeedServer() as s:
        url = s.url("/x")
    with pytest.raises(PollFailure) as info:
        fetch(url, timeout=1, max_bytes=1000, agent=AGENT)
    assert info.value.result == "network_error"


# -- polls ------------------------------------------------------------------------

class Recorder:
    def __init__(self) -> None:
        self.sent: list[str] = []
        self.refuse: set[str] = set()

    def __call__(self, items: Sequence[Outgoing]) -> set[str]:
        ok = {o.item_id for o in items if o.item_id not in self.refuse}
        self.sent += [o.item_id for o in items if o.item_id in ok]
        return ok


def make_poller(server: FeedServer, tmp_path: Path, *paths: str,
                sink: Recorder | None = None) -> tuple[Poller, Recorder]:
    sink = sink or Recorder()
    feeds = [FeedConfig(server.url(p), interval=0.1, jitter=0.0, timeout=0.5,
                        max_backoff=0.2) for p in paths]
    return Poller(feeds, FeedState(tmp_path / "feeds.sqlite3"), sink, FeedMetrics(),
                  agent=AGENT), sink


def polls(poller: Poller, result: str) -> float:
    value = poller.metrics.registry.get_sample_value("claimwatch_feed_polls_total",
                                                     {"result": result})
    return value or 0.0


def test_each_entry_is_sent_once_and_the_next_poll_is_conditional(
        server: FeedServer, tmp_path: Path) -> None:
    server.set("/f", document(rss("W", STORIES), etag='"v1"'))
    poller, sink = make_poller(server, tmp_path, "/f")
    feed = poller.feeds[0]
    assert poller.poll(feed).sent == 3
    assert poller.poll(feed).result == "not_modified"
    assert len(sink.sent) == 3 and polls(poller, "ok") == 1 and polls(poller, "not_modified") == 1
    assert server.requests[-1][1]["If-None-Match"] == '"v1"'


def test_undelivered_items_are_sent_at_the_next_poll(server: FeedServer,
                                                     tmp_path: Path) -> None:
    server.set("/f", document(rss("W", STORIES), etag='"v1"'))
    poller, sink = make_poller(server, tmp_path, "/f")
    (_, refused, _) = [e.base_id for e in poller_entries(poller)]
    sink.refuse = {refused}
    first = poller.poll(poller.feeds[0])
    assert (first.result, first.sent) == ("send_error", 2)
    sink.refuse = set()
    # no ETag was kept after a send error: the whole feed comes again and only the rest goes
    assert poller.poll(poller.feeds[0]).sent == 1
    assert sorted(sink.sent) == sorted(e.base_id for e in poller_entries(poller))
    assert poller.failures[poller.feeds[0].url] == 0


def poller_entries(poller: Poller) -> list:  # type: ignore[type-arg]
    from agents.feedentries import parse_document

    return parse_document(rss("W", STORIES), url=poller.feeds[0].url).entries


def test_a_failing_feed_is_counted_and_the_others_go_on(server: FeedServer,
                                                        tmp_path: Path) -> None:
    server.set("/good", document(rss("W", STORIES)))
    server.set("/slow", slow(rss("W", STORIES), seconds=30))
    server.set("/flaky", in_turn(status(500), status(500), document(rss("W", [
        Story("fl-1", "Flaky desk back", ("It works now.",))]))))
    server.set("/broken", document(b"<?xml version='1.0'?><rss version='2.0'><channel><item>"))
    poller, sink = make_poller(server, tmp_path, "/good", "/slow", "/flaky", "/broken")
    stop = threading.Event()
    runner = threading.Thread(target=poller.run, args=(stop,))
    runner.start()
    try:
        deadline = time.monotonic() + 20
        while (len(sink.sent) < 4 or polls(poller, "timeout") < 1) and \
                time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        runner.join(10)
    assert not runner.is_alive()
    assert len(sink.sent) == 4 and len(set(sink.sent)) == 4  # the good feed's 3 and flaky's 1
    for result in ("timeout", "http_error", "malformed"):
        assert polls(poller, result) >= 1, result
    assert server.hits("/flaky") >= 3 and server.hits("/broken") >= 2  # retried


def test_feeds_check_prints_what_would_be_sent_and_sends_nothing(
        server: FeedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    server.set("/f", document(rss("Test Wire", STORIES)))
    path = tmp_path / "feeds.yaml"
    path.write_text(f"feeds:\n  - {server.url('/f')}\n  - {server.url('/gone')}\n",
                    encoding="utf-8")
    monkeypatch.setenv("CLAIMWATCH_DATA_DIR", str(tmp_path / "data"))
    assert cli.main(["feeds", "check", str(path)]) == 1  # one feed failed
    out = capsys.readouterr().out
    assert "rss20 'Test Wire', 3 entries: would send 3 new, 0 revised" in out
    assert "Tram line 2 opens" in out
    assert f"{server.url('/gone')}: http_error: HTTP 404" in out
    assert not (tmp_path / "data" / "feeds.sqlite3").exists()


def test_feeds_run_checks_the_file_then_the_broker(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    monkeypatch.setenv("CLAIMWATCH_BROKER", f"kafka://127.0.0.1:{closed}")
    bad = tmp_path / "bad.yaml"
    bad.write_text("feeds: [{url: 'ftp://x/y'}]", encoding="utf-8")
    assert cli.main(["feeds", "run", str(bad)]) == 1
    assert "bad.yaml: feed 1: url must be an http:// or https:// URL" in capsys.readouterr().err
    good = tmp_path / "good.yaml"
    good.write_text("feeds: ['http://127.0.0.1:1/x']", encoding="utf-8")
    assert cli.main(["feeds", "run", str(good)]) == 2
    assert "cannot reach the Kafka broker" in capsys.readouterr().err


# -- article text -------------------------------------------------------------------

ARTICLE = """<html><head><title>Tram line opens</title></head><body>
<nav><a href="/">Home</a> <a href="/city">City</a></nav>
<article><h1>Tram line 7 opens on time</h1>
<p>The city's seventh tram line opened on Monday morning, on the date the transport
authority had promised two years ago, its director told reporters at the depot.</p>
<p>The authority said the line would carry 40,000 passengers a day by the summer and
denied reports that the last section had failed its safety inspection.</p>
<p>Residents along the route said the first trams ran quietly and on schedule.</p>
</article><footer>Subscribe to our newsletter</footer></body></html>"""


def test_a_feed_with_article_true_sends_the_articles_text(server: FeedServer,
                                                          tmp_path: Path) -> None:
    story = Story("pt-7", "Tram line 7 opens", ("Line 7 opened.",),
                  link=server.url("/a/7"), published=1772431800.0)
    missing = Story("pt-8", "Tram line 8 delayed", ("Line 8 is late.",),
                    link=server.url("/a/8"), published=1772431801.0)
    server.set("/f", document(rss("W", [story, missing])))
    server.set("/a/7", document(ARTICLE.encode(), content_type="text/html; charset=utf-8"))
    server.set("/a/8", status(404))
    sent: list[Outgoing] = []

    def sink(items: Sequence[Outgoing]) -> set[str]:
        sent.extend(items)
        return {o.item_id for o in items}

    feed = FeedConfig(server.url("/f"), timeout=1.0, article=True)
    poller = Poller([feed], FeedState(tmp_path / "feeds.sqlite3"), sink, FeedMetrics(),
                    agent=AGENT)
    assert poller.poll(feed).result == "ok"  # a missing article page fails no poll
    bodies = {o.entry.fields["title"]: o.entry.fields["body"] for o in sent}
    assert "denied reports that the last section had failed" in bodies["Tram line 7 opens"]
    assert "Subscribe to our newsletter" not in bodies["Tram line 7 opens"]
    assert bodies["Tram line 8 delayed"] == "Line 8 is late."  # the summary, kept
    sample = poller.metrics.registry.get_sample_value
    assert sample("claimwatch_feed_articles_total", {"result": "used"}) == 1
    assert sample("claimwatch_feed_articles_total", {"result": "failed"}) == 1


def test_article_is_a_boolean_in_the_feeds_file(tmp_path: Path) -> None:
    from agents.poller import FeedsFileError, load_feeds_file

    path = tmp_path / "feeds.yaml"
    path.write_text("feeds:\n  - url: https://news.example.org/rss\n    article: true\n")
    assert load_feeds_file(path).feeds[0].article is True
    path.write_text("feeds:\n  - url: https://news.example.org/rss\n    article: yes please\n")
    with pytest.raises(FeedsFileError, match="article must be true or false"):
        load_feeds_file(path)
