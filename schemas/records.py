"""The records claimwatch reads and writes, declared once as faust Records.

Every record serializes to plain JSON (`include_metadata=False`) so consumers
that are not Faust can read it; `python -m schemas.export` writes the JSON
Schema 2020-12 files next to this module from these declarations and
`CONSTRAINTS` below, and a test fails when a committed file differs.

Lists and mappings are required fields on purpose: faust shares a mutable
default between instances.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional  # noqa: UP035 - faust reads these annotations

import faust
from faust.models.fields import StringField

STANCES = ("confirm", "deny", "report")
ROLES = ("party", "official", "media", "anonymous", "unknown")
WHENS = ("current", "earlier")
STATUSES = ("unverified", "confirmed", "denied", "disputed")
ALERT_TYPES = ("confirmed", "denied", "disputed", "reversed")
#: why an input went to the dead-letter topic; the first five are the
#: `reason` label values of claimwatch_items_rejected_total
REJECT_REASONS = ("invalid_json", "invalid_utf8", "schema", "too_large", "missing_field")
DEADLETTER_REASONS = (*REJECT_REASONS, "detect_error", "track_error")


class NewsItem(
    faust.Record,
    serializer="json",
    namespace="claimwatch.NewsItem.v1",
    include_metadata=False,
):
    """A news item on news.items.v1 (key = id). At least one of title and body
    is non-empty; the body is plain text of at most 1 MiB (configurable)."""

    id: str
    title: str = ""
    body: str = ""
    source: str = ""
    url: Optional[str] = None  # noqa: UP045
    published_at: Optional[str] = None  # noqa: UP045
    language: Optional[str] = None  # noqa: UP045


class EvidenceSpan(faust.Record, serializer="json", include_metadata=False):
    """The sentence that carries a stance; offsets index the item's text
    (title, blank line, body)."""

    sentence: str
    start: int
    end: int


class Observation(
    faust.Record,
    serializer="json",
    namespace="claimwatch.Observation.v1",
    include_metadata=False,
):
    """One statement's stance toward a claim, on claimwatch.observations.v1
    (key = claim_id). `ingested_at` is when the worker consumed the item
    (Unix seconds), carried so ingest-to-alert latency can be measured."""

    observation_id: str
    claim_id: str
    claim_text: str
    topic_id: str
    item_id: str
    stance: str
    role: str
    when: str
    evidence: EvidenceSpan
    confidence: float
    source: str = ""
    url: Optional[str] = None  # noqa: UP045
    published_at: Optional[str] = None  # noqa: UP045
    speaker: Optional[str] = None  # noqa: UP045
    party: Optional[str] = None  # noqa: UP045
    ingested_at: Optional[float] = None  # noqa: UP045
    #: the item's last observation on this claim (detector.model.Observation.item_last)
    item_last: bool = True


class PinnedClaim(faust.Record, serializer="json", include_metadata=False):
    """A claim the user names in advance."""

    id: str
    statement: str
    keywords: List[str]  # noqa: UP006


class TrackedTopic(
    faust.Record,
    serializer="json",
    namespace="claimwatch.TrackedTopic.v1",
    include_metadata=False,
):
    """A tracked topic as published on the compacted claimwatch.topics.v1
    (key = id; a tombstone deletes it). This is the normalized shape the
    `claimwatch topics add` command writes."""

    id: str
    name: str
    keywords: List[str]  # noqa: UP006
    parties: Dict[str, List[str]]  # noqa: UP006
    claims: List[PinnedClaim]  # noqa: UP006
    min_confirmations: int
    languages: List[str]  # noqa: UP006
    ignore_sources: List[str]  # noqa: UP006
    #: false: the monitor opens no claims of its own on this topic (pinned claims only)
    discover: bool = True


class DeadLetter(
    faust.Record,
    serializer="json",
    namespace="claimwatch.DeadLetter.v1",
    include_metadata=False,
):
    """An input the worker could not use, on claimwatch.deadletter.v1, with
    its original bytes (base64) and where it came from. A dead letter always
    fits the producer's request size: when the copy would not, `value_b64`
    (and `key_b64`, `item_id`) hold only the start of the original,
    `truncated` is true and `value_size` says how long the original was."""

    reason: str
    detail: str
    source_topic: str
    partition: int
    offset: int
    value_b64: str
    key_b64: Optional[str] = None  # noqa: UP045
    timestamp: Optional[float] = None  # noqa: UP045
    item_id: Optional[str] = None  # noqa: UP045
    dead_at: Optional[float] = None  # noqa: UP045
    #: bytes of the original value (null: a tombstone, or an older producer)
    value_size: Optional[int] = None  # noqa: UP045
    #: true: the copied value, key or item id is only the start of the original
    truncated: bool = False


class AlertClaim(faust.Record, serializer="json", include_metadata=False):
    """The claim an alert is about; topic is the tracked topic's id."""

    id: str
    text: str
    topic: str


class AlertEvidence(faust.Record, serializer="json", include_metadata=False):
    """The statement that triggered the alert, where to read it and who said it."""

    quote: str
    item_id: str
    start: int
    end: int
    url: Optional[str] = None  # noqa: UP045
    speaker: Optional[str] = None  # noqa: UP045
    party: Optional[str] = None  # noqa: UP045


class AlertReversal(faust.Record, serializer="json", include_metadata=False):
    """A party's own stance flip (from, to)."""

    party: str
    from_: str = StringField(input_name="from", output_name="from")
    to: str = StringField()


class AlertData(
    faust.Record,
    serializer="json",
    namespace="claimwatch.Alert.v1",
    include_metadata=False,
):
    """The data of an alert CloudEvent on claimwatch.alerts.v1 (binary mode:
    the attributes are ce_ headers, key = claim id)."""

    claim: AlertClaim
    previous_status: str
    new_status: str
    party_stances: Dict[str, str]  # noqa: UP006
    evidence: AlertEvidence
    reversal: Optional[AlertReversal] = None  # noqa: UP045


#: JSON Schema keywords the annotations cannot say, by record and field
#: (field None = the record itself)
CONSTRAINTS: dict[str, dict[str | None, dict[str, Any]]] = {
    "NewsItem": {
        None: {
            "anyOf": [
                {"required": ["title"], "properties": {"title": {"minLength": 1}}},
                {"required": ["body"], "properties": {"body": {"minLength": 1}}},
            ]
        },
        "id": {"minLength": 1},
        "published_at": {"format": "date-time"},
        "url": {"format": "uri-reference"},
    },
    "Observation": {
        "stance": {"enum": list(STANCES)},
        "role": {"enum": list(ROLES)},
        "when": {"enum": list(WHENS)},
        "confidence": {"minimum": 0, "maximum": 1},
    },
    "TrackedTopic": {"id": {"minLength": 1}, "min_confirmations": {"minimum": 1}},
    "DeadLetter": {"reason": {"enum": list(DEADLETTER_REASONS)},
                   "value_size": {"minimum": 0}},
    "AlertData": {
        "previous_status": {"enum": list(STATUSES)},
        "new_status": {"enum": list(STATUSES)},
        "party_stances": {"additionalProperties": {"enum": list(STANCES)}},
    },
    "AlertReversal": {"from": {"enum": list(STANCES)}, "to": {"enum": list(STANCES)}},
}

#: exported files: file stem -> top-level record
EXPORTS: dict[str, type[faust.Record]] = {
    "news_item.v1": NewsItem,
    "observation.v1": Observation,
    "tracked_topic.v1": TrackedTopic,
    "dead_letter.v1": DeadLetter,
    "alert.v1": AlertData,
}
