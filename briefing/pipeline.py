"""One briefing run, top to bottom: collect, select, summarise, render, write, deliver.

The CLI and the scheduler both call :func:`run_briefing`. A briefing covers one
date: the articles it includes are marked as briefed on that date, so a second
run the same day summarises only what is new, re-uses the stored summaries of
the rest, and says how many of its articles are new since the earlier briefing.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from .collect import CollectReport, collect
from .config import Config, mailbox_address
from .errors import BriefingError, DeliveryError, RenderError, RunStopped
from .fsutil import atomic_write
from .models import (
    Article,
    Briefing,
    BriefingItem,
    Length,
    SourceFailure,
    Story,
    StorySentence,
    Summary,
)
from .storage import DEFAULT_BACKEND, ArticleStore, open_store
from .store import BriefingRecord, Store

if TYPE_CHECKING:
    from .pdf import PendingPdf
    from .stories import StorySettings

log = logging.getLogger(__name__)

#: ``progress(stage, done, total)``: "collect", "summarize", "render" with counts.
Progress = Callable[[str, int, int], None]
TITLE_WORDS = 14
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
#: The digest key of what a PDF is laid out from (HTML, metadata, stylesheet, versions).
PDF_SOURCE = "pdf-source"


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
    #: The store backend (``briefing.storage``); SQLite unless a benchmark or a test says otherwise.
    store_backend: str = DEFAULT_BACKEND
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
    #: Formats that could not be written this run (the others were).
    failed_formats: tuple[FormatFailure, ...] = ()
    #: Files already on disk with exactly this content, left as they were.
    unchanged: tuple[Path, ...] = ()
    #: SHA-256 of each file written (by suffix) and of the HTML the PDF was laid out from.
    digests: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class FormatFailure:
    """One output format that could not be rendered or written, and why."""

    format: str
    error: str


class FormatsFailed(RenderError):
    """Some formats were written and some were not.

    Raised by :func:`run_briefing` after everything else is done and
    recorded: the formats written count, their articles are briefed, the run
    is logged; ``result`` is the run's result.
    """

    def __init__(self, result: RunResult) -> None:
        self.result = result
        failed = "; ".join(f"{f.format}: {f.error}" for f in result.failed_formats)
        written = ", ".join(str(p) for p in result.outputs) or "nothing"
        super().__init__(f"not every format could be written ({failed}); written: {written}")


def run_briefing(
    config: Config, options: RunOptions | None = None, *, progress: Progress | None = None
) -> RunResult:
    """Collect new articles, summarise them and write the briefing for ``options.day``."""
    from .lock import run_lock

    options = options or RunOptions()
    day = options.day or config.today()
    progress = progress or _no_progress
    with (
        run_lock(config, wait=options.lock_wait),
        open_store(config.database_path, backend=options.store_backend) as store,
    ):
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
        store.record_briefing(
            day,
            run_id,
            [str(p) for p in result.outputs],
            generated_at=result.briefing.generated_at,
            digests=result.digests,
        )
        failed_formats = FormatsFailed(result) if result.failed_formats else None
        store.finish_run(
            run_id,
            status="ok",
            articles=result.briefing.article_count,
            new_articles=result.new_articles,
            failures=[
                {"source": f.source, "error": f.error, "kind": f.kind}
                for f in result.briefing.failures
            ]
            + [{"format": f.format, "error": f.error} for f in result.failed_formats],
            outputs=[str(p) for p in result.outputs],
            error=str(failed_formats) if failed_formats else None,
        )
        if failed_formats:
            raise failed_formats
        return result


def _run(
    config: Config, options: RunOptions, day: date, store: ArticleStore, progress: Progress
) -> RunResult:
    collected = collect_stage(config, store, progress, stop=options.stop)
    earlier, new = select_articles(store, day)
    in_full, titles_only = bound_briefing(config, [*earlier, *new])
    items = summarise_stage(config, store, in_full, (), force=options.force, progress=progress)
    stories = story_stage(config, store, items, force=options.force, day=day)
    briefing = assemble_briefing(
        config, day, items, collected, nothing_new=not new, now=options.now or current_time()
    )
    briefing = replace(
        briefing,
        stories=stories,
        more=tuple(titles_only),
        **_what_is_new(store, day, new),
    )
    previous = None if options.force else store.briefing_record(day)
    written = write_outputs(
        config,
        briefing,
        options.formats or config.formats,
        progress,
        previous=previous,
        stop=options.stop,
    )
    store.mark_briefed([a.id for a in new if a.id is not None], day)
    sent_to = deliver_stage(config, written.briefing, written.email, store, options)
    return RunResult(
        briefing=written.briefing,
        outputs=written.paths,
        collected=collected,
        new_articles=len(new),
        sent_to=sent_to,
        failed_formats=written.failed,
        unchanged=written.unchanged,
        digests=written.digests,
    )


def _what_is_new(store: ArticleStore, day: date, new: Sequence[Article]) -> dict[str, Any]:
    """How many of the briefing's articles are new, and since when (``new_count``, ``since``).

    A run that brings new articles says how many arrived since the last run
    that brought some. A run that brings none says what the briefing said
    after its last update, so an unchanged briefing stays the same, word for
    word (and its files are left as they are); what the run itself found is
    in its result.
    """
    updates = store.briefing_updates(day)
    if new:
        return {"new_count": len(new), "since": updates[-1][0] if updates else None}
    if not updates:
        return {"new_count": 0, "since": None}
    return {"new_count": updates[-1][1], "since": updates[-2][0] if len(updates) > 1 else None}


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
    config: Config, store: ArticleStore, progress: Progress, *, stop: threading.Event | None = None
) -> CollectReport:
    total = len(config.sources)
    done = 0

    def source_done(name: str) -> None:
        nonlocal done
        done += 1
        progress("collect", done, total)

    progress("collect", 0, total)
    # collect.py is still typed with the SQLite Store; it only calls methods of the seam.
    return collect(config, cast(Store, store), progress=source_done, stop=stop)


def select_articles(store: ArticleStore, day: date) -> tuple[list[Article], list[Article]]:
    """(articles already in this date's briefing, articles not in any briefing yet)."""
    return store.briefed_articles(day), store.unbriefed_articles()


# --- summarise ---------------------------------------------------------------------


def summarise_stage(
    config: Config,
    store: ArticleStore,
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
        # A text dropped by `briefing prune` cannot be summarised again: keep its summary.
        again = force and bool(article.text)
        stored = None if again or article.id is None else store.stored_summary(article.id)
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


def bound_briefing(
    config: Config, articles: Sequence[Article]
) -> tuple[list[Article], list[Article]]:
    """(articles summarised in full, articles listed by title and link) under ``max_articles``.

    Every source gets its turn: the newest article of each source first, then
    the second newest of each, and so on, so one busy feed cannot crowd the
    others out. Nothing is dropped: the rest is listed by title with its link
    (and counts as briefed), rather than carried over to a backlog that would
    grow every busy day.
    """
    ordered = in_briefing_order(config, articles)
    if len(ordered) <= config.max_articles:
        return ordered, []
    turn: Counter[str] = Counter()
    ranks = {}
    for position, article in enumerate(ordered):
        ranks[position] = (turn[article.source], position)
        turn[article.source] += 1
    chosen = set(sorted(ranks, key=ranks.__getitem__)[: config.max_articles])
    in_full = [a for i, a in enumerate(ordered) if i in chosen]
    titles_only = [a for i, a in enumerate(ordered) if i not in chosen]
    return in_full, titles_only


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
    from .sources.feed import FLAG_TITLE_ONLY
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
    if FLAG_TITLE_ONLY in article.flags:
        # The headline stands in as the text so the entry is kept; quoted under
        # itself, it would read as a sentence of an article nobody was given.
        summary = replace(summary, sentences=())
    return BriefingItem(article=article, summary=summary)


def story_stage(
    config: Config,
    store: ArticleStore,
    items: Sequence[BriefingItem],
    *,
    force: bool,
    day: date | None = None,
) -> tuple[Story, ...]:
    """Group the summarised items into stories; re-use a story's summary when its members stay.

    Recomputed from all of the date's articles on every run, so a second run
    the same day adds new articles to the stories they belong to. With ``day``,
    the idf is counted over the day's articles and the store's articles of
    earlier briefings (the same ones on every run of that date).
    """
    from . import stories as grouping

    settings = grouping.StorySettings(
        enabled=config.stories.enabled,
        threshold=config.stories.threshold,
        sentences=config.stories.sentences,
    )
    suffix = f"/{settings.sentences}"  # a summary of another length is another summary

    def reuse(key: str, articles: Sequence[Article]) -> tuple[StorySentence, ...] | None:
        if force:
            return None
        return grouping.sentences_from_json(store.story_summary(key + suffix), articles)

    order = [s.name for s in config.sources]
    background = _story_background(store, day, settings)
    try:
        stories = grouping.build_stories(
            items,
            source_order=order,
            settings=settings,
            opted_out=frozenset(s.name for s in config.sources if not s.stories),
            reuse=reuse,
            background=background,
        )
    except Exception:  # a grouping bug must not cost the briefing: one entry per article
        log.exception("grouping articles into stories failed; each article is its own entry")
        return grouping.build_stories(
            items, source_order=order, settings=replace(settings, enabled=False)
        )
    store.save_story_summaries(
        [
            (story.key + suffix, grouping.sentences_to_json(story.sentences))
            for story in stories
            if len(story.items) > 1 and all(i.article.id is not None for i in story.items)
        ]
    )
    return stories


def _story_background(
    store: ArticleStore, day: date | None, settings: StorySettings
) -> list[Article]:
    """The articles of earlier briefings the grouping counts its idf over (none if unreadable)."""
    if day is None or not settings.enabled:
        return []
    try:
        return store.background_articles(
            day,
            limit=settings.background_articles,
            days=settings.background_days,
            chars=settings.read_chars,
        )
    except BriefingError:  # the history only steadies the idf: the day alone still groups
        log.warning("earlier articles unreadable; stories grouped on the day's articles alone")
        return []


def _with_display_title(item: BriefingItem) -> BriefingItem:
    """Give an untitled article a title quoted from its own opening words."""
    article = item.article
    if article.title.strip():
        return item
    # From the first paragraph only: words run on across a blank line read as
    # one headline the article never had ("Report The board met on …").
    first, *rest = _PARAGRAPH_BREAK.split(article.text.strip(), maxsplit=1)
    words = first.split()
    more = len(words) > TITLE_WORDS or bool(rest)
    title = " ".join(words[:TITLE_WORDS]) + (" …" if more else "")
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
    from .sources.base import problem_kind

    failures = [
        SourceFailure(source=s.name, error=s.error, when=now) for s in collected.sources if s.error
    ] + [
        SourceFailure(source=s.name, error=problem, when=now, kind=problem_kind(problem))
        for s in collected.sources
        for problem in s.problems
    ]
    for failure in failures[len(collected.failed) :]:
        # The briefing shows readers a short reason; the full message is for the log.
        log.info("source %s: %s: %s", failure.source, failure.kind, failure.error)
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
        timezone=config.display_timezone,
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
    """A briefing's files as bytes keyed by suffix, and its email when configured.

    ``failed`` names each format that could not be rendered, with the reason;
    the others are in ``files``. ``html_digest`` is :func:`briefing.pdf.pdf_digest`
    of the HTML the PDF is laid out from.
    """

    files: dict[str, bytes]
    email: EmailMessage | None = None
    failed: dict[str, str] = field(default_factory=dict)
    html_digest: str = ""


def render_outputs(
    config: Config,
    briefing: Briefing,
    formats: Sequence[str],
    *,
    reuse_pdf: Callable[[str], bytes | None] | None = None,
    stop: threading.Event | None = None,
    html: str | None = None,
) -> Rendered:
    """The briefing rendered in each requested format, and as an email with ``[email]``.

    A format that fails is reported in ``failed`` and costs no other format.
    ``reuse_pdf(html_digest)`` may return the PDF already laid out from the
    same HTML, which is then not laid out again; ``html``, when given, is the
    briefing's HTML already rendered.
    """
    from . import render

    options = _template_options(config)
    wants_pdf = "pdf" in formats or config.email is not None
    files: dict[str, bytes] = {}
    failed: dict[str, str] = {}
    if html is None and ("html" in formats or wants_pdf):
        html = _attempt(failed, "html", lambda: render.render_html(briefing, **options))
    digest = _pdf_digest(config, briefing, html) if html is not None else ""
    reused = reuse_pdf(digest) if reuse_pdf and html is not None and wants_pdf else None
    # The PDF is laid out in a child process, on the other core, while the
    # other formats and the email's bodies are written here.
    pending = _start_pdf(config, briefing, html, failed) if wants_pdf and reused is None else None
    try:
        if "md" in formats:
            markdown = _attempt(failed, "md", lambda: render.render_markdown(briefing, **options))
            if markdown is not None:
                files["md"] = markdown.encode("utf-8")
        if "html" in formats and html is not None:
            files["html"] = html.encode("utf-8")
        if "json" in formats:
            data = _attempt(failed, "json", lambda: render.render_json(briefing))
            if data is not None:
                files["json"] = data.encode("utf-8")
        bodies = (
            _attempt(failed, "eml", lambda: _email_bodies(config, briefing))
            if config.email
            else None
        )
        if reused is not None:
            files["pdf"] = reused
        elif pending is not None:
            pdf = _attempt(failed, "pdf", lambda: pending.result(stop))
            if pdf is not None:
                files["pdf"] = pdf
    finally:
        if pending is not None:
            pending.cancel()
    if "html" in failed and wants_pdf:
        failed.setdefault("pdf", f"the HTML it is laid out from failed: {failed['html']}")
    if "html" not in formats:
        failed.pop("html", None)
    email = (
        _attempt(failed, "eml", lambda: _build_email(config, briefing, files.get("pdf"), bodies))
        if bodies
        else None
    )
    if "pdf" not in formats:
        files.pop("pdf", None)
        failed.pop("pdf", None)
    return Rendered(files, email, failed, digest)


def _start_pdf(
    config: Config, briefing: Briefing, html: str | None, failed: dict[str, str]
) -> PendingPdf | None:
    from .pdf import start_pdf

    if html is None:
        return None
    return _attempt(
        failed,
        "pdf",
        lambda: start_pdf(
            html,
            briefing=briefing,
            profile=config.pdf.profile,
            max_seconds=config.pdf.max_seconds,
        ),
    )


_T = TypeVar("_T")


def _attempt(failed: dict[str, str], fmt: str, action: Callable[[], _T]) -> _T | None:
    """``action()``, or None with the reason noted under ``fmt``: one format never costs another."""
    try:
        return action()
    except RunStopped:
        raise  # a stop ends the run; it is not a failure of this format
    except BriefingError as exc:
        failed.setdefault(fmt, str(exc))
    except Exception as exc:  # a bug in one format must not cost the others
        log.exception("rendering the %s failed", fmt)
        failed.setdefault(fmt, f"internal error: {type(exc).__name__}: {exc}")
    return None


@dataclass(frozen=True)
class Written:
    """What the output stage did: files written or left as they were, formats that failed."""

    briefing: Briefing
    paths: tuple[Path, ...]
    email: EmailMessage | None
    failed: tuple[FormatFailure, ...] = ()
    unchanged: tuple[Path, ...] = ()
    digests: dict[str, str] = field(default_factory=dict)


def write_outputs(
    config: Config,
    briefing: Briefing,
    formats: Sequence[str],
    progress: Progress,
    *,
    previous: BriefingRecord | None = None,
    stop: threading.Event | None = None,
) -> Written:
    """Render and write the briefing files (and the .eml), each format on its own.

    With ``previous`` (what an earlier run wrote for the same date), a
    briefing whose content did not change keeps its files and its PDF is not
    laid out again; a file whose bytes are already on disk is not rewritten.
    Raises RenderError only when no requested format could be written.
    """
    progress("render", 0, 1)
    briefing, html = _as_before_if_unchanged(config, briefing, previous)
    stem = output_stem(briefing.date)
    rendered = render_outputs(
        config,
        briefing,
        formats,
        reuse_pdf=_pdf_on_disk(config, stem, previous),
        stop=stop,
        html=html,
    )
    failed = dict(rendered.failed)
    paths: list[Path] = []
    unchanged: list[Path] = []
    digests = {PDF_SOURCE: rendered.html_digest} if rendered.html_digest else {}
    outputs = dict(rendered.files)
    if rendered.email is not None:
        outputs["eml"] = rendered.email.as_bytes()
    for suffix, data in outputs.items():
        path = config.output_dir / f"{stem}.{suffix}"
        digest = _sha256(data)
        if _file_digest(path) == digest:
            unchanged.append(path)
        else:
            try:
                atomic_write(path, data)
            except (OSError, BriefingError) as exc:
                failed[suffix] = f"cannot write {path}: {getattr(exc, 'strerror', None) or exc}"
                continue
        paths.append(path)
        digests[suffix] = digest
    if not any(path.suffix[1:] in formats for path in paths):
        problems = "; ".join(f"{fmt}: {reason}" for fmt, reason in failed.items())
        raise RenderError(f"no format of the briefing could be written ({problems})")
    progress("render", 1, 1)
    return Written(
        briefing=briefing,
        paths=tuple(paths),
        email=rendered.email,
        failed=tuple(FormatFailure(fmt, reason) for fmt, reason in failed.items()),
        unchanged=tuple(unchanged),
        digests=digests,
    )


def _as_before_if_unchanged(
    config: Config, briefing: Briefing, previous: BriefingRecord | None
) -> tuple[Briefing, str | None]:
    """The briefing dated as the earlier run's when, so dated, its HTML is the same as then.

    Only the time of writing differs between two runs that found the same
    articles and the same problems; giving the earlier time back lets the
    files (and the PDF) be left exactly as they are. The HTML rendered to
    tell is returned with it, so it is not rendered again.
    """
    if previous is None or previous.generated_at is None or PDF_SOURCE not in previous.digests:
        return briefing, None
    from . import render

    earlier = _dated(briefing, previous.generated_at)
    try:
        html = render.render_html(earlier, **_template_options(config))
    except BriefingError:
        return briefing, None
    if _pdf_digest(config, earlier, html) == previous.digests[PDF_SOURCE]:
        return earlier, html
    return briefing, None


def _dated(briefing: Briefing, moment: datetime) -> Briefing:
    failures = tuple(replace(f, when=moment) for f in briefing.failures)
    return replace(briefing, generated_at=moment, failures=failures)


def _pdf_on_disk(
    config: Config, stem: str, previous: BriefingRecord | None
) -> Callable[[str], bytes | None]:
    """Finds the PDF an earlier run laid out from the same HTML, if it is still intact."""

    def reuse(html_digest: str) -> bytes | None:
        if previous is None or previous.digests.get(PDF_SOURCE) != html_digest:
            return None
        path = config.output_dir / f"{stem}.pdf"
        try:
            data = path.read_bytes()
        except OSError:
            return None
        return data if _sha256(data) == previous.digests.get("pdf") else None

    return reuse


def _pdf_digest(config: Config, briefing: Briefing, html: str) -> str:
    from .pdf import pdf_digest

    return pdf_digest(html, briefing=briefing, profile=config.pdf.profile)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_digest(path: Path) -> str | None:
    try:
        return _sha256(path.read_bytes())
    except OSError:
        return None


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
    store: ArticleStore,
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
    # Deliveries are recorded by address: "Ed <ed@x.org>" in the config is ed@x.org.
    remaining = tuple(entry for entry in email.to if mailbox_address(entry) not in done)
    if not remaining:
        log.info("the briefing of %s was already sent; not sending it again", briefing.date)
        return ()
    from . import mail

    if remaining != email.to:
        del message["To"]
        message["To"] = [mail.mailbox(entry) for entry in remaining]
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
    store.record_delivery(
        briefing.date, str(message["Message-ID"]), tuple(map(mailbox_address, remaining))
    )
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
