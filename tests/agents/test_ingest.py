"""Ingest as plain functions: every bad input kind gets its reason."""

from __future__ import annotations

import base64
import json

import pytest

from agents.ingest import Deduplicator, Rejected, dead_letter, parse_news, text_key
from schemas.records import NewsItem

LIMIT = 1000


def raw(**fields: object) -> bytes:
    return json.dumps(fields).encode("utf-8")


@pytest.mark.parametrize(("message", "reason"), [
    (b'{"id": "a", "title": "x"', "invalid_json"),
    (b"not json at all", "invalid_json"),
    (b"", "invalid_json"),
    (b'{"id": "a", "title": "caf\xe9"}', "invalid_utf8"),
    (b"\xff\xfe{}", "invalid_utf8"),
    (raw(id="a", title="\ud800"), "invalid_utf8"),  # a lone surrogate, escaped in JSON
    (b"[1, 2]", "schema"),
    (b'"just a string"', "schema"),
    (raw(id=7, title="x"), "schema"),
    (raw(id="a", title=["x"]), "schema"),
    (raw(id="a", title="x", url=5), "schema"),
    (raw(id="a", title="x", source=None), "schema"),
    (raw(id="a", title="x", published_at="last Tuesday"), "schema"),
    (raw(id="a", body="x" * (LIMIT + 1)), "too_large"),
    (raw(id="a", body="é" * (LIMIT // 2 + 1)), "too_large"),  # counted in UTF-8 bytes
    (b"x" * (6 * LIMIT + 65537), "too_large"),
    (raw(title="no id"), "missing_field"),
    (raw(id="", title="x"), "missing_field"),
    (raw(id="   ", title="x"), "missing_field"),
    (raw(id="a"), "missing_field"),
    (raw(id="a", title="  ", body=""), "missing_field"),
    (None, "missing_field"),
])
def test_bad_input_gets_its_reason(message: bytes | None, reason: str) -> None:
    with pytest.raises(Rejected) as info:
        parse_news(message, LIMIT)
    assert info.value.reason == reason
    assert info.value.detail


@pytest.mark.parametrize("message", [
    raw(id="a", title="Only a title"),
    raw(id="a", body="Only a body"),
    raw(id="a", title="t", body="x" * LIMIT),
    raw(id="a", title="t", url=None, published_at=None, language=None),
    raw(id="a", title="t", published_at="2026-03-02T10:00:00Z", language="en"),
    raw(id="a", title="t", published_at="2026-03-02T10:00:00+02:00"),
    raw(id="a", title="t", extra_field={"ignored": True}),
])
def test_valid_items_pass(message: bytes) -> None:
    item = parse_news(message, LIMIT)
    assert isinstance(item, NewsItem)
    assert item.id == "a"


def test_parsed_item_keeps_every_field() -> None:
    item = parse_news(raw(id="a", title="T", body="B", source="Wire", url="https://x.org/a",
                          published_at="2026-03-02T10:00:00Z", language="en"), LIMIT)
    assert (item.title, item.body, item.source, item.url, item.published_at, item.language) == (
        "T", "B", "Wire", "https://x.org/a", "2026-03-02T10:00:00Z", "en")


def item(id: str, body: str, title: str = "Headline") -> NewsItem:
    return NewsItem(id=id, title=title, body=body)


def test_same_id_twice_is_a_duplicate_by_id() -> None:
    d = Deduplicator()
    assert d.seen(item("a", "text one")) is None
    assert d.seen(item("a", "entirely different text")) == "id"


def test_syndicated_copy_under_another_id_is_a_duplicate_by_text() -> None:
    d = Deduplicator()
    assert d.seen(item("a", "Kestria says Dravonia seized the tanker.\n")) is None
    copy = item("b", "KESTRIA says  Dravonia seized the tanker", title="Another headline")
    assert d.seen(copy) == "text"


def test_different_texts_are_not_duplicates() -> None:
    d = Deduplicator()
    assert d.seen(item("a", "Kestria says Dravonia seized the tanker.")) is None
    assert d.seen(item("b", "Dravonia denies it seized the tanker.")) is None


def test_title_only_items_compare_by_title() -> None:
    a = NewsItem(id="a", title="Breaking: tanker seized")
    b = NewsItem(id="b", title="breaking tanker seized")
    assert text_key(a) == text_key(b)


def test_dedup_forgets_the_oldest_beyond_capacity() -> None:
    d = Deduplicator(capacity=2)
    for i in range(3):
        assert d.seen(item(f"id{i}", f"text {i}")) is None
    assert d.seen(item("id0", "text 0")) is None  # forgotten: bounded memory
    assert d.seen(item("id2", "text 2")) == "id"


def test_dead_letter_keeps_the_original_bytes_and_the_source() -> None:
    rec = dead_letter(reason="invalid_utf8", detail="byte 3", topic="news", partition=2,
                      offset=41, value=b"\xff\x00raw", key=b"k", timestamp=12.5)
    assert base64.b64decode(rec.value_b64) == b"\xff\x00raw"
    assert base64.b64decode(rec.key_b64 or "") == b"k"
    assert (rec.source_topic, rec.partition, rec.offset, rec.reason) == (
        "news", 2, 41, "invalid_utf8")
    assert json.loads(rec.dumps())["reason"] == "invalid_utf8"
