"""Ingest: decide whether a raw news message is a usable, first-seen NewsItem.

Plain functions and one small class, no Kafka: the detect agent calls them on
each message it consumes (the topic is consumed as raw bytes so that nothing
is decoded behind our back and a bad message can be dead-lettered verbatim).
"""

from __future__ import annotations

import base64
import functools
import json
import time
from datetime import datetime
from typing import Any

from detector import decide
from detector.decide import DuplicateKind
from schemas.records import DeadLetter, NewsItem

#: fields of NewsItem and the JSON types each accepts (declared by the Record)
_FIELD_TYPES: dict[str, tuple[type, ...]] = {}
for _name, _tp in NewsItem._options.fields.items():
    _optional = _name in NewsItem._options.optionalset and NewsItem._options.defaults.get(
        _name) is None
    _FIELD_TYPES[_name] = (str, type(None)) if _optional else (str,)
_TEXT_FIELDS = tuple(_FIELD_TYPES)


class Rejected(ValueError):
    """A message that is not a usable NewsItem; `reason` is a metric label."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def parse_news(raw: bytes | None, max_body_bytes: int) -> NewsItem:
    """Decode and validate one message value, or raise Rejected with a reason.

    Reasons: too_large (body over the limit, or a message too big to hold
    one), invalid_utf8, invalid_json, schema (not an object, a wrong type, a
    timestamp that is not RFC 3339), missing_field (no id, or neither title
    nor body).
    """
    if raw is None:
        raise Rejected("missing_field", "empty message (tombstone)")
    # JSON escapes at most sextuple a character; anything bigger cannot hold
    # a body under the limit and is not worth decoding
    if len(raw) > 6 * max_body_bytes + 65536:
        raise Rejected("too_large", f"message of {len(raw)} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Rejected("invalid_utf8", f"byte {exc.start}: {exc.reason}") from None
    try:
        data = load_json(text)
    except BadJson as exc:
        raise Rejected("invalid_json", str(exc)) from None
    if not isinstance(data, dict):
        raise Rejected("schema", f"expected a JSON object, got {type(data).__name__}")
    return validate_news(data, max_body_bytes)


#: longest integer literal decoded; the same as Python's default int-digits
#: limit, but not left to PYTHONINTMAXSTRDIGITS (a longer one raised ValueError
#: out of json.loads and stopped the worker)
MAX_INT_DIGITS = 4300


class BadJson(ValueError):
    """Text that load_json refuses; the message says where and why, in our words."""


def _bounded_int(literal: str, most: int = MAX_INT_DIGITS) -> int:
    digits = len(literal.lstrip("-"))
    if digits > most:
        raise BadJson(f"an integer of {digits} digits (at most {most})")
    return int(literal)


def _no_constant(name: str) -> float:
    raise BadJson(f"{name} is not JSON")


def load_json(text: str | bytes, max_int_digits: int = MAX_INT_DIGITS) -> Any:
    """json.loads that raises BadJson, and only BadJson, for any text it will not
    decode: a syntax error, an integer of more than `max_int_digits`, NaN or
    Infinity (Python's extensions), nesting beyond the recursion limit."""
    parse_int = _bounded_int if max_int_digits == MAX_INT_DIGITS else functools.partial(
        _bounded_int, most=max_int_digits)
    try:
        return json.loads(text, parse_int=parse_int, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise BadJson(f"line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise BadJson("nested too deeply") from None


def validate_news(data: dict[str, Any], max_body_bytes: int) -> NewsItem:
    """Validate a decoded JSON object as a NewsItem (see parse_news)."""
    item_id = data.get("id")
    if item_id is None or item_id == "":
        raise Rejected("missing_field", "no id")
    values: dict[str, Any] = {}
    for name, allowed in _FIELD_TYPES.items():
        if name not in data:
            continue
        value = data[name]
        if not isinstance(value, allowed):
            raise Rejected("schema", f"{name} must be a string, got {type(value).__name__}"
                           + (" or null" if type(None) in allowed else ""))
        if value is not None:
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise Rejected("invalid_utf8", f"{name} holds a lone surrogate") from None
        values[name] = value
    if not item_id.strip():
        raise Rejected("missing_field", "blank id")
    if not (values.get("title") or "").strip() and not (values.get("body") or "").strip():
        raise Rejected("missing_field", "neither title nor body")
    body = values.get("body") or ""
    # a str's UTF-8 size is at most 4 bytes a character: skip encoding small bodies
    if len(body) * 4 > max_body_bytes and len(body.encode("utf-8")) > max_body_bytes:
        raise Rejected("too_large", f"body over {max_body_bytes} bytes")
    published = values.get("published_at")
    if published is not None and not _is_rfc3339(published):
        raise Rejected("schema", "published_at is not an RFC 3339 timestamp")
    return NewsItem(**values)


def _is_rfc3339(value: str) -> bool:
    if len(value) < 10 or value[4:5] != "-":
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def text_key(item: NewsItem) -> bytes:
    """The dedup digest of a news item (detector.decide.text_key: the body,
    else the title, normalized): syndicated copies of an item share it."""
    return decide.text_key(item.title, item.body)


class Deduplicator:
    """Remembers the last `capacity` item ids and text digests (LRU), by the
    key every runner shares (detector.decide.Seen).

    Why memory and not a Faust Table: the news topic is keyed by item id, so
    two copies of one text under different ids can land on different
    partitions; a table keyed by text digest would need a repartition hop (a
    second write and read of every item) plus a changelog write per item, on
    the path every item takes. This set is only the fast path: it is empty
    after a restart, so what makes a redelivered item safe is not here (the
    status machine ignores observation ids it has seen, and those ids must
    not change on redelivery). What it can cost is a syndicated copy arriving
    after a restart, or on another partition's worker, counting once more as
    independent media support.
    """

    def __init__(self, capacity: int = 200_000) -> None:
        self._seen = decide.Seen(capacity)

    def seen(self, item: NewsItem, digest: bytes | None = None) -> DuplicateKind | None:
        """Record the item; say whether it duplicates an earlier one (`digest`:
        its text_key, when the caller has it already)."""
        return self._seen.seen(item.id, text_key(item) if digest is None else digest)

    def __len__(self) -> int:
        return len(self._seen)


#: the producer's max request size by default (faust's producer_max_request_size)
DEAD_LETTER_MAX_BYTES = 1_000_000
#: room kept for the Kafka record and batch framing around the JSON value
_RECORD_FRAMING = 1024
#: longest copies of the original key and item id a dead letter carries
MAX_KEY_COPY = 16 * 1024
MAX_ITEM_ID_COPY = 1024
MAX_DETAIL = 500


def dead_letter(
    *,
    reason: str,
    detail: str,
    topic: str,
    partition: int,
    offset: int,
    value: bytes | None,
    key: bytes | None = None,
    timestamp: float | None = None,
    item_id: str | None = None,
    max_bytes: int = DEAD_LETTER_MAX_BYTES,
) -> DeadLetter:
    """The dead-letter record of an input, with its original bytes in base64.

    The one place dead letters are built. The record always fits `max_bytes`
    (the producer's max request size) once serialized: a copy that would not
    fit keeps only the start of the original value (and of a long key or item
    id), `truncated` is set and the detail says how much was kept.
    """
    original = value or b""
    kept_key = key[:MAX_KEY_COPY] if key is not None else None
    kept_id = item_id[:MAX_ITEM_ID_COPY] if item_id is not None else None
    cut = kept_key != key or kept_id != item_id
    detail = detail[:MAX_DETAIL]

    def build(kept: bytes, note: str = "") -> DeadLetter:
        return DeadLetter(
            reason=reason,
            detail=detail + note,
            source_topic=topic,
            partition=partition,
            offset=offset,
            value_b64=base64.b64encode(kept).decode("ascii"),
            key_b64=base64.b64encode(kept_key).decode("ascii") if kept_key is not None
            else None,
            timestamp=timestamp,
            item_id=kept_id,
            dead_at=time.time(),
            value_size=len(value) if value is not None else None,
            truncated=cut or len(kept) < len(original),
        )

    budget = max_bytes - _RECORD_FRAMING
    # base64 is 4/3 of the bytes; JSON escapes grow the other text at most 6-fold
    text = len(topic) + len(detail) + len(kept_id or "") + 100
    whole_note = " (key or item id copy truncated)" if cut else ""
    if (len(original) + len(kept_key or b"")) * 4 // 3 + 6 * text + 400 <= budget:
        return build(original, whole_note)
    note = f" (copy truncated to the first {{}} of {len(original)} bytes)"
    # measured with the longer number: the kept count has no more digits
    room = budget - len(build(b"", note.format(len(original))).dumps())
    kept = original[:max(0, room) // 4 * 3]
    return build(kept, note.format(len(kept)) if len(kept) < len(original) else whole_note)
