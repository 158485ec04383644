"""Local folders of documents: plain text, Markdown and HTML files.

A text file's first line is its title when a blank line follows it. A file may
start with a ``---`` block of ``key: value`` lines (title, url, date, language,
author, attribution). One unreadable file is reported and skipped; the others
are read.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..config import Config, SourceConfig
from ..documents import DOCUMENT_SUFFIXES, Document, parse_date, read_document
from ..errors import DocumentError, SourceError
from ..models import Article
from ..urls import is_web_url
from .base import FetchResult, SkippedItem, SourceState, register_source_kind

MAX_FILES = 1000
MAX_DEPTH = 4


class FolderSource:
    """Reads every document below a folder (not following links outside it)."""

    def __init__(self, source: SourceConfig, config: Config) -> None:
        self.name = source.name
        self.folder = Path(source.location)
        self.language = source.language
        self.max_files = source.max_entries or MAX_FILES

    def fetch(self, state: SourceState) -> FetchResult:
        if not self.folder.is_dir():
            raise SourceError(f"folder not found: {self.folder}")
        root = self.folder.resolve()
        articles: list[Article] = []
        problems: list[str] = []
        for path in self._document_paths(root, problems):
            try:
                articles.append(self._article(path, read_document(path)))
            except DocumentError as exc:
                problems.append(SkippedItem(str(exc)))
        return FetchResult(articles=tuple(articles), state=state, problems=tuple(problems))

    def _document_paths(self, root: Path, problems: list[str]) -> list[Path]:
        found: list[Path] = []
        for folder, dirs, files in os.walk(root, followlinks=False):
            depth = len(Path(folder).relative_to(root).parts)
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and depth < MAX_DEPTH)
            for name in sorted(files):
                path = Path(folder) / name
                if name.startswith(".") or path.suffix.lower() not in DOCUMENT_SUFFIXES:
                    continue
                if not path.resolve().is_relative_to(root):
                    problems.append(SkippedItem(f"{path}: skipped, it links outside the folder"))
                    continue
                if len(found) >= self.max_files:
                    problems.append(
                        f"{root}: more than {self.max_files} documents; the rest were skipped"
                    )
                    return found
                found.append(path)
        return found

    def _article(self, path: Path, doc: Document) -> Article:
        url = doc.meta.get("url")
        # A file's modification time is not a publication time: without a
        # declared date the briefing shows none.
        published = parse_date(doc.meta.get("date"))
        return Article(
            # No invented titles: without one, the briefing quotes the opening words.
            title=doc.title or "",
            text=doc.text,
            source=self.name,
            url=url if is_web_url(url) else None,
            published=published,
            language=doc.meta.get("language") or self.language,
            author=doc.meta.get("author"),
            attribution=doc.meta.get("attribution"),
        )


register_source_kind("folder", FolderSource)
