"""The collect stage: read every configured source and store what is new.

A source that fails is reported in the result and the others go on: nothing
a source does (an HTTP error, a hostile feed, even a bug) can lose the others.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field

from .config import Config, SourceConfig
from .errors import BriefingError
from .http import close_shared_clients
from .sources.base import FetchResult, SourceState, make_source
from .store import AddResult, Store

log = logging.getLogger(__name__)

Progress = Callable[[str], None]


@dataclass(frozen=True)
class SourceReport:
    """What collecting one source did."""

    name: str
    new: int = 0
    seen: int = 0
    error: str | None = None
    problems: tuple[str, ...] = ()
    not_modified: bool = False


@dataclass(frozen=True)
class CollectReport:
    sources: tuple[SourceReport, ...] = field(default_factory=tuple)

    @property
    def new(self) -> int:
        return sum(s.new for s in self.sources)

    @property
    def failed(self) -> tuple[SourceReport, ...]:
        return tuple(s for s in self.sources if s.error)


def collect(config: Config, store: Store, *, progress: Progress | None = None) -> CollectReport:
    """Fetch every configured source and store the articles not seen before.

    Sources are fetched concurrently (``[fetch] concurrency`` at once, with
    ``per_host`` requests per host enforced by the HTTP client); articles are
    stored from this thread, as each source completes, because an SQLite
    connection belongs to the thread that opened it. ``progress(name)`` is
    called as each source completes. The report lists the sources in the
    order they are configured.
    """
    sources = config.sources
    states = {source.name: store.source_state(source.name) for source in sources}
    reports: dict[str, SourceReport] = {}
    workers = max(1, min(config.fetch.concurrency, len(sources)))
    try:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="collect") as pool:
            futures = {
                pool.submit(fetch_source, source, config, states[source.name]): source
                for source in sources
            }
            for future in as_completed(futures):
                source = futures[future]
                reports[source.name] = store_outcome(source.name, future.result(), store)
                if progress:
                    progress(source.name)
    finally:
        close_shared_clients()
    return CollectReport(sources=tuple(reports[source.name] for source in sources))


def fetch_source(source: SourceConfig, config: Config, state: SourceState) -> FetchResult | str:
    """The source's articles, or the error message when it could not be read. Never raises."""
    started = time.monotonic()
    try:
        result = make_source(source, config).fetch(state)
    except BriefingError as exc:
        log.warning("source %s failed: %s", source.name, exc)
        return str(exc)
    except Exception as exc:  # a bug or a library crash must not lose the other sources
        log.exception("source %s failed unexpectedly", source.name)
        return f"unexpected error: {type(exc).__name__}: {exc}"
    log.debug("source %s read in %.2f s", source.name, time.monotonic() - started)
    return result


def store_outcome(name: str, outcome: FetchResult | str, store: Store) -> SourceReport:
    """Write one source's articles and status; return what it did."""
    from .printable import printable_line

    if isinstance(outcome, str):
        error = printable_line(outcome)  # an unexpected error's text is not checked elsewhere
        store.record_source(name, state=None, error=error)
        return SourceReport(name=name, error=error)
    added: AddResult = store.add_articles(name, outcome.articles)
    store.record_source(name, state=outcome.state, error=None, added=added)
    return SourceReport(
        name=name,
        new=added.new,
        seen=added.seen,
        # type(p) keeps what kind of problem a str subclass says it is.
        problems=tuple(type(p)(printable_line(p)) for p in (*outcome.problems, *added.merged)),
        not_modified=outcome.not_modified,
    )
