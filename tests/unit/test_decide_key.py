"""The dedup key: syndicated copies share it, other texts do not, and its
ASCII fast path gives exactly the general rule's words; so does the cheap
pass's gate (both read every item's whole text)."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from detector.decide import key_text, text_key


def general(text: str) -> str:
    return " ".join(re.findall(r"\w+", unicodedata.normalize("NFKC", text).casefold()))


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_the_ascii_fast_path_gives_the_general_rules_words(text: str) -> None:
    assert key_text(text) == general(text)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_text_gives_the_general_rules_words(text: str) -> None:
    assert key_text(text) == general(text)


def test_copies_share_the_key_and_the_body_decides() -> None:
    body = "Kestria says Dravonia seized the tanker Lyra Dawn on Monday."
    copy = "  KESTRIA says -- Dravonia seized the tanker \u201cLyra Dawn\u201d on Monday!\n"
    assert text_key("Tanker seized", body) == text_key("Retitled by a wire", copy)
    assert text_key("T", body) != text_key("T", body.replace("Monday", "Tuesday"))
    assert text_key("Only a title", "") == text_key("ONLY a title.", "  ")


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127)) | st.text())
def test_the_cheap_pass_gate_reads_the_regexs_words(text: str) -> None:
    from detector.scan import _WORDS, alnum_words

    assert alnum_words(text) == _WORDS.findall(text)
