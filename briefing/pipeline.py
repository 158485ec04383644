"""One briefing run, top to bottom: collect, select, summarise, render, write, deliver.

The CLI and the scheduler both call :func:`run_briefing`. A briefing covers one
date: the articles it includes are marked as briefed on that date, so a second
run the same day summarises only what is new, re-uses the stored summaries of
the rest, and says when nothing new arrived.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from email.message import EmailMessage
from pathlib import Path

from .collect import CollectReport, collect
from .config import Config
from .errors import BriefingError, DeliveryError, RunStopped
from .fsutil import atomic_write
from .models import Article, Briefing, BriefingItem, Length, SourceFailure, Summary
from .store import Store

log = logging.getLogger(__name__)

#: ``progress(stage, done, total)``: "collect", "summarize", "render" with counts.
Progress = Callable[[str, int, int], None]
TITLE_WORDS = 14


@dataclass(frozen=True)
class RunOptions:
    """How to run: for which date, which formats, and whether to force or send."""

    day: date | None = None
    formats: tuple[str, ...] | None = None
    force: bool = False
    send: bool = False
    kind: str = "manual"
    scheduled_for: datetime | None = None
    now: datetime | None = None
    #: Seconds to wait for another run on the same configuration; None waits as long as it takes.
    lock_wait: float | None = 0.0
    #: Set to stop the run (the scheduler's SIGTERM): collection abandons its requests at once.
    stop: threading.Event | None = None


@dataclass(frozen=True)
class RunResult:
    """What a run did: the briefing, the files written, and what was collected."""

    briefing: Briefing
    outputs: tuple[Path, ...]
    collected: CollectReport
    new_articles: int
    sent_to: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)


def run_briefing(
    config: Config, options: RunOptions | None = None, *, progress: Progress | None = None
) -> RunResult:
    """Collect new articles, summarise them and write the briefing for ``options.day``."""
    from .lock import run_lock

    options = options or RunOptions()
    day = options.day or date.today()
    progress = progress or _no_progress
    with run_lock(config, wait=options.lock_wait), Store(config.database_path) as store:
        # We hold the lock, so a run still marked 'running' belongs to a dead process.
        store.abandon_unfinished_runs()
        run_id = store.start_run(
            options.kind, briefing_date=day, scheduled_for=options.scheduled_for
        )
        try:
            result = _run(config, options, day, store, progress)
        except (RunStopped, KeyboardInterrupt) as exc:
            store.finish_run(run_id, status="interrupted", error=str(exc) or "interrupted")
            raise
        except BaseException as exc:
            store.finish_run(run_id, status="failed", error=str(exc) or type(exc).__name__)
            raise
        store.record_briefing(day, run_id, [str(p) for p in result.outputs])
        store.finish_run(
            run_id,
            status="ok",
            articles=result.briefing.article_count,
            new_articles=result.new_articles,
            failures=[{"source": f.source, "error": f.error} for f in result.briefing.failures],
            outputs=[str(p) for p in result.outputs],
        )
        return result


def _run(
    config: Config, options: RunOptions, day: date, store: Store, progress: Progress
) -> RunResult:
    collected = collect_stage(config, store, progress, stop=options.stop)
    earlier, new = select_articles(store, day)
    items = summarise_stage(config, store, earlier, new, force=options.force, progress=progress)
    briefing = assemble_briefing(
        config, day, items, collected, nothing_new=not new, now=options.now or current_time()
    )
    outputs, message = write_outputs(config, briefing, options.formats or config.formats, progress)
    store.mark_briefed([a.id for a in new if a.id is not None], day)
    sent_to = deliver_stage(config, briefing, message, store, options)
    return RunResult(
        briefing=briefing,
        outputs=outputs,
        collected=collected,
        new_articles=len(new),
        sent_to=sent_to,
    )


def current_time() -> datetime:
    """Now, or ``$SOURCE_DATE_EPOCH`` when set, so a briefing can be reproduced byte for byte."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=UTC)
    return datetime.now(UTC)


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


# --- collect and select ------------------------------------------------------------


def collect_stage(
    config: Config, store: Store, progress: Progress, *, stop: threading.Event | None = None
) -> CollectReport:
    total = len(config.sources)
    done = 0

    def source_done(name: str) -> None:
        nonlocal done
        done += 1
        progress("collect", done, total)

    progress("collect", 0, total)
    return collect(config, store, progress=source_done, stop=stop)


def select_articles(store: Store, day: date) -> tuple[list[Article], list[Article]]:
    """(articles already in this date's briefing, articles not in any briefing yet)."""
    return store.briefed_articles(day), store.unbriefed_articles()


# --- summarise ---------------------------------------------------------------------


def summarise_stage(
    config: Config,
    store: Store,
    earlier: Sequence[Article],
    new: Sequence[Article],
    *,
    force: bool,
    progress: Progress,
) -> list[BriefingItem]:
    """Summarise new articles (and, with ``force``, earlier ones again); re-use stored summaries."""
    articles = in_briefing_order(config, [*earlier, *new])
    items: list[BriefingItem] = []
    fresh: list[tuple[int, Summary]] = []
    for done, article in enumerate(articles, start=1):
        stored = None if force or article.id is None else store.stored_summary(article.id)
        item = (
            BriefingItem(article=article, summary=stored)
            if stored
            else summarise_article(config, article)
        )
        if item.summary is not None and stored is None and article.id is not None:
            fresh.append((article.id, item.summary))
        also_in = store.other_sources(article.id, article.source) if article.id else ()
        items.append(_with_display_title(replace(item, also_in=also_in)))
        progress("summarize", done, len(articles))
    store.save_summaries(fresh)
    return items


def in_briefing_order(config: Config, articles: Sequence[Article]) -> list[Article]:
    """Sources in the order configured; within one, newest first, undated last.

    Sources are collected concurrently, so the order articles were stored in
    says nothing a reader cares about.
    """
    rank = {source.name: i for i, source in enumerate(config.sources)}

    def key(article: Article) -> tuple[int, int, float, str, int]:
        when = article.published.timestamp() if article.published else 0.0
        return (
            rank.get(article.source, len(rank)),
            article.published is None,
            -when,
            article.title,
            article.id or 0,
        )

    return sorted(articles, key=key)


def summarise_article(config: Config, article: Article) -> BriefingItem:
    """Summarise one article; a failure is kept on the item, never raised."""
    from .summarize import summarize_text

    try:
        summary = summarize_text(
            article.text,
            language=article.language or config.language,
            length=Length(sentences=config.sentences),
            algorithm=config.algorithm,
        )
    except BriefingError as exc:
        return BriefingItem(article=article, summary=None, error=str(exc))
    except Exception as exc:  # one broken article must not cost the others
        log.exception("summarising %r failed", article.title or article.url)
        return BriefingItem(article=article, summary=None, error=f"internal error: {exc}")
    return BriefingItem(article=article, summary=summary)


def _with_display_title(item: BriefingItem) -> BriefingItem:
    """Give an untitled article a title quoted from its own opening words."""
    article = item.article
    if article.title.strip():
        return item
    words = article.text.split()
    title = " ".join(words[:TITLE_WORDS]) + (" …" if len(words) > TITLE_WORDS else "")
    return replace(item, article=replace(article, title=title or "(untitled)"))


# --- assemble, render, write -------------------------------------------------------------


def assemble_briefing(
    config: Config,
    day: date,
    items: Sequence[BriefingItem],
    collected: CollectReport,
    *,
    nothing_new: bool,
    now: datetime,
) -> Briefing:
    failures = [
        SourceFailure(source=s.name, error=s.error, when=now) for s in collected.sources if s.error
    ] + [
        SourceFailure(source=s.name, error=problem, when=now)
        for s in collected.sources
        for problem in s.problems
    ]
    return Briefing(
        title=config.title,
        date=day,
        generated_at=now,
        items=tuple(items),
        sources=tuple(s.name for s in config.sources),
        failures=tuple(failures),
        language=_briefing_language(items, config),
        author=config.author,
        nothing_new=nothing_new,
    )


def _briefing_language(items: Sequence[BriefingItem], config: Config) -> str:
    """The configured briefing language, else the language most summaries are in."""
    if config.briefing_language != "auto":
        return config.briefing_language
    languages = Counter(i.summary.language for i in items if i.summary)
    if languages:
        return languages.most_common(1)[0][0]
    return "en" if config.language == "auto" else config.language


def output_stem(day: date) -> str:
    return f"briefing-{day.isoformat()}"


def _template_options(config: Config) -> dict[str, Path | None]:
    return {
        "templates": config.templates,
        "config_dir": config.path.parent if config.path else None,
    }


@dataclass(frozen=True)
class Rendered:
    """A briefing's files as bytes keyed by suffix, and its email when configured."""

    files: dict[str, bytes]
    email: EmailMessage | None = None


def render_outputs(config: Config, briefing: Briefing, formats: Sequence[str]) -> Rendered:
    """The briefing rendered in each requested format, and as an email with ``[email]``."""
    from . import render
    from .pdf import start_pdf

    options = _template_options(config)
    wants_pdf = "pdf" in formats or config.email is not None
    files: dict[str, bytes] = {}
    html = render.render_html(briefing, **options) if "html" in formats or wants_pdf else ""
    # The PDF is laid out in a child process, on the other core, while the
    # other formats and the email's bodies are written here.
    pending = (
        start_pdf(
            html,
            briefing=briefing,
            profile=config.pdf.profile,
            max_seconds=config.pdf.max_seconds,
        )
        if wants_pdf
        else None
    )
    try:
        if "md" in formats:
            files["md"] = render.render_markdown(briefing, **options).encode("utf-8")
        if "html" in formats:
            files["html"] = html.encode("utf-8")
        bodies = _email_bodies(config, briefing) if config.email else None
        if pending is not None:
            files["pdf"] = pending.result()
    finally:
        if pending is not None:
            pending.cancel()
    email = _build_email(config, briefing, files.get("pdf"), bodies) if bodies else None
    return Rendered(files, email)


def write_outputs(
    config: Config, briefing: Briefing, formats: Sequence[str], progress: Progress
) -> tuple[tuple[Path, ...], EmailMessage | None]:
    """Render and write the briefing files (and the .eml); return their paths and the email."""
    progress("render", 0, 1)
    rendered = render_outputs(config, briefing, formats)
    stem = output_stem(briefing.date)
    paths = [
        atomic_write(config.output_dir / f"{stem}.{suffix}", data)
        for suffix, data in rendered.files.items()
        if suffix in formats
    ]
    if rendered.email is not None:
        data = rendered.email.as_bytes()
        paths.append(atomic_write(config.output_dir / f"{stem}.eml", data))
    progress("render", 1, 1)
    return tuple(paths), rendered.email


def _email_bodies(config: Config, briefing: Briefing) -> tuple[str, str]:
    """The email's plain-text and HTML bodies."""
    from . import render

    options = _template_options(config)
    return (
        render.render_text(briefing, **options),
        render.render_email_html(briefing, **options),
    )


def _build_email(
    config: Config, briefing: Briefing, pdf: bytes | None, bodies: tuple[str, str]
) -> EmailMessage:
    from . import mail

    assert config.email is not None
    text_body, html_body = bodies
    return mail.build_email(
        briefing,
        config.email,
        pdf=pdf,
        pdf_name=f"{output_stem(briefing.date)}.pdf",
        text_body=text_body,
        html_body=html_body,
    )


# --- deliver ---------------------------------------------------------------------------


def deliver_stage(
    config: Config,
    briefing: Briefing,
    message: EmailMessage | None,
    store: Store,
    options: RunOptions,
) -> tuple[str, ...]:
    """Send the email when asked; each recipient gets a date's briefing once unless forced.

    A delivery whose outcome is unknown (the message went out, the answer never
    came) is recorded as uncertain and never repeated by a scheduled run; an
    explicit ``--send`` for that date sends it again, ``--force`` to everyone.
    """
    email = config.email
    wants = options.send or (options.kind == "scheduled" and email is not None and email.send)
    if not wants:
        return ()
    if email is None or email.smtp is None or message is None:
        raise DeliveryError("sending needs [email] and [email.smtp] in the configuration")
    done = () if options.force else store.delivered_to(briefing.date)
    if not options.force and not options.send:
        done = (*done, *store.uncertain_deliveries(briefing.date))
    remaining = tuple(address for address in email.to if address not in done)
    if not remaining:
        log.info("the briefing of %s was already sent; not sending it again", briefing.date)
        return ()
    from . import mail

    if remaining != email.to:
        del message["To"]
        message["To"] = ", ".join(remaining)
    try:
        mail.send_email(message, email.smtp, sleep=_retry_wait(options.stop))
    except mail.PartialDeliveryError as exc:
        # Those who got it must not get it again when the user retries.
        store.record_delivery(briefing.date, str(message["Message-ID"]), exc.delivered)
        raise
    except mail.UncertainDeliveryError as exc:
        store.record_uncertain_delivery(
            briefing.date, str(message["Message-ID"]), exc.recipients, exc.reason
        )
        raise
    store.record_delivery(briefing.date, str(message["Message-ID"]), remaining)
    return remaining


def _retry_wait(stop: threading.Event | None) -> Callable[[float], None]:
    """The wait before an SMTP retry, cut short by a stop (nothing was delivered yet)."""
    import time

    if stop is None:
        return time.sleep

    def wait(seconds: float) -> None:
        if stop.wait(seconds):
            raise RunStopped(
                "stopped while waiting to retry sending the email (nothing was sent); "
                "the scheduler sends it when it makes up the run"
            )

    return wait
