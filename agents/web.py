"""Web views on the worker's port: /health, /metrics, the claims and alerts
API, the SSE stream, topic and webhook changes behind the bearer token;
consumer lag, read when /metrics is scraped.

Errors are JSON everywhere: `{"error": <code>, "detail": <why>}` with the
HTTP status (unknown paths and methods too, through a middleware).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import ipaddress
import json
import logging
import re
from typing import TYPE_CHECKING, Any

import faust
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from agents.alerts import AlertEvent, WebhookConfig, read_alerts_topic, sse_frame
from agents.deliver import rfc3339
from agents.ingest import BadJson, load_json

if TYPE_CHECKING:
    from agents.pipeline import Pipeline

log = logging.getLogger(__name__)
SSE_KEEPALIVE = 10.0
MAX_PAGE = 500
#: request bodies: deepest nesting and longest integer accepted
MAX_BODY_DEPTH = 32
MAX_BODY_INT_DIGITS = 30
#: query parameters: values per list parameter, characters per value
MAX_LIST_VALUES = 50
MAX_VALUE_CHARS = 200
_INTEGER = re.compile(r"-?[0-9]{1,15}")


class ApiError(Exception):
    """An error answered as JSON with its HTTP status."""

    def __init__(self, status: int, code: str, detail: str,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail, self.headers = status, code, detail, headers


def error_body(code: str, detail: str) -> dict[str, str]:
    return {"error": code, "detail": detail}


def short(text: str, most: int = 60) -> str:
    """A caller's text as quoted back in an error: repr, cut to `most` characters."""
    return repr(text) if len(text) <= most else repr(text[:most]) + f"... ({len(text)} chars)"


def _configured(token: Any) -> bytes | None:
    return token.get_secret_value().encode("utf-8") if token is not None and \
        token.get_secret_value() else None


def _require_bearer(authorization: str | None, *tokens: bytes | None) -> None:
    """401 unless the header is `Bearer <one of tokens>`, byte for byte (a
    trailing space is another token)."""
    challenge = {"WWW-Authenticate": 'Bearer realm="claimwatch"'}
    if not authorization or not authorization.startswith("Bearer "):
        raise ApiError(401, "unauthorized", "missing bearer token (Authorization: Bearer ...)",
                       challenge)
    given = authorization[len("Bearer "):].encode("utf-8", "surrogateescape")
    # every token compared, in constant time each
    matches = [hmac.compare_digest(given, t) for t in tokens if t is not None]
    if not any(matches):
        raise ApiError(401, "unauthorized", "wrong bearer token", challenge)


def check_token(pipe: Pipeline, authorization: str | None) -> None:
    """Bearer token check: 503 when no token is configured, 401 when missing or wrong."""
    token = _configured(pipe.settings.api_token)
    if token is None:
        raise ApiError(503, "api_disabled",
                       "changes over HTTP are disabled: set CLAIMWATCH_API_TOKEN")
    _require_bearer(authorization, token)


def check_read_token(pipe: Pipeline, authorization: str | None) -> None:
    """The read endpoints' check: open without CLAIMWATCH_READ_TOKEN (the worker
    then listens on loopback only, see require_read_token), else 401 unless
    the read token or the API token is given."""
    read = _configured(pipe.settings.read_token)
    if read is not None:
        _require_bearer(authorization, read, _configured(pipe.settings.api_token))


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a host name, or "" (every interface)
        return False


def require_read_token(settings: Any) -> None:
    """A worker that listens beyond loopback must guard its read endpoints."""
    if not is_loopback(settings.web_host) and _configured(settings.read_token) is None:
        raise SystemExit(
            f"claimwatch: CLAIMWATCH_WEB_HOST={settings.web_host!r} listens beyond loopback: "
            "set CLAIMWATCH_READ_TOKEN (a bearer token for /claims and /alerts) or listen "
            "on 127.0.0.1")


def int_param(query: Any, name: str, default: int, lo: int, hi: int) -> int:
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    if not _INTEGER.fullmatch(raw):
        raise ApiError(400, "bad_request", f"{name} must be an integer, got {short(raw)}")
    value = int(raw)
    if not lo <= value <= hi:
        raise ApiError(400, "bad_request", f"{name} must be between {lo} and {hi}")
    return value


def list_param(query: Any, name: str) -> list[str]:
    """Comma-separated values, repeatable (?topic=a,b&topic=c); 400 beyond
    MAX_LIST_VALUES values or MAX_VALUE_CHARS characters in one."""
    out: list[str] = []
    for raw in query.getall(name, []):
        out += [v.strip() for v in raw.split(",") if v.strip()]
        if len(out) > MAX_LIST_VALUES:
            raise ApiError(400, "bad_request", f"{name}: at most {MAX_LIST_VALUES} values")
    for value in out:
        if len(value) > MAX_VALUE_CHARS:
            raise ApiError(400, "bad_request",
                           f"{name}: a value of at most {MAX_VALUE_CHARS} characters, "
                           f"got {short(value)}")
    return out


def claim_summary(state: dict[str, Any]) -> dict[str, Any]:
    parties = state.get("parties") or {}
    timeline = state.get("timeline") or []
    return {
        "claim_id": state.get("claim_id"),
        "topic_id": state.get("topic_id"),
        "text": state.get("text"),
        "status": state.get("status"),
        "stances": {p: v.get("stance") for p, v in sorted(parties.items())},
        "observations": len(timeline),
        "updated_at": timeline[-1].get("published_at") if timeline else None,
    }


def claim_detail(state: dict[str, Any]) -> dict[str, Any]:
    out = claim_summary(state)
    out["parties"] = {
        p: {"stance": v.get("stance"), "when": v.get("when"),
            "observation_id": v.get("observation_id")}
        for p, v in sorted((state.get("parties") or {}).items())
    }
    out["media_support"] = {"confirm": list(state.get("media_confirm_sources") or ()),
                            "deny": list(state.get("media_deny_sources") or ())}
    out["reversals"] = [{"party": r[0], "from": r[1], "to": r[2], "observation_id": r[3]}
                        for r in state.get("reversals") or () if len(r) >= 4]
    out["timeline"] = [
        {"observation_id": o.get("observation_id"), "item_id": o.get("item_id"),
         "source": o.get("source"), "url": o.get("url"), "published_at": o.get("published_at"),
         "stance": o.get("stance"), "speaker": o.get("speaker"), "party": o.get("party"),
         "role": o.get("role"), "when": o.get("when"), "confidence": o.get("confidence"),
         "evidence": o.get("evidence")}
        for o in state.get("timeline") or ()
    ]
    return out


def local_claims(pipe: Pipeline) -> list[dict[str, Any]]:
    """The claim states this worker owns: its active partitions of the claims
    table (a memory store also holds standby copies of other workers' claims)."""
    topic = pipe.settings.observations_topic
    try:
        active = {tp.partition for tp in pipe.app.consumer.assignment() if tp.topic == topic}
        partition_of = pipe.app.producer.key_partition
    except Exception:
        active, partition_of = set(), None
    out = []
    for key, value in list(pipe.claims.items()):
        if not (isinstance(value, dict) and value.get("claim_id")):
            continue
        if partition_of is not None and active:
            try:
                if partition_of(topic, str(key).encode("utf-8")).partition not in active:
                    continue
            except Exception as exc:
                log.debug("claim %s: no partition (%r)", key, exc)
        out.append(value)
    return out


def health(pipe: Pipeline) -> tuple[dict[str, Any], int]:
    """The /health body and status: 503 while not consuming."""
    consuming = pipe.consuming
    body = {
        "status": "ok" if consuming else "unavailable",
        "consuming": consuming,
        "detector_ready": pipe.detector is not None,
        "topics_ready": pipe.registry.ready.is_set(),
        "assigned_partitions": pipe.source_partitions(),
        "last_consumed_at": rfc3339(pipe.last_consumed) if pipe.last_consumed else None,
        "tracked_topics": pipe.registry.ids(),
        "rebalancing": bool(getattr(pipe.app, "rebalancing", False)),
    }
    return body, 200 if consuming else 503


class ConsumerLag:
    """The rows of claimwatch_consumer_lag for the source partitions, read when
    /metrics is scraped, through faust's public consumer and monitor: the end
    of each assigned partition (`consumer.highwater`) less the position after
    the last message handed to the agents (the monitor's read offsets) or
    committed by this worker (its committed offsets). A partition this worker
    has not read from nor committed yet (an idle worker just restarted) counts
    from the consumer's fetch position, which the view awaits before the
    scrape (`refresh`)."""

    def __init__(self, pipe: Pipeline) -> None:
        self.pipe = pipe
        self.fetch_positions: dict[Any, int] = {}

    def _assigned(self) -> list[Any]:
        wanted = {self.pipe.settings.news_topic, self.pipe.settings.observations_topic}
        return sorted((tp for tp in self.pipe.app.consumer.assignment() if tp.topic in wanted),
                      key=lambda tp: (tp.topic, tp.partition))

    def _processed(self, tp: Any) -> int | None:
        monitor = self.pipe.app.monitor
        read = (monitor.tp_read_offsets or {}).get(tp)
        committed = (monitor.tp_committed_offsets or {}).get(tp)
        known = [p for p in ((read + 1) if read is not None else None, committed)
                 if p is not None]
        return max(known) if known else None

    async def refresh(self) -> None:
        """Fetch positions for the partitions the monitor knows nothing of."""
        positions: dict[Any, int] = {}
        with contextlib.suppress(Exception):  # no consumer yet, or a rebalance
            consumer = self.pipe.app.consumer
            for tp in self._assigned():
                if self._processed(tp) is None:
                    position = await consumer.position(tp)
                    if position is not None:
                        positions[tp] = position
        self.fetch_positions = positions

    def rows(self) -> list[tuple[str, int, int]]:
        consumer = self.pipe.app.consumer
        out = []
        for tp in self._assigned():
            high = consumer.highwater(tp)
            if high is None:  # nothing fetched yet
                continue
            position = self._processed(tp)
            if position is None:
                position = self.fetch_positions.get(tp)
            if position is not None:
                out.append((tp.topic, tp.partition, high - position))
        return out


def too_large(limit: int) -> ApiError:
    return ApiError(413, "too_large", f"request body over {limit} bytes "
                    "(CLAIMWATCH_WEB_MAX_BODY_BYTES)")


async def read_json(request: Any) -> Any:
    """The body as JSON: 413 over the size limit, 400 (in our words, never an
    exception's) when it is not UTF-8 JSON, nests deeper than MAX_BODY_DEPTH
    or holds an integer longer than MAX_BODY_INT_DIGITS."""
    from aiohttp import web as aioweb

    limit = request.client_max_size
    if request.content_length is not None and request.content_length > limit:
        raise too_large(limit)
    try:
        raw = await request.read()
    except aioweb.HTTPRequestEntityTooLarge:
        raise too_large(limit) from None
    except Exception as exc:
        log.info("%s %s: body not read: %r", request.method, request.path, exc)
        raise ApiError(400, "bad_request", "cannot read the body") from None
    if not raw:
        raise ApiError(400, "bad_request", "empty body: expected JSON")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(400, "bad_request", f"body is not UTF-8 (byte {exc.start})") from None
    try:
        body = load_json(text, max_int_digits=MAX_BODY_INT_DIGITS)
    except BadJson as exc:
        raise ApiError(400, "bad_request", f"body is not JSON: {exc}") from None
    if json_depth(body) > MAX_BODY_DEPTH:
        raise ApiError(400, "bad_request", f"body nested deeper than {MAX_BODY_DEPTH} levels")
    return body


def json_depth(value: Any) -> int:
    """How deep lists and objects nest in a decoded JSON value (without recursion)."""
    deepest, todo = 0, [(value, 1)]
    while todo:
        node, depth = todo.pop()
        if isinstance(node, dict | list):
            deepest = max(deepest, depth)
            todo.extend((child, depth + 1) for child in
                        (node.values() if isinstance(node, dict) else node))
    return deepest


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Any:
    from aiohttp import web as aioweb

    return aioweb.Response(
        body=json.dumps(body, ensure_ascii=False).encode("utf-8"), status=status,
        content_type="application/json", charset="utf-8", headers=headers)


def handle(fn: Any) -> Any:
    """Turn ApiError (and anything unexpected) into a JSON answer."""
    async def wrapper(pipe: Pipeline, request: Any, *args: Any) -> Any:
        try:
            return await fn(pipe, request, *args)
        except ApiError as exc:
            return json_response(error_body(exc.code, exc.detail), exc.status, exc.headers)
        except (asyncio.CancelledError, ConnectionResetError):
            raise
        except Exception:
            return internal_error(request)
    return wrapper


INTERNAL_DETAIL = "the worker could not answer this request; its log says why"


def internal_error(request: Any) -> Any:
    """A 500 that says nothing of the exception (the log has it)."""
    log.exception("%s %s failed", request.method, request.path)
    return json_response(error_body("internal", INTERNAL_DETAIL), 500)


# -- claims -------------------------------------------------------------------

@handle
async def get_claims(pipe: Pipeline, request: Any) -> Any:
    check_read_token(pipe, request.headers.get("Authorization"))
    q = request.query
    topics = set(list_param(q, "topic"))
    statuses = set(list_param(q, "status"))
    from schemas.records import STATUSES

    bad = statuses - set(STATUSES)
    if bad:
        raise ApiError(400, "bad_request", f"unknown status {sorted(bad)}; one of "
                       f"{', '.join(STATUSES)}")
    limit = int_param(q, "limit", 100, 1, MAX_PAGE)
    offset = int_param(q, "offset", 0, 0, 10**9)
    claims = [c for c in local_claims(pipe)
              if (not topics or c.get("topic_id") in topics)
              and (not statuses or c.get("status") in statuses)]
    claims.sort(key=lambda c: str(c.get("claim_id")))
    page = claims[offset:offset + limit]
    nxt = offset + limit if offset + limit < len(claims) else None
    return json_response({"claims": [claim_summary(c) for c in page], "total": len(claims),
                          "offset": offset, "limit": limit, "next_offset": nxt,
                          "partitions": pipe.source_partitions(),
                          # during a rebalance a partition's claims are on no worker
                          # until its new owner has recovered it: the list may be short
                          "rebalancing": bool(getattr(pipe.app, "rebalancing", False))})


ROUTED_HEADER = "X-Claimwatch-Routed"


def owner_url(pipe: Pipeline, claim_id: str) -> str | None:
    """The web URL of the worker that owns a claim's partition (from the group's
    assignment: the claims table's changelog partition p goes with observations
    partition p), or None when unknown."""
    try:
        tp = pipe.app.producer.key_partition(pipe.settings.observations_topic,
                                             claim_id.encode("utf-8"))
        changelog = pipe.claims.changelog_topic.get_topic_name()
        assignor: Any = pipe.app.assignor
        for url, topics in assignor.changelog_distribution.items():
            if tp.partition in topics.get(changelog, ()):
                return str(url)
    except Exception as exc:
        log.debug("no owner for claim %s: %r", claim_id, exc)
    return None


async def from_owner(pipe: Pipeline, request: Any, claim_id: str) -> Any:
    """Ask the worker that owns the claim (once: a routed request is not routed again)."""
    from urllib.parse import quote

    from aiohttp import ClientTimeout

    if request.headers.get(ROUTED_HEADER):
        return None
    url = owner_url(pipe, claim_id)
    if url is None or url.rstrip("/") == str(pipe.app.conf.canonical_url).rstrip("/"):
        return None
    target = f"{url.rstrip('/')}/claims/{quote(claim_id, safe=':')}"
    headers = {ROUTED_HEADER: "1"}
    if request.headers.get("Authorization"):  # the owner checks the read token too
        headers["Authorization"] = request.headers["Authorization"]
    try:
        async with pipe.app.http_client.get(target, headers=headers,
                                            timeout=ClientTimeout(total=10)) as resp:
            body = await resp.json(content_type=None)
            return json_response(body, resp.status, {ROUTED_HEADER: url})
    except Exception as exc:
        log.info("claim %s: owner %s did not answer: %r", claim_id, url, exc)
        raise ApiError(502, "owner_unreachable",
                       f"claim {short(claim_id)} lives on {url}, which did not answer") from None


@handle
async def get_claim(pipe: Pipeline, request: Any, claim_id: str) -> Any:
    check_read_token(pipe, request.headers.get("Authorization"))
    value = pipe.claims.get(claim_id)
    if not isinstance(value, dict):
        routed = await from_owner(pipe, request, claim_id)
        if routed is not None:
            return routed
        raise ApiError(404, "not_found", f"no claim {short(claim_id)}")
    return json_response(claim_detail(value))


# -- alerts -------------------------------------------------------------------

@handle
async def get_alerts(pipe: Pipeline, request: Any) -> Any:
    check_read_token(pipe, request.headers.get("Authorization"))
    q = request.query
    limit = int_param(q, "limit", 100, 1, pipe.settings.alerts_ring)
    events = pipe.hub.recent(list_param(q, "topic") or None, list_param(q, "type") or None,
                             limit)
    return json_response({"alerts": [e.event for e in events], "count": len(events)})


@handle
async def alerts_stream(pipe: Pipeline, request: Any) -> Any:
    from aiohttp import web as aioweb

    check_read_token(pipe, request.headers.get("Authorization"))
    topics = list_param(request.query, "topic") or None
    types = list_param(request.query, "type") or None
    last_id = request.headers.get("Last-Event-ID") or request.query.get("last_event_id")
    if last_id and len(last_id) > MAX_VALUE_CHARS:
        raise ApiError(400, "bad_request",
                       f"Last-Event-ID: at most {MAX_VALUE_CHARS} characters")
    hub = pipe.hub
    queue = hub.listen()  # before the backlog, so nothing falls between
    try:
        backlog: list[AlertEvent] = []
        if last_id:
            found = hub.ring.after(last_id)
            if found is None:
                replay = await read_alerts_topic(pipe.settings.bootstrap_servers,
                                                 pipe.settings.alerts_topic)
                ids = [e.id for e in replay]
                found = replay[ids.index(last_id) + 1:] if last_id in ids else replay
            backlog = found
        resp = aioweb.StreamResponse(status=200, headers={
            "Content-Type": "text/event-stream", "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no"})
        await resp.prepare(request)
        try:
            await resp.write(b"retry: 2000\n: claimwatch alerts\n\n")
            sent: set[str] = set()
            for ev in backlog:
                if ev.id not in sent and ev.matches(topics, types):
                    sent.add(ev.id)
                    await resp.write(sse_frame(ev))
            while True:
                try:
                    got: AlertEvent | None = await asyncio.wait_for(queue.get(),
                                                                     SSE_KEEPALIVE)
                except TimeoutError:
                    await resp.write(b": keepalive\n\n")
                    continue
                if got is None:
                    break
                if got.id in sent or not got.matches(topics, types):
                    continue
                sent.add(got.id)
                if len(sent) > 10 * pipe.settings.alerts_ring:
                    sent.clear()
                await resp.write(sse_frame(got))
        except ConnectionResetError:  # the client went away: the stream ends
            pass
        return resp
    finally:
        hub.unlisten(queue)


# -- topic changes ------------------------------------------------------------

def parse_topic_body(body: Any, path_id: str | None = None) -> list[Any]:
    from agents.topics import TopicFileError, parse_topics

    try:
        topics = parse_topics(body, "body")
    except TopicFileError as exc:
        raise ApiError(400, "bad_request", str(exc)) from None
    except Exception as exc:  # a shape Topic.from_dict did not expect
        raise ApiError(400, "bad_request", f"body: not a topic: {exc}") from None
    if not topics:
        raise ApiError(400, "bad_request", "body: no topic given")
    if path_id is not None and (len(topics) != 1 or topics[0].id != path_id):
        raise ApiError(400, "bad_request",
                       f"body: one topic with id {path_id!r} expected (the id in the path)")
    return topics


async def publish_topics(pipe: Pipeline, changes: list[tuple[str, bytes | None]]) -> None:
    producer = pipe.app.producer
    for key, value in changes:
        await producer.send_and_wait(pipe.settings.topics_topic, key.encode("utf-8"), value,
                                     partition=None, timestamp=None, headers=None)


@handle
async def change_topics(pipe: Pipeline, request: Any, topic_id: str | None = None) -> Any:
    from agents.topics import encode_topic

    check_token(pipe, request.headers.get("Authorization"))
    if request.method == "DELETE":
        if topic_id is None:
            raise ApiError(405, "method_not_allowed", "DELETE /topics/{id}")
        known = pipe.registry.get(topic_id) is not None
        await publish_topics(pipe, [(topic_id, None)])
        return json_response({"removed": topic_id, "was_tracked": known})
    body = await read_json(request)
    topics = parse_topic_body(body, topic_id)
    # decided before publishing: the worker's own follower may apply the change at once
    created = [t.id for t in topics if pipe.registry.get(t.id) is None]
    await publish_topics(pipe, [(t.id, encode_topic(t)) for t in topics])
    status = 201 if request.method == "POST" and created else 200
    return json_response({"upserted": [t.id for t in topics], "created": created}, status)


# -- webhooks -----------------------------------------------------------------

@handle
async def change_webhooks(pipe: Pipeline, request: Any, webhook_id: str | None = None) -> Any:
    """GET lists the webhooks (with this worker's share of their deliveries);
    POST and DELETE publish on the compacted webhooks topic (agents.outbox)
    and answer once this worker has applied the change."""
    from agents.netguard import TargetRefused, check_target

    check_token(pipe, request.headers.get("Authorization"))
    known = pipe.webhooks
    if request.method == "GET":
        return json_response({"webhooks": pipe.outbox.status()})
    if request.method == "DELETE":
        found = known.get(webhook_id) if webhook_id is not None else None
        if found is None:
            raise ApiError(404, "not_found", f"no webhook {webhook_id!r}")
        if found.origin != "api":
            raise ApiError(409, "conflict", f"webhook {webhook_id!r} is set in "
                           "CLAIMWATCH_WEBHOOKS: remove it there")
        await publish_webhook(pipe, found.id, None)
        return json_response({"removed": found.id})
    body = await read_json(request)
    try:
        config = WebhookConfig.from_dict(body, origin="api")
        await check_target(config.url, pipe.settings.webhook_allow_private)
    except TargetRefused as exc:
        raise ApiError(400, "target_refused", str(exc)) from None
    except ValueError as exc:
        raise ApiError(400, "bad_request", str(exc)) from None
    before = known.get(config.id)
    if before is not None and before.origin != "api":
        raise ApiError(409, "conflict", f"webhook {config.id!r} is set in CLAIMWATCH_WEBHOOKS")
    await publish_webhook(pipe, config.id, config.encode())
    return json_response(config.public(), 201 if before is None else 200)


async def publish_webhook(pipe: Pipeline, webhook_id: str, value: bytes | None) -> None:
    """Publish a webhook change and wait until this worker's follower applied it."""
    meta = await pipe.app.producer.send_and_wait(
        pipe.settings.webhooks_topic, webhook_id.encode("utf-8"), value,
        partition=None, timestamp=None, headers=None)
    try:
        await asyncio.wait_for(pipe.webhooks_follower.wait_applied(meta.partition, meta.offset),
                               10)
    except TimeoutError:
        log.warning("webhook %s: change published at offset %d, not applied here yet",
                    webhook_id, meta.offset)


def json_errors_middleware() -> Any:
    """aiohttp's own error answers (404, 405, 413...) as JSON too, and a 500
    without the exception's text for anything a view let through."""
    from aiohttp import web as aioweb

    @aioweb.middleware
    async def middleware(request: Any, handler: Any) -> Any:
        try:
            return await handler(request)
        except aioweb.HTTPException as exc:
            if exc.status < 400:
                raise
            code = {404: "not_found", 405: "method_not_allowed",
                    413: "too_large"}.get(exc.status, "http_error")
            detail = f"{request.method} {request.path[:200]}: {exc.reason}"
            return json_response(error_body(code, detail), exc.status)
        except (asyncio.CancelledError, ConnectionResetError):
            raise
        except Exception:
            return internal_error(request)
    return middleware


def register(pipe: Pipeline) -> None:
    require_read_token(pipe.settings)
    app = pipe.app

    @app.page("/health")
    async def health_view(web: Any, request: Any) -> Any:
        body, status = health(pipe)
        return web.json(body, status=status)

    lag = ConsumerLag(pipe)
    pipe.metrics.consumer_lag.watch(lag.rows)
    pipe.metrics.worker_up.set_function(lambda: 1 if pipe.consuming else 0)

    @app.page("/metrics")
    async def metrics_view(web: Any, request: Any) -> Any:
        await lag.refresh()
        # aiohttp refuses a charset in content_type=, so the full header goes as is
        return web.bytes(generate_latest(pipe.metrics.registry),
                         headers={"Content-Type": CONTENT_TYPE_LATEST})

    @app.page("/claims")
    async def claims_view(web: Any, request: Any) -> Any:
        return await get_claims(pipe, request)

    @app.page("/claims/{claim_id}")
    async def claim_view(web: Any, request: Any, claim_id: str) -> Any:
        return await get_claim(pipe, request, claim_id)

    @app.page("/alerts")
    async def alerts_view(web: Any, request: Any) -> Any:
        return await get_alerts(pipe, request)

    @app.page("/alerts/stream")
    async def stream_view(web: Any, request: Any) -> Any:
        return await alerts_stream(pipe, request)

    class TopicsView(faust.web.View):
        async def post(self, request: Any) -> Any:
            return await change_topics(pipe, request)

        async def put(self, request: Any) -> Any:
            return await change_topics(pipe, request)

    class TopicView(faust.web.View):
        async def put(self, request: Any, topic_id: str) -> Any:
            return await change_topics(pipe, request, topic_id)

        async def delete(self, request: Any, topic_id: str) -> Any:
            return await change_topics(pipe, request, topic_id)

    class WebhooksView(faust.web.View):
        async def get(self, request: Any) -> Any:
            return await change_webhooks(pipe, request)

        async def post(self, request: Any) -> Any:
            return await change_webhooks(pipe, request)

    class WebhookView(faust.web.View):
        async def delete(self, request: Any, webhook_id: str) -> Any:
            return await change_webhooks(pipe, request, webhook_id)

    async def end_streams(_: Any) -> None:
        pipe.hub.close_streams()

    with contextlib.suppress(Exception):  # the web driver may not be aiohttp's
        web_app: Any = app.web.web_app  # type: ignore[attr-defined]
        web_app.middlewares.append(json_errors_middleware())
        # read by every request as aiohttp makes it: bodies over it are a 413
        web_app._client_max_size = pipe.settings.web_max_body_bytes
        web_app.on_shutdown.append(end_streams)
    app.page("/topics")(TopicsView)
    app.page("/topics/{topic_id}")(TopicView)
    app.page("/webhooks")(WebhooksView)
    app.page("/webhooks/{webhook_id}")(WebhookView)

