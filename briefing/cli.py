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
import re
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

from . import __version__
from .errors import BriefingError, ConfigError

log = logging.getLogger("briefing")

# sumy's algorithms and the story stage multiply small matrices: BLAS threads
# cost more to wake than they save, and on a busy machine they wait for the
# other core. Set before numpy is first imported (lazily, inside the commands).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

EXAMPLES = """\
examples:
  briefing run                          # ./briefing.toml, else the bundled samples
  briefing run --config briefing.toml --date 2026-11-24 --format md,pdf
  briefing summarize article.txt --sentences 3
  curl -s https://example.org/story | briefing summarize - --json
  briefing summarize --jsonl docs.jsonl > summaries.jsonl
  briefing init my-briefing             # a commented starter config
  briefing completion bash > ~/.local/share/bash-completion/completions/briefing

config: --config FILE, else $BRIEFING_CONFIG, else ./briefing.toml, else
$XDG_CONFIG_HOME/briefing/briefing.toml (~/.config/...); with none, the bundled
samples run, into ./briefing-sample/.

exit status:
  0   success
  1   an error (one line on stderr); `status`: the last run failed or a run was missed
  2   wrong usage (an unknown option, command or value)
  3   --strict and a source failed
  70  an internal error (a bug: please report it)
  130 interrupted (Ctrl-C)
"""


class UsageError(BriefingError):
    """Wrong use of the command line (exit status 2)."""


def main(argv: Sequence[str] | None = None) -> int:
    _paths_print_as_bytes()
    parser = build_parser()
    args = parser.parse_args(argv)
    _setup_logging(args.verbose, args.debug, quiet=args.quiet)
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


def _paths_print_as_bytes() -> None:
    # A path printed on stdout is for scripts: a name that is not UTF-8 is
    # printed as its own bytes instead of failing. Stderr already escapes.
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(errors="surrogateescape")


def _print_document_notes(target: str | None, notes: Sequence[str]) -> None:
    # How the document was read (an encoding that was guessed) is worth a line.
    where = target if target and target != "-" else "standard input"
    for note in notes:
        print(f"briefing: note: {where}: {note}", file=sys.stderr)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def _setup_logging(verbose: int, debug: bool, *, quiet: bool = False) -> None:
    level = (
        logging.DEBUG
        if debug
        else logging.INFO
        if verbose
        else logging.ERROR
        if quiet
        else logging.WARNING
    )
    logging.basicConfig(
        level=level, format="briefing: %(levelname)s: %(message)s", stream=sys.stderr
    )
    if not debug:
        # Their warnings (font subsetting back-ends, CSS they ignore) are for
        # developers, not for someone reading a briefing.
        for noisy in ("weasyprint", "fontTools", "trafilatura", "htmldate", "charset_normalizer"):
            logging.getLogger(noisy).setLevel(logging.ERROR)


# --- parser ------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    """argparse, plus "did you mean" for a mistyped command or long option."""

    def _get_formatter(self) -> argparse.HelpFormatter:
        # argparse builds a formatter for every option it adds (to check its
        # metavar), and each asks shutil for the terminal's width: importing
        # shutil (and its compression modules) cost 3 ms of every command's
        # start-up. The same width, found without it.
        return self.formatter_class(prog=self.prog, width=_help_width())  # type: ignore[call-arg]

    def error(self, message: str) -> Any:
        import difflib  # lazily: only a mistake needs it

        match = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
        if match:
            choices = re.findall(r"'([^']*)'", match.group(2))
            close = difflib.get_close_matches(match.group(1), choices, n=1, cutoff=0.5)
            if close:
                message += f"; did you mean {close[0]!r}?"
        unknown = re.search(r"unrecognized arguments: (.*)", message)
        if unknown:
            options = _all_options(self)
            for word in unknown.group(1).split():
                close = difflib.get_close_matches(word, options, n=1, cutoff=0.75)
                if word.startswith("--") and close:
                    message += f"; did you mean {close[0]!r}?"
                    break
        super().error(message)


def _help_width() -> int:
    """The width argparse gives help text: ``shutil.get_terminal_size().columns - 2``."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            stdout = sys.__stdout__
            columns = os.get_terminal_size(stdout.fileno()).columns if stdout else 0
        except (ValueError, OSError):
            columns = 0
    return (columns or 80) - 2


def _all_options(parser: argparse.ArgumentParser) -> list[str]:
    """Every long option of ``parser`` and of its commands (argparse reports unknown ones
    from the top-level parser, which does not know the commands' own)."""
    found: list[str] = []
    for action in parser._actions:
        found += [o for o in action.option_strings if o.startswith("--")]
        if isinstance(action.choices, dict):
            for child in action.choices.values():
                if isinstance(child, argparse.ArgumentParser):
                    found += _all_options(child)
    return sorted(set(found))


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="briefing",
        description="Turn the day's new articles into a faithful, dated briefing "
        "(Markdown and PDF).",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"briefing {__version__}")
    # The global options work before the command (briefing --debug run) and after it
    # (briefing run --debug). After it, their default is SUPPRESS so that a command's
    # parser does not overwrite what was given before it.
    _global_options(parser, default=True)
    _config_option(parser, default=None)
    common = _Parser(add_help=False)
    _global_options(common, default=False)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=_Parser)
    _add_run(sub, common)
    _add_summarize(sub, common)
    _add_collect(sub, common)
    _add_sources(sub, common)
    _add_init(sub, common)
    _add_schedule(sub, common)
    _add_status(sub, common)
    _add_prune(sub, common)
    _add_completion(sub, common)
    return parser


def _global_options(p: argparse.ArgumentParser, *, default: bool) -> None:
    def given(value: Any) -> Any:
        return value if default else argparse.SUPPRESS

    p.add_argument(
        "--debug", action="store_true", default=given(False), help="show tracebacks and debug logs"
    )
    noise = p.add_mutually_exclusive_group()
    noise.add_argument(
        "-v", "--verbose", action="count", default=given(0), help="more logs on stderr"
    )
    noise.add_argument(
        "-q", "--quiet", action="store_true", default=given(False), help="print errors only"
    )


def _config_option(p: argparse.ArgumentParser, default: Any = argparse.SUPPRESS) -> None:
    p.add_argument(
        "-c",
        "--config",
        metavar="FILE",
        default=default,
        help="TOML config file (default: $BRIEFING_CONFIG, else ./briefing.toml, else "
        "~/.config/briefing/briefing.toml, else the bundled samples)",
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
    p.add_argument(
        "--date",
        type=_date,
        help="briefing date YYYY-MM-DD (default: today in the configured timezone)",
    )
    p.add_argument(
        "-o",
        "--output",
        metavar="DIR",
        type=_folder,
        help="where the files are written (default: config output_dir); the database stays "
        "where the config says",
    )
    p.add_argument(
        "--format",
        metavar="LIST",
        type=_format_list,
        help="comma-separated: md, html, pdf, json (default: md,pdf)",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="summarise and render the date's articles again; send again with --send",
    )
    p.add_argument("--send", action="store_true", help="send the briefing by email ([email.smtp])")
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="collect and render into a new temporary folder; the database is not changed, "
        "nothing is marked or sent",
    )
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
        "document",
        nargs="?",
        metavar="PATH|URL|-",
        help="the document ('-', or nothing with piped input, reads stdin)",
    )
    length = p.add_mutually_exclusive_group()
    length.add_argument(
        "-n", "--sentences", type=_positive_int, help="number of sentences (default 3)"
    )
    length.add_argument(
        "--ratio", type=_ratio, help="fraction of the article's sentences, e.g. 0.2"
    )
    length.add_argument("--words", type=_positive_int, help="word budget")
    p.add_argument(
        "-l", "--language", default="auto", type=_language, help="auto (default), en, fr, ..."
    )
    p.add_argument(
        "-a",
        "--algorithm",
        default="default",
        type=_algorithm,
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
    p = sub.add_parser(
        "collect",
        parents=[common],
        help="collect new articles without rendering",
        description="Fetch every configured source and store what is new, without summarising "
        "or writing a briefing. Prints one line per source.",
    )
    _config_option(p)
    p.add_argument("--json", action="store_true", help="print a JSON report per source")
    p.add_argument("--strict", action="store_true", help="exit with status 3 if any source failed")
    p.set_defaults(handler=cmd_collect)


def _add_sources(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "sources",
        parents=[common],
        help="list sources and their last status",
        description="List the configured sources with their last status, their last change "
        "(the last time one brought new articles) and the articles stored.",
    )
    _config_option(p)
    p.add_argument("--json", action="store_true", help="print JSON (fields: see the README)")
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
        "status",
        parents=[common],
        help="show the last run, the next and any missed",
        description="Show the schedule, whether a scheduler is running, the last run, the next "
        "run and any missed run. Exit status 1 when the last run failed or a run was missed, "
        "so a monitor can call it.",
    )
    _config_option(p)
    p.add_argument("--json", action="store_true", help="print JSON (fields: see the README)")
    p.set_defaults(handler=cmd_status)


def _add_prune(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "prune",
        parents=[common],
        help="drop old article text as [retention] says, and shrink the database",
        description="Drop the text of articles briefed more than [retention] text_days ago "
        "(titles, links and summaries stay), delete articles briefed more than [retention] days "
        "ago, and give the space back. Articles not yet briefed are never touched.",
        epilog="example:\n  briefing prune --config briefing.toml",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _config_option(p)
    p.add_argument(
        "--no-vacuum", action="store_true", help="do not shrink the file (faster; space is reused)"
    )
    p.set_defaults(handler=cmd_prune)


def _add_init(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "init",
        parents=[common],
        help="write a commented starter config",
        description="Write a commented briefing.toml and an empty articles/ folder into DIR. "
        "Never overwrites a config.",
    )
    p.add_argument(
        "folder", nargs="?", default=".", metavar="DIR", help="where to write briefing.toml"
    )
    p.set_defaults(handler=cmd_init)


def _add_completion(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "completion",
        parents=[common],
        help="print a shell completion script (bash, zsh, fish)",
        description="Print the completion script for SHELL, generated from this parser.",
        epilog="examples:\n"
        "  briefing completion bash > ~/.local/share/bash-completion/completions/briefing\n"
        "  briefing completion zsh > ~/.zfunc/_briefing   # with fpath+=(~/.zfunc) in ~/.zshrc\n"
        "  briefing completion fish > ~/.config/fish/completions/briefing.fish",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("shell", choices=COMPLETION_SHELLS, metavar="SHELL", help="bash, zsh or fish")
    p.set_defaults(handler=cmd_completion)


COMPLETION_SHELLS = ("bash", "zsh", "fish")


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


def _format_list(text: str) -> tuple[str, ...]:
    from .config import FORMATS

    items = [item.strip().lower() for item in text.split(",") if item.strip()]
    bad = [item for item in items if item not in FORMATS]
    if not items or bad:
        shown = bad[0] if bad else text
        raise argparse.ArgumentTypeError(
            f"unknown format {shown!r}; choose from {', '.join(FORMATS)} (comma-separated)"
        )
    return tuple(dict.fromkeys(items))


def _folder(text: str) -> str:
    path = Path(text).expanduser()
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a file, not a folder")
    return str(path.resolve())


def _language(text: str) -> str:
    if text == "auto":  # the default, converted on every run: no need to load the config module
        return text
    from .config import language_problem

    if problem := language_problem(text.strip().lower()):
        raise argparse.ArgumentTypeError(f"{text!r}: {problem}")
    return text.strip().lower()


def _algorithm(text: str) -> str:
    from .summarize import available_algorithms  # summarize needs it anyway; config is slower

    if text.strip().lower() in available_algorithms():
        return text.strip().lower()
    from .config import algorithm_problem

    if problem := algorithm_problem(text):
        raise argparse.ArgumentTypeError(problem)
    return text.strip().lower()


_positive_int = _number(int, "a whole number", lambda v: v >= 1, "must be 1 or more")
_seconds = _number(float, "a number of seconds", lambda v: v >= 0, "must be 0 or more")
_ratio = _number(float, "a number", lambda v: 0 < v <= 1, "must be greater than 0 and at most 1")


# --- commands ------------------------------------------------------------------------


def _load(args: argparse.Namespace, *, needs_sources: bool = False, **overrides: Any) -> Any:
    """Find and load the config; say on stderr when it is the samples, and what to watch."""
    from .config import SAMPLE_OUTPUT_DIR, load_config, user_config_path

    config = load_config(args.config, **overrides)
    if config.sample and not args.quiet:
        print(
            "briefing: no config found (--config, $BRIEFING_CONFIG, ./briefing.toml, "
            f"{_home_short(user_config_path())}): using the bundled sample sources, "
            f"written into ./{SAMPLE_OUTPUT_DIR}/ with their own database. "
            "Start your own with `briefing init`.",
            file=sys.stderr,
        )
    if needs_sources and not config.sources:
        raise ConfigError(
            "sources: no [[sources]] configured, so the briefing would be empty; add a "
            '[[sources]] table with feed, page or folder (e.g. folder = "articles")',
            path=str(config.path) if config.path else None,
        )
    if not args.quiet:
        for warning in config.warnings:
            print(f"briefing: warning: {config.path}: {warning}", file=sys.stderr)
    return config


def _home_short(path: Path) -> str:
    try:
        return "~/" + str(path.relative_to(Path.home()))
    except ValueError:
        return str(path)


def cmd_run(args: argparse.Namespace) -> int:
    """Collect, summarise and render; print the written paths."""
    from .pipeline import RunOptions, run_briefing

    if args.dry_run and args.send:
        raise UsageError("--dry-run sends nothing: use one of --dry-run and --send")
    config = _load(
        args,
        needs_sources=True,
        output_dir=args.output,
        formats=",".join(args.format) if args.format else None,
    )
    options = RunOptions(day=args.date, force=args.force, send=args.send, lock_wait=args.wait)
    with ProgressBar() as bar:
        if args.dry_run:
            from .dryrun import dry_run

            result = dry_run(config, options, progress=bar.update)
        else:
            result = run_briefing(config, options, progress=bar.update)
    for path in result.outputs:
        print(path)
    if not args.quiet:
        _report_run(result)
        if args.dry_run:
            print(
                "briefing: dry run: files written into a new temporary folder; the database "
                f"{config.database_path} was not changed and nothing was sent",
                file=sys.stderr,
            )
    return 3 if args.strict and result.briefing.failures else 0


def _report_run(result: Any) -> None:
    from .render import labels_for, problem_groups, status_text

    briefing = result.briefing
    groups = problem_groups(briefing.failures)
    summary = (
        f"{briefing.date}: {result.new_articles} new article(s), "
        f"{briefing.article_count} in the briefing, "
        f"{len({f.source for f in groups['failed']})} source(s) failed, "
        f"{len(groups['skipped'])} item(s) skipped, {len(groups['warning'])} warning(s)"
    )
    note = status_text(briefing, labels_for("en"), None)
    if note:
        summary += f" — {note}"
    print(f"briefing: {summary}", file=sys.stderr)
    for failure in briefing.failures:
        print(
            f"briefing: source {failure.source!r}, {failure.kind}: "
            f"{_one_line(Exception(failure.error))}",
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
        if args.document:
            raise UsageError(
                f"summarize: give a document ({args.document}) or --jsonl FILE, not both"
            )
        return _summarize_batch(args, length)
    document = args.document or _piped_stdin()
    from .errors import SourceError
    from .reading import load_document
    from .summarize import summarize_text, summary_to_dict

    try:
        doc = load_document(document, stdin=sys.stdin.buffer, allow_private=args.allow_private)
    except SourceError as exc:
        # The fetcher's advice names the config setting; here the option is what to use.
        advice = re.sub(
            r"\(set allow_private = true[^)]*\)", "(use --allow-private to allow it)", str(exc)
        )
        raise SourceError(advice) from None
    summary = summarize_text(
        doc.text, language=args.language, length=length, algorithm=args.algorithm
    )
    _print_document_notes(args.document, doc.notes)
    if args.json:
        print(json.dumps(summary_to_dict(summary), ensure_ascii=False, indent=2))
    else:
        for sentence in summary.sentences:
            print(sentence.text)
        if not args.quiet:
            for note in summary.notes:
                print(f"briefing: {note}", file=sys.stderr)
    return 0


def _piped_stdin() -> str:
    """``-`` when text is piped in (``cat f | briefing summarize``), as sumy and trafilatura do."""
    try:
        piped = not sys.stdin.isatty()
    except (AttributeError, ValueError, OSError):
        piped = False
    if not piped:
        raise UsageError("summarize needs a document: a path, a URL, or '-' (or a pipe) for stdin")
    return "-"


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

    config = _load(args, needs_sources=True)
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
    from .schedule import format_observed_time
    from .status import source_report_to_dict, source_reports
    from .store import Store, parse_time

    config = _load(args)
    reports = source_reports(config)
    if args.json:
        listed = [source_report_to_dict(r) for r in reports]
        print(json.dumps({"sources": listed}, ensure_ascii=False, indent=2))
        return 0
    # The full messages of the last run's skipped files and warnings: the
    # briefing shows its readers only a short reason.
    problems: dict[str, list[str]] = {}
    if config.database_path.exists():
        with Store(config.database_path) as store:
            last_runs = store.runs(limit=1)
        for problem in last_runs[0].failures if last_runs else []:
            if problem.get("kind", "failed") != "failed" and "source" in problem:
                problems.setdefault(str(problem.get("source")), []).append(
                    f"{problem.get('kind')}: {_one_line(Exception(problem.get('error')))}"
                )
    zone = config.display_zone()

    def shown(text: str | None) -> str:
        moment = parse_time(text)
        return format_observed_time(moment.astimezone(zone)) if moment else str(text)

    for r in reports:
        if r.state == "never collected":
            status = "never collected"
        elif r.last_error:
            status = f"failed at {shown(r.last_attempt)}: {_one_line(Exception(r.last_error))}"
        elif r.last_new or r.last_seen:
            status = f"ok at {shown(r.last_success)} ({r.last_new} new, {r.last_seen} seen)"
        else:
            status = f"ok at {shown(r.last_success)} (nothing new)"
        print(
            f"{r.name}\n  {r.kind}: {r.location}\n  last: {status}\n"
            f"  last change: {shown(r.last_change) if r.last_change else 'none yet'}\n"
            f"  articles stored: {r.articles}"
        )
        for line in problems.get(r.name, []):
            print(f"  last run, {line}")
    return 0


def cmd_schedule(args: argparse.Namespace) -> int:
    """Run the scheduler in the foreground, or print the next run times."""
    from .schedule import format_run_time, next_run_times, run_scheduler

    config = _load(args, needs_sources=not args.next)
    if args.next:
        for moment in next_run_times(config, args.next):
            print(format_run_time(moment))
        return 0
    if not args.debug and not args.quiet:
        # A long-running process should say what it does; APScheduler's own
        # chatter is for developers.
        logging.getLogger("briefing").setLevel(logging.INFO)
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
    run_scheduler(config)
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    """Show the last run, the next one and any missed run; exit 1 if a monitor should alert."""
    from .status import format_status, status_problems, status_report, status_to_dict

    status = status_report(_load(args))
    if args.json:
        print(json.dumps(status_to_dict(status), ensure_ascii=False, indent=2))
    else:
        print(format_status(status))
    return 1 if status_problems(status) else 0


def cmd_prune(args: argparse.Namespace) -> int:
    """Apply the retention settings to the database."""
    from .storage import prune_store

    done = prune_store(_load(args), vacuum=not args.no_vacuum)
    mb = 1024 * 1024
    print(
        f"briefing: dropped the text of {done.texts_dropped} article(s), deleted "
        f"{done.articles_deleted}; database {done.bytes_before / mb:.1f} MB -> "
        f"{done.bytes_after / mb:.1f} MB",
        file=sys.stderr,
    )
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    """Write a commented starter config, and say what to do next."""
    from .starter import write_starter_config

    path = write_starter_config(Path(args.folder))
    print(path)
    if not args.quiet:
        folder = path.parent
        go = "" if folder.resolve() == Path.cwd().resolve() else f"cd {folder} && "
        print(
            f"briefing: next: put .txt/.md/.html articles into {folder / 'articles'} (or add "
            f"feeds to {path}), then run: {go}briefing run",
            file=sys.stderr,
        )
    return 0


def cmd_completion(args: argparse.Namespace) -> int:
    """Print a completion script generated from this parser."""
    import shtab

    parser = build_parser()
    _complete_paths(parser, shtab)
    print(shtab.complete(parser, shell=args.shell))
    return 0


#: Options and arguments whose values are paths: completed as file names.
_PATH_DESTS = ("config", "output", "jsonl", "document", "folder")


def _complete_paths(parser: argparse.ArgumentParser, shtab: Any) -> None:
    for action in parser._actions:
        if action.dest in _PATH_DESTS:
            folder = action.dest in ("output", "folder")
            action.complete = shtab.DIRECTORY if folder else shtab.FILE  # type: ignore[attr-defined]
        if isinstance(action.choices, dict):  # the commands
            for child in action.choices.values():
                if isinstance(child, argparse.ArgumentParser):
                    _complete_paths(child, shtab)


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
