"""Which way: the stance a statement takes on its claim, and whose word counts.

A confirmation or denial needs a speaker whose word counts (a tracked party or
its officials, a named outlet that itself confirmed or denied); a party's plain
"said" on a pinned claim is read against the claim's words; a party's own
decision narrated by the publisher is its stance; a stance dated days before
its item is a recap; one item gives a party one stance on a claim; and a claim
the monitor discovered counts only once some party took an explicit stance on
it. See README's "How claimwatch judges".
"""

from __future__ import annotations

import calendar
import re
from dataclasses import replace
from datetime import date as date_cls
from datetime import datetime
from typing import Any

from detector import rules
from detector.claims import Claim
from detector.lexicon import Lexicon
from detector.model import Observation
from detector.scan import ItemScan, party_hits, party_within
from detector.speakers import bare_name
from detector.state import Speaker
from detector.tracking import Tracking


class Stances:
    """Decides the stance of each observation, reading the tracked topics."""

    def __init__(self, tracking: Tracking) -> None:
        self._tr = tracking

    def stance(self, st: rules.Statement, speaker: Speaker, party: str | None,
               claim: Claim, doc: Any = None) -> str:
        """A confirmation or denial needs someone whose word counts: a tracked party or
        its officials (any named organisation or official when the topic lists no
        parties), or a named outlet that itself says it confirmed or denied. The
        publisher's own narration, anonymous sources and unlisted speakers only report.
        (A claim the monitor discovered itself asks more: `discovered_bar`.)"""
        if st.stance == "report":
            return "report"
        if doc is not None and said_to(doc[st.cue_token], self._tr.lex):
            return "report"  # "Medrix said to pause trial": what others say of Medrix
        explicit = self.explicit(st)
        topic = self._tr.topics.get(claim.topic_id)
        counts = party in self._tr.tracked or (topic is not None and not topic.parties)
        if topic is not None and not topic.parties and st.speaker_kind == "named" and \
                speaker.text and speaker.role in ("party", "official", "unknown"):
            return st.stance  # no parties listed: a named speaker's word is one source
        if claim.pinned and doc is not None and st.stance == "confirm" and \
                self._tr.linker.only_possible([doc[i] for i in st.content_tokens], claim.id):
            # "Holt will leave for Veland": a plan, not the fact (denying the plan, "denied
            # he would sign", denies the fact too)
            return "report"
        if claim.pinned and doc is not None and st.stance == "confirm" and \
                self._tr.linker.premise_only([doc[i] for i in st.content_tokens], claim.id):
            return "report"  # confirmed the noises were heard, not where they came from
        if party is not None and counts and speaker.role in ("party", "official"):
            if claim.pinned and not explicit and st.stance == "confirm" and doc is not None:
                return self.content_stance(st, doc, claim, party)
            if claim.pinned and not explicit and st.stance == "deny" and doc is not None and \
                    self._tr.linker.given_up([doc[i] for i in st.content_tokens],
                                             claim.id) is False:
                return "confirm"  # "said it would not drop its bid": the plan stands
            return st.stance
        if speaker.role == "media" and speaker.text and explicit and \
                any(w[:1].isupper() for w in bare_name(speaker.text).split()):
            return st.stance  # a named outlet's own act ("The Information confirmed")
        return "report"

    def content_stance(self, st: rules.Statement, doc: Any, claim: Claim,
                       party: str | None = None) -> str:
        """A party that only says something ("said", "told") about a pinned claim
        confirms it, unless what it says negates the claim's predicate ("will not
        return"), puts the claim elsewhere ("he is in St Petersburg"), says the place
        it claims was taken is still fought for ("still defending the town"), held by
        another party ("its troops still control it") or left by the party it says took
        it ("its troops withdrew from the town"), says the claim's event was given up
        ("abandoned its plan to buy X") or says the opposite of the claim's verb ("the
        plant will remain open"): a denial."""
        toks = [doc[i] for i in st.content_tokens]
        if toks and (toks[0].tag_ in ("WRB", "WP", "WDT") or toks[0].lower_ == "whether"):
            return "report"  # "explains how the scandal unfolded": no proposition
        if self._tr.linker.contradicts(toks, claim.id) or \
                self._tr.linker.negates(toks, claim.id) or \
                self._tr.linker.holds_out(toks, claim.id) or \
                self._tr.linker.held_by_other(toks, claim.id, party) or \
                self._tr.linker.left_by_taker(toks, claim.id, party) or \
                self._tr.linker.given_up(toks, claim.id) is True or \
                self._tr.linker.opposes(toks, claim.id):
            return "deny"
        if toks and self._tr.linker.misses(toks, claim.id):
            return "report"
        cue = doc[st.cue_token]
        if toks and cue.dep_ == "advcl" and cue.tag_ == "VBG" and \
                self._tr.linker.elsewhere(toks, claim.id):
            # "the board removed Holt, saying it had lost trust in her": the event
            # is narrated, and what the party said with it is about something else
            return "report"
        return "confirm"

    def discovered_bar(self, obs: list[Observation],
                       strength: list[tuple[int, float]]) -> list[Observation]:
        """A claim the monitor discovered itself changes status only once it is in
        question: some party took an explicit stance on it (confirmed, denied,
        dismissed, acknowledged ...), in this item or an earlier one. From then on
        the parties' plain statements on it count too ("Russia claimed it retook
        Kursk; Ukraine's army denied the claim"); before, a party merely saying
        something ("said the talks would continue") is a report, not news. Whether a
        claim is in question travels with it (ClaimIndex.question, the claims
        registry), so a restarted worker decides the same. Pinned claims are in
        question from the start: the user asked."""
        for o, (explicit, _c) in zip(obs, strength, strict=True):
            claim = self._tr.index.get(o.claim_id)
            if claim is not None and explicit and o.stance != "report" and o.party:
                self._tr.index.question(claim)
        out = []
        for o in obs:
            claim = self._tr.index.get(o.claim_id)
            if claim is not None and not claim.pinned and not claim.questioned and \
                    o.stance != "report":
                o = replace(o, stance="report")
            out.append(o)
        return out

    def explicit(self, st: rules.Statement) -> bool:
        """An explicit act (confirmed, denied, dismissed, ...; a decision: cleared,
        blocked), not a plain 'said'."""
        lex = self._tr.lex
        return lex.verb_class(st.cue) in ("confirm", "deny") or st.verdict or \
            st.cue in lex.approve_verbs or st.cue in lex.block_verbs or (
                st.stance == "deny" and st.cue in lex.pushback_verbs)  # "pushed back on"

    def own_act(self, st: rules.Statement, doc: Any, offset: int, scan: ItemScan,
                speaker: Speaker, claim: Claim) -> bool:
        """A party saying it did something that is news in itself ("Barunda's health
        ministry declared a cholera outbreak, the minister said", "the authority said it
        had grounded the fleet", "the airlines said they had agreed to combine"): its own
        act, done and not only planned, puts the claim the monitor opened from it in
        question as an explicit confirmation does (`discovered_bar`)."""
        if claim.pinned or st.stance != "confirm" or not speaker.party or \
                speaker.role not in ("party", "official"):
            return False
        lex = self._tr.lex
        ids = set(st.content_tokens)
        for top in (doc[i] for i in st.content_tokens
                    if doc[i].head.i not in ids or doc[i].head.i == i):
            if top.pos_ != "VERB" or top.lemma_.lower() not in lex.act_verbs:
                continue
            helpers = [c for c in top.children if c.dep_ in ("aux", "auxpass", "neg")]
            if top.tag_ not in ("VBD", "VBN", "VBZ", "VBP") or any(
                    c.dep_ == "neg" or c.lower_ in lex.modal_words or c.lower_ == "to"
                    for c in helpers):
                return False  # "would declare", "has not ordered", "plans to close"
            subj = next((c for c in top.children if c.dep_ == "nsubj"), None)
            if subj is None:
                agent = next((c for c in top.children if c.dep_ == "agent"), None)
                if agent is None:
                    # "Tollen has been suspended, the panel said": done by the speaker
                    return any(c.dep_ == "nsubjpass" for c in top.children)
                subj = next((g for g in agent.children if g.dep_ == "pobj"), None)
            if subj is None:
                return False
            if subj.pos_ == "PRON":
                low = subj.lower_
                return low in lex.first_person_words or (
                    low in lex.pronouns_person if speaker.person else low in lex.pronouns_group)
            sub = list(subj.subtree)
            named = party_within(scan, offset + sub[0].idx,
                                 offset + sub[-1].idx + len(sub[-1].text))
            # "Authorities ordered the evacuation, the agency said": officials the
            # speaker names no other party of are its own side
            return named == speaker.party or (named is None and not subj.ent_type_ and (
                subj.lower_ in lex.own_side_words or subj.lemma_.lower() in lex.own_side_words))
        return False

    def party_act(self, st: rules.Statement, doc: Any, offset: int, scan: ItemScan,
                  claim: Claim) -> tuple[rules.Statement, Speaker] | None:
        """A claim about a party's own decision ("the regulator has cleared the deal"),
        and the publisher reporting that party deciding ("the regulator blocked the
        deal", "the deal was approved by the regulator"): the decision is the party's
        stance, for the claim when it decides the same way, against it when the other."""
        verb = doc[st.cue_token]
        lemma = verb.lemma_.lower()
        kinds = (self._tr.lex.approve_verbs, self._tr.lex.block_verbs)
        root = self._tr.linker.root_of(claim.id)
        wanted = next((n for n, k in enumerate(kinds)
                       if root and root in {self._tr.linker.fold(w) for w in k}), None)
        made = next((n for n, k in enumerate(kinds) if lemma in k), None)
        if wanted is None or made is None or any(c.dep_ == "neg" for c in verb.children):
            return None
        actor = next((c for c in verb.children if c.dep_ == "nsubj"), None)
        if actor is None:  # passive: "was blocked by the watchdog"
            agent = next((c for c in verb.children if c.dep_ == "agent"), None)
            actor = next((g for g in agent.children if g.dep_ == "pobj"), None) \
                if agent is not None else None
        if actor is not None:
            sub = list(actor.subtree)
            s0, s1 = offset + sub[0].idx, offset + sub[-1].idx + len(sub[-1].text)
        else:  # a misparse: the party named last before the verb in its sentence
            s0, s1 = offset + verb.sent.start_char, offset + verb.idx
            hits = party_hits(scan, s0, s1)
            if not hits:
                return None
            s0, s1 = hits[-1].start, hits[-1].end
        party = party_within(scan, s0, s1)
        aliases = self._tr.alias_party.get(claim.topic_id, {})
        if party is None or not any(p == party and re.search(
                r"\b" + re.escape(a) + r"\b", claim.text.lower()) for a, p in aliases.items()):
            return None  # not the party the claim says decided
        stance = "confirm" if made == wanted else "deny"
        acted = replace(st, cue=lemma, stance=stance, speaker_kind="named", confidence=0.8)
        return acted, Speaker(scan.text[s0:s1], party, "party")

    def strength(self, st: rules.Statement) -> tuple[int, float]:
        """How firmly a statement takes its stance: an explicit act beats a plain
        'said', then the rule's confidence."""
        return (int(self.explicit(st)), st.confidence)


#: a stance dated this many days or more before its item's date is a recap
RECAP_DAYS = 3


def dated_before(cue: Any, published_at: str | None) -> bool:
    """The cue carries a calendar date ("confirmed on June 27", "announced on Sept. 28")
    some days before the item was published: it recalls an earlier stance."""
    if not published_at:
        return False
    try:
        when = datetime.fromisoformat(published_at.replace("Z", "+00:00")).date()
    except ValueError:
        return False
    for c in cue.children:  # (entities may not be parsed here: the words decide)
        date = c if c.dep_ == "npadvmod" else next(
            (g for g in c.children if g.dep_ == "pobj"), None) \
            if c.dep_ == "prep" and c.lower_ == "on" else None
        if date is None:
            continue
        day = month_day(" ".join(t.text for t in date.subtree), when.year)
        if day is not None:
            if day > when:
                day = day.replace(year=when.year - 1)
            return (when - day).days >= RECAP_DAYS
    return False


def month_day(text: str, year: int) -> date_cls | None:
    """'June 27', 'Sept. 28', '27 June' in a given year (None if it is no such date)."""
    words = re.findall(r"[A-Za-z]+|\d+", text)
    month = next((n for w in words for n, name in enumerate(_MONTHS, 1)
                  if len(w) >= 3 and name.startswith(w.lower())), None)
    day = next((int(w) for w in words if w.isdigit() and 1 <= int(w) <= 31), None)
    if month is None or day is None:
        return None
    try:
        return date_cls(year, month, day)
    except ValueError:
        return None


_MONTHS = tuple(calendar.month_name[n].lower() for n in range(1, 13))


def said_to(cue: Any, lex: Lexicon) -> bool:
    """'X (is) said to do': a passive report about X, not X's own word."""
    return cue.lemma_.lower() in lex.passive_report_verbs and \
        any(c.dep_ == "xcomp" and any(g.dep_ == "aux" and g.lower_ == "to"
                                      for g in c.children) for c in cue.children) and \
        not any(c.dep_ == "ccomp" for c in cue.children)



def one_stance_per_party(obs: list[Observation],
                         strength: list[tuple[int, float]]) -> list[Observation]:
    """One item gives a party one current stance on a claim: when its statements in
    the item pull both ways (a denial and a quote read as a confirmation), the
    firmest one stands (an explicit act, then a denial: a quote read as a confirmation
    is the likelier misreading) and the others are kept as reports, so a single article
    never reverses a party against itself. Earlier stances ("had dismissed") are
    history and stay as they are."""
    best: dict[tuple[str, str], tuple[tuple[int, bool, float], str]] = {}
    for o, st in zip(obs, strength, strict=True):
        if o.stance == "report" or o.when != "current" or not o.party:
            continue
        key = (o.claim_id, o.party)
        rank = (st[0], o.stance == "deny", st[1])
        if key not in best or rank > best[key][0]:
            best[key] = (rank, o.stance)
    out = []
    for o in obs:
        won = best.get((o.claim_id, o.party or ""))
        if won is not None and o.when == "current" and o.stance not in ("report", won[1]):
            o = replace(o, stance="report")
        out.append(o)
    return out
