"""Seeded news messages for the fuzz tests: malformed ones, each with the one
dead-letter reason it must get, interleaved with valid items.

`generate(seed, malformed=..., valid=..., limit=...)` returns the same list of
Cases for the same arguments. Every malformed message is a valid item with
one defect (or a message that is no item at all), so its reason is not in
doubt: bytes that are not UTF-8, JSON that is not JSON (cut short, trailing
data, NaN, a BOM, UTF-16, integers of thousands of digits, nesting tens of
thousands deep), the wrong shape or types, a missing id or text, a body over
the limit. The messages that once killed the worker are always in: a
5,000-digit integer, a 2 MB body (sent gzip-compressed), a message whose dead
letter would not fit the producer's request size, a key far longer than any id.
Valid items vary too (scripts, escapes, extra fields, nulls, the largest body
allowed) and have distinct texts, so none is a duplicate of another.

Used by tests/agents/test_ingest_fuzz.py (parse_news alone) and
tests/integration/test_fuzz.py (a worker on a real broker).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

WORDS = (
    "harbour", "board", "minutes", "budget", "roads", "school", "library", "tram",
    "repair", "parks", "weather", "rainfall", "market", "prices", "bakery", "choir",
    "rehearsal", "marathon", "volunteers", "museum", "ferry", "timetable", "bins",
)
SCRIPTS = ("café crème", "Ελληνικά νέα", "новости дня", "日本語の記事", "عاجل اليوم",
           "emoji 🚢🌊", "e\u0301 combining", "tab\there", "quote \" and \\ slash",
           "line\nbreak", "\u2028separator")
BAD_UTF8 = (b"\xff", b"\xfe", b"\xc3\x28", b"\xc0\xaf", b"\xed\xa0\x80", b"\xe2\x82",
            b"\xf8\x88\x80\x80\x80", b"\x80", b"\xf4\x90\x80\x80")
BAD_TIMESTAMPS = ("last Tuesday", "2026-13-01T00:00:00Z", "yesterday", "12/03/2026",
                  "2026", "2026-03-02T25:00:00Z", "2026-03-02T10:00:00+25:00", "")
RFC3339 = ("2026-03-02T10:00:00Z", "2026-03-02T10:00:00+02:00", "2026-03-02T10:00:00.123Z",
           None)


@dataclass(frozen=True)
class Case:
    n: int
    kind: str
    #: the dead-letter reason it must get; None for a valid item
    reason: str | None
    key: bytes | None
    value: bytes | None


def words(rng: random.Random, k: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(k))


def base(rng: random.Random, n: int) -> dict[str, Any]:
    """A valid, off-topic item whose text no other item has."""
    return {"id": f"fz-{n}", "title": f"Council notes {n}: {words(rng, 4)}",
            "body": f"Item {n} of the fuzz feed. {words(rng, rng.randint(5, 40))}.",
            "source": rng.choice(["Town Crier", "Harbour Post", ""]),
            "published_at": rng.choice(RFC3339)}


def dump(obj: Any, rng: random.Random | None = None) -> bytes:
    ascii_only = rng.random() < 0.5 if rng else True
    return json.dumps(obj, ensure_ascii=ascii_only).encode("utf-8")


Gen = Callable[[random.Random, int, int], bytes | None]


# -- invalid_json --------------------------------------------------------------

def cut_short(rng: random.Random, n: int, limit: int) -> bytes:
    text = json.dumps(base(rng, n), ensure_ascii=False)
    return text[:rng.randint(1, len(text) - 1)].encode("utf-8")


def garbage(rng: random.Random, n: int, limit: int) -> bytes:
    alphabet = "abcdefghijklmnopqrstuvwxyz <>/=;:'{}[],0123456789"
    return ("<html>" + "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 300)))
            ).encode()


def blank(rng: random.Random, n: int, limit: int) -> bytes:
    return rng.choice([b"", b" ", b"\n", b"\t \r\n"])


def huge_int(rng: random.Random, n: int, limit: int) -> bytes:
    digits = "9" + "".join(rng.choice("0123456789") for _ in range(rng.randint(4300, 9000)))
    item = base(rng, n)
    if rng.random() < 0.3:
        return dump(item)[:-1] + b', "id": -' + digits.encode() + b"}"
    return dump(item)[:-1] + b', "count": ' + digits.encode() + b"}"


def not_a_number(rng: random.Random, n: int, limit: int) -> bytes:
    word = rng.choice([b"NaN", b"Infinity", b"-Infinity"])
    return dump(base(rng, n))[:-1] + b', "score": ' + word + b"}"


def deep(rng: random.Random, n: int, limit: int) -> bytes:
    depth = rng.randint(2_000, 5_000)
    opener, closer = rng.choice([(b"[", b"]"), (b'{"a": ', b"}")])
    return dump(base(rng, n))[:-1] + b', "x": ' + opener * depth + b"1" + closer * depth + b"}"


def bom(rng: random.Random, n: int, limit: int) -> bytes:
    return b"\xef\xbb\xbf" + dump(base(rng, n), rng)


def trailing(rng: random.Random, n: int, limit: int) -> bytes:
    tail = rng.choice([b" x", b"}", b",", b" {}", b"\n" + dump(base(rng, n + 1))])
    return dump(base(rng, n), rng) + tail


def python_repr(rng: random.Random, n: int, limit: int) -> bytes:
    return repr(base(rng, n)).encode("utf-8")


def utf16_no_bom(rng: random.Random, n: int, limit: int) -> bytes:
    return json.dumps(base(rng, n)).encode(rng.choice(["utf-16-le", "utf-16-be"]))


def comment(rng: random.Random, n: int, limit: int) -> bytes:
    return b"// a news item\n" + dump(base(rng, n))


# -- invalid_utf8 --------------------------------------------------------------

def bad_bytes(rng: random.Random, n: int, limit: int) -> bytes:
    item = base(rng, n)
    field = rng.choice(["title", "body", "source", "id"])
    item[field] = str(item[field]) + "\x00MARK\x00"
    raw = json.dumps(item, ensure_ascii=False).encode("utf-8")
    return raw.replace(b"\\u0000MARK\\u0000", rng.choice(BAD_UTF8), 1)


def latin1(rng: random.Random, n: int, limit: int) -> bytes:
    item = base(rng, n)
    item["title"] += " café, Zürich, señor"
    return json.dumps(item, ensure_ascii=False).encode("latin-1")


def utf16_bom(rng: random.Random, n: int, limit: int) -> bytes:
    return json.dumps(base(rng, n)).encode("utf-16")


def lone_surrogate(rng: random.Random, n: int, limit: int) -> bytes:
    item = base(rng, n)
    field = rng.choice(["title", "body", "source", "id"])
    item[field] = str(item[field]) + rng.choice(["\ud800", "\udfff", "\udc00x"])
    return json.dumps(item).encode("ascii")  # escaped: the JSON text is valid UTF-8


def random_bytes(rng: random.Random, n: int, limit: int) -> bytes:
    raw = bytearray(rng.randbytes(rng.randint(0, 2000)))
    raw.insert(rng.randint(0, len(raw)), 0xFF)
    return bytes(raw)


# -- schema ----------------------------------------------------------------------

def not_object(rng: random.Random, n: int, limit: int) -> bytes:
    return dump(rng.choice([[base(rng, n)], f"item {n}", n, 1.5, True, False, None, []]))


def wrong_type(rng: random.Random, n: int, limit: int) -> bytes:
    item = base(rng, n)
    field = rng.choice(["id", "title", "body", "source", "url", "published_at", "language"])
    bad: list[Any] = [7, 0, -1.5, ["a"], {"a": "b"}, True, False, []]
    if field in ("title", "body", "source"):
        bad.append(None)  # these three are strings with a default, never null
    item[field] = rng.choice(bad)
    return dump(item, rng)


def bad_timestamp(rng: random.Random, n: int, limit: int) -> bytes:
    item = base(rng, n)
    item["published_at"] = rng.choice(BAD_TIMESTAMPS)
    return dump(item, rng)


# -- missing_field ---------------------------------------------------------------

def no_id(rng: random.Random, n: int, limit: int) -> bytes:
    item = base(rng, n)
    choice = rng.randrange(4)
    if choice == 0:
        del item["id"]
    else:
        item["id"] = [None, "", rng.choice([" ", "\t\n", "\u3000", "   \u00a0"])][choice - 1]
    return dump(item, rng)


def no_text(rng: random.Random, n: int, limit: int) -> bytes:
    item = base(rng, n)
    for field in ("title", "body"):
        if rng.random() < 0.5:
            del item[field]
        else:
            item[field] = rng.choice(["", " ", "\n\t", "\u2003"])
    return dump(item, rng)


def tombstone(rng: random.Random, n: int, limit: int) -> None:
    return None


# -- too_large -------------------------------------------------------------------

def body_over(rng: random.Random, n: int, limit: int) -> bytes:
    item = base(rng, n)
    if rng.random() < 0.5:
        item["body"] = "x" * (limit + rng.randint(1, 100))
    else:  # counted in UTF-8 bytes, not characters
        item["body"] = "é" * (limit // 2 + rng.randint(1, 100))
    return dump(item, rng)


#: kind -> (reason, generator, weight)
MALFORMED: dict[str, tuple[str, Gen, float]] = {
    "cut_short": ("invalid_json", cut_short, 2),
    "garbage": ("invalid_json", garbage, 1),
    "blank": ("invalid_json", blank, 0.5),
    "huge_int": ("invalid_json", huge_int, 1),
    "not_a_number": ("invalid_json", not_a_number, 1),
    "deep": ("invalid_json", deep, 1),
    "bom": ("invalid_json", bom, 0.5),
    "trailing": ("invalid_json", trailing, 1),
    "python_repr": ("invalid_json", python_repr, 0.5),
    "utf16_no_bom": ("invalid_json", utf16_no_bom, 0.5),
    "comment": ("invalid_json", comment, 0.5),
    "bad_bytes": ("invalid_utf8", bad_bytes, 2),
    "latin1": ("invalid_utf8", latin1, 1),
    "utf16_bom": ("invalid_utf8", utf16_bom, 0.5),
    "lone_surrogate": ("invalid_utf8", lone_surrogate, 1),
    "random_bytes": ("invalid_utf8", random_bytes, 1),
    "not_object": ("schema", not_object, 1),
    "wrong_type": ("schema", wrong_type, 2),
    "bad_timestamp": ("schema", bad_timestamp, 1),
    "no_id": ("missing_field", no_id, 1.5),
    "no_text": ("missing_field", no_text, 1.5),
    "tombstone": ("missing_field", tombstone, 0.3),
    "body_over": ("too_large", body_over, 0.3),
}


def specials(rng: random.Random, start: int, limit: int) -> list[Case]:
    """The messages that stopped the worker, and their relatives."""
    n = iter(range(start, start + 100))

    def item(**fields: Any) -> dict[str, Any]:
        return {**base(rng, next(n)), **fields}

    five_thousand = b"1" + b"0" * 4999
    return [
        # a JSON integer of 5,000 digits (Python's int-digits limit is 4,300)
        Case(start, "killer_5000_digits", "invalid_json", None,
             dump(item())[:-1] + b', "views": ' + five_thousand + b"}"),
        # a 2 MB body: its dead letter (2.8 MB of base64) would not fit a request
        Case(start + 1, "killer_2mb_body", "too_large", b"big",
             dump(item(body="x" * 2_000_000))),
        # a 3 MB message over six times the limit: rejected by size, copy cut
        Case(start + 2, "message_over_size", "too_large", None,
             dump(item(body="yz" * 1_500_000))),
        # 100,000 open brackets, never closed
        Case(start + 3, "brackets_100k", "invalid_json", None, b"[" * 100_000),
        # a key of 300 KB: the copy of the key is cut too
        Case(start + 4, "huge_key", "missing_field", b"k" * 300_000, None),
        # not UTF-8, large (the copy fits: 4/3 of 400 KB)
        Case(start + 5, "large_not_utf8", "invalid_utf8", None,
             b'{"id": "x", "title": "' + b"\xff\xfe" * 200_000 + b'"}'),
    ]


def valid_item(rng: random.Random, n: int, limit: int) -> tuple[str, bytes]:
    item = base(rng, n)
    kind = rng.choice(["plain", "scripts", "extras", "nulls", "title_only", "body_only",
                       "big_int", "nested", "duplicate_key", "language"])
    if kind == "scripts":
        item["title"] += " " + rng.choice(SCRIPTS)
        item["body"] += " " + " ".join(rng.sample(SCRIPTS, 3))
    elif kind == "extras":
        item.update(views=rng.randint(-10**12, 10**12), ratio=rng.choice([1e308, -0.0, 5e-324]),
                    live=rng.random() < 0.5, tags=[words(rng, 1)], meta=None)
    elif kind == "nulls":
        item.update(url=None, published_at=None, language=None)
    elif kind == "title_only":
        del item["body"]
    elif kind == "body_only":
        item["title"] = ""
    elif kind == "big_int":  # as long as an integer may be
        return kind, dump(item)[:-1] + b', "n": ' + b"9" * 4300 + b"}"
    elif kind == "nested":
        depth = rng.randint(1, 100)
        return kind, dump(item)[:-1] + b', "x": ' + b"[" * depth + b"]" * depth + b"}"
    elif kind == "duplicate_key":  # the last one wins
        return kind, b'{"id": "dup", ' + dump(item)[1:]
    elif kind == "language":
        item.update(language=rng.choice(["en", "en-GB", "zh-Hant-TW"]),
                    url=f"https://example.org/news/{n}?q=a&b=%20")
    return kind, dump(item, rng)


def generate(seed: int, malformed: int = 10_000, valid: int = 1_000,
             limit: int = 65_536) -> list[Case]:
    """`malformed` bad messages (the specials included) and `valid` items, shuffled."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data
    cases = specials(rng, 0, limit)
    kinds = list(MALFORMED)
    weights = [MALFORMED[k][2] for k in kinds]
    n = 1000
    while len(cases) < malformed:
        kind = rng.choices(kinds, weights)[0]
        reason, gen, _ = MALFORMED[kind]
        key = rng.choice([None, f"fz-{n}".encode(), rng.randbytes(rng.randint(0, 40))])
        value = gen(rng, n, limit)
        if value is None and key is None:  # Kafka has no record without both
            key = f"fz-{n}".encode()
        cases.append(Case(n, kind, reason, key, value))
        n += 1
    # bodies just under the limit in bytes: ASCII, and two-byte characters
    head = f"fz-{n} "
    cases.append(Case(n, "body_near_limit", None, None,
                      dump({**base(rng, n), "body": head + "x" * (limit - len(head) - 1)})))
    n += 1
    head = f"fz-{n} "
    cases.append(Case(n, "body_near_limit_utf8", None, None, json.dumps(
        {**base(rng, n), "body": head + "é" * ((limit - len(head)) // 2)},
        ensure_ascii=False).encode()))
    for i in range(n + 1, n + 1 + valid - 2):
        kind, value = valid_item(rng, i, limit)
        cases.append(Case(i, kind, None, rng.choice([None, f"fz-{i}".encode()]), value))
    rng.shuffle(cases)
    return cases
