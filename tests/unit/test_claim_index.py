"""The claim index scores only the claims a sentence can count for: its answers
must be those of scoring every claim for every sentence (the brute force here),
on many claims that share their words."""

from __future__ import annotations

import random
from typing import Any

import pytest
import spacy

from detector import Detector, Item, Topic
from detector.components import LemmaCache
from detector.lexicon import load_lexicon
from detector.link import LINK_AT, MENTION_AT, ClaimTerms, PinnedLinker, _index_terms
from detector.scan import MIN_CLAIM_WORDS
from detector.text import sentences

#: a small vocabulary, so that hundreds of claims share their words
NAMES = ["Kestria", "Dravonia", "Lyra", "Vell", "Osk", "Marrow", "Tallis", "Brask"]
WORDS = ["seized", "tanker", "grain", "border", "troops", "ministry", "harbour", "vessel",
         "sanctions", "convoy", "pipeline", "ceasefire", "talks", "crew", "cargo"]
FIGURES = ["12", "300", "4,000"]


def claim_text(rng: random.Random) -> str:
    picked = rng.sample(WORDS, rng.randint(2, 5))
    if rng.random() < 0.7:
        picked += rng.sample(NAMES, rng.randint(1, 2))
    if rng.random() < 0.2:
        picked.append(rng.choice(FIGURES))
    rng.shuffle(picked)
    return "the " + " ".join(picked)  # lower-case start: title-case words are its anchors


def item_text(rng: random.Random) -> str:
    sents = []
    for _ in range(rng.randint(1, 5)):
        pool = WORDS + NAMES + FIGURES + ["and", "was", "near", "boats"]
        words = [rng.choice(pool) for _ in range(rng.randint(3, 9))]
        sents.append(" ".join(words).capitalize() + ".")
    return " ".join(sents)


def brute_force(det: Detector, text: str) -> tuple[set[str], set[tuple[int, int, str]]]:
    """What claim_sentences decides, computed claim by claim, sentence by sentence."""
    doc = det._nlp.make_doc(text)
    topics: set[str] = set()
    hits: set[tuple[int, int, str]] = set()
    for t in det.topics.values():
        for c in t.claims:
            _terms, anchors, words, _link = det._claim_cache[(t.id, c.id, c.statement)]
            lows = {w.lower() for w in words}
            for s, e in sentences(text):
                found = [(tok.idx, tok.idx + len(tok)) for tok in doc
                         if s <= tok.idx < e and tok.lower_ in lows]
                norms = {text[a:b].lower().rstrip("s") for a, b in found}
                if (norms & anchors and len(norms) >= MIN_CLAIM_WORDS) or \
                        (not anchors and len(norms) >= MIN_CLAIM_WORDS + 1):
                    topics.add(t.id)
                    hits.update((a, b, t.id) for a, b in found)
    return topics, hits


@pytest.fixture(scope="module")
def many_claims() -> Detector:
    rng = random.Random(3)  # noqa: S311 - reproducible cases, not security
    topics = [Topic.from_dict({"id": f"t{n}", "name": f"topic {n}", "claims": [
        {"id": f"c{n}-{i}", "statement": claim_text(rng)} for i in range(60)]})
        for n in range(10)]
    return Detector(topics, nlp=spacy.blank("en"))


def test_the_cheap_pass_finds_what_checking_every_claim_finds(many_claims: Detector) -> None:
    rng = random.Random(11)  # noqa: S311 - reproducible cases, not security
    relevant = 0
    for n in range(150):
        text = item_text(rng)
        scan = many_claims.scanner.scan(Item(id=str(n), body=text))
        want_topics, want_hits = brute_force(many_claims, text)
        assert scan.topics == want_topics, text
        assert {(h.start, h.end, h.topic_id) for h in scan.hits if h.kind == "C"} == want_hits
        relevant += bool(want_topics)
    assert 20 < relevant < 150  # the case is neither trivial nor all-relevant


def test_a_sentence_is_checked_against_few_of_600_claims(many_claims: Detector) -> None:
    words = many_claims.scanner._words
    doc = many_claims._nlp.make_doc("Kestria troops seized the tanker near the border.")
    held = {n for n, _s, _e in words.match(doc)}
    cands = words.candidates(held)
    assert cands  # some claims hold three of these words with a name
    assert len(cands) < 60  # of 600: not every claim that shares a word
    for cid in cands:
        own, _names, need = words.needs[cid]
        assert len(own & held) >= need


def random_terms(rng: random.Random, pool: list[str], k: int) -> frozenset[str]:
    return frozenset(rng.sample(pool, rng.randint(0, k)))


def test_the_linker_index_keeps_every_claim_that_can_score() -> None:
    rng = random.Random(5)  # noqa: S311 - reproducible cases, not security
    names, words = [f"n{i}" for i in range(12)], [f"w{i}" for i in range(20)]
    cts = [ClaimTerms(f"c{i}", "t", random_terms(rng, names, 3), random_terms(rng, words, 4))
           for i in range(300)]
    freq: dict[str, int] = {}
    for ct in cts:
        for term in ct.names | ct.words:
            freq[term] = freq.get(term, 0) + 1
    linker = PinnedLinker(load_lexicon())
    linker.set_claims(cts)
    checked = 0
    for _ in range(400):
        terms = set(random_terms(rng, names, 4) | random_terms(rng, words, 6))
        for ct in cts:
            if linker.score(terms, ct.claim_id) >= min(MENTION_AT, LINK_AT):
                checked += 1
                assert terms & _index_terms(ct, freq), (ct, terms)
    assert checked > 100


def test_the_lemma_cache_gives_the_lemmatizers_lemmas(nlp: Any) -> None:
    text = ("The ministers denied the reports. Ministers were denying it; the ministry "
            "denies what the minister had said about the seized tankers and seizures.")
    plain = [t.lemma_ for t in nlp(text, disable=["claimwatch_lemma_cache"])] \
        if "claimwatch_lemma_cache" in nlp.pipe_names else [t.lemma_ for t in nlp(text)]
    lem = nlp.get_pipe("lemmatizer")
    cache = LemmaCache(lem)
    asked = []
    inner = cache._lemmatize
    cache._lemmatize = lambda tok: asked.append(tok.text) or inner(tok)  # type: ignore[misc]
    for _ in range(2):
        doc = nlp(text, disable=["lemmatizer", "claimwatch_lemma_cache"])
        unset = {(t.orth, t.pos, t.morph.key) for t in doc if t.lemma == 0}
        assert [t.lemma_ for t in cache(doc)] == plain
    assert len(asked) == len(unset) < len(doc)  # once per form, the second text not at all


def test_the_attribute_lookup_sets_what_the_ruler_sets(nlp: Any) -> None:
    from spacy.tokens import DocBin

    from detector.components import AttributeLookup

    text = ("There's no deal, y'all: the ministers ain't gonna confirm it. I said it "
            "to you and you told me, but nothin' was done.  Did they? They did not.")
    skip = ["attribute_ruler", "claimwatch_attributes", "claimwatch_lemma_cache",
            "lemmatizer", "ner"]
    parsed = nlp(text, disable=[p for p in skip if p in nlp.component_names])
    data = DocBin(docs=[parsed]).to_bytes()
    ruler = nlp.get_pipe("attribute_ruler")
    by_ruler, = DocBin().from_bytes(data).get_docs(nlp.vocab)
    by_lookup, = DocBin().from_bytes(data).get_docs(nlp.vocab)
    cols = ["TAG", "POS", "MORPH", "LEMMA", "DEP"]
    before = by_lookup.to_array(cols).tolist()
    assert ruler(by_ruler).to_array(cols).tolist() == \
        AttributeLookup(ruler)(by_lookup).to_array(cols).tolist() != before
