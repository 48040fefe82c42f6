"""claimwatch's message contracts: faust Records declared once, exported to
JSON Schema 2020-12 (`python -m schemas.export`)."""

from schemas.records import (
    ALERT_TYPES,
    DEADLETTER_REASONS,
    REJECT_REASONS,
    AlertClaim,
    AlertData,
    AlertEvidence,
    AlertReversal,
    DeadLetter,
    EvidenceSpan,
    NewsItem,
    Observation,
    PinnedClaim,
    TrackedTopic,
)

__all__ = [
    "ALERT_TYPES",
    "DEADLETTER_REASONS",
    "REJECT_REASONS",
    "AlertClaim",
    "AlertData",
    "AlertEvidence",
    "AlertReversal",
    "DeadLetter",
    "EvidenceSpan",
    "NewsItem",
    "Observation",
    "PinnedClaim",
    "TrackedTopic",
]
