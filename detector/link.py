"""Linking: which pinned claims a sentence speaks to, as a scored decision.

A pinned claim is a proposition: some names (who or what it is about) and a
predicate (what happened). A sentence supports a decision on the claim only
when it carries both: a name of the claim (or of its topic's subject) and the
claim's predicate in some wording. "Apple's Project Titan" shares a name with
"The Titan submersible imploded" and nothing else; "the CMA blocked the deal"
shares the names and, through the predicate classes, the predicate.

The score is the weighted share of the claim's terms that the sentence holds
(names weigh more than other words), computed on cheap stems folded through
the synonym classes, so it needs no parse and runs on every sentence of a
relevant item. Only the pinned claims of the item's own topics are scored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from detector.lexicon import Lexicon
from detector.text import STOPWORDS, stem

#: a sentence links to a claim at this score or above (see `PinnedLinker.score`)
LINK_AT = 0.5
NAME_WEIGHT = 2.0

_TOKEN = re.compile(r"[A-Za-z][A-Za-z'’\-]*|\d[\d,.]*")


@dataclass(frozen=True)
class ClaimTerms:
    claim_id: str
    topic_id: str
    names: frozenset[str]  # stems of the claim's names (capitalised words, figures)
    words: frozenset[str]  # stems of its other content words (the predicate)

    @property
    def weight(self) -> float:
        return NAME_WEIGHT * len(self.names) + len(self.words)


class PinnedLinker:
    """Scores sentences against the pinned claims of the topics an item concerns."""

    def __init__(self, lex: Lexicon) -> None:
        self.lex = lex
        self._claims: dict[str, ClaimTerms] = {}
        self._by_topic: dict[str, list[ClaimTerms]] = {}
        self._canon = _stem_classes(lex)

    def set_claims(self, claims: Iterable[tuple[str, str, str]]) -> None:
        """(claim id, topic id, statement) of every pinned claim."""
        self._claims = {}
        self._by_topic = {}
        for cid, tid, statement in claims:
            names, words = self._split(statement)
            ct = ClaimTerms(cid, tid, frozenset(names), frozenset(words - names))
            self._claims[cid] = ct
            self._by_topic.setdefault(tid, []).append(ct)

    def terms(self, text: str) -> set[str]:
        """Folded stems of the content words of a text."""
        return self._split(text)[0] | self._split(text)[1]

    def _split(self, text: str) -> tuple[set[str], set[str]]:
        names: set[str] = set()
        words: set[str] = set()
        first = True
        for m in _TOKEN.finditer(text):
            w = m.group(0).strip("'’-")
            low = w.lower()
            if not w or low in STOPWORDS or (len(w) < 3 and not w[0].isdigit()):
                first = False
                continue
            folded = self._fold(low)
            if w[0].isdigit() or (w[0].isupper() and not first):
                names.add(folded)
            else:
                words.add(folded)
            first = False
        return names, words

    def _fold(self, low: str) -> str:
        s = stem(low)
        return self._canon.get(s, s)

    def score(self, terms: set[str], claim_id: str) -> float:
        """The weighted share of the claim's terms the sentence holds; 0 unless it
        holds one of the claim's names and one of its other words."""
        ct = self._claims.get(claim_id)
        if ct is None or not ct.weight:
            return 0.0
        names = ct.names & terms
        words = ct.words & terms
        if (ct.names and not names) or (ct.words and not words):
            return 0.0
        return (NAME_WEIGHT * len(names) + len(words)) / ct.weight

    def link(self, text: str, topic_ids: Iterable[str],
             at: float = LINK_AT) -> list[tuple[str, float]]:
        """Pinned claims of these topics the sentence speaks to, best first."""
        terms = self.terms(text)
        out = []
        for tid in topic_ids:
            for ct in self._by_topic.get(tid, ()):
                s = self.score(terms, ct.claim_id)
                if s >= at:
                    out.append((ct.claim_id, s))
        return sorted(out, key=lambda x: (-x[1], x[0]))


def _stem_classes(lex: Lexicon) -> dict[str, str]:
    """Stem -> canonical term of its synonym class."""
    out: dict[str, str] = {}
    for word, canon in lex.synonyms.items():
        out.setdefault(stem(word), stem(canon))
    for canon in set(lex.synonyms.values()):
        out.setdefault(stem(canon), stem(canon))
    return out
