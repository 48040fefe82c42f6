"""The claims page through aiohttp's test server on the worker's own web app
(no broker): claims listed under their topics with the stances behind them,
filters, a claim's timeline with its quotation marked and its item linked,
item text shown inert, the read token asked for once and kept in a cookie."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from agents.alerts import AlertEvent
from agents.app import create_pipeline
from agents.deliver import event_type
from agents.metrics import Metrics
from agents.page import evidence_parts, safe_url, when_text
from agents.pipeline import Pipeline
from agents.settings import Settings
from detector import Evidence, Observation, Topic, apply, new_state, state_to_dict

READ = "read-token-0123456789"
HOSTILE = ('Kestria said "<script>window.pwned=1</script>" and '
           '<img src=x onerror="window.pwned=2"> <b>bold</b> & more')
TOPICS = [Topic.from_dict({"id": "marren-strait", "name": "Marren <Strait>",
                           "keywords": ["Marren"],
                           "parties": {"Kestria": ["Kestria"], "Dravonia": ["Dravonia"]}}),
          Topic.from_dict({"id": "velotinib", "name": "Velotinib", "keywords": ["velotinib"]})]

Client = Callable[..., Any]


def observation(n: int, claim_id: str, topic_id: str, stance: str, party: str,
                sentence: str, url: str | None = "https://news.example.org/a") -> Observation:
    return Observation(
        observation_id=f"obs-{claim_id}-{n}", claim_id=claim_id, claim_text=f"{claim_id} <i>x</i>",
        topic_id=topic_id, item_id=f"item-{n}", source="Wire <b>", url=url,
        published_at=f"2026-03-0{n}T06:10:00Z", stance=stance,  # type: ignore[arg-type]
        speaker=f"{party} spokesperson", party=party, role="party", when="current",
        evidence=Evidence(sentence, 10, 10 + len(sentence)), confidence=0.9)


def put_claim(pipe: Pipeline, *observations: Observation) -> dict[str, Any]:
    first = observations[0]
    state = new_state(first.claim_id, first.topic_id, first.claim_text)
    for o in observations:
        state, _ = apply(state, o, 2)
    value = state_to_dict(state)
    pipe.claims.data[first.claim_id] = value  # the local store, as the track agent leaves it
    return value


def alert(pipe: Pipeline, alert_id: str, claim_id: str, topic: str, new: str) -> None:
    pipe.hub.followed(AlertEvent({
        "id": alert_id, "type": event_type("confirmed"), "subject": claim_id,
        "time": "2026-03-03T07:00:00.000Z", "specversion": "1.0",
        "data": {"claim": {"id": claim_id, "text": f"{claim_id} <i>x</i>", "topic": topic},
                 "previous_status": "unverified", "new_status": new,
                 "party_stances": {"Kestria": "confirm"},
                 "evidence": {"quote": HOSTILE, "item_id": "item-1", "start": 0, "end": 1,
                              "speaker": "Kestria spokesperson", "party": "Kestria"}}}))


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[Client]:
    clients: list[TestClient[Any, Any]] = []

    async def make(**overrides: Any) -> TestClient[Any, Any]:
        settings = Settings(store="memory://", data_dir=tmp_path, **overrides)
        p = create_pipeline(settings, metrics=Metrics(), topics=TOPICS)
        p.app.finalize()
        put_claim(p, observation(1, "seized", "marren-strait", "confirm", "Kestria", HOSTILE,
                                 url="javascript:alert(1)"),
                  observation(2, "seized", "marren-strait", "deny", "Dravonia",
                              "Dravonia called it “a fabrication from start to end” on Monday."))
        put_claim(p, observation(3, "paused", "velotinib", "confirm", "Medrix", "It paused."))
        put_claim(p, observation(4, "talk", "velotinib", "report", "Wire", "Talk of a pause."))
        alert(p, "alert-1", "seized", "marren-strait", "confirmed")
        c = TestClient(TestServer(p.app.web.web_app))  # type: ignore[attr-defined]
        await c.start_server()
        c.pipe = p  # type: ignore[attr-defined]
        clients.append(c)
        return c

    yield make
    for c in clients:
        await c.close()


class Elements(HTMLParser):
    """Every start tag of a page with its attributes, and its text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


async def page(c: Any, path: str, status: int = 200, **kw: Any) -> str:
    resp = await c.get(path, **kw)
    html = await resp.text()
    assert resp.status == status, (resp.status, html)
    assert resp.content_type == "text/html"
    assert "script-src 'self'" in resp.headers["Content-Security-Policy"]
    return html


def claim_ids(html: str) -> list[str]:
    return [a["data-claim-id"] or "" for t, a in Elements(html).tags
            if t == "li" and "claim" in (a.get("class") or "").split()]


async def test_index_lists_topics_claims_stances_and_last_change(client: Client) -> None:
    c = await client()
    html = await page(c, "/")
    # the topics in their file's order, the unverified claims folded away after the others
    assert claim_ids(html) == ["seized", "paused", "talk"]
    assert re.search(r'<details class="unverified">\s*<summary>1 unverified claim', html)
    text = " ".join(Elements(html).text)
    assert "Marren <Strait>" in text and "Velotinib" in text
    assert "Kestria: " in text and "Dravonia: " in text
    assert "2026-03-02 06:10 UTC" in text  # the seized claim's last observation
    assert "/page/claims/seized" in html


@pytest.mark.parametrize(("query", "shown"), [
    ("?topic=velotinib", ["paused", "talk"]),
    ("?status=disputed", ["seized"]),
    ("?status=confirmed", ["paused"]),
    ("?status=confirmed,unverified", ["paused", "talk"]),
    ("?topic=velotinib&status=disputed", []),
    ("?status=", ["seized", "paused", "talk"]),
])
async def test_index_filters_by_topic_and_status(client: Client, query: str,
                                                 shown: list[str]) -> None:
    c = await client()
    assert claim_ids(await page(c, "/" + query)) == shown


async def test_unverified_claims_unfold_when_asked_for(client: Client) -> None:
    c = await client()
    assert '<details class="unverified" open>' in await page(c, "/?status=unverified")


async def test_unknown_status_is_a_400_page(client: Client) -> None:
    c = await client()
    html = await page(c, "/?status=nonsense", 400)
    assert "unknown status nonsense" in html


async def test_claim_page_timeline_marks_the_quotation_and_links_the_item(
        client: Client) -> None:
    c = await client()
    html = await page(c, "/page/claims/seized")
    parsed = Elements(html)
    assert [a["id"] for t, a in parsed.tags if t == "li" and a.get("class") == "observation"] \
        == ["obs-obs-seized-1", "obs-obs-seized-2"]
    assert "<mark>“a fabrication from start to end”</mark>" in html
    assert "2026-03-01 06:10 UTC" in html and "Dravonia spokesperson" in html
    links = [a.get("href") for t, a in parsed.tags if t == "a"]
    assert "https://news.example.org/a" in links  # the second item's link
    assert not any(h and h.startswith("javascript:") for h in links)
    assert "alert-1" in html  # its alert


async def test_item_text_is_inert_everywhere(client: Client) -> None:
    c = await client()
    for path in ("/", "/page/claims/seized"):
        html = await page(c, path)
        tags = Elements(html).tags
        # the only script is the page's own, no element came from item text
        assert [a.get("src") for t, a in tags if t == "script"] == ["/page/static/page.js"]
        assert not [t for t, _ in tags if t in ("img", "b", "i")]
        assert not any(k.startswith("on") for _, a in tags for k in a)
        assert "&lt;script&gt;window.pwned=1&lt;/script&gt;" in html
        assert "Wire &lt;b&gt;" in html or path == "/"


async def test_a_claim_nobody_has_is_a_404_page(client: Client) -> None:
    c = await client()
    assert "no claim" in await page(c, "/page/claims/nope", 404)


async def test_the_read_token_is_asked_once_and_kept_in_a_cookie(client: Client) -> None:
    c = await client(read_token=READ)
    html = await page(c, "/?topic=velotinib", 401)
    assert 'name="next" value="/?topic=velotinib"' in html
    assert (await c.get("/page/alerts/stream")).status == 401
    resp = await c.post("/page/token", data={"token": "wrong", "next": "/"},
                        allow_redirects=False)
    assert resp.status == 401 and "not this worker" in await resp.text()
    resp = await c.post("/page/token", data={"token": READ, "next": "//evil.example/"},
                        allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"] == "/"
    assert "HttpOnly" in resp.headers["Set-Cookie"]
    assert claim_ids(await page(c, "/")) == ["seized", "paused", "talk"]
    stream = await c.get("/page/alerts/stream", timeout=5)
    assert stream.status == 200 and stream.content_type == "text/event-stream"
    stream.close()
    assert (await c.get("/claims", headers={"Authorization": f"Bearer {READ}"})).status == 200


async def test_static_files_and_nothing_else(client: Client) -> None:
    c = await client()
    js = await c.get("/page/static/page.js")
    assert js.status == 200 and "textContent" in await js.text()
    assert "innerHTML" not in await js.text()
    assert (await c.get("/page/static/../page.py")).status == 404
    assert (await c.get("/page/static/x.css")).status == 404


@pytest.mark.parametrize(("sentence", "parts"), [
    ("No quote here.", [("No quote here.", True)]),
    ('He said "no" twice.', [("He said ", False), ('"no"', True), (" twice.", False)]),
    ("«Oui», dit-il.", [("«Oui»", True), (", dit-il.", False)]),
    ("", []),
])
def test_evidence_parts_mark_direct_quotations(sentence: str,
                                               parts: list[tuple[str, bool]]) -> None:
    assert evidence_parts(sentence) == parts
    assert "".join(t for t, _ in parts) == sentence


@pytest.mark.parametrize(("url", "ok"), [
    ("https://a.example/x", True), ("http://a.example", True), ("javascript:alert(1)", False),
    (" JavaScript:alert(1)", False), ("data:text/html,x", False), ("/relative", False),
    (None, False), ("https://", False),
])
def test_only_http_links_are_followed(url: str | None, ok: bool) -> None:
    assert (safe_url(url) is not None) is ok


def test_times_read_in_utc() -> None:
    assert when_text("2026-03-02T08:10:00+02:00") == "2026-03-02 06:10 UTC"
    assert when_text("not a time") == "not a time"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", when_text("2026-03-02T06:10:00Z"))
