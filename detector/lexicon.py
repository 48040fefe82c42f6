"""The cue lexicon and synonym classes, loaded once from package data."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any


def _read(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        resources.files("detector").joinpath("data", name).read_text("utf-8")
    )
    return data


@dataclass(frozen=True)
class Lexicon:
    confirm_verbs: frozenset[str]
    speech_verbs: frozenset[str]
    deny_verbs: frozenset[str]
    hedge_verbs: frozenset[str]
    refuse_verbs: frozenset[str]
    refused_objects: frozenset[str]
    call_verbs: frozenset[str]  # "calling them misleading", "branded the report false"
    reply_verbs: frozenset[str]  # "did not respond to requests for comment"
    request_nouns: frozenset[str]
    approve_verbs: frozenset[str]  # a decision for: "the regulator cleared the deal"
    block_verbs: frozenset[str]  # a decision against: "the regulator blocked the deal"
    act_verbs: frozenset[str]  # a party's own act, news in itself: "declared an outbreak"
    own_side_words: frozenset[str]  # "Authorities ordered ..., the agency said": its side
    listener_verbs: frozenset[str]  # "told reporters": the object is a listener, not content
    pushback_verbs: frozenset[str]  # "pushed back on the claim", "hit back at reports"
    passive_report_verbs: frozenset[str]  # "X is said to ...": what others say of X
    report_nouns: frozenset[str]  # "dismissed the report": what an outlet reported
    statement_nouns: frozenset[str]  # "dismissed the announcement": what a party said
    channel_nouns: frozenset[str]  # "confirmed the deaths in a statement": how, not what
    compass_words: frozenset[str]  # "North" alone is no surname of "North Korea"
    weak_earlier_words: frozenset[str]  # "first", "then": earlier only with "had"
    few_words: frozenset[str]  # "two officials said": unnamed people, counted
    accuse_verbs: frozenset[str]  # "accused the three of spying": what follows "of"
    modal_words: frozenset[str]
    hedge_words: frozenset[str]
    hedge_subjects: frozenset[str]
    deny_words: frozenset[str]
    confirm_words: frozenset[str]
    deny_nouns: frozenset[str]
    confirm_nouns: frozenset[str]
    claim_nouns: frozenset[str]
    negations: frozenset[str]
    negating_words: frozenset[str]  # "no evidence", "never bet", "zero involvement"
    negative_pronouns: frozenset[str]  # "nobody was detained"
    no_truth_phrases: tuple[str, ...]
    earlier_words: frozenset[str]
    current_words: frozenset[str]
    recap_words: frozenset[str]  # "the initial story", "last week's account": a past account
    sequence_words: frozenset[str]  # "that followed a rejection", "following the denial"
    anonymous_words: frozenset[str]
    media_words: frozenset[str]
    official_words: frozenset[str]
    person_titles: frozenset[str]  # "the spokesman for X, Serhiy Cherevaty": a person
    pronouns_person: frozenset[str]
    pronouns_group: frozenset[str]
    taken_events: frozenset[str]  # synonym classes of a claim that a place changed hands
    holdout_words: frozenset[str]  # "still defending the town": it has not changed hands
    holding_words: frozenset[str]  # "its troops hold the town": who holds it now
    part_nouns: frozenset[str]  # "held the centre of the town": a part of the place
    abandon_verbs: frozenset[str]  # "abandoned its plan to buy X": the plan is off
    public_nouns: frozenset[str]  # "Karskian war bloggers": people of a side, not its voice
    taking_verbs: frozenset[str]  # "has taken the town": the capture in a plain verb
    withdraw_verbs: frozenset[str]  # "pulled out of the town": left it to the attacker
    repel_words: frozenset[str]  # "the assaults were repelled": held, even in the past
    ongoing_words: frozenset[str]  # "still", "continue to": what goes on now
    pointing_words: frozenset[str]  # "this is false": a word that points back to a claim
    deny_phrasal_verbs: frozenset[str]  # "the story was made up"
    yet_words: frozenset[str]  # "has yet to confirm": not (yet) confirmed
    spokes_words: frozenset[str]  # "a spokesperson for the ministry": its voice
    backshift_words: frozenset[str]  # "said it would close": "will" told in the past
    condition_words: frozenset[str]  # "would close if ...": a condition, still a hedge
    opposite_pairs: frozenset[str]  # "close open": "will remain open" against "will close"
    ruling_out_verbs: frozenset[str]  # "ruled out a closure": what it rules out is denied
    involvement_nouns: frozenset[str]  # "denied any involvement in X": a denial of X
    unrelated_words: frozenset[str]  # "the damage was unrelated to the drug"
    accuse_preps: frozenset[str]  # "accused X of Y", "blamed X for Y"
    past_markers: frozenset[str]  # "last week", "two months ago": before the item
    time_units: frozenset[str]  # what "last" and "ago" count in
    finding_verbs: frozenset[str]  # "the agency found that X": confirms X (a clause only)
    inquiry_verbs: frozenset[str]  # "are investigating claims that X": X is in question
    existence_verbs: frozenset[str]  # "denied any losses": denies that there were any
    enemy_words: frozenset[str]  # "the enemy has not taken X", said by one of two sides
    falsity_words: frozenset[str]  # "X was the victim of a hoax": what was said of X is false
    role_nouns: frozenset[str]  # "the singer", "the player": a person the item is about
    first_person_words: frozenset[str]  # "I never agreed to pay": the speaker did not
    lying_verbs: frozenset[str]  # "X lied about Y": what X lied about is false
    synonyms: dict[str, str]
    cue_regex: re.Pattern[str]

    @property
    def cue_verbs(self) -> frozenset[str]:
        return self.confirm_verbs | self.speech_verbs | self.deny_verbs | self.hedge_verbs

    def verb_class(self, lemma: str) -> str | None:
        if lemma in self.deny_verbs:
            return "deny"
        if lemma in self.confirm_verbs:
            return "confirm"
        if lemma in self.hedge_verbs:
            return "hedge"
        if lemma in self.speech_verbs:
            return "speech"
        return None

    def canon(self, lemma: str) -> str:
        return self.synonyms.get(lemma, lemma)


def _stem_pattern(words: set[str]) -> str:
    stems = set()
    for w in words:
        w = w.lower()
        if " " in w or len(w) < 3:
            continue
        stem = w[:-1] if w.endswith(("e", "y")) and len(w) > 4 else w
        stems.add(re.escape(stem))
    return r"\b(?:" + "|".join(sorted(stems, key=len, reverse=True)) + r")"


@lru_cache(maxsize=4)
def load_lexicon(path: str | None = None) -> Lexicon:
    if path:
        with open(path, encoding="utf-8") as fh:
            raw = json.load(fh)
    else:
        raw = _read("lexicon.json")
    syn_raw = _read("synonyms.json")
    synonyms: dict[str, str] = {}
    for key, words in syn_raw.items():
        if key.startswith("_"):
            continue
        for w in words:
            synonyms.setdefault(w, key)
    sets = {k: frozenset(v) for k, v in raw.items()
            if not k.startswith("_") and isinstance(v, list)}
    cue_words = set().union(
        sets["confirm_verbs"], sets["deny_verbs"], sets["hedge_verbs"], sets["speech_verbs"],
        sets["deny_words"], sets["confirm_nouns"], sets["deny_nouns"], sets["hedge_words"],
        {"according", "per", "quoted", "citing", "told", "said", "says", "denied", "denies"},
    )
    return Lexicon(
        **{k: sets[k] for k in Lexicon.__dataclass_fields__ if k in sets and
           k not in ("no_truth_phrases",)},
        no_truth_phrases=tuple(raw["no_truth_phrases"]),
        synonyms=synonyms,
        cue_regex=re.compile(_stem_pattern(cue_words), re.IGNORECASE),
    )
