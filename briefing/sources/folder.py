"""Local folders of documents: plain text, Markdown and HTML files.

A text file's first line is its title when a blank line follows it. A file may
start with a ``---`` block of ``key: value`` lines (title, url, date, language,
author, attribution). One unreadable file is reported and skipped; the others
are read.
"""

from __future__ import annotations

import errno
import logging
import os
from datetime import UTC, datetime
from pathlib import Path

from ..config import Config, SourceConfig
from ..documents import (
    DOCUMENT_SUFFIXES,
    UNREAD_DOCUMENTS,
    Document,
    parse_date,
    read_document,
)
from ..errors import DocumentError, SourceError
from ..models import Article
from ..printable import printable_line, printable_path
from ..urls import is_web_url
from .base import FetchResult, SkippedItem, SourceState, plausible_date, register_source_kind

log = logging.getLogger(__name__)

#: The flag an article gets when its file's encoding had to be guessed.
FLAG_ENCODING_GUESSED = "encoding-guessed"
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
            # One file that fails never costs the others: each is read on its own.
            try:
                doc = read_document(path)
            except DocumentError as exc:
                problems.append(_skipped(str(exc)))
                continue
            except Exception as exc:  # a bug on one file must not lose the folder
                log.exception("reading %s failed unexpectedly", printable_path(path))
                problems.append(
                    _skipped(
                        f"{printable_path(path)}: skipped, unexpected error: "
                        f"{type(exc).__name__}: {printable_line(str(exc))}"
                    )
                )
                continue
            problems.extend(f"{printable_path(path)}: {note}" for note in doc.notes)
            articles.append(self._article(path, doc))
        return FetchResult(articles=tuple(articles), state=state, problems=tuple(problems))

    def _document_paths(self, root: Path, problems: list[str]) -> list[Path]:
        found: list[Path] = []

        def unlistable(exc: OSError) -> None:
            # A sub-folder that cannot be listed is reported, not silently missing.
            where = printable_path(exc.filename or root)
            problems.append(_skipped(f"{where}: skipped, cannot list it ({exc.strerror or exc})"))

        for folder, dirs, files in os.walk(root, followlinks=False, onerror=unlistable):
            depth = len(Path(folder).relative_to(root).parts)
            dirs[:] = self._sub_folders(Path(folder), dirs, depth, problems)
            for name in sorted(files):
                path = Path(folder) / name
                suffix = path.suffix.lower()
                # An article saved as PDF or Word is listed, and read_document says
                # why it is skipped; an image or a spreadsheet beside it is passed over.
                if name.startswith(".") or (
                    suffix not in DOCUMENT_SUFFIXES and suffix not in UNREAD_DOCUMENTS
                ):
                    continue
                outside = _links_outside(path, root)
                if outside:
                    problems.append(_skipped(f"{printable_path(path)}: skipped, {outside}"))
                    continue
                if len(found) >= self.max_files:
                    problems.append(
                        _skipped(
                            f"{printable_path(root)}: more than {self.max_files} documents; "
                            "the rest were skipped"
                        )
                    )
                    return found
                found.append(path)
        return found

    def _sub_folders(
        self, folder: Path, names: list[str], depth: int, problems: list[str]
    ) -> list[str]:
        """The sub-folders to read; a linked or too deep one is reported, not silently missed."""
        kept = []
        for name in sorted(n for n in names if not n.startswith(".")):
            path = folder / name
            if path.is_symlink():
                problems.append(
                    _skipped(f"{printable_path(path)}: skipped, a link to a folder is not followed")
                )
            elif depth >= MAX_DEPTH:
                problems.append(
                    _skipped(f"{printable_path(path)}: skipped, deeper than {MAX_DEPTH} folders")
                )
            else:
                kept.append(name)
        return kept

    def _article(self, path: Path, doc: Document) -> Article:
        url = doc.meta.get("url")
        # A file's modification time is not a publication time: without a
        # declared date the briefing shows none.
        given = parse_date(doc.meta.get("date"))
        published, clamped = plausible_date(given, datetime.now(UTC)) if given else (None, ())
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
            flags=((FLAG_ENCODING_GUESSED,) if doc.notes else ()) + clamped,
        )


def _skipped(message: str) -> str:
    """A problem that cost one file or folder (an encoding note costs nothing: plain text).

    One place to mark them: the kind of problem is carried by its type.
    """
    return SkippedItem(message)


def _links_outside(path: Path, root: Path) -> str | None:
    """Why ``path`` must not be read as part of the folder under ``root``, or None."""
    try:
        target = path.resolve()
    except RuntimeError:  # Python 3.11-3.12 raise this for a loop
        return "it is a symbolic link loop"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "it is a symbolic link loop"
        return f"cannot follow it ({exc.strerror or exc})"
    if not target.is_relative_to(root):
        return "it links outside the folder"
    return None


register_source_kind("folder", FolderSource)
