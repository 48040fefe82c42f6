"""What every job of the detector reads and only a change of topics changes: the
tracked topics, each topic's alias -> party table, the tracked party names, the
claim index, the pinned-claim linker and the lexicon. Held once; the Detector
updates it when the topics change and the jobs (scan, speakers, stance, the
claim a statement is on) read it, nothing copies it per call."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from detector.claims import ClaimIndex
from detector.lexicon import Lexicon
from detector.link import PinnedLinker
from detector.model import Party, Topic


@dataclass
class Tracking:
    lex: Lexicon
    index: ClaimIndex
    linker: PinnedLinker
    topics: dict[str, Topic] = field(default_factory=dict)
    #: topic id -> lower-cased alias (and name) -> party name
    alias_party: dict[str, dict[str, str]] = field(default_factory=dict)
    #: the names of all tracked parties
    tracked: set[str] = field(default_factory=set)
    #: the parties whose aliases read as a person's name (`person_like`)
    persons: frozenset[str] = frozenset()
    #: the aliases, lower-cased, that are a person's name or surname (`person_names`),
    #: of whatever party ("Paul Gage" and "Gage" for the company he speaks for)
    person_aliases: frozenset[str] = frozenset()

    def retrack(self) -> None:
        """The party tables, from the topics as they are now."""
        self.tracked = {p.name for t in self.topics.values() for p in t.parties}
        self.persons = frozenset(p.name for t in self.topics.values() for p in t.parties
                                 if person_like(p))
        self.alias_party = {t.id: _aliases(t.parties) for t in self.topics.values()}
        self.person_aliases = frozenset(n.lower() for t in self.topics.values()
                                        for p in t.parties for n in person_names(p))


def _aliases(parties: Iterable[Party]) -> dict[str, str]:
    aliases: dict[str, str] = {}
    for p in parties:
        for a in (*p.aliases, p.name):
            aliases.setdefault(a.lower(), p.name)
    return aliases


def person_names(party: Party) -> set[str]:
    """The party's aliases that read as a person's name: a name of two or three
    capitalised words whose last word is itself an alias, and that last word."""
    names = {a.strip() for a in (*party.aliases, party.name)}
    out: set[str] = set()
    for n in names:
        words = n.split()
        if 2 <= len(words) <= 3 and all(w[:1].isupper() and w.isalpha() for w in words) and \
                not any(len(w) > 1 and w.isupper() for w in words) and words[-1] in names:
            out.update((n, words[-1]))
    return out


def person_like(party: Party) -> bool:
    """A party the user lists by a person's full name and its surname alone ("Marek
    Tollen": Marek Tollen, Tollen): the last word of a name of two or three capitalised
    words is itself an alias. Organisations go by their first word ("Halvorsen Group":
    Halvorsen) or an acronym, not by their last, and an acronym in the name ("FC
    Lindholm") is no person's."""
    return bool(person_names(party))
