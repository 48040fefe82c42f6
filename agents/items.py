"""The items table with a retention: what the news agent remembers of the items
it processed, for a bounded time.

`items` (changelog-backed, co-partitioned with the news topic):
- item id -> {"at", "p", "observations": [observation dicts], "claims": [claim
  dicts]} ("claims": the discovered claims the item opened or put in question,
  as published on the claims topic; absent when none)
- "text:<digest>" -> {"at", "p", "item": item id}

`at` is when the item was recorded (unix seconds), `p` the news partition
that carried it. A redelivery (after a crash) or the same id later finds the
record and re-sends the stored observations instead of detecting the item
again; a syndicated copy on the same partition is found by its digest.

Retention (CLAIMWATCH_ITEMS_RETENTION_SECONDS, 3 days): a record older than
that is deleted, so the table, its changelog (compaction drops a deleted
key) and the worker's memory stay bounded however long the worker runs. An
item redelivered after its record expired is detected again, as new: the
retention has to be longer than any redelivery, which comes within minutes
of a crash. Deletes happen in the news agent, a few per batch, for the
partitions of that batch (a table write needs the event of its partition);
a queue per partition of (recorded at, key), oldest first, says which keys
are due. After a recovery (a start, a rebalance) the queues are rebuilt from
the table. A record written before the retention existed (a bare list or
item id) has no time and no partition: it is kept.

The keys of the table are also held in a set (rebuilt with the queues, kept by
each record and delete), so that the lookup every item pays is a set test:
most items mention no tracked topic, are never recorded, and cost no store
read.
"""

from __future__ import annotations

import contextlib
import logging
import time
import weakref
from collections import deque
from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

from agents.ingest import text_key
from detector import Observation as DetectorObservation
from schemas.records import NewsItem

log = logging.getLogger(__name__)
TEXT_PREFIX = "text:"
#: at most this many expired keys deleted per partition and batch (bounded work;
#: a batch records at most 2 keys per item, so this keeps up with any rate)
EXPIRE_PER_BATCH = 256


@contextlib.contextmanager
def current_event(event: Any) -> Iterator[None]:
    """Make `event` Faust's current event: a table read or write then goes to
    that event's partition (in a batch of several partitions, Faust would use
    whichever event the stream yielded last)."""
    from faust.streams import _current_event

    token = _current_event.set(weakref.ref(event))
    try:
        yield
    finally:
        _current_event.reset(token)


class Stored(NamedTuple):
    """What the table knows of an item seen before."""

    #: "id" (this item's record) or "text" (a copy of a recorded text: nothing again)
    kind: str
    observations: list[DetectorObservation]
    #: the claims it opened or put in question (agents.claims.claim_dict shape)
    claims: list[dict[str, Any]]


def _recorded_at(value: Any) -> float | None:
    if isinstance(value, dict) and isinstance(value.get("at"), int | float):
        return float(value["at"])
    return None


class ProcessedItems:
    """The items table: lookups, records, and the deletes its retention asks for."""

    def __init__(self, table: Any, retention_seconds: float, clock: Any = time.time) -> None:
        self.table = table
        self.retention = retention_seconds
        self.clock = clock
        #: news partition -> (recorded at, key), oldest first
        self.due: dict[int, deque[tuple[float, str]]] = {}
        #: every key the table holds (a key not here is not in the table)
        self.keys: set[str] = set()
        self.expired = 0

    def lookup(self, event: Any, news: NewsItem, digest: bytes | None = None,
               ) -> Stored | None:
        """The item's record (Stored "id"), a copy of a recorded text (Stored "text",
        nothing in it), or None. `digest`: the item's text_key, if known."""
        digest = text_key(news) if digest is None else digest
        text = TEXT_PREFIX + digest.hex()
        if news.id not in self.keys and text not in self.keys:
            return None
        with current_event(event):
            stored = self.table.get(news.id)
            if stored is not None:
                record = stored if isinstance(stored, dict) else {"observations": stored}
                return Stored("id", [DetectorObservation.from_dict(o)
                                     for o in record.get("observations", [])],
                              list(record.get("claims", ())))
            if self.table.get(text) is not None:
                return Stored("text", [], [])
        return None

    def record(self, event: Any, news: NewsItem, found: list[DetectorObservation],
               text: bytes | None = None, claims: Sequence[dict[str, Any]] = ()) -> None:
        """Remember the item, its observations and the claims it opened or put in
        question (`text`: its text_key, if known)."""
        at, partition = self.clock(), event.message.partition
        digest = TEXT_PREFIX + (text_key(news) if text is None else text).hex()
        value: dict[str, Any] = {"at": at, "p": partition,
                                 "observations": [o.to_dict() for o in found]}
        if claims:
            value["claims"] = list(claims)
        with current_event(event):
            self.table[news.id] = value
            self.table[digest] = {"at": at, "p": partition, "item": news.id}
        self.keys.update((news.id, digest))
        due = self.due.setdefault(partition, deque())
        due.append((at, news.id))
        due.append((at, digest))

    def expire(self, events: Sequence[Any]) -> int:
        """Delete records older than the retention on the partitions of `events`."""
        cutoff = self.clock() - self.retention
        by_partition = {e.message.partition: e for e in events}
        deleted = 0
        for partition, event in by_partition.items():
            due = self.due.get(partition)
            if not due:
                continue
            with current_event(event):
                for _ in range(min(EXPIRE_PER_BATCH, len(due))):
                    at, key = due[0]
                    if at >= cutoff:
                        break
                    due.popleft()
                    # written again since (same key, later record): not due yet
                    if _recorded_at(self.table.get(key)) == at:
                        del self.table[key]
                        self.keys.discard(key)
                        deleted += 1
        self.expired += deleted
        return deleted

    def rebuild(self) -> None:
        """The due queues and the key set from the table (after a recovery)."""
        started = time.perf_counter()
        entries: dict[int, list[tuple[float, str]]] = {}
        keys: set[str] = set()
        for key, value in self.table.items():
            keys.add(str(key))
            at = _recorded_at(value)
            if at is not None and isinstance(value.get("p"), int):
                entries.setdefault(value["p"], []).append((at, str(key)))
        self.due = {p: deque(sorted(found)) for p, found in entries.items()}
        self.keys = keys
        log.info("items table: %d records with a time on %d partitions (%.2f s)",
                 sum(len(d) for d in self.due.values()), len(self.due),
                 time.perf_counter() - started)

    def __len__(self) -> int:
        return sum(len(d) for d in self.due.values())
