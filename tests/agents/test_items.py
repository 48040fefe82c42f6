"""The items table's retention, on a plain dict standing in for the Faust table
(the deletes and their partitions are what a user of a long-running worker
would notice: a table that stops growing, and recent items still known)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from agents.items import EXPIRE_PER_BATCH, TEXT_PREFIX, ProcessedItems
from schemas.records import NewsItem


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


class Event:
    """What ProcessedItems reads of a Faust event (weak-referenceable, like one)."""

    def __init__(self, partition: int) -> None:
        self.message = SimpleNamespace(partition=partition)


def event(partition: int) -> Any:
    return Event(partition)


def news(n: int) -> NewsItem:
    return NewsItem(id=f"item-{n}", title=f"Story number {n}", body=f"Body {n}.")


def test_records_older_than_the_retention_are_deleted_recent_ones_kept() -> None:
    table: dict[str, Any] = {}
    clock = Clock()
    items = ProcessedItems(table, retention_seconds=3600, clock=clock)
    for n in range(10):
        items.record(event(n % 2), news(n), [])
        clock.now += 60
    assert len(table) == 20
    assert items.lookup(event(0), news(0)) == ("id", [], [])
    clock.now = 1_000_000.0 + 3600 + 5 * 60 + 1  # items 0..5 are over an hour old
    assert items.expire([event(0)]) == 6  # partition 0 only: items 0, 2, 4 (id and text)
    assert items.expire([event(1), event(1)]) == 6  # items 1, 3, 5
    assert items.lookup(event(0), news(0)) is None
    assert {k for k in table if not k.startswith(TEXT_PREFIX)} == {
        f"item-{n}" for n in range(6, 10)}
    assert items.expire([event(0), event(1)]) == 0


def test_expiry_is_bounded_per_batch_and_catches_up() -> None:
    table: dict[str, Any] = {}
    clock = Clock()
    items = ProcessedItems(table, retention_seconds=10, clock=clock)
    for n in range(EXPIRE_PER_BATCH):
        items.record(event(0), news(n), [])
    clock.now += 11
    assert items.expire([event(0)]) == EXPIRE_PER_BATCH
    assert items.expire([event(0)]) == EXPIRE_PER_BATCH
    assert table == {}


def test_rebuild_after_a_recovery_finds_the_due_records_and_keeps_old_shapes() -> None:
    clock = Clock()
    table: dict[str, Any] = {"legacy-item": [], "text:abc": "legacy-item"}
    ProcessedItems(table, 10, clock).record(event(3), news(1), [])
    recovered = ProcessedItems(table, 10, clock)
    recovered.rebuild()
    assert len(recovered) == 2
    # the lookup tests a key set before it reads the store: the rebuilt set
    # holds what the recovery brought back, the item and a copy of its text
    assert recovered.lookup(event(3), news(1)) == ("id", [], [])
    copy = NewsItem(id="retitled-copy", title="Another title", body=news(1).body)
    assert recovered.lookup(event(3), copy) == ("text", [], [])
    clock.now += 11
    assert recovered.expire([event(3)]) == 2
    assert set(table) == {"legacy-item", "text:abc"}
    assert recovered.lookup(event(0), NewsItem(id="legacy-item", title="x")) == ("id", [], [])


def test_a_record_keeps_the_claims_its_item_opened() -> None:
    table: dict[str, Any] = {}
    items = ProcessedItems(table, retention_seconds=60, clock=Clock())
    claim = {"id": "t:1", "topic_id": "t", "text": "x", "terms": ["a"], "questioned": False}
    items.record(event(0), news(1), [], claims=[claim])
    items.record(event(0), news(2), [])
    assert items.lookup(event(0), news(1)).claims == [claim]
    assert "claims" not in table["item-2"]  # nothing opened: nothing more stored
    assert items.lookup(event(0), news(2)).claims == []
