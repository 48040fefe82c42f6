"""Who said it: the speaker of a statement, the party it speaks for and its role.

A speaker is a tracked party by one of its aliases, an official of one (a title
that names the party, "the ministry" after the party was named, a person whose
title was given before), a named outlet, an anonymous source, or somebody
unlisted; a pronoun or a bare title points back to a speaker of the same item,
which the item's state (state.ItemState) remembers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from detector import rules
from detector.model import Role
from detector.scan import ENT_LABELS, ItemScan, party_hits, party_within
from detector.state import ItemState, Speaker
from detector.text import QUOTE_MARKS
from detector.tracking import Tracking

__all__ = ["Speaker", "Speakers", "bare_name"]


class Speakers:
    """Finds the speaker of each statement, reading the tracked parties' aliases."""

    def __init__(self, tracking: Tracking) -> None:
        self._tr = tracking

    def definite(self, head: str, recent: list[Speaker],
                 by_alias: bool = True) -> Speaker | None:
        """'the minister' is the last named speaker whose words hold 'minister' (else,
        with by_alias, the one party whose aliases hold it)."""
        for sp in reversed(recent):
            if sp.text and sp.party and re.search(r"\b" + re.escape(head) + r"(s|es)?\b",
                                                  sp.text.lower()):
                return sp
        for aliases in self._tr.alias_party.values() if by_alias else ():
            hits = {p for a, p in aliases.items()
                    if re.search(r"\b" + re.escape(head) + r"\b", a)}
            if len(hits) == 1:
                return Speaker(head, hits.pop(), "official")
        return None

    def speaker(self, st: rules.Statement, doc: Any, offset: int, state: ItemState) -> Speaker:
        """Who made a statement: its words, the party they name (a tracked alias, the
        title of a person named before, "the ministry" for the party last named), and
        the role; a pronoun is the party named before it in its sentence, else the
        last group or person that spoke."""
        scan, recent, last_group = state.scan, state.recent, state.last_group
        last_person = state.last_person or state.last_mention
        if st.speaker is None or st.speaker_kind == "publisher":
            return Speaker(None, None, "media")
        span = doc[st.speaker[0]:st.speaker[1]]
        text = span.text.strip()
        if st.speaker_kind == "pronoun":
            low = span.root.lower_
            near = self.nearest_party(span, offset, scan, low in self._tr.lex.pronouns_person,
                                      persons_of(state, self._tr.persons))
            if near is not None:
                return near
            ref = last_group if low in self._tr.lex.pronouns_group else \
                last_person if low in self._tr.lex.pronouns_person else None
            subject = state.last_subject
            if ref is None and subject is not None and (
                    low in self._tr.lex.pronouns_group if subject.party not in self._tr.persons
                    else low in self._tr.lex.pronouns_person):
                # "The agency finished its review. It found ...", "Reyna was asked about
                # it. 'That is not true,' he said." (a party the user lists as a person)
                ref = subject
            if ref is None:
                ref = last_group or last_person
            if ref is not None:
                return ref
            return Speaker(text, None, "unknown")
        if st.speaker_kind == "hedged":
            return Speaker(text, None, "anonymous")
        words = {t.lower_ for t in span}
        # a person: a PERSON entity, or a name with a person's title ("the spokesman for
        # the Eastern Group, Serhiy Cherevaty"), even where entities were not parsed
        person = any(t.ent_type_ == "PERSON" for t in span) or (
            span.root.lemma_.lower() in self._tr.lex.person_titles and
            any(t.pos_ == "PROPN" and t.i > span.root.i for t in span))
        s0, s1 = offset + span.start_char, offset + span.end_char
        party = None
        alias_text = None
        for h in party_hits(scan, s0, s1):
            if party is None or (h.end - h.start) > len(alias_text or ""):
                party, alias_text = h.value, scan.text[h.start:h.end]
        if party is None:
            party, alias_text = self.party_by_alias(text, scan.topics)
        if party is None and span.root.lemma_.lower() in self._tr.lex.spokes_words:
            # "a club spokesman", "a government spokeswoman": the spokesperson of the
            # party the item calls "the club", "the government"
            own = [self._tr.alias_party[t] for t in sorted(scan.topics)
                   if t in self._tr.alias_party]
            for c in span.root.children:
                if c.dep_ == "compound" and c.pos_ == "NOUN":
                    party = next((table[f"the {c.lower_}"] for table in own
                                  if f"the {c.lower_}" in table), None)
                    if party is not None:
                        return Speaker(text, party, "official", person)
        if party is None and bare_name(text).lower() in state.people:
            known = state.people[bare_name(text).lower()]
            return Speaker(text, known.party, "official", True)
        if party is None:
            # "Ada Brenn, the chief prosecutor": the title of a party's speaker
            # quoted before ("US prosecutors said") gives the person that party
            titled = next((ref for t in span if t.pos_ == "NOUN" and
                           t.lemma_.lower() in self._tr.lex.official_words
                           for ref in [self.definite(t.lemma_.lower(), recent, False)]
                           if ref is not None), None)
            if titled is not None:
                return Speaker(text, titled.party, "official", person)
        if party is None and any(t.lower_ in ("its", "their") and t.dep_ == "poss"
                                 for t in span) and last_group is not None and last_group.party:
            # "its defence ministry": the organisation last quoted
            return Speaker(text, last_group.party, "official", person)
        if party is None and span.root.lower_ in self._tr.lex.role_nouns and \
                text.lower().startswith("the ") and not span.ents:
            # "The singer shared how ...": the person the item was last about, when the
            # user lists that person as a party
            for ref in (state.last_person, state.last_mention, state.last_subject):
                if ref is not None and ref.party in self._tr.persons:
                    return Speaker(text, ref.party, "party", True)
            # else the listed person named last before it ("Reports said Reyna had
            # signed. The player denied them.")
            named = [h for h in scan.hits if h.kind == "P" and h.end <= s0 and
                     h.value in self._tr.persons and h.topic_id in scan.topics]
            if named:
                return Speaker(text, max(named, key=lambda h: h.end).value, "party", True)
        if party is None and span.root.pos_ == "NOUN" and not span.ents and \
                text.lower().startswith(("the ", "its ", "their ")):
            ref = self.definite(span.root.lower_, recent)
            if ref is None and span.root.lower_ in self._tr.lex.person_titles and \
                    any(sp.party for sp in recent):
                # "the interior minister said": a person of the party that spoke last,
                # not of the one its words named last ("a ceasefire with the rebels")
                ref = next(sp for sp in reversed(recent) if sp.party)
            if ref is None and span.root.lower_ in self._tr.lex.official_words:
                # "the company", "the ministry": the organisation last named before it,
                # not a person ("the decision to dismiss Holt was ..., the startup said")
                people = self._tr.person_aliases
                before = [h for h in scan.hits if h.kind == "P" and h.end <= s0 and
                          scan.text[h.start:h.end].lower() not in people]
                if before:
                    ref = Speaker(text, max(before, key=lambda h: h.end).value, "official")
                elif last_group is not None and last_group.party:
                    ref = last_group
            if ref is not None:
                return Speaker(text, ref.party, ref.role if ref.role != "party" else "official",
                                ref.person)
        if st.speaker_kind == "anonymous":
            return Speaker(text, party, "anonymous", person)
        if party is not None and span.root.lemma_.lower() in self._tr.lex.public_nouns and \
                span.root.lower_ not in (alias_text or "").lower().split():
            # "Karskian war bloggers", "Ostrian residents": people of that side, who do
            # not speak for it
            return Speaker(text, None, "unknown", person)
        if party is not None:
            bare = bare_name(text)
            role: Role = "party" if bare.lower() in (alias_text or "").lower() or \
                bare.lower() == party.lower() else "official"
            if role == "official" and words & self._tr.lex.media_words and \
                    not words & self._tr.lex.official_words:
                role = "party"  # the party's own (state) media
            return Speaker(text, party, role, person)
        ents = [e for e in span.ents if e.label_ in ENT_LABELS]
        if ents and span.root.lemma_.lower() in self._tr.lex.public_nouns and \
                not words & self._tr.lex.official_words:
            # "Lindqvist Movement supporters announced ...": people of a side, not its
            # voice
            return Speaker(text, None, "unknown", person)
        if words & self._tr.lex.media_words and not words & self._tr.lex.official_words:
            return Speaker(text, bare_name(ents[0].text) if ents else None, "media", person)
        if ents:
            ent = max(ents, key=lambda e: len(e.text))
            role = "official" if (words & self._tr.lex.official_words or
                                  ent.label_ in ("ORG", "GPE", "NORP")) else "unknown"
            return Speaker(text, bare_name(ent.text), role, person)
        if words & self._tr.lex.official_words:
            return Speaker(text, None, "unknown", person)
        return Speaker(text, None, "unknown", person)

    def nearest_party(self, pronoun: Any, offset: int, scan: ItemScan,
                      person: bool, persons: frozenset[str] = frozenset()) -> Speaker | None:
        """The nearest antecedent of a speaking pronoun in its own sentence: the party
        named last before it, a person for "he"/"she", an organisation for "it"
        ("The watchdog blocked the deal ..., it said"; "Dace's first story, in which
        he said ..."). A party is a person where its name is a PERSON entity or where
        the item named it as a person before (`persons`: the entity recognizer may
        call a bare surname a place). A party named inside a quote is not its speaker:
        '"... occupied by Ostrian troops ...," it added' is the ministry quoted before."""
        doc = pronoun.doc
        s0 = offset + pronoun.sent.start_char
        s1 = offset + pronoun.start_char
        for h in reversed(party_hits(scan, s0, s1)):
            if sum(scan.text.count(q, s0, h.start) for q in QUOTE_MARKS) % 2:
                continue  # inside a quote that opened in this sentence
            tok = next((t for t in doc if offset + t.idx == h.start), None)
            if tok is None or (tok.ent_type_ == "PERSON" or h.value in persons) != person:
                continue
            return Speaker(scan.text[h.start:h.end], h.value, "party", person)
        return None

    def party_by_alias(self, text: str,
                       topics: Iterable[str] = ()) -> tuple[str | None, str | None]:
        """A party alias in the speaker's words, those of the item's topics first; a
        bare surname ("Kim", "Gerasimov") stands for the party alias that is a full name
        holding it."""
        tables = self._tr.alias_party
        own = [tables[t] for t in sorted(topics) if t in tables]
        if own:
            found = self._party_by_alias_in(text, own)
            if found[0] is not None:
                return found
        # a bare first name or surname stands for a full name of the item's own topics
        # only: "Ivo" in a story on cholera is not "Ivo Marsh" of a fraud case
        return self._party_by_alias_in(text, list(self._tr.alias_party.values()),
                                       part=not topics)

    def _party_by_alias_in(self, text: str, tables: list[dict[str, str]],
                           part: bool = True) -> tuple[str | None, str | None]:
        compass = self._tr.lex.compass_words
        low = bare_name(text).lower()
        best: tuple[str | None, str | None] = (None, None)
        for aliases in tables:
            for alias, party in aliases.items():
                if re.search(r"\b" + re.escape(alias) + r"\b", low) and \
                        len(alias) > len(best[1] or ""):
                    best = (party, alias)
        if best[0] is None and part and re.fullmatch(r"[a-z][a-z'\-]+", low):
            for aliases in tables:
                for alias, party in aliases.items():
                    names = re.split(r"[\s\-]+", alias)
                    if len(names) >= 2 and low in (names[0], names[-1]) and \
                            low not in compass:
                        return party, low
        return best

    def subject_party(self, sent: Any, offset: int, scan: ItemScan) -> Speaker | None:
        """The party a sentence names as its main clause's subject ("The Medicines
        Agency has finished its review"), for a later "it" (or "he", for a party the
        user lists as a person); a name the entity recogniser calls a person is
        `person_mentioned`'s."""
        subj = next((c for c in sent.root.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        if subj is None or subj.pos_ == "PRON" or any(t.ent_type_ == "PERSON" for t in
                                                      subj.subtree):
            return None
        # the subject's own words up to its head, not a phrase after it ("Reports in
        # Varna" are not Varna's)
        s0, s1 = offset + subj.left_edge.idx, offset + subj.idx + len(subj.text)
        party = party_within(scan, s0, s1)
        return Speaker(scan.text[s0:s1], party, "party") if party else None

    def person_mentioned(self, sent: Any, offset: int, scan: ItemScan) -> Speaker | None:
        """The last person named in a sentence, for a later "he said": a PERSON entity,
        or a name with a title beside it ("Jae Park, Brightline's chief executive,")
        that the entity recognizer missed. A title that names a party ("leader of the
        Green Front") gives the person that party."""
        people = [(e.start, e.end, e.root) for e in sent.ents if e.label_ == "PERSON"]
        for t in sent:
            if t.pos_ == "PROPN" and t.dep_ in ("nsubj", "nsubjpass") and \
                    any(c.dep_ == "appos" for c in t.children) and \
                    not any(a <= t.i < b for a, b, _r in people):
                left = min([c.i for c in t.children if c.dep_ == "compound"] + [t.i])
                people.append((left, t.i + 1, t))
        if not people:
            return None
        start, end, root = max(people, key=lambda p: p[0])
        span = sent.doc[start:end]
        s0, s1 = offset + span.start_char, offset + span.end_char
        party = party_within(scan, s0, s1) or \
            self.party_by_alias(span.text, scan.topics)[0]
        if party is None:
            # "Kestrian foreign ministry spokesman Anton Brask": the title before the name
            mods = [t for t in sent.doc[root.left_edge.i:start]
                    if t.dep_ in ("compound", "amod", "nmod", "poss", "npadvmod", "nummod")
                    or t.head.i < end]
            if mods:
                party = party_within(scan, offset + mods[0].idx, s0)
        for c in root.children if party is None else ():
            if c.dep_ == "appos":  # "Jae Park, Brightline's chief executive,"
                sub = list(c.subtree)
                party = party_within(scan, offset + sub[0].idx,
                                      offset + sub[-1].idx + len(sub[-1].text))
                if party is not None:
                    break
        return Speaker(span.text, party, "official" if party else "unknown", True)

    def co_speakers(self, st: rules.Statement, doc: Any, offset: int, scan: ItemScan,
                    speaker: Speaker) -> tuple[str, ...]:
        """'SkyNord and Aeralis said ...': every tracked party named in a coordinated
        speaker speaks, not only the first."""
        if st.speaker is None or st.speaker_kind != "named" or not speaker.party:
            return ()
        span = doc[st.speaker[0]:st.speaker[1]]
        if not any(t.dep_ == "cc" and t.lower_ in ("and", "&") for t in span):
            return ()
        s0, s1 = offset + span.start_char, offset + span.end_char
        others = [h.value for h in scan.hits if h.kind == "P" and h.start >= s0
                  and h.end <= s1 and h.value != speaker.party]
        return tuple(dict.fromkeys(others))

    def owner_party(self, owner: Any, offset: int, state: ItemState) -> str | None:
        """The party of a possessor ("the regulator's", "Kestria's")."""
        scan = state.scan
        s0, s1 = offset + owner.idx, offset + owner.idx + len(owner.text)
        hit = next((h for h in scan.hits if h.kind == "P" and h.start <= s0 and h.end >= s1),
                   None)
        if hit is not None:
            return hit.value
        party = self.party_by_alias(owner.text, scan.topics)[0]
        if party is None:
            ref = self.definite(owner.lower_, state.recent)
            party = ref.party if ref is not None else None
        if party is None and owner.lower_ in self._tr.lex.official_words:
            before = [h for h in scan.hits if h.kind == "P" and h.end <= s0]
            if before:
                return max(before, key=lambda h: h.end).value
        return party


def bare_name(text: str) -> str:
    """A name without its article, possessive or a bracket the entity cut open: "the
    ministry's" is "ministry", "Tarn Health Agency (THA" that agency."""
    t = re.sub(r"^(the|a|an)\s+", "", text.strip(), flags=re.IGNORECASE)
    t = re.sub(r"\s*\([^)]*$", "", t) or t.lstrip("(")
    return re.sub(r"(['’]s|['’])$", "", t).strip()


def persons_of(state: ItemState, listed: frozenset[str]) -> frozenset[str]:
    """The parties that are people: listed by a person's name (`tracking.person_like`),
    or named by the item as a person so far (a person who spoke, or a person named with
    the party's title)."""
    known = [state.last_person, state.last_mention, *state.recent, *state.people.values()]
    return listed | {s.party for s in known if s is not None and s.person and s.party}
