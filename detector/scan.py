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
from detector.text import quote_goes_on, sentences
from detector.tracking import Tracking

MERGE = True
#: words of a plain-words pinned claim that one sentence must hold (one a name or figure)
MIN_CLAIM_WORDS = 3
#: how many sentences after a mention a sentence with a stance cue is still parsed
CUE_WINDOW = 3
ENT_LABELS = ("PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "EVENT", "PRODUCT", "WORK_OF_ART")

_WORDS = re.compile(r"[^\W_]+")
#: ASCII bytes: a letter or digit as it is, anything else a space
_ASCII_ALNUM_BYTES = bytes(b if chr(b).isalnum() else 32 for b in range(256))


def alnum_words(text: str) -> list[str]:
    """The runs of letters and digits in `text` (what `_WORDS` finds); for ASCII
    text by a bytes table and split, several times faster than the regex (the
    gate reads every item's whole text)."""
    if text.isascii():
        return text.encode("ascii").translate(_ASCII_ALNUM_BYTES).decode().split()
    return _WORDS.findall(text)
_DULL = frozenset("the and for with that this from have has had was were will would said "
                  "says".split())


@dataclass
class Hit:
    start: int  # characters in item text
    end: int
    kind: str  # K keyword, P party alias, C pinned-claim term
    topic_id: str
    value: str  # party name ("" for a keyword or a pinned-claim word)


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

    def covered(self, offset: int) -> list[tuple[int, int]]:
        """The spans party aliases cover, relative to `offset` (a sentence's start)."""
        return [(h.start - offset, h.end - offset) for h in self.hits if h.kind == "P"]


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


class ClaimWords:
    """The pinned claims' match words: one PhraseMatcher label per distinct word, which
    claims hold each, and an inverted index that gives, for the words of a sentence,
    the only claims that can count there (see `Scanner.claim_sentences`).

    A claim with keywords counts on any of them: all its words are indexed. A claim
    with anchors needs one of them and MIN_CLAIM_WORDS words in all, one without needs
    MIN_CLAIM_WORDS + 1: it is indexed under its anchor words, or under all but
    MIN_CLAIM_WORDS - 1 (MIN_CLAIM_WORDS) of its words, the rarest, whichever are
    rarer (a sentence holding enough of its words holds one of those), and not at all
    when it has too few words to count anywhere."""

    def __init__(self) -> None:
        self.matcher: Any = None
        #: claim id -> its words (phrase ids) -> the topics whose claim of that id holds it
        self.phrases: dict[str, dict[int, tuple[str, ...]]] = {}
        self._ids: dict[tuple[str, ...], int] = {}
        self._docs: list[Any] = []
        self._labels: dict[int, int] = {}
        self._index: dict[int, list[str]] = {}
        #: claim id -> (its words, the words that can give one of its anchors, how many
        #: words it needs): a quick test that a sentence cannot count for it
        self.needs: dict[str, tuple[frozenset[int], frozenset[int] | None, int]] = {}

    def add(self, topic_id: str, claim_id: str, docs: list[Any]) -> None:
        held = self.phrases.setdefault(claim_id, {})
        for d in docs:
            key = tuple(t.lower_ for t in d)
            n = self._ids.setdefault(key, len(self._ids))
            if n == len(self._docs):
                self._docs.append(d)
            topics = held.get(n, ())
            if topic_id not in topics:
                held[n] = (*topics, topic_id)

    def finish(self, vocab: Any, anchors: Mapping[str, set[str]],
               keyworded: set[str]) -> ClaimWords:
        from spacy.matcher import PhraseMatcher

        if self._docs:
            self.matcher = PhraseMatcher(vocab, attr="LOWER")
            for n, d in enumerate(self._docs):
                label = f"W\x1f{n}"
                self.matcher.add(label, [d])
                self._labels[vocab.strings[label]] = n
        #: a one-token word's form as a sentence's hit gives it (see claim_sentences)
        norm = {n: d[0].lower_.rstrip("s") if len(d) == 1 else None
                for n, d in enumerate(self._docs)}
        freq = [0] * len(self._docs)
        for held in self.phrases.values():
            for n in held:
                freq[n] += 1
        for cid, held in self.phrases.items():
            words = sorted(held, key=lambda n: (freq[n], n))
            if cid in keyworded:
                keys = words
                self.needs[cid] = (frozenset(words), None, 1)
            else:
                anchored = anchors.get(cid, set())
                need = MIN_CLAIM_WORDS if anchored else MIN_CLAIM_WORDS + 1
                if len(words) < need:
                    continue  # it cannot count in any sentence
                keys = words[:len(words) - need + 1]
                names = [n for n in words if norm[n] is None or norm[n] in anchored]
                self.needs[cid] = (frozenset(words), frozenset(names) if anchored else None,
                                   need)
                if anchored and sum(freq[n] for n in names) < sum(freq[n] for n in keys):
                    keys = names
            for n in keys:
                self._index.setdefault(n, []).append(cid)
        return self

    def match(self, doc: Any) -> list[tuple[int, int, int]]:
        """(word, start token, end token) of the claim words in a doc."""
        if self.matcher is None:
            return []
        labels = self._labels
        return [(labels[m], s, e) for m, s, e in self.matcher(doc)]

    def candidates(self, words: Iterable[int]) -> list[str]:
        """The claims that can count in a sentence holding these words (each has
        enough of its words there, and one that can be an anchor), in a stable order."""
        index, needs = self._index, self.needs
        held = frozenset(words)
        seen: set[str] = set()
        out = []
        for n in sorted(held):
            for cid in index.get(n, ()):
                if cid in seen:
                    continue
                seen.add(cid)
                own, names, need = needs[cid]
                if (names is None or not names.isdisjoint(held)) and len(own & held) >= need:
                    out.append(cid)
        return out


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
        self._words: ClaimWords = ClaimWords()

    def rebuild(self, pinned: Mapping[tuple[str, str], tuple[set[str], list[str]]]) -> None:
        """The matchers for the topics as they are now; `pinned` gives each pinned
        claim's (topic id, claim id) its anchors and match words.

        Keywords and party aliases have a label per topic and value; pinned-claim words
        have one label per distinct word (a word many claims share is matched once),
        and `ClaimWords` says which claims hold it."""
        from spacy.matcher import PhraseMatcher

        vocab = self._nlp.vocab
        matcher = PhraseMatcher(vocab, attr="LOWER")
        keys: dict[int, tuple[str, str, str]] = {}
        make = self._nlp.make_doc
        gate: set[str] = set()

        def docs_of(phrases: Iterable[str]) -> list[Any]:
            docs = [make(p) for p in dict.fromkeys(phrases) if p.strip()]
            for d in docs:
                first = _WORDS.findall(d.text.lower())
                if first:
                    gate.add(first[0])
            return docs

        def add(kind: str, topic_id: str, value: str, phrases: Iterable[str]) -> None:
            label = f"{kind}\x1f{topic_id}\x1f{value}"
            docs = docs_of(phrases)
            if docs:
                matcher.add(label, docs)
                keys[vocab.strings[label]] = (kind, topic_id, value)

        anchors: dict[str, set[str]] = {}
        words = ClaimWords()
        for t in self._tr.topics.values():
            add("K", t.id, "", t.keywords)
            for p in t.parties:
                add("P", t.id, p.name, (*p.aliases, p.name))
            for c in t.claims:
                anchored, cwords = pinned[(t.id, c.id)]
                anchors[c.id] = anchored
                words.add(t.id, c.id, docs_of(c.keywords or cwords))
        index = self._tr.index
        self._words = words.finish(vocab, anchors, {
            c.id for t in self._tr.topics.values() for c in t.claims
            if c.keywords or getattr(index.get(c.id), "keywords", ())})
        self._matcher = matcher
        self._keys = keys
        self._gate = gate
        self._anchors = anchors

    def may_concern(self, text: str) -> bool:
        """False when not one word of `text` starts a keyword, alias or claim word:
        then `scan` finds nothing, and no tokenizer is needed to know it."""
        return not self._gate.isdisjoint(alnum_words(text.lower()))

    def scan(self, item: Item) -> ItemScan:
        text = item.text
        if not self.may_concern(text):
            return ItemScan(item, text, [], set())
        doc = self._nlp.make_doc(text)
        hits: list[Hit] = []
        topics_ = self._tr.topics
        matches = self._matcher(doc)
        words = self._words.match(doc)
        if matches or words:  # character offsets of the tokens, read once, in C
            bounds = doc.to_array(["IDX", "LENGTH"]).tolist()
        for match_id, s, e in matches:
            kind, tid, value = self._keys[match_id]
            hits.append(Hit(bounds[s][0], sum(bounds[e - 1]), kind, tid, value))
        topics = {h.topic_id for h in hits if h.kind == "K" or (
            h.kind == "P" and not topics_[h.topic_id].keywords
            and not topics_[h.topic_id].claims)}
        if words:
            found = [(phrase, bounds[s][0], sum(bounds[e - 1])) for phrase, s, e in words]
            hits.extend(self.claim_sentences(text, found, topics))
        for t in list(topics):
            topic: Topic | None = topics_.get(t)
            if topic is not None and topic.ignore_sources and item.source in topic.ignore_sources:
                topics.discard(t)
        return ItemScan(item, text, hits, topics)

    def claim_sentences(self, text: str, found: list[tuple[int, int, int]],
                        topics: set[str]) -> list[Hit]:
        """Pinned-claim word hits that count: those in a sentence holding one of the
        claim's names or figures and another of its words (three of its words when it
        names nothing), or any hit of a claim with hand-given keywords.

        `found` holds the matched claim words (phrase id, start, end). Only the claims
        that `ClaimWords.candidates` gives for a sentence's words are checked; one hit
        is kept per matched span and topic."""
        bounds = list(sentences(text))
        starts = [s for s, _e in bounds]
        groups: dict[int, dict[int, list[tuple[int, int]]]] = {}
        for phrase, start, end in found:
            n = bisect_right(starts, start) - 1  # the sentence the hit starts in
            if n < 0 or start >= bounds[n][1]:
                n = -1
            groups.setdefault(n, {}).setdefault(phrase, []).append((start, end))
        cw = self._words
        index = self._tr.index
        kept: dict[tuple[int, int, str], None] = {}
        for group in groups.values():
            for cid in cw.candidates(group):
                held = cw.phrases[cid]
                spans = [(p, sp) for p in (group.keys() & held) for sp in group[p]]
                norms = {text[a:b].lower().rstrip("s") for _p, (a, b) in spans}
                anchors = self._anchors.get(cid, set())
                claim = index.get(cid)
                if not ((claim is not None and claim.keywords) or
                        (norms & anchors and len(norms) >= MIN_CLAIM_WORDS) or
                        (not anchors and len(norms) >= MIN_CLAIM_WORDS + 1)):
                    continue
                first: tuple[int, int, str] | None = None
                for p, (a, b) in spans:
                    for tid in held[p]:
                        kept[(a, b, tid)] = None
                        if first is None or (a, b, tid) < first:
                            first = (a, b, tid)
                if first is not None:
                    topics.add(first[2])
        return [Hit(a, b, "C", tid, "") for a, b, tid in kept]

    def select(self, scan: ItemScan) -> list[tuple[int, int]]:
        """Spans to parse: runs of sentences that mention a relevant topic, plus a
        stance-cue sentence right after one ("The ministry denied the report.").
        A quoted sentence that carries on the quote of a chosen one is chosen too (its
        speaker is that quote's). Adjacent chosen sentences are parsed as one text, to
        keep spaCy's per-text overhead down."""
        text = scan.text
        bounds = list(sentences(text))
        starts = [s for s, _e in bounds]
        with_hit = set()  # the sentences that hold a hit of a relevant topic
        for h in scan.hits:
            n = bisect_right(starts, h.start) - 1  # the one sentence it can lie in
            if h.topic_id in scan.topics and n >= 0 and h.end <= bounds[n][1]:
                with_hit.add(n)
        spans: list[tuple[int, int]] = []
        since_hit = CUE_WINDOW + 1
        prev_end = -1
        for n, (s, e) in enumerate(bounds):
            hit = n in with_hit
            since_hit = 0 if hit else since_hit + 1
            # a stance cue a few sentences after a mention ("The minister dismissed ...")
            take = hit or (since_hit <= CUE_WINDOW and
                           self._tr.lex.cue_regex.search(text, s, e) is not None) or \
                (prev_end >= 0 and quote_goes_on(text, prev_end, s, e))  # its speaker's
            if take:
                if MERGE and spans and spans[-1][1] == prev_end:
                    spans[-1] = (spans[-1][0], e)
                else:
                    spans.append((s, e))
            prev_end = e if take else -1
        return spans
