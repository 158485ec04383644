"""The Source seam: every kind of source turns its configuration into articles.

A source is built from its :class:`~briefing.config.SourceConfig` by a factory
registered for its kind, the same way an outside plugin would register one.
``fetch`` gets the state saved after the previous fetch (HTTP validators) and
returns the articles found, the new state, and per-item problems that did not
stop the source. A source that cannot be read at all raises SourceError.

A problem is a message with a kind: a :class:`SkippedItem` when it cost one
file or entry, a plain string (a warning) when everything was still read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from ..config import Config, SourceConfig
from ..errors import SourceError
from ..models import Article

EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
# Clocks and time zones disagree a little; only a date beyond this is "in the future".
FUTURE_SLACK = timedelta(hours=26)
FLAG_FUTURE = "date-in-future-clamped"
FLAG_ANCIENT = "date-before-1990-clamped"
#: Prefix of the flag that keeps the date a source gave when it was clamped,
#: so the briefing can say what the source claimed ("source-date:2035-01-01T…").
FLAG_GIVEN_DATE = "source-date:"


def plausible_date(value: datetime, now: datetime) -> tuple[datetime, tuple[str, ...]]:
    """``value`` within [1990, now], and the flags that say what the source gave if it was not.

    Any source may claim any date: a feed's year 9999 would sort first for ever,
    and a file's "0001-01-01T00:00+05:00" cannot even be shown in UTC. A date
    without a zone (a file's "date: 2004-12-31") is compared as UTC and kept as given.
    """
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    if aware > now + FUTURE_SLACK:
        return now, (FLAG_FUTURE, FLAG_GIVEN_DATE + value.isoformat())
    if aware < EARLIEST:
        return EARLIEST, (FLAG_ANCIENT, FLAG_GIVEN_DATE + value.isoformat())
    return value, ()


@dataclass(frozen=True)
class SourceState:
    """What a source remembers between runs (HTTP conditional-GET validators)."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class FetchResult:
    """What one fetch of a source produced."""

    articles: tuple[Article, ...]
    state: SourceState = SourceState()
    not_modified: bool = False
    problems: tuple[str, ...] = ()


class SkippedItem(str):
    """A problem message that says one file or entry was not read."""

    kind = "skipped"


def problem_kind(problem: str) -> str:
    """``skipped`` for a :class:`SkippedItem`, ``warning`` for any other problem."""
    return "skipped" if isinstance(problem, SkippedItem) else "warning"


class Source(Protocol):
    name: str

    def fetch(self, state: SourceState) -> FetchResult: ...


SourceFactory = Callable[[SourceConfig, Config], Source]
_FACTORIES: dict[str, SourceFactory] = {}


def register_source_kind(kind: str, factory: SourceFactory) -> None:
    """Make ``kind`` (``feed``, ``page``, ``folder`` or a plugin's own) buildable."""
    _FACTORIES[kind] = factory


def make_source(source: SourceConfig, config: Config) -> Source:
    """Build the Source for one configured source."""
    _load_builtin_kinds()
    try:
        factory = _FACTORIES[source.kind]
    except KeyError:
        raise SourceError(f"{source.name}: no reader for sources of kind {source.kind!r}") from None
    return factory(source, config)


def _load_builtin_kinds() -> None:
    # Imported here so that each kind's dependencies load only when sources are built.
    from . import feed, folder, page  # noqa: F401
