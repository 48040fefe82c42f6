"""claimwatch's own spaCy components.

`claimwatch_sentences` sets sentence starts from the cheap splitter before the
parser runs, so a run of selected sentences parsed as one text gets the same
sentences (and so the same parses) as each sentence parsed alone, at a fraction
of spaCy's per-text cost.
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


def add_components(nlp: Any) -> Any:
    """Insert claimwatch's components into a loaded pipeline (once)."""
    if "claimwatch_sentences" not in nlp.pipe_names:
        if "parser" in nlp.pipe_names:
            nlp.add_pipe("claimwatch_sentences", before="parser")
        else:
            nlp.add_pipe("claimwatch_sentences", first=True)
    return nlp
