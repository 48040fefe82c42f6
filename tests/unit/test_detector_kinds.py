"""The detector on one short text per kind of judgement error found on real news.

Each test names the kind (linking, stance from content, who, when) and holds a
fictional story written for it: the sentences are the project's own, the
kinds come from the error analysis in the README. A fix that only fitted one
news sentence would fail these.
"""

from __future__ import annotations

from typing import Any

from detector import Detector, Item, Observation, Topic

PORTS = {
    "id": "depots",
    "name": "Secret depots",
    "keywords": ["secret depot", "secret depots"],
    "parties": {
        "Kestria": ["Kestria", "Kestrian", "Kestrian foreign ministry"],
        "Veland": ["Veland", "Velandian", "Veland prosecutors"],
    },
    "claims": [{"id": "depots-abroad", "statement": "Kestria runs secret depots abroad."}],
}
TRIAL = {
    # another topic whose party alias holds a shorter alias of PORTS ("Veland")
    "id": "trial",
    "name": "The Brandt trial",
    "keywords": ["Brandt"],
    "parties": {"Veland prosecutors office": ["Veland prosecutors office", "Veland prosecutors"]},
    "claims": [{"id": "brandt-guilty", "statement": "Ivo Brandt took bribes."}],
}
FRONT = {
    "id": "front",
    "name": "The eastern front",
    "keywords": ["Velka", "Morin"],
    "parties": {"Dravonia": ["Dravonia", "Dravonian"], "Ostria": ["Ostria", "Ostrian"]},
    "claims": [
        {"id": "velka-taken", "statement": "Dravonian forces have captured Velka."},
        {"id": "morin-taken", "statement": "Dravonian forces have captured Morin."},
    ],
}
PROBE = {
    "id": "probe",
    "name": "The Aurel probe",
    "keywords": ["Aurel"],
    "parties": {"Space Agency": ["Space Agency", "the agency"]},
    "claims": [{"id": "probe-exploded", "statement": "The Aurel probe exploded during launch."}],
}
TREMORS = {
    "id": "tremors",
    "name": "Tremors at Halden",
    "keywords": ["tremors", "Halden"],
    "parties": {"Geological Survey": ["Geological Survey"]},
    "claims": [{"id": "tremors-mine",
                "statement": "The tremors recorded near Halden came from the old mine."}],
}
MERGER = {
    "id": "merger",
    "name": "Brightline and Kolm",
    "keywords": ["Kolm", "Brightline"],
    "parties": {"Market Authority": ["Market Authority", "the regulator"],
                "Brightline": ["Brightline"]},
    "claims": [{"id": "kolm-cleared",
                "statement": "The Market Authority has cleared Brightline's purchase of Kolm."}],
}


def run(nlp: Any, spec: dict[str, Any], text: str, *, others: tuple[dict[str, Any], ...] = (),
        published_at: str | None = None) -> list[Observation]:
    det = Detector([Topic.from_dict(t) for t in (spec, *others)], nlp=nlp)
    return det.detect(Item(id="k1", body=text, source="Harbour Courier",
                           published_at=published_at))


def decisive(obs: list[Observation], claim_id: str) -> set[tuple[str | None, str, str]]:
    return {(o.party, o.stance, o.when) for o in obs
            if o.claim_id == claim_id and o.stance != "report"}


def show(obs: list[Observation]) -> str:
    return "; ".join(f"{o.stance}/{o.when} by {o.party} ({o.speaker}) on {o.claim_id}"
                     for o in obs) or "no observation"


# -- who -------------------------------------------------------------------------------


def test_an_alias_of_the_items_own_topic_wins_over_a_longer_one_of_another(nlp: Any) -> None:
    obs = run(nlp, PORTS, "Veland prosecutors said on Monday that Kestria ran secret depots "
                          "in three harbours abroad.", others=(TRIAL,))
    assert decisive(obs, "depots-abroad") == {("Veland", "confirm", "current")}, show(obs)


def test_an_official_by_title_takes_the_party_of_that_title_quoted_before(nlp: Any) -> None:
    obs = run(nlp, PORTS, "Two men were charged with running a Kestrian secret depot, Veland "
                          "prosecutors said on Monday. \"Kestria runs secret depots abroad, and "
                          "this one sat in the middle of our capital,\" said Mara Quist, the "
                          "lead prosecutor in the case.")
    # and a place in what she said is where the depot was, not a denial of "abroad"
    assert ("Veland", "confirm", "current") in decisive(obs, "depots-abroad"), show(obs)
    assert not {s for _p, s, _w in decisive(obs, "depots-abroad")} & {"deny"}, show(obs)


def test_a_speaking_it_is_the_organisation_named_before_it_in_its_sentence(nlp: Any) -> None:
    obs = run(nlp, MERGER, "Brightline welcomed the review on Monday. The Market Authority "
                           "said it had cleared Brightline's purchase of Kolm, it said in a "
                           "statement.")
    assert ("Market Authority", "confirm", "current") in decisive(obs, "kolm-cleared"), show(obs)


# -- which claim -------------------------------------------------------------------------


def test_siblings_that_tie_go_to_the_claim_the_item_spoke_to_last(nlp: Any) -> None:
    obs = run(nlp, FRONT, "Dravonia's army said its forces had captured Morin after a week of "
                          "fighting. Ostrian officials rejected the Dravonian claim, saying "
                          "their units still held the town.")
    assert ("Ostria", "deny", "current") in decisive(obs, "morin-taken"), show(obs)
    assert decisive(obs, "velka-taken") == set(), show(obs)


def test_a_noun_made_from_the_claims_verb_links_the_sentence(nlp: Any) -> None:
    obs = run(nlp, PROBE, "The Space Agency said the debris was consistent with an explosion "
                          "of the Aurel probe during launch.")
    assert ("Space Agency", "confirm", "current") in decisive(obs, "probe-exploded"), show(obs)


# -- stance from content ---------------------------------------------------------------


def test_confirming_what_a_claim_takes_as_given_is_a_report(nlp: Any) -> None:
    obs = run(nlp, TREMORS, "The Geological Survey confirmed that tremors were recorded near "
                            "Halden on Tuesday.")
    assert decisive(obs, "tremors-mine") == set(), show(obs)
    obs = run(nlp, TREMORS, "The Geological Survey confirmed that the tremors recorded near "
                            "Halden came from the old mine.")
    assert decisive(obs, "tremors-mine") == {("Geological Survey", "confirm", "current")}, \
        show(obs)


def test_rejecting_the_allegations_and_calling_them_names_is_a_denial(nlp: Any) -> None:
    obs = run(nlp, PORTS, "Kestria runs secret depots abroad, a report by a rights group "
                          "said. The Kestrian foreign ministry has rejected the allegations, "
                          "calling them misleading.")
    assert ("Kestria", "deny", "current") in decisive(obs, "depots-abroad"), show(obs)


def test_a_partys_own_decision_is_its_stance_on_a_claim_about_that_decision(nlp: Any) -> None:
    obs = run(nlp, MERGER, "The Market Authority has blocked Brightline's purchase of Kolm "
                           "over concerns about prices.")
    assert decisive(obs, "kolm-cleared") == {("Market Authority", "deny", "current")}, show(obs)
    obs = run(nlp, MERGER, "Brightline's purchase of Kolm was approved by the Market Authority "
                           "on Friday.")
    assert decisive(obs, "kolm-cleared") == {("Market Authority", "confirm", "current")}, \
        show(obs)


def test_a_party_narrated_doing_something_else_while_saying_it_is_a_report(nlp: Any) -> None:
    obs = run(nlp, MERGER, "The Market Authority opened a review of Brightline's purchase of "
                           "Kolm, saying it wanted more time to hear from rival grocers.")
    assert decisive(obs, "kolm-cleared") == set(), show(obs)


def test_an_unnamed_thing_officially_confirming_is_no_outlets_confirmation(nlp: Any) -> None:
    obs = run(nlp, FRONT, "The footage went viral, officially confirming that Dravonian forces "
                          "have captured Morin.")
    assert decisive(obs, "morin-taken") == set(), show(obs)


# -- when ------------------------------------------------------------------------------


def test_recaps_are_earlier_stances(nlp: Any) -> None:
    obs = run(nlp, FRONT, "Ostria now says its units left Morin. That followed a rejection by "
                          "Ostria of the Dravonian claim that its forces had captured Morin.")
    assert ("Ostria", "deny", "current") not in decisive(obs, "morin-taken"), show(obs)
    obs = run(nlp, PORTS, "That statement counters the initial story last week, in which the "
                          "Kestrian foreign ministry said Kestria runs secret depots abroad.")
    assert ("Kestria", "confirm", "current") not in decisive(obs, "depots-abroad"), show(obs)


def test_a_stance_dated_days_before_its_item_is_a_recap(nlp: Any) -> None:
    text = ("The Kestrian foreign ministry confirmed on June 2 that Kestria runs secret depots "
            "abroad.")
    assert decisive(run(nlp, PORTS, text, published_at="2024-07-10"), "depots-abroad") == \
        {("Kestria", "confirm", "earlier")}
    assert decisive(run(nlp, PORTS, text, published_at="2024-06-03"), "depots-abroad") == \
        {("Kestria", "confirm", "current")}


def test_a_headline_that_names_its_speaker_before_a_colon_is_their_statement(nlp: Any) -> None:
    obs = run(nlp, MERGER, "Market Authority chair Ines Varga: Brightline's purchase of Kolm "
                           "has not been cleared")
    assert decisive(obs, "kolm-cleared") == {("Market Authority", "deny", "current")}, show(obs)
    obs = run(nlp, MERGER, "Brightline: Kolm talks")
    assert decisive(obs, "kolm-cleared") == set(), show(obs)


def test_a_pinned_claim_in_other_words_takes_the_statement_no_new_claim_opens(nlp: Any) -> None:
    obs = run(nlp, FRONT, "Ostria denied that Dravonians have taken Morin.")
    assert decisive(obs, "morin-taken") == {("Ostria", "deny", "current")}, show(obs)
    assert {o.claim_id for o in obs} <= {"morin-taken", "velka-taken"}, show(obs)


def test_he_is_the_titled_person_named_last_not_an_earlier_one(nlp: Any) -> None:
    obs = run(nlp, FRONT, "Dravonian commander Ivo Marek said his units had captured Morin. "
                          "But the spokesman for Ostria's eastern command, Petr Halas, "
                          "countered the claim. He said: \"Dravonians say Morin is theirs, it "
                          "is not true.\"")
    stances = decisive(obs, "morin-taken")
    assert ("Dravonia", "deny", "current") not in stances, show(obs)
    assert ("Ostria", "deny", "current") in stances, show(obs)


# -- found on news-dev, 2026-12-07 ------------------------------------------------------

BOARD = {
    "id": "board",
    "name": "Leadership of Veland Bank",
    "keywords": ["Veland Bank", "Mira Holt"],
    "parties": {"Veland Bank": ["Veland Bank", "the bank"], "Mira Holt": ["Mira Holt", "Holt"]},
    "claims": [{"id": "holt-returns",
                "statement": "Mira Holt will return as Veland Bank's chief executive."}],
}
PAYMENTS = {
    "id": "payments",
    "name": "Kade's payments",
    "keywords": ["Kade", "Oren Dace"],
    "parties": {"Lio Kade": ["Lio Kade", "Kade"], "Oren Dace": ["Oren Dace", "Dace"]},
    "claims": [{"id": "kade-paid", "statement": "Lio Kade knowingly paid Oren Dace's debts."}],
}
HARBOUR = {
    "id": "harbour",
    "name": "Tarn harbour closure",
    "keywords": ["Tarn harbour"],
    "parties": {"Port Authority": ["Port Authority", "the authority"]},
}


def test_a_trailing_attribution_hung_under_its_clause_still_reads_that_clause(nlp: Any) -> None:
    # the parser makes "says" an adverbial clause of "return": what the memo says is the
    # main clause, and it negates the claim
    obs = run(nlp, BOARD, "Mira Holt will not return as chief executive of Veland Bank, a "
                          "memo to staff says - with deputy Ana Roth set to take over.")
    stances = {s for _p, s, _w in decisive(obs, "holt-returns")}
    assert "confirm" not in stances, show(obs)
    assert "deny" in stances, show(obs)


def test_he_is_the_person_whose_story_the_sentence_names(nlp: Any) -> None:
    # "Dace" is listed as the surname of a person; "he" is Dace, named in the sentence
    # before "he", not Kade, who spoke last
    obs = run(nlp, PAYMENTS, "Kade denied it on Monday. That account contradicts Dace’s "
                             "first story last week to a radio station, in which he said Kade "
                             "knowingly paid his debts.")
    stances = decisive(obs, "kade-paid")
    assert ("Oren Dace", "confirm", "earlier") in stances, show(obs)
    assert not any(p == "Lio Kade" and s == "confirm" for p, s, _w in stances), show(obs)


def test_a_body_cut_off_mid_sentence_opens_no_claim_on_the_cut_words(nlp: Any) -> None:
    whole = run(nlp, HARBOUR, "Tarn harbour stayed shut on Monday. The Port Authority "
                              "confirmed that the harbour would reopen on Friday.")
    assert [o.claim_text for o in whole] == ["The harbour would reopen on Friday"], show(whole)
    for cut in ("would reop", "would reopen on Fri\u2026"):
        obs = run(nlp, HARBOUR, "Tarn harbour stayed shut on Monday. The Port Authority "
                                f"confirmed that the harbour {cut}")
        assert obs == [], [o.claim_text for o in obs]


SHELLING = {
    "id": "shelling",
    "name": "Shelling of Velka",
    "keywords": ["Velka"],
    "parties": {"Dravonia": ["Dravonia", "Dravonian", "Sorvik"],
                "Ostria": ["Ostria", "Ostrian"]},
    "claims": [{"id": "velka-shelled",
                "statement": "Ostrian artillery shelled the port of Velka."}],
}


def test_a_party_and_its_demonym_are_one_name_of_a_claim(nlp: Any) -> None:
    # "Ostria" holds the claim's "Ostrian"; a city the other party goes by is not
    # a name of Ostria, nor is the other party
    det = Detector([Topic.from_dict(SHELLING)], nlp=nlp)

    def score(text: str) -> float:
        return det.linker.score(det.linker.terms(nlp(text)), "velka-shelled")

    assert score("Ostria shelled the port.") == score("Ostrian guns shelled the port.") > 0.5
    assert score("Dravonia shelled the port.") == 0.0
    assert score("Sorvik shelled the port.") == 0.0


BETS = {
    "id": "bets",
    "name": "Kade's betting",
    "keywords": ["Kade", "Oren Dace"],
    "parties": {"Lio Kade": ["Lio Kade", "Kade"], "Oren Dace": ["Oren Dace", "Dace"]},
    "claims": [{"id": "kade-bet", "statement": "Lio Kade bet on football."}],
}


def test_a_quote_that_goes_on_after_its_attribution_is_still_its_speakers(nlp: Any) -> None:
    obs = run(nlp, BETS, "Oren Dace spoke to a radio station on Tuesday. “I lost the money "
                         "myself and I am ashamed of it,” said Dace. “It was my mistake. I want "
                         "everyone to know Lio had zero part in betting on football.”\n\n"
                         "The club said it was reviewing the matter.")
    assert ("Oren Dace", "deny", "current") in decisive(obs, "kade-bet"), show(obs)
    # the publisher's words after a quote are nobody's quote, and a quote after them is
    # not the earlier speaker's by default
    obs = run(nlp, BETS, "“I lost the money myself,” said Dace. The report added: Kade bet on "
                         "football.")
    assert decisive(obs, "kade-bet") == set(), show(obs)
    text = ("Oren Dace spoke on Tuesday. “I lost the money myself,” said Dace. {} “Kade had "
            "zero part in betting on football.”")
    obs = run(nlp, BETS, text.format(""))
    assert ("Oren Dace", "deny", "current") in decisive(obs, "kade-bet"), show(obs)
    obs = run(nlp, BETS, text.format("The club was founded in a harbour town."))
    assert not any(p == "Oren Dace" for p, _s, _w in decisive(obs, "kade-bet")), show(obs)


TANKER = {
    "id": "tanker",
    "name": "The Mira Star",
    "keywords": ["Mira Star"],
    "parties": {"Veland": ["Veland", "Velandian"], "Kestria": ["Kestria", "Kestrian"]},
    "claims": [{"id": "mira-seized",
                "statement": "Velandian forces seized the Kestrian tanker Mira Star."}],
}


def test_a_statement_on_another_event_with_the_same_names_is_not_on_the_claim(
        nlp: Any) -> None:
    # holding the crew (the "hold" class) is another event than seizing the ship
    # (the "retake" class), though every name of the claim is there
    obs = run(nlp, TANKER, "Veland acknowledged on Wednesday that it was holding the 12 crew "
                           "members of the Kestrian tanker Mira Star.")
    assert decisive(obs, "mira-seized") == set(), show(obs)
    obs = run(nlp, TANKER, "Veland acknowledged on Wednesday that its forces had seized the "
                           "Kestrian tanker Mira Star.")
    assert ("Veland", "confirm", "current") in decisive(obs, "mira-seized"), show(obs)


def test_a_town_still_fought_for_has_not_been_captured(nlp: Any) -> None:
    # what the defender says goes on there contradicts the claim that the town fell,
    # though "said" alone would confirm it
    for text in ("Ostrian officials said on Thursday that their soldiers were still "
                 "defending Velka against Dravonian assaults.",
                 "Ostria's general staff said its units continue to repel attacks in Velka."):
        obs = run(nlp, FRONT, text)
        assert decisive(obs, "velka-taken") == {("Ostria", "deny", "current")}, show(obs)
    # content that holds the claim's own verb is the claim, whatever still goes on
    obs = run(nlp, FRONT, "Ostrian officials said Dravonian forces had captured Velka, though "
                          "some of their soldiers were still fighting in the outskirts.")
    assert decisive(obs, "velka-taken") == {("Ostria", "confirm", "current")}, show(obs)


def test_a_town_another_party_still_holds_has_not_been_captured(nlp: Any) -> None:
    # "control" is the capture's own word, and "said" alone confirms: the defender
    # holding the town denies that it fell
    for text in ("The Ostrian army said its troops still controlled Velka.",
                 "Ostrian commanders said their units were still holding the centre of Velka.",
                 "Ostria's general staff said Velka remained under Ostrian control.",
                 "An Ostrian officer said Velka was still held by Ostrian troops."):
        obs = run(nlp, FRONT, text)
        assert decisive(obs, "velka-taken") == {("Ostria", "deny", "current")}, show(obs)
    # the party the claim says took it holding it confirms; holding no place is no stance
    obs = run(nlp, FRONT, "Dravonia said its forces now controlled Velka.")
    assert decisive(obs, "velka-taken") == {("Dravonia", "confirm", "current")}, show(obs)
    obs = run(nlp, FRONT, "Ostria said it was still holding the crew of a Dravonian supply "
                          "truck near Velka.")
    assert decisive(obs, "velka-taken") == set(), show(obs)


def test_a_party_named_inside_a_quote_is_not_its_speaker(nlp: Any) -> None:
    obs = run(nlp, FRONT, "Dravonia's army said its forces had captured Velka. \"As for the "
                          "storming of the quarters of Velka occupied by Ostrian troops, this "
                          "task was attained by the volunteers,\" it added.")
    assert decisive(obs, "velka-taken") == {("Dravonia", "confirm", "current")}, show(obs)


CABLES = {
    "id": "cables",
    "name": "Cables at Lorne",
    "keywords": ["Lorne harbour", "spy ship"],
    "parties": {"Kestria": ["Kestria", "Kestrian", "Kestrian foreign ministry"],
                "Veland": ["Veland", "Velandian", "Veland's defence ministry"]},
    "claims": [{"id": "cables-mapped",
                "statement": "A Kestrian spy ship mapped cables near Lorne harbour."}],
}


def test_a_verdict_on_the_claim_is_a_denial_or_a_confirmation(nlp: Any) -> None:
    # what the party said is that the report is false: "said" alone would confirm it
    for text in ("Kestria said the report about a spy ship near Lorne harbour was false.",
                 "The Kestrian foreign ministry said the story of a spy ship at Lorne harbour "
                 "was \"completely made up\".",
                 "The claims that a Kestrian spy ship mapped cables near Lorne harbour are "
                 "\"lies\", the Kestrian foreign ministry said.",
                 "\"This is completely false,\" the Kestrian foreign ministry said of reports "
                 "that a spy ship mapped cables near Lorne harbour."):
        obs = run(nlp, CABLES, text)
        assert decisive(obs, "cables-mapped") == {("Kestria", "deny", "current")}, \
            f"{text}: {show(obs)}"
    obs = run(nlp, CABLES, "Veland said reports that a Kestrian spy ship mapped cables near "
                           "Lorne harbour were accurate.")
    assert decisive(obs, "cables-mapped") == {("Veland", "confirm", "current")}, show(obs)


def test_yet_to_confirm_confirms_nothing(nlp: Any) -> None:
    for text in ("Veland has yet to confirm reports that a Kestrian spy ship mapped cables "
                 "near Lorne harbour.",
                 "Veland is yet to verify reports that a Kestrian spy ship mapped cables near "
                 "Lorne harbour."):
        obs = run(nlp, CABLES, text)
        assert decisive(obs, "cables-mapped") == set(), f"{text}: {show(obs)}"


def test_a_spokesperson_for_a_party_speaks_for_it(nlp: Any) -> None:
    # unnamed, but on the record: the party's voice, not an anonymous source
    obs = run(nlp, CABLES, "A spokesperson for the Kestrian foreign ministry said the story "
                           "about a spy ship near Lorne harbour was false.")
    assert decisive(obs, "cables-mapped") == {("Kestria", "deny", "current")}, show(obs)
    obs = run(nlp, CABLES, "A Kestrian official, speaking on condition of anonymity, said the "
                           "story about a spy ship near Lorne harbour was false.")
    assert decisive(obs, "cables-mapped") == set(), show(obs)


def test_a_sentence_with_only_the_parties_names_is_not_on_the_claim(nlp: Any) -> None:
    # the parties are in every sentence of the topic; the claim's own names or verb decide
    det = Detector([Topic.from_dict(TANKER)], nlp=nlp)

    def score(text: str) -> float:
        return det.linker.score(det.linker.terms(nlp(text)), "mira-seized")

    assert score("Kestrian officials refused to confirm troop movements near the Velandian "
                 "border.") == 0.0
    assert score("Velandian forces seized the Kestrian tanker on Sunday.") >= 0.5


def test_a_claim_pointed_back_to_is_one_a_sentence_named_not_a_tie(nlp: Any) -> None:
    # the second sentence fits Velka and Morin alike; "the Dravonian claim" is the one
    # the first named
    obs = run(nlp, FRONT, "Dravonian forces have captured Velka, the Dravonian army said on "
                          "Friday. Dravonian state media said the town came under full "
                          "Dravonian control on Saturday. Ostria's deputy defence minister said "
                          "heavy shelling was going on across the region. An Ostrian army "
                          "spokesman told reporters that the Dravonian claim was not true.")
    assert ("Ostria", "deny", "current") in decisive(obs, "velka-taken"), show(obs)
    assert ("Ostria", "deny", "current") not in decisive(obs, "morin-taken"), show(obs)


PLANT = {
    "id": "plant",
    "name": "The Brookfield plant",
    "keywords": ["Brookfield plant"],
    "parties": {"Halden Motors": ["Halden Motors", "Halden", "the carmaker"],
                "Union of Auto Workers": ["Union of Auto Workers", "the union"]},
    "claims": [{"id": "plant-close",
                "statement": "Halden Motors will close its Brookfield plant."}],
}


def test_would_after_a_past_reporting_verb_is_will_not_a_hedge(nlp: Any) -> None:
    obs = run(nlp, PLANT, "Halden Motors said on Monday it would close the Brookfield plant.")
    assert decisive(obs, "plant-close") == {("Halden Motors", "confirm", "current")}, show(obs)
    # a condition keeps it a hedge
    obs = run(nlp, PLANT, "Halden Motors said it would close the Brookfield plant if sales "
                          "fell again.")
    assert decisive(obs, "plant-close") == set(), show(obs)


def test_the_opposite_of_the_claims_verb_denies_it(nlp: Any) -> None:
    for text in ("Halden Motors said the Brookfield plant would remain open.",
                 "Halden Motors said it would keep the Brookfield plant open."):
        obs = run(nlp, PLANT, text)
        assert decisive(obs, "plant-close") == {("Halden Motors", "deny", "current")}, \
            f"{text}: {show(obs)}"
    # a predicate that is no opposite ("remain the largest") says nothing against it
    obs = run(nlp, PLANT, "Halden Motors said the Brookfield plant would remain its largest "
                          "in the north.")
    assert ("Halden Motors", "deny", "current") not in decisive(obs, "plant-close"), show(obs)


def test_ruling_out_what_the_claim_says_denies_it(nlp: Any) -> None:
    obs = run(nlp, PLANT, "Halden Motors has ruled out a closure of the Brookfield plant.")
    assert decisive(obs, "plant-close") == {("Halden Motors", "deny", "current")}, show(obs)
    obs = run(nlp, PLANT, "Halden Motors has not ruled out a closure of the Brookfield plant.")
    assert decisive(obs, "plant-close") == set(), show(obs)


def test_a_statement_that_fits_two_siblings_alike_joins_the_one_the_item_is_on(
        nlp: Any) -> None:
    # "the storming of the town" fits Velka and Morin alike: the item is on Morin
    obs = run(nlp, FRONT, "Dravonian forces have captured Morin, the Dravonian army said on "
                          "Friday. A Dravonian commander stressed that only Dravonian troops had "
                          "taken part in the storming of the town.")
    assert {o.claim_id for o in obs} == {"morin-taken"}, show(obs)


HACK = {
    "id": "hack",
    "name": "Grid hack",
    "keywords": ["grid", "cyberattack"],
    "parties": {"Lisnia": ["Lisnia", "Lisnian", "Lisnian government"],
                "Morvath": ["Morvath", "Morvathi", "Morvathi foreign ministry"]},
    "claims": [{"id": "grid-hack",
                "statement": "Morvathi hackers caused the blackout on the Lisnian power grid."}],
}


def test_denying_involvement_and_blaming_are_stances(nlp: Any) -> None:
    for text, want in (
            ("Morvath denied any involvement in the cyberattack on the Lisnian grid.",
             ("Morvath", "deny", "current")),
            ("\"Morvath has nothing to do with the blackout,\" Morvath's foreign ministry "
             "said of the grid cyberattack.", ("Morvath", "deny", "current")),
            ("Lisnia blamed Morvathi hackers for the blackout on its power grid.",
             ("Lisnia", "confirm", "current")),
            ("The Morvathi foreign ministry called the accusations about the grid attack "
             "\"groundless\".", ("Morvath", "deny", "current"))):
        obs = run(nlp, HACK, text)
        assert decisive(obs, "grid-hack") == {want}, f"{text}: {show(obs)}"


DRUG = {
    "id": "drug",
    "name": "Velotinib safety",
    "keywords": ["velotinib"],
    "parties": {"Medrix": ["Medrix", "the drugmaker"],
                "Medicines Agency": ["Medicines Agency", "the regulator"]},
    "claims": [{"id": "liver",
                "statement": "Velotinib caused liver damage in trial patients."}],
}


def test_what_a_company_is_quoted_as_doing_and_unrelated_harm_are_its_stances(
        nlp: Any) -> None:
    for text, want in (
            ("A Medrix spokeswoman said the company \"strongly disagrees\" with claims that "
             "velotinib caused liver damage.", ("Medrix", "deny", "current")),
            ("Medrix said the liver damage seen in the trial was unrelated to velotinib.",
             ("Medrix", "deny", "current")),
            ("The regulator concluded that velotinib was responsible for the liver damage in "
             "trial patients.", ("Medicines Agency", "confirm", "current"))):
        obs = run(nlp, DRUG, text)
        assert decisive(obs, "liver") == {want}, f"{text}: {show(obs)}"


SIGNING = {
    "id": "signing",
    "name": "Reyna transfer",
    "keywords": ["Reyna", "Lindholm"],
    "parties": {"FC Lindholm": ["FC Lindholm", "Lindholm", "the club"],
                "Tomas Reyna": ["Tomas Reyna", "Reyna"]},
    "claims": [{"id": "signed", "statement": "Tomas Reyna has signed for FC Lindholm."}],
}


def test_when_a_stance_was_taken_before_the_item(nlp: Any) -> None:
    for text, want in (
            ("Last week FC Lindholm dismissed reports that Reyna had signed.",
             ("FC Lindholm", "deny", "earlier")),
            ("Two months ago FC Lindholm dismissed reports that Reyna had signed.",
             ("FC Lindholm", "deny", "earlier")),
            ("Reyna, who in March denied that he had signed for Lindholm, has now joined "
             "the squad for training.", ("Tomas Reyna", "deny", "earlier"))):
        obs = run(nlp, SIGNING, text)
        assert decisive(obs, "signed") == {want}, f"{text}: {show(obs)}"


def test_denying_the_plan_denies_the_fact(nlp: Any) -> None:
    # a confirmation of "would sign" is only a plan; a denial of it denies the signing
    obs = run(nlp, SIGNING, "Reyna denied on Monday that he would sign for Lindholm.")
    assert decisive(obs, "signed") == {("Tomas Reyna", "deny", "current")}, show(obs)


def test_a_finding_confirms_and_a_subjectless_denial_is_the_speakers(nlp: Any) -> None:
    obs = run(nlp, DRUG, "In a report published on Thursday, the regulator found that "
                         "velotinib caused liver damage in trial patients.")
    assert decisive(obs, "liver") == {("Medicines Agency", "confirm", "current")}, show(obs)
    obs = run(nlp, DRUG, "Investigators found the trial records in a locked office, the "
                         "regulator said.")
    assert decisive(obs, "liver") == set(), show(obs)
    # the claim is the speaker's doing: "any role" is Morvath's, though Lisnia goes unnamed
    obs = run(nlp, HACK, "Morvath had initially denied any role in the grid cyberattack.")
    assert decisive(obs, "grid-hack") == {("Morvath", "deny", "earlier")}, show(obs)


def test_a_pronoun_after_a_sentence_whose_subject_is_a_party_is_that_party(nlp: Any) -> None:
    # no statement before the pronoun: the party the last sentence was about speaks
    obs = run(nlp, DRUG, "The Medicines Agency has finished its review of the velotinib "
                         "trial. It concluded that velotinib caused liver damage in trial "
                         "patients.")
    assert decisive(obs, "liver") == {("Medicines Agency", "confirm", "current")}, show(obs)
    # and "that" points back to the claim the item mentioned before it
    obs = run(nlp, SIGNING, "Reyna was asked about reports that he had signed for Lindholm. "
                            "\"That is not true,\" he said.")
    assert decisive(obs, "signed") == {("Tomas Reyna", "deny", "current")}, show(obs)


def test_the_player_is_the_person_the_item_is_about(nlp: Any) -> None:
    obs = run(nlp, SIGNING, "Reyna scored twice on Saturday. The player later denied that he "
                            "had signed for Lindholm.")
    assert decisive(obs, "signed") == {("Tomas Reyna", "deny", "current")}, show(obs)
    # a club is no person, though it goes by its last word; and reports "in" a place are
    # not the place's
    obs = run(nlp, SIGNING, "Reports in Lindholm said Reyna had signed. The player denied "
                            "them on Sunday.")
    assert ("FC Lindholm", "deny", "current") not in decisive(obs, "signed"), show(obs)


def test_i_in_a_partys_quote_is_the_party(nlp: Any) -> None:
    # the quote goes on without the party's name: its "I" is the speaker, so the
    # sentence is on the claim about the speaker
    obs = run(nlp, BETS, "\"Oren has been lying to everyone,\" Kade said through a translator. "
                         "\"I never placed a bet on football in my life.\"")
    assert ("Lio Kade", "deny", "current") in decisive(obs, "kade-bet"), show(obs)


def test_what_a_party_says_was_lied_about_is_denied(nlp: Any) -> None:
    obs = run(nlp, BETS, "Kade said Dace lied to reporters about Kade betting on football.")
    assert decisive(obs, "kade-bet") == {("Lio Kade", "deny", "current")}, show(obs)


RESIGNATION = {
    "id": "resignation",
    "name": "The Corvo resignation",
    "keywords": ["Corvo"],
    "parties": {"Elena Corvo": ["Elena Corvo", "Corvo"],
                "Tarsian government": ["Tarsian government", "prime minister's office"]},
    "claims": [{"id": "resigned", "statement": "Elena Corvo has resigned as finance minister."}],
}
TAKEOVER = {
    "id": "takeover",
    "name": "Brightwell and Norvale",
    "keywords": ["Brightwell", "Norvale"],
    "parties": {"Brightwell Bank": ["Brightwell Bank", "Brightwell", "the bank"],
                "Norvale Insurance": ["Norvale Insurance", "Norvale"]},
    "claims": [{"id": "buys", "statement": "Brightwell Bank will acquire Norvale Insurance."}],
}


def test_a_pronoun_that_is_the_speaker_names_the_claims_subject(nlp: Any) -> None:
    # the sentence names only her surname and the claim's verb: "she" is Corvo, so the
    # sentence holds the claim's subject and links to it
    for text in ("Corvo said she would not resign.",
                 "Corvo said she had no intention of resigning."):
        obs = run(nlp, RESIGNATION, text)
        assert decisive(obs, "resigned") == {("Elena Corvo", "deny", "current")}, show(obs)
    # "he" after a minister is the minister, not the government the claim may name
    obs = run(nlp, RESIGNATION, "A Tarsian government minister said he would not resign.")
    assert decisive(obs, "resigned") == set(), show(obs)


def test_a_plan_given_up_is_denied_and_one_kept_is_confirmed(nlp: Any) -> None:
    for text in ("Brightwell Bank has abandoned its plan to acquire Norvale Insurance, the "
                 "bank said on Thursday.",
                 "Brightwell said it had called off the takeover of Norvale.",
                 "Brightwell said it had walked away from the deal to buy Norvale.",
                 "Brightwell said it had pulled out of the takeover of Norvale."):
        obs = run(nlp, TAKEOVER, text)
        assert decisive(obs, "buys") == {("Brightwell Bank", "deny", "current")}, show(obs)
    obs = run(nlp, TAKEOVER, "Brightwell Bank said it would not drop its bid for Norvale.")
    assert decisive(obs, "buys") == {("Brightwell Bank", "confirm", "current")}, show(obs)


def test_people_of_a_side_do_not_speak_for_it(nlp: Any) -> None:
    for text in ("Dravonian war bloggers claimed that Dravonian forces had captured Velka.",
                 "Dravonian residents said Dravonian forces had captured Velka."):
        obs = run(nlp, FRONT, text)
        assert decisive(obs, "velka-taken") == set(), show(obs)
    # its officials and commanders do
    obs = run(nlp, FRONT, "Dravonian commanders said their forces had captured Velka.")
    assert decisive(obs, "velka-taken") == {("Dravonia", "confirm", "current")}, show(obs)


def test_a_quote_that_is_only_a_verdict_is_on_the_claim_spoken_of_before(nlp: Any) -> None:
    for quote in ("Nonsense", "Utter lies", "Pure invention"):
        obs = run(nlp, FRONT, f"Dravonia's army said its forces had captured Velka. \"{quote},\" "
                              "an Ostrian army spokesman said.")
        assert ("Ostria", "deny", "current") in decisive(obs, "velka-taken"), show(obs)


def test_saying_one_will_not_discuss_it_is_a_refusal_not_a_denial(nlp: Any) -> None:
    obs = run(nlp, FRONT, "Asked whether Velka had fallen to Dravonian forces, the Ostrian "
                          "defence minister said he would not discuss military matters.")
    assert decisive(obs, "velka-taken") == set(), show(obs)


def test_who_left_a_town_or_threw_back_its_attackers(nlp: Any) -> None:
    # the defender pulling out concedes the capture; the attacker pulling out, or the
    # defender saying the assaults were repelled, denies it
    obs = run(nlp, FRONT, "The Ostrian army said its troops had pulled out of Velka to avoid "
                          "encirclement.")
    assert decisive(obs, "velka-taken") == {("Ostria", "confirm", "current")}, show(obs)
    obs = run(nlp, FRONT, "Dravonia said its troops had withdrawn from Velka.")
    assert decisive(obs, "velka-taken") == {("Dravonia", "deny", "current")}, show(obs)
    obs = run(nlp, FRONT, "The Ostrian army said Dravonian assaults on Velka had been repelled.")
    assert decisive(obs, "velka-taken") == {("Ostria", "deny", "current")}, show(obs)
    # "taken" is the capture in a plain word
    obs = run(nlp, FRONT, "Dravonia said its forces had taken Velka.")
    assert decisive(obs, "velka-taken") == {("Dravonia", "confirm", "current")}, show(obs)


def test_a_spokesman_named_by_the_partys_common_noun_is_its_official(nlp: Any) -> None:
    # the club is "the club" in the user's aliases: "a club spokesman" speaks for it
    obs = run(nlp, SIGNING, "A club spokesman said Reyna had not signed for Lindholm.")
    assert decisive(obs, "signed") == {("FC Lindholm", "deny", "current")}, show(obs)


def test_the_player_is_the_listed_person_named_last(nlp: Any) -> None:
    # Reyna is named only inside what the reports said, and no entity says he is a person
    obs = run(nlp, SIGNING, "Reports in Varna said Reyna had signed for FC Lindholm. The "
                            "player denied them on Sunday.")
    assert decisive(obs, "signed") == {("Tomas Reyna", "deny", "current")}, show(obs)


FORMULA = {
    "id": "formula",
    "name": "Veltra formula",
    "keywords": ["Veltra"],
    "parties": {"Veltra Foods": ["Veltra Foods", "Veltra"],
                "Food Safety Authority": ["Food Safety Authority", "the regulator"]},
    "claims": [{"id": "recalled", "statement": "Veltra Foods recalled its infant formula."}],
}


def test_the_claims_event_named_by_a_noun_is_the_claim(nlp: Any) -> None:
    # "the recall" is all that was confirmed: too few of the claim's words to link by
    # themselves, but it is the claim's own event, in a sentence on that claim
    obs = run(nlp, FORMULA, "A Veltra spokeswoman confirmed the recall.")
    assert decisive(obs, "recalled") == {("Veltra Foods", "confirm", "current")}, show(obs)


def test_a_verdict_on_claims_the_parser_hung_over_its_clause(nlp: Any) -> None:
    # parsed as "said claims [that X were fiction]" (the noun, or a verb, over the clause):
    # the clause is still a verdict on the claim, a denial, not the speaker's confirmation
    obs = run(nlp, CABLES, "Kestria's navy chief said claims that a spy ship mapped cables "
                           "near Lorne harbour were \"pure fiction\".")
    assert decisive(obs, "cables-mapped") == {("Kestria", "deny", "current")}, show(obs)


MINT = {
    # no pinned claim: what a party denies here is a claim the monitor opens itself
    "id": "mint",
    "name": "The Ravena currency",
    "keywords": ["ravel", "Ravena"],
    "parties": {"Central Bank of Ravena": ["Central Bank of Ravena", "the central bank",
                                           "Governor Piet Vos"]},
}


def test_a_verdict_on_the_reports_a_party_names_is_its_explicit_denial(nlp: Any) -> None:
    # "there was no truth to reports that X" and "said reports that X were false" deny X
    # as firmly as "dismissed reports that X": the claim is X (never the verdict's words,
    # nor a tail the parser hung on X), and it is in question at once, so the denial
    # stands on a claim the monitor discovered (a plain "said" would only be a report)
    for text in ("The Central Bank of Ravena said on Monday there was no truth to reports "
                 "that it was preparing to devalue the ravel.",
                 "The Central Bank of Ravena said on Monday that reports that it was "
                 "preparing to devalue the ravel were false.",
                 "Governor Piet Vos said there was no basis for claims that the ravel would "
                 "be devalued, contradicting the finance minister.",
                 "The Central Bank of Ravena on Monday dismissed reports that it was "
                 "preparing to devalue the ravel."):
        obs = run(nlp, MINT, text)
        denials = [o for o in obs if o.stance == "deny"]
        assert [o.party for o in denials] == ["Central Bank of Ravena"], f"{text}: {show(obs)}"
        said = denials[0].claim_text.lower()
        assert "devalue" in said and not any(w in said for w in (
            "truth", "basis", "false", "reports", "claims", "contradict")), said
    # without a claim noun the same words only say what the speaker said
    obs = run(nlp, MINT, "The Central Bank of Ravena said there was no queue at its "
                         "branches in the capital on Monday.")
    assert all(o.stance != "deny" or "queue" in o.claim_text.lower() for o in obs), show(obs)
    # and on a pinned claim the verdict denies it
    obs = run(nlp, CABLES, "The Kestrian foreign ministry said there was no truth to reports "
                           "that a spy ship mapped cables near Lorne harbour.")
    assert decisive(obs, "cables-mapped") == {("Kestria", "deny", "current")}, show(obs)


FLEET = {
    "id": "fleet",
    "name": "The Aerion jets",
    "keywords": ["Aerion"],
    "parties": {"Civil Aviation Authority": ["Civil Aviation Authority", "the authority",
                                             "Director Ana Pell"]},
}


def test_a_partys_own_act_done_confirms_the_claim_it_opens(nlp: Any) -> None:
    # what a party says it has done (grounded, declared, ordered: an act that is news in
    # itself) puts the claim in question at once, as "confirmed" does; its plans, its
    # acts not done, and its plain remarks stay reports on a claim the monitor opened
    for text in ("The Civil Aviation Authority on Thursday grounded all 38 Aerion jets "
                 "registered in the country, Director Ana Pell told reporters.",
                 "The Civil Aviation Authority said it had grounded all 38 Aerion jets "
                 "registered in the country.",
                 # officials it names no other party of are the speaker's own side
                 "Authorities grounded all 38 Aerion jets registered in the country, the "
                 "Civil Aviation Authority said."):
        obs = run(nlp, FLEET, text)
        assert [(o.party, o.stance) for o in obs] == [
            ("Civil Aviation Authority", "confirm")], f"{text}: {show(obs)}"
        assert "grounded all 38 aerion jets" in obs[0].claim_text.lower(), obs[0].claim_text
    for text in ("The Civil Aviation Authority said it would ground all 38 Aerion jets "
                 "registered in the country.",
                 "The Civil Aviation Authority said it had not grounded the Aerion jets "
                 "registered in the country.",
                 "The Civil Aviation Authority said its review of the Aerion jets would "
                 "continue next week.",
                 "The Civil Aviation Authority said airlines had grounded all 38 Aerion "
                 "jets registered in the country."):
        obs = run(nlp, FLEET, text)
        assert all(o.stance != "confirm" for o in obs), f"{text}: {show(obs)}"


PORT = {
    "id": "port",
    "name": "The Calloway port outage",
    "keywords": ["Calloway"],
    "parties": {"Calloway Port Authority": ["Calloway Port Authority", "the port authority"]},
}


def test_a_claim_opened_by_a_denial_in_content_is_what_was_denied(nlp: Any) -> None:
    # "insisted it had not been hit" denies that it had been hit: the claim the monitor
    # opens says so, so a later "acknowledged it had been hit" confirms that claim and
    # no alert ever reads "confirmed: ... had not been hit"
    det = Detector([Topic.from_dict(PORT)], nlp=nlp)
    first = det.detect(Item(id="p1", body="The Calloway Port Authority insisted on Monday "
                                          "that it had not been hit by a cyberattack.",
                            source="Harbour Courier"))
    # a plain "insisted ... not" puts no claim in question by itself (on real news such
    # negations are mostly asides: "did not survive", "was not following"): a report
    assert [(o.party, o.stance) for o in first] == [("Calloway Port Authority", "report")], \
        show(first)
    text = first[0].claim_text
    assert "had been hit by a cyberattack" in text and " not " not in text, text
    then = det.detect(Item(id="p2", body="The Calloway Port Authority acknowledged on "
                                         "Wednesday that it had been hit by a cyberattack.",
                           source="Harbour Courier"))
    assert [(o.claim_id, o.stance) for o in then] == [(first[0].claim_id, "confirm")], \
        show(then)
    # a plan denied keeps its words: "would not" is no claim that it would
    obs = det.detect(Item(id="p3", body="The Calloway Port Authority said it would not "
                                        "close the container terminals at Calloway.",
                          source="Harbour Courier"))
    assert all("would not close" in o.claim_text for o in obs), show(obs)


TRUCE = {
    "id": "truce",
    "name": "The Amaru truce",
    "keywords": ["Amaru", "ceasefire", "truce"],
    "parties": {"Amaru government": ["Amaru government", "Amaru's government"],
                "Northern Front": ["Northern Front", "the rebels"]},
}


def test_no_such_thing_denies_the_claim_it_names_and_opens_none(nlp: Any) -> None:
    # "said no such agreement existed" is a verdict on the agreement the item spoke of
    # (its own "no such" words are no claim), as firm as "denied the agreement"
    obs = run(nlp, TRUCE, "Amaru's government said on Saturday it had agreed a 30-day "
                          "ceasefire with the Northern Front. \"The guns will fall silent "
                          "from midnight,\" the defence minister told state radio. But the "
                          "rebels said no such agreement existed.")
    ceasefire = next(o.claim_id for o in obs if o.party == "Amaru government" and
                     "ceasefire" in o.claim_text)
    assert ("Northern Front", "deny", "current") in decisive(obs, ceasefire), show(obs)
    assert not any("such" in o.claim_text.lower() for o in obs), show(obs)


STORES = {
    "id": "stores",
    "name": "Castmoor store closures",
    "keywords": ["Castmoor"],
    "parties": {"Castmoor Retail": ["Castmoor Retail", "Castmoor", "the company"]},
}


def test_what_a_denial_names_reads_as_a_claim_and_a_recap_of_it_opens_none(nlp: Any) -> None:
    # "denied that any records had been taken" opens "Records had been taken" (the
    # "any" belongs to the denial), and "confirming plans it had denied" names the claim
    # spoken of by the stance once taken on it: it opens no claim of its own
    det = Detector([Topic.from_dict(STORES)], nlp=nlp)
    obs = det.detect(Item(id="s1", body="Castmoor Retail denied that any customer records "
                                        "had been taken from its loyalty scheme.",
                          source="Harbour Courier"))
    assert [o.claim_text for o in obs] == [
        "Customer records had been taken from its loyalty scheme"], show(obs)
    obs = det.detect(Item(id="s2", body="Castmoor Retail will close 30 of its stores by the "
                                        "end of the year, the company said on Friday, "
                                        "confirming plans it had denied last month.",
                          source="Harbour Courier"))
    assert len({o.claim_id for o in obs}) == 1, show(obs)
    assert {(o.stance, o.when) for o in obs} == {("confirm", "current"), ("deny", "earlier")}, \
        show(obs)


def test_not_on_a_verb_the_content_chose_is_no_denial_of_the_content(nlp: Any) -> None:
    # "chose not to hide it": the "not" is on what was chosen, the claim stands
    obs = run(nlp, CABLES, "Veland said a Kestrian spy ship had mapped cables near Lorne "
                           "harbour and had chosen not to hide it.")
    assert decisive(obs, "cables-mapped") == {("Veland", "confirm", "current")}, show(obs)
    obs = run(nlp, CABLES, "Veland said a Kestrian spy ship had not mapped cables near Lorne "
                           "harbour.")
    assert decisive(obs, "cables-mapped") == {("Veland", "deny", "current")}, show(obs)


def test_dismissing_the_announcement_is_on_what_the_other_party_asserted(nlp: Any) -> None:
    # "the announcement" is what the government asserted, not the aside its sentence
    # reported after it
    obs = run(nlp, TRUCE, "Amaru's government said on Saturday it had agreed a 30-day "
                          "ceasefire with the Northern Front, and state radio said the first "
                          "prisoners would be freed within days. The Northern Front "
                          "dismissed the announcement as premature.")
    ceasefire = next(o.claim_id for o in obs if o.party == "Amaru government" and
                     "ceasefire" in o.claim_text)
    assert ("Northern Front", "deny", "current") in decisive(obs, ceasefire), show(obs)
    assert all(o.stance != "deny" for o in obs if o.claim_id != ceasefire), show(obs)


def test_a_titled_person_speaks_for_the_party_that_spoke_last(nlp: Any) -> None:
    # "the interior minister" speaks for the government that spoke last, not for the
    # rebels its sentence named
    obs = run(nlp, TRUCE, "Amaru's government said on Saturday it had agreed a 30-day "
                          "ceasefire with the Northern Front. The first prisoners would be "
                          "freed within days, the interior minister said.")
    assert {o.party for o in obs if o.speaker == "the interior minister"} == {
        "Amaru government"}, show(obs)


RUNNER = {
    "id": "runner",
    "name": "The Varga doping case",
    "keywords": ["Varga"],
    "parties": {"Integrity Panel": ["Integrity Panel", "the panel"],
                "Mila Varga": ["Mila Varga", "Varga"]},
}


def test_a_promise_to_prove_is_no_confirmation_and_the_clause_before_it_stands(
        nlp: Any) -> None:
    # '"I never took it, and I will prove it," she said': "will prove" is a promise (a
    # report), and what she said first is still her denial; the panel's suspension of her
    # (its own act, said in the passive) and her "called the finding false" (a verdict)
    # are explicit: the claim the monitor opens is disputed
    obs = run(nlp, RUNNER, "Mila Varga has been provisionally suspended after a sample she "
                           "gave in May tested positive for a banned hormone, the Integrity "
                           "Panel said. Varga called the finding false. \"I have never taken "
                           "a banned substance and I will prove it,\" she said.")
    stances = {(o.party, o.stance) for o in obs if o.stance != "report"}
    assert ("Integrity Panel", "confirm") in stances, show(obs)
    assert ("Mila Varga", "deny") in stances and ("Mila Varga", "confirm") not in stances, \
        show(obs)
    said = [o for o in obs if "I have never taken" in o.evidence.sentence and
            o.party == "Mila Varga" and "substance" in o.claim_text]
    assert said and all("prove" not in o.claim_text for o in said), show(obs)


CAMPS = {
    "id": "camps",
    "name": "Strikes on the Selmari camps",
    "keywords": ["Selmari", "Oravian"],
    "parties": {"Oravia": ["Oravia", "Oravian", "Oravian defence ministry"],
                "Selmar": ["Selmar", "Selmari"]},
    "claims": [{"id": "camps-struck",
                "statement": "The Oravian defence ministry carried out strikes on Selmari "
                             "camps."}],
}


def test_a_claims_parties_named_only_as_the_speaker_do_not_put_the_sentence_on_it(
        nlp: Any) -> None:
    # the names a sentence shares with the claim are its speaker's, and what was said
    # holds neither a name nor the whole predicate: the ministry speaks of something else
    obs = run(nlp, CAMPS, "The Oravian defence ministry said its offensive operations in "
                          "the north were going to plan.")
    assert decisive(obs, "camps-struck") == set(), show(obs)
    # what it said is the claim: confirmed; an explicit act on a named event stays linked
    for text in ("The Oravian defence ministry said it had carried out strikes on Selmari "
                 "camps overnight.",
                 "An Oravian defence ministry spokesman confirmed the strikes on the camps."):
        obs = run(nlp, CAMPS, text)
        assert decisive(obs, "camps-struck") == {("Oravia", "confirm", "current")}, \
            f"{text}: {show(obs)}"


BLAZE = {
    "id": "blaze",
    "name": "The Harlow plant fire",
    "keywords": ["Harlow"],
    "parties": {"Harlow Fire Service": ["Harlow Fire Service", "fire service"],
                "Norcast Chemicals": ["Norcast Chemicals", "Norcast"],
                "Air Quality Board": ["Air Quality Board"]},
}


def test_a_channel_is_not_what_was_confirmed_and_not_the_case_points_back(nlp: Any) -> None:
    # "confirmed the two deaths in a statement": the deaths were confirmed, on the claim
    # that named them ("two workers were killed", in other words); "that was not the
    # case" is a verdict on the claim spoken of before, not a claim of its own
    obs = run(nlp, BLAZE, "Two workers were killed in a fire at Norcast Chemicals' Harlow "
                          "plant, the Harlow Fire Service said. Norcast, which confirmed the "
                          "two deaths in a statement, said the plant would stay closed. "
                          "Residents said smoke over Harlow carried toxic fumes. The Air "
                          "Quality Board said that was not the case.")
    killed = next(o.claim_id for o in obs if "killed" in o.claim_text)
    assert ("Norcast Chemicals", "confirm", "current") in decisive(obs, killed), show(obs)
    assert not any("statement" in o.claim_text or o.claim_text.startswith("Was")
                   for o in obs), show(obs)
    board = [o for o in obs if o.party == "Air Quality Board"]
    assert board and all("fumes" in o.claim_text and o.stance == "deny" for o in board), \
        show(obs)


def test_pushing_back_on_a_claim_is_an_explicit_denial(nlp: Any) -> None:
    # "pushed back on the claim that ..." denies as firmly as "denied": the claim the
    # monitor opened from the regulator's words is disputed, not left unverified
    probe = {"id": "probe2", "name": "The Quorra search probe", "keywords": ["Quorra"],
             "parties": {"Competition Authority": ["Competition Authority", "the authority"],
                         "Quorra": ["Quorra", "the company"]}}
    obs = run(nlp, probe, "Quorra has demoted rival comparison sites in its search results "
                          "since 2024, the Competition Authority said. But the company pushed "
                          "back on the claim that it had demoted rival sites.")
    assert ("Quorra", "deny") in {(o.party, o.stance) for o in obs}, show(obs)


RIFLES = {
    "id": "rifles",
    "name": "The Osk rifle cache",
    "keywords": ["Osk"],
    "parties": {"Tarn": ["Tarn", "Tarn officials"],
                "Osk Front": ["Osk Front", "the Front"]},
}


def test_an_inquiry_into_claims_puts_them_in_question_and_confirms_nothing(nlp: Any) -> None:
    # "said they were investigating claims that X": X is in question (a report by
    # officials), not confirmed, and the claim is X, not "they are investigating ..."
    obs = run(nlp, RIFLES, "Tarn officials said they were investigating claims that Osk Front "
                           "fighters seized a cache of rifles meant for the border guards.")
    tarn = [o for o in obs if o.party == "Tarn"]
    assert tarn and all(o.stance == "report" for o in tarn), show(obs)
    assert all(o.claim_text.startswith("Osk Front fighters seized") for o in tarn), show(obs)
    # "looking into whether X" the same
    obs = run(nlp, RIFLES, "Tarn officials said they were looking into whether the rifles "
                           "stolen at Osk had been sold to the Front.")
    tarn = [o for o in obs if o.party == "Tarn"]
    assert tarn and all(o.stance == "report" and "investigat" not in o.claim_text and
                        "looking" not in o.claim_text for o in tarn), show(obs)


def test_a_claim_made_by_someone_says_what_follows_its_that(nlp: Any) -> None:
    # "pushed back against a claim made by Senator Holm that X": the denial is of X, and
    # the claim's text is X, never "made by Senator Holm that ..."
    obs = run(nlp, RIFLES, "Minister Vale of Tarn pushed back against a claim made by Senator "
                           "Holm that ten Osk Front fighters were caught at the border.")
    denied = [o for o in obs if o.stance == "deny"]
    assert denied and all(o.claim_text.startswith("Ten Osk Front fighters were caught")
                          for o in denied), show(obs)



CHOLERA = {
    "id": "cholera",
    "name": "Cholera in Osk",
    "keywords": ["cholera"],
    "parties": {"Tarn Health Agency": ["Tarn Health Agency", "the agency"]},
}


def test_a_wire_story_denial_reads_without_its_dateline_hedge_or_tail(nlp: Any) -> None:
    # "(Wirepress) - No suspected cases of X have been found, despite reports to the
    # contrary, the agency said": a denial (not even suspected cases; "suspected" names
    # the cases, it hedges nothing), and the claim it denies is that suspected cases were
    # found: neither the agency's dateline nor the tail that contrasts it is part of it
    story = ("(Wirepress) - No suspected cases of cholera have been found in Osk, despite "
             "reports to the contrary in local media, the Tarn Health Agency said on Friday.")
    said = [o for o in run(nlp, CHOLERA, story) if o.party == "Tarn Health Agency"]
    assert said and all(o.claim_text == "Suspected cases of cholera have been found in Osk"
                        for o in said), [o.claim_text for o in said]
    pinned = {**CHOLERA, "claims": [{"id": "cases-found",
                                     "statement": "Cholera cases have been found in Osk."}]}
    obs = run(nlp, pinned, story)
    assert decisive(obs, "cases-found") == {("Tarn Health Agency", "deny", "current")}, \
        show(obs)


def test_a_first_name_stands_for_a_full_name_of_the_items_own_topics_only(nlp: Any) -> None:
    # a reporter called Ivo in a story on cholera is not "Ivo Marsh" of another topic
    fraud = {"id": "fraud", "name": "The Marsh fraud case", "keywords": ["Marsh fraud"],
             "parties": {"Halden prosecutors": ["Halden prosecutors", "Ivo Marsh"]}}
    obs = run(nlp, CHOLERA, "The Tarn Health Agency said three wells in Osk carried cholera. "
                            "The cholera samples were assessed to have come from a broken "
                            "pipe, Ivo reported.", others=(fraud,))
    assert obs and not any(o.party == "Halden prosecutors" for o in obs), show(obs)


def test_a_sentence_that_leaves_out_the_claims_name_links_by_its_verb(nlp: Any) -> None:
    # "the debris is consistent with an explosion of the vehicle", in a story that names
    # the Aurel probe in another sentence: the claim's name is the story's, the verb (as
    # an event noun) is the sentence's own, and the agency's engineer confirms it
    text = ("The Aurel probe lost contact minutes after lift-off. \"The debris we found in "
            "the sea is consistent with an explosion of the vehicle,\" Space Agency engineer "
            "Lina Ostrova told reporters.")
    obs = run(nlp, PROBE, text)
    assert ("Space Agency", "confirm", "current") in decisive(obs, "probe-exploded"), show(obs)
    # the sentence alone names no probe: no claim of that name
    alone = run(nlp, PROBE, text.split(". ", 1)[1])
    assert not decisive(alone, "probe-exploded"), show(alone)
    # a verb that only describes a thing ("footage recorded and released by ...") is no
    # event the sentence tells: the story's name does not carry to it
    obs = run(nlp, PROBE, "The Aurel probe lost contact minutes after lift-off. \"We will "
                          "not share any footage recorded and exploded by vandals,\" Space "
                          "Agency engineer Lina Ostrova told reporters.")
    assert not decisive(obs, "probe-exploded"), show(obs)


def test_the_enemy_in_the_words_of_one_side_is_the_other(nlp: Any) -> None:
    # "the enemy has not taken Orsk", said by the commander of the Ostrian garrison: the
    # enemy is Dravonia, the other of the topic's two sides, so this denies Dravonia's
    # recapture of the village
    spec = {**FRONT, "keywords": ["Orsk"],
            "claims": [{"id": "orsk-retaken",
                        "statement": "Dravonian forces recaptured the village of Orsk."}]}
    obs = run(nlp, spec, "\"The enemy has not taken Orsk,\" the commander of the Ostrian "
                         "garrison said.")
    assert decisive(obs, "orsk-retaken") == {("Ostria", "deny", "current")}, show(obs)


def test_it_said_after_a_relayed_finding_is_whoever_relayed_it(nlp: Any) -> None:
    # "A law firm found that X, the startup said. It did not ..., it said": the second
    # sentence is the startup's too, not the law firm's, and "the startup" is the company
    # named before, not the chief executive it dismissed, named last (a person)
    spec = {"id": "holt", "name": "The Holt dismissal", "keywords": ["Corvane", "Holt"],
            "parties": {"Corvane": ["Corvane", "Corvane Labs"],
                        "Mira Holt": ["Mira Holt", "Holt"]}}
    obs = run(nlp, spec, "Corvane Labs dismissed its chief executive in May. Halvard & Co, "
                         "the law firm that ran the review, found that the board's decision "
                         "to dismiss Holt was a \"consequence of a loss of trust between the "
                         "board and Ms. Holt,\" the startup said on Friday. It did not arise "
                         "from concerns about the safety of Corvane's products, it said.")
    second = [o for o in obs if o.evidence.sentence.startswith("It did not arise")]
    assert second and all(o.party == "Corvane" for o in second), show(obs)



SINGER = {
    "id": "singer",
    "name": "The Vesna Marr rumours",
    "keywords": ["Vesna Marr", "Marr"],
    "parties": {"Vesna Marr": ["Vesna Marr", "Marr"],
                "Tarn Records": ["Tarn Records", "the label"]},
}


def test_what_confirms_nothing_on_a_claim_the_monitor_found(nlp: Any) -> None:
    # each on a claim that rumours put in question first: a site reporting it is a report,
    # however it is worded ("is now reporting that X"); an inquiry into a thing ("working
    # to determine the video's authenticity"), a quoted hedge ('"It would not surprise me
    # if ...," the paper quoted X as saying') and a verb that only ends a period ("this
    # quarter, which concludes at the end of March") confirm nothing
    for text in (
        "Rumours on social media said Vesna Marr had died. A fake Tarn News site is now "
        "reporting that Vesna Marr had died at her home.",
        "Rumours said a video showed Vesna Marr on stage in Osk. Tarn Records said it was "
        "working as quickly as possible to determine the video's authenticity.",
        "Rumours said Vesna Marr would leave Tarn Records. \"It would not surprise me at all "
        "if Vesna Marr left Tarn Records,\" the Osk Courier quoted Lena Ivo, a music critic, "
        "as saying.",
        "Rumours have suggested that Vesna Marr will tour Osk this quarter, which concludes "
        "at the end of March.",
    ):
        obs = run(nlp, SINGER, text)
        assert obs and not any(o.stance in ("confirm", "deny") for o in obs), \
            f"{text}: {show(obs)}"


def test_a_claim_that_ends_inside_a_quote_closes_it(nlp: Any) -> None:
    obs = run(nlp, SINGER, "Tarn Records admitted Vesna Marr was suffering from “exhaustion” "
                           "amid speculation that she had quit.")
    texts = [o.claim_text for o in obs if o.party == "Tarn Records"]
    assert texts and all(t.count("“") == t.count("”") for t in texts), texts


def test_a_victim_of_a_hoax_denies_what_was_said_of_them(nlp: Any) -> None:
    # "confirmed that the singer was the victim of a death hoax": the label denies the
    # claim the item opened about the singer, it confirms nothing
    obs = run(nlp, SINGER, "The Osk Courier reported that Vesna Marr had been found dead at "
                           "her home. Tarn Records confirmed that the singer was the victim "
                           "of a death hoax.")
    label = [o for o in obs if o.party == "Tarn Records"]
    assert label and all(o.stance == "deny" and "found dead" in o.claim_text
                         for o in label), show(obs)


def test_supporters_of_a_side_named_by_its_name_do_not_speak_for_it(nlp: Any) -> None:
    # "Lindqvist Movement supporters announced ...": people of that side, however the
    # entity recogniser names them, are not its voice
    obs = run(nlp, SINGER, "Rumours said Vesna Marr had retired. Lindqvist Movement "
                           "supporters announced online that Vesna Marr had retired.")
    assert not any("Lindqvist" in (o.party or "") for o in obs), show(obs)
