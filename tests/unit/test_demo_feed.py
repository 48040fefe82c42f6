"""The demo's seed feed: served as RSS 2.0 and read back by the feed poller, it
gives the worker the very items of seeds/feed.jsonl, in order, one per id."""

from __future__ import annotations

import contextlib
import json
import socket
from pathlib import Path

import pytest

from agents.demo import seed_rss, serve_seed_feed
from agents.feedentries import parse_document
from agents.poller import check_feeds, load_feeds_file
from agents.settings import Settings

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
FIELDS = ("title", "body", "source", "url", "published_at", "language")


def test_the_rss_seed_feed_carries_the_seed_items_unchanged() -> None:
    items: dict[str, dict[str, object]] = {}
    for line in (SEEDS / "feed.jsonl").read_text("utf-8").splitlines():
        d = json.loads(line)
        items.setdefault(d["id"], d)  # the redelivered id is one entry in a feed
    url = load_feeds_file(SEEDS / "feeds.yaml").feeds[0].url
    entries = parse_document(seed_rss(SEEDS / "feed.jsonl"), url=url).entries
    assert [e.fields["title"] for e in entries] == [d["title"] for d in items.values()]
    for entry, item in zip(entries, items.values(), strict=True):
        assert {k: entry.fields[k] for k in FIELDS} == {k: item.get(k) for k in FIELDS}


def test_the_demo_serves_it_where_its_feeds_file_says_or_on_a_free_port(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = load_feeds_file(SEEDS / "feeds.yaml").feeds[0].url
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    with socket.socket() as taken:
        # make the demo move (when something else holds the port it moves all the same)
        with contextlib.suppress(OSError):
            taken.bind(("127.0.0.1", port))
        with serve_seed_feed(SEEDS, tmp_path) as feeds_file:
            assert feeds_file == tmp_path / "feeds.yaml"
            moved = load_feeds_file(feeds_file).feeds[0].url
            assert moved != url
            settings = Settings(data_dir=tmp_path / "data")
            assert check_feeds(settings, feeds_file) == 0
    out = capsys.readouterr().out
    assert "36 entries: would send 36 new, 0 revised; 0 already sent" in out
