"""The cheap pass: which tracked topics an item concerns, and which of its
sentences are worth a parse.

One PhraseMatcher over all topics' keywords, party aliases and pinned-claim words
finds the hits (kind K, P or C) in an item's text after the tokenizer alone; an
item with no word that starts any of them is not even tokenized. A pinned claim's
word hits count only where one sentence holds enough of them (`claim_sentences`).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from detector.model import Item, Topic
from detector.text import sentences
from detector.tracking import Tracking

MERGE = True
#: words of a plain-words pinned claim that one sentence must hold (one a name or figure)
MIN_CLAIM_WORDS = 3
#: how many sentences after a mention a sentence with a stance cue is still parsed
CUE_WINDOW = 3
ENT_LABELS = ("PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "EVENT", "PRODUCT", "WORK_OF_ART")

_WORDS = re.compile(r"[^\W_]+")
_DULL = frozenset("the and for with that this from have has had was were will would said "
                  "says".split())


@dataclass
class Hit:
    start: int  # characters in item text
    end: int
    kind: str  # K keyword, P party alias, C pinned-claim term
    topic_id: str
    value: str  # party name or claim id or keyword


@dataclass
class ItemScan:
    item: Item
    text: str
    hits: list[Hit]
    topics: set[str]
    sentences: list[tuple[int, int]] = field(default_factory=list)
    #: sentence start -> the pinned claims it links to, best first
    links: dict[int, list[tuple[str, float]]] = field(default_factory=dict)
    #: sentence start -> the claims that tie for its best link (see PinnedLinker.ranked)
    ties: dict[int, frozenset[str]] = field(default_factory=dict)
    ends: dict[int, int] = field(default_factory=dict)


def party_within(scan: ItemScan, start: int, end: int) -> str | None:
    """The party of the first party alias found between two character offsets, an
    alias of the item's own topics first ("US prosecutors" is the United States in an
    item on overseas police stations, whatever party another topic calls that)."""
    hits = party_hits(scan, start, end)
    return hits[0].value if hits else None


def party_hits(scan: ItemScan, start: int, end: int) -> list[Hit]:
    """Party-alias hits between two offsets: those of the item's topics, else any."""
    hits = [h for h in scan.hits if h.kind == "P" and h.start >= start and h.end <= end]
    own = [h for h in hits if h.topic_id in scan.topics]
    return own or hits


def has_kind(scan: ItemScan, s: int, e: int, kind: str) -> bool:
    return any(h.kind == kind and h.start >= s and h.end <= e for h in scan.hits)


def claim_words(doc: Any) -> list[str]:
    """Match words of a plain-words claim: its names and content words, as written."""
    out = []
    for tok in doc:
        w = tok.text
        if tok.is_punct or tok.is_space or len(w) < 3 or tok.is_stop or w.lower() in _DULL:
            continue
        out.append(w)
        if w.lower().endswith("s") and len(w) > 4:
            out.append(w[:-1])
    return out


def claim_anchors(doc: Any, words: list[str]) -> set[str]:
    """A pinned claim's anchors: the names and figures among its match words, which
    a sentence must hold for the claim's words there to count."""
    anchors = {t.lower_.rstrip("s") for t in doc
               if (t.ent_type_ in ENT_LABELS and not t.is_stop and not t.is_punct)
               or any(ch.isdigit() for ch in t.text)}
    titled = sum(t.is_title for t in doc if t.is_alpha) > 0.5 * max(
        1, sum(t.is_alpha for t in doc))
    if not anchors and not titled:
        anchors = {t.lower_.rstrip("s") for t in doc[1:] if t.is_title and not t.is_stop}
    return anchors & {w.lower().rstrip("s") for w in words}


class Scanner:
    """The PhraseMatcher over the tracked topics, and the pass that uses it."""

    def __init__(self, nlp: Any, tracking: Tracking) -> None:
        self._nlp = nlp
        self._tr = tracking
        self._matcher: Any = None
        self._keys: dict[int, tuple[str, str, str]] = {}
        #: words that start some phrase: an item with none of them is not tokenized
        self._gate: set[str] = set()
        #: pinned claim id -> its anchors (see `claim_anchors`)
        self._anchors: dict[str, set[str]] = {}

    def rebuild(self, pinned: Mapping[tuple[str, str], tuple[set[str], list[str]]]) -> None:
        """The matcher for the topics as they are now; `pinned` gives each pinned
        claim's (topic id, claim id) its anchors and match words."""
        from spacy.matcher import PhraseMatcher

        vocab = self._nlp.vocab
        matcher = PhraseMatcher(vocab, attr="LOWER")
        keys: dict[int, tuple[str, str, str]] = {}
        make = self._nlp.make_doc
        gate: set[str] = set()

        def add(kind: str, topic_id: str, value: str, phrases: Iterable[str]) -> None:
            label = f"{kind}\x1f{topic_id}\x1f{value}"
            docs = [make(p) for p in dict.fromkeys(phrases) if p.strip()]
            for d in docs:
                first = _WORDS.findall(d.text.lower())
                if first:
                    gate.add(first[0])
            if docs:
                matcher.add(label, docs)
                keys[vocab.strings[label]] = (kind, topic_id, value)

        anchors: dict[str, set[str]] = {}
        for t in self._tr.topics.values():
            add("K", t.id, "", t.keywords)
            for p in t.parties:
                add("P", t.id, p.name, (*p.aliases, p.name))
            for c in t.claims:
                anchored, words = pinned[(t.id, c.id)]
                anchors[c.id] = anchored
                add("C", t.id, c.id, c.keywords or words)
        self._matcher = matcher
        self._keys = keys
        self._gate = gate
        self._anchors = anchors

    def scan(self, item: Item) -> ItemScan:
        text = item.text
        if self._gate.isdisjoint(_WORDS.findall(text.lower())):
            # not one word that starts a keyword, alias or claim word: no tokenizer needed
            return ItemScan(item, text, [], set())
        doc = self._nlp.make_doc(text)
        hits: list[Hit] = []
        claim_hits: list[Hit] = []
        topics_ = self._tr.topics
        matches = self._matcher(doc)
        if matches:  # character offsets of the tokens, read once (not a span per match)
            first = [t.idx for t in doc]
            last = [t.idx + len(t) for t in doc]
        for match_id, s, e in matches:
            kind, tid, value = self._keys[match_id]
            hit = Hit(first[s], last[e - 1], kind, tid, value)
            if kind == "C":
                claim_hits.append(hit)
            else:
                hits.append(hit)
        topics = {h.topic_id for h in hits if h.kind == "K" or (
            h.kind == "P" and not topics_[h.topic_id].keywords
            and not topics_[h.topic_id].claims)}
        if claim_hits:
            hits.extend(self.claim_sentences(text, claim_hits, topics))
        for t in list(topics):
            topic: Topic | None = topics_.get(t)
            if topic is not None and topic.ignore_sources and item.source in topic.ignore_sources:
                topics.discard(t)
        return ItemScan(item, text, hits, topics)

    def claim_sentences(self, text: str, claim_hits: list[Hit],
                        topics: set[str]) -> list[Hit]:
        """Pinned-claim word hits that count: those in a sentence holding one of the
        claim's names or figures and another of its words (three of its words when it
        names nothing), or any hit of a claim with hand-given keywords."""
        bounds = list(sentences(text))
        starts = [s for s, _e in bounds]
        groups: dict[tuple[str, int], list[Hit]] = {}
        for h in claim_hits:
            n = bisect_right(starts, h.start) - 1  # the sentence the hit starts in
            if n < 0 or h.start >= bounds[n][1]:
                n = -1
            groups.setdefault((h.value, n), []).append(h)
        kept: list[Hit] = []
        for (cid, _n), group in groups.items():
            claim = self._tr.index.get(cid)
            found = {text[h.start:h.end].lower().rstrip("s") for h in group}
            anchors = self._anchors.get(cid, set())
            if (claim is not None and claim.keywords) or \
                    (found & anchors and len(found) >= MIN_CLAIM_WORDS) or \
                    (not anchors and len(found) >= MIN_CLAIM_WORDS + 1):
                kept.extend(group)
                topics.add(group[0].topic_id)
        return kept

    def select(self, scan: ItemScan) -> list[tuple[int, int]]:
        """Spans to parse: runs of sentences that mention a relevant topic, plus a
        stance-cue sentence right after one ("The ministry denied the report.").
        Adjacent chosen sentences are parsed as one text, to keep spaCy's per-text
        overhead down."""
        text = scan.text
        hits = [h for h in scan.hits if h.topic_id in scan.topics]
        spans: list[tuple[int, int]] = []
        since_hit = CUE_WINDOW + 1
        prev_end = -1
        for s, e in sentences(text):
            hit = any(h.start >= s and h.end <= e for h in hits)
            since_hit = 0 if hit else since_hit + 1
            # a stance cue a few sentences after a mention ("The minister dismissed ...")
            take = hit or (since_hit <= CUE_WINDOW and
                           self._tr.lex.cue_regex.search(text, s, e) is not None)
            if take:
                if MERGE and spans and spans[-1][1] == prev_end:
                    spans[-1] = (spans[-1][0], e)
                else:
                    spans.append((s, e))
            prev_end = e if take else -1
        return spans

    @staticmethod
    def needs_ner(doc: Any, offset: int, scan: ItemScan) -> bool:
        """Named entities are needed only where a name that no tracked alias covers could
        be a speaker (a subject, or the source of 'according to'); the entity recognizer
        is a third of the parse's cost, so it runs on those texts only."""
        covered = [(h.start - offset, h.end - offset) for h in scan.hits if h.kind == "P"]
        for t in doc:
            if t.pos_ == "PROPN" and (t.dep_ in ("nsubj", "nsubjpass", "compound", "poss")
                                      or t.head.lower_ in ("to", "by", "per")) \
                    and not any(a <= t.idx < b for a, b in covered):
                return True
        return False
