"""claimwatch's own spaCy components.

`claimwatch_sentences` sets sentence starts from the cheap splitter before the
parser runs, so a run of selected sentences parsed as one text gets the same
sentences (and so the same parses) as each sentence parsed alone, at a fraction
of spaCy's per-text cost.

`claimwatch_lemma_cache` remembers the rule lemmatizer's lemmas (see LemmaCache):
the same lemmas, a tenth of the lemmatizer's time.
"""

from __future__ import annotations

from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from detector.text import sentences


@Language.component("claimwatch_sentences")
def claimwatch_sentences(doc: Doc) -> Doc:
    starts = {s for s, _e in sentences(doc.text)}
    for tok in doc[1:]:
        tok.is_sent_start = tok.idx in starts
    if len(doc):
        doc[0].is_sent_start = True
    return doc


class LemmaCache:
    """The model's rule lemmatizer, remembered: a token's lemma depends only on its
    text, part of speech and morphology, but spaCy's EnglishLemmatizer caches only the
    forms its rules compute, not the base forms (most tokens), which it works out again
    for every token. Placed before the lemmatizer, this sets each token whose lemma is
    unset from the lemmas seen before (asking the lemmatizer itself for a form it has
    not seen), so the lemmatizer finds them set and passes over them."""

    #: forgotten past this many (text, part of speech, morphology) forms
    LIMIT = 200_000

    def __init__(self, lemmatizer: Any) -> None:
        self._lemmatize = lemmatizer.lemmatize
        self._strings = lemmatizer.vocab.strings
        self._cache: dict[tuple[int, int, int], int] = {}

    def __call__(self, doc: Doc) -> Doc:
        if not len(doc):
            return doc
        rows = doc.to_array(["LEMMA", "ORTH", "POS", "MORPH"]).tolist()
        if len(self._cache) > self.LIMIT:
            self._cache = {}
        cache = self._cache
        lemmas = []
        for i, (lemma, orth, pos, morph) in enumerate(rows):
            if lemma == 0:
                key = (orth, pos, morph)
                lemma = cache.get(key, 0)
                if lemma == 0:
                    lemma = cache[key] = self._strings.add(self._lemmatize(doc[i])[0])
            lemmas.append(lemma)
        arr: Any = doc.to_array(["LEMMA"])
        arr[:] = lemmas
        doc.from_array(["LEMMA"], arr)
        return doc


@Language.factory("claimwatch_lemma_cache")
def make_lemma_cache(nlp: Language, name: str) -> LemmaCache:
    return LemmaCache(nlp.get_pipe("lemmatizer"))


def add_components(nlp: Any) -> Any:
    """Insert claimwatch's components into a loaded pipeline (once)."""
    if "claimwatch_sentences" not in nlp.pipe_names:
        if "parser" in nlp.pipe_names:
            nlp.add_pipe("claimwatch_sentences", before="parser")
        else:
            nlp.add_pipe("claimwatch_sentences", first=True)
    if "claimwatch_lemma_cache" not in nlp.pipe_names and "lemmatizer" in nlp.pipe_names:
        lem = nlp.get_pipe("lemmatizer")
        if getattr(lem, "mode", None) == "rule" and not getattr(lem, "overwrite", True):
            nlp.add_pipe("claimwatch_lemma_cache", before="lemmatizer")
    return nlp

