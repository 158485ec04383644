"""The store seam: what the pipeline needs from an article database, and how one is opened.

The pipeline depends on :class:`ArticleStore`, not on SQLite. The only
backend today is :class:`briefing.store.Store` (SQLite in WAL mode, one file
next to the briefings), registered as ``"sqlite"`` and used by default. A
second backend (PostgreSQL, for many desks sharing one database: see
docs/scaling.md) registers itself with :func:`register_store_backend` and
is chosen by name; nothing in the pipeline changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Protocol

from .config import Config
from .errors import StoreError
from .models import Article, Summary
from .sources.base import SourceState
from .store import AddResult, BriefingRecord, PruneResult, RunRecord, SourceStatus, Store


class ArticleStore(Protocol):
    """Articles, the sources they came from, source state, runs, briefings and deliveries.

    Every method is one step of a run: all of it is written, or none of it.
    """

    # articles
    def add_articles(self, source: str, articles: Iterable[Article]) -> AddResult: ...
    def unbriefed_articles(self) -> list[Article]: ...
    def briefed_articles(self, day: date) -> list[Article]: ...
    def background_articles(
        self, day: date, *, limit: int, days: int, chars: int
    ) -> list[Article]: ...
    def other_sources(self, article_id: int, source: str) -> tuple[str, ...]: ...
    def stored_summary(self, article_id: int) -> Summary | None: ...
    def save_summaries(self, summaries: Sequence[tuple[int, Summary]]) -> None: ...
    def mark_briefed(self, article_ids: Sequence[int], day: date) -> None: ...
    def article_count(self) -> int: ...

    # sources
    def source_state(self, source: str) -> SourceState: ...
    def record_source(
        self,
        source: str,
        *,
        state: SourceState | None,
        error: str | None,
        added: AddResult | None = None,
    ) -> None: ...
    def source_statuses(self, names: Sequence[str]) -> list[SourceStatus]: ...

    # runs, briefings and deliveries
    def start_run(
        self, kind: str, *, briefing_date: date | None = None, scheduled_for: datetime | None = None
    ) -> int: ...
    def finish_run(
        self,
        run_id: int,
        *,
        status: str,
        articles: int = 0,
        new_articles: int = 0,
        failures: Sequence[dict[str, str]] = (),
        outputs: Sequence[str] = (),
        error: str | None = None,
    ) -> None: ...
    def runs(self, *, limit: int = 10, kind: str | None = None) -> list[RunRecord]: ...
    def abandon_unfinished_runs(self) -> int: ...
    def record_briefing(
        self,
        day: date,
        run_id: int,
        outputs: Sequence[str],
        *,
        generated_at: datetime | None = None,
        digests: Mapping[str, str] | None = None,
    ) -> None: ...
    def briefing_record(self, day: date) -> BriefingRecord | None: ...
    def briefing_updates(self, day: date) -> list[tuple[datetime, int]]: ...
    def story_summary(self, key: str) -> str | None: ...
    def save_story_summaries(self, summaries: Sequence[tuple[str, str]]) -> None: ...
    def briefing_outputs(self, day: date) -> list[str] | None: ...
    def delivered_to(self, day: date) -> tuple[str, ...]: ...
    def record_delivery(self, day: date, message_id: str, recipients: Sequence[str]) -> None: ...
    def uncertain_deliveries(self, day: date) -> tuple[str, ...]: ...
    def record_uncertain_delivery(
        self, day: date, message_id: str, recipients: Sequence[str], reason: str
    ) -> None: ...

    # retention
    def prune(
        self, *, text_before: date | None, delete_before: date | None, vacuum: bool = True
    ) -> PruneResult: ...

    def close(self) -> None: ...
    def __enter__(self) -> ArticleStore: ...
    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...


#: ``factory(location)`` opens a store; ``location`` is a path for SQLite, a DSN for a server.
StoreFactory = Callable[[str], ArticleStore]

DEFAULT_BACKEND = "sqlite"
_BACKENDS: dict[str, StoreFactory] = {}


def register_store_backend(name: str, factory: StoreFactory) -> None:
    """Make a backend available by name (the built-in SQLite one registers the same way)."""
    _BACKENDS[name] = factory


def store_backends() -> tuple[str, ...]:
    return tuple(sorted(_BACKENDS))


def open_store(location: str | Path, *, backend: str = DEFAULT_BACKEND) -> ArticleStore:
    """Open the article database at ``location`` with the named backend."""
    factory = _BACKENDS.get(backend)
    if factory is None:
        raise StoreError(
            f"no store backend named {backend!r}; available: {', '.join(store_backends())} "
            "(PostgreSQL is designed in docs/scaling.md, not built yet)"
        )
    return factory(str(location))


def _open_sqlite(location: str) -> ArticleStore:
    return Store(Path(location))


register_store_backend(DEFAULT_BACKEND, _open_sqlite)


def prune_store(config: Config, *, today: date | None = None, vacuum: bool = True) -> PruneResult:
    """Apply ``[retention]`` to the configuration's database, holding its run lock.

    An article keeps its text for ``text_days`` after the briefing that
    included it, and its row (title, link, summary) for ``days``; an article
    no briefing has included yet is never touched.
    """
    from .lock import run_lock

    today = today or config.today()
    keep = config.retention

    def cut_off(days: int | None) -> date | None:
        return today - timedelta(days=days) if days else None

    with run_lock(config), open_store(config.database_path) as store:
        return store.prune(
            text_before=cut_off(keep.text_days), delete_before=cut_off(keep.days), vacuum=vacuum
        )
