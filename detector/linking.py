"""Which claim a statement is on: a pinned claim its sentence links to (see
link.py's PinnedLinker, which scores the pinned claims for a sentence), the claim
it points back to ("denied this", "dismissed the report", "rejected the
regulator's finding"), or a claim of the monitor's own that its words open or
join (claims.py), past the bars described in README's "How claimwatch judges".
Also the report an item gives a pinned claim it speaks to without a statement.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import pairwise
from typing import Any

from detector import rules
from detector.claims import Claim
from detector.link import LINK_AT, MENTION_AT
from detector.model import Evidence, Item, Observation, Topic, stable_id
from detector.scan import ENT_LABELS, Hit, ItemScan
from detector.speakers import Speakers
from detector.stance import Stances
from detector.state import ItemState, Speaker
from detector.text import cut_off, dateline_end, has_figure
from detector.tracking import Tracking

SKIP_POS = ("ADV", "DET", "PRON", "AUX", "PUNCT", "SPACE", "CCONJ", "SCONJ", "PART", "ADP", "SYM",
            "X",
            "INTJ")


class StatementLinker:
    """Finds each statement's claim, reading the claim index and the pinned claims."""

    def __init__(self, tracking: Tracking, speakers: Speakers, stances: Stances) -> None:
        self._tr = tracking
        self._speakers = speakers
        self._stances = stances

    def link_item(self, scan: ItemScan, docs: Iterable[tuple[int, Any]]) -> None:
        """The pinned claims each parsed sentence of the item speaks to (see link.py),
        its sentences' (offset, Doc) in order. The names of claims (not of parties)
        that its other sentences hold carry to a sentence that tells a claim's event
        without naming it (`PinnedLinker.ranked`)."""
        linker = self._tr.linker
        topics = sorted(scan.topics)
        sents = [(offset, sent, linker.split(sent)) for offset, doc in docs for sent in doc.sents]
        carried = frozenset(n for _o, _s, (names, _w) in sents for n in names
                            if not n.startswith("@") and not any(c.isdigit() for c in n))
        for offset, sent, (names, words) in sents:
            found, tied = linker.ranked(sent, topics, at=MENTION_AT, carried=carried,
                                        terms=names | words)
            if found:
                scan.links[offset + sent.start_char] = found
                scan.ties[offset + sent.start_char] = tied
                scan.ends[offset + sent.start_char] = offset + sent.end_char

    def _named_by(self, content: list[int], doc: Any, speaker: Speaker,
                  scan: ItemScan) -> frozenset[str]:
        """The names a content holds in other words: the speaker's, for a pronoun that
        is the speaker as its subject; the other side's, for "the enemy" in the words
        of one of a topic's two parties. Empty when it holds neither."""
        if any(doc[i].dep_ in ("nsubj", "nsubjpass") and self._speakers_own(doc[i], speaker)
               for i in content):
            return self._tr.linker.party_terms(speaker.party or "")
        if not any(doc[i].lemma_.lower() in self._tr.lex.enemy_words for i in content):
            return frozenset()
        for tid in sorted(scan.topics):
            names = [p.name for p in self._tr.topics[tid].parties]
            if speaker.party in names and len(names) == 2:
                other = next(n for n in names if n != speaker.party)
                return self._tr.linker.party_terms(other)
        return frozenset()

    def _speakers_own(self, pronoun: Any, speaker: Speaker) -> bool:
        """A subject pronoun that is the speaker's party: "I" or "we" in the speaker's
        quote; "he" or "she" after a party that is a person, "it" or "they" after an
        organisation, the subject of what that speaker said ("Corvo said she ...")."""
        low, lex = pronoun.lower_, self._tr.lex
        if low in lex.first_person_words:
            return True
        if pronoun.head.i == pronoun.i or pronoun.i < pronoun.sent.start:
            return False
        if speaker.party in self._tr.persons:
            return low in lex.pronouns_person
        # "he" after a minister is the minister, not the country whose names the
        # claim may hold
        return not speaker.person and low in lex.pronouns_group

    def linked_reports(self, scan: ItemScan, obs: list[Observation]) -> list[Observation]:
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
            claim = self._tr.index.get(cid)
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

    def claim_for(self, st: rules.Statement, sent: Any, doc: Any, offset: int,
                   state: ItemState, speaker: Speaker) -> tuple[Claim | None, str]:
        scan, last_claim, item_claims = state.scan, state.last_claim, state.item_claims
        party_claims, media_claim = state.party_claims, state.media_claim
        content = list(st.content_tokens)
        s_start = offset + sent.start_char
        linked = self._best_link(scan, s_start, last_claim) or \
            self._event_named(scan, s_start, [doc[i] for i in content])
        if linked and content and st.speaker_kind == "named" and st.stance != "report" and \
                not self._stances.explicit(st) and \
                self._tr.linker.said_apart([doc[i] for i in content], linked[0][0], sent):
            linked = []  # the sentence names the claim's parties only as its speaker
        if linked:
            # the sentence speaks to a pinned claim: that is the claim, whatever the rules
            # would have opened from its words
            pinned = self._tr.index.get(linked[0][0])
            if pinned is not None and not self._tr.linker.other_event(
                    [doc[i] for i in content], pinned.id, sent):
                return pinned, pinned.text
        elif speaker.party and (own := self._named_by(content, doc, speaker, scan)):
            # '"... I never agreed to pay off a debt."' in Ohtani's quote, "Corvo said
            # she had no plans to resign": the pronoun is the speaker, so the speaker's
            # names are the sentence's too (and they must be a name of the claim it
            # then links to: else the pronoun changed nothing); "the enemy has not taken
            # Dunmore", in the words of one of two sides: the names of the other
            found, tied = self._tr.linker.ranked(sent, sorted(scan.topics), also=own)
            pinned = self._tr.index.get(found[0][0]) if found and len(tied) < 2 and \
                own & self._tr.linker.names_of(found[0][0]) else None
            if pinned is not None and not self._tr.linker.other_event(
                    [doc[i] for i in content], pinned.id, sent):
                return pinned, pinned.text
        if (st.described or st.refers_back) and last_claim is not None and \
                not last_claim.pinned:
            # "the ministry denied this": a pinned claim the item spoke to before this
            # sentence comes before a claim the rules opened from other words
            # (a sentence whose best claims tie says nothing of which one it is)
            before = [s0 for s0, found in scan.links.items()
                      if s0 < s_start and found[0][1] >= LINK_AT and
                      len(scan.ties.get(s0, ())) < 2]
            if before:
                pinned = self._tr.index.get(scan.links[max(before)][0][0])
                if pinned is not None and pinned.topic_id == last_claim.topic_id:
                    last_claim = pinned
        if st.described and last_claim is not None and last_claim.topic_id in scan.topics:
            # "rejected the regulator's finding": the claim that party stated last
            owner = next((doc[i] for i in content if doc[i].dep_ == "poss"), None)
            if owner is not None and party_claims:
                who = self._speakers.owner_party(owner, offset, state)
                if who in party_claims:
                    return party_claims[who], party_claims[who].text
            return last_claim, last_claim.text  # "dismissed the espionage accusation"
        if st.refers_back and not content:
            content = self._antecedent(st, sent)
            named = self._claim_named(st, state, speaker) if not content else None
            if named is not None:
                return named, named.text
            if not content:
                if st.ref_noun in self._tr.lex.report_nouns and media_claim is not None:
                    # "The club dismissed the report": what the outlet reported
                    return media_claim, media_claim.text
                said = self._said_by_other(st, state, speaker, (st.ref_noun,))
                if said is not None:
                    return said, said.text
                if last_claim is not None and last_claim.topic_id in scan.topics:
                    return last_claim, last_claim.text
                # with no claim before it: the one pinned claim its own sentence
                # mentions ("called the accusations about the grid attack groundless"),
                # else the last one an earlier sentence mentioned ("Reyna was asked about
                # reports that he had signed. 'That is not true,' he said.")
                for s0 in sorted((s0 for s0 in scan.links if s0 <= s_start), reverse=True):
                    if len(scan.ties.get(s0, ())) < 2:
                        pinned = self._tr.index.get(scan.links[s0][0][0])
                        if pinned is not None:
                            return pinned, pinned.text
                return None, ""
        # "(Reuters) - No cases have been found ...": the dateline is no part of the claim
        words = dateline_end(scan.text, offset + sent.start_char) - offset
        toks = [doc[i] for i in content if not doc[i].is_space and doc[i].idx >= words]
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
                                                       self._tr.lex.speech_verbs):
            # a tracked party's statement in an item on its topic (verbatim rhetoric aside)
            topic_id = next((t for t in sorted(scan.topics) if any(
                p.name == speaker.party for p in self._tr.topics[t].parties)), None)
        if topic_id is None and st.speaker_kind == "publisher" and st.cue == "assert":
            topic_id = self._topic_for(scan, s0, s1)
        terms = self._terms(toks, scan, offset, speaker)
        # "insisted it had not been hit": the claim it denies is that it had been hit;
        # "denied that any records had been taken": that records had been taken
        drop = set(st.negation) | ({t.i for t in toks if t.lower_ == "any" and t.dep_ == "det"}
                                   if st.stance == "deny" else set())
        text = self._claim_text([t for t in toks if t.i not in drop], speaker)
        if len(terms) == 1 and not st.refers_back and st.stance != "report":
            # "said both had been destroyed": one word that a claim of this item holds
            for c in reversed(item_claims):
                if terms <= c.terms:
                    return c, c.text
        if len(terms) < 2:
            # "refused to confirm the seizure": a definite noun phrase points back
            if toks[0].lower_ in ("the", "this", "that", "these", "those", "such") and \
                    self._tr.lex.verb_class(st.cue) != "hedge" and \
                    last_claim is not None and last_claim.topic_id in scan.topics:
                said = self._said_by_other(st, state, speaker,
                                           [t.lemma_.lower() for t in toks])
                return (said, said.text) if said is not None else (last_claim, last_claim.text)
            return None, ""
        sentence = scan.text[s0:s1]
        if topic_id is None:
            # no keyword here: join a close claim of a topic this item concerns
            best: tuple[Claim | None, float] = (None, 0.0)
            for tid in sorted(scan.topics):
                near, score = self._tr.index.best(tid, terms, sentence)
                if near is not None and score > best[1]:
                    best = (near, score)
            if best[0] is not None and best[1] >= 0.6:
                return best[0], text
            return None, ""
        # a bare noun phrase ("its interest in the infant-formula maker") says less than a
        # clause: it joins a claim only on a closer match
        clause = any(t.pos_ in ("VERB", "AUX") for t in toks)
        explicit = self._stances.explicit(st)
        topic = self._tr.topics.get(topic_id)
        if topic is not None and not topic.discover:
            return None, ""  # the user tracks only the pinned claims of this topic
        if st.speaker is None or st.speaker_kind == "publisher" or cut_off(scan.text, c1) or \
                not (proposition(toks) or (explicit and event_phrase(toks) and
                                           not topic_phrase(toks))):
            # a claim the monitor opens must read as a whole statement (a subject and a
            # finite verb, nothing cut off) that somebody made: a fragment, or the
            # publisher's own narration, is nobody's claim
            near, score = self._tr.index.best(topic_id, terms, sentence)
            if near is not None and score >= 0.67:
                return near, near.text
            return None, ""
        fits = scan.links.get(s0, [])
        pinned = self._tr.index.get(fits[0][0]) if fits and fits[0][1] >= MENTION_AT else None
        # "Morvath denied any role in the attack": content with no subject of its own is
        # the speaker's doing; when the speaker is a name of the claim the sentence
        # mentions, that is the claim
        own = self._tr.linker.party_terms(speaker.party) if speaker.party and explicit and \
            not any(t.dep_ in ("nsubj", "nsubjpass") for t in toks) else frozenset()
        if pinned is not None and pinned.topic_id == topic_id and \
                (self._tr.linker.names_all(toks, pinned.id) or
                 self._tr.linker.among_names(own, pinned.id)) and \
                not self._tr.linker.other_event(toks, pinned.id, sent):
            # a pinned claim fits, in other words ("Russians have taken Soledar"): the
            # statement is on it; a claim of the monitor's own opens only when none does
            return pinned, pinned.text
        return self._tr.index.assign(topic_id, terms, text, sentence,
                                     merge_at=0.5 if clause else 0.67,
                                     prefer=last_claim), text

    def _said_by_other(self, st: rules.Statement, state: ItemState, speaker: Speaker,
                       nouns: Iterable[str]) -> Claim | None:
        """'Kelmar dismissed the announcement (as premature)': a stance on a statement
        noun is on the claim another party than the speaker's took a stance on last in
        the item, not on the aside the item quoted after it."""
        if st.stance == "report" or self._tr.lex.statement_nouns.isdisjoint(nouns):
            return None
        for o in reversed(state.out):
            if o.party and o.party != speaker.party and o.stance in ("confirm", "deny"):
                claim = self._tr.index.get(o.claim_id)
                if claim is not None and claim.topic_id in state.scan.topics:
                    return claim
        return None

    def _claim_named(self, st: rules.Statement, state: ItemState,
                     speaker: Speaker) -> Claim | None:
        """'said no such agreement existed': of the item's claims, the last whose terms
        hold the noun; else the one the speaker's party took a stance on last (the
        rebels who denied the truce now say there was no such agreement)."""
        lex = self._tr.lex
        noun = st.ref_noun
        if not st.verdict or not noun or noun in lex.report_nouns or noun in lex.claim_nouns:
            return None
        for claim in reversed(state.item_claims):
            if lex.canon(noun) in claim.terms and claim.topic_id in state.scan.topics:
                return claim
        return state.party_claims.get(speaker.party) if speaker.party else None

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

    def _event_named(self, scan: ItemScan, s_start: int,
                     content: list[Any]) -> list[tuple[str, float]]:
        """What was said is the claim's event named by a noun ("a Veltra spokeswoman
        confirmed the recall", "announced the closure of the plant") in a sentence that
        mentions that claim and no sibling as much: the claim, though the sentence
        holds too few of its words to link by itself."""
        found = scan.links.get(s_start, [])
        if not found or not content or len(scan.ties.get(s_start, ())) > 1:
            return []
        ids = {t.i for t in content}
        heads = [t for t in content if t.head.i not in ids or t.head is t]
        linker = self._tr.linker
        cid = found[0][0]
        if len(heads) == 1 and heads[0].pos_ == "NOUN" and linker.root_of(cid) and \
                linker.fold(heads[0].lemma_.lower()) == linker.root_of(cid):
            return found[:1]
        return []

    def _antecedent(self, st: rules.Statement, sent: Any) -> list[int]:
        """'While reports of X circulated, Moscow dismissed them': them = X."""
        for t in sent:
            if t.i >= st.cue_token:
                break
            if st.speaker and st.speaker[0] <= t.i < st.speaker[1]:
                continue
            if t.lemma_.lower() in self._tr.lex.claim_nouns or t.lower_ in self._tr.lex.claim_nouns:
                ids = rules.noun_content(t)
                if ids:
                    return ids
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
            if t.ent_type_ in ENT_LABELS and (t.pos_ == "PROPN" or (
                    t.text[:1].isupper() and t.pos_ in ("ADV", "NOUN", "VERB"))):
                # a name the tagger took for another word ("captured Bakhmut" tagged
                # as an adverb) is still the name the recognizer found
                terms.add("@" + t.lemma_.lower())
                continue
            if t.pos_ in SKIP_POS or t.is_stop or t.is_punct:
                continue
            if t.like_num and has_figure(t.text) and t.ent_type_ not in ("DATE", "TIME"):
                terms.add("#" + t.text.replace(",", ""))
                continue
            if t.ent_type_ in ("DATE", "TIME", "ORDINAL"):
                continue
            lemma = t.lemma_.lower()
            if lemma in _GENERIC_TERMS or len(lemma) < 2 or lemma in self._tr.lex.deny_words \
                    or t.lower_ in self._tr.lex.deny_words:
                continue  # "dismissed his sacking as speculation": the stance, not the claim
            terms.add(self._tr.lex.canon(lemma))
        return frozenset(terms)

    def terms_of_doc(self, doc: Any, topic: Topic) -> frozenset[str]:
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
        # a quote the claim ends inside is closed: 'suffering from “discomfort”'
        if text.count("“") > text.count("”"):
            text += "”"
        elif text.count('"') % 2:
            text += '"'
        return text[:1].upper() + text[1:] if text else text


_GENERIC_TERMS = frozenset(
    """be have do make get go come give keep put use include say tell report add also well part
way thing people other new many much own such percent""".split()
)


_FINITE = frozenset({"VBD", "VBZ", "VBP", "MD"})
_DANGLING = frozenset({"ADP", "DET", "AUX", "CCONJ", "SCONJ", "PART", "PRON"})


def proposition(toks: list[Any]) -> bool:
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


def topic_phrase(toks: list[Any]) -> bool:
    """A noun phrase that says what reports are about, not what they say ("debunking
    rumours about singers": singers): the object of "about", "on" or "regarding"."""
    ids = {t.i for t in toks}
    tops = [t for t in toks if t.head.i not in ids or t.head.i == t.i]
    return len(tops) == 1 and tops[0].dep_ == "pobj" and \
        tops[0].head.lower_ in ("about", "on", "regarding")


def event_phrase(toks: list[Any]) -> bool:
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
