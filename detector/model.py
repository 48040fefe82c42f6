"""Frozen values that go in and out of the detection core.

Nothing here knows about Kafka, Faust or metrics: the worker converts its
Records to these and back.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Stance = Literal["confirm", "deny", "report"]
Role = Literal["party", "official", "media", "anonymous", "unknown"]
When = Literal["current", "earlier"]
Status = Literal["unverified", "confirmed", "denied", "disputed"]
AlertType = Literal["confirmed", "denied", "disputed", "reversed"]

STANCES: tuple[Stance, ...] = ("confirm", "deny", "report")
ROLES: tuple[Role, ...] = ("party", "official", "media", "anonymous", "unknown")
STATUSES: tuple[Status, ...] = ("unverified", "confirmed", "denied", "disputed")
ALERT_TYPES: tuple[AlertType, ...] = ("confirmed", "denied", "disputed", "reversed")


class TopicError(ValueError):
    """A tracked-topic definition that cannot be used, with the reason."""


def stable_id(*parts: object, length: int = 20) -> str:
    """A short hex id that is the same whenever the same parts are given."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8"))
    return digest.hexdigest()[:length]


def _strings(value: Any, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, Iterable):
        raise TopicError(f"{what} must be a list of strings")
    out = []
    for v in value:
        if not isinstance(v, str) or not v.strip():
            raise TopicError(f"{what} must hold non-empty strings, got {v!r}")
        out.append(v.strip())
    return tuple(out)


@dataclass(frozen=True)
class Party:
    name: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class PinnedClaim:
    id: str
    statement: str
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Topic:
    id: str
    name: str
    keywords: tuple[str, ...]
    parties: tuple[Party, ...] = ()
    claims: tuple[PinnedClaim, ...] = ()
    min_confirmations: int = 2
    languages: tuple[str, ...] = ()
    ignore_sources: tuple[str, ...] = ()
    #: whether the monitor opens claims of its own on this topic (False: pinned only)
    discover: bool = True

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Topic:
        """Build a topic from the file/Kafka shape, or raise TopicError."""
        if not isinstance(data, Mapping):
            raise TopicError("a topic must be a mapping")
        tid = data.get("id")
        if not isinstance(tid, str) or not tid.strip():
            raise TopicError("a topic needs a non-empty string id")
        name = data.get("name") or tid
        if not isinstance(name, str):
            raise TopicError(f"topic {tid}: name must be a string")
        keywords = _strings(data.get("keywords"), f"topic {tid}: keywords")
        raw_parties = data.get("parties") or {}
        if not isinstance(raw_parties, Mapping):
            raise TopicError(f"topic {tid}: parties must map a party name to its aliases")
        parties = tuple(
            Party(str(p), _strings(a, f"topic {tid}: aliases of {p}") or (str(p),))
            for p, a in raw_parties.items()
        )
        claims = []
        for i, c in enumerate(data.get("claims") or ()):
            if isinstance(c, str):
                c = {"statement": c}
            if not isinstance(c, Mapping) or not isinstance(c.get("statement"), str):
                raise TopicError(f"topic {tid}: claim {i} needs a statement")
            cid = c.get("id") or f"{tid}:{stable_id(c['statement'], length=12)}"
            claims.append(
                PinnedClaim(str(cid), c["statement"].strip(),
                            _strings(c.get("keywords"), f"topic {tid}: claim keywords"))
            )
        if not keywords and not parties and not claims:
            raise TopicError(f"topic {tid}: give keywords, parties or claims to match on")
        opts = data.get("options") or {}
        min_conf = data.get("min_confirmations", opts.get("min_confirmations", 2))
        if not isinstance(min_conf, int) or min_conf < 1:
            raise TopicError(f"topic {tid}: min_confirmations must be a positive integer")
        discover = data.get("discover", opts.get("discover", True))
        if not isinstance(discover, bool):
            raise TopicError(f"topic {tid}: discover must be true or false")
        return cls(
            id=tid.strip(),
            name=name,
            keywords=keywords,
            parties=parties,
            claims=tuple(claims),
            min_confirmations=min_conf,
            languages=_strings(data.get("languages", opts.get("languages")), "languages"),
            ignore_sources=_strings(
                data.get("ignore_sources", opts.get("ignore_sources")), "ignore_sources"
            ),
            discover=discover,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "keywords": list(self.keywords),
            "parties": {p.name: list(p.aliases) for p in self.parties},
            "claims": [
                {"id": c.id, "statement": c.statement, "keywords": list(c.keywords)}
                for c in self.claims
            ],
            "min_confirmations": self.min_confirmations,
            "languages": list(self.languages),
            "ignore_sources": list(self.ignore_sources),
            "discover": self.discover,
        }


@dataclass(frozen=True)
class Item:
    """A news item. Evidence offsets index `text` (title, blank line, body)."""

    id: str
    title: str = ""
    body: str = ""
    source: str = ""
    url: str | None = None
    published_at: str | None = None
    language: str | None = None

    @property
    def text(self) -> str:
        if self.title and self.body:
            return f"{self.title}\n\n{self.body}"
        return self.title or self.body


@dataclass(frozen=True)
class Evidence:
    sentence: str
    start: int
    end: int


@dataclass(frozen=True)
class Observation:
    observation_id: str
    claim_id: str
    claim_text: str
    topic_id: str
    item_id: str
    source: str
    url: str | None
    published_at: str | None
    stance: Stance
    speaker: str | None
    party: str | None
    role: Role
    when: When
    evidence: Evidence
    confidence: float
    #: the last of its item's observations on its claim: the status machine raises the
    #: item's status alert here, once, from the status the claim had before the item
    #: (an item holding a denial and a confirmation disputes the claim in one alert)
    item_last: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "observation_id": self.observation_id,
            "claim_id": self.claim_id,
            "claim_text": self.claim_text,
            "topic_id": self.topic_id,
            "item_id": self.item_id,
            "source": self.source,
            "url": self.url,
            "published_at": self.published_at,
            "stance": self.stance,
            "speaker": self.speaker,
            "party": self.party,
            "role": self.role,
            "when": self.when,
            "evidence": {
                "sentence": self.evidence.sentence,
                "start": self.evidence.start,
                "end": self.evidence.end,
            },
            "confidence": round(self.confidence, 4),
            "item_last": self.item_last,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Observation:
        ev = d["evidence"]
        return cls(
            observation_id=d["observation_id"],
            claim_id=d["claim_id"],
            claim_text=d["claim_text"],
            topic_id=d["topic_id"],
            item_id=d["item_id"],
            source=d.get("source") or "",
            url=d.get("url"),
            published_at=d.get("published_at"),
            stance=d["stance"],
            speaker=d.get("speaker"),
            party=d.get("party"),
            role=d.get("role") or "unknown",
            when=d.get("when") or "current",
            evidence=Evidence(ev["sentence"], int(ev["start"]), int(ev["end"])),
            confidence=float(d.get("confidence", 0.5)),
            item_last=bool(d.get("item_last", True)),
        )


@dataclass(frozen=True)
class Reversal:
    party: str
    from_stance: Stance
    to_stance: Stance

    def to_dict(self) -> dict[str, str]:
        return {"party": self.party, "from": self.from_stance, "to": self.to_stance}


@dataclass(frozen=True)
class Transition:
    """A decided change that deserves an alert."""

    alert_id: str
    type: AlertType
    claim_id: str
    topic_id: str
    claim_text: str
    previous_status: Status
    new_status: Status
    observation: Observation
    party_stances: tuple[tuple[str, Stance], ...]
    reversal: Reversal | None = None

    def to_dict(self) -> dict[str, Any]:
        ev = self.observation.evidence
        return {
            "type": self.type,
            "alert_id": self.alert_id,
            "claim_id": self.claim_id,
            "topic_id": self.topic_id,
            "claim_text": self.claim_text,
            "item_id": self.observation.item_id,
            "previous_status": self.previous_status,
            "new_status": self.new_status,
            "party_stances": dict(self.party_stances),
            "evidence": {
                "quote": ev.sentence,
                "item_id": self.observation.item_id,
                "url": self.observation.url,
                "start": ev.start,
                "end": ev.end,
                "speaker": self.observation.speaker,
                "party": self.observation.party,
            },
            "reversal": self.reversal.to_dict() if self.reversal else None,
        }


@dataclass(frozen=True)
class PartyStance:
    stance: Stance
    when: When
    observation_id: str
    seq: int


@dataclass(frozen=True)
class ClaimState:
    """Everything the status machine needs to decide the next transition."""

    claim_id: str
    topic_id: str
    text: str
    status: Status = "unverified"
    parties: tuple[tuple[str, PartyStance], ...] = ()
    media_confirm_sources: tuple[str, ...] = ()
    media_deny_sources: tuple[str, ...] = ()
    reversals: tuple[tuple[str, str, str, str], ...] = ()
    seen_observations: tuple[str, ...] = ()
    seq: int = 0
    timeline: tuple[Observation, ...] = field(default=(), compare=False)
    #: while an item's observations are applied (until its `item_last` one): the status
    #: before the item, and the observation that changed the status last in the item
    item_base: Status | None = None
    item_change: str = ""
    #: the reversals seen in that item so far, raised after its status alert:
    #: (party, from stance, to stance, observation id, status before that observation)
    item_reversals: tuple[tuple[str, str, str, str, str], ...] = ()
