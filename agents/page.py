"""The claims page on the worker's web port, for a person at a desk.

`GET /` lists the tracked topics and, under each, its claims (status, the
party stances behind it, the time of the last change), with filters by topic
and status; `GET /page/claims/{id}` is one claim's story: its stances, its
timeline of observations (the evidence sentence with its direct quotations
marked, a link to the item) and its alerts. Alerts arrive live through the
existing SSE stream (`agents.web.alerts_stream`), read by a little plain
JavaScript (agents/static/page.js); everything else is server-rendered from
Jinja2 templates shipped as package data (agents/templates).

The claim page lives under /page/ rather than answering `Accept: text/html`
on /claims/{id}: the JSON API keeps one answer per URL (no Vary, no cache or
proxy mixing HTML and JSON, curl and the owner routing unchanged), and a
person's link or bookmark is always the page.

Item text is untrusted: templates autoescape everything, the JavaScript only
sets textContent, item links are followed only for http(s) URLs, and a
Content-Security-Policy allows no inline script at all.

With CLAIMWATCH_READ_TOKEN set, a browser cannot send a bearer header (an
EventSource cannot send any header): the page asks for the token once and
keeps it in an HttpOnly cookie, which the page's views turn back into the
header the API's checks read.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

import faust

from agents.deliver import alert_type_of, event_type
from agents.web import (
    ApiError,
    alerts_stream,
    check_read_token,
    claim_detail,
    from_owner,
    list_param,
    local_claims,
)
from schemas.records import ALERT_TYPES, STATUSES

if TYPE_CHECKING:
    from agents.pipeline import Pipeline

log = logging.getLogger(__name__)

TOKEN_COOKIE = "claimwatch_read_token"  # noqa: S105 - the cookie's name, not a token
RECENT_ALERTS = 20
STATIC = {"page.css": "text/css", "page.js": "text/javascript"}
SECURITY_HEADERS = {
    # no inline script or style at all: were an escape ever missed, item text still runs nothing
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; "
                               "img-src 'self'; connect-src 'self'; form-action 'self'; "
                               "base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
#: direct quotations inside an evidence sentence: “...”, "...", «...», „...“
_QUOTATION = re.compile(r"“[^“”]+”|\"[^\"]+\"|«[^«»]+»|„[^„“”]+[“”]")


# -- what the templates show ----------------------------------------------------

def evidence_parts(sentence: str) -> list[tuple[str, bool]]:
    """The sentence as (text, marked) pieces: its direct quotations marked, or
    the whole sentence when it quotes nobody (the observation's span is the
    sentence itself)."""
    parts: list[tuple[str, bool]] = []
    at = 0
    for m in _QUOTATION.finditer(sentence):
        if m.start() > at:
            parts.append((sentence[at:m.start()], False))
        parts.append((m.group(), True))
        at = m.end()
    if not parts:
        return [(sentence, True)] if sentence else []
    if at < len(sentence):
        parts.append((sentence[at:], False))
    return parts


def safe_url(url: Any) -> str | None:
    """An item's link when it is an absolute http(s) URL; anything else
    (javascript:, data:, relative) is shown as text, never followed."""
    if not isinstance(url, str) or len(url) > 2000:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else None


def when_text(iso: Any) -> str:
    """`2026-03-02T06:10:00Z` -> `2026-03-02 06:10 UTC` (as given when not a time)."""
    if not isinstance(iso, str) or not iso:
        return ""
    try:
        t = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso
    if t.utcoffset() is None:
        return t.strftime("%Y-%m-%d %H:%M")
    return t.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def claim_href(claim_id: Any) -> str:
    return "/page/claims/" + quote(str(claim_id), safe="")


def claim_card(detail: dict[str, Any]) -> dict[str, Any]:
    """One claim as the lists show it (from agents.web.claim_detail's shape)."""
    timeline = detail.get("timeline") or []
    return {**detail, "href": claim_href(detail.get("claim_id")),
            "last_change": detail.get("updated_at"),
            "last_change_text": when_text(detail.get("updated_at")),
            "observations": len(timeline)}


def observation_view(o: dict[str, Any]) -> dict[str, Any]:
    ev = o.get("evidence") or {}
    return {**o, "time_text": when_text(o.get("published_at")),
            "parts": evidence_parts(str(ev.get("sentence") or "")),
            "link": safe_url(o.get("url")),
            "anchor": "obs-" + re.sub(r"[^A-Za-z0-9_-]", "-", str(o.get("observation_id")))}


def alert_view(event: dict[str, Any]) -> dict[str, Any]:
    """An alert CloudEvent (the ring's and the stream's shape) as the lists show it."""
    data = event.get("data") or {}
    claim = data.get("claim") or {}
    ev = data.get("evidence") or {}
    stances = data.get("party_stances") or {}
    return {
        "id": event.get("id"), "type": alert_type_of(str(event.get("type", ""))),
        "claim_id": claim.get("id"), "claim_text": claim.get("text"),
        "topic": claim.get("topic"), "href": claim_href(claim.get("id")),
        "previous": data.get("previous_status"), "new": data.get("new_status"),
        "stances": ", ".join(f"{p}: {s}" for p, s in sorted(stances.items())),
        "time": event.get("time"), "time_text": when_text(event.get("time")),
        "quote": ev.get("quote"), "speaker": ev.get("speaker"), "party": ev.get("party"),
    }


# -- rendering ----------------------------------------------------------------

@cache
def environment() -> Any:
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("agents", "templates"),
                             autoescape=True, undefined=jinja2.ChainableUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    env.globals.update(statuses=STATUSES,
                       stream_types=" ".join(event_type(t) for t in ALERT_TYPES))
    return env


def render(template: str, status: int = 200, **context: Any) -> Any:
    from aiohttp import web as aioweb

    html = environment().get_template(template).render(**context)
    return aioweb.Response(text=html, status=status, content_type="text/html",
                           charset="utf-8", headers=SECURITY_HEADERS)


def page_errors(fn: Any) -> Any:
    """ApiError (and anything unexpected) as an HTML page; a 401 asks for the token."""
    async def wrapper(pipe: Pipeline, request: Any, *args: Any) -> Any:
        try:
            return await fn(pipe, request, *args)
        except ApiError as exc:
            if exc.status == 401:
                return render("token.html", 401, next=request.path_qs,
                              wrong=TOKEN_COOKIE in request.cookies)
            return render("error.html", exc.status, code=exc.status, detail=exc.detail)
        except Exception:
            log.exception("%s %s failed", request.method, request.path)
            return render("error.html", 500, code=500,
                          detail="the worker could not show this page; its log says why")
    return wrapper


# -- the read token in a cookie ---------------------------------------------------

def authorization(request: Any) -> str | None:
    """The bearer header, else the page's cookie as one."""
    header = request.headers.get("Authorization")
    if header:
        return str(header)
    cookie = request.cookies.get(TOKEN_COOKIE)
    return f"Bearer {cookie}" if cookie else None


def with_authorization(request: Any) -> Any:
    """The request with the cookie's token as its Authorization header (for the
    API's own views, which read only the header)."""
    header = authorization(request)
    if header is None or request.headers.get("Authorization"):
        return request
    return request.clone(headers={**request.headers, "Authorization": header})


def safe_next(target: Any) -> str:
    """Where to go after the token form: a path on this server, else /."""
    if isinstance(target, str) and target.startswith("/") and not target.startswith("//") \
            and "\\" not in target and len(target) <= 2000:
        return target
    return "/"


# -- views ----------------------------------------------------------------------

def topic_group(topic_id: str, name: str, parties: list[str] | None,
                cards: list[dict[str, Any]]) -> dict[str, Any]:
    """A topic's claims, newest change first: the decided ones, then the
    unverified (which the page folds away: most claims nobody has spoken to)."""
    cards = sorted(cards, key=lambda c: (str(c["last_change"] or ""), str(c["claim_id"])),
                   reverse=True)
    return {"id": topic_id, "name": name, "tracked": parties is not None,
            "parties": parties or [], "count": len(cards),
            "decided": [c for c in cards if c["status"] != "unverified"],
            "unverified": [c for c in cards if c["status"] == "unverified"]}


@page_errors
async def index(pipe: Pipeline, request: Any) -> Any:
    check_read_token(pipe, authorization(request))
    q = request.query
    topics_wanted = set(list_param(q, "topic"))
    statuses_wanted = set(list_param(q, "status"))
    bad = statuses_wanted - set(STATUSES)
    if bad:
        raise ApiError(400, "bad_request",
                       f"unknown status {', '.join(sorted(bad))}; one of {', '.join(STATUSES)}")
    tracked = pipe.registry.topics()
    names = {t.id: t.name for t in tracked}
    cards: dict[str, list[dict[str, Any]]] = {}
    counts = dict.fromkeys(STATUSES, 0)
    for state in local_claims(pipe):
        card = claim_card(claim_detail(state))
        if topics_wanted and card["topic_id"] not in topics_wanted:
            continue
        if card["status"] in counts:
            counts[card["status"]] += 1
        if not statuses_wanted or card["status"] in statuses_wanted:
            cards.setdefault(str(card["topic_id"]), []).append(card)
    groups = [topic_group(t.id, t.name, [p.name for p in t.parties], cards.get(t.id, []))
              for t in tracked if not topics_wanted or t.id in topics_wanted]
    groups += [topic_group(tid, tid, None, found)
               for tid, found in sorted(cards.items()) if tid not in names]
    topic_filter = sorted(topics_wanted) or None
    alerts = [alert_view(e.event) for e in pipe.hub.recent(topic_filter, None, RECENT_ALERTS)]
    return render(
        "index.html", groups=groups, topics=tracked, counts=counts,
        chosen_topics=topics_wanted, chosen_statuses=statuses_wanted,
        shown=sum(g["count"] for g in groups), alerts=alerts,
        stream=stream_url(topic_filter), last_alert_id=alerts[0]["id"] if alerts else "",
        partitions=partition_note(pipe))


@page_errors
async def claim_page(pipe: Pipeline, request: Any, claim_id: str) -> Any:
    check_read_token(pipe, authorization(request))
    value = pipe.claims.get(claim_id)
    routed_from = None
    if isinstance(value, dict):
        detail = claim_detail(value)
    else:
        # another worker owns it: its JSON API answers (agents.web.from_owner)
        routed = await from_owner(pipe, with_authorization(request), claim_id)
        if routed is None or routed.status != 200:
            if routed is not None and routed.status == 401:
                raise ApiError(401, "unauthorized", "the claim's owner refused the token")
            raise ApiError(404, "not_found", f"no claim {claim_id!r} on this worker "
                           "or the one that owns its partition")
        detail = json.loads(routed.body)
        routed_from = routed.headers.get("X-Claimwatch-Routed")
    topic = pipe.registry.get(str(detail.get("topic_id")))
    card = claim_card(detail)
    timeline = [observation_view(o) for o in detail.get("timeline") or ()]
    anchors = {o["observation_id"]: o["anchor"] for o in timeline}
    parties = [{"name": p, **v, "anchor": anchors.get(v.get("observation_id"))}
               for p, v in (detail.get("parties") or {}).items()]
    alerts = [alert_view(e.event) for e in pipe.hub.recent([str(detail.get("topic_id"))],
                                                           None, pipe.settings.alerts_ring)
              if e.event.get("subject") == claim_id]
    return render(
        "claim.html", claim=card, topic=topic, parties=parties, timeline=timeline,
        alerts=alerts, reversals=detail.get("reversals") or [],
        media=detail.get("media_support") or {}, routed_from=routed_from,
        stream=stream_url([str(detail.get("topic_id"))]),
        last_alert_id=alerts[0]["id"] if alerts else "")


async def stream(pipe: Pipeline, request: Any) -> Any:
    """The existing SSE stream, with the page's cookie as its bearer header."""
    return await alerts_stream(pipe, with_authorization(request))


@page_errors
async def token_form(pipe: Pipeline, request: Any) -> Any:
    from aiohttp import web as aioweb

    if pipe.settings.read_token is None or not pipe.settings.read_token.get_secret_value():
        # nothing to ask for: the page is open
        return aioweb.Response(status=303, headers={
            **SECURITY_HEADERS, "Location": safe_next(request.query.get("next"))})
    if request.method == "GET":
        return render("token.html", next=safe_next(request.query.get("next")), wrong=False)
    form = await request.post()
    token, target = str(form.get("token") or ""), safe_next(form.get("next"))
    try:
        check_read_token(pipe, f"Bearer {token}")
    except ApiError:
        return render("token.html", 401, next=target, wrong=True)
    resp = aioweb.Response(status=303, headers={**SECURITY_HEADERS, "Location": target})
    resp.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="Lax", path="/",
                    secure=request.secure)
    return resp


async def static(request: Any, name: str) -> Any:
    from aiohttp import web as aioweb

    if name not in STATIC:
        raise aioweb.HTTPNotFound()
    body = (resources.files("agents") / "static" / name).read_bytes()
    return aioweb.Response(body=body, content_type=STATIC[name], charset="utf-8",
                           headers={**SECURITY_HEADERS, "Cache-Control": "no-cache"})


def stream_url(topics: list[str] | None) -> str:
    if not topics:
        return "/page/alerts/stream"
    return "/page/alerts/stream?topic=" + quote(",".join(topics), safe="")


def partition_note(pipe: Pipeline) -> str | None:
    """Says so when this worker holds only some of the claims' partitions."""
    topic = pipe.settings.observations_topic
    try:
        held = sorted(tp.partition for tp in pipe.app.consumer.assignment()
                      if tp.topic == topic)
    except Exception:
        return None
    if not held or len(held) >= pipe.settings.partitions:
        return None
    return (f"This worker holds partitions {', '.join(map(str, held))} of "
            f"{pipe.settings.partitions}: claims of the other partitions are on the other "
            "workers' pages (a claim's own page is found from any worker).")


def register(pipe: Pipeline) -> None:
    app = pipe.app

    @app.page("/")
    async def index_view(web: Any, request: Any) -> Any:
        return await index(pipe, request)

    @app.page("/page/claims/{claim_id}")
    async def claim_view(web: Any, request: Any, claim_id: str) -> Any:
        return await claim_page(pipe, request, claim_id)

    @app.page("/page/alerts/stream")
    async def stream_view(web: Any, request: Any) -> Any:
        return await stream(pipe, request)

    @app.page("/page/static/{name}")
    async def static_view(web: Any, request: Any, name: str) -> Any:
        return await static(request, name)

    class TokenView(faust.web.View):
        async def get(self, request: Any) -> Any:
            return await token_form(pipe, request)

        async def post(self, request: Any) -> Any:
            return await token_form(pipe, request)

    app.page("/page/token")(TokenView)
