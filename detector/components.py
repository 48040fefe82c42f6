"""claimwatch's own spaCy components.

`claimwatch_sentences` sets sentence starts from the cheap splitter before the
parser runs, so a run of selected sentences parsed as one text gets the same
sentences (and so the same parses) as each sentence parsed alone, at a fraction
of spaCy's per-text cost.

`claimwatch_attributes` applies the model's attribute ruler (its tag map and
exceptions) found by table lookups instead of spaCy's Matcher (see
AttributeLookup): the same attributes, a fraction of the ruler's time.

`claimwatch_lemma_cache` remembers the rule lemmatizer's lemmas (see LemmaCache):
the same lemmas, a tenth of the lemmatizer's time.
"""

from __future__ import annotations

import re
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


#: the token attributes the attribute ruler's patterns test, read with Doc.to_array
_ATTR_COLUMNS = ("TAG", "LOWER", "DEP", "IS_SPACE")


class AttributeLookup:
    """The model's attribute ruler, matched by table lookups: its patterns (one or
    two tokens, each testing a tag, a lower-case form, a dependency or IS_SPACE by
    value, IN, NOT_IN or REGEX) are indexed by the form or tag a token must have, so
    a token is tested against a few of them rather than run through spaCy's Matcher
    with all 179. The matches go to the ruler's own set_annotations, in its order
    (the later pattern wins), so the attributes set are the ruler's.

    Raises ValueError for a pattern it cannot read (the caller keeps the ruler)."""

    def __init__(self, ruler: Any) -> None:
        self._ruler = ruler
        strings = ruler.vocab.strings
        self._strings = strings
        self._keys = [strings[str(i)] for i in range(len(ruler.attrs))]
        self._indices = list(ruler.indices)
        #: (attr id, one test list per token), tests being (column, op, value)
        self._patterns: list[tuple[int, list[list[tuple[int, str, Any]]]]] = []
        #: column -> value -> the patterns whose first token needs that value there
        self._by: list[dict[int, list[int]]] = [{} for _ in _ATTR_COLUMNS]
        self._always: list[int] = []
        for attr_id, entry in enumerate(ruler.patterns):
            for pattern in entry["patterns"]:
                toks = [self._tests(spec) for spec in pattern]
                if not toks:
                    raise ValueError("an empty attribute ruler pattern")
                pid = len(self._patterns)
                self._patterns.append((attr_id, toks))
                self._index(pid, toks[0])

    def _tests(self, spec: dict[str, Any]) -> list[tuple[int, str, Any]]:
        tests: list[tuple[int, str, Any]] = []
        for key, value in spec.items():
            if key not in _ATTR_COLUMNS:
                raise ValueError(f"attribute ruler key {key!r}")
            col = _ATTR_COLUMNS.index(key)
            if key == "IS_SPACE":
                if not isinstance(value, bool):
                    raise ValueError(f"IS_SPACE {value!r}")
                tests.append((col, "eq", int(value)))
            elif isinstance(value, str):
                tests.append((col, "eq", self._strings[value] if value else 0))
            elif isinstance(value, dict) and len(value) == 1:
                op, arg = next(iter(value.items()))
                if op in ("IN", "NOT_IN"):
                    ids = frozenset(self._strings[v] if v else 0 for v in arg)
                    tests.append((col, op, ids))
                elif op == "REGEX":  # with the answers so far, by the value's id
                    tests.append((col, op, (re.compile(arg), {})))
                else:
                    raise ValueError(f"attribute ruler predicate {op!r}")
            else:
                raise ValueError(f"attribute ruler value {value!r}")
        return tests

    def _index(self, pid: int, first: list[tuple[int, str, Any]]) -> None:
        for key in ("LOWER", "TAG", "DEP", "IS_SPACE"):  # under one test, the rarest first
            col = _ATTR_COLUMNS.index(key)
            for c, op, value in first:
                if c == col and op in ("eq", "IN"):
                    for v in (value,) if op == "eq" else sorted(value):
                        self._by[col].setdefault(v, []).append(pid)
                    return
        self._always.append(pid)

    def _passes(self, tests: list[tuple[int, str, Any]], row: list[int]) -> bool:
        for col, op, value in tests:
            got = row[col]
            if op == "eq":
                if got != value:
                    return False
            elif op == "IN":
                if got not in value:
                    return False
            elif op == "NOT_IN":
                if got in value:
                    return False
            else:
                regex, seen = value
                hit = seen.get(got)
                if hit is None:
                    hit = seen[got] = bool(regex.search(self._strings[got]))
                if not hit:
                    return False
        return True

    def __call__(self, doc: Doc) -> Doc:
        n = len(doc)
        if not n:
            return doc
        rows = doc.to_array(list(_ATTR_COLUMNS)).tolist()
        patterns, passes, always = self._patterns, self._passes, self._always
        by = list(enumerate(self._by))
        found: list[tuple[int, int, int]] = []
        for start, row in enumerate(rows):
            for col, table in by:
                for pid in table.get(row[col], ()):
                    attr_id, toks = patterns[pid]
                    if passes(toks[0], row) and (len(toks) == 1 or (
                            start + len(toks) <= n and all(
                                passes(t, rows[start + k]) for k, t in enumerate(toks)))):
                        found.append((attr_id, start, start + len(toks)))
            for pid in always:
                attr_id, toks = patterns[pid]
                if start + len(toks) <= n and all(
                        passes(t, rows[start + k]) for k, t in enumerate(toks)):
                    found.append((attr_id, start, start + len(toks)))
        found.sort()
        keys = self._keys
        self._ruler.set_annotations(doc, [(a, keys[a], s, e) for a, s, e in found])
        return doc


@Language.factory("claimwatch_attributes")
def make_attributes(nlp: Language, name: str) -> AttributeLookup:
    return AttributeLookup(nlp.get_pipe("attribute_ruler"))


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
    if "claimwatch_attributes" not in nlp.pipe_names and "attribute_ruler" in nlp.pipe_names:
        try:
            nlp.add_pipe("claimwatch_attributes", after="attribute_ruler")
        except ValueError:
            pass  # a pattern AttributeLookup cannot read: the ruler stays
        else:
            nlp.disable_pipe("attribute_ruler")
    if "claimwatch_lemma_cache" not in nlp.pipe_names and "lemmatizer" in nlp.pipe_names:
        lem = nlp.get_pipe("lemmatizer")
        if getattr(lem, "mode", None) == "rule" and not getattr(lem, "overwrite", True):
            nlp.add_pipe("claimwatch_lemma_cache", before="lemmatizer")
    return nlp

