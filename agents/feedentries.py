"""Feed documents (RSS 2.0, Atom, RDF) into NewsItem values: pure, no network, no Kafka.

`parse_document` runs feedparser over the bytes of one response and returns
the feed's entries as `Entry` values (the NewsItem fields, the id they will be
sent under, and a digest of their text), oldest first. A document that is not
a feed, or whose XML is broken in a way that may have lost entries (a
truncated response), raises `NotAFeed`.

Ids: the entry's guid (RSS `<guid>`, Atom `<id>`) when it has one, else its
link, else (neither) the feed URL with the entry's title. A guid that is a URI
(`http:`, `tag:`, `urn:` ...) is global, like a link, so the same article in
two feeds gets one id; any other guid ("4711") is only unique within its feed
and is scoped by the feed's URL. Nothing that changes between polls (dates,
text) goes into the id.
"""

from __future__ import annotations

import calendar
import hashlib
import re
import time
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from agents.feeds import derive_id
from detector import stable_id

_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S")
_WORDS = re.compile(r"\w+")
_ROOT_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?(?:rss|feed|RDF)\s*>\s*\Z")
#: feedparser's bozo exceptions that leave a document whole (the entries are all there)
_HARMLESS = ("CharacterEncodingOverride", "NonXMLContentType")
#: XML errors the lenient parser repairs without losing text: an HTML entity such as
#: &nbsp; in a feed (common); only in a document that is complete
_REPAIRABLE = ("undefined entity",)
_BLOCK = frozenset({"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6",
                    "blockquote", "pre", "table", "tr", "section", "article", "figure",
                    "figcaption", "hr", "dd", "dt"})
_SKIP = frozenset({"script", "style", "noscript", "template", "head"})


class NotAFeed(ValueError):
    """The response is not a usable feed document (the `malformed` poll result)."""


@dataclass(frozen=True)
class Entry:
    """One feed entry as the NewsItem it becomes (`fields` has no id yet: the id
    it is sent under depends on whether an earlier version was sent)."""

    base_id: str
    fields: dict[str, Any]
    digest: str

    def item(self, item_id: str) -> dict[str, Any]:
        return {"id": item_id, **self.fields}


@dataclass(frozen=True)
class ParsedFeed:
    title: str
    version: str  # feedparser's name for the format: rss20, atom10, rss10 (RDF) ...
    entries: list[Entry]
    skipped: int  # entries with neither title nor text


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in _SKIP:
            self.skip += 1
        elif tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_startendtag(self, tag: str, attrs: Any) -> None:
        if tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Plain text of an HTML fragment: tags gone, entities decoded, script and
    style dropped, block elements as paragraph breaks, runs of spaces as one."""
    parser = _Text()
    parser.feed(markup)
    parser.close()
    paragraphs = "".join(parser.parts).split("\n\n")
    return "\n\n".join(p for p in (" ".join(q.split()) for q in paragraphs) if p)


def _text(detail: Mapping[str, Any] | None, fallback: str = "") -> str:
    if not detail:
        return html_to_text(fallback) if fallback else ""
    value = str(detail.get("value") or "")
    kind = str(detail.get("type") or "text/html")
    if "html" in kind:
        return html_to_text(value)
    # plain text keeps its paragraph breaks
    paragraphs = re.split(r"\n\s*\n", value)
    return "\n\n".join(p for p in (" ".join(q.split()) for q in paragraphs) if p)


def _body(entry: Mapping[str, Any]) -> str:
    """The longest of the entry's contents (Atom content, RSS content:encoded),
    else its summary (RSS description)."""
    texts = [_text(c) for c in entry.get("content") or ()]
    texts.append(_text(entry.get("summary_detail"), str(entry.get("summary") or "")))
    return max(texts, key=len, default="")


def _rfc3339(parsed: time.struct_time | None) -> str | None:
    if not parsed:
        return None
    try:
        stamp = calendar.timegm(parsed)
    except (OverflowError, ValueError, TypeError):
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(stamp))


def entry_base_id(feed_url: str, guid: str | None, link: str | None,
                  title: str | None) -> str | None:
    """The id an entry is first sent under (see the module docstring); None when
    the entry has no guid, no link and no title."""
    guid = (guid or "").strip()
    link = (link or "").strip()
    if guid:
        key = guid if _URI.match(guid) else f"{feed_url}\n{guid}"
        return f"guid-{stable_id(key, length=24)}"
    if link:
        return derive_id(link)  # the id `claimwatch replay` gives an item with a url only
    if title and title.strip():
        return f"title-{stable_id(feed_url, ' '.join(title.split()), length=24)}"
    return None


def text_digest(title: str, body: str) -> str:
    """What decides whether an entry changed: its words, case-folded (a new
    `updated` date, markup or spacing is not a change)."""
    words = _WORDS.findall(unicodedata.normalize("NFKC", f"{title}\n{body}").casefold())
    return hashlib.blake2b(" ".join(words).encode("utf-8"), digest_size=12).hexdigest()


def cut_text(text: str, max_bytes: int) -> str:
    """At most max_bytes of UTF-8, cut at a character boundary."""
    data = text.encode("utf-8")
    if len(data) <= max_bytes:
        return text
    return data[:max_bytes].decode("utf-8", "ignore")


def _complete(content: bytes) -> bool:
    """Whether the document ends with the close of its root element (a truncated
    response does not)."""
    return bool(_ROOT_END.search(content[-512:]))


def parse_document(content: bytes, *, url: str, headers: Mapping[str, str] | None = None,
                   source: str | None = None, language: str | None = None,
                   max_body_bytes: int = 1_048_576) -> ParsedFeed:
    """The entries of one feed document, oldest first (by date when every entry
    has one, else in reverse document order: feeds list the newest first)."""
    import feedparser

    if not content.strip():
        raise NotAFeed("empty response")
    head = {k.lower(): v for k, v in (headers or {}).items()}
    head.setdefault("content-location", url)
    parsed = feedparser.parse(content, response_headers=head, sanitize_html=True,
                              resolve_relative_uris=True)
    version = str(parsed.get("version") or "")
    if parsed.get("bozo"):
        exc = parsed.get("bozo_exception")
        name = type(exc).__name__
        repairable = str(exc).endswith(_REPAIRABLE) and _complete(content)
        if name not in _HARMLESS and not (version and repairable):
            raise NotAFeed(f"not well-formed XML ({exc})")
    if not version:
        raise NotAFeed("not an RSS, Atom or RDF document")
    feed = parsed.get("feed") or {}
    feed_title = " ".join(str(feed.get("title") or "").split())
    feed_language = language or feed.get("language") or None
    entries: list[Entry] = []
    skipped = 0
    dated = True
    for raw in reversed(parsed.get("entries") or []):
        title = _text(raw.get("title_detail"), str(raw.get("title") or ""))
        body = cut_text(_body(raw), max_body_bytes)
        link = str(raw.get("link") or "").strip() or None
        base = entry_base_id(url, raw.get("id"), link, title)
        if base is None or not (title or body):
            skipped += 1
            continue
        own = raw.get("source") or {}
        published = _rfc3339(raw.get("published_parsed") or raw.get("updated_parsed"))
        dated = dated and published is not None
        fields = {
            "title": title,
            "body": body,
            "source": " ".join(str(own.get("title") or "").split()) or source or feed_title,
            "url": link,
            "published_at": published,
            "language": feed_language,
        }
        entries.append(Entry(base, fields, text_digest(title, body)))
    if dated:
        entries.sort(key=lambda e: e.fields["published_at"])
    return ParsedFeed(feed_title, version, _one_per_id(entries), skipped)


def _one_per_id(entries: Iterable[Entry]) -> list[Entry]:
    """One entry per id (a feed that lists an entry twice); the newest version
    wins (listed first in the document, so last here)."""
    by_id: dict[str, Entry] = {}
    for e in entries:
        by_id.pop(e.base_id, None)
        by_id[e.base_id] = e
    return list(by_id.values())
