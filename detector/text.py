"""Cheap text work that needs no parse: sentences, normalized text, terms."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

_ABBREV = frozenset(
    """mr mrs ms dr gen lt col sgt capt cpt maj adm st jr sr inc corp ltd co no vs etc approx
jan feb mar apr jun jul aug sep sept oct nov dec u.s u.k u.n e.u gov sen rep rev prof
fig est dept univ ave blvd mt ft""".split()
)
_BOUNDARY = re.compile(r"""([.!?])(["'”’)\]]*)(\s+)(?=["'“‘(\[]?[A-Z0-9])|\n\s*\n|\n(?=\S)""")
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’\-]*")
_SPACE = re.compile(r"\s+")

STOPWORDS = frozenset(
    """a an the and or but if of to in on at by for with from as into onto about over under
after before during since until than then that this these those there here it its it's
they them their theirs he him his she her hers we us our you your i me my be is am are
was were been being have has had having do does did doing will would shall should can
could may might must not no nor so too very just also only even still yet again ever
much many more most some any all both each few other such own same which who whom whose
what when where why how while because though although whether up down out off said says
say told tell according per reported reports report new one two s t mr mrs ms dr monday
tuesday wednesday thursday friday saturday sunday week weeks month months year years day
days today yesterday tomorrow last first time times via amid among against around across
along among via like""".split()
)


def normalize(text: str) -> str:
    """Casefolded, accent-free, punctuation-light text for comparing copies."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"[^\w\s]", " ", text.casefold())
    return _SPACE.sub(" ", text).strip()


def sentences(text: str) -> Iterator[tuple[int, int]]:
    """Character spans of the sentences of `text` (a cheap splitter, no model)."""
    start = 0
    for m in _BOUNDARY.finditer(text):
        if m.group(1):
            before = text[start:m.start(1)].rsplit(None, 1)
            last = before[-1].lower().rstrip(".") if before else ""
            if last == "no" and not text[m.end():m.end() + 1].isdigit():
                pass  # "she said no." ends a sentence; "No. 5" does not
            elif last in _ABBREV or (len(last) == 1 and last.isalpha()):
                continue
            end = m.end(2)
        else:
            end = m.start()
        if text[start:end].strip():
            yield _trim(text, start, end)
        start = m.end()
    if text[start:].strip():
        yield _trim(text, start, len(text))


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def stem(word: str) -> str:
    """A light stem so that plain-word claims match inflected text."""
    w = word.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    for suffix, repl in (("ies", "y"), ("ied", "y"), ("ing", ""), ("ed", ""), ("es", ""),
                         ("s", "")):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            w = w[: -len(suffix)] + repl
            break
    return w


def content_terms(text: str) -> list[str]:
    """Content words of a plain-words claim, stemmed, stopwords out, in order."""
    out = []
    for m in _WORD.finditer(text):
        w = m.group(0)
        if w.lower() in STOPWORDS or len(w) < 2:
            continue
        out.append(stem(w))
    return out


def has_figure(text: str) -> bool:
    return bool(re.search(r"\d", text))


_OPEN_QUOTES = ("\u201c", '"')
#: the marks that open or close quoted speech
QUOTE_MARKS = ("\u201c", "\u201d", '"')


def in_quote(text: str, start: int, end: int) -> bool:
    """Whether the sentence text[start:end] is quoted speech: it opens with a quote
    mark, or a quote opened earlier in its paragraph is still open."""
    if text[start:end].lstrip().startswith(_OPEN_QUOTES):
        return True
    para = text[text.rfind("\n", 0, start) + 1:start]
    return para.count("\u201c") > para.count("\u201d") or para.count('"') % 2 == 1


def quote_goes_on(text: str, prev_end: int, start: int, end: int) -> bool:
    """Whether the quoted sentence text[start:end] carries on the quote of the sentence
    that ends at `prev_end`: the next sentence, in the same paragraph or in the next
    one opened by a quote mark (the wire convention for a quote that runs over
    paragraphs). A sentence between them, even one not parsed, ends the quote's run."""
    gap = text[prev_end:start]
    if start < prev_end or gap.strip() or not in_quote(text, start, end):
        return False
    if "\n" not in gap:
        return True
    return gap.count("\n") <= 2 and text[start:end].lstrip().startswith(_OPEN_QUOTES)


def cut_off(text: str, end: int) -> bool:
    """Whether content ending at `end` runs into the end of a text cut short: a feed's
    body capped mid-sentence ("the minister said the port would reop") or marked as
    shortened ("..."). What follows a cut is lost, so the words are no whole statement."""
    if text[end:].strip(" \t\n\"'\u201d\u2019()[].!?\u2026"):
        return False  # more of the text follows the content
    tail = text.rstrip()
    return tail.endswith(("...", "\u2026", "[...]", "[\u2026]")) or \
        not tail.endswith((".", "!", "?", "\"", "\u201d", "\u2019", "'", ")"))


# a wire dateline before the first sentence of a story, by its shape alone: a city in
# capitals (with its state, "KANSAS CITY, Mo."), or a few capitalised words and a date,
# then the agency in brackets, then a dash ("GENEVA (Reuters) - ", "(AP) — "); or a city
# in capitals, or a city and its country ("London, UK - "), then a dash
_CAPS = r"[A-Z][A-Z.'’-]+(?:\s[A-Z][A-Z.'’-]+)*"
_DATELINE = re.compile(
    r"(?:(?:[A-Z0-9][\w.'’-]*,?\s+){0,5}\([A-Z][A-Za-z.&]{1,15}(?:\s[A-Z][A-Za-z.&]{1,15})?\)"
    rf"|{_CAPS}(?:,\s*[A-Z][A-Za-z.]+)?"
    r"|[A-Z][a-z]+(?:\s[A-Z][a-z]+)?,\s*[A-Z][A-Za-z]+)"
    r"(?:\s+[-–—]+\s*|[-–—]+\s+)(?=\S)")  # "U.S.-led" is no dateline


def dateline_end(text: str, start: int) -> int:
    """Where the words of a sentence begin after a wire dateline at `start` ("(Reuters)
    - No cases have been found ..."), or `start` when it opens with none. A sentence that
    opens a line only: a dateline heads a story (or its body after the title)."""
    if start and text[start - 1] != "\n":
        return start
    m = _DATELINE.match(text, start, start + 80)
    if m is None or len(re.sub(r"[^A-Za-z]", "", m.group())) < 2:
        return start
    return m.end()
