"""Read news feeds (JSONL or CSV) for `claimwatch replay`: pure, no Kafka.

Each good record becomes a (key, value) pair ready to send; each malformed
line becomes a FeedProblem with its line number, so the caller can say what
was skipped without a traceback.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO, TextIO

from detector import stable_id

CSV_COLUMNS = ("id", "title", "body", "source", "url", "published_at")
_NULLABLE = ("url", "published_at", "language")


class FeedError(ValueError):
    """The feed as a whole cannot be read (missing file, bad CSV header)."""


@dataclass(frozen=True)
class FeedRecord:
    line: int
    key: bytes
    value: bytes
    size: int  # bytes of input consumed, for the progress bar


@dataclass(frozen=True)
class FeedProblem:
    line: int
    reason: str
    size: int


def derive_id(url: str) -> str:
    """A stable item id for an item that has none, from its URL."""
    return f"url-{stable_id(url.strip(), length=24)}"


def _finish(item: dict[str, Any], line: int, size: int) -> FeedRecord | FeedProblem:
    item_id = item.get("id")
    if item_id in (None, ""):
        url = item.get("url")
        if not isinstance(url, str) or not url.strip():
            return FeedProblem(line, "no id and no url to derive one from", size)
        item["id"] = item_id = derive_id(url)
    value = json.dumps(item, ensure_ascii=False).encode("utf-8")
    return FeedRecord(line, str(item_id).encode("utf-8"), value, size)


def read_jsonl(stream: BinaryIO) -> Iterator[FeedRecord | FeedProblem]:
    for number, raw in enumerate(stream, start=1):
        size = len(raw)
        if not raw.strip():
            continue
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield FeedProblem(number, f"not UTF-8 ({exc.reason} at column {exc.start + 1})",
                              size)
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            yield FeedProblem(number, f"invalid JSON ({exc.msg}, column {exc.colno})", size)
            continue
        if not isinstance(data, dict):
            yield FeedProblem(number, f"expected a JSON object, got {type(data).__name__}",
                              size)
            continue
        yield _finish(data, number, size)


def read_csv(stream: TextIO) -> Iterator[FeedRecord | FeedProblem]:
    reader = csv.DictReader(stream)
    try:
        header = reader.fieldnames
    except csv.Error as exc:
        raise FeedError(f"unreadable CSV header: {exc}") from None
    if not header:
        return
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        raise FeedError(f"CSV header lacks column(s) {', '.join(missing)} "
                        f"(expected {','.join(CSV_COLUMNS)})")
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield FeedProblem(reader.line_num, f"malformed CSV ({exc})", 0)
            continue
        line = reader.line_num
        if None in row:
            yield FeedProblem(line, f"{len(header) + len(row[None])} fields for "
                                    f"{len(header)} columns", 0)
            continue
        if any(v is None for v in row.values()):
            yield FeedProblem(line, "fewer fields than columns", 0)
            continue
        item: dict[str, Any] = {}
        for k, v in row.items():
            if not k:
                continue
            item[k] = (v or None) if k in _NULLABLE else v
        yield _finish(item, line, 0)


def detect_format(path: Path, given: str | None = None) -> str:
    if given:
        return given
    return "csv" if path.suffix.lower() in (".csv", ".tsv") else "jsonl"


def open_feed(path: Path, fmt: str | None = None) -> tuple[IO[bytes], Iterator[
        FeedRecord | FeedProblem]]:
    """Open a feed file; (the open binary file, its records). Raises FeedError
    (also while iterating, for a CSV file that is not UTF-8)."""
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise FeedError(f"{path}: {exc.strerror or exc}") from None
    if detect_format(path, fmt) == "csv":
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="strict", newline="")
        return raw, _guard_utf8(read_csv(text))
    return raw, read_jsonl(raw)


def _guard_utf8(records: Iterator[FeedRecord | FeedProblem]) -> Iterator[
        FeedRecord | FeedProblem]:
    try:
        yield from records
    except UnicodeDecodeError as exc:
        raise FeedError(f"not UTF-8 text ({exc.reason} at byte {exc.start} of a chunk)") \
            from None
