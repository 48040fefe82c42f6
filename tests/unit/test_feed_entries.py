"""Feed documents into NewsItems (agents.feedentries), what to send of them
(agents.poller.plan and its state file), the feeds file and the backoff."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from agents.feedentries import NotAFeed, entry_base_id, html_to_text, parse_document
from agents.ingest import validate_news
from agents.poller import (
    MAX_REVISIONS,
    FeedConfig,
    FeedsFileError,
    FeedState,
    load_feeds_file,
    next_delay,
    plan,
)
from tests.feedserver import Story, atom, rdf, rss

URL = "http://feeds.test/news.xml"
MAR_2 = 1772431800.0  # 2026-03-02T06:10:00Z

DENIAL = Story("tw-0001", "Harbour board denies ferry route will close",
               ("The Ostwick harbour board denied on Monday that the night ferry to "
                "Lanmere would close in April.",
                "\"The timetable stands,\" chair Ada Quist said."),
               link="https://news.example.org/tw-0001", published=MAR_2)
LATER = Story("tw-0002", "Council approves tram depot", ("The council approved the depot.",),
              link="https://news.example.org/tw-0002", published=MAR_2 + 3600)


def test_rss_entries_become_valid_news_items_oldest_first() -> None:
    feed = parse_document(rss("Test Wire", [LATER, DENIAL]), url=URL)
    assert feed.version == "rss20" and feed.title == "Test Wire"
    first, second = feed.entries
    item = first.item(first.base_id)
    assert item["title"] == DENIAL.title
    assert item["body"] == "\n\n".join(DENIAL.paragraphs)
    assert item["url"] == DENIAL.link
    assert item["published_at"] == "2026-03-02T06:10:00Z"
    assert item["source"] == "Test Wire" and item["language"] == "en"
    assert second.fields["title"] == LATER.title
    validate_news(item, 1_048_576)  # what the worker's ingest accepts


def test_atom_and_rdf_are_read_too() -> None:
    story = Story("urn:uuid:5b0c1b7e-6d1c-4c1e-9d7a-3f0f3b4a0c11", "Atom entry",
                  ("First paragraph.", "Second & last."), link="https://news.example.org/a",
                  published=MAR_2)
    (entry,) = parse_document(atom("Atom Desk", [story]), url=URL).entries
    assert entry.fields["body"] == "First paragraph.\n\nSecond & last."
    assert entry.fields["published_at"] == "2026-03-02T06:10:00Z"
    feed = parse_document(rdf("RDF Desk", [story]), url=URL)
    assert feed.version == "rss10"
    (entry,) = feed.entries
    assert entry.fields["title"] == "Atom entry" and entry.fields["url"] == story.link


def test_the_entrys_own_source_names_the_publisher() -> None:
    story = Story("x-1", "Syndicated", ("Text.",), source="Coastline Daily")
    (entry,) = parse_document(rss("Aggregator", [story]), url=URL, source="Fallback").entries
    assert entry.fields["source"] == "Coastline Daily"
    (entry,) = parse_document(rss("Aggregator", [Story("x-2", "Own", ("Text.",))]), url=URL,
                              source="Fallback").entries
    assert entry.fields["source"] == "Fallback"


def test_markup_and_scripts_do_not_reach_the_body() -> None:
    text = html_to_text("<p>One <b>bold</b>&nbsp;word.</p><script>alert(1)</script>"
                        "<div>Two<br/>lines &amp; more</div>")
    assert text == "One bold word.\n\nTwo\n\nlines & more"


def test_id_is_stable_across_polls_when_date_and_text_change() -> None:
    changed = Story(DENIAL.guid, "Harbour board now confirms closure", ("Other text.",),
                    link="https://news.example.org/elsewhere", published=MAR_2 + 86400)
    (a,) = parse_document(rss("Test Wire", [DENIAL]), url=URL).entries
    (b,) = parse_document(rss("Renamed Wire", [changed]), url=URL).entries
    assert a.base_id == b.base_id
    assert a.digest != b.digest


def test_a_plain_guid_is_scoped_by_its_feed_and_a_uri_guid_or_link_is_not() -> None:
    assert entry_base_id(URL, "42", None, None) != entry_base_id(URL + "?b", "42", None, None)
    tag = "tag:news.example.org,2026:tw-0001"
    assert entry_base_id(URL, tag, None, None) == entry_base_id(URL + "?b", tag, None, None)
    link = "https://news.example.org/tw-0001"
    assert entry_base_id(URL, None, link, "t") == entry_base_id(URL + "?b", "", link, "x")
    # no guid and no link: the title within the feed
    assert entry_base_id(URL, None, None, "A  title") == entry_base_id(URL, None, None,
                                                                        "A title")
    assert entry_base_id(URL, None, None, "  ") is None


def test_only_words_count_as_a_change() -> None:
    respaced = Story(DENIAL.guid, DENIAL.title.upper(), tuple(p + "  " for p in
                                                              DENIAL.paragraphs),
                     link=DENIAL.link, published=MAR_2 + 60)
    (a,) = parse_document(rss("W", [DENIAL]), url=URL).entries
    (b,) = parse_document(rss("W", [respaced]), url=URL).entries
    assert a.digest == b.digest


def test_an_entry_listed_twice_is_one_entry() -> None:
    entries = parse_document(rss("W", [DENIAL, LATER, DENIAL]), url=URL).entries
    assert sorted(e.fields["title"] for e in entries) == sorted([DENIAL.title, LATER.title])


def test_undated_entries_keep_reverse_document_order() -> None:
    stories = [Story(f"u-{n}", f"Story {n}", ("Text.",)) for n in (3, 2, 1)]
    titles = [e.fields["title"] for e in parse_document(rss("W", stories), url=URL).entries]
    assert titles == ["Story 1", "Story 2", "Story 3"]


@pytest.mark.parametrize("content", [
    b"",
    b"<html><body><p>Our feed has moved.</p></body></html>",
    rss("W", [DENIAL, LATER])[:-60],  # truncated: the last entry may be cut short
    b'<?xml version="1.0"?><rss version="2.0"><channel><item><title>x</item></rss>',
])
def test_what_is_not_a_whole_feed_is_refused(content: bytes) -> None:
    with pytest.raises(NotAFeed):
        parse_document(content, url=URL)


def test_a_complete_feed_with_an_html_entity_is_recovered() -> None:
    doc = rss("W", [Story("e-1", "Fares&nbsp;rise", ("Text.",))]).replace(
        b"Fares&amp;nbsp;rise", b"Fares&nbsp;rise")
    (entry,) = parse_document(doc, url=URL).entries
    assert entry.fields["title"] == "Fares rise"


def test_entries_without_title_or_text_are_skipped() -> None:
    feed = parse_document(rss("W", [Story("e-1", "", ()), LATER]), url=URL)
    assert [e.fields["title"] for e in feed.entries] == [LATER.title] and feed.skipped == 1


def test_a_body_over_the_limit_is_cut_to_fit() -> None:
    big = Story("e-1", "Long", ("é" * 3000,))
    (entry,) = parse_document(rss("W", [big]), url=URL, max_body_bytes=1001).entries
    assert len(entry.fields["body"].encode("utf-8")) <= 1001


# -- what to send, and the state file ---------------------------------------------

def _entries(*stories: Story) -> list:  # type: ignore[type-arg]
    return parse_document(rss("W", list(stories)), url=URL).entries


def test_new_entries_are_sent_then_not_again_after_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "feeds.sqlite3"
    state = FeedState(path)
    first = plan(_entries(DENIAL, LATER), state)
    assert [o.revision for o in first.send] == [0, 0]
    for o in first.send:
        state.record(o.entry.base_id, o.entry.digest, o.revision, 1.0)
    state.set_validators(URL, '"v1"', None)
    state.close()
    again = FeedState(path)  # a restarted poller
    later = plan(_entries(DENIAL, LATER), again)
    assert later.send == [] and later.known == 2
    assert again.validators(URL) == ('"v1"', None)


def test_an_entry_updated_in_place_is_sent_as_the_next_revision(tmp_path: Path) -> None:
    state = FeedState(tmp_path / "s.sqlite3")
    (o,) = plan(_entries(DENIAL), state).send
    assert o.item_id == o.entry.base_id
    state.record(o.entry.base_id, o.entry.digest, 0, 1.0)
    for n in range(1, MAX_REVISIONS + 1):
        fixed = Story(DENIAL.guid, DENIAL.title, (f"Correction {n}: the ferry closes.",),
                      link=DENIAL.link, published=MAR_2)
        (o,) = plan(_entries(fixed), state).send
        assert o.item_id == f"{o.entry.base_id}.rev{n}" and o.revision == n
        assert o.entry.item(o.item_id)["id"] == o.item_id
        state.record(o.entry.base_id, o.entry.digest, n, 2.0)
    churn = Story(DENIAL.guid, DENIAL.title, ("Yet another text.",), link=DENIAL.link)
    result = plan(_entries(churn), state)
    assert result.send == [] and len(result.over_limit) == 1


def test_entries_no_feed_lists_any_more_are_forgotten(tmp_path: Path) -> None:
    state = FeedState(tmp_path / "s.sqlite3")
    for o in plan(_entries(DENIAL, LATER), state).send:
        state.record(o.entry.base_id, o.entry.digest, 0, 100.0)
    kept = _entries(LATER)[0].base_id
    state.seen([kept], 200.0)
    assert state.forget(150.0) == 1
    assert len(state) == 1 and state.known(kept) is not None


def test_check_reads_a_state_it_may_not_change(tmp_path: Path) -> None:
    assert len(FeedState.open_readonly(tmp_path / "absent.sqlite3")) == 0
    FeedState(tmp_path / "s.sqlite3").record("x", "d", 0, 1.0)
    ro = FeedState.open_readonly(tmp_path / "s.sqlite3")
    assert ro.known("x") is not None
    with pytest.raises(Exception, match="readonly"):
        ro.record("y", "d", 0, 1.0)


# -- backoff and the feeds file ---------------------------------------------------------

def test_backoff_doubles_from_the_interval_up_to_the_cap() -> None:
    feed = FeedConfig(URL, interval=60, jitter=0.0, max_backoff=400)
    rng = random.Random(1)  # noqa: S311 - jitter
    assert [next_delay(feed, n, rng) for n in range(6)] == [60, 60, 120, 240, 400, 400]
    assert next_delay(feed, 1, rng, retry_after=300) == 300
    assert next_delay(feed, 1, rng, retry_after=99999) == 400


def test_jitter_spreads_polls_within_its_fraction() -> None:
    feed = FeedConfig(URL, interval=100, jitter=0.2)
    delays = [next_delay(feed, 0, random.Random(n)) for n in range(200)]  # noqa: S311
    assert min(delays) >= 80 and max(delays) <= 120
    assert max(delays) - min(delays) > 20


def test_feeds_file_defaults_apply_to_each_feed(tmp_path: Path) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text("contact: desk@example.org\n"
                    "defaults: {interval: 120, timeout: 5}\n"
                    "feeds:\n"
                    "  - url: https://news.example.org/rss\n"
                    "    source: Example News\n"
                    "    interval: 600\n"
                    "  - https://news.example.org/atom\n", encoding="utf-8")
    loaded = load_feeds_file(path)
    assert loaded.contact == "desk@example.org"
    first, second = loaded.feeds
    assert (first.interval, first.timeout, first.source) == (600, 5, "Example News")
    assert (second.interval, second.timeout, second.source) == (120, 5, None)


@pytest.mark.parametrize(("text", "problem"), [
    ("feeds: [ {url: x", "invalid YAML"),
    ("feed: []", "expected `feeds:`"),
    ("feeds: [{url: 'file:///etc/passwd'}]", "http:// or https://"),
    ("feeds: [{url: 'http://a/x', intervall: 5}]", "unknown key(s) intervall"),
    ("feeds: [{url: 'http://a/x', interval: 0}]", "interval must be a number"),
    ("feeds: ['http://a/x', 'http://a/x']", "listed twice"),
])
def test_a_bad_feeds_file_says_what_is_wrong(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FeedsFileError, match=r"feeds\.yaml") as info:
        load_feeds_file(path)
    assert problem in str(info.value)


def test_the_readme_feeds_file_example_loads(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text("utf-8")
    section = readme.split("## How to follow real feeds", 1)[1]
    example = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "feeds.yaml"
    path.write_text(example, encoding="utf-8")
    loaded = load_feeds_file(path)
    assert len(loaded.feeds) == 3 and loaded.contact
