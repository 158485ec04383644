"""The ``briefing`` command line: argument parsing and printing, nothing else.

Each command makes one library call. Library errors become one line on
stderr and exit status 1 (2 for usage errors); ``--debug`` shows tracebacks.
Heavy libraries are imported inside the commands that need them, so
``briefing --help`` answers at once.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

from . import __version__
from .errors import BriefingError, ConfigError

log = logging.getLogger("briefing")

# The summariser multiplies small matrices: BLAS threads cost more to wake than
# they save, and on a busy machine they wait for the other core. Set before
# numpy is first imported (it is imported lazily, inside the commands).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

EXAMPLES = """\
examples:
  briefing run                          # the bundled sample sources, into ./output
  briefing run --config briefing.toml --date 2026-11-24 --format md,pdf
  briefing summarize article.txt --sentences 3
  curl -s https://example.org/story | briefing summarize - --json
  briefing summarize --jsonl docs.jsonl > summaries.jsonl
  briefing init my-briefing             # a commented starter config
"""


class UsageError(BriefingError):
    """Wrong use of the command line (exit status 2)."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _setup_logging(args.verbose, args.debug)
    if not getattr(args, "handler", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        handler: Callable[[argparse.Namespace], int] = args.handler
        return handler(args)
    except KeyboardInterrupt:
        print("briefing: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except BriefingError as exc:
        if args.debug:
            raise
        print(
            f"briefing: {_one_line(exc) if not isinstance(exc, ConfigError) else exc}",
            file=sys.stderr,
        )
        return 2 if isinstance(exc, UsageError) else 1
    except Exception as exc:
        if args.debug:
            raise
        print(
            f"briefing: internal error: {type(exc).__name__}: {_one_line(exc)} "
            "(run again with --debug for details, and please report it)",
            file=sys.stderr,
        )
        return 70


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def _setup_logging(verbose: int, debug: bool) -> None:
    level = logging.DEBUG if debug else logging.INFO if verbose else logging.WARNING
    logging.basicConfig(
        level=level, format="briefing: %(levelname)s: %(message)s", stream=sys.stderr
    )
    if not debug:
        # Their warnings (font subsetting back-ends, CSS they ignore) are for
        # developers, not for someone reading a briefing.
        for noisy in ("weasyprint", "fontTools", "trafilatura", "htmldate", "charset_normalizer"):
            logging.getLogger(noisy).setLevel(logging.ERROR)


# --- parser ------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="briefing",
        description="Turn the day's new articles into a faithful, dated briefing "
        "(Markdown and PDF).",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"briefing {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    common.add_argument("-v", "--verbose", action="count", default=0, help="more logs on stderr")
    parser.set_defaults(debug=False, verbose=0)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")
    _add_run(sub, common)
    _add_summarize(sub, common)
    _add_collect(sub, common)
    _add_sources(sub, common)
    _add_init(sub, common)
    _add_schedule(sub, common)
    _add_status(sub, common)
    return parser


def _config_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "-c",
        "--config",
        metavar="FILE",
        help="TOML config file (default: $BRIEFING_CONFIG, else the bundled sample sources)",
    )


def _add_run(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "run",
        parents=[common],
        help="collect, summarise and write today's briefing",
        description="Collect new articles, summarise them and write the briefing. Prints the "
        "paths it wrote, one per line.",
        epilog="example:\n"
        "  briefing run --config briefing.toml --date 2026-11-24 --format md,html,pdf",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _config_option(p)
    p.add_argument("--date", type=_date, help="briefing date YYYY-MM-DD (default: today)")
    p.add_argument(
        "-o", "--output", metavar="DIR", help="output folder (default: config output_dir)"
    )
    p.add_argument(
        "--format", metavar="LIST", help="comma-separated: md, html, pdf, json (default: md,pdf)"
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="summarise and render the date's articles again; send again with --send",
    )
    p.add_argument("--send", action="store_true", help="send the briefing by email ([email.smtp])")
    p.add_argument("--strict", action="store_true", help="exit with status 3 if any source failed")
    p.add_argument(
        "--wait",
        type=_seconds,
        default=0.0,
        metavar="SECONDS",
        help="if another run on this config is in progress, wait this long (default: exit at once)",
    )
    p.set_defaults(handler=cmd_run)


def _add_summarize(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "summarize",
        aliases=["summarise"],
        parents=[common],
        help="summarise one document (file, URL or stdin)",
        description="Print the key sentences of one document: plain text, Markdown or HTML.",
        epilog="examples:\n  briefing summarize article.txt --sentences 3\n"
        "  briefing summarize - --json < page.html\n"
        "  briefing summarize --jsonl docs.jsonl > out.jsonl",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "document", nargs="?", metavar="PATH|URL|-", help="the document ('-' reads stdin)"
    )
    length = p.add_mutually_exclusive_group()
    length.add_argument(
        "-n", "--sentences", type=_positive_int, help="number of sentences (default 3)"
    )
    length.add_argument(
        "--ratio", type=_ratio, help="fraction of the article's sentences, e.g. 0.2"
    )
    length.add_argument("--words", type=_positive_int, help="word budget")
    p.add_argument("-l", "--language", default="auto", help="auto (default), en, fr, ...")
    p.add_argument(
        "-a",
        "--algorithm",
        default="default",
        help="default (ours), lead, lexrank, textrank, lsa, luhn, kl, sumbasic, "
        "edmundson, reduction",
    )
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print JSON with scores")
    out.add_argument(
        "--jsonl",
        metavar="FILE|-",
        help='batch: one {"id", "text"} object per line in, one summary per line out',
    )
    p.add_argument(
        "--allow-private", action="store_true", help="allow a URL on a private or loopback address"
    )
    p.set_defaults(handler=cmd_summarize)


def _add_collect(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("collect", parents=[common], help="collect new articles without rendering")
    _config_option(p)
    p.add_argument("--json", action="store_true", help="print a JSON report per source")
    p.add_argument("--strict", action="store_true", help="exit with status 3 if any source failed")
    p.set_defaults(handler=cmd_collect)


def _add_sources(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("sources", parents=[common], help="list sources and their last status")
    _config_option(p)
    p.set_defaults(handler=cmd_sources)


def _add_schedule(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "schedule",
        parents=[common],
        help="write the briefing on schedule, in the foreground",
        description="Run in the foreground and write the briefing at the times of [schedule] cron "
        "(for systemd, cron @reboot or a container). A missed run is made up once on start.",
        epilog="example:\n  briefing schedule --config briefing.toml --next 5",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _config_option(p)
    p.add_argument(
        "--next",
        nargs="?",
        const=5,
        type=_positive_int,
        metavar="N",
        help="print the next N run times (default 5) and exit",
    )
    p.set_defaults(handler=cmd_schedule)


def _add_status(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "status", parents=[common], help="show the last run, the next and any missed"
    )
    _config_option(p)
    p.set_defaults(handler=cmd_status)


def _add_init(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("init", parents=[common], help="write a commented starter config")
    p.add_argument(
        "folder", nargs="?", default=".", metavar="DIR", help="where to write briefing.toml"
    )
    p.set_defaults(handler=cmd_init)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _number(
    kind: Callable[[str], float], what: str, valid: Callable[[float], bool], rule: str
) -> Callable[[str], Any]:
    """An argparse type: parse with ``kind``, then check ``valid`` (else say ``rule``)."""

    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not {what}: {text!r}") from None
        if not valid(value):
            raise argparse.ArgumentTypeError(rule)
        return value

    return parse


_positive_int = _number(int, "a whole number", lambda v: v >= 1, "must be 1 or more")
_seconds = _number(float, "a number of seconds", lambda v: v >= 0, "must be 0 or more")
_ratio = _number(float, "a number", lambda v: 0 < v <= 1, "must be greater than 0 and at most 1")


# --- commands ------------------------------------------------------------------------


def _load(args: argparse.Namespace, **overrides: Any) -> Any:
    from .config import load_config

    return load_config(args.config, **overrides)


def cmd_run(args: argparse.Namespace) -> int:
    """Collect, summarise and render; print the written paths."""
    from .pipeline import RunOptions, run_briefing

    config = _load(
        args,
        output_dir=str(Path(args.output).resolve()) if args.output else None,
        formats=args.format,
    )
    with ProgressBar() as bar:
        result = run_briefing(
            config,
            RunOptions(day=args.date, force=args.force, send=args.send, lock_wait=args.wait),
            progress=bar.update,
        )
    for path in result.outputs:
        print(path)
    _report_run(result)
    return 3 if args.strict and result.briefing.failures else 0


def _report_run(result: Any) -> None:
    briefing = result.briefing
    summary = (
        f"{briefing.date}: {result.new_articles} new article(s), "
        f"{briefing.article_count} in the briefing, {len(briefing.failures)} source problem(s)"
    )
    if briefing.nothing_new:
        summary += " — nothing new since the last briefing"
    print(f"briefing: {summary}", file=sys.stderr)
    for failure in briefing.failures:
        print(
            f"briefing: source {failure.source!r}: {_one_line(Exception(failure.error))}",
            file=sys.stderr,
        )
    if result.sent_to:
        print(f"briefing: sent to {', '.join(result.sent_to)}", file=sys.stderr)


def cmd_summarize(args: argparse.Namespace) -> int:
    """Summarise one document, or a JSONL batch."""
    from .models import Length

    length = Length(
        sentences=args.sentences if args.sentences or args.ratio or args.words else 3,
        ratio=args.ratio,
        words=args.words,
    )
    if args.jsonl:
        return _summarize_batch(args, length)
    if not args.document:
        raise UsageError("summarize needs a document: a path, a URL, or '-' for stdin")
    from .reading import load_document
    from .summarize import summarize_text, summary_to_dict

    doc = load_document(args.document, stdin=sys.stdin.buffer, allow_private=args.allow_private)
    summary = summarize_text(
        doc.text, language=args.language, length=length, algorithm=args.algorithm
    )
    if args.json:
        print(json.dumps(summary_to_dict(summary), ensure_ascii=False, indent=2))
    else:
        for sentence in summary.sentences:
            print(sentence.text)
        for note in summary.notes:
            print(f"briefing: {note}", file=sys.stderr)
    return 0


def _summarize_batch(args: argparse.Namespace, length: Any) -> int:
    from .batch import summarize_jsonl

    if args.jsonl == "-":
        lines = sys.stdin
        for line in summarize_jsonl(
            lines, length=length, language=args.language, algorithm=args.algorithm
        ):
            print(line, flush=False)
        return 0
    try:
        handle = open(args.jsonl, encoding="utf-8", errors="replace")  # noqa: SIM115
    except OSError as exc:
        raise BriefingError(f"{args.jsonl}: cannot read ({exc.strerror})") from None
    with handle:
        for line in summarize_jsonl(
            handle, length=length, language=args.language, algorithm=args.algorithm
        ):
            print(line)
    return 0


def cmd_collect(args: argparse.Namespace) -> int:
    """Collect without rendering."""
    from .collect import collect
    from .lock import run_lock
    from .store import Store

    config = _load(args)
    with run_lock(config), Store(config.database_path) as store, ProgressBar() as bar:
        total = len(config.sources)
        done = 0

        def tick(name: str) -> None:
            nonlocal done
            done += 1
            bar.update("collect", done, total)

        report = collect(config, store, progress=tick)
    if args.json:
        sources = [
            {"name": s.name, "new": s.new, "seen": s.seen, "error": s.error} for s in report.sources
        ]
        print(json.dumps({"sources": sources}, ensure_ascii=False, indent=2))
    else:
        for s in report.sources:
            state = (
                f"error: {_one_line(Exception(s.error))}"
                if s.error
                else ("not modified" if s.not_modified else f"{s.new} new, {s.seen} already seen")
            )
            print(f"{s.name}\t{state}")
    return 3 if args.strict and report.failed else 0


def cmd_sources(args: argparse.Namespace) -> int:
    """List the configured sources with their last status."""
    from .store import Store

    config = _load(args)
    with Store(config.database_path) as store:
        statuses = store.source_statuses([s.name for s in config.sources])
    by_name = {s.name: s for s in config.sources}
    for st in statuses:
        source = by_name[st.source]
        status = (
            "never collected"
            if not st.last_attempt
            else (
                f"failed at {st.last_attempt}: {_one_line(Exception(st.last_error))}"
                if st.last_error
                else f"ok at {st.last_success} ({st.last_new} new, {st.last_seen} seen)"
            )
        )
        print(
            f"{st.source}\n  {source.kind}: {source.location}\n  last: {status}\n"
            f"  articles stored: {st.articles}"
        )
    return 0


def cmd_schedule(args: argparse.Namespace) -> int:
    """Run the scheduler in the foreground, or print the next run times."""
    from .schedule import format_run_time, next_run_times, run_scheduler

    config = _load(args)
    if args.next:
        for moment in next_run_times(config, args.next):
            print(format_run_time(moment))
        return 0
    if not args.debug:
        # A long-running process should say what it does; APScheduler's own
        # chatter is for developers.
        logging.getLogger("briefing").setLevel(logging.INFO)
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
    run_scheduler(config)
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    """Show the last run, the next one and any missed run."""
    from .status import format_status, status_report

    print(format_status(status_report(_load(args))))
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    """Write a commented starter config."""
    from .starter import write_starter_config

    print(write_starter_config(Path(args.folder)))
    return 0


# --- progress ---------------------------------------------------------------------------


class ProgressBar:
    """A one-line progress bar on stderr when it is a terminal; silent otherwise."""

    LABELS: ClassVar[dict[str, str]] = {
        "collect": "Collecting",
        "summarize": "Summarising",
        "render": "Rendering",
    }

    def __init__(self, stream: Any = None) -> None:
        self.stream = stream or sys.stderr
        self.active = bool(getattr(self.stream, "isatty", lambda: False)())
        self.drawn = False

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()

    def update(self, stage: str, done: int, total: int) -> None:
        if not self.active:
            return
        width = 28
        filled = width * done // total if total else width
        label = self.LABELS.get(stage, stage)
        self.stream.write(
            f"\r\033[K{label:<12} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}"
        )
        self.stream.flush()
        self.drawn = True
