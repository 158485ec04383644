"""The values that flow through the pipeline.

All are frozen dataclasses: a stage takes values and returns new ones, it
never changes what it was given.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class Article:
    """One article as collected from a source, before summarising.

    ``text`` is plain text with paragraphs separated by blank lines (it may
    still hold page debris: cleaning belongs to the summariser's text stage).
    ``attribution`` is a credit or licence line that must be shown with the
    article wherever it is reprinted.
    """

    title: str
    text: str
    source: str
    url: str | None = None
    guid: str | None = None
    published: datetime | None = None
    language: str | None = None
    author: str | None = None
    attribution: str | None = None
    flags: tuple[str, ...] = ()
    id: int | None = None


@dataclass(frozen=True)
class Length:
    """How long a summary should be: a sentence count, a ratio or a word budget.

    Exactly one is normally set. ``ratio`` is a fraction of the article's
    sentences (0 < ratio <= 1); ``words`` keeps adding sentences in rank order
    while the budget allows, always keeping at least one.
    """

    sentences: int | None = 3
    ratio: float | None = None
    words: int | None = None


@dataclass(frozen=True)
class SummarySentence:
    """A sentence picked for a summary, quoted verbatim from the article.

    ``index`` is its position among the article's sentences (0-based);
    ``components`` explains ``score`` (e.g. centrality, position, redundancy).
    """

    index: int
    text: str
    score: float
    components: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Summary:
    """The key sentences of one article, in article order."""

    language: str
    algorithm: str
    sentences: tuple[SummarySentence, ...]
    total_sentences: int
    notes: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form (the shape ``briefing summarize --json`` prints)."""
        return {
            "language": self.language,
            "algorithm": self.algorithm,
            "total_sentences": self.total_sentences,
            "notes": list(self.notes),
            "sentences": [
                {
                    "index": s.index,
                    "text": s.text,
                    "score": s.score,
                    "components": dict(s.components),
                }
                for s in self.sentences
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Summary:
        return cls(
            language=data["language"],
            algorithm=data["algorithm"],
            total_sentences=data["total_sentences"],
            notes=tuple(data.get("notes", ())),
            sentences=tuple(
                SummarySentence(s["index"], s["text"], s["score"], s.get("components", {}))
                for s in data["sentences"]
            ),
        )


@dataclass(frozen=True)
class BriefingItem:
    """An article as it appears in a briefing: the article and its summary.

    ``error`` is set (and ``summary`` is None) when summarising failed; the
    briefing still lists the article with a link so nothing is silently lost.
    """

    article: Article
    summary: Summary | None
    error: str | None = None
    also_in: tuple[str, ...] = ()


@dataclass(frozen=True)
class StorySentence:
    """A sentence quoted in a story's summary, verbatim, with the article it comes from.

    ``index`` is its position among that article's sentences (0-based).
    """

    article: Article
    index: int
    text: str
    score: float
    components: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Story:
    """One event as reported by one or more sources, and one summary drawn from all of them.

    ``items`` are the member articles, the most representative first (its title
    is the ``headline``); ``key`` identifies the set of members.
    """

    headline: str
    items: tuple[BriefingItem, ...]
    sentences: tuple[StorySentence, ...]
    key: str = ""

    @property
    def sources(self) -> tuple[str, ...]:
        """The distinct sources that carry the story, members' first, in member order."""
        names = [i.article.source for i in self.items]
        names += [other for i in self.items for other in i.also_in]
        return tuple(dict.fromkeys(names))

    @property
    def source_count(self) -> int:
        return len(self.sources)


@dataclass(frozen=True)
class SourceFailure:
    """A problem a source had during a run, and why.

    ``kind`` says what it cost: ``failed`` (the source could not be read),
    ``skipped`` (one file or entry was not read) or ``warning`` (everything was
    read; something is worth knowing).
    """

    source: str
    error: str
    when: datetime
    kind: str = "failed"


@dataclass(frozen=True)
class Briefing:
    """Everything a template needs to render one dated briefing."""

    title: str
    date: date
    generated_at: datetime
    items: tuple[BriefingItem, ...]
    sources: tuple[str, ...]
    failures: tuple[SourceFailure, ...] = ()
    language: str = "en"
    author: str | None = None
    nothing_new: bool = False
    #: Articles over ``max_articles``: listed by title and link, not summarised.
    more: tuple[Article, ...] = ()
    #: How many of ``items`` are new since ``since``, the time of the day's
    #: earlier briefing (None: not known).
    new_count: int | None = None
    since: datetime | None = None
    #: The IANA zone the briefing shows times in ("" keeps each time's own offset).
    timezone: str = ""
    #: The summarised items grouped into stories (empty: every item is its own entry).
    stories: tuple[Story, ...] = ()

    @property
    def article_count(self) -> int:
        return len(self.items)

    @property
    def source_count(self) -> int:
        return len(self.sources)
