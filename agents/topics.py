"""Tracked topics: the YAML file read at start, then live changes from the
compacted topic claimwatch.topics.v1 (key = topic id, value = topic JSON,
tombstone = delete).

Every worker reads the whole compacted topic (no consumer group: each needs
every topic, not a share of them), from the beginning, and keeps following it.
Workers start detecting only once they have caught up. Later, a batch that
holds an item newer than the last check asks the follower for the topic's end
offsets and waits until it has applied everything up to them: a topic change
produced before an item applies to that item (one small metadata request per
such batch; a backlog of older items costs nothing).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from agents.follow import Follower
from detector import Topic, TopicError

log = logging.getLogger(__name__)
DEFAULT_MIN_CONFIRMATIONS = 2
#: longest a news batch waits for the follower (a stuck follower must not stop news)
SYNC_WAIT_MAX = 2.0


class TopicFileError(ValueError):
    """A topics file that cannot be read, with the file and the reason."""


def parse_topics(data: Any, origin: str = "topics") -> list[Topic]:
    """Topics from the file shape `{topics: [...]}`, a list, or one topic mapping."""
    if isinstance(data, Mapping) and "topics" in data:
        data = data["topics"]
    elif isinstance(data, Mapping):
        data = [data]
    if not isinstance(data, list):
        raise TopicFileError(f"{origin}: expected `topics:` with a list of topics")
    topics = []
    seen: set[str] = set()
    for i, raw in enumerate(data):
        try:
            topic = Topic.from_dict(raw)
        except TopicError as exc:
            raise TopicFileError(f"{origin}: topic {i + 1}: {exc}") from None
        if topic.id in seen:
            raise TopicFileError(f"{origin}: topic id {topic.id!r} given twice")
        seen.add(topic.id)
        topics.append(topic)
    return topics


def load_topics_file(path: Path) -> list[Topic]:
    """Read a YAML (or JSON) topics file, or raise TopicFileError."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TopicFileError(f"{path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise TopicFileError(f"{path}: not UTF-8 text ({exc.reason})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise TopicFileError(f"{path}:{where}: invalid YAML: {problem}") from None
    if data is None:
        return []
    return parse_topics(data, str(path))


def encode_topic(topic: Topic) -> bytes:
    """The value published on the compacted topic for one topic."""
    return json.dumps(topic.to_dict(), ensure_ascii=False, sort_keys=True).encode("utf-8")


class TopicRegistry:
    """The current tracked topics, with a version that changes on every change."""

    def __init__(self, topics: Iterable[Topic] = ()) -> None:
        self._topics: dict[str, Topic] = {t.id: t for t in topics}
        self.version = 0
        self.ready = asyncio.Event()
        #: changes produced before this wall time have been applied
        self.synced_at = 0.0
        #: set while a follower keeps the registry current (else nothing to wait for)
        self.following = False
        #: the follower's check: wait until applied up to the current end offsets
        self.sync: Callable[[], Awaitable[float]] | None = None

    def followed(self, sync: Callable[[], Awaitable[float]] | None) -> None:
        """A follower started, with its check (`sync`), or failed (None): news
        waits for topic changes only while one follows."""
        self.following = sync is not None
        self.sync = sync

    def replace_all(self, topics: Iterable[Topic]) -> None:
        self._topics = {t.id: t for t in topics}
        self.version += 1

    def upsert(self, topic: Topic) -> None:
        self._topics[topic.id] = topic
        self.version += 1

    def remove(self, topic_id: str) -> bool:
        found = self._topics.pop(topic_id, None) is not None
        self.version += 1
        return found

    def apply_message(self, key: bytes | None, value: bytes | None) -> str:
        """Apply one record of the compacted topic; say what it did.

        Raises TopicError for a record that cannot be used (it is skipped and
        the current topics stay as they are).
        """
        if value is None:
            if not key:
                raise TopicError("tombstone without a key")
            topic_id = key.decode("utf-8", "replace")
            return f"removed {topic_id}" if self.remove(topic_id) else f"{topic_id} absent"
        try:
            data = json.loads(value)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise TopicError(f"not JSON: {exc}") from None
        topic = Topic.from_dict(data)
        if key and key.decode("utf-8", "replace") != topic.id:
            raise TopicError(f"key {key!r} differs from the topic id {topic.id!r}")
        self.upsert(topic)
        return f"upserted {topic.id}"

    async def wait_synced(self, timestamp: float, max_wait: float = SYNC_WAIT_MAX) -> bool:
        """Wait until changes produced before `timestamp` are applied (or max_wait)."""
        if not self.following or self.synced_at >= timestamp or self.sync is None:
            return True
        try:
            synced = await asyncio.wait_for(self.sync(), max_wait)
        except (TimeoutError, Exception) as exc:
            log.warning("tracked topics not confirmed current (%r); going on", exc)
            return False
        self.synced_at = max(self.synced_at, synced)
        return True

    def get(self, topic_id: str) -> Topic | None:
        return self._topics.get(topic_id)

    def min_confirmations(self, topic_id: str) -> int:
        topic = self._topics.get(topic_id)
        return topic.min_confirmations if topic else DEFAULT_MIN_CONFIRMATIONS

    def topics(self) -> list[Topic]:
        return list(self._topics.values())

    def ids(self) -> list[str]:
        return sorted(self._topics)

    def __len__(self) -> int:
        return len(self._topics)


def topics_follower(bootstrap: list[str], name: str, registry: TopicRegistry) -> Follower:
    """Reads the compacted topic from the start, marks the registry ready once
    caught up, then keeps applying changes; gives the registry its sync."""

    def loaded() -> None:
        log.info("tracked topics loaded: %s", ", ".join(registry.ids()) or "none")
        registry.ready.set()

    def state(up: bool) -> None:
        # do not hold news while the follower is down
        registry.followed(follower.sync if up else None)

    follower = Follower(bootstrap, name, lambda rec: registry.apply_message(rec.key, rec.value),
                        what="topics", probe=True, on_caught_up=loaded, on_state=state)
    return follower
