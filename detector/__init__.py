"""claimwatch's pure detection core: spaCy and the standard library only.

Given news items and the tracked topics, find the statements that confirm or
deny a claim, say who made them, group them into claims, and decide each
claim's status. No Kafka, Faust, metrics or settings here.
"""

from detector.core import Detector
from detector.model import (
    ALERT_TYPES,
    ROLES,
    STANCES,
    STATUSES,
    ClaimState,
    Evidence,
    Item,
    Observation,
    Party,
    PinnedClaim,
    Reversal,
    Topic,
    TopicError,
    Transition,
    stable_id,
)
from detector.parse import load_nlp
from detector.status import apply, new_state, state_from_dict, state_to_dict

__all__ = [
    "ALERT_TYPES",
    "ROLES",
    "STANCES",
    "STATUSES",
    "ClaimState",
    "Detector",
    "Evidence",
    "Item",
    "Observation",
    "Party",
    "PinnedClaim",
    "Reversal",
    "Topic",
    "TopicError",
    "Transition",
    "apply",
    "load_nlp",
    "new_state",
    "stable_id",
    "state_from_dict",
    "state_to_dict",
]
