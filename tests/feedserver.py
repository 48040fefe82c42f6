"""Feed documents the project writes (RSS 2.0, Atom, RDF) and a local HTTP server
that serves them with a repertoire of faults, for the feed poller's tests.

Routes are callables on the request handler; `FeedServer.set(path, route)`
swaps one while the server runs. Every request is logged (path and headers).
"""

from __future__ import annotations

import contextlib
import gzip
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from xml.sax.saxutils import escape

Route = Callable[[BaseHTTPRequestHandler], None]


@dataclass(frozen=True)
class Story:
    guid: str | None
    title: str
    paragraphs: tuple[str, ...]
    link: str | None = None
    published: float | None = None  # unix seconds
    source: str | None = None

    def html(self) -> str:
        return "".join(f"<p>{escape(p)}</p>" for p in self.paragraphs)


def rss(title: str, stories: Sequence[Story], *, link: str = "https://news.example.org/") -> \
        bytes:
    items = []
    for s in stories:
        parts = [f"<title>{escape(s.title)}</title>"]
        if s.guid is not None:
            permalink = "true" if s.guid.startswith("http") else "false"
            parts.append(f'<guid isPermaLink="{permalink}">{escape(s.guid)}</guid>')
        if s.link:
            parts.append(f"<link>{escape(s.link)}</link>")
        if s.published is not None:
            parts.append(f"<pubDate>{formatdate(s.published, usegmt=True)}</pubDate>")
        if s.source:
            parts.append(f'<source url="https://news.example.org/">{escape(s.source)}</source>')
        parts.append(f"<description>{escape(s.html())}</description>")
        items.append("<item>" + "".join(parts) + "</item>")
    return ('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
            f"<title>{escape(title)}</title><link>{escape(link)}</link>"
            "<description>claimwatch test feed</description><language>en</language>"
            + "".join(items) + "</channel></rss>\n").encode("utf-8")


def _iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def atom(title: str, stories: Sequence[Story]) -> bytes:
    entries = []
    for s in stories:
        parts = [f"<title>{escape(s.title)}</title>", f"<id>{escape(s.guid or '')}</id>"]
        if s.link:
            parts.append(f'<link rel="alternate" href="{escape(s.link)}"/>')
        stamp = _iso(s.published if s.published is not None else 0)
        parts.append(f"<updated>{stamp}</updated><published>{stamp}</published>")
        parts.append(f'<content type="html">{escape(s.html())}</content>')
        entries.append("<entry>" + "".join(parts) + "</entry>")
    return ('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>{escape(title)}</title><id>urn:claimwatch:test:{escape(title)}</id>"
            f"<updated>{_iso(0)}</updated>" + "".join(entries) + "</feed>\n").encode("utf-8")


def rdf(title: str, stories: Sequence[Story]) -> bytes:
    """RSS 1.0 (RDF): items are identified by their link (rdf:about)."""
    items = []
    for s in stories:
        items.append(f'<item rdf:about="{escape(s.link or "")}"><title>{escape(s.title)}</title>'
                     f"<link>{escape(s.link or '')}</link>"
                     f"<description>{escape(' '.join(s.paragraphs))}</description>"
                     + (f"<dc:date>{_iso(s.published)}</dc:date>" if s.published else "")
                     + "</item>")
    return ('<?xml version="1.0" encoding="utf-8"?>\n'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f'<channel rdf:about="https://news.example.org/rdf"><title>{escape(title)}</title>'
            "<link>https://news.example.org/</link><description>test</description></channel>"
            + "".join(items) + "</rdf:RDF>\n").encode("utf-8")


# -- routes ---------------------------------------------------------------------

def document(body: bytes, *, etag: str | None = None, last_modified: float | None = None,
             content_type: str = "application/rss+xml; charset=utf-8",
             gzipped: bool = False) -> Route:
    """A feed document, answering 304 to a matching If-None-Match or If-Modified-Since."""
    modified = formatdate(last_modified, usegmt=True) if last_modified is not None else None

    def route(h: BaseHTTPRequestHandler) -> None:
        if (etag and h.headers.get("If-None-Match") == etag) or (
                modified and h.headers.get("If-Modified-Since") == modified):
            h.send_response(304)
            h.end_headers()
            return
        data = gzip.compress(body) if gzipped else body
        h.send_response(200)
        h.send_header("Content-Type", content_type)
        h.send_header("Content-Length", str(len(data)))
        if gzipped:
            h.send_header("Content-Encoding", "gzip")
        if etag:
            h.send_header("ETag", etag)
        if modified:
            h.send_header("Last-Modified", modified)
        h.end_headers()
        h.wfile.write(data)

    return route


def status(code: int, headers: dict[str, str] | None = None) -> Route:
    def route(h: BaseHTTPRequestHandler) -> None:
        h.send_response(code)
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.send_header("Content-Length", "0")
        h.end_headers()

    return route


def redirect(location: str, code: int = 302) -> Route:
    return status(code, {"Location": location})


def slow(body: bytes, seconds: float) -> Route:
    """Headers at once, then the body a few bytes at a time over `seconds`."""

    def route(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/rss+xml")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        steps = 20
        size = max(1, len(body) // steps)
        for i in range(0, len(body), size):
            h.wfile.write(body[i:i + size])
            h.wfile.flush()
            time.sleep(seconds / steps)

    return route


def in_turn(*routes: Route) -> Route:
    """Each request gets the next route; the last one repeats."""
    lock = threading.Lock()
    state = {"n": 0}

    def route(h: BaseHTTPRequestHandler) -> None:
        with lock:
            i = min(state["n"], len(routes) - 1)
            state["n"] += 1
        routes[i](h)

    return route


class FeedServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append((self.path, dict(self.headers.items())))
                route = server.routes.get(self.path)
                # a poller that gave up on a slow response closes the connection
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    (route or status(404))(self)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def set(self, path: str, route: Route) -> None:
        self.routes[path] = route

    def hits(self, path: str) -> int:
        return sum(1 for p, _ in self.requests if p == path)

    def __enter__(self) -> FeedServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
