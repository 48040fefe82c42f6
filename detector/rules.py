"""Statements in a parsed sentence: who says what, with which stance, and when.

Topic-agnostic: this module reads a dependency parse and the cue lexicon and
returns `Statement`s (speaker span, content span, stance, time). The detector
maps them to topics, parties and claims.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from detector.lexicon import Lexicon, load_lexicon
from detector.text import QUOTE_MARKS

Token = Any  # spacy.tokens.Token
Span = Any  # spacy.tokens.Span

CONTENT_DEPS = ("ccomp", "xcomp", "csubj", "advcl", "relcl", "acl")
SUBJECT_DEPS = ("nsubj", "nsubjpass", "csubj")


@dataclass
class Statement:
    cue: str
    cue_token: int  # index in the doc
    stance: str  # confirm | deny | report
    when: str  # current | earlier
    speaker: tuple[int, int] | None  # token span [start, end) in the doc
    speaker_kind: str  # named | pronoun | anonymous | hedged | publisher
    content: tuple[int, int] | None  # token span [start, end) in the doc, or None
    content_tokens: tuple[int, ...]  # token indices of the content (may be non-contiguous)
    refers_back: bool
    antecedent: tuple[int, ...] = ()  # tokens of an in-sentence antecedent ("reports of X")
    confidence: float = 0.7
    described: bool = False  # content is a described report ("the espionage accusation")
    ref_noun: str = ""  # what a pointing-back object names ("report", "claim", "it")
    #: a verdict on a claim the speaker names ("said the reports were false", "said there
    #: was no truth to claims that X"): as explicit as "denied the reports"
    verdict: bool = False
    #: the "not" (with its "yet") or the subject's "no" that make a content a denial
    #: ("said it had not been hit": the claim is that it had been hit), when that
    #: content is done and not only planned ("would not" is a plan)
    negation: tuple[int, ...] = ()
    #: the speaker of the statement that relays this one ("X found that Y, the company
    #: said": the company), whom a later "it said" means
    relayed_by: tuple[int, int] | None = None


def _subtree_ids(tok: Token, exclude: set[int] | None = None) -> list[int]:
    out = []
    stack = [tok]
    while stack:
        t = stack.pop()
        if exclude and t.i in exclude:
            continue
        out.append(t.i)
        stack.extend(t.children)
    return sorted(out)


def _negated(tok: Token, lex: Lexicon) -> bool:
    if any(c.lower_ in ("neither", "nor") for c in (*tok.children, *tok.head.children)):
        return True  # "would neither confirm nor deny"
    for c in tok.children:
        if c.dep_ == "neg" or (c.lower_ in lex.negations and c.dep_ in ("advmod", "det", "neg")):
            return True
    # "never did deny", auxiliaries carrying the negation; "has yet to confirm"
    head = tok.head if tok.dep_ in ("xcomp",) else None
    return bool(head is not None and any(
        c.dep_ == "neg" or (c.dep_ == "advmod" and c.lower_ in lex.yet_words)
        for c in head.children))


def _has_hedge(tokens: list[Token], lex: Lexicon, told: Token | None = None) -> bool:
    """A hedge word or verb among the tokens. What a verb in the past `told` says
    ("said it would close the plant") holds "would" as the past of "will", not as a
    hedge, unless a condition goes with it ("would close if ...")."""
    backshift = told is not None and told.tag_ in ("VBD", "VBN") and \
        not any(t.lower_ in lex.condition_words for t in (*tokens, *told.subtree))
    return any(((t.lower_ in lex.hedge_words and t.pos_ != "PROPN" and not (  # "in May"
        backshift and t.lower_ in lex.backshift_words)) or
               (t.lemma_.lower() in lex.hedge_verbs and t.pos_ == "VERB")) and not (
        # "no suspected cases were found": not even suspected ones, a denial
        t.dep_ == "amod" and any(c.dep_ == "det" and c.lower_ in lex.negating_words
                                 for c in t.head.children))
               for t in tokens)


def _earlier(tok: Token, sent: Span, lex: Lexicon) -> bool:
    """Past perfect ("had dismissed"), "previously"/"initially"-style adverbs, or a
    clause set before the main one ("three days after the company denied ...")."""
    t = tok
    seq = lex.sequence_words
    while t.dep_ not in ("ROOT",) and t.head is not t:
        if any(c.dep_ in ("mark", "prep") and c.lower_ in seq for c in t.children) or \
                (t.dep_ in ("pcomp", "pobj") and t.head.lower_ in seq):
            return True
        if t.dep_ in ("advcl", "pcomp", "pobj") and t.head.lower_ in seq:
            return True
        if t.dep_ == "dobj" and t.head.lemma_.lower() in seq:
            return True  # "That came after a rejection by the board of ..."
        if t.dep_ in ("relcl", "acl") and _recap_noun(t.head, lex):
            return True  # "Dace's first story last week, in which he said ..."
        if _relative_to_recap(t, lex):
            return True
        t = t.head
        if t.lower_ in seq and t.dep_ == "prep":
            return True
    aux_had = any(c.dep_ == "aux" and c.lower_ in ("had", "'d") for c in tok.children)
    if any(_past_time(c, lex) for c in tok.children):
        return True  # "last week dismissed", "two months ago said"
    if tok.dep_ == "relcl" and any(c.lower_ in lex.current_words and c.dep_ == "advmod"
                                   for c in sent.root.children):
        return True  # "X, which in March denied ..., has now paused": before the now
    for c in tok.children:
        if c.dep_ in ("advmod", "npadvmod") and c.lower_ in lex.earlier_words:
            if c.lower_ in lex.weak_earlier_words and not aux_had:
                continue
            return True
        if c.dep_ == "prep" and c.lower_ in ("in", "at") and any(
            g.dep_ == "pobj" and g.lower_ in ("first", "past", "outset", "beginning")
            for g in c.children
        ):
            return True  # "at first", "in the past"
    if aux_had and tok.tag_ == "VBN":
        # "had previously denied" / "had dismissed": reported as before the item
        return not any(c.lower_ in lex.current_words for c in tok.children)
    return False


def _past_time(mod: Token, lex: Lexicon) -> bool:
    """A time modifier set before the item: "last week", "two months ago"."""
    if mod.dep_ not in ("npadvmod", "advmod", "prep"):
        return False
    if mod.dep_ == "advmod" and mod.lower_ in lex.past_markers:  # "two weeks ago"
        return any(g.lemma_.lower() in lex.time_units for g in mod.children)
    unit = mod if mod.dep_ == "npadvmod" else next(
        (g for g in mod.children if g.dep_ == "pobj"), None)
    return unit is not None and unit.lemma_.lower() in lex.time_units and any(
        g.lower_ in lex.past_markers for g in unit.children)


def _relative_to_recap(verb: Token, lex: Lexicon) -> bool:
    """A clause opened by "in which"/"where" (however the parser attached it) that
    follows a noun naming a past account: "the initial story last week, in which ..."."""
    rel = [g for c in verb.children if c.dep_ == "prep"
           for g in c.children if g.dep_ == "pobj" and g.tag_ in ("WDT", "WP")]
    if not rel:
        return False
    start = min(t.i for t in verb.subtree)
    before = [t for t in verb.doc[max(0, start - 4):start] if t.pos_ in ("NOUN", "PROPN")]
    return bool(before) and _recap_noun(before[-1], lex)


def _recap_noun(noun: Token, lex: Lexicon) -> bool:
    """A noun naming a past account: "the initial story", "his original statement",
    "the account last week" (or the noun it hangs from: "story ... to ESPN")."""
    for _ in range(3):
        for c in noun.children:
            if c.dep_ in ("amod", "advmod") and c.lower_ in lex.recap_words:
                return True
            if c.dep_ == "npadvmod" and any(g.lower_ in lex.recap_words for g in c.children):
                return True
        if noun.dep_ != "pobj" or noun.head.head is noun.head:
            return False
        noun = noun.head.head
    return False


def _speaker_of(verb: Token) -> Token | None:
    subjects = [c for c in verb.children if c.dep_ == "nsubj"]
    if subjects:
        # with two subjects (a misparse of "X did Y, Z said"), the nearer one speaks
        before = [c for c in subjects if c.i < verb.i]
        c = before[-1] if before else subjects[0]
        if c.lower_ in _RELATIVES and verb.dep_ == "relcl":
            return _antecedent_of(verb)
        return c
    for c in verb.children:  # passive: "was denied by X"
        if c.dep_ == "agent":
            for g in c.children:
                if g.dep_ == "pobj":
                    return g
        if c.dep_ == "intj" and c.i == verb.i - 1 and c.i == verb.sent.start and \
                c.text[:1].isupper() and c.is_alpha:
            return c  # "Pike rejected ...": a surname opening the sentence, taken for "oh"
    # participle or conjunct: "..., adding that", "and said", "after denying it",
    # "having previously dismissed": they share the subject of the clause above, the
    # first one up that can speak ("X said a disruption had forced ..., but denied ...")
    t = verb
    for _ in range(5):
        if t.dep_ not in ("advcl", "conj", "xcomp", "pcomp", "amod", "prep", "pobj", "acl",
                          "ccomp") or t.head is t:
            return None
        if t.dep_ == "pcomp":
            for c in t.children:
                if c.dep_ == "nsubj":
                    return c
        t = t.head
        if t.pos_ in ("VERB", "AUX"):
            for c in t.children:
                if c.dep_ == "nsubj" and _can_speak(c):
                    # "the site, which specializes in exposing hoaxes": the site
                    return _antecedent_of(t) if c.lower_ in _RELATIVES and \
                        t.dep_ == "relcl" else c
            for c in t.children:
                if c.dep_ == "agent":
                    return next((g for g in c.children if g.dep_ == "pobj"), None)
    return None


#: relative pronouns, whose antecedent is the one that speaks
_RELATIVES = frozenset({"which", "who", "that"})


def _antecedent_of(relcl: Token) -> Token:
    """Who the relative pronoun of a relative clause stands for: "X, which had denied
    ...": X; "citing two people familiar with the decision, who said": the nearest noun
    before that can speak; "those of the Monitoring Group, which said": the group."""
    head = relcl.head
    of = next((g for c in head.children if c.dep_ == "prep" and c.lower_ == "of"
               for g in c.children if g.dep_ == "pobj"), None)
    if head.pos_ == "PRON" and of is not None and head.lower_ in load_lexicon().pointing_words:
        head = of
    if not _can_speak(head):
        head = next((t for t in reversed(list(relcl.doc[relcl.sent.start:head.i]))
                     if t.pos_ in ("NOUN", "PROPN") and _can_speak(t)), head)
    return head


def _can_speak(tok: Token) -> bool:
    """A subject that can make a statement: a name, a pronoun, an organisation or an
    office, not a thing ("a network disruption")."""
    if tok.pos_ in ("PROPN", "PRON") or tok.ent_type_ in ("PERSON", "ORG", "GPE", "NORP"):
        return True
    lex = load_lexicon()
    low = tok.lemma_.lower()
    return (low in lex.official_words or low in lex.media_words or low in lex.anonymous_words
            or tok.lower_ in lex.official_words
            # role nouns for people: nominee, businessman, analyst, speechwriter, candidate
            or low.endswith(("er", "or", "ist", "ian", "ee", "man", "woman", "person", "ate",
                             "ant", "ent")))


def _np_span(tok: Token) -> tuple[int, int]:
    """The noun phrase headed by tok, without trailing clauses."""
    keep = {tok.i}
    for c in tok.children:
        if c.dep_ in ("compound", "amod", "det", "poss", "nmod", "nummod", "case", "prep",
                      "pobj", "appos", "flat", "punct", "cc", "conj") and c.dep_ != "relcl":
            keep.update(t.i for t in c.subtree)
    lo, hi = min(keep), max(keep) + 1
    for c in tok.children:  # stop at a relative clause: "Calder, which had denied ..."
        if c.dep_ in ("relcl", "acl") and c.i > tok.i:
            hi = min(hi, min(t.i for t in c.subtree))
    sent = tok.sent
    while lo < hi - 1 and (tok.doc[lo].is_punct or tok.doc[lo].dep_ in ("cc",)):
        lo += 1
    while hi - 1 > lo and (tok.doc[hi - 1].is_punct or tok.doc[hi - 1].dep_ == "cc"):
        hi -= 1
    lo = max(lo, sent.start)
    return lo, hi


TAIL_PREPS = frozenset({"following", "after", "amid", "despite", "during", "before", "since",
                        "because", "due", "unlike", "like"})


def _core(head: Token, exclude: set[int]) -> list[int]:
    """A clause without its manner/purpose tails: ', acting ...', 'to support ...'."""
    drop = set(exclude)
    for c in head.children:
        if (c.dep_ in ("advcl", "npadvmod") and c.i > head.i) or \
                (c.dep_ == "prep" and c.lower_ in TAIL_PREPS):
            drop.update(t.i for t in c.subtree)
    cues = load_lexicon().cue_verbs
    for g in head.subtree:
        if g.i != head.i and ((g.dep_ == "advcl" and g.i > head.i) or
                              (g.dep_ == "prep" and g.lower_ in TAIL_PREPS) or
                              (g.dep_ == "conj" and g.pos_ == "VERB"
                               and g.lemma_.lower() in cues)):
            # ", but denied that ...": a statement of its own, not part of this content
            drop.update(t.i for t in g.subtree)
    ids = _subtree_ids(head, drop)
    doc = head.doc
    while ids and (doc[ids[-1]].is_punct or doc[ids[-1]].dep_ == "cc") and \
            doc[ids[-1]].text not in ("”", "\u201d", '"'):
        ids.pop()
    return ids


Content = tuple[list[int], bool, tuple[int, ...]]  # token ids, refers back, antecedent ids


def _clause_content(verb: Token, exclude: set[int], lex: Lexicon) -> Content:
    """The content a cue verb governs; (token ids, refers_back, antecedent ids)."""
    if any(c.dep_ in ("prt", "advmod") and c.lower_ == "back" for c in verb.children):
        for c in verb.children:
            if c.dep_ == "prep" and c.lower_ in ("on", "at", "against"):
                obj = next((g for g in c.children if g.dep_ == "pobj"), None)
                if obj is not None:
                    return _object_content(obj, exclude, lex)
    listener = verb.lemma_.lower() in lex.listener_verbs
    # "X; trust denies data theft": a clause before a verb with its own object is not
    # its content (the object of "told reporters" is a listener, not content)
    has_obj = not listener and any(c.dep_ == "dobj" and c.i > verb.i for c in verb.children)
    for c in verb.children:
        if c.dep_ in ("ccomp", "csubj") and c.i not in exclude and not (has_obj and c.i < verb.i):
            return _core(c, exclude), False, ()
    if verb.lemma_.lower() in lex.accuse_verbs:
        # "accused the three of spying on ...", "blamed X for the blackout": the
        # accused did what follows "of" ("for")
        obj = next((c for c in verb.children if c.dep_ == "dobj"), None)
        of = next((c for c in verb.children if c.dep_ == "prep" and
                   c.lower_ in lex.accuse_preps), None)
        if of is not None:
            ids = [t.i for t in of.subtree if t.i != of.i]
            if obj is not None:
                ids = sorted(set(ids) | set(range(*_np_span(obj))))
            return [i for i in ids if i not in exclude], False, ()
    listener = verb.lemma_.lower() in lex.listener_verbs
    for c in verb.children:
        if c.dep_ in ("dobj", "nsubjpass", "attr", "oprd") and c.i not in exclude \
                and not (listener and c.dep_ == "dobj"):
            found = _object_content(c, exclude, lex)
            if not found[0] and c.dep_ == "dobj" and c.lemma_.lower() in lex.claim_nouns:
                # "denied reports in a local newspaper that X", the phrase on the verb
                for p in verb.children:
                    hung = _hung_that_clause(p, exclude) if p.i > c.i else []
                    if hung:
                        return hung, False, ()
            return found
    for c in verb.children:  # "confirmed for the first time that ..." mis-attached clauses
        if c.dep_ == "prep":
            for t in c.subtree:
                if t.dep_ in ("relcl", "ccomp", "acl") and any(
                    g.lower_ in ("that", "whether") and g.i < t.i for g in t.subtree
                ):
                    return _subtree_ids(t, exclude), False, ()
    for c in verb.children:  # "X confirmed on Monday: ...", xcomp "appeared to confirm"
        if c.dep_ in ("xcomp", "advcl") and c.pos_ in ("VERB", "AUX") and c.i not in exclude \
                and c.lemma_.lower() not in lex.cue_verbs and c.i > verb.i \
                and any(g.lower_ == "that" for g in c.children if g.dep_ == "mark"):
            return _subtree_ids(c, exclude), False, ()
    for c in verb.children:  # reported speech before the verb with a parse that missed it
        if c.dep_ in ("advcl", "parataxis") and c.i < verb.i and c.i not in exclude:
            return _subtree_ids(c, exclude), False, ()
    if verb.dep_ in ("parataxis",) and verb.head.i < verb.i:  # '"...", he said.'
        return _subtree_ids(verb.head, exclude | {verb.i}), False, ()
    return [], True, ()


def _object_content(obj: Token, exclude: set[int], lex: Lexicon) -> Content:
    low = obj.lemma_.lower()
    if any(c.dep_ == "relcl" and lex.verb_class(c.lemma_.lower()) in ("confirm", "deny") and
           not any(g.dep_ in ("dobj", "ccomp", "xcomp") for g in c.children)
           for c in obj.children):
        # "confirming plans it had denied earlier": what it had denied is a claim the
        # item spoke of, named by the stance taken on it, not a claim of its own
        return [], True, ()
    if obj.pos_ == "PRON" or low in lex.claim_nouns or obj.lower_ in lex.claim_nouns:
        # "denied reports that X" / "dismissed claims of X" / "denied the claim"
        for c in obj.children:
            said = _said_in(c)
            if said is not None:
                # "a claim made by Senator Holm that X", "reports circulating online that
                # X": X is what the claim says, not who made it
                return _subtree_ids(said, exclude), False, ()
            if (c.dep_ in ("acl", "relcl", "ccomp") and any(
                g.lower_ in ("that",) and g.dep_ == "mark" for g in c.children
            )) or (c.dep_ in ("acl", "ccomp") and c.pos_ in ("VERB", "AUX")
                   and c.lemma_.lower() not in lex.call_verbs):
                # ("rejected the accusations, calling them baseless": the call is
                # the speaker's word on them, not what they allege)
                return _subtree_ids(c, exclude), False, ()
            that = _that_clause(obj, c)
            if that is not None:
                return [i for i in _subtree_ids(c, exclude) if i != that], False, ()
            hung = _hung_that_clause(c, exclude)
            if hung:
                return hung, False, ()
            if c.dep_ == "prep" and c.lower_ in ("of", "about", "on", "regarding", "that"):
                ids = [i for g in c.children if g.dep_ in ("pobj", "pcomp")
                       for i in _subtree_ids(g, exclude)]
                if ids:
                    return ids, False, ()
        if obj.pos_ != "PRON" and any(c.dep_ in ("compound", "amod", "poss", "nmod")
                                      and not c.is_stop for c in obj.children):
            # "dismissed the casualty figures": a described report; the detector points
            # it back to the claim just stated when there is one (antecedent marks this)
            ids = [i for i in range(*_np_span(obj)) if i not in exclude]
            return ids, False, (obj.i,)
        return [], True, ()
    # "confirmed the two deaths in a statement": the channel is not what was confirmed
    channel = {t.i for c in obj.children if c.dep_ == "prep" and any(
        g.dep_ == "pobj" and g.lemma_.lower() in lex.channel_nouns for g in c.children)
        for t in c.subtree}
    ids = _subtree_ids(obj, exclude | channel)
    return ids, False, ()


def _that_clause(noun: Token, clause: Token) -> int | None:
    """"suggestions that Calder planned to cut ...", parsed as a relative clause with
    "that" its object: a clause with a subject of its own and a complement besides
    "that" is what the noun says (the "that" returned, to leave out), not a relative
    clause ("the reports that the Post published"). So is a clause with "that" as its
    subject and a second subject besides ("a newspaper that rebels had cholera"): no
    relative clause has two."""
    if clause.dep_ != "relcl" or clause.i <= noun.i:
        return None
    that = next((c for c in clause.children if c.lower_ == "that" and
                 c.dep_ in ("dobj", "nsubj") and c.i == noun.i + 1), None)
    if that is None:
        return None
    subjects = [c for c in clause.children if c.dep_ in ("nsubj", "nsubjpass") and c.i != that.i]
    if that.dep_ == "nsubj":
        return int(that.i) if subjects else None
    if subjects and any(c.dep_ in ("xcomp", "ccomp", "attr", "acomp") for c in clause.children):
        return int(that.i)
    return None


def _hung_that_clause(prep: Token, exclude: set[int]) -> list[int]:
    """What a claim noun says when the parser hung its "that" clause on the object of
    a phrase after it ("reports in a local newspaper that X": X), or []."""
    if prep.dep_ != "prep" or prep.lower_ in ("of", "about", "on", "regarding", "that"):
        return []
    doc = prep.doc
    for g in prep.children:
        that = doc[g.i + 1] if g.dep_ == "pobj" and g.i + 1 < len(doc) else None
        if that is None or that.lower_ != "that":
            continue
        for clause in g.children:
            if clause.dep_ not in ("relcl", "acl") or clause.i <= that.i or \
                    that not in clause.subtree:
                continue
            # a subject of its own, and "that" no part it could fill: no relative
            # clause ("a newspaper that the government owns" is one)
            own = any(c.dep_ in ("nsubj", "nsubjpass") and c.i != that.i
                      for c in clause.children)
            filled = that.head.i != clause.i or that.dep_ == "mark" or any(
                c.dep_ in ("dobj", "xcomp", "ccomp", "attr", "acomp") and c.i != that.i
                for c in clause.children)
            if own and filled:
                return [i for i in _subtree_ids(clause, exclude) if i != that.i]
    return []


def _said_in(clause: Token) -> Token | None:
    """The "that" clause a participle on a claim noun governs ("a claim made by X that
    Y": Y), or None."""
    if clause.dep_ != "acl" or clause.pos_ not in ("VERB", "AUX"):
        return None
    return next((c for c in clause.children if c.dep_ == "ccomp" and c.i > clause.i and any(
        g.dep_ == "mark" and g.lower_ == "that" for g in c.children)), None)


def _inquiry(content: list[int], doc: Any, lex: Lexicon) -> list[int] | None:
    """What a content that is an inquiry into a claim puts in question ("they are
    investigating claims that X", "officials are looking into whether X": X); [] for an
    inquiry into a thing the item names ("are investigating the crash", "working to
    determine its authenticity": in question, confirmed by nobody); None when the
    content is no inquiry ("determined that X" is a finding)."""
    inside = set(content)
    top = next((doc[i] for i in content if doc[i].head.i not in inside or
                doc[i].head.i == i), None)
    if top is None or top.pos_ not in ("VERB", "AUX"):
        return None
    top = next((c for c in top.children if c.dep_ == "xcomp" and c.i in inside and
                c.lemma_.lower() in lex.inquiry_verbs), top)  # "working to determine"
    if any(c.dep_ == "ccomp" and any(g.dep_ == "mark" and g.lower_ == "that"
                                     for g in c.children) for c in top.children):
        return None  # "determined that X": a finding, no inquiry
    lemma = top.lemma_.lower()
    phrasal = {f"{lemma} {c.lower_}": c for c in top.children if c.dep_ in ("prep", "prt")}
    into = next((c for k, c in phrasal.items() if k in lex.inquiry_verbs), None)
    if lemma not in lex.inquiry_verbs and into is None:
        return None
    heads = [c for c in (into or top).children if c.dep_ in ("dobj", "pobj", "pcomp", "ccomp")]
    for c in heads:
        if c.dep_ in ("ccomp", "pcomp") and any(
                g.dep_ == "mark" and g.lower_ in ("whether", "if") for g in c.children):
            return [i for i in _subtree_ids(c) if doc[i].lower_ not in ("whether", "if")
                    or doc[i].head.i != c.i]
        if c.dep_ in ("dobj", "pobj") and (c.lemma_.lower() in lex.claim_nouns or
                                           c.lower_ in lex.claim_nouns):
            ids, _back, _ante = _object_content(c, set(), lex)
            if ids:
                return ids
    # an inquiry into something the item names ("working to determine the video's
    # authenticity"): what was said puts it in question, and confirms nothing
    return [] if heads else None


def _call_stance(verb: Token, lex: Lexicon) -> str | None:
    """'calling it propaganda', 'dismissed them as hype', 'branded the report false'."""
    for t in verb.subtree:
        if t.i == verb.i:
            continue
        # up to four links down: 'called the accusations about the attack "groundless"'
        # hangs the word under the object's last noun
        if verb.i in (t.head.i, t.head.head.i, t.head.head.head.i, t.head.head.head.head.i):
            low = t.lower_
            if low in lex.deny_words:
                return "deny"
            if low in lex.confirm_words and t.dep_ in ("oprd", "acomp", "attr", "amod"):
                return "confirm"
    return None


def _in_quote(sent: Span, i: int) -> bool:
    opened = False
    for t in sent:
        if t.i >= i:
            break
        if t.text in ("“", "\u201c") or (t.text == '"' and not opened):
            opened = True
        elif t.text in ("”", "\u201d") or (t.text == '"' and opened):
            opened = False
    return opened


def _trailing_attribution(tok: Token, lex: Lexicon) -> Token | None:
    """'X declared Y, the minister told reporters': the parser often hangs the
    trailing attribution under the clause it attributes; return that clause."""
    if tok.dep_ not in ("ccomp", "parataxis", "conj") or tok.head.i >= tok.i:
        return None
    if lex.verb_class(tok.lemma_.lower()) not in ("speech", "confirm"):
        return None
    subj = next((c for c in tok.children if c.dep_ == "nsubj"), None)
    if subj is None:
        return None
    first = min(t.i for t in subj.subtree)
    if first == 0 or tok.doc[first - 1].text not in (",", "”", '"', "’"):
        return None
    return tok.head


def _hung_attribution(tok: Token, lex: Lexicon) -> bool:
    """A speech verb after the main clause, hung under it as an adverbial clause, with
    a comma between the two and nothing said of its own: the attribution of that main
    clause (what `_trailing_attribution` finds when the parser calls it a ccomp)."""
    if tok.dep_ != "advcl" or tok.head.dep_ != "ROOT" or tok.head.i >= tok.i or \
            lex.verb_class(tok.lemma_.lower()) != "speech":
        return False
    if any(c.dep_ in ("ccomp", "dobj", "xcomp", "attr") for c in tok.children):
        return False
    return any(t.text == "," for t in tok.doc[tok.head.i + 1:tok.i])


def statements(sent: Span, lex: Lexicon) -> list[Statement]:
    """All stance-bearing statements in one parsed sentence."""
    out: list[Statement] = []
    question = sent.text.rstrip().rstrip("”\"’'").endswith("?")
    for tok in sent:
        st = _verb_statement(tok, sent, lex) or _source_statement(tok, sent, lex) \
            or _noun_statement(tok, sent, lex)
        if st is None:
            continue
        if question:
            st.stance = "report"
            st.confidence = min(st.confidence, 0.5)
        if _in_quote(sent, st.cue_token) and st.speaker is not None and \
                st.speaker_kind != "pronoun" and _in_quote(sent, st.speaker[0]):
            # a speech verb inside somebody's quote ("... Ippei has told lies," he said)
            # is part of what the quote's owner says, not a statement of its subject (a
            # quoted verb alone, 'the company "strongly disagrees"', is its subject's)
            continue
        out.append(st)
    # an outer reporting verb whose content holds another statement only relays it
    kept = []
    # "said reports that X were false", "reports" parsed as a verb: the claim noun a
    # verdict is on is no cue of a statement of its own
    dropped = {id(o) for s in out if s.verdict for o in out
               if o is not s and sent.doc[o.cue_token].lower_ in lex.claim_nouns and
               not set(o.content_tokens).isdisjoint(s.content_tokens)}
    for s in out:
        content = set(s.content_tokens)
        roots = {i for i in content if sent.doc[i].head.i not in content
                 or sent.doc[i].head.i == i}
        # only a statement that heads the content is relayed ("X said Y confirmed Z"); one
        # inside a relative clause ("the affair, which he said ...") is not
        inner = [o for o in out if o.cue_token in content and o is not s and
                 o.speaker_kind != "publisher" and
                 (o.cue_token in roots or (sent.doc[o.cue_token].head.i in roots and
                                           sent.doc[o.cue_token].dep_ in ("ccomp", "conj",
                                                                          "xcomp"))) and
                 _trailing_attribution(sent.doc[s.cue_token], lex) is None]
        if inner and all(lex.verb_class(o.cue) == "hedge" and o.speaker_kind == "pronoun"
                         for o in inner) and lex.verb_class(s.cue) == "speech":
            # "Clarke said he expected ...": Clarke's own hedged statement
            s.stance, s.confidence = "report", min(s.confidence, 0.5)
            dropped.update(id(o) for o in inner)
            kept.append(s)
            continue
        if inner and all(sent.doc[o.cue_token].dep_ == "conj" and o.cue_token not in roots
                         for o in inner):
            # '"I never took it and I will prove it," he said': the conjunct is a
            # statement of its own, the first clause still what he said
            drop = {t.i for o in inner for t in sent.doc[o.cue_token].subtree}
            ids = [i for i in s.content_tokens if i not in drop]
            while ids and (sent.doc[ids[-1]].is_punct or sent.doc[ids[-1]].dep_ == "cc"):
                ids.pop()
            s.content_tokens = tuple(ids)
            s.content = (min(ids), max(ids) + 1) if ids else None
            kept.append(s)
            continue
        if inner and lex.verb_class(s.cue) != "deny":
            for o in inner:  # "X said its inspectors had confirmed": the inspectors are X's
                if o.speaker and s.speaker and (o.speaker_kind == "pronoun" or any(
                        sent.doc[i].tag_ == "PRP$" for i in range(*o.speaker)) or
                        _definite_common(sent.doc[o.speaker[0]:o.speaker[1]])):
                    # "Hale said he had ...", "X said its inspectors had ...", "X's
                    # spokeswoman said the company disagrees": X speaks
                    o.speaker, o.speaker_kind = s.speaker, s.speaker_kind
                elif s.speaker and s.speaker_kind == "named" and o.speaker != s.speaker:
                    o.relayed_by = s.speaker
            continue
        kept.append(s)
    kept = [s for s in kept if id(s) not in dropped]
    if not kept:
        headline = _colon_statement(sent, lex)
        kept = [headline] if headline is not None else []
    if len(kept) > 1:
        # "..., a figure that could not be verified": an unattributed remark on the
        # sentence's own statement adds nothing of its own
        kept = [s for s in kept if not (s.speaker_kind == "publisher" and s.refers_back)] \
            or kept
    return kept


def _definite_common(span: Span) -> bool:
    """'the company', 'the ministry': a definite noun phrase without a name (nor a
    word made from one: 'the Belarusian president' names his country)."""
    return len(span) > 1 and span[0].lower_ == "the" and \
        all(t.pos_ in ("DET", "NOUN", "ADJ") and t.text.islower() for t in span)


#: a "Speaker: what they said" headline names its speaker in this many tokens at most
COLON_SPEAKER_MAX = 8


def _colon_statement(sent: Span, lex: Lexicon) -> Statement | None:
    """A headline that gives its speaker before a colon: "Kremlin: the reports are
    false", "Acme COO Jo Hart: the plant was not shut for safety"."""
    toks = [t for t in sent if not t.is_space]
    colon = next((n for n, t in enumerate(toks[:COLON_SPEAKER_MAX + 1]) if t.text == ":"),
                 None)
    if not colon or not any(t.pos_ == "PROPN" for t in toks[:colon]) or \
            not all(t.pos_ in ("PROPN", "NOUN", "ADJ", "DET", "PART") or t.text in ("'s", "’s")
                    for t in toks[:colon]):
        return None
    content = [t for t in toks[colon + 1:] if not t.is_punct]
    if not any(t.pos_ in ("VERB", "AUX") for t in content):
        return None  # "Apple: the car project" names a subject, says nothing
    if _has_hedge(content, lex) or sent.text.rstrip().endswith("?"):
        stance = "report"
    elif _content_negated(content, lex) or any(t.lower_ in lex.deny_words for t in content):
        stance = "deny"
    else:
        stance = "confirm"
    ids = [t.i for t in content]
    return Statement(
        cue="say",
        cue_token=toks[colon].i,
        stance=stance,
        when="current",
        speaker=(toks[0].i, toks[colon].i),
        speaker_kind="named",
        content=(min(ids), max(ids) + 1),
        content_tokens=tuple(ids),
        refers_back=False,
        confidence=0.6,
    )


def _verb_statement(tok: Token, sent: Span, lex: Lexicon) -> Statement | None:
    if tok.pos_ not in ("VERB", "AUX") and not (tok.tag_.startswith("VB")):
        return None
    lemma = tok.lemma_.lower()
    cls = lex.verb_class(lemma)
    refused = False
    call = None
    if cls is None and lemma in lex.pushback_verbs and any(
            c.dep_ in ("prt", "advmod") and c.lower_ == "back" for c in tok.children):
        cls = "deny"  # "pushed back on the claim that ...", "hit back at reports"
    if cls is None and lemma in lex.finding_verbs and any(
            c.dep_ == "ccomp" and any(g.dep_ == "mark" and g.lower_ == "that"
                                      for g in c.children) for c in tok.children):
        cls = "confirm"  # "the agency found that X": a finding, not "found the wreck"
    ruling_out = cls is None and any(c.dep_ == "prt" and f"{lemma} {c.lower_}" in
                                     lex.ruling_out_verbs for c in tok.children)
    if ruling_out:
        cls = "deny"  # "ruled out closing the plant", "ruled out a closure": its object
    if cls is None:
        if lemma in lex.refuse_verbs:
            # "refused to confirm", "declined to comment", "did not confirm"
            x = next((c for c in tok.children if c.dep_ == "xcomp"), None)
            if x is not None and x.lemma_.lower() in lex.refused_objects:
                refused = True
                cls = "refuse"
        elif lemma in lex.reply_verbs and _negated(tok, lex) and any(
                t.lower_ in lex.request_nouns for t in tok.subtree):
            cls = "refuse"  # "did not respond to requests for comment on X"
            refused = True
        elif lemma in lex.call_verbs:
            call = _call_stance(tok, lex)
            if call is None:
                return None
            cls = call
        if cls is None:
            return None
    if tok.dep_ == "xcomp" and tok.head.lemma_.lower() in lex.refuse_verbs:
        return None  # handled by the refusing verb
    if lemma == "say" and tok.dep_ in ("pcomp", "advcl", "pobj") and tok.head.lower_ == "as":
        quoting = tok.head.head
        quoted = next((c for c in quoting.children if c.dep_ == "dobj"), None)
        if quoted is not None and quoting.lemma_.lower() in ("quote", "cite"):
            # "Dravpress quoted Varga as saying: ...": Varga speaks
            content, refers_back, antecedent = _clause_content(tok, {tok.i}, lex)
            if not content:
                content = [t.i for t in sent if t.i > tok.i and not t.is_punct]
            quote = next((c for c in quoting.children if c.dep_ == "ccomp" and
                          c.i < quoting.i), None)
            if not content and quote is not None:
                # '"It would not surprise me if ...," the News quoted Madden as saying'
                content = _subtree_ids(quote, {tok.i})
            said = [sent.doc[i] for i in content]
            hedged = _has_hedge(said, lex, tok)  # "it would not surprise me if X"
            return Statement(cue="say", cue_token=tok.i,
                             stance="report" if hedged else "confirm", when="current",
                             speaker=_np_span(quoted), speaker_kind="named",
                             content=(min(content), max(content) + 1) if content else None,
                             content_tokens=tuple(content), refers_back=not content,
                             confidence=0.5 if hedged else 0.7)
    if cls == "deny" and not ruling_out and not _denies_a_claim(tok, lex):
        return None  # "rejected the offer", "retracted the paper": an event, not a denial
    if tok.dep_ in ("amod", "compound") and not any(
            c.dep_ == "aux" and c.lower_ in ("having", "had") for c in tok.children):
        return None
    if tok.dep_ == "acl" and tok.tag_ == "VBN":  # "the report, denied by X" is rare; skip
        return None
    exclude = {tok.i}
    misparsed_obj = tok.head if tok.dep_ == "amod" else None  # "having dismissed reports"
    if any(c.dep_ == "aux" and c.lower_ == "having" for c in tok.children):
        # a perfect participle clause belongs to the subject of the main clause
        speaker_tok = next((c for c in sent.root.children if c.dep_ == "nsubj"), None)
    else:
        speaker_tok = _speaker_of(misparsed_obj if misparsed_obj is not None else tok)
    if speaker_tok is not None:
        if speaker_tok.head.i == tok.i or speaker_tok.i == tok.i:
            exclude.update(t.i for t in speaker_tok.subtree)
        else:  # "X, which had denied ...": only the name, not the clause it heads
            exclude.update(range(*_np_span(speaker_tok)))
    for c in tok.children:  # a trailing attribution hung under this clause is not content
        if _trailing_attribution(c, lex) is tok:
            exclude.update(t.i for t in c.subtree)
    attributed = _trailing_attribution(tok, lex) if misparsed_obj is None else None
    fronted: list[int] = []
    if attributed is None and speaker_tok is not None and cls in ("speech", "confirm") and \
            not any(c.dep_ in ("ccomp", "dobj", "xcomp") and c.i > tok.i for c in tok.children):
        first = min(t.i for t in speaker_tok.subtree)
        if first > sent.start and sent.doc[first - 1].text in (",", "\u201d", '"') and any(
                t.pos_ in ("VERB", "AUX") for t in sent.doc[sent.start:first - 1]):
            # "X have sacked Y, the Post reported": the clause before the comma
            fronted = [t.i for t in sent.doc[sent.start:first - 1]
                       if not t.is_punct and t.i not in exclude]
            inside = set(fronted)
            tops = [i for i in fronted if sent.doc[i].head.i not in inside or
                    sent.doc[i].head.i == i]
            if len(tops) == 1 and sent.doc[tops[0]].pos_ in ("VERB", "AUX"):
                # without the tails it ends on: "X was found, despite reports to the
                # contrary" (a tail inside it stays, so that it reads whole)
                kept = set(_core(sent.doc[tops[0]], exclude))
                last = max((i for i in fronted if i in kept), default=fronted[-1])
                fronted = [i for i in fronted if i <= last]
    refused_verb = next((c for c in tok.children if c.dep_ == "xcomp"), None) if refused else None
    if refused and refused_verb is None:
        # "did not respond to requests for comment on X": X
        on = next((t for t in tok.subtree if t.dep_ == "prep" and t.lower_ in (
            "on", "about", "regarding")), None)
        content = [t.i for g in (on.children if on is not None else ()) if g.dep_ == "pobj"
                   for t in g.subtree]
        refers_back, antecedent = not content, ()
    elif refused_verb is not None:
        # "refused to confirm that X", "declined to comment on whether X": X is reported
        content, refers_back, antecedent = _clause_content(refused_verb, exclude, lex)
        asked = next((c for c in tok.children if c.dep_ in ("advcl", "prep", "npadvmod")
                      and c.lemma_.lower() == "ask"), None)
        if not content and asked is not None:
            # "Asked whether X, a spokesman declined to comment": X is what was not confirmed
            content = [t.i for c in asked.children if c.dep_ in ("ccomp", "prep", "advcl")
                       for t in c.subtree]
            refers_back = not content
        if not content:
            for c in refused_verb.children:
                if c.dep_ == "prep":
                    content = [t.i for g in c.children if g.dep_ in ("pcomp", "pobj")
                               for t in g.subtree]
                    refers_back = not content
    elif misparsed_obj is not None:
        content, refers_back, antecedent = _object_content(misparsed_obj, exclude, lex)
    elif fronted:
        content, refers_back, antecedent = fronted, False, ()
    elif attributed is not None:
        content = _core(attributed, exclude | {t.i for t in tok.subtree})
        refers_back, antecedent = False, ()
    else:
        content, refers_back, antecedent = _clause_content(tok, exclude, lex)
        if not content and call is None and _hung_attribution(tok, lex):
            # "X will not return as CEO, a statement to staff says": the parser hung the
            # trailing attribution under the clause it attributes, as an adverbial
            content = _core(tok.head, exclude | {t.i for t in tok.subtree})
            refers_back, antecedent = False, ()
    inquiry = _inquiry(content, sent.doc, lex) if content and cls in ("speech", "confirm") \
        else None
    if inquiry:
        content = inquiry  # "said they are investigating claims that X": X, in question
    # drop purpose / manner tails that are not the claim: ", calling ...", ", praising ..."
    stance: str
    negated = _negated(tok, lex)
    if cls == "refuse" or inquiry is not None:
        stance = "report"
    elif cls == "deny":
        stance = "report" if negated else "deny"
        # "denied that ... not": double negation is rare; keep as deny of the content
    elif cls == "confirm":
        stance = "report" if negated else "confirm"
    elif cls == "hedge":
        stance = "report"
    else:  # speech verbs: the speaker asserts the content
        stance = "report" if negated else "confirm"
        if call is None and not content:
            if any(c.dep_ in ("dobj", "attr") for c in tok.children):
                pass
            else:
                refers_back = False  # "he said." with nothing said on the claim
        if stance == "confirm" and call is None and _bare_verdict(sent, tok, lex):
            # '"Nonsense," the ministry said', '"Pure lies," she said': the quote is only
            # a verdict, on the claim the item spoke of before
            stance, content, refers_back = "deny", [], True
    if call is not None:
        stance = call
        # "calling Russia's statements propaganda": the object points back to a claim
        obj = next((c for c in tok.children if c.dep_ == "dobj"), None)
        if obj is not None and (obj.pos_ == "PRON" or obj.lemma_.lower() in lex.claim_nouns):
            content, refers_back = [], True
    if cls == "hedge" and not content and call is None:
        refers_back = False  # "still believed in the drug": no claim to point back to
    if ruling_out and not content and not any(
            c.dep_ == "dobj" and c.pos_ == "PRON" for c in tok.children):
        refers_back = False  # "a possibility it had not ruled out": not the last claim
    verdict_noun = ""
    negation: tuple[int, ...] = ()
    if cls == "speech" and call is None and stance == "confirm" and content:
        verdict = _verdict(tok, content, lex)
        if verdict is not None:
            # "said the reports were false": a verdict on a claim, not the claim itself
            stance, content, verdict_noun = verdict
            refers_back = not content
    if cls in ("speech", "confirm") and call is None and stance == "confirm" and content \
            and not verdict_noun:
        hoax = _falsity_verdict(content, sent.doc, lex)
        if hoax is not None:
            # "confirmed that the actor was a victim of a death hoax": what the item
            # said of the actor is false (the claim of the item that names the actor)
            verdict_noun, content = hoax
            stance, refers_back = "deny", not content
    content_toks = [sent.doc[i] for i in content]
    if stance in ("confirm", "deny") and content_toks and not verdict_noun:
        if stance == "confirm" and _content_negated(content_toks, lex):
            stance = "deny"  # "said the troops were not there"
            negation = _done_negation(content_toks, lex)
            such = _no_such(content_toks)
            if such is not None:
                # "said no such agreement existed": a verdict on the agreement the item
                # spoke of, not a claim of its own
                content, refers_back, verdict_noun = [], True, such.lemma_.lower()
            if _refused_in(content_toks, lex):
                stance = "report"  # "said he would not discuss it": a refusal
        if _has_hedge(content_toks, lex, tok) and cls not in ("deny",):
            stance = "report"
    # the cue itself hedged: "reportedly said", "is believed to have confirmed"
    if stance != "report":
        mods = [c for c in tok.children if c.dep_ in ("advmod", "aux", "auxpass")]
        if any(m.lower_ in lex.hedge_words for m in mods):
            stance = "report"
        elif cls in ("confirm", "deny") and any(
                m.dep_ == "aux" and m.lower_ in lex.modal_words for m in mods):
            stance = "report"  # "I will prove it", "would confirm it next week": not yet
    kind = "named"
    if speaker_tok is None:
        kind = "publisher"
    else:
        low = speaker_tok.lower_
        words = {t.lower_ for t in speaker_tok.subtree}
        if speaker_tok.pos_ == "PRON":
            kind = "pronoun"
        elif low in lex.hedge_subjects and not any(
            t.ent_type_ in ("ORG", "GPE", "PERSON", "NORP") for t in speaker_tok.subtree
        ):
            kind = "hedged"
            stance = "report"
        elif (words & lex.anonymous_words and not any(
            t.ent_type_ in ("PERSON",) for t in speaker_tok.subtree
        )) or _anonymous(speaker_tok, lex) or _cites_anonymous(tok, speaker_tok, lex):
            kind = "anonymous"
            stance = "report"  # unnamed sources: mentioned, not established
    when = "earlier" if _earlier(tok, sent, lex) else "current"
    sp = _np_span(speaker_tok) if speaker_tok is not None else None
    conf = 0.8 if kind == "named" else 0.6
    if stance == "report":
        conf = 0.5
    return Statement(
        cue=lemma,
        cue_token=tok.i,
        stance=stance,
        when=when,
        speaker=sp,
        speaker_kind=kind,
        content=(min(content), max(content) + 1) if content else None,
        content_tokens=tuple(content),
        refers_back=refers_back and not content,
        antecedent=(),
        confidence=conf,
        described=bool(antecedent) and bool(content),
        ref_noun=verdict_noun or next((c.lemma_.lower() for c in tok.children
                                       if c.dep_ in ("dobj", "nsubjpass")), ""),
        verdict=(bool(verdict_noun) or call is not None) and stance != "report",
        negation=negation if stance == "deny" else (),
    )


def _verdict(verb: Token, content: list[int], lex: Lexicon,
             ) -> tuple[str, list[int], str] | None:
    """What a speaker said is a verdict on a claim: a claim noun or a pointing word as
    the subject of a predicate in deny or confirm words ("said the reports were
    false", "the claims are 'lies', the ministry said", "the story was made up",
    '"This is false," X said of reports that ...'). Returns the stance, the claim's
    own words (what the noun says, or the claim noun the speaker spoke "of"; none when
    it only points back) and the noun."""
    doc = verb.doc
    ids = set(content)
    for top in (doc[i] for i in content if doc[i].head.i not in ids or doc[i].head.i == i):
        nothing = _nothing_to(top, lex)
        if nothing is not None:
            return "deny", noun_content(nothing, core=True), nothing.lemma_.lower()
        if top.lemma_.lower() in lex.lying_verbs and not any(c.dep_ == "neg"
                                                           for c in top.children):
            # "claims Mizuhara lied to the media about the player paying debt": what was
            # lied about is false (wherever the parser hung the "about")
            about = next((t for t in top.subtree if t.dep_ == "prep" and t.lower_ == "about"),
                         None)
            if about is not None:
                return "deny", [t.i for g in about.children if g.dep_ in ("pobj", "pcomp")
                                for t in g.subtree], "lie"
        subj = next((c for c in top.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        if top.lower_ in lex.claim_nouns and (subj is None or subj.tag_ == "IN"):
            # "said claims that a spy ship mapped cables were 'pure fiction'", parsed as
            # "said claims [X were fiction]" ("claims" a verb, or a noun over a clause),
            # "said [that reports X] [were false]" or "said [rumours X] [were baseless]"
            # (the verdict hung from the verb that said it): that verdict is on X
            cop = next((c for c in top.children if c.dep_ == "ccomp" and
                        c.lemma_.lower() == "be"), None) or next(
                (c for c in verb.children if c.dep_ == "ccomp" and c.i > top.i and
                 c.lemma_.lower() == "be" and not any(
                     g.dep_ in ("nsubj", "nsubjpass", "csubj", "expl") for g in c.children)),
                None)
            stance = _verdict_stance(cop, lex) if cop is not None else None
            if cop is not None and stance is not None:
                said = [t.i for c in cop.children if c.dep_ in ("csubj", "nsubj")
                        for t in c.subtree if t.dep_ != "mark"] or \
                    [t.i for c in top.children if c.dep_ in ("ccomp", "acl", "relcl") and
                     c.i != cop.i for t in c.subtree if t.dep_ != "mark"]
                return stance, said, top.lower_
        if subj is None:
            continue
        owner = top.head.head if top.dep_ == "pcomp" and top.head.dep_ == "prep" else None
        if owner is not None and owner.lemma_.lower() in lex.claim_nouns:
            # "said the accusations about X were absurd", parsed as "accusations about
            # [X were absurd]": the noun the clause hangs from is the verdict's subject
            stance = _verdict_stance(top, lex)
            return (stance, [t.i for t in subj.subtree], owner.lemma_.lower()) \
                if stance is not None else None
        noun = subj.lemma_.lower()
        pointing = subj.lower_ in lex.pointing_words
        if not (pointing or noun in lex.claim_nouns or subj.lower_ in lex.claim_nouns):
            continue
        if pointing and any(c.dep_ in ("ccomp", "xcomp", "csubj") for c in top.children):
            return None  # "that was wrong to say": no verdict on a claim
        stance = _verdict_stance(top, lex)
        if stance is None:
            return None
        claim = noun_content(subj)
        if not claim:
            of = next((g for c in verb.children if c.dep_ == "prep" and
                       c.lower_ in ("of", "about", "on") for g in c.children
                       if g.dep_ == "pobj" and g.lemma_.lower() in lex.claim_nouns), None)
            if of is not None:
                noun, claim = of.lemma_.lower(), noun_content(of)
        return stance, claim, noun
    return None


def _falsity_verdict(content: list[int], doc: Any, lex: Lexicon,
                     ) -> tuple[str, list[int]] | None:
    """The word of falsehood a copular content says its subject is, or is the victim
    of ("the actor was a victim of a death hoax", "the letter is a fake"), not negated,
    and the subject's tokens: the claim the item spoke of about that subject is false."""
    ids = set(content)
    top = next((doc[i] for i in content if doc[i].head.i not in ids or doc[i].head.i == i),
               None)
    if top is None or top.lemma_.lower() != "be" or _negated(top, lex):
        return None
    subj = next((c for c in top.children if c.dep_ == "nsubj"), None)
    if subj is None or subj.pos_ not in ("NOUN", "PROPN"):
        return None  # "all of this has been a lie": a verdict the pointing rules read
    for c in top.children:
        if c.dep_ in ("attr", "acomp"):
            word = next((str(t.lower_) for t in c.subtree if t.lower_ in lex.falsity_words),
                        None)
            if word is None:
                continue
            if subj.lower_ in lex.statement_nouns or subj.lower_ in lex.claim_nouns:
                # "Varga's remarks were a lie": a verdict on what Varga said before
                return str(subj.lower_), []
            return word, [t.i for t in subj.subtree]
    return None


def _nothing_to(top: Token, lex: Lexicon) -> Token | None:
    """'there was no truth to reports that X', 'there is no basis for the claims': the
    claim noun an existential 'no truth' (a no-truth phrase) is said of."""
    if top.lemma_.lower() != "be" or not any(c.dep_ == "expl" for c in top.children):
        return None
    for attr in (c for c in top.children if c.dep_ in ("attr", "nsubj")):
        det = next((c.lower_ for c in attr.children if c.dep_ == "det"), "")
        if f"{det} {attr.lower_}" not in lex.no_truth_phrases:
            continue
        for prep in (c for c in attr.children if c.dep_ == "prep"):
            noun = next((g for g in prep.children if g.dep_ == "pobj"), None)
            if noun is not None and (noun.lemma_.lower() in lex.claim_nouns or
                                     noun.lower_ in lex.claim_nouns):
                return noun
    return None


def _verdict_stance(top: Token, lex: Lexicon) -> str | None:
    """The stance of a verdict's predicate: a deny word ("false", "a fabrication",
    "were exaggerated", "was made up") denies, a confirm word ("accurate") confirms,
    and "not true" denies."""
    negated = any(c.dep_ == "neg" for c in top.children)
    preds = [c for c in top.children if c.dep_ in ("acomp", "attr", "oprd")]
    words = {p.lower_ for p in preds} | {p.lemma_.lower() for p in preds}
    if top.tag_ == "VBN" or top.pos_ == "ADJ":
        words |= {top.lower_}
    prt = next((c.lower_ for c in top.children if c.dep_ == "prt"), None)
    if prt is not None and f"{top.lemma_.lower()} {prt}" in lex.deny_phrasal_verbs:
        return "deny"
    if words & lex.deny_words:
        return "confirm" if negated else "deny"
    if words & lex.confirm_words:
        return "deny" if negated else "confirm"
    if negated and any(" ".join(["not", *(d.lower_ for d in p.children if d.dep_ == "det"),
                                  p.lower_]) in lex.no_truth_phrases for p in preds):
        return "deny"  # "that was not the case", "this is not accurate"
    return None


def noun_content(noun: Token, core: bool = False) -> list[int]:
    """What a claim noun says: "the report that X", "reports of X", "the claims about X"
    (with `core`, a clause X without its tails: "..., contradicting the club")."""
    out: list[int] = []
    for c in noun.children:
        if c.dep_ in ("acl", "relcl", "ccomp"):
            out += _core(c, set()) if core else [t.i for t in c.subtree]
        elif c.dep_ == "prep" and c.lower_ in ("of", "about", "on", "that"):
            out += [t.i for g in c.children if g.dep_ in ("pobj", "pcomp") for t in g.subtree]
    return sorted(out)


def _denies_a_claim(verb: Token, lex: Lexicon) -> bool:
    """A denial verb denies a claim when its object is a clause, a claim noun or a
    pronoun, or it is used alone or "as false"; otherwise it names an event."""
    obj = None
    for c in verb.children:
        if c.dep_ in ("ccomp", "csubj"):
            return True
        if c.dep_ == "prep" and c.lower_ == "as":
            return True
        if c.dep_ in ("dobj", "nsubjpass"):
            obj = c
    if obj is None or _call_stance(verb, lex) == "deny":
        return True
    low = obj.lemma_.lower()
    if low in lex.involvement_nouns:
        return True  # "denied any involvement in the attack", "denied wrongdoing"
    if any(c.dep_ in ("compound", "amod") and c.i == verb.i + 1 and (
            c.tag_ == "VBG" or (c.pos_ == "NOUN" and c.lower_.endswith("ing")))
           for c in obj.children):
        return True  # "denied mapping cables", the gerund taken for a noun's modifier
    if verb.lemma_.lower() in lex.existence_verbs and any(
            c.dep_ == "det" and c.lower_ == "any" for c in obj.children):
        return True  # "denied any losses": that there were any ("rejected any change"
        # is a refusal, not a denial)
    # "rejected calls to resign", "rejected the idea that X": a claim; "dismissed 80
    # cases that involved arrests" (a relative clause on a thing) is an act on them
    return (obj.pos_ == "PRON" or low in lex.claim_nouns or obj.lower_ in lex.claim_nouns
            or low in lex.deny_words or any(
                g.dep_ in ("acl", "relcl") and ((g.pos_ == "VERB" and (g.dep_ == "acl" or any(
                    m.dep_ == "aux" and m.tag_ == "TO" for m in g.children))) or any(
                    m.lower_ == "that" and m.dep_ == "mark" for m in g.children))
                for g in obj.children))


def _anonymous(tok: Token, lex: Lexicon) -> bool:
    """An unnamed source: 'a senior official who asked not to be named', 'people
    familiar with the matter', 'officials speaking on condition of anonymity'."""
    words = {t.lower_ for t in tok.subtree}
    if any(t.ent_type_ == "PERSON" for t in tok.subtree):
        return False
    if words & {"anonymity", "unnamed", "unidentified", "anonymous", "familiar", "briefed"}:
        return True
    if "named" in words and words & {"not", "n't"}:
        return True
    if tok.lower_ in lex.spokes_words and any(
            c.dep_ in ("poss", "compound", "amod") or (c.dep_ == "prep" and c.lower_ in (
                "for", "of")) for c in tok.children):
        # "a spokesperson for the ministry", "an army spokesman": its voice, on the record
        return False
    det = next((c for c in tok.children if c.dep_ == "det"), None)
    return det is not None and det.lower_ in lex.few_words \
        and tok.lower_ in lex.official_words | lex.anonymous_words


def _cites_anonymous(verb: Token, speaker: Token | None, lex: Lexicon) -> bool:
    """'The Gazette, citing a senior official who asked not to be named, reported ...'."""
    pool = list(verb.children) + (list(speaker.subtree) if speaker is not None else [])
    for t in pool:
        if t.lemma_.lower() in ("cite", "quote") and t.i != verb.i:
            src = next((c for c in t.children if c.dep_ in ("dobj", "pobj")), None)
            if src is not None and (_anonymous(src, lex) or src.lower_ in lex.anonymous_words):
                return True
    return False


def _refused_in(tokens: list[Token], lex: Lexicon) -> bool:
    """The content's negated main verb is one a refusal names ("he would not discuss
    military matters", "it could not confirm the report")."""
    ids = {t.i for t in tokens}
    return any(t.dep_ == "neg" and t.head.i in ids and t.head.head.i not in ids and
               t.head.lemma_.lower() in lex.refused_objects for t in tokens)


def _bare_verdict(sent: Span, cue: Token, lex: Lexicon) -> bool:
    """The sentence quotes, before its speech verb, nothing but a verdict word and its
    modifiers ('"Nonsense,"', '"Utter lies."', '"Pure fiction"')."""
    marks = [t.i for t in sent if t.text in QUOTE_MARKS or t.tag_ in ("``", "''")]
    if len(marks) < 2 or marks[1] > cue.i:
        return False
    inside = [t for t in sent.doc[marks[0] + 1:marks[1]] if t.is_alpha]
    return bool(inside) and any(t.lower_ in lex.deny_words for t in inside) and all(
        t.lower_ in lex.deny_words or t.pos_ in ("ADJ", "ADV", "DET", "INTJ") or
        (t.head.lower_ in lex.deny_words and not t.ent_type_ and t.pos_ != "PROPN")
        for t in inside)


def _content_negated(tokens: list[Token], lex: Lexicon) -> bool:
    """The content's main verb is negated ("the troops were not deployed")."""
    ids = {t.i for t in tokens}
    for t in tokens:
        if t.dep_ == "neg" and t.head.i in ids and t.head.pos_ in ("VERB", "AUX", "ADJ", "NOUN"):
            head = t.head
            # only the top of the content clause counts, not a nested relative clause
            if head.head.i not in ids or head.dep_ in ("ccomp", "conj", "ROOT"):
                return True
        if t.lower_ in lex.negating_words and t.dep_ in ("det", "neg", "advmod", "nummod"):
            return True  # "no evidence", "never bet", "zero involvement"
        if t.lower_ in lex.negative_pronouns and t.dep_ in ("nsubj", "nsubjpass"):
            return True
        if t.lower_ in lex.unrelated_words and t.dep_ in ("acomp", "oprd") and \
                t.head.head.i not in ids:
            return True  # "the damage was unrelated to the drug"
    text = " ".join(t.lower_ for t in tokens)
    return any(phrase in text for phrase in lex.no_truth_phrases)


def _no_such(tokens: list[Token]) -> Token | None:
    """The noun of "no such N" as the subject or object of a content's top verb ("no
    such agreement existed", "there was no such plan", "had signed no such deal")."""
    ids = {t.i for t in tokens}
    for t in tokens:
        noun = t.head
        if t.lower_ == "such" and noun.i in ids and noun.pos_ == "NOUN" and \
                noun.dep_ in ("nsubj", "nsubjpass", "attr", "dobj") and \
                noun.head.head.i not in ids and \
                any(c.dep_ == "det" and c.lower_ == "no" for c in noun.children):
            return noun
    return None


def _done_negation(tokens: list[Token], lex: Lexicon) -> tuple[int, ...]:
    """The "not" on the top verb of a content ("it had not been hit", "the line has not
    leaked", with its "yet": "are not yet built"), or the "no" of its subject ("no
    troops have crossed the border"), unless a modal makes it a plan ("would not
    sell"); () when none."""
    ids = {t.i for t in tokens}
    for head in (t for t in tokens if t.head.i not in ids or t.head.i == t.i):
        if head.pos_ not in ("VERB", "AUX") or any(
                c.dep_ == "aux" and c.lower_ in lex.modal_words for c in head.children):
            continue
        for c in head.children:
            if c.dep_ == "neg":
                return (c.i, *(y.i for y in head.children
                               if y.dep_ == "advmod" and y.lower_ in lex.yet_words))
            if c.dep_ in ("nsubj", "nsubjpass") and c.pos_ == "NOUN":
                no = next((d for d in c.children if d.dep_ == "det" and d.lower_ == "no"),
                          None)
                if no is not None:
                    return (no.i,)
    return ()


def _source_statement(tok: Token, sent: Span, lex: Lexicon) -> Statement | None:
    """'according to X', 'as per X', 'quoted by X', 'citing X' attribute the sentence."""
    low = tok.lower_
    src: Token | None = None
    if low == "according" and tok.i + 1 < len(tok.doc) and tok.doc[tok.i + 1].lower_ == "to":
        to = tok.doc[tok.i + 1]
        src = next((c for c in to.children if c.dep_ == "pobj"), None)
    elif low == "per" and tok.i > 0 and tok.doc[tok.i - 1].lower_ == "as":
        src = next((c for c in tok.children if c.dep_ == "pobj"), None)
    if src is None:
        return None
    if not (src.pos_ in ("PROPN",) or src.ent_type_ in ("ORG", "GPE", "PERSON", "NORP")
            or src.lower_ in lex.hedge_subjects or src.lower_ in lex.anonymous_words
            or src.lower_ in lex.official_words or src.lower_ in lex.media_words):
        return None  # "according to the order of ..." is no attribution
    phrase = set(t.i for t in tok.subtree) | {tok.i, tok.i + 1}
    phrase.update(t.i for t in src.subtree)
    root = sent.root
    content = [t.i for t in sent if t.i not in phrase and not t.is_space]
    # drop a "quoted by Y" appositive participle that travels with the source
    for t in sent:
        if t.dep_ in ("acl", "advcl") and t.lemma_.lower() in ("quote", "cite", "report") \
                and (t.head.i in phrase or t.i - tok.i < 12):
            drop = {x.i for x in t.subtree}
            content = [i for i in content if i not in drop]
    content = [i for i in content if not sent.doc[i].is_punct or sent.doc[i].text in ("-",)]
    del root
    toks = [sent.doc[i] for i in content]
    stance = "confirm"
    kind = "named"
    if src.lower_ in lex.hedge_subjects and src.ent_type_ == "":
        stance, kind = "report", "hedged"
    elif src.lower_ in lex.anonymous_words or _anonymous(src, lex):
        kind = "anonymous"
    if kind in ("anonymous", "hedged") or (toks and _has_hedge(toks, lex)):
        stance = "report"
    elif toks and _content_negated(toks, lex):
        stance = "deny"
    return Statement(
        cue="according to",
        cue_token=tok.i,
        stance=stance,
        when="current",
        speaker=_np_span(src),
        speaker_kind=kind,
        content=(min(content), max(content) + 1) if content else None,
        content_tokens=tuple(content),
        refers_back=not content,
        confidence=0.7 if stance != "report" else 0.5,
    )


def _noun_statement(tok: Token, sent: Span, lex: Lexicon) -> Statement | None:
    """"Pyongyang's first public confirmation", "a denial from the ministry"."""
    if tok.pos_ != "NOUN":
        return None
    low = tok.lemma_.lower()
    if low in lex.confirm_nouns:
        stance = "confirm"
    elif low in lex.deny_nouns:
        stance = "deny"
    else:
        return None
    owner = next((c for c in tok.children if c.dep_ == "poss"), None)
    if owner is None:
        for c in tok.children:
            if c.dep_ == "prep" and c.lower_ in ("from", "by"):
                owner = next((g for g in c.children if g.dep_ == "pobj"), None)
    if owner is None or owner.pos_ == "PRON":
        return None
    content: list[int] = []
    for c in tok.children:
        if c.dep_ in ("acl", "ccomp", "relcl") or (c.dep_ == "prep" and c.lower_ in ("of", "that")):
            content = _subtree_ids(c)
    return Statement(
        cue=low,
        cue_token=tok.i,
        stance=stance,
        when="earlier" if _earlier(tok, sent, lex) else "current",
        speaker=_np_span(owner),
        speaker_kind="named",
        content=(min(content), max(content) + 1) if content else None,
        content_tokens=tuple(content),
        refers_back=not content,
        confidence=0.6,
    )


def assertion(sent: Span, lex: Lexicon) -> Statement | None:
    """The publisher's own unhedged assertion, when the sentence has no statement."""
    root = sent.root
    if root.pos_ not in ("VERB", "AUX"):
        return None
    toks = [t for t in sent if not t.is_space]
    if sent.text.rstrip().rstrip("”\"'’").endswith("?") or _has_hedge(toks, lex):
        stance = "report"
    elif _content_negated(toks, lex) or any(t.lower_ in lex.deny_words for t in toks):
        stance = "deny"
    else:
        stance = "confirm"
    subj = next((c for c in root.children if c.dep_ in SUBJECT_DEPS), None)
    if subj is not None and subj.lower_ in lex.hedge_subjects:
        stance = "report"
    ids = [t.i for t in toks if not t.is_punct]
    return Statement(
        cue="assert",
        cue_token=root.i,
        stance=stance,
        when="current",
        speaker=None,
        speaker_kind="publisher",
        content=(min(ids), max(ids) + 1) if ids else None,
        content_tokens=tuple(ids),
        refers_back=False,
        confidence=0.4,
    )
