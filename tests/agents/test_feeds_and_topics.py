"""Feed reading for replay, tracked-topic files and the compacted-topic records."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from agents.feeds import FeedError, FeedProblem, FeedRecord, derive_id, open_feed
from agents.topics import TopicFileError, TopicRegistry, encode_topic, load_topics_file
from detector import Topic, TopicError


def read(path: Path, fmt: str | None = None) -> list[FeedRecord | FeedProblem]:
    handle, records = open_feed(path, fmt)
    with handle:
        return list(records)


def test_jsonl_reports_malformed_lines_by_number(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_bytes(b'{"id": "a", "title": "ok"}\n'
                     b"\n"
                     b'{"id": "b", "title": \n'
                     b"[1, 2]\n"
                     b'{"title": "no id", "url": "https://example.org/x"}\n'
                     b'{"title": "nothing to derive an id from"}\n'
                     b'{"id": "c", "title": "caf\xe9"}\n')
    out = read(feed)
    problems = [(r.line, r.reason.split(" (")[0]) for r in out if isinstance(r, FeedProblem)]
    assert problems == [(3, "invalid JSON"), (4, "expected a JSON object, got list"),
                        (6, "no id and no url to derive one from"), (7, "not UTF-8")]
    good = [r for r in out if isinstance(r, FeedRecord)]
    assert [r.key for r in good] == [b"a", derive_id("https://example.org/x").encode()]
    assert json.loads(good[1].value)["id"] == derive_id("https://example.org/x")


def test_derived_ids_are_stable() -> None:
    assert derive_id("https://example.org/x") == derive_id(" https://example.org/x ")
    assert derive_id("https://example.org/x") != derive_id("https://example.org/y")


def test_csv_columns_become_news_items(tmp_path: Path) -> None:
    feed = tmp_path / "feed.csv"
    feed.write_text('id,title,body,source,url,published_at\n'
                    'a,Title,"Body, with comma\nand a newline",Wire,,2026-03-02T10:00:00Z\n'
                    ',No id,Body,Wire,https://example.org/z,\n'
                    'b,Too,many,fields,,,extra\n', encoding="utf-8")
    out = read(feed)
    first = json.loads(out[0].value)  # type: ignore[union-attr]
    assert first == {"id": "a", "title": "Title", "body": "Body, with comma\nand a newline",
                     "source": "Wire", "url": None, "published_at": "2026-03-02T10:00:00Z"}
    second = json.loads(out[1].value)  # type: ignore[union-attr]
    assert second["id"] == derive_id("https://example.org/z")
    assert isinstance(out[2], FeedProblem)
    assert out[2].line == 5


def test_csv_without_the_columns_is_one_clear_error(tmp_path: Path) -> None:
    feed = tmp_path / "feed.csv"
    feed.write_text("headline,text\nx,y\n", encoding="utf-8")
    with pytest.raises(FeedError, match="lacks column"):
        read(feed)


def test_missing_feed_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FeedError, match="No such file"):
        open_feed(tmp_path / "absent.jsonl")


def test_topics_file_errors_name_the_file_and_the_problem(tmp_path: Path) -> None:
    bad_yaml = tmp_path / "a.yaml"
    bad_yaml.write_text("topics:\n  - id: x\n   keywords: [", encoding="utf-8")
    with pytest.raises(TopicFileError, match=r"a\.yaml.*invalid YAML"):
        load_topics_file(bad_yaml)
    bad_topic = tmp_path / "b.yaml"
    bad_topic.write_text("topics:\n  - name: no id\n", encoding="utf-8")
    with pytest.raises(TopicFileError, match=r"b\.yaml: topic 1: .*id"):
        load_topics_file(bad_topic)
    twice = tmp_path / "c.yaml"
    twice.write_text("topics:\n  - {id: x, keywords: [a]}\n  - {id: x, keywords: [b]}\n",
                     encoding="utf-8")
    with pytest.raises(TopicFileError, match="twice"):
        load_topics_file(twice)


def test_the_seed_topics_file_loads() -> None:
    root = Path(__file__).resolve().parents[2]
    topics = load_topics_file(root / "seeds" / "topics.yaml")
    assert topics and all(isinstance(t, Topic) for t in topics)


def test_registry_applies_upserts_and_tombstones() -> None:
    reg = TopicRegistry()
    topic = Topic.from_dict({"id": "t1", "name": "T", "keywords": ["x"],
                             "min_confirmations": 3})
    v0 = reg.version
    assert reg.apply_message(b"t1", encode_topic(topic)) == "upserted t1"
    assert reg.ids() == ["t1"] and reg.min_confirmations("t1") == 3
    assert reg.version > v0
    assert reg.apply_message(b"t1", None) == "removed t1"
    assert reg.ids() == []
    assert reg.min_confirmations("t1") == 2  # unknown topic: the default


@pytest.mark.parametrize(("key", "value"), [
    (b"t1", b"not json"),
    (b"t1", b'{"name": "no id"}'),
    (b"other", b'{"id": "t1", "keywords": ["x"]}'),
    (None, None),
])
def test_registry_skips_unusable_records(key: bytes | None, value: bytes | None) -> None:
    reg = TopicRegistry([Topic.from_dict({"id": "keep", "keywords": ["k"]})])
    with pytest.raises(TopicError):
        reg.apply_message(key, value)
    assert reg.ids() == ["keep"]


async def test_registry_asks_the_follower_only_for_items_newer_than_its_last_check() -> None:
    reg = TopicRegistry()
    assert await reg.wait_synced(10.0**12, max_wait=0.05)  # no follower: nothing to wait for
    asked: list[float] = []

    async def sync() -> float:
        asked.append(1.0)
        return 150.0

    reg.following, reg.sync, reg.synced_at = True, sync, 100.0
    assert await reg.wait_synced(50.0)
    assert asked == []
    assert await reg.wait_synced(120.0)
    assert asked == [1.0] and reg.synced_at == 150.0
    assert await reg.wait_synced(140.0)
    assert asked == [1.0]


async def test_a_stuck_follower_delays_news_by_at_most_max_wait() -> None:
    reg = TopicRegistry()

    async def stuck() -> float:
        await asyncio.sleep(10)
        return 0.0

    reg.following, reg.sync = True, stuck
    assert not await reg.wait_synced(1.0, max_wait=0.05)


def test_claims_registry_carries_whether_a_claim_is_in_question() -> None:
    """A discovered claim put in question is published again; a worker that knew the
    claim learns the flag, one that did not gets the claim with it."""
    from agents.claims import ClaimRegistry, claim_dict, encode_claim
    from detector.claims import Claim, ClaimIndex

    claim = Claim("t:abc", "t", "Dravonian troops entered Port Veld", frozenset({"troop"}))
    reg = ClaimRegistry()
    assert reg.apply_message(b"t:abc", encode_claim(claim_dict(claim)))
    assert not reg.apply_message(b"t:abc", encode_claim(claim_dict(claim)))  # nothing new
    claim.questioned = True
    assert reg.apply_message(b"t:abc", encode_claim(claim_dict(claim)))
    assert not reg.apply_message(b"t:abc", encode_claim(claim_dict(claim)))
    first, update = reg.drain()
    assert (first["questioned"], update["questioned"]) == (False, True)
    index = ClaimIndex()
    assert index.add_discovered(**{k: first[k] for k in ("topic_id", "text", "terms")},
                                claim_id=first["id"])
    assert index.add_discovered(update["id"], update["topic_id"], update["text"],
                                update["terms"], update["questioned"])
    known = index.get("t:abc")
    assert known is not None and known.questioned
