"""Linking: which pinned claims a sentence speaks to, as a scored decision.

A pinned claim is a proposition: some names (who or what it is about) and a
predicate (what happened). A sentence supports a decision on the claim only
when it carries both: a name of the claim and a word of its predicate in some
wording. "Apple's Project Titan" shares a name with "The Titan submersible
imploded" and nothing else.

The score is the weighted share of the claim's terms that the sentence holds
(names weigh more than other words), computed on the lemmas of the parsed
sentence folded through spelling variants and the synonym classes. Only the
pinned claims of the item's own topics that share a term with the sentence are
scored (an inverted index). The same terms also read the content of a
statement: whether it negates the claim's predicate, puts it elsewhere, or
only says it may come true.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from detector.lexicon import Lexicon
from detector.text import STOPWORDS

#: a sentence links to a claim at this score or above (see `PinnedLinker.score`)
LINK_AT = 0.5
#: an item whose best sentence scores this much at least concerns the claim (a report)
MENTION_AT = 0.3
NAME_WEIGHT = 2.0

_PLACES = frozenset({"GPE", "LOC", "FAC"})
_SKIP_POS = frozenset({"ADP", "AUX", "CCONJ", "DET", "PART", "PRON", "PUNCT", "SCONJ", "SPACE",
                       "SYM", "X", "INTJ"})


@dataclass(frozen=True)
class ClaimTerms:
    claim_id: str
    topic_id: str
    names: frozenset[str]  # stems of the claim's names (capitalised words, figures)
    words: frozenset[str]  # stems of its other content words (the predicate)
    places: frozenset[str] = frozenset()  # the claim's places (where it says it happened)
    modal: bool = False  # the claim itself is about what will or may happen
    root: str = ""  # its main verb ("came" in "the noises detected ... came from the sub")
    premise: frozenset[str] = frozenset()  # its other verbs: what it takes as given

    @property
    def weight(self) -> float:
        return NAME_WEIGHT * len(self.names) + len(self.words)


class PinnedLinker:
    """Scores sentences against the pinned claims of the topics an item concerns."""

    def __init__(self, lex: Lexicon) -> None:
        self.lex = lex
        self._claims: dict[str, ClaimTerms] = {}
        #: the pinned claims' main verbs (folded)
        self._verbs: frozenset[str] = frozenset()
        #: term -> the pinned claims (of any topic) a sentence holding it may link to
        self._by_term: dict[str, list[ClaimTerms]] = {}
        self._canon = _lemma_classes(lex)
        #: the canonical terms of the synonym classes: the kinds of event they name
        self._events = frozenset(self._canon.values())
        #: a folded predicate -> the folded predicates that say its opposite
        self._opposites: dict[str, set[str]] = {}
        for pair in lex.opposite_pairs:
            a, b = (self.fold(w) for w in pair.split())
            self._opposites.setdefault(a, set()).add(b)
            self._opposites.setdefault(b, set()).add(a)
        #: a one-word party alias (folded) -> its party: "Dravonian" names Dravonia
        self._party_names: dict[str, str] = {}

    def claim_terms(self, claim_id: str, topic_id: str, doc: Any) -> ClaimTerms:
        """The terms of a pinned claim, from its parsed statement."""
        names, words = self.split(doc)
        # where it says it happened ("is in Belarus"), not who did it ("China operates")
        located = [t for t in doc if t.dep_ == "pobj" or t.head.dep_ == "pobj"]
        # its main verb: the last finite one ("the noises detected during the search
        # came from ..."); the parser's root is not to be trusted on a reduced relative.
        # The verbs before it are what the claim takes as given ("killing all five"
        # after it is part of what it says)
        finite = [t for t in doc if t.pos_ in ("VERB", "AUX") and (
            t.tag_ in ("VBD", "VBZ", "VBP") or any(c.dep_ in ("aux", "auxpass") and
                                                   c.lower_ != "to" for c in t.children))]
        main = finite[-1] if finite else None
        root = self.fold(main.lemma_.lower()) if main is not None and main.pos_ == "VERB" \
            else ""
        given = {self.fold(t.lemma_.lower()) for t in doc
                 if t.pos_ == "VERB" and main is not None and t.i < main.i}
        return ClaimTerms(claim_id, topic_id, frozenset(names), frozenset(words - names),
                          frozenset(self.places(located)), self.modal(doc), root,
                          frozenset(given - {root}))

    def premise_only(self, tokens: Iterable[Any], claim_id: str) -> bool:
        """The content asserts what the claim takes as given, not the claim: the Coast
        Guard confirming that noises were detected says nothing of the claim that the
        noises detected came from the sub."""
        ct = self._claims.get(claim_id)
        toks = list(tokens)
        if ct is None or not ct.root or not ct.premise or not toks:
            return False
        ids = {t.i for t in toks}
        heads = [t for t in toks if t.head.i not in ids or t.head is t]
        said = {self.fold(t.lemma_.lower()) for t in heads if t.pos_ in ("VERB", "AUX")}
        held = {self.fold(t.lemma_.lower()) for t in toks}
        return bool(said & ct.premise) and ct.root not in held

    def modal(self, tokens: Iterable[Any]) -> bool:
        """Said of what will or may happen ("he will leave for Belarus")."""
        return any(t.lower_ in self.lex.modal_words and t.pos_ == "AUX" for t in tokens)

    def only_possible(self, tokens: Iterable[Any], claim_id: str) -> bool:
        """The content says the claim will or may come true, and the claim says it is."""
        ct = self._claims.get(claim_id)
        return ct is not None and not ct.modal and self.modal(tokens)

    def misses(self, tokens: Iterable[Any], claim_id: str) -> bool:
        """A claim made only of names ("Prigozhin is in Belarus") and content that
        lacks one of them: the speaker said something else about one of its names."""
        ct = self._claims.get(claim_id)
        return ct is not None and not ct.words and not ct.names <= self.terms(tokens)

    def names_all(self, tokens: Iterable[Any], claim_id: str) -> bool:
        """The tokens hold every name of a claim that also has a predicate (what was
        said is about the claim's own subject, in other words)."""
        ct = self._claims.get(claim_id)
        return ct is not None and bool(ct.words) and len(ct.names) >= 2 and \
            ct.names <= self.terms(tokens)

    def among_names(self, names: frozenset[str], claim_id: str) -> bool:
        """All these names (at least one) are names of the claim."""
        ct = self._claims.get(claim_id)
        return ct is not None and bool(names) and names <= ct.names

    def said_apart(self, tokens: Iterable[Any], claim_id: str,
                   sentence: Iterable[Any] = ()) -> bool:
        """What was said holds none of the claim's names and not all of its predicate
        ("The Russian Ministry of Defense said the city is important for offensive
        operations" against "the ministry struck Wagner's camps"): the names the
        sentence links by are its speaker's, what the speaker said is something else.
        A `sentence` that names none of the claim (the story names it elsewhere) is not
        apart when what was said holds the claim's verb, as a verb of its own or as an
        event noun ("the debris is consistent with a catastrophic implosion" on "the
        Aurel probe exploded"; "offensive operations" is no attack, "a video released by X"
        no release)."""
        ct = self._claims.get(claim_id)
        if ct is None or not ct.names or not ct.words:
            return False
        toks = list(tokens)
        terms = self.terms(toks)
        if ct.names & terms or ct.words <= terms:
            return False
        if ct.names & self.terms(sentence):
            return True
        return ct.root not in self.event_terms(toks)

    def event_terms(self, tokens: Iterable[Any]) -> set[str]:
        """Terms of the verbs that make a clause of their own and of the nouns: the
        events a sentence tells, not the ones that only describe a thing ("a video
        recorded and released by X", "offensive operations")."""
        return self.terms(t for t in tokens if t.pos_ == "NOUN" or (
            t.pos_ == "VERB" and _conjunct_head(t).dep_ not in ("acl", "relcl", "amod")))

    def names_of(self, claim_id: str) -> frozenset[str]:
        ct = self._claims.get(claim_id)
        return ct.names if ct is not None else frozenset()

    def party_terms(self, party: str) -> frozenset[str]:
        """The names a party's own name gives a sentence ("Morvath": "@morvath")."""
        out = set()
        for w in party.split():
            f = self.fold(w.lower())
            out.add(self._party_names.get(f, f))
        return frozenset(out)

    def other_event(self, tokens: Iterable[Any], claim_id: str, sentence: Any) -> bool:
        """The content's own verb names another event of the synonym classes than the
        claim's, and the claim's verb is nowhere in the sentence: "it was holding the
        tanker's crew" (hold) says nothing of "seized the tanker" (retake), whatever
        names they share. A verb no class holds may be the claim's in other words, so it
        never counts; nor does "reached an agreement for X to return", which holds the
        claim's verb."""
        ct = self._claims.get(claim_id)
        toks = list(tokens)
        if ct is None or not ct.root or not toks or ct.root not in self._events:
            return False
        if self.holds_out(toks, claim_id) or any(
                self._holds_place(t, ct) or self._leaves_place(t, ct) or
                self._takes_place(t, ct) for t in toks):
            return False  # "still defending the town", "holding it", "pulled out of it"
        ids = {t.i for t in toks}
        heads = [t for t in toks if t.pos_ == "VERB" and (t.head.i not in ids or t.head is t)]
        said = {self.fold(t.lemma_.lower()) for t in heads}
        return bool(said & self._events) and ct.root not in said and \
            ct.root not in self.terms(sentence)

    def opposes(self, tokens: Iterable[Any], claim_id: str) -> bool:
        """The content's own predicate is the opposite of the claim's main verb ("the
        plant will remain open", "would keep the plant open" against "will close the
        plant"), not negated, and the claim's verb is not in it."""
        ct = self._claims.get(claim_id)
        toks = list(tokens)
        opposite = self._opposites.get(ct.root, set()) if ct is not None else set()
        if not opposite or ct is None or \
                ct.root in {self.fold(t.lemma_.lower()) for t in toks}:
            return False
        ids = {t.i for t in toks}
        tops = [t for t in toks if t.head.i not in ids or t.head is t]
        said = tops + [c for t in tops for c in t.children
                       if c.dep_ in ("acomp", "oprd", "xcomp") and c.i in ids]
        for t in said:
            if self.fold(t.lemma_.lower()) in opposite and \
                    not any(c.dep_ == "neg" for c in (*t.children, *t.head.children)) and \
                    not any(c.dep_ in ("acomp", "attr", "oprd") for c in t.children):
                return True
        return False

    def given_up(self, tokens: Iterable[Any], claim_id: str) -> bool | None:
        """Whether the content says the claim's event was given up: True for "has
        abandoned its plan to acquire Norvale", "called off the takeover", "walked away
        from the deal", "the acquisition was dropped" (the verb of giving up over words
        that hold the claim's verb); False for "would not drop its bid for Norvale"
        (negated: the plan stands); None when it says neither. A claim that is itself
        about giving something up ("has cancelled its car project") is the verb's own
        claim, so None."""
        ct = self._claims.get(claim_id)
        if ct is None or not ct.root:
            return None
        giving_up = self.lex.abandon_verbs
        if ct.root in {self.fold(w) for w in giving_up if " " not in w}:
            return None
        for t in tokens:
            if t.pos_ != "VERB" or not _verb_in(t, giving_up):
                continue
            if any(self.fold(d.lemma_.lower()) == ct.root for d in t.subtree if d is not t):
                return not any(c.dep_ == "neg" for c in t.children)
        return None

    def holds_out(self, tokens: Iterable[Any], claim_id: str) -> bool:
        """The content says the place a claim has changed hands is still fought for
        ("their soldiers were still defending the town", "units continue to repel
        attacks there") against a claim of its capture: it has not been taken. Content
        that holds the claim's own verb ("captured the town, though pockets still
        resist") does not count."""
        ct = self._claims.get(claim_id)
        if ct is None or not ct.root or ct.root not in self.lex.taken_events:
            return False
        lemmas = [t.lemma_.lower() for t in tokens]
        return (any(w in self.lex.repel_words for w in lemmas) or (
            any(w in self.lex.holdout_words for w in lemmas) and
            any(w in self.lex.ongoing_words for w in lemmas))) and \
            ct.root not in {self.fold(w) for w in lemmas}

    def held_by_other(self, tokens: Iterable[Any], claim_id: str,
                      speaker_party: str | None) -> bool:
        """The content says a party other than the one a claim says took a place holds
        it now ("its troops still control the town", "the town remains under Ostrian
        control", said by the defender, against "Karskian forces recaptured the town"):
        it has not been taken. The holder is the subject of "hold" or "control" (or
        the owner of the noun "control"); "its", "their", "our" and "we" are the
        speaker's party. Nothing counts when the holder is the claim's own party,
        when it is negated ("no longer controls") or told in the past without "still"
        ("held the town for a year")."""
        ct = self._claims.get(claim_id)
        if ct is None or not ct.root or ct.root not in self.lex.taken_events:
            return False
        takers = {n for n in ct.names if n.startswith("@")}
        if not takers:
            return False
        toks = list(tokens)
        lemmas = {t.lemma_.lower() for t in toks}
        for p in toks:
            if not self._holds_place(p, ct):
                continue
            if any(c.dep_ == "neg" or c.lower_ == "longer" for c in p.children) or \
                    any(c.dep_ == "neg" for c in p.head.children if p.pos_ == "NOUN"):
                continue
            if p.tag_ in ("VBD", "VBN") and not lemmas & self.lex.ongoing_words:
                continue
            parties = self._actor_parties(p, toks, speaker_party)
            if parties and not parties & takers:
                return True
        return False

    def held_out(self, toks: list[Any], terms: set[str], ct: ClaimTerms) -> bool:
        """A sentence on whether a place a claim says was taken changed hands, in other
        words than the claim's verb: someone still fights for it ("still defending
        Dunmore"), holds it ("its troops hold the centre of Dunmore"), left it
        ("pulled out of Dunmore") or took it ("has taken Dunmore")."""
        return ct.root in self.lex.taken_events and ct.root not in terms and (
            self.holds_out(toks, ct.claim_id) or
            any(self._holds_place(t, ct) or self._leaves_place(t, ct) or
                self._takes_place(t, ct) for t in toks))

    def _names_place(self, t: Any, ct: ClaimTerms) -> bool:
        """`t` names a place of the claim ("Dunmore"), or a part of one ("the centre of
        Dunmore")."""
        places = {n for n in ct.names if not n.startswith("@")}
        if self.fold(t.lemma_.lower()) in places or self.fold(t.lower_) in places:
            return True
        return t.lemma_.lower() in self.lex.part_nouns and any(
            c.dep_ == "prep" and c.lower_ == "of" and any(
                self._names_place(o, ct) for o in c.children if o.dep_ == "pobj")
            for c in t.children)

    def _takes_place(self, p: Any, ct: ClaimTerms) -> bool:
        """`p` is "take" with a place the claim says was taken as its object ("the enemy
        has not taken Dunmore", "Dunmore was taken"): the claim's own event, in the
        plain verb no synonym class holds (it takes part, place and time too)."""
        if ct.root not in self.lex.taken_events or p.pos_ != "VERB" or \
                p.lemma_.lower() not in self.lex.taking_verbs:
            return False
        return any(self._names_place(c, ct) for c in p.children
                   if c.dep_ in ("dobj", "nsubjpass"))

    def _leaves_place(self, p: Any, ct: ClaimTerms) -> bool:
        """`p` withdraws from a place the claim says was taken: "pulled out of Dunmore",
        "withdrew from the centre of Dunmore", "retreated from it" (not negated)."""
        if ct.root not in self.lex.taken_events or p.pos_ != "VERB":
            return False
        if not _verb_in(p, self.lex.withdraw_verbs):
            return False
        parts = [c for c in p.children if c.dep_ in _PARTICLE_DEPS]
        if any(c.dep_ == "neg" for c in p.children):
            return False
        preps = [c for c in p.children if c.dep_ == "prep" and c.lower_ in ("from", "of")]
        preps += [g for c in parts for g in c.children
                  if g.dep_ == "prep" and g.lower_ == "of"]  # "out of" under "out"
        return any(self._names_place(o, ct) for c in preps for o in c.children
                   if o.dep_ == "pobj") or \
            any(self._names_place(c, ct) for c in p.children if c.dep_ == "dobj")

    def left_by_taker(self, tokens: Iterable[Any], claim_id: str,
                      speaker_party: str | None) -> bool:
        """The party a claim says took a place withdrew from it ("Karsk said its troops
        had pulled out of Dunmore" against "Karskian forces recaptured Dunmore"): it
        does not hold it. (Another party withdrawing is the capture, conceded.)"""
        ct = self._claims.get(claim_id)
        if ct is None or not ct.root or ct.root not in self.lex.taken_events:
            return False
        takers = {n for n in ct.names if n.startswith("@")}
        toks = list(tokens)
        return bool(takers) and any(
            self._leaves_place(p, ct) and self._actor_parties(p, toks, speaker_party) & takers
            for p in toks)

    def _actor_parties(self, p: Any, toks: list[Any], speaker_party: str | None) -> set[str]:
        """The parties of the one who does `p`: its subject, a passive's agent, or the
        owner of a noun ("Ostrian control"); "its", "their", "our" and "we" are the
        speaker's party."""
        ids = {t.i for t in toks}
        kinds = ("nsubj",) if p.pos_ in ("VERB", "AUX") else ("amod", "poss", "compound")
        actors = [c for c in p.children if c.dep_ in kinds and c.i in ids] + [
            o for c in p.children if c.dep_ == "agent" for o in c.children
            if o.dep_ == "pobj"]  # "is held by Ostrian troops"
        names: set[str] = set()
        for h in actors:
            sub = list(h.subtree)
            names |= self.split(sub)[0]
            if speaker_party and any(t.lower_ in ("its", "their", "our", "we", "us")
                                     for t in sub):
                names |= self.party_terms(speaker_party)
        return {n for n in names if n.startswith("@")}

    def _holds_place(self, p: Any, ct: ClaimTerms) -> bool:
        """`p` holds or controls a place the claim says was taken: "holding Dunmore",
        "held the centre of Dunmore", "Dunmore remained under Ostrian control" (not
        "holding the crew of the tanker": the crew is no place)."""
        if ct.root not in self.lex.taken_events or \
                p.lemma_.lower() not in self.lex.holding_words:
            return False

        def names_place(t: Any) -> bool:
            return self._names_place(t, ct)

        if p.pos_ in ("VERB", "AUX"):  # "holding Dunmore"; "Dunmore is held by ..."
            # (the subject of a passive may hang from its auxiliary: 'is "no longer" held')
            near = [*p.children, *(g for c in p.children if c.dep_ == "auxpass"
                                   for g in c.children)]
            return any(names_place(c) for c in near if c.dep_ in ("dobj", "nsubjpass") or
                       (c.dep_ == "nsubj" and c.head is not p))
        # the noun: "X remained under Y's control", "in control of X"
        if any(c.dep_ == "prep" and c.lower_ == "of" and
               any(names_place(o) for o in c.children if o.dep_ == "pobj")
               for c in p.children):
            return True
        verb = p.head.head if p.head.dep_ == "prep" else None
        return verb is not None and any(names_place(c) for c in verb.children
                                        if c.dep_ in ("nsubj", "nsubjpass"))

    def root_of(self, claim_id: str) -> str:
        """The claim's main verb, folded ("" for a copula claim)."""
        ct = self._claims.get(claim_id)
        return ct.root if ct is not None else ""

    def elsewhere(self, tokens: Iterable[Any], claim_id: str) -> bool:
        """Content that holds no word of the claim's predicate: the sentence links to the
        claim through its narration ("the board removed Holt, saying it had lost
        trust in her"), and what the speaker said is about something else."""
        ct = self._claims.get(claim_id)
        return ct is not None and bool(ct.words) and not ct.words & self.terms(tokens)

    def negates(self, tokens: Iterable[Any], claim_id: str) -> bool:
        """A word of the claim's predicate is negated ("will not return")."""
        ct = self._claims.get(claim_id)
        if ct is None:
            return False
        for t in tokens:
            if self.fold(t.lemma_.lower()) in ct.words and \
                    any(c.dep_ == "neg" for c in t.children):
                return True
        return False

    def places(self, tokens: Iterable[Any]) -> set[str]:
        return {self.fold(t.lemma_.lower()) for t in tokens if t.ent_type_ in _PLACES}

    def contradicts(self, tokens: Iterable[Any], claim_id: str) -> bool:
        """The content puts the claim somewhere else: it names a place and none of the
        claim's ("he is in St Petersburg" against "he is in Belarus")."""
        ct = self._claims.get(claim_id)
        if ct is None or not ct.places:
            return False
        toks = list(tokens)
        places = self.places(toks)
        return bool(places) and not places & ct.places and \
            not self.terms(toks) & ct.places

    def set_claims(self, claims: Iterable[ClaimTerms]) -> None:
        """The pinned claims of every tracked topic."""
        self._claims = {}
        self._by_term = {}
        cts = list(claims)
        freq: dict[str, int] = {}
        self._verbs = frozenset(ct.root for ct in cts if ct.root)
        for ct in cts:
            self._claims[ct.claim_id] = ct
            for term in ct.names | ct.words:
                freq[term] = freq.get(term, 0) + 1
        for ct in cts:
            # an inverted index, so a sentence scores only the claims it can link to
            for term in _index_terms(self._claims[ct.claim_id], freq):
                self._by_term.setdefault(term, []).append(ct)

    def set_parties(self, parties: Iterable[tuple[str, Iterable[str]]]) -> bool:
        """The tracked parties, (name, aliases) in a fixed order: a one-word party name
        and its one-word aliases made from it (an adjective or demonym: "Dravonian
        forces" and "Dravonia" name the same) stand for the party in a sentence and a
        claim. A person or city the party also goes by ("Moscow" for Russia) does not:
        it says more than the party. True when that changed the table (the claims'
        terms are then to be computed again)."""
        table: dict[str, str] = {}
        for name, aliases in parties:
            base = name.lower().strip()
            if " " in base or len(base) < 4:
                continue
            for a in (name, *aliases):
                low = a.lower().strip()
                if " " not in low and low[:4] == base[:4]:
                    table.setdefault(self.fold(low), "@" + base)
        changed = table != self._party_names
        self._party_names = table
        return changed

    def split(self, tokens: Iterable[Any]) -> tuple[set[str], set[str]]:
        """Folded lemmas of parsed tokens: (names and figures, other content words)."""
        names: set[str] = set()
        words: set[str] = set()
        for t in tokens:
            if t.is_punct or t.is_space or t.is_stop or t.pos_ in _SKIP_POS:
                continue
            if t.like_num or any(ch.isdigit() for ch in t.text):
                if t.ent_type_ not in ("DATE", "TIME", "ORDINAL"):
                    names.add(t.text.replace(",", ""))
                continue
            low = t.lemma_.lower().strip("'’-")
            if len(low) < 2 or low in STOPWORDS:
                continue
            folded = self.fold(low)
            if t.pos_ == "NOUN" and folded.endswith("ing") and folded not in self._verbs:
                # "announced the signing of X" holds the verb of "X has signed"
                folded = next((v for v in (folded[:-3], folded[:-3] + "e", folded[:-4])
                               if self.fold(v) in self._verbs), folded)
                folded = self.fold(folded)
            if t.tag_ == "NNPS" and folded.endswith("s") and len(folded) > 4:
                folded = folded[:-1]  # "Russians" is a name of "Russian forces ..."
            party = self._party_names.get(folded)
            if party is not None and t.text[:1].isupper():
                names.add(party)  # "Dravonian" however it was tagged: the party's name
            elif t.pos_ == "PROPN" or t.ent_type_ in ("NORP", "GPE", "ORG", "PERSON"):
                names.add(folded)
            else:
                words.add(folded)
        return names, words

    def terms(self, tokens: Iterable[Any]) -> set[str]:
        names, words = self.split(tokens)
        return names | words

    def fold(self, low: str) -> str:
        low = _spelling(low)
        return self._canon.get(low, low)

    def score(self, terms: set[str], claim_id: str, held: bool = False) -> float:
        """The weighted share of the claim's terms the sentence holds (names weigh
        more); 0 unless it holds one of the claim's names and one of its other words.
        `held`: the sentence holds the claim's verb in other words (see `held_out`)."""
        ct = self._claims.get(claim_id)
        if ct is None or not ct.weight:
            return 0.0
        names = ct.names & terms
        words = ct.words & terms
        if held:
            words = words | {ct.root}
        if len(ct.names) >= 2 and names == ct.names and ct.words and not words:
            # every name of the claim and none of its predicate's words ("Russians have
            # taken Soledar" against "Russian forces have captured Soledar"): the
            # sentence is on the claim's subject, a mention
            return MENTION_AT
        if (ct.names and not names) or (ct.words and not words):
            return 0.0
        if any(not n.startswith("@") for n in ct.names) and ct.root not in words and \
                all(n.startswith("@") for n in names):
            # only the parties' names, and not the claim's verb ("Dravonian officials
            # refused to confirm troop movements" against "Dravonian forces seized the
            # tanker Lyra Dawn"): the sentence is on the topic, not on this claim
            return 0.0
        return (NAME_WEIGHT * len(names) + len(words)) / ct.weight

    def ranked(self, tokens: Iterable[Any], topic_ids: Iterable[str],
               at: float = LINK_AT, also: frozenset[str] = frozenset(),
               carried: frozenset[str] = frozenset(), terms: set[str] | None = None,
               ) -> tuple[list[tuple[str, float]], frozenset[str]]:
        """Pinned claims of these topics the sentence speaks to, best first: the claim
        more of whose predicate the sentence holds ("pay off those debts" is the debts
        claim, not the betting claim a "sports channel" touches), then the score; and
        the claims that tie with the best one (the sentence holds as much of their
        predicate and scores the same: nothing in it tells them apart). `also`: names
        the sentence holds in other words (the speaker's, for its "I"). `carried`:
        names the item holds elsewhere, which count for a claim whose names the sentence
        leaves out but whose verb it holds ("the debris is consistent with a
        catastrophic explosion" in a story that names the Aurel probe elsewhere). `terms`: the
        sentence's own, when the caller has them."""
        toks = list(tokens)
        terms = (self.terms(toks) if terms is None else terms) | also
        found = []
        tids = set(topic_ids)
        cands: dict[tuple[str, str], ClaimTerms] = {}
        for term in terms | carried:
            for ct in self._by_term.get(term, ()):
                if ct.topic_id in tids:
                    cands[(ct.topic_id, ct.claim_id)] = ct
        events = self.event_terms(toks) if carried else set()
        for (_tid, cid), ct in cands.items():
            held = terms
            if carried and ct.names.isdisjoint(terms) and ct.root in events:
                held = terms | (carried & ct.names)
            if (ct.names or ct.words).isdisjoint(held):
                continue  # (a claim id that two topics share: its own terms decide)
            s = self.score(held, cid, self.held_out(toks, held, ct))
            if s >= at:
                found.append((-len(ct.words & terms), -s, cid))
        found.sort()
        tied = frozenset(cid for n, s, cid in found if found and (n, s) == found[0][:2])
        return [(cid, -s) for _n, s, cid in found], tied


#: how the parser hangs a phrasal verb's particle ("pulled out", "called off", "walked
#: away"): "out" is often a preposition here
_PARTICLE_DEPS = ("prt", "advmod", "prep")


def _conjunct_head(tok: Any) -> Any:
    """The first of a run of conjuncts ("recorded" in "recorded and released")."""
    while tok.dep_ == "conj" and tok.head.i != tok.i:
        tok = tok.head
    return tok


def _verb_in(verb: Any, words: frozenset[str]) -> bool:
    """The verb's lemma, or the lemma with one of its particles ("pull out", "call
    off"), is one of `words`."""
    lemma = verb.lemma_.lower()
    return lemma in words or any(f"{lemma} {c.lower_}" in words for c in verb.children
                                 if c.dep_ in _PARTICLE_DEPS)


def _index_terms(ct: ClaimTerms, freq: dict[str, int]) -> frozenset[str]:
    """Terms a sentence must hold one of to score anything on the claim (see
    `PinnedLinker.score`): one of its names, or, with a predicate, one of its words
    or (every name, when it has two or more) its rarest name; the rarer choice."""
    if not ct.weight:
        return frozenset()
    if not ct.names or not ct.words:
        return ct.names or ct.words
    by_words = set(ct.words)
    if len(ct.names) >= 2:
        by_words.add(min(ct.names, key=lambda t: (freq.get(t, 0), t)))
    if sum(freq.get(t, 0) for t in by_words) < sum(freq.get(t, 0) for t in ct.names):
        return frozenset(by_words)
    return ct.names


def _spelling(low: str) -> str:
    """British and American spellings fold together (defence, defense; colour, color),
    and so do a verb and the noun made from it (implode, implosion; approve, approval;
    deny, denial; seize, seizure; clear, clearance; announce, announcement): a claim
    says "imploded" where the Coast Guard says "a catastrophic implosion"."""
    if len(low) >= 6:
        low = re.sub(r"(?<=[a-z]{3})ence$", "ense", low)
        low = re.sub(r"(?<=[a-z]{3})our$", "or", low)
        low = re.sub(r"(?<=[a-z]{2})is(e|ed|es|ing|ation)$", r"iz\1", low)
        for pattern, repl in _DERIVED:
            folded = re.sub(pattern, repl, low)
            if folded != low:
                return folded
    return low


#: a noun and the verb it comes from fold to one stem (applied to words of 6+ letters)
_DERIVED = (
    (r"(?<=[aeiou])(sion|de)$", "d"),  # implosion, implode; decision, decide
    (r"(?<=[a-z]{4})val$", "ve"),  # approval, approve; removal, remove
    (r"(?<=[a-z]{3})ial$", "y"),  # denial, deny
    (r"(?<=[a-z]{3})([sz])ure$", r"\1e"),  # seizure, seize; closure, close
    (r"(?<=[a-z]{4})ance$", ""),  # clearance, clear; acceptance, accept
    (r"(?<=[a-z]{5})ment$", ""),  # announcement, announce; agreement, agree
)


def _lemma_classes(lex: Lexicon) -> dict[str, str]:
    """Lemma (spelling folded) -> canonical term of its synonym class."""
    out: dict[str, str] = {}
    for word, canon in lex.synonyms.items():
        out.setdefault(_spelling(word), _spelling(canon))
    return out
