"""RSS, Atom and JSON feeds (first version: local files only; remote feeds come with issue 4)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from ..config import Config, SourceConfig
from ..documents import read_file_bytes
from ..errors import DocumentError, SourceError
from ..models import Article
from ..urls import is_web_url
from .base import FetchResult, SourceState, register_source_kind


class FeedSource:
    def __init__(self, source: SourceConfig, config: Config) -> None:
        self.name = source.name
        self.source = source
        self.config = config

    def fetch(self, state: SourceState) -> FetchResult:
        import feedparser

        from ..text import html_to_text

        if self.source.is_remote:
            raise SourceError(f"{self.name}: remote feeds are not supported yet")
        try:
            data = read_file_bytes(Path(self.source.location))
        except DocumentError as exc:
            raise SourceError(str(exc)) from None
        parsed = feedparser.parse(data)
        articles = []
        for entry in parsed.entries[: self.source.max_entries or self.config.fetch.max_entries]:
            content = entry.get("content") or [{"value": entry.get("summary", "")}]
            text = html_to_text(content[0].get("value", ""))
            link = entry.get("link")
            published = entry.get("published_parsed") or entry.get("updated_parsed")
            articles.append(
                Article(
                    title=entry.get("title", ""),
                    text=text,
                    source=self.name,
                    url=link if is_web_url(link) else None,
                    guid=entry.get("id"),
                    published=datetime(*published[:6], tzinfo=UTC) if published else None,
                    language=self.source.language,
                    author=entry.get("author"),
                    attribution=entry.get("rights"),
                )
            )
        return FetchResult(articles=tuple(articles), state=state)


register_source_kind("feed", FeedSource)
