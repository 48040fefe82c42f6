"""The `claimwatch` command.

    claimwatch worker [--loglevel info]        run the Faust worker
    claimwatch replay FILE [--rate N]          JSONL or CSV feed -> news topic
    claimwatch tail [--json] [--from-beginning] [--max N] [--timeout S]
    claimwatch topics list | add FILE | remove ID
    claimwatch feeds run FEEDS.yaml [--once] [--metrics-port N]   RSS/Atom/RDF -> news topic
    claimwatch feeds check FEEDS.yaml [--json]  what `feeds run` would send now
    claimwatch demo [--stay]                   broker + worker + seed feed poller + alerts
    claimwatch detect | eval                   offline (agents.offline)

Settings come from CLAIMWATCH_* environment variables (agents.settings).
Exit status: 0 ok, 1 bad input (malformed file, skipped lines), 2 broker
unreachable.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from agents.settings import Settings

EXIT_BROKER = 2
LOGLEVELS = ("critical", "error", "warning", "info", "debug")


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"CLAIMWATCH_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
            for e in exc.errors())
        raise SystemExit(f"claimwatch: bad setting: {problems}") from None


def cmd_worker(args: argparse.Namespace) -> int:
    from agents.app import create_pipeline
    from agents.client import check_broker, ensure_topic

    settings = _settings()
    servers = settings.bootstrap_servers
    check_broker(servers)
    # faust creates only its internal topics (changelogs); the agents' own
    # topics are created here when missing, with the configured partitions
    for name in (settings.news_topic, settings.observations_topic, settings.alerts_topic,
                 settings.deadletter_topic):
        ensure_topic(servers, name, settings.partitions)
    ensure_topic(servers, settings.topics_topic, compacted=True)
    ensure_topic(servers, settings.claims_topic, compacted=True)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    pipe = create_pipeline(settings)
    argv = [f"{Path(sys.argv[0]).name} worker"]
    if not args.banner:
        argv.append("--quiet")
    level = {"critical": "crit", "warning": "warn"}.get(args.loglevel, args.loglevel)
    argv += ["worker", "--loglevel", level, *args.faust_args]
    sys.argv = argv
    pipe.app.main()
    return 0  # pragma: no cover - app.main() exits


def cmd_replay(args: argparse.Namespace) -> int:
    from agents.client import replay

    return replay(_settings(), Path(args.file), topic=args.topic, rate=args.rate,
                  fmt=args.format, progress=False if args.no_progress else None)


def cmd_tail(args: argparse.Namespace) -> int:
    from agents.client import tail

    return tail(_settings(), topic=args.topic, as_json=args.json,
                from_beginning=args.from_beginning, max_alerts=args.max,
                timeout=args.timeout)


def cmd_topics(args: argparse.Namespace) -> int:
    from agents import client

    settings = _settings()
    if args.action == "list":
        return client.topics_list(settings, as_json=args.json)
    if args.action == "add":
        return client.topics_add(settings, Path(args.file))
    return client.topics_remove(settings, args.id)


def cmd_feeds(args: argparse.Namespace) -> int:
    from agents import poller

    settings = _settings()
    if args.action == "check":
        return poller.check_feeds(settings, Path(args.file), as_json=args.json)
    logging.getLogger("agents").setLevel(args.loglevel.upper())
    return poller.run_feeds(settings, Path(args.file), once=args.once,
                            metrics_port=args.metrics_port)


def cmd_demo(args: argparse.Namespace) -> int:
    from agents.demo import run_demo

    return run_demo(timeout=args.timeout, keep_broker=args.keep_broker, stay=args.stay)


def _positive(value: str) -> float:
    try:
        f = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if f <= 0:
        raise argparse.ArgumentTypeError("must be positive")
    return f


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="claimwatch", description="Real-time claim monitor for news streams.",
        epilog="Settings: CLAIMWATCH_* environment variables (see README).")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("worker", help="run the Faust worker (ingest, detect, track, web)")
    p.add_argument("--loglevel", "-l", default="warning", choices=LOGLEVELS,
                   help="log level (default: warning)")
    p.add_argument("--banner", action="store_true", help="print Faust's startup banner")
    p.add_argument("faust_args", nargs=argparse.REMAINDER,
                   help="further options for `faust worker`")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("replay", help="send a JSONL or CSV feed to the news topic")
    p.add_argument("file", help="JSONL (one NewsItem a line) or CSV "
                                "(id,title,body,source,url,published_at)")
    p.add_argument("--rate", type=_positive, help="items per second (default: as fast as "
                                                  "possible)")
    p.add_argument("--topic", help="target topic (default: CLAIMWATCH_NEWS_TOPIC)")
    p.add_argument("--format", choices=("jsonl", "csv"),
                   help="input format (default: from the file extension)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_replay)

    p = sub.add_parser("tail", help="print alerts as they arrive")
    p.add_argument("--json", action="store_true", help="one CloudEvent JSON per line")
    p.add_argument("--from-beginning", action="store_true",
                   help="start at the oldest alert, not the next one")
    p.add_argument("--max", type=int, metavar="N", help="stop after N alerts")
    p.add_argument("--timeout", type=_positive, metavar="SECONDS",
                   help="stop after this long (exit 1 if --max was not reached)")
    p.add_argument("--topic", help="alerts topic (default: CLAIMWATCH_ALERTS_TOPIC)")
    p.set_defaults(func=cmd_tail)

    p = sub.add_parser("topics", help="tracked topics on the compacted topics topic")
    tsub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    t = tsub.add_parser("list", help="list the topics published on the topics topic")
    t.add_argument("--json", action="store_true", help="one topic JSON per line")
    t = tsub.add_parser("add", help="add or replace the topics of a YAML/JSON file")
    t.add_argument("file")
    t = tsub.add_parser("remove", help="stop tracking a topic (tombstone)")
    t.add_argument("id")
    p.set_defaults(func=cmd_topics)

    p = sub.add_parser("feeds", help="poll RSS, Atom and RDF feeds into the news topic")
    fsub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    f = fsub.add_parser("run", help="poll the feeds of a feeds file until Ctrl-C or SIGTERM")
    f.add_argument("file", help="feeds file (YAML: feeds: [{url, source, interval, ...}])")
    f.add_argument("--once", action="store_true",
                   help="poll each feed one time and exit (1 if a poll failed)")
    f.add_argument("--metrics-port", type=int, metavar="PORT",
                   help="serve the poller's Prometheus metrics on this port")
    f.add_argument("--loglevel", "-l", default="warning", choices=LOGLEVELS,
                   help="log level (default: warning: failed polls only)")
    f = fsub.add_parser("check", help="fetch each feed once and print what would be sent")
    f.add_argument("file", help="feeds file")
    f.add_argument("--json", action="store_true", help="one {feed, revision, item} JSON "
                                                       "per line")
    p.set_defaults(func=cmd_feeds)

    p = sub.add_parser("demo", help="one-command demo: local broker, worker, seed feed, alerts")
    p.add_argument("--timeout", type=_positive, default=300.0,
                   help="give up after this many seconds (default: 300)")
    p.add_argument("--keep-broker", action="store_true",
                   help="leave the local broker running afterwards")
    p.add_argument("--stay", action=argparse.BooleanOptionalAction, default=None,
                   help="after the seed feed's alerts, keep the worker up until Ctrl-C "
                        "(default: when run in a terminal)")
    p.set_defaults(func=cmd_demo)

    from agents import offline

    offline.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    from agents.client import BrokerUnreachable

    func: Any = args.func
    try:
        return int(func(args) or 0)
    except BrokerUnreachable as exc:
        print(f"claimwatch: {exc}", file=sys.stderr)
        return EXIT_BROKER
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
