"""Claims: the terms a statement is about, and clustering into claims per topic.

A claim is identified by its topic and the terms of the statement that opened
it; later statements whose terms mostly contain, or are contained in, those
terms join it. Terms are lemmas folded through synonym classes, party names
(`@party`), other named entities (`@`), and figures (`#`): two statements
that give different figures are different claims.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from detector.model import stable_id

GENERIC = frozenset(
    """be have do make get go come take give keep put set use include say tell report add also
well part time way thing people other new first last many much own such official
officially statement comment percent""".split()
)
MERGE_AT = 0.5


@dataclass(eq=False)
class Claim:
    id: str
    topic_id: str
    text: str
    terms: frozenset[str]
    pinned: bool = False
    keywords: tuple[str, ...] = ()
    members: int = 1
    extra_terms: set[str] = field(default_factory=set)
    #: a party took an explicit stance on it: from then on plain statements count
    #: (published with the claim, so every worker and a restarted one agree)
    questioned: bool = False


def figures(terms: frozenset[str] | set[str]) -> frozenset[str]:
    return frozenset(t for t in terms if t.startswith("#"))


def similarity(a: frozenset[str] | set[str], b: frozenset[str] | set[str]) -> float:
    """Containment of the smaller term set in the larger, 0 when they share no content."""
    if not a or not b:
        return 0.0
    if figures(a) - figures(b):
        return 0.0  # a figure the claim does not give makes another claim
    inter = a & b
    if len(inter) < 2 and min(len(a), len(b)) > 1:
        return 0.0
    if not any(not t.startswith("@") for t in inter):
        return 0.0
    ents_a = {t for t in a if t.startswith("@")}
    ents_b = {t for t in b if t.startswith("@")}
    if ents_a and ents_b and not ents_a & ents_b:
        return 0.0
    return len(inter) / min(len(a), len(b))


class ClaimIndex:
    """The claims of every topic, pinned and discovered."""

    def __init__(self) -> None:
        self._by_topic: dict[str, list[Claim]] = {}
        self._by_id: dict[str, Claim] = {}
        #: (topic, non-entity term) -> positions in _by_topic[topic] of the claims holding
        #: it: `best` scores only claims that share such a term (similarity needs one)
        self._by_term: dict[tuple[str, str], list[int]] = {}
        #: claims opened by `assign` since the last drain_new()
        self._new: list[Claim] = []

    def __len__(self) -> int:
        return len(self._by_id)

    def get(self, claim_id: str) -> Claim | None:
        return self._by_id.get(claim_id)

    def claims(self, topic_id: str | None = None) -> list[Claim]:
        if topic_id is None:
            return list(self._by_id.values())
        return list(self._by_topic.get(topic_id, ()))

    def drop_topic(self, topic_id: str) -> None:
        for c in self._by_topic.pop(topic_id, ()):
            self._by_id.pop(c.id, None)
            for t in c.terms:
                self._by_term.pop((topic_id, t), None)

    def add(self, claim: Claim) -> Claim:
        existing = self._by_id.get(claim.id)
        if existing is not None:
            return existing
        claims = self._by_topic.setdefault(claim.topic_id, [])
        for t in claim.terms:
            if not t.startswith("@"):
                self._by_term.setdefault((claim.topic_id, t), []).append(len(claims))
        claims.append(claim)
        self._by_id[claim.id] = claim
        return claim

    def best(self, topic_id: str, terms: frozenset[str], sentence: str = "",
             prefer: Claim | None = None) -> tuple[Claim | None, float]:
        """The closest claim of the topic and its similarity; of claims that tie, the
        one whose own terms are best covered, then `prefer` (the claim the item spoke
        to last), then a pinned one, then the first added."""
        best: Claim | None = None
        best_score = 0.0
        best_key: tuple[float, float, bool, bool] = (0.0, 0.0, False, False)
        low = sentence.lower()
        claims = self._by_topic.get(topic_id, [])
        near = sorted({n for t in terms if not t.startswith("@")
                       for n in self._by_term.get((topic_id, t), ())})
        for c in (claims[n] for n in near):  # in the order the claims were added
            if c.pinned and c.keywords and not any(k.lower() in low for k in c.keywords):
                continue
            score = similarity(terms, c.terms)
            if score <= 0:
                continue
            key = (score, len(terms & c.terms) / len(terms | c.terms), c is prefer, c.pinned)
            if best is None or key > best_key:
                best, best_score, best_key = c, score, key
        return best, best_score

    def assign(self, topic_id: str, terms: frozenset[str], text: str, sentence: str = "",
               merge_at: float = MERGE_AT, prefer: Claim | None = None) -> Claim:
        """The claim these terms belong to, opening a new one when none is close."""
        best, score = self.best(topic_id, terms, sentence, prefer)
        if best is not None and score >= merge_at:
            best.members += 1
            return best
        cid = f"{topic_id}:{stable_id(*sorted(terms), length=12)}"
        if cid in self._by_id:
            return self._by_id[cid]
        claim = self.add(Claim(cid, topic_id, text, terms))
        self._new.append(claim)
        return claim

    def drain_new(self) -> list[Claim]:
        """The claims `assign` opened, or `question` marked, since the last call (for
        a caller that shares discovered claims between processes), oldest first."""
        out, self._new = list(dict.fromkeys(self._new)), []
        return out

    def question(self, claim: Claim) -> None:
        """A party took an explicit stance on this discovered claim."""
        if not claim.pinned and not claim.questioned:
            claim.questioned = True
            self._new.append(claim)

    def add_discovered(self, claim_id: str, topic_id: str, text: str,
                       terms: frozenset[str] | set[str] | list[str],
                       questioned: bool = False) -> bool:
        """Add a claim another process discovered (or learn that it is now in
        question); False when nothing changed."""
        known = self._by_id.get(claim_id)
        if known is not None:
            if questioned and not known.questioned and not known.pinned:
                known.questioned = True
                return True
            return False
        self.add(Claim(claim_id, topic_id, text, frozenset(terms), questioned=questioned))
        return True
