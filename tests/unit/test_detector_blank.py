"""What works without a trained model: the cheap pass, the sentence splitter,
the lexicon. Everything here runs on spacy.blank("en")."""

from __future__ import annotations

import pytest
import spacy

from detector import Detector, Item, Topic
from detector.lexicon import load_lexicon
from detector.speakers import bare_name
from detector.text import dateline_end, sentences


@pytest.fixture(scope="module")
def blank():
    return spacy.blank("en")


def strait(**extra) -> Topic:
    data = {"id": "strait", "name": "Strait", "keywords": ["tanker", "Lyra Dawn"],
            "parties": {"Kestria": ["Kestria", "Anton Brask"], "Dravonia": ["Dravonia"]}}
    data.update(extra)
    return Topic.from_dict(data)


def relevant(det: Detector, text: str) -> bool:
    return det.is_relevant(Item(id="x", title="", body=text))


@pytest.mark.parametrize(("text", "expected"), [
    ("A tanker was boarded off the coast.", True),                 # keyword
    ("The LYRA DAWN left port on Monday.", True),                  # multi-word, upper case
    ("lyra dawn crew were held", True),                            # lower case
    ("Crews unloaded three TANKERS of grain.", False),              # a keyword is a whole token
    ("The weather was mild and the markets calm.", False),          # nothing
    ("Lyra was seen at dawn.", False),                              # words apart are no phrase
])
def test_keywords_decide_relevance(blank, text: str, expected: bool) -> None:
    assert relevant(Detector([strait()], nlp=blank), text) is expected


def test_detect_relevant_says_what_is_relevant_says(blank) -> None:
    # the worker records only items on a tracked topic; it reads that from the
    # pass that detects them, so both must agree item by item
    det = Detector([strait()], nlp=blank)
    items = [Item(id=str(n), title="", body=text) for n, text in enumerate(
        ["A tanker was boarded.", "The weather was mild.", "Lyra Dawn left port."])]
    assert [rel for _, rel in det.detect_relevant(items)] == [
        det.is_relevant(i) for i in items] == [True, False, True]
    assert [found for found, _ in det.detect_relevant(items)] == det.detect_many(items)


@pytest.mark.parametrize("text", [
    "A tanker was boarded off the coast.", "The LYRA DAWN left port on Monday.",
    "Crews unloaded three TANKERS of grain.", "The weather was mild and the markets calm.",
    "Lyra was seen at dawn.", "Kestria said nothing.", "Caf\u00e9 owners met the tanker crew.",
])
def test_the_gate_never_turns_away_a_relevant_item(blank, text: str) -> None:
    # the worker asks may_concern on its own thread and detects only the items
    # it lets through: one it turns away must be one the cheap pass rejects
    det = Detector([strait()], nlp=blank)
    item = Item(id="x", title="", body=text)
    assert det.may_concern(item) or not det.is_relevant(item)
    if "weather" in text:
        assert not det.may_concern(item)  # not one word of a keyword or alias


def test_a_title_alone_can_make_an_item_relevant(blank) -> None:
    det = Detector([strait()], nlp=blank)
    assert det.is_relevant(Item(id="x", title="Tanker seized", body="Nothing else here."))


def test_party_aliases_alone_do_not_make_an_item_relevant(blank) -> None:
    # a party is who speaks, not what the topic is about: "Kestria" in a sports
    # story does not concern the strait (aliases are matched, keywords decide)
    det = Detector([strait()], nlp=blank)
    assert not relevant(det, "Kestria beat Dravonia 2-1 in the football final.")


def test_a_topic_with_parties_only_can_match(blank) -> None:
    det = Detector([Topic.from_dict({"id": "k", "parties": {"Kestria": ["Kestria"]}})],
                   nlp=blank)
    assert relevant(det, "Kestria denied sending troops.")


def test_an_alias_listed_as_a_keyword_makes_an_item_relevant(blank) -> None:
    det = Detector([strait(keywords=["Anton Brask"])], nlp=blank)
    assert relevant(det, "Foreign minister anton brask flew home.")


def test_topics_added_and_removed_take_effect(blank) -> None:
    det = Detector([], nlp=blank)
    text = "The harvest of wheat is late; grain exports fell."
    assert not relevant(det, text)
    det.upsert_topic(Topic.from_dict({"id": "harvest", "keywords": ["grain exports"]}))
    assert relevant(det, text)
    det.upsert_topic(Topic.from_dict({"id": "harvest", "keywords": ["barley"]}))
    assert not relevant(det, text)
    det.upsert_topic(Topic.from_dict({"id": "harvest", "keywords": ["grain exports"]}))
    det.remove_topic("harvest")
    assert not relevant(det, text)
    det.remove_topic("harvest")  # removing an unknown topic is harmless


def test_ignored_sources_are_not_relevant(blank) -> None:
    det = Detector([strait(ignore_sources=["Spam Daily"])], nlp=blank)
    assert not det.is_relevant(Item(id="x", body="A tanker.", source="Spam Daily"))
    assert det.is_relevant(Item(id="y", body="A tanker.", source="Daily Wire"))


def test_an_irrelevant_item_gives_no_observation_without_a_model(blank) -> None:
    # the parse is never reached: a blank pipeline is enough
    det = Detector([strait()], nlp=blank)
    assert det.detect_many([Item(id="x", body="Officials denied the rumours.")]) == [[]]


# -- sentences ----------------------------------------------------------------------------------

def split(text: str) -> list[str]:
    return [text[s:e] for s, e in sentences(text)]


@pytest.mark.parametrize(("text", "expected"), [
    ("One. Two! Three?", ["One.", "Two!", "Three?"]),
    ("Dr. Hana Ortiz spoke. Gen. Brask agreed.", ["Dr. Hana Ortiz spoke.", "Gen. Brask agreed."]),
    ("Troops left the U.S. base. They returned.", ["Troops left the U.S. base.",
                                                   "They returned."]),
    ("J. R. Smith spoke. Then he left.", ["J. R. Smith spoke.", "Then he left."]),
    ("See No. 5 here.", ["See No. 5 here."]),
    pytest.param("Asked about it, she said no. Then he left.",
                 ["Asked about it, she said no.", "Then he left."], id="said-no"),
    ('"We deny it." The minister left.', ['"We deny it."', "The minister left."]),
    ('He said: "It is false." Then he left.', ['He said: "It is false."', "Then he left."]),
    ("Headline without stop\n\nBody starts here. Ends.",
     ["Headline without stop", "Body starts here.", "Ends."]),
    ("Line one\nLine two", ["Line one", "Line two"]),
    ("  padded sentence.  ", ["padded sentence."]),
    ("Prices rose 3.5 percent. Analysts said so.", ["Prices rose 3.5 percent.",
                                                     "Analysts said so."]),
    ("", []),
])
def test_sentences(text: str, expected: list[str]) -> None:
    assert split(text) == expected


def test_sentence_spans_index_the_text() -> None:
    text = 'Title\n\n"Yes," he said. Mr. Ortiz agreed!  Done'
    for s, e in sentences(text):
        assert text[s:e] == text[s:e].strip()
        assert text[s:e]


@pytest.mark.parametrize(("text", "words"), [
    ("(Wirepress) - No cases were found.", "No cases were found."),
    ("OSKAR (Wirepress) - No cases were found.", "No cases were found."),
    ("OSKAR, Dec 3 (Wirepress) - Shares fell.", "Shares fell."),
    ("NEW HALDEN, Ta. —The agency said so.", "The agency said so."),
    ("OSKAR — The agency said so.", "The agency said so."),
    ("Oskar, Tarnia - The deal closed.", "The deal closed."),
    # no dateline: a label, a hyphenated word, a plain sentence
    ("Rumor: Kolm may buy Brightline.", "Rumor: Kolm may buy Brightline."),
    ("U.S.-led forces said so.", "U.S.-led forces said so."),
    ("NATO-backed units left.", "NATO-backed units left."),
    ("Officials in Osk said (Wirepress) - no.", "Officials in Osk said (Wirepress) - no."),
])
def test_a_wire_dateline_is_found_by_its_shape(text: str, words: str) -> None:
    assert text[dateline_end(text, 0):] == words
    # only where a line opens: in the middle of a paragraph it is no dateline
    inline = "It rained. " + text
    assert dateline_end(inline, len("It rained. ")) == len("It rained. ")
    assert ("Title\n" + text)[dateline_end("Title\n" + text, 6):] == words


def test_a_bare_name_loses_its_article_possessive_and_a_cut_bracket() -> None:
    assert bare_name("the ministry's") == "ministry"
    assert bare_name("the World Health Organization (WHO") == "World Health Organization"
    assert bare_name("(WHO") == "WHO"


# -- lexicon -------------------------------------------------------------------------------------

def test_lexicon_classes() -> None:
    lex = load_lexicon()
    assert lex.verb_class("deny") == "deny"
    assert lex.verb_class("dismiss") == "deny"
    assert lex.verb_class("confirm") == "confirm"
    assert lex.verb_class("believe") == "hedge"
    assert lex.verb_class("table") is None
    assert "hype" in lex.deny_words
    assert "not" in lex.negations


@pytest.mark.parametrize("text", [
    "Moscow denied it.", "The ministry DENIES the report.", "He dismissed it as hype.",
    "Kyiv confirmed the strike.", "The army acknowledges losses.", "She rejected the claim.",
    "It was refuted.", "Officials confirm it.",
])
def test_cue_regex_finds_stance_words(text: str) -> None:
    assert load_lexicon().cue_regex.search(text)


@pytest.mark.parametrize("text", ["The tanker sailed at dawn.", "Grain prices fell."])
def test_cue_regex_ignores_plain_sentences(text: str) -> None:
    assert not load_lexicon().cue_regex.search(text)


def test_every_lexicon_class_is_a_field_the_detector_reads() -> None:
    """The word lists are data (detector/data/lexicon.json); each named class is a
    Lexicon field, and some detector code reads it (lex.<class>, self.<class>)."""
    import json
    import re
    from pathlib import Path

    import detector

    root = Path(detector.__file__).parent
    classes = [k for k in json.loads((root / "data" / "lexicon.json").read_text("utf-8"))
               if not k.startswith("_")]
    fields = set(load_lexicon().__dataclass_fields__)
    code = "\n".join(p.read_text("utf-8") for p in root.glob("*.py"))
    unread = [k for k in classes if not re.search(r"\." + re.escape(k) + r"\b", code)]
    assert set(classes) <= fields, sorted(set(classes) - fields)
    assert not unread, f"lexicon classes no code reads: {unread}"
