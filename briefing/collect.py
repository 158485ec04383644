"""The collect stage: read every configured source and store what is new.

A source that fails is reported in the result and the others go on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from .config import Config, SourceConfig
from .errors import BriefingError
from .sources.base import make_source
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
    """Fetch every configured source and store the articles not seen before."""
    reports = []
    for source in config.sources:
        if progress:
            progress(source.name)
        reports.append(collect_one(source, config, store))
    return CollectReport(sources=tuple(reports))


def collect_one(source: SourceConfig, config: Config, store: Store) -> SourceReport:
    try:
        result = make_source(source, config).fetch(store.source_state(source.name))
    except BriefingError as exc:
        log.warning("source %s failed: %s", source.name, exc)
        store.record_source(source.name, state=None, error=str(exc))
        return SourceReport(name=source.name, error=str(exc))
    added: AddResult = store.add_articles(source.name, result.articles)
    store.record_source(source.name, state=result.state, error=None, added=added)
    return SourceReport(
        name=source.name,
        new=added.new,
        seen=added.seen,
        problems=result.problems,
        not_modified=result.not_modified,
    )
