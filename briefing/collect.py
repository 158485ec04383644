"""The collect stage: read every configured source and store what is new.

A source that fails is reported in the result and the others go on: nothing
a source does (an HTTP error, a hostile feed, even a bug) can lose the others.

Time is bounded at three levels: each request (``[fetch] timeout``), each
source as a whole, feed and full-text pages together (``source_timeout``), and
the collection as a whole (``run_timeout``). What a limit cuts is reported:
a page not read keeps its teaser and says so, a source not read is a failed
source with the reason. A stop (SIGTERM to the scheduler) abandons the
requests in flight within a fraction of a second.

Memory is bounded too: only a few sources more than there are workers are in
flight at once, and each result is stored, then dropped, as it arrives.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from .config import Config, SourceConfig
from .errors import BriefingError, RunStopped
from .http import Budget, FetchStopped, close_shared_clients, within
from .sources.base import FetchResult, SourceState, make_source
from .store import AddResult, Store

log = logging.getLogger(__name__)

Progress = Callable[[str], None]

#: Sources in flight (submitted, not yet stored) per worker: enough to keep every
#: worker busy, few enough that finished results never pile up in memory.
IN_FLIGHT_PER_WORKER = 2
#: How often the collecting thread looks at the stop flag and the run's deadline.
POLL_SECONDS = 0.25
STOPPED_MESSAGE = (
    "the run was stopped during collection; the sources already read are stored, "
    "the others will be read by the next run"
)


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


def collect(
    config: Config,
    store: Store,
    *,
    progress: Progress | None = None,
    stop: threading.Event | None = None,
) -> CollectReport:
    """Fetch every configured source and store the articles not seen before.

    Sources are fetched concurrently (``[fetch] concurrency`` at once, with
    ``per_host`` requests per host enforced by the HTTP client); articles are
    stored from this thread, as each source completes, because an SQLite
    connection belongs to the thread that opened it. ``progress(name)`` is
    called as each source completes. The report lists the sources in the
    order they are configured. When ``stop`` is set, the requests in flight
    are abandoned, what finished is kept, and RunStopped is raised.
    """
    sources = config.sources
    limits = _RunLimits(config, time.monotonic(), stop, threading.Event())
    reports: dict[str, SourceReport] = {}
    workers = max(1, min(config.fetch.concurrency, len(sources)))
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="collect")
    try:
        for source, outcome in _fetched(pool, sources, store, config, limits, workers):
            reports[source.name] = store_outcome(source.name, outcome, store)
            if progress:
                progress(source.name)
    except BaseException:
        # Ctrl-C, or a progress callback ending the run: abandon the requests in flight
        # rather than wait for their deadlines.
        limits.halt.set()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        close_shared_clients()
    if limits.stopped:
        raise RunStopped(STOPPED_MESSAGE)
    return CollectReport(sources=tuple(reports[source.name] for source in sources))


@dataclass(frozen=True)
class _RunLimits:
    config: Config
    started: float
    stop: threading.Event | None
    #: What the workers' requests watch: set on ``stop`` or when collecting ends abruptly.
    halt: threading.Event

    @property
    def deadline(self) -> float:
        return self.started + self.config.fetch.run_timeout

    @property
    def stopped(self) -> bool:
        if self.stop is not None and self.stop.is_set():
            self.halt.set()
        return self.halt.is_set()

    def source_budget(self) -> Budget:
        """The budget of a source starting now: its own limit, or the run's if that ends first."""
        fetch = self.config.fetch
        own = time.monotonic() + fetch.source_timeout
        if own <= self.deadline:
            limit = f"the source's time limit of {fetch.source_timeout:g} s"
            limit += " ([fetch] source_timeout)"
            return Budget(deadline=own, limit=limit, stop=self.halt)
        return Budget(deadline=self.deadline, limit=self.run_limit, stop=self.halt)

    @property
    def run_limit(self) -> str:
        seconds = self.config.fetch.run_timeout
        return f"the run's collection time limit of {seconds:g} s ([fetch] run_timeout)"


_STOPPED = object()


def _fetched(
    pool: ThreadPoolExecutor,
    sources: tuple[SourceConfig, ...],
    store: Store,
    config: Config,
    limits: _RunLimits,
    workers: int,
) -> Iterator[tuple[SourceConfig, FetchResult | str]]:
    """Each source with its outcome, as they finish; at most a few in flight at once."""
    # Read before the workers start: on this thread, every query made while they run
    # waits for the GIL behind them, and thousands of small ones add up (all-304 runs).
    states = {source.name: store.source_state(source.name) for source in sources}
    queue = iter(sources)
    pending: dict[Future[FetchResult | str | object], SourceConfig] = {}
    window = workers * IN_FLIGHT_PER_WORKER
    while True:
        while len(pending) < window and not limits.stopped:
            source = next(queue, None)
            if source is None:
                break
            if time.monotonic() >= limits.deadline:
                yield source, f"not read: {limits.run_limit} was reached before its turn"
                continue
            state = states.pop(source.name)
            pending[pool.submit(_fetch_within, source, config, state, limits)] = source
        if not pending:
            return
        done, _ = wait(pending, timeout=POLL_SECONDS, return_when=FIRST_COMPLETED)
        for future in done:
            source = pending.pop(future)
            outcome = future.result()
            if outcome is not _STOPPED:
                assert isinstance(outcome, (FetchResult, str))
                yield source, outcome
        if limits.stopped:
            # The workers see the flag within a fraction of a second; their results are dropped.
            return


def _fetch_within(
    source: SourceConfig, config: Config, state: SourceState, limits: _RunLimits
) -> FetchResult | str | object:
    if limits.stopped:
        return _STOPPED
    if time.monotonic() >= limits.deadline:
        return f"not read: {limits.run_limit} was reached before its turn"
    with within(limits.source_budget()):
        outcome = fetch_source(source, config, state)
    # A source cut short by a stop is not stored: its state (validators) and teasers
    # would stand in for a full read, and the next run reads it again instead.
    return _STOPPED if limits.stopped else outcome


def fetch_source(source: SourceConfig, config: Config, state: SourceState) -> FetchResult | str:
    """The source's articles, or the error message when it could not be read. Never raises."""
    started = time.monotonic()
    try:
        result = make_source(source, config).fetch(state)
    except FetchStopped as exc:
        return str(exc)
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
    # A 304 has nothing to add: no transaction for it (a run of thousands of 304s is
    # mostly these writes, made on the one thread that owns the connection).
    added = store.add_articles(name, outcome.articles) if outcome.articles else AddResult(0, 0)
    store.record_source(name, state=outcome.state, error=None, added=added)
    return SourceReport(
        name=name,
        new=added.new,
        seen=added.seen,
        # type(p) keeps what kind of problem a str subclass says it is.
        problems=tuple(type(p)(printable_line(p)) for p in (*outcome.problems, *added.merged)),
        not_modified=outcome.not_modified,
    )
