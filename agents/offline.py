"""Offline subcommands: `claimwatch detect` and `claimwatch eval`.

The detection core over files, with no broker: the way to try a topic before
tracking it live, and the way quality is measured.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from agents.topics import TopicFileError, load_topics_file
from detector import Detector, Item


class FeedError(ValueError):
    """A feed file that cannot be read, with the file and line."""


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("detect", help="run the detector over a feed file (no broker)")
    p.add_argument("feed", type=Path, help="JSONL (or CSV) file of NewsItems, in order")
    p.add_argument("--topics", type=Path, required=True, help="tracked topics YAML/JSON")
    p.add_argument("--model", default=None, help="spaCy pipeline name")
    p.add_argument("--no-observations", action="store_true", help="print alerts and claims only")
    p.add_argument("--parse-helpers", type=int, default=0, metavar="N",
                   help="parse in N helper processes beside this one (same output)")
    p.set_defaults(func=cmd_detect)

    e = subparsers.add_parser("eval", help="measure quality on a dataset")
    sub = e.add_subparsers(dest="dataset", required=True)
    f = sub.add_parser("fnc1", help="FNC-1 stance pairs: headline = claim, body = item")
    f.add_argument("--stances", type=Path, required=True)
    f.add_argument("--bodies", type=Path, required=True)
    f.add_argument("--limit", type=int, default=None, help="evaluate the first N pairs only")
    f.set_defaults(func=cmd_eval_fnc1)
    a = sub.add_parser("acceptance", help="folders shaped like ../shared/acceptance")
    a.add_argument("dirs", type=Path, nargs="+")
    a.add_argument("--model", default=None)
    a.add_argument("--quiet", action="store_true")
    a.set_defaults(func=cmd_eval_acceptance)
    n = sub.add_parser("polnear", help="PolNeAR attributions: cue, source and content")
    n.add_argument("DIR", type=Path, help="a split folder with text/ and attributions/")
    n.add_argument("--limit", type=int, default=None, help="evaluate the first N articles only")
    n.add_argument("--model", default=None, help="spaCy pipeline name")
    n.set_defaults(func=cmd_eval_polnear)
    w = sub.add_parser("news", help="a labelled real-news folder, scored as "
                       "../shared/tools/score_news.py scores it")
    w.add_argument("DIR", type=Path, help="holds topics.yaml, items.jsonl, labels.jsonl, "
                   "expected.json")
    source = w.add_mutually_exclusive_group()
    source.add_argument("--from", dest="from_file", type=Path, default=None,
                        help="score this detect output (JSON lines) instead of running detect")
    source.add_argument("--out", type=Path, default=None,
                        help="also save the detect JSON lines to this file")
    w.add_argument("--model", default=None, help="spaCy pipeline name")
    w.set_defaults(func=cmd_eval_news)


def item_from(data: Any, where: str) -> Item:
    if not isinstance(data, dict):
        raise FeedError(f"{where}: a news item must be a JSON object")
    iid = data.get("id") or data.get("url")
    if not isinstance(iid, str) or not iid:
        raise FeedError(f"{where}: missing id")
    title, body = data.get("title") or "", data.get("body") or ""
    if not isinstance(title, str) or not isinstance(body, str) or not (title or body):
        raise FeedError(f"{where}: title/body must be text and one of them non-empty")
    return Item(id=iid, title=title, body=body, source=str(data.get("source") or ""),
                url=data.get("url"), published_at=data.get("published_at"),
                language=data.get("language"))


def read_feed(path: Path) -> Iterator[Item]:
    """Items of a JSONL, JSON (one item or a list) or CSV file, or FeedError."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FeedError(f"{path}: cannot read: {exc}") from None
    if path.suffix.lower() == ".csv":
        for n, row in enumerate(csv.DictReader(text.splitlines()), start=2):
            yield item_from(row, f"{path}:{n}")
        return
    if path.suffix.lower() == ".json":
        data = json.loads(text)
        for n, d in enumerate(data if isinstance(data, list) else [data], start=1):
            yield item_from(d, f"{path}[{n}]")
        return
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise FeedError(f"{path}:{n}: invalid JSON: {exc.msg}") from None
        yield item_from(data, f"{path}:{n}")


def _line(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False) + "\n"


def _print(obj: dict[str, Any]) -> None:
    sys.stdout.write(_line(obj))


def detect_events(topics: Path, feed: Path, model: str | None = None, helpers: int = 0,
                  ) -> Iterator[dict[str, Any]]:
    """What `claimwatch detect` prints, in order: each observation and alert as
    the feed is read, then one `claim` per claim (TopicFileError, FeedError).
    With parse `helpers`, batches are 64 items (dense enough to share)."""
    from detector.feed import FeedRun

    detector = Detector(load_topics_file(topics), model=model, helpers=helpers)
    run = FeedRun(detector, batch_size=64) if helpers else FeedRun(detector)
    try:
        yield from run.run(read_feed(feed))
    finally:
        detector.close()
    for claim in run.claims():
        claim.pop("observations")
        yield claim


def cmd_detect(args: argparse.Namespace) -> int:
    try:
        for event in detect_events(args.topics, args.feed, args.model, args.parse_helpers):
            if args.no_observations and event["kind"] == "observation":
                continue
            _print(event)
    except (TopicFileError, FeedError) as exc:
        print(f"claimwatch detect: {exc}", file=sys.stderr)
        return 2
    return 0


def _case_files(d: Path) -> list[Path]:
    if d.is_file():
        return [d]
    here = sorted(d.glob("*expected*.json"))
    if here:
        return here
    return sorted(d.glob("*/*expected*.json"))


def run_case(expected_path: Path, detector: Detector) -> dict[str, Any]:
    from agents.evaluate.acceptance import check
    from detector.feed import FeedRun

    base = expected_path.parent
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    detector.index = type(detector.index)()
    detector.set_topics(load_topics_file(base / expected["topics"]))
    run = FeedRun(detector)
    if "feed" in expected:
        items = list(read_feed(base / expected["feed"]))
    else:
        items = list(read_feed(base / expected["item"]))
    alerts = [e for e in run.run(items) if e["kind"] == "alert"]
    results = check(expected, run.claims(), alerts)
    return {"case": str(base), "results": results}


def cmd_eval_acceptance(args: argparse.Namespace) -> int:
    files = [f for d in args.dirs for f in _case_files(d)]
    if not files:
        print("claimwatch eval acceptance: no *expected*.json found", file=sys.stderr)
        return 2
    detector = Detector([], model=args.model)
    passed = failed = 0
    claims_ok = claims_total = 0
    cases = []
    for f in files:
        try:
            case = run_case(f, detector)
        except (TopicFileError, FeedError, KeyError, json.JSONDecodeError) as exc:
            print(f"FAIL {f}: cannot run: {exc}")
            failed += 1
            continue
        cases.append(case)
        for r in case["results"]:
            passed += r["passed"]
            failed += not r["passed"]
            claims_total += 1
            claims_ok += r["passed"]
            if not args.quiet or not r["passed"]:
                mark = "PASS" if r["passed"] else "FAIL"
                why = "" if r["passed"] else ": " + "; ".join(r["problems"])
                print(f"{mark} {case['case']} {r['kind']} {r['name']}{why}")
    summary = {"passed": passed, "failed": failed, "cases": len(cases),
               "pass_rate": round(passed / max(1, passed + failed), 4)}
    print(json.dumps(summary))
    return 0 if failed == 0 else 1


def cmd_eval_polnear(args: argparse.Namespace) -> int:
    from agents.evaluate import polnear

    try:
        report = polnear.evaluate(args.DIR, limit=args.limit, model=args.model)
    except (OSError, ValueError) as exc:
        print(f"claimwatch eval polnear: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(report))
    return 0


def cmd_eval_fnc1(args: argparse.Namespace) -> int:
    try:
        from agents.evaluate import fnc1
    except ImportError:
        print("claimwatch eval fnc1: the FNC-1 evaluator is not installed", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    try:
        report = fnc1.evaluate(args.stances, args.bodies, limit=args.limit)
    except (OSError, ValueError, KeyError) as exc:
        print(f"claimwatch eval fnc1: {exc}", file=sys.stderr)
        return 2
    report.setdefault("seconds", round(time.perf_counter() - t0, 2))
    print(json.dumps(report))
    return 0


def cmd_eval_news(args: argparse.Namespace) -> int:
    """`claimwatch detect --topics DIR/topics.yaml DIR/items.jsonl`, then its score."""
    from agents.evaluate import news

    folder: Path = args.DIR
    try:
        dataset = news.load_dataset(folder)
        if args.from_file is not None:
            with args.from_file.open(encoding="utf-8") as f:
                output = news.read_output(f)
        else:
            events = list(detect_events(folder / "topics.yaml", folder / "items.jsonl",
                                        args.model))
            if args.out is not None:
                args.out.write_text("".join(_line(e) for e in events), encoding="utf-8")
            output = news.collect(events)
    except (TopicFileError, FeedError, OSError, ValueError, KeyError) as exc:
        print(f"claimwatch eval news: {exc}", file=sys.stderr)
        return 2
    report = news.score(dataset, output)
    for line in report.lines():
        print(line)
    print(json.dumps(report.figures()))
    return 0
