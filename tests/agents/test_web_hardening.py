"""The HTTP API against hostile callers, through aiohttp's test server on the
worker's own web app (no broker): sizes give 413, malformed bodies and query
limits a 400 that says why in our words, tokens compare byte for byte, a 404
tells nothing about the worker, no reply carries an exception's text, and the
read endpoints take a token (required beyond loopback)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from agents import web
from agents.app import create_pipeline
from agents.metrics import Metrics
from agents.pipeline import Pipeline
from agents.settings import Settings

API = "api-token-0123456789"
READ = "read-token-0123456789"
LIMIT = 8192
LEAKS = ("Traceback", "Error(", "Exception", 'File "', "news.items.v1")

Client = Callable[..., Any]


def pipeline(tmp_path: Path, **overrides: Any) -> Pipeline:
    settings = Settings(store="memory://", data_dir=tmp_path, api_token=API,
                        web_max_body_bytes=LIMIT, **overrides)
    p = create_pipeline(settings, metrics=Metrics(), topics=[])
    p.app.finalize()
    return p


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[Client]:
    clients: list[TestClient[Any, Any]] = []

    async def make(**overrides: Any) -> TestClient[Any, Any]:
        p = pipeline(tmp_path, **overrides)
        c = TestClient(TestServer(p.app.web.web_app))  # type: ignore[attr-defined]
        await c.start_server()
        c.pipe = p  # type: ignore[attr-defined]
        clients.append(c)
        return c

    yield make
    for c in clients:
        await c.close()


async def answer(resp: Any) -> tuple[int, dict[str, Any]]:
    text = await resp.text()
    assert resp.content_type == "application/json", (resp.status, text)
    for leak in LEAKS:
        assert leak not in text, text
    return resp.status, json.loads(text)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_body_over_the_limit_is_413_with_or_without_a_length(client: Client) -> None:
    c = await client()
    status, body = await answer(await c.post("/topics", data=b"x" * (LIMIT + 1),
                                             headers=bearer(API)))
    assert (status, body["error"]) == (413, "too_large")
    assert str(LIMIT) in body["detail"]

    async def chunks() -> AsyncIterator[bytes]:  # chunked: no Content-Length to go by
        for _ in range(16):
            yield b"[" * 1024

    status, body = await answer(await c.post("/webhooks", data=chunks(), headers=bearer(API)))
    assert (status, body["error"]) == (413, "too_large")


@pytest.mark.parametrize(("raw", "says"), [
    pytest.param(b"[" * 100 + b"]" * 100, "nested deeper than 32 levels", id="deep-list"),
    pytest.param(b'{"a": ' * 40 + b"1" + b"}" * 40, "nested deeper than 32 levels",
                 id="deep-object"),
    pytest.param(b"[" * 3000, "not JSON", id="3000-brackets"),
    pytest.param(b'{"id": "t", "min_confirmations": ' + b"9" * 5000 + b"}",
                 "an integer of 5000 digits", id="5000-digits"),
    pytest.param(b'{"id": "t", "min_confirmations": ' + b"9" * 40 + b"}",
                 "an integer of 40 digits", id="40-digits"),
    pytest.param(b'{"id": "t", "min_confirmations": NaN}', "NaN is not JSON", id="nan"),
    pytest.param(b'{"id": "caf\xe9"}', "not UTF-8", id="latin-1"),
    pytest.param(b"{not json", "line 1 column 2", id="syntax"),
    pytest.param(b"", "empty body", id="empty"),
])
async def test_a_malformed_body_is_a_400_that_says_why(client: Client, raw: bytes,
                                                       says: str) -> None:
    c = await client()
    status, body = await answer(await c.post("/topics", data=raw, headers=bearer(API)))
    assert (status, body["error"]) == (400, "bad_request")
    assert says in body["detail"]


async def test_the_token_is_compared_byte_for_byte(client: Client) -> None:
    c = await client()
    topic = {"id": "t"}  # passes the token check, then fails validation
    for token in (" " + API, API + " x", API + " " + API, API[:-1], API.upper(), ""):
        status, body = await answer(await c.post("/topics", json=topic, headers=bearer(token)))
        assert (status, body["error"]) == (401, "unauthorized"), repr(token)
    for header in ("bearer " + API, "Basic " + API, API):
        status, _ = await answer(await c.post("/topics", json=topic,
                                              headers={"Authorization": header}))
        assert status == 401, header
    status, body = await answer(await c.post("/topics", json=topic, headers=bearer(API)))
    assert (status, body["error"]) == (400, "bad_request")


@pytest.mark.parametrize("header", [f"Bearer {API} ", f"Bearer {API}\t", f"Bearer  {API}",
                                    f"Bearer {API}\n"])
def test_whitespace_around_the_token_is_another_token(tmp_path: Path, header: str) -> None:
    # at the end of a header line HTTP itself drops it (RFC 9110 5.5: aiohttp's
    # parser strips it before any view sees it); anything that reaches the check
    # with it, from a proxy or a test, is refused
    p = pipeline(tmp_path, read_token=READ)
    with pytest.raises(web.ApiError) as info:
        web.check_token(p, header)
    assert info.value.status == 401
    with pytest.raises(web.ApiError):
        web.check_read_token(p, header.replace(API, READ))


async def test_a_missing_claim_is_a_404_that_names_no_partition(client: Client) -> None:
    c = await client()
    c.pipe.source_partitions = lambda: ["news.items.v1:0", "claimwatch.observations.v1:0"]
    status, body = await answer(await c.get("/claims/" + "x" * 5000))
    assert (status, body["error"]) == (404, "not_found")
    assert "partition" not in body["detail"] and len(body["detail"]) < 200


@pytest.mark.parametrize(("query", "says"), [
    ("/claims?limit=0", "limit must be between 1 and 500"),
    ("/claims?limit=501", "limit must be between 1 and 500"),
    ("/claims?limit=" + "9" * 5000, "limit must be an integer"),
    ("/claims?limit=1_0", "limit must be an integer"),
    ("/claims?offset=-1", "offset must be between"),
    ("/alerts?limit=1001", "limit must be between 1 and 1000"),
    ("/claims?topic=" + ",".join(f"t{i}" for i in range(51)), "at most 50 values"),
    ("/alerts?type=" + "c" * 201, "at most 200 characters"),
    ("/claims?status=gone", "unknown status"),
])
async def test_query_limits_are_a_clear_400(client: Client, query: str, says: str) -> None:
    c = await client()
    status, body = await answer(await c.get(query))
    assert status == 400 and says in body["detail"], body


async def test_an_unexpected_error_is_a_500_without_its_text(
        client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    c = await client()

    def broken(*args: Any) -> Any:
        raise RuntimeError("secret state of the worker")

    c.pipe.hub.recent = broken
    monkeypatch.setattr(web, "health", broken)  # a view outside handle(): the middleware
    for path in ("/alerts", "/health"):
        status, body = await answer(await c.get(path))
        assert (status, body["error"]) == (500, "internal"), path
        assert "secret" not in body["detail"]


async def test_the_read_token_guards_the_read_endpoints(client: Client) -> None:
    c = await client(read_token=READ)
    for path in ("/claims", "/claims/c1", "/alerts", "/alerts/stream"):
        status, body = await answer(await c.get(path))
        assert (status, body["error"]) == (401, "unauthorized"), path
        status, body = await answer(await c.get(path, headers=bearer(READ[:-1])))
        assert status == 401, path
    assert (await c.get("/claims", headers=bearer(READ))).status == 200
    assert (await c.get("/alerts", headers=bearer(API))).status == 200  # the API token reads too
    assert (await c.get("/claims/c1", headers=bearer(READ))).status == 404
    assert (await c.get("/metrics")).status == 200
    # the read token changes nothing
    status, _ = await answer(await c.post("/topics", json={"id": "t"}, headers=bearer(READ)))
    assert status == 401


async def test_without_a_read_token_reads_are_open_on_loopback(client: Client) -> None:
    c = await client()
    assert (await c.get("/claims")).status == 200
    assert (await c.get("/alerts")).status == 200


@pytest.mark.parametrize("host", ["0.0.0.0", "10.0.0.5", "worker.example"])  # noqa: S104
def test_a_worker_beyond_loopback_needs_a_read_token(tmp_path: Path, host: str) -> None:
    with pytest.raises(SystemExit, match="CLAIMWATCH_READ_TOKEN"):
        pipeline(tmp_path, web_host=host)
    assert pipeline(tmp_path, web_host=host, read_token=READ).settings.web_host == host


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "[::1]", "localhost"])
def test_a_worker_on_loopback_needs_none(tmp_path: Path, host: str) -> None:
    assert pipeline(tmp_path, web_host=host).settings.web_host == host


async def test_the_claims_list_says_when_a_rebalance_may_leave_it_short(
        client: Client) -> None:
    c = await client()
    status, body = await answer(await c.get("/claims", headers=bearer(READ)))
    assert (status, body["rebalancing"]) == (200, False)
    c.pipe.app.rebalancing = True  # type: ignore[attr-defined]
    status, body = await answer(await c.get("/claims", headers=bearer(READ)))
    assert (status, body["rebalancing"]) == (200, True)
