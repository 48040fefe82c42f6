"""The detector: a cheap pass over every item, a parse of the sentences that
matter, and observations on the tracked topics' claims.

Per item: the tokenizer and one PhraseMatcher over all topics' keywords,
party aliases and pinned-claim terms decide whether the item concerns a
tracked topic at all (most items stop here). For the items that do, only the
sentences with a hit or a stance cue are parsed, in batches, and each
statement found in them (rules.py) becomes an Observation: who said it
(speaker, party, role), with which stance, when, and on which claim: a pinned
claim the sentence links to (link.py), else one the monitor discovers
(claims.py), past the bars described in README's "How claimwatch judges".

The Detector orchestrates; each job is a module of its own: the cheap pass
(scan.py), the parse, on one core or several (parse.py), who said it
(speakers.py), which way (stance.py), which claim (linking.py). They read one
Tracking (tracking.py), which the Detector updates when the topics change, and
each item's running state is one ItemState (state.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from detector import rules
from detector.claims import Claim, ClaimIndex
from detector.components import add_components
from detector.lexicon import Lexicon, load_lexicon
from detector.link import ClaimTerms, PinnedLinker
from detector.linking import StatementLinker
from detector.model import Evidence, Item, Observation, Topic, stable_id
from detector.parse import Parser, Pending, collect, load_nlp
from detector.scan import ItemScan, Scanner, claim_anchors, claim_words, has_kind
from detector.speakers import Speakers
from detector.stance import Stances, dated_before, one_stance_per_party
from detector.state import ItemState, Speaker
from detector.text import QUOTE_MARKS, quote_goes_on
from detector.tracking import Tracking


def item_last(obs: list[Observation]) -> list[Observation]:
    """The item's observations, each but the last on its claim marked as not closing
    the item for that claim (`Observation.item_last`: one status alert per item)."""
    last = {o.claim_id: n for n, o in enumerate(obs)}
    return [o if last[o.claim_id] == n else replace(o, item_last=False)
            for n, o in enumerate(obs)]


class Detector:
    """Turns news items into observations on the tracked topics' claims.

    Stateful only in the claims it has discovered (so later items update the
    same claim); topics can be replaced at any time.
    """

    def __init__(self, topics: Iterable[Topic] = (), *, nlp: Any = None,
                 model: str | None = None, lexicon: Lexicon | None = None,
                 batch_size: int = 64, helpers: int = 0) -> None:
        self._nlp = add_components(nlp if nlp is not None else load_nlp(model))
        #: the parse, here or shared with `helpers` processes (see parse.py)
        self.parser = Parser(self._nlp, helpers=helpers, model=model, batch_size=batch_size)
        lex = lexicon or load_lexicon()
        self.tracking = Tracking(lex, ClaimIndex(), PinnedLinker(lex))
        self.scanner = Scanner(self._nlp, self.tracking)
        self.speakers = Speakers(self.tracking)
        self.stances = Stances(self.tracking)
        self.linking = StatementLinker(self.tracking, self.speakers, self.stances)
        self._claim_cache: dict[tuple[str, str, str],
                                tuple[frozenset[str], set[str], list[str], ClaimTerms]] = {}
        self.set_topics(topics)

    @property
    def topics(self) -> dict[str, Topic]:
        return self.tracking.topics

    @property
    def lex(self) -> Lexicon:
        return self.tracking.lex

    @property
    def index(self) -> ClaimIndex:
        return self.tracking.index

    @index.setter
    def index(self, index: ClaimIndex) -> None:
        self.tracking.index = index  # a fresh index: forget the claims discovered so far

    @property
    def linker(self) -> PinnedLinker:
        return self.tracking.linker

    # -- topics -----------------------------------------------------------------
    def set_topics(self, topics: Iterable[Topic]) -> None:
        new = {t.id: t for t in topics}
        for tid in set(self.topics) - set(new):
            self.index.drop_topic(tid)
        self.tracking.topics = new
        self._rebuild()

    def upsert_topic(self, topic: Topic) -> None:
        self.topics[topic.id] = topic
        self._rebuild()

    def remove_topic(self, topic_id: str) -> None:
        if self.topics.pop(topic_id, None) is not None:
            self.index.drop_topic(topic_id)
            self._rebuild()

    def _rebuild(self) -> None:
        self.tracking.retrack()
        if self.linker.set_parties((p.name, p.aliases) for tid in sorted(self.topics)
                                   for p in self.topics[tid].parties):
            self._claim_cache.clear()  # a claim's names read through the party table
        linked: list[ClaimTerms] = []
        pinned: dict[tuple[str, str], tuple[set[str], list[str]]] = {}
        for t in self.topics.values():
            fresh = [c for c in t.claims if (t.id, c.id, c.statement) not in self._claim_cache]
            docs = self._nlp.pipe([c.statement for c in fresh], batch_size=256)
            for c, doc in zip(fresh, docs, strict=True):
                self._claim_cache[(t.id, c.id, c.statement)] = (
                    *self._pinned(doc, t), self.linker.claim_terms(c.id, t.id, doc))
            for c in t.claims:
                terms, anchors, words, link_terms = self._claim_cache[(t.id, c.id, c.statement)]
                linked.append(link_terms)
                pinned[(t.id, c.id)] = (anchors, words)
                self.index.add(Claim(c.id, t.id, c.statement, terms, pinned=True,
                                     keywords=c.keywords))
        self.linker.set_claims(linked)
        self.scanner.rebuild(pinned)

    def _pinned(self, doc: Any, topic: Topic) -> tuple[frozenset[str], set[str], list[str]]:
        """A pinned claim's clustering terms, its anchors (names and figures, which an
        item must mention for the claim to concern it) and its match words."""
        words = claim_words(doc)
        return self.linking.terms_of_doc(doc, topic), claim_anchors(doc, words), words

    def close(self) -> None:
        """Stop the parse helpers, if any (the detector can still be used: on one
        core, until a parse starts them again)."""
        self.parser.close()

    # -- the cheap pass ---------------------------------------------------------
    def may_concern(self, item: Item) -> bool:
        """The cheap pass's first test, a few microseconds and no tokenizer: False
        when the item certainly mentions no tracked topic (its detection would
        find nothing, open nothing and change nothing)."""
        return self.scanner.may_concern(item.text)

    def is_relevant(self, item: Item) -> bool:
        """Whether the item mentions any tracked topic (the cheap pass only)."""
        return bool(self.scanner.scan(item).topics)

    # -- detection --------------------------------------------------------------
    def detect(self, item: Item) -> list[Observation]:
        return self.detect_many([item])[0]

    def detect_many(self, items: Sequence[Item]) -> list[list[Observation]]:
        return [found for found, _ in self.detect_relevant(items)]

    def detect_relevant(self, items: Sequence[Item]) -> list[tuple[list[Observation], bool]]:
        """Each item's observations, and whether it mentions a tracked topic at
        all (what `is_relevant` says, from the same cheap pass)."""
        return [(found, relevant) for found, relevant, _ in self._detect(items, False)]

    def detect_opening(self, items: Sequence[Item],
                       ) -> list[tuple[list[Observation], bool, list[Claim]]]:
        """`detect_relevant`, and the claims each item opened or put in question
        (drained from the index item by item, so each is told with the item that
        changed it: a caller sharing discovered claims records them with it)."""
        return self._detect(items, True)

    def _detect(self, items: Sequence[Item], drain: bool,
                ) -> list[tuple[list[Observation], bool, list[Claim]]]:
        """The cheap pass over each item, then the parse of the selected sentences of
        those that concern a topic, in chunks of whole items: with parse helpers, the
        next chunks are scanned and parsed while the first are observed."""
        scans: list[ItemScan] = []
        chunks: list[tuple[int, list[tuple[int, int, int]], Pending]] = []
        jobs: list[tuple[int, int, int]] = []

        def submit(end: int) -> None:
            chunks.append((end, jobs[:], self.parser.submit(
                [(scans[n].text[s:e], scans[n].covered(s)) for n, s, e in jobs])))
            jobs.clear()

        step = self.parser.chunk
        for n, item in enumerate(items):
            scan = self.scanner.scan(item)
            scans.append(scan)
            if scan.topics:
                scan.sentences = self.scanner.select(scan)
                jobs.extend((n, s, e) for s, e in scan.sentences)
                if len(jobs) >= step:
                    submit(n + 1)
        if jobs or not chunks or chunks[-1][0] < len(items):
            submit(len(items))
        out: list[tuple[list[Observation], bool, list[Claim]]] = []
        for (end, done, _p), docs in zip(chunks, collect(self.parser, [p for _e, _d, p in chunks]),
                                         strict=True):
            parsed: dict[int, list[tuple[int, Any]]] = {}
            for (n, s, _e), doc in zip(done, docs, strict=True):
                parsed.setdefault(n, []).append((s, doc))
            for n, found in parsed.items():
                self.linking.link_item(scans[n], found)
            for scan in scans[len(out):end]:
                if not scan.topics:
                    out.append(([], False, []))
                    continue
                obs = self._observe(scan, parsed.get(len(out), []))
                obs = item_last(obs + self.linking.linked_reports(scan, obs))
                out.append((obs, True, self.index.drain_new() if drain else []))
        return out

    def _observe(self, scan: ItemScan, docs: list[tuple[int, Any]]) -> list[Observation]:
        state = ItemState(scan)
        for offset, doc in docs:
            for sent in doc.sents:
                stmts = rules.statements(sent, self.lex)
                s_start = offset + sent.start_char
                s_end = offset + sent.end_char
                mentioned = self.speakers.person_mentioned(sent, offset, scan)
                subject = self.speakers.subject_party(sent, offset, scan)
                quoted = state.quote_speaker
                if not stmts and quoted is not None and \
                        quote_goes_on(scan.text, quoted[1], s_start, s_end):
                    # "... pay it off for me," Dace said. "I never took a cent.": the
                    # quote goes on, and so does its speaker
                    a = rules.assertion(sent, self.lex)
                    if a is not None:
                        self._statement(state, replace(a, speaker_kind="named", cue="say",
                                                       confidence=0.6),
                                        sent, doc, offset, speaker=quoted[0])
                    state.quote_speaker = (quoted[0], s_end)
                else:
                    state.quote_speaker = None
                    if not stmts and has_kind(scan, s_start, s_end, "K"):
                        a = rules.assertion(sent, self.lex)
                        stmts = [a] if a is not None else []
                for st in stmts:
                    speaker = self._statement(state, st, sent, doc, offset)
                    if speaker.party and st.speaker_kind in ("named", "pronoun") and \
                            self.lex.verb_class(st.cue) == "speech" and \
                            any(q in sent.text for q in QUOTE_MARKS):
                        state.quote_speaker = (speaker, s_end)
                if subject is not None:
                    state.last_subject = subject
                if mentioned is not None:
                    state.last_mention = mentioned
                    if mentioned.party and mentioned.text:
                        # "spokesperson Mao Ning ... Mao denied": the surname later
                        # either end of the name: "Mao Ning" is Mao later
                        parts = mentioned.text.split()
                        for name in {mentioned.text, parts[0], parts[-1]}:
                            state.people[name.lower()] = mentioned
        return self.stances.discovered_bar(one_stance_per_party(state.out, state.strength),
                                    state.strength)

    def _statement(self, state: ItemState, st: rules.Statement, sent: Any, doc: Any,
                   offset: int, speaker: Speaker | None = None) -> Speaker:
        """One statement of the item: who made it (`speaker` when already known), on
        which claim, and one observation for each party that made it."""
        item = state.scan.item
        s_start = offset + sent.start_char
        s_end = offset + sent.end_char
        if speaker is None:
            speaker = self.speakers.speaker(st, doc, offset, state)
            speaker.also = self.speakers.co_speakers(st, doc, offset, state.scan, speaker)
        if speaker.party and speaker.text and st.speaker_kind == "named":
            state.recent.append(speaker)
        claim, _text = self.linking.claim_for(st, sent, doc, offset, state, speaker)
        if speaker.text and st.speaker_kind == "named":
            if speaker.person:
                state.last_person = speaker
            else:
                state.last_group = speaker
        if st.relayed_by is not None:
            # "Halvard & Co found that X, the startup said. It did not ..., it said":
            # the sentence was the startup's, and so is the next "it said"
            relay = self.speakers.speaker(replace(st, speaker=st.relayed_by, relayed_by=None),
                                          doc, offset, state)
            if relay.text and relay.party and not relay.person:
                state.last_group = relay
        if claim is None:
            return speaker
        if claim.pinned and st.speaker_kind == "publisher":
            act = self.stances.party_act(st, doc, offset, state.scan, claim)
            if act is not None:
                st, speaker = act
        if st.when == "current" and dated_before(doc[st.cue_token], item.published_at):
            st = replace(st, when="earlier")  # "confirmed on June 27" in July
        state.last_claim = claim
        if claim not in state.item_claims:
            state.item_claims.append(claim)
        if speaker.party and st.stance != "report":
            state.party_claims[speaker.party] = claim
        if speaker.role in ("media", "anonymous") and speaker.text:
            state.media_claim = claim
        firm = self.stances.strength(st)
        if not firm[0] and self.stances.own_act(st, doc, offset, state.scan, speaker, claim):
            firm = (1, firm[1])  # "the ministry declared an outbreak, the minister said"
        for party in (speaker.party, *speaker.also):
            party_key = party or speaker.text or ""
            key = (claim.id, party_key, st.stance, st.when + str(s_start))
            if key in state.seen:
                continue
            state.seen.add(key)
            cue_char = offset + doc[st.cue_token].idx
            state.strength.append(firm)
            state.out.append(Observation(
                observation_id=stable_id(item.id, claim.id, cue_char, st.stance,
                                         party_key, length=24),
                claim_id=claim.id,
                claim_text=claim.text,
                topic_id=claim.topic_id,
                item_id=item.id,
                source=item.source,
                url=item.url,
                published_at=item.published_at,
                stance=self.stances.stance(st, speaker, party, claim, doc),  # type: ignore[arg-type]
                speaker=speaker.text,
                party=party,
                role=speaker.role,
                when=st.when,  # type: ignore[arg-type]
                evidence=Evidence(state.scan.text[s_start:s_end], s_start, s_end),
                confidence=st.confidence,
            ))
        return speaker

    # -- claims -----------------------------------------------------------------
    def claims(self, topic_id: str | None = None) -> list[Claim]:
        return self.index.claims(topic_id)
