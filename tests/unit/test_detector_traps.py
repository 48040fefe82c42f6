"""The detector on the traps of design.md, on short texts written for these tests.

Fictional places and people: Kestria and Dravonia, the tanker Lyra Dawn, the
port of Port Veld. Each golden case gives the exact set of decisive stances
(confirm/deny, by party and `when`) the detector must produce; any other
confirm or deny fails it. Hedged mentions must not confirm or deny anything.
"""

from __future__ import annotations

from typing import Any

import pytest

from detector import Detector, Item, Observation, Topic

TOPIC = {
    "id": "strait",
    "name": "Strait crisis",
    "keywords": ["tanker", "Lyra Dawn", "troops", "Port Veld"],
    "parties": {
        "Kestria": ["Kestria", "Kestrian", "Kestrian foreign ministry", "Anton Brask"],
        "Dravonia": ["Dravonia", "Dravonian", "Dravonian defence ministry", "Lena Oprea",
                     "Dravpress"],
    },
    # the user's claims: on them a party's plain "said" counts (a claim the monitor
    # discovers itself waits for an explicit act, see test_discovered_claims_*)
    "claims": [
        {"id": "tanker-seized", "statement": "Dravonian forces seized the tanker Lyra Dawn"},
        {"id": "port-veld-entered", "statement": "Dravonian troops entered Port Veld"},
    ],
}
OTHER = {"id": "harvest", "name": "Harvest", "keywords": ["wheat harvest", "grain exports"]}


def topics() -> list[Topic]:
    return [Topic.from_dict(TOPIC), Topic.from_dict(OTHER)]


@pytest.fixture(scope="module")
def detect(nlp: Any):
    def run(text: str, source: str = "Daily Wire") -> list[Observation]:
        det = Detector(topics(), nlp=nlp)
        return det.detect(Item(id="item-1", body=text, source=source))
    return run


def decisive(obs: list[Observation]) -> set[tuple[str | None, str, str]]:
    return {(o.party, o.stance, o.when) for o in obs if o.stance != "report"}


def show(obs: list[Observation]) -> str:
    return "; ".join(f"{o.stance}/{o.when} by {o.party} [{o.role}] ({o.speaker}): "
                     f"{o.claim_text} <{o.claim_id}>" for o in obs) or "no observation"


def case(cid: str, text: str, expected: set[tuple[str | None, str, str]],
         gap: str | None = None) -> Any:
    marks = [pytest.mark.xfail(reason=gap, strict=True)] if gap else []
    return pytest.param(text, expected, id=cid, marks=marks)


D_DENY = ("Dravonia", "deny", "current")
D_EARLIER_DENY = ("Dravonia", "deny", "earlier")
D_CONFIRM = ("Dravonia", "confirm", "current")
K_CONFIRM = ("Kestria", "confirm", "current")

CASES = [
    # "did not deny" is not a deny
    case("did-not-deny",
         "Dravonia did not deny that its navy had seized the tanker Lyra Dawn.", set()),
    case("has-not-denied",
         "Dravonia has not denied that its navy seized the tanker Lyra Dawn.", set()),
    case("did-not-deny-reports",
         "Dravonia did not deny reports that its navy had seized the tanker Lyra Dawn.", set()),
    case("said-it-did-not-deny",
         "Dravonia said on Tuesday it did not deny that its navy had seized the tanker "
         "Lyra Dawn.", set()),
    case("neither-confirm-nor-deny",
         "Dravonia would neither confirm nor deny that its navy had seized the tanker "
         "Lyra Dawn.", set()),
    # "denied reports that X" is a deny of X
    case("denied-reports-that",
         "Dravonia denied reports that its navy had seized the tanker Lyra Dawn.", {D_DENY}),
    case("denied-that", "Lena Oprea denied that Dravonian troops entered Port Veld.", {D_DENY}),
    # "denied the claim" refers back (the claim id is checked below)
    case("denied-the-claim",
         "Kestria said Dravonian commandos seized the tanker Lyra Dawn on Monday. "
         "Dravonia denied the claim.", {K_CONFIRM, D_DENY}),
    case("rejected-the-claim-as-baseless",
         "Kestria said Dravonian commandos seized the tanker Lyra Dawn on Monday. "
         "Lena Oprea rejected the claim as baseless.", {K_CONFIRM, D_DENY}),
    # "had previously dismissed ... as hype" is an earlier deny
    case("previously-dismissed-as-hype",
         "The Dravonian defence ministry had previously dismissed reports of troops in "
         "Port Veld as hype.", {D_EARLIER_DENY}),
    case("previously-dismissed-now-confirms",
         "Lena Oprea had previously dismissed reports that Dravonian troops were in Port Veld "
         "as hype. Dravonia now confirms that Dravonian troops are in Port Veld.",
         {D_EARLIER_DENY, D_CONFIRM}),
    # refusals to confirm, declined to comment: report
    case("refused-to-confirm-that",
         "Dravonia refused to confirm that its navy had seized the tanker Lyra Dawn.", set()),
    case("refused-to-confirm-back",
         "Dravonian commandos seized the tanker Lyra Dawn, Kestria said. "
         "Dravonia refused to confirm the seizure.", {K_CONFIRM}),
    case("declined-to-comment-whether",
         "The Dravonian defence ministry declined to comment on whether its navy had seized "
         "the tanker Lyra Dawn.", set()),
    case("declined-to-comment-back",
         "Dravonian commandos seized the tanker Lyra Dawn on Monday, Kestria said. "
         "A Dravonian defence ministry spokesman declined to comment.", {K_CONFIRM}),
    # questions: report
    case("question", "Did Dravonia seize the tanker Lyra Dawn?", set()),
    case("question-were", "Were Dravonian troops in Port Veld on Monday?", set()),
    case("question-as-claims", "Did Dravonian troops enter Port Veld, as Kestria claims?",
         set()),
    # hedges: report
    case("reportedly", "Dravonian troops have reportedly entered Port Veld.", set()),
    case("reports-suggest", "Reports suggest that Dravonian troops entered Port Veld.", set()),
    case("believed-to", "Dravonian troops are believed to have entered Port Veld.", set()),
    case("estimated", "An estimated 14,000 Dravonian troops entered Port Veld.", set()),
    case("estimated-to-number", "Dravonian troops are estimated to number 14,000 in Port Veld.",
         set()),
    # the unhedged counterparts: the traps above are not passed by silence
    case("confirmed-that", "Lena Oprea confirmed that Dravonian troops entered Port Veld.",
         {D_CONFIRM}),
    # the publisher's own narration puts the claim in question and decides nothing: a
    # newsroom wants a party's word (as real-news labels have it)
    case("item-asserts", "Dravonian troops entered Port Veld on Monday.", set()),
    case("item-asserts-negation", "Dravonian troops did not enter Port Veld.", set()),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_decisive_stances(detect, text: str, expected: set) -> None:
    obs = detect(text)
    assert decisive(obs) == expected, show(obs)


REPORTS = [
    case("did-not-deny",
         "Dravonia did not deny that its navy had seized the tanker Lyra Dawn.", set()),
    case("reportedly", "Dravonian troops have reportedly entered Port Veld.", set()),
    case("reports-suggest", "Reports suggest that Dravonian troops entered Port Veld.", set()),
    case("believed-to", "Dravonian troops are believed to have entered Port Veld.", set()),
    case("estimated", "An estimated 14,000 Dravonian troops entered Port Veld.", set()),
    case("refused-to-confirm-back",
         "Dravonian commandos seized the tanker Lyra Dawn, Kestria said. "
         "Dravonia refused to confirm the seizure.", set()),
    case("declined-to-comment-back",
         "Dravonian commandos seized the tanker Lyra Dawn on Monday, Kestria said. "
         "A Dravonian defence ministry spokesman declined to comment.", set()),
    case("refused-to-confirm-that",
         "Dravonia refused to confirm that its navy had seized the tanker Lyra Dawn.", set()),
    case("declined-to-comment-whether",
         "The Dravonian defence ministry declined to comment on whether its navy had seized "
         "the tanker Lyra Dawn.", set()),
    case("question", "Did Dravonia seize the tanker Lyra Dawn?", set()),
]


@pytest.mark.parametrize(("text", "expected"), REPORTS)
def test_hedged_mention_is_recorded_as_a_report(detect, text: str, expected: set) -> None:
    """design.md lists these as `report` observations: on the timeline, not the status."""
    obs = detect(text)
    assert obs, "no observation"
    assert any(o.stance == "report" for o in obs), show(obs)
    assert decisive(obs) - {K_CONFIRM} == expected, show(obs)


# -- which claim ----------------------------------------------------------------------------

def test_denied_the_claim_is_a_deny_of_the_previous_sentence_claim(detect) -> None:
    obs = detect("Kestria said Dravonian commandos seized the tanker Lyra Dawn on Monday. "
                 "Dravonia denied the claim.")
    (confirm,) = [o for o in obs if o.stance == "confirm"]
    (deny,) = [o for o in obs if o.stance == "deny"]
    assert deny.claim_id == confirm.claim_id, show(obs)
    assert "Dravonia denied" in deny.evidence.sentence


def test_denied_reports_that_denies_the_reported_content(detect) -> None:
    (obs,) = detect("Dravonia denied reports that its navy had seized the tanker Lyra Dawn.")
    assert obs.stance == "deny"
    assert "seized the tanker" in obs.claim_text
    assert not obs.claim_text.lower().startswith("report")


def test_earlier_deny_and_current_confirm_share_the_claim(detect) -> None:
    obs = detect("Lena Oprea had previously dismissed reports that Dravonian troops were in "
                 "Port Veld as hype. Dravonia now confirms that Dravonian troops are in "
                 "Port Veld.")
    assert len({o.claim_id for o in obs}) == 1, show(obs)
    assert {o.when for o in obs} == {"earlier", "current"}


def discovering(nlp: Any) -> Detector:
    """The strait topic without pinned claims: every claim is discovered."""
    return Detector([Topic.from_dict({**TOPIC, "claims": []}), Topic.from_dict(OTHER)],
                    nlp=nlp)


def test_different_figures_are_different_claims(nlp: Any) -> None:
    obs = discovering(nlp).detect(Item(id="i", body=(
        "Kestria said 14,000 Dravonian troops entered Port Veld. "
        "Dravonia said 4,000 Dravonian troops entered Port Veld.")))
    by_party = {o.party: o for o in obs}
    assert set(by_party) == {"Kestria", "Dravonia"}, show(obs)
    assert by_party["Kestria"].claim_id != by_party["Dravonia"].claim_id, show(obs)


def test_the_same_figure_is_the_same_claim(nlp: Any) -> None:
    det = discovering(nlp)
    a = det.detect(Item(id="a", body="Kestria said 14,000 Dravonian troops entered Port Veld."))
    b = det.detect(Item(id="b", body="Lena Oprea confirmed that 14,000 Dravonian troops "
                                     "entered Port Veld."))
    assert len(a) == len(b) == 1
    assert a[0].claim_id == b[0].claim_id, show(a + b)


def test_discovered_claims_wait_for_an_explicit_act(nlp: Any) -> None:
    """On a claim the monitor discovered itself, a party merely saying something is a
    report; once a party confirms or denies it explicitly, plain statements count,
    in that item and later ones (the index's claim carries `questioned`)."""
    det = discovering(nlp)
    said = det.detect(Item(id="a", body="Kestria said Dravonian troops entered Port Veld."))
    assert said and decisive(said) == set(), show(said)
    both = det.detect(Item(id="b", body=(
        "Kestria said Dravonian troops entered Port Veld. "
        "Lena Oprea denied that Dravonian troops entered Port Veld.")))
    assert decisive(both) == {K_CONFIRM, D_DENY}, show(both)
    later = det.detect(Item(id="c", body="Kestria said Dravonian troops entered Port Veld."))
    assert decisive(later) == {K_CONFIRM}, show(later)
    claim = det.index.get(later[0].claim_id)
    assert claim is not None and claim.questioned
    # a restarted worker learns it from the claims registry record
    fresh = discovering(nlp)
    assert fresh.index.add_discovered(claim.id, claim.topic_id, claim.text, claim.terms,
                                      questioned=True)
    again = fresh.detect(Item(id="d", body="Kestria said Dravonian troops entered Port Veld."))
    assert decisive(again) == {K_CONFIRM}, show(again)


# -- who --------------------------------------------------------------------------------------

QUOTES = [
    case("quote-official", '"Our troops have entered Port Veld," the Dravonian defence '
         'minister said.', {("Dravonia", "confirm", "the Dravonian defence minister")}),
    case("quote-told", '"We did not seize the tanker Lyra Dawn," Lena Oprea told reporters.',
         {("Dravonia", "deny", "Lena Oprea")}),
    case("quote-said-name", '"Dravonian commandos seized the tanker Lyra Dawn," said '
         'Anton Brask.', {("Kestria", "confirm", "Anton Brask")}),
    case("according-to-state-media", "Dravonian troops entered Port Veld, according to "
         "Dravpress.", {("Dravonia", "confirm", "Dravpress")}),
    case("according-to-first", "According to Anton Brask, Dravonian troops entered Port Veld.",
         {("Kestria", "confirm", "Anton Brask")}),
    case("surname-of-full-name-alias", "Brask said Dravonian troops entered Port Veld.",
         {("Kestria", "confirm", "Brask")}),
    case("alias-adjective", "The Kestrian foreign ministry said Dravonian troops entered "
         "Port Veld.", {("Kestria", "confirm", "The Kestrian foreign ministry")}),
    case("pronoun-after-statement",
         "Lena Oprea denied that Dravonian troops entered Port Veld. She said the tanker "
         "Lyra Dawn had not been seized.", {("Dravonia", "deny", "Lena Oprea")}),
    case("pronoun-quote",
         'Anton Brask told reporters that Kestria had sent an envoy. "Dravonian troops '
         'entered Port Veld," he said.', {("Kestria", "confirm", "Anton Brask")}),
    case("pronoun-after-apposition",
         "Anton Brask, the Kestrian foreign minister, said talks would resume. He said "
         "Dravonian troops entered Port Veld.",
         {("Kestria", "confirm", "Anton Brask, the Kestrian foreign minister")}),
    case("pronoun-after-non-statement",
         "Anton Brask spoke to reporters in the capital on Tuesday. He confirmed that "
         "Dravonian troops had entered Port Veld.", {("Kestria", "confirm", "Anton Brask")}),
]


@pytest.mark.parametrize(("text", "expected"), QUOTES)
def test_statements_belong_to_their_speaker(detect, text: str, expected: set) -> None:
    """The Kestrian publisher does not own a Dravonian minister's words."""
    obs = detect(text, source="Kestria Today")
    got = {(o.party, o.stance, o.speaker) for o in obs if o.stance != "report"}
    assert got == expected, show(obs)
    assert all(o.role in ("party", "official") for o in obs if o.stance != "report"), show(obs)


# -- relevance --------------------------------------------------------------------------------

NOT_TRACKED = [
    "Officials denied on Tuesday that the bridge had been closed, the agency said.",
    "The central bank confirmed that it had raised interest rates by half a point.",
    "Is the new stadium ready? The mayor said it would open in May.",
]


@pytest.mark.parametrize("text", NOT_TRACKED)
def test_an_item_on_no_tracked_topic_gives_nothing(nlp: Any, detect, text: str) -> None:
    assert detect(text) == []
    assert not Detector(topics(), nlp=nlp).is_relevant(Item(id="x", body=text))


def test_a_topic_can_turn_discovery_off(nlp: Any) -> None:
    """`discover: false`: only the pinned claims are tracked; a statement on anything
    else opens no claim of the monitor's own."""
    topic = Topic.from_dict({**TOPIC, "discover": False})
    assert Topic.from_dict(topic.to_dict()).discover is False
    det = Detector([topic], nlp=nlp)
    obs = det.detect(Item(id="i", body=(
        "Lena Oprea denied that Dravonian troops entered Port Veld. "
        "Kestria confirmed that the Marren ferry service had been suspended for the tanker.")))
    assert {o.claim_id for o in obs} == {"port-veld-entered"}, show(obs)
    assert all(c.pinned for c in det.claims())


def test_an_unlisted_official_speaks_for_the_party_of_their_title(detect) -> None:
    """A spokeswoman no alias names carries her title's party to her later surname."""
    obs = detect("Reporters asked Kestrian foreign ministry spokeswoman Mira Holt about "
                 "Port Veld on Tuesday. Holt denied that Dravonian troops entered Port Veld.")
    assert ("Kestria", "deny", "current") in decisive(obs), show(obs)
