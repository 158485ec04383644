"""The article database: SQLite through the standard library, in WAL mode.

An article is "seen" when its normalised URL, its GUID (within its source) or
the hash of its text is already stored. An article is "new" until a briefing
includes it, so articles collected by a run that failed later are not lost.
The schema carries a version (``PRAGMA user_version``) and migrates forward.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import time
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from .errors import StoreError
from .models import Article, Summary
from .sources.base import SourceState
from .urls import normalize_url

MIGRATIONS: tuple[str, ...] = (
    # 1: the first schema.
    """
    CREATE TABLE articles (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        title TEXT NOT NULL,
        url TEXT,
        url_key TEXT,
        guid TEXT,
        text_hash TEXT NOT NULL,
        text TEXT NOT NULL,
        published TEXT,
        collected_at TEXT NOT NULL,
        language TEXT,
        author TEXT,
        attribution TEXT,
        flags TEXT NOT NULL DEFAULT '[]',
        summary TEXT,
        briefed_on TEXT
    );
    CREATE INDEX articles_url_key ON articles(url_key);
    CREATE INDEX articles_guid ON articles(source, guid);
    CREATE INDEX articles_text_hash ON articles(text_hash);
    CREATE INDEX articles_briefed_on ON articles(briefed_on);
    CREATE TABLE article_sources (
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        source TEXT NOT NULL,
        PRIMARY KEY (article_id, source)
    );
    CREATE TABLE source_state (
        source TEXT PRIMARY KEY,
        etag TEXT,
        last_modified TEXT,
        last_attempt TEXT,
        last_success TEXT,
        last_error TEXT,
        last_new INTEGER NOT NULL DEFAULT 0,
        last_seen INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        briefing_date TEXT,
        scheduled_for TEXT,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        status TEXT NOT NULL DEFAULT 'running',
        articles INTEGER NOT NULL DEFAULT 0,
        new_articles INTEGER NOT NULL DEFAULT 0,
        failures TEXT NOT NULL DEFAULT '[]',
        outputs TEXT NOT NULL DEFAULT '[]',
        error TEXT
    );
    CREATE TABLE briefings (
        briefing_date TEXT PRIMARY KEY,
        run_id INTEGER REFERENCES runs(id),
        created_at TEXT NOT NULL,
        outputs TEXT NOT NULL DEFAULT '[]'
    );
    CREATE TABLE deliveries (
        briefing_date TEXT PRIMARY KEY,
        message_id TEXT NOT NULL,
        sent_at TEXT NOT NULL,
        recipients TEXT NOT NULL
    );
    """,
    # 2: deliveries whose outcome is unknown (the message went out, the answer never came).
    """
    CREATE TABLE uncertain_deliveries (
        briefing_date TEXT NOT NULL,
        recipient TEXT NOT NULL,
        message_id TEXT NOT NULL,
        at TEXT NOT NULL,
        reason TEXT NOT NULL,
        PRIMARY KEY (briefing_date, recipient)
    );
    """,
)


def text_hash(text: str) -> str:
    """A hash of an article's text that ignores case, spacing and punctuation."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    words = re.findall(r"[^\W_]+", folded)
    return hashlib.sha256(" ".join(words).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class AddResult:
    new: int
    seen: int


@dataclass(frozen=True)
class SourceStatus:
    """A source's last known state, for ``briefing sources``."""

    source: str
    last_attempt: str | None
    last_success: str | None
    last_error: str | None
    last_new: int
    last_seen: int
    articles: int


@dataclass(frozen=True)
class RunRecord:
    """One row of the run log."""

    id: int
    kind: str
    briefing_date: str | None
    scheduled_for: str | None
    started_at: str
    finished_at: str | None
    status: str
    articles: int
    new_articles: int
    failures: list[dict[str, str]]
    outputs: list[str]
    error: str | None

    @property
    def scheduled_time(self) -> datetime | None:
        return parse_time(self.scheduled_for)

    @property
    def started_time(self) -> datetime:
        return parse_time(self.started_at) or datetime.fromtimestamp(0, UTC)

    @property
    def finished_time(self) -> datetime | None:
        return parse_time(self.finished_at)


def parse_time(text: str | None) -> datetime | None:
    """A time as the store writes it (ISO 8601, UTC if no offset); None if absent or unreadable."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Store:
    """A connection to the article database. Use as a context manager."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, timeout=30, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else exc
            raise StoreError(f"cannot open the article database {path}: {reason}") from None
        try:
            self.db.row_factory = sqlite3.Row
            self._enable_wal()
            self.db.execute("PRAGMA foreign_keys=ON")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self._migrate()
        except (sqlite3.Error, StoreError) as exc:
            # A failed open must not leave a transaction holding others up.
            self.db.close()
            if isinstance(exc, StoreError):
                raise
            raise StoreError(f"cannot open the article database {path}: {exc}") from None

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One step of a run: all of it is written, or none of it."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def _enable_wal(self) -> None:
        # Switching a new database to WAL needs it to itself, and SQLite
        # answers "locked" at once instead of waiting when another process is
        # opening it at the same moment: wait and try again.
        deadline = time.monotonic() + 30
        while True:
            try:
                self.db.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def _migrate(self) -> None:
        if self._schema_version() == len(MIGRATIONS):
            return
        # Two processes may open a new database at once: take the write lock
        # first and read the version again under it. executescript() would
        # commit on its own, so each statement runs on its own.
        with self.transaction():
            version = self._schema_version()
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in _statements(script):
                    self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {number}")

    def _schema_version(self) -> int:
        version = int(self.db.execute("PRAGMA user_version").fetchone()[0])
        if version > len(MIGRATIONS):
            raise StoreError(
                f"{self.path} was written by a newer version of briefing "
                f"(schema {version}, this version knows {len(MIGRATIONS)})"
            )
        return version

    # --- articles ----------------------------------------------------------------

    def add_articles(self, source: str, articles: Iterable[Article]) -> AddResult:
        """Store the articles not seen before; note ``source`` on those already stored."""
        new = seen = 0
        with self.transaction():
            for article in articles:
                existing = self._find_existing(article)
                if existing is None:
                    self._insert(article)
                    new += 1
                else:
                    self.db.execute(
                        "INSERT OR IGNORE INTO article_sources VALUES (?, ?)", (existing, source)
                    )
                    seen += 1
        return AddResult(new=new, seen=seen)

    def _find_existing(self, article: Article) -> int | None:
        checks: list[tuple[str, tuple[Any, ...]]] = [
            ("text_hash = ?", (text_hash(article.text),)),
        ]
        if article.url:
            checks.insert(0, ("url_key = ?", (normalize_url(article.url),)))
        if article.guid:
            checks.insert(0, ("source = ? AND guid = ?", (article.source, article.guid)))
        for where, args in checks:
            row = self.db.execute(f"SELECT id FROM articles WHERE {where} LIMIT 1", args).fetchone()
            if row is not None:
                return int(row[0])
        return None

    def _insert(self, article: Article) -> int:
        cursor = self.db.execute(
            """INSERT INTO articles (source, title, url, url_key, guid, text_hash, text, published,
                   collected_at, language, author, attribution, flags)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (
                article.source,
                article.title,
                article.url,
                normalize_url(article.url) if article.url else None,
                article.guid,
                text_hash(article.text),
                article.text,
                article.published.isoformat() if article.published else None,
                _now(),
                article.language,
                article.author,
                article.attribution,
                json.dumps(list(article.flags)),
            ),
        )
        article_id = int(cursor.lastrowid or 0)
        self.db.execute("INSERT INTO article_sources VALUES (?, ?)", (article_id, article.source))
        return article_id

    def unbriefed_articles(self) -> list[Article]:
        """Articles no briefing has included yet, oldest first."""
        rows = self.db.execute(
            "SELECT * FROM articles WHERE briefed_on IS NULL ORDER BY id"
        ).fetchall()
        return [_article(row) for row in rows]

    def briefed_articles(self, day: date) -> list[Article]:
        """Articles included in the briefing of ``day``."""
        rows = self.db.execute(
            "SELECT * FROM articles WHERE briefed_on = ? ORDER BY id", (day.isoformat(),)
        ).fetchall()
        return [_article(row) for row in rows]

    def other_sources(self, article_id: int, source: str) -> tuple[str, ...]:
        rows = self.db.execute(
            """SELECT source FROM article_sources WHERE article_id = ? AND source != ?
               ORDER BY source""",
            (article_id, source),
        ).fetchall()
        return tuple(row[0] for row in rows)

    def stored_summary(self, article_id: int) -> Summary | None:
        row = self.db.execute("SELECT summary FROM articles WHERE id = ?", (article_id,)).fetchone()
        return _summary(row[0]) if row and row[0] else None

    def save_summaries(self, summaries: Sequence[tuple[int, Summary]]) -> None:
        with self.transaction():
            self.db.executemany(
                "UPDATE articles SET summary = ? WHERE id = ?",
                [(_summary_json(summary), article_id) for article_id, summary in summaries],
            )

    def mark_briefed(self, article_ids: Sequence[int], day: date) -> None:
        with self.transaction():
            self.db.executemany(
                "UPDATE articles SET briefed_on = ? WHERE id = ?",
                [(day.isoformat(), article_id) for article_id in article_ids],
            )

    def article_count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM articles").fetchone()[0])

    # --- sources -----------------------------------------------------------------

    def source_state(self, source: str) -> SourceState:
        row = self.db.execute(
            "SELECT etag, last_modified FROM source_state WHERE source = ?", (source,)
        ).fetchone()
        return SourceState(etag=row[0], last_modified=row[1]) if row else SourceState()

    def record_source(
        self,
        source: str,
        *,
        state: SourceState | None,
        error: str | None,
        added: AddResult | None = None,
    ) -> None:
        """Save the outcome of fetching ``source``; validators only change on success."""
        now = _now()
        added = added or AddResult(0, 0)
        with self.transaction():
            self.db.execute("INSERT OR IGNORE INTO source_state (source) VALUES (?)", (source,))
            if error is None:
                state = state or SourceState()
                self.db.execute(
                    """UPDATE source_state SET etag = ?, last_modified = ?, last_attempt = ?,
                           last_success = ?, last_error = NULL, last_new = ?, last_seen = ?
                       WHERE source = ?""",
                    (state.etag, state.last_modified, now, now, added.new, added.seen, source),
                )
            else:
                self.db.execute(
                    """UPDATE source_state SET last_attempt = ?, last_error = ?, last_new = 0,
                           last_seen = 0 WHERE source = ?""",
                    (now, error, source),
                )

    def source_statuses(self, names: Sequence[str]) -> list[SourceStatus]:
        """The last known status of each named source, in the order given."""
        statuses = []
        for name in names:
            row = self.db.execute("SELECT * FROM source_state WHERE source = ?", (name,)).fetchone()
            count = self.db.execute(
                "SELECT count(*) FROM article_sources WHERE source = ?", (name,)
            ).fetchone()[0]
            statuses.append(
                SourceStatus(
                    source=name,
                    last_attempt=row["last_attempt"] if row else None,
                    last_success=row["last_success"] if row else None,
                    last_error=row["last_error"] if row else None,
                    last_new=row["last_new"] if row else 0,
                    last_seen=row["last_seen"] if row else 0,
                    articles=int(count),
                )
            )
        return statuses

    # --- runs and briefings ---------------------------------------------------------

    def start_run(
        self, kind: str, *, briefing_date: date | None = None, scheduled_for: datetime | None = None
    ) -> int:
        cursor = self.db.execute(
            "INSERT INTO runs (kind, briefing_date, scheduled_for, started_at) VALUES (?, ?, ?, ?)",
            (
                kind,
                briefing_date.isoformat() if briefing_date else None,
                scheduled_for.isoformat() if scheduled_for else None,
                _now(),
            ),
        )
        return int(cursor.lastrowid or 0)

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
    ) -> None:
        self.db.execute(
            """UPDATE runs SET finished_at = ?, status = ?, articles = ?, new_articles = ?,
                   failures = ?, outputs = ?, error = ? WHERE id = ?""",
            (
                _now(),
                status,
                articles,
                new_articles,
                json.dumps(list(failures)),
                json.dumps(list(outputs)),
                error,
                run_id,
            ),
        )

    def runs(self, *, limit: int = 10, kind: str | None = None) -> list[RunRecord]:
        """The most recent runs, newest first."""
        where, args = ("WHERE kind = ?", (kind,)) if kind else ("", ())
        rows = self.db.execute(
            f"SELECT * FROM runs {where} ORDER BY id DESC LIMIT ?", (*args, limit)
        ).fetchall()
        return [_run(row) for row in rows]

    def abandon_unfinished_runs(self) -> int:
        """Mark runs left 'running' by a killed process as interrupted."""
        cursor = self.db.execute(
            "UPDATE runs SET status = 'interrupted', finished_at = ? WHERE status = 'running'",
            (_now(),),
        )
        return cursor.rowcount

    def record_briefing(self, day: date, run_id: int, outputs: Sequence[str]) -> None:
        self.db.execute(
            """INSERT INTO briefings (briefing_date, run_id, created_at, outputs)
               VALUES (?, ?, ?, ?)
               ON CONFLICT(briefing_date) DO UPDATE SET run_id = excluded.run_id,
                   created_at = excluded.created_at, outputs = excluded.outputs""",
            (day.isoformat(), run_id, _now(), json.dumps(list(outputs))),
        )

    def briefing_outputs(self, day: date) -> list[str] | None:
        """The files written for the briefing of ``day``, or None if there is none."""
        row = self.db.execute(
            "SELECT outputs FROM briefings WHERE briefing_date = ?", (day.isoformat(),)
        ).fetchone()
        return list(json.loads(row[0])) if row else None

    # --- deliveries ------------------------------------------------------------------

    def delivered_to(self, day: date) -> tuple[str, ...]:
        """The recipients the briefing of ``day`` was already sent to."""
        row = self.db.execute(
            "SELECT recipients FROM deliveries WHERE briefing_date = ?", (day.isoformat(),)
        ).fetchone()
        return tuple(json.loads(row[0])) if row else ()

    def record_delivery(self, day: date, message_id: str, recipients: Sequence[str]) -> None:
        """Add ``recipients`` to those the briefing of ``day`` was sent to."""
        with self.transaction():
            self.db.executemany(
                "DELETE FROM uncertain_deliveries WHERE briefing_date = ? AND recipient = ?",
                [(day.isoformat(), r) for r in recipients],
            )
            merged = sorted({*self.delivered_to(day), *recipients})
            self.db.execute(
                """INSERT INTO deliveries VALUES (?, ?, ?, ?)
                   ON CONFLICT(briefing_date) DO UPDATE SET message_id = excluded.message_id,
                       sent_at = excluded.sent_at, recipients = excluded.recipients""",
                (day.isoformat(), message_id, _now(), json.dumps(merged)),
            )

    def uncertain_deliveries(self, day: date) -> tuple[str, ...]:
        """Recipients the briefing of ``day`` may or may not have reached (no answer came)."""
        rows = self.db.execute(
            "SELECT recipient FROM uncertain_deliveries WHERE briefing_date = ? ORDER BY recipient",
            (day.isoformat(),),
        ).fetchall()
        return tuple(row[0] for row in rows)

    def record_uncertain_delivery(
        self, day: date, message_id: str, recipients: Sequence[str], reason: str
    ) -> None:
        """Note that ``recipients`` may have got the briefing of ``day``: not resent on its own."""
        with self.transaction():
            self.db.executemany(
                """INSERT INTO uncertain_deliveries VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT(briefing_date, recipient) DO UPDATE SET
                       message_id = excluded.message_id, at = excluded.at,
                       reason = excluded.reason""",
                [(day.isoformat(), r, message_id, _now(), reason) for r in recipients],
            )


def _statements(script: str) -> list[str]:
    # Our migrations hold no semicolons inside literals, so splitting is exact.
    return [part.strip() for part in script.split(";") if part.strip()]


def _article(row: sqlite3.Row) -> Article:
    return Article(
        id=row["id"],
        title=row["title"],
        text=row["text"],
        source=row["source"],
        url=row["url"],
        guid=row["guid"],
        published=datetime.fromisoformat(row["published"]) if row["published"] else None,
        language=row["language"],
        author=row["author"],
        attribution=row["attribution"],
        flags=tuple(json.loads(row["flags"] or "[]")),
    )


def _run(row: sqlite3.Row) -> RunRecord:
    return RunRecord(
        id=row["id"],
        kind=row["kind"],
        briefing_date=row["briefing_date"],
        scheduled_for=row["scheduled_for"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        status=row["status"],
        articles=row["articles"],
        new_articles=row["new_articles"],
        failures=json.loads(row["failures"]),
        outputs=json.loads(row["outputs"]),
        error=row["error"],
    )


def _summary_json(summary: Summary) -> str:
    return json.dumps(summary.as_dict(), ensure_ascii=False)


def _summary(raw: str) -> Summary:
    return Summary.from_dict(json.loads(raw))
