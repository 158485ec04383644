"""The article database: SQLite through the standard library, in WAL mode.

An article is "seen" when its normalised URL, its GUID (within its source) or
the hash of its text is already stored. An article is "new" until a briefing
includes it, so articles collected by a run that failed later are not lost.
The schema carries a version (``PRAGMA user_version``) and migrates forward.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import sqlite3
import time
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

from .dbhealth import (
    check_columns,
    check_integrity,
    open_error,
    refuse_foreign_database,
    save_stamp,
    store_error,
    translate_errors,
)
from .errors import StoreError
from .models import Article, Summary
from .printable import printable_line, printable_text
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
    # 2 (scale): per-source counts read an index instead of the whole table; a briefing
    # keeps the digests of what it wrote, so an unchanged rerun can leave its files alone.
    """
    CREATE INDEX article_sources_source ON article_sources(source, article_id);
    ALTER TABLE briefings ADD COLUMN generated_at TEXT;
    ALTER TABLE briefings ADD COLUMN digests TEXT NOT NULL DEFAULT '{}';
    """,
    # 3 (stories): story summaries, keyed by their members (briefing/stories.py story_key).
    """
    CREATE TABLE story_summaries (
        key TEXT PRIMARY KEY,
        sentences TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    """,
    # 4 (reliab-time): deliveries whose outcome is unknown (the message went out, the
    # answer never came).
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
    return _text_key(text)[0]


@functools.lru_cache(maxsize=256)
def _text_key(text: str) -> tuple[str, int]:
    # (hash, word count): an article's text is looked up, then inserted; its
    # words are found once (a str caches its own hash, so the lookup is cheap).
    words = _words(text)
    return hashlib.sha256(" ".join(words).encode("utf-8")).hexdigest(), len(words)


def _words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKC", text).casefold()
    return re.findall(r"[^\W_]+", folded)


#: A text this long is distinctive: another entry with the same text is the same
#: article. A shorter one ("Click here to read the full story.") is only the same
#: article when the title is the same too.
MIN_DISTINCTIVE_WORDS = 50
#: How many of the latest stored entries with the same short text are compared by title.
MAX_SHORT_TEXT_MATCHES = 200


def is_distinctive(text: str) -> bool:
    """True when ``text`` alone identifies an article (see MIN_DISTINCTIVE_WORDS)."""
    return _text_key(text)[1] >= MIN_DISTINCTIVE_WORDS


def _title_key(title: str) -> str:
    return " ".join(_words(title))


@dataclass(frozen=True)
class AddResult:
    new: int
    seen: int
    #: One line per entry stored as another entry with the same text (different
    #: title, link or GUID), so that no entry disappears without a word.
    merged: tuple[str, ...] = ()


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
    #: When the source last brought an article the store did not have (a 304 changes nothing).
    last_change: str | None = None


@dataclass(frozen=True)
class BriefingRecord:
    """What was written for one date: the files, when, and each file's SHA-256."""

    day: date
    outputs: tuple[str, ...]
    generated_at: datetime | None
    digests: dict[str, str]


@dataclass(frozen=True)
class PruneResult:
    """What ``briefing prune`` did, and the database's size before and after."""

    texts_dropped: int
    articles_deleted: int
    bytes_before: int
    bytes_after: int


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
    """A connection to the article database. Use as a context manager.

    Every SQLite error becomes a StoreError that says what is wrong and what to
    do, and the file is checked at open (see :mod:`briefing.dbhealth`).
    """

    def __init__(self, path: Path, *, busy_timeout: float = 30) -> None:
        self.path = path
        self._trusted = False
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # busy_timeout: how long to wait for another process's write to end.
            self.db = sqlite3.connect(path, timeout=busy_timeout, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise open_error(path, exc) from None
        try:
            self.db.row_factory = sqlite3.Row
            check_integrity(self.db, path)
            refuse_foreign_database(self.db, path, MIGRATIONS)
            self._enable_wal()
            self.db.execute("PRAGMA foreign_keys=ON")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self._migrate()
            check_columns(self.db, path, MIGRATIONS)
        except (sqlite3.Error, StoreError) as exc:
            # A failed open must not leave a transaction holding others up.
            self.db.close()
            if isinstance(exc, StoreError):
                raise
            raise store_error(path, exc) from None
        self._trusted = True

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()
        if self._trusted:
            # Closed cleanly: the next open need not check the file again
            # unless something else changes it (a crash, a copy, a tool).
            save_stamp(self.path)

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
        merged: list[str] = []
        with self.transaction():
            for raw in articles:
                article = printable_article(raw)
                existing = self._find_by_identity(article)
                by_text = existing is None
                if existing is None:
                    existing = self._same_text(article)
                if existing is None:
                    self._insert(article)
                    new += 1
                    continue
                self.db.execute(
                    "INSERT OR IGNORE INTO article_sources VALUES (?, ?)", (existing, source)
                )
                seen += 1
                note = self._merge_note(existing, article) if by_text else None
                if note:
                    merged.append(note)
        return AddResult(new=new, seen=seen, merged=tuple(merged))

    def _find_by_identity(self, article: Article) -> int | None:
        """The stored article with the same GUID in the same source, or the same link."""
        checks: list[tuple[str, tuple[Any, ...]]] = []
        if article.guid:
            checks.append(("source = ? AND guid = ?", (article.source, article.guid)))
        if article.url:
            checks.append(("url_key = ?", (normalize_url(article.url),)))
        for where, args in checks:
            row = self.db.execute(f"SELECT id FROM articles WHERE {where} LIMIT 1", args).fetchone()
            if row is not None:
                return int(row[0])
        return None

    def _same_text(self, article: Article) -> int | None:
        """The stored article with the same text, if the text alone (or with the title) tells."""
        key = text_hash(article.text)
        if is_distinctive(article.text):
            row = self.db.execute(
                "SELECT id FROM articles WHERE text_hash = ? ORDER BY id LIMIT 1", (key,)
            ).fetchone()
            return int(row[0]) if row else None
        # A boilerplate teaser may be shared by thousands of entries: a repeat is
        # recent, so only the latest few are compared.
        rows = self.db.execute(
            """SELECT id, title, source, guid, url_key FROM articles WHERE text_hash = ?
               ORDER BY id DESC LIMIT ?""",
            (key, MAX_SHORT_TEXT_MATCHES),
        ).fetchall()
        title = _title_key(article.title)
        matches = [
            int(row["id"])
            for row in rows
            if _title_key(row["title"]) == title and not _told_apart(article, row)
        ]
        return min(matches) if matches else None

    def _merge_note(self, existing: int, article: Article) -> str | None:
        """A line for an entry stored as another, not yet briefed one; None if it is the same."""
        row = self.db.execute(
            "SELECT title, url_key, guid, source, briefed_on FROM articles WHERE id = ?",
            (existing,),
        ).fetchone()
        same_entry = (article.guid is not None and article.guid == row["guid"]) or (
            article.url is not None and normalize_url(article.url) == row["url_key"]
        )
        # Another source carrying it is shown as "also in"; a briefed one was already read.
        if same_entry or row["source"] != article.source or row["briefed_on"] is not None:
            return None
        this = _entry_label(article.title or article.text, article.url)
        first = _entry_label(row["title"] or article.text, None)
        return f"{this} has the same text as {first}; it is listed once, under the first"

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

    def background_articles(self, day: date, *, limit: int, days: int, chars: int) -> list[Article]:
        """The newest articles of briefings before ``day`` (at most ``limit``, ``days`` back).

        Never the day's own articles (those of its briefing and those not in
        one yet), so every run of a date reads the same ones while the store
        keeps them. Each text is cut to its first ``chars`` characters and
        each article carries the language its summary was made in, when known.
        """
        start = day - timedelta(days=days)
        rows = self.db.execute(
            """SELECT id, source, title, substr(text, 1, ?) AS text, language,
                   CASE WHEN json_valid(summary) THEN json_extract(summary, '$.language') END
                       AS summary_language
               FROM articles
               WHERE briefed_on < ? AND briefed_on >= ? AND text != ''
               ORDER BY briefed_on DESC, id DESC LIMIT ?""",
            (chars, day.isoformat(), start.isoformat(), limit),
        ).fetchall()
        return [
            Article(
                id=row["id"],
                title=row["title"],
                text=row["text"],
                source=row["source"],
                language=row["summary_language"] or row["language"],
            )
            for row in rows
        ]

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

    def story_summary(self, key: str) -> str | None:
        """The stored summary (JSON) of the story with these members, if any."""
        row = self.db.execute(
            "SELECT sentences FROM story_summaries WHERE key = ?", (key,)
        ).fetchone()
        return str(row[0]) if row else None

    def save_story_summaries(self, summaries: Sequence[tuple[str, str]]) -> None:
        """Store story summaries (key, JSON); a key stored already is replaced."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self.transaction():
            self.db.executemany(
                "INSERT OR REPLACE INTO story_summaries (key, sentences, created_at)"
                " VALUES (?, ?, ?)",
                [(key, data, now) for key, data in summaries],
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
        """The last known status of each named source, in the order given.

        Two queries whatever the number of sources, each answered from an
        index (``article_sources_source``), so ``briefing sources`` costs the
        same per source over a year of articles as over a day's.
        """
        wanted = json.dumps(list(names))
        states = {
            row["source"]: row
            for row in self.db.execute(
                "SELECT * FROM source_state WHERE source IN (SELECT value FROM json_each(?))",
                (wanted,),
            )
        }
        stored = {
            row[0]: (int(row[1]), row[2])
            # Ids grow with collection time, so a source's newest article is its
            # largest id: counted and found in the index alone, then one lookup each.
            for row in self.db.execute(
                """SELECT s.source, s.n, a.collected_at FROM (
                       SELECT source, count(*) AS n, max(article_id) AS newest
                       FROM article_sources
                       WHERE source IN (SELECT value FROM json_each(?)) GROUP BY source
                   ) s JOIN articles a ON a.id = s.newest""",
                (wanted,),
            )
        }
        return [
            _source_status(name, states.get(name), *stored.get(name, (0, None))) for name in names
        ]

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

    def record_briefing(
        self,
        day: date,
        run_id: int,
        outputs: Sequence[str],
        *,
        generated_at: datetime | None = None,
        digests: Mapping[str, str] | None = None,
    ) -> None:
        """Record the briefing of ``day``; ``digests`` are the SHA-256 of what was written."""
        self.db.execute(
            """INSERT INTO briefings (briefing_date, run_id, created_at, outputs, generated_at,
                   digests)
               VALUES (?, ?, ?, ?, ?, ?)
               ON CONFLICT(briefing_date) DO UPDATE SET run_id = excluded.run_id,
                   created_at = excluded.created_at, outputs = excluded.outputs,
                   generated_at = excluded.generated_at, digests = excluded.digests""",
            (
                day.isoformat(),
                run_id,
                _now(),
                json.dumps(list(outputs)),
                generated_at.isoformat() if generated_at else None,
                json.dumps(dict(digests or {}), sort_keys=True),
            ),
        )

    def briefing_record(self, day: date) -> BriefingRecord | None:
        """What was written for the briefing of ``day``, or None if there is none."""
        row = self.db.execute(
            "SELECT outputs, generated_at, digests FROM briefings WHERE briefing_date = ?",
            (day.isoformat(),),
        ).fetchone()
        if row is None:
            return None
        return BriefingRecord(
            day=day,
            outputs=tuple(json.loads(row["outputs"])),
            generated_at=parse_time(row["generated_at"]),
            digests=dict(json.loads(row["digests"] or "{}")),
        )

    def briefing_updates(self, day: date) -> list[tuple[datetime, int]]:
        """When runs brought new articles into the briefing of ``day``, and how many, oldest first.

        Runs that found nothing new are not updates: the briefing they leave
        is the one before them, word for word.
        """
        rows = self.db.execute(
            """SELECT finished_at, new_articles FROM runs WHERE briefing_date = ?
               AND status = 'ok' AND new_articles > 0 ORDER BY id""",
            (day.isoformat(),),
        ).fetchall()
        return [(moment, int(n)) for at, n in rows if (moment := parse_time(at)) is not None]

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

    # --- retention --------------------------------------------------------------------

    def prune(
        self, *, text_before: date | None, delete_before: date | None, vacuum: bool = True
    ) -> PruneResult:
        """Drop the text of articles briefed before ``text_before`` and delete those briefed
        before ``delete_before``; then give the space back to the file system.

        Only briefed articles are touched: an article no briefing has included
        yet is never pruned, and one briefed on or after a cut-off keeps what
        its briefing needs. A text dropped keeps its hash, so the same article
        arriving again is still recognised; a deleted article is forgotten.
        """
        before = self._file_bytes()
        with self.transaction():
            deleted = (
                self.db.execute(
                    "DELETE FROM articles WHERE briefed_on < ?", (delete_before.isoformat(),)
                ).rowcount
                if delete_before
                else 0
            )
            dropped = (
                self.db.execute(
                    """UPDATE articles SET text = '' WHERE briefed_on < ? AND text != ''""",
                    (text_before.isoformat(),),
                ).rowcount
                if text_before
                else 0
            )
        if vacuum:
            self._vacuum()
        return PruneResult(
            texts_dropped=dropped,
            articles_deleted=deleted,
            bytes_before=before,
            bytes_after=self._file_bytes(),
        )

    def _vacuum(self) -> None:
        # The first prune rewrites the file once (VACUUM) with incremental
        # auto-vacuum turned on; later prunes only hand back free pages.
        if int(self.db.execute("PRAGMA auto_vacuum").fetchone()[0]) == 2:
            self.db.execute("PRAGMA incremental_vacuum")
        else:
            self.db.execute("PRAGMA auto_vacuum = INCREMENTAL")
            self.db.execute("VACUUM")
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def _file_bytes(self) -> int:
        files = (self.path, self.path.with_name(self.path.name + "-wal"))
        return sum(f.stat().st_size for f in files if f.exists())


def printable_article(article: Article) -> Article:
    """``article`` with every string printable and valid UTF-8: what a source gave is untrusted."""
    return replace(
        article,
        title=printable_line(article.title),
        text=printable_text(article.text),
        source=printable_line(article.source),
        url=_optional_line(article.url),
        guid=_optional_line(article.guid),
        language=_optional_line(article.language),
        author=_optional_line(article.author),
        attribution=_optional_line(article.attribution),
        flags=tuple(printable_line(flag) for flag in article.flags),
    )


def _optional_line(text: str | None) -> str | None:
    return None if text is None else printable_line(text)


def _told_apart(article: Article, row: sqlite3.Row) -> bool:
    """True when a source gave two entries of the same short text their own GUIDs or links.

    ("Weather update", every day, under a new link): each is an article of its own.
    """
    if row["source"] != article.source:
        return False
    guids_differ = bool(article.guid and row["guid"] and article.guid != row["guid"])
    links_differ = bool(
        article.url and row["url_key"] and normalize_url(article.url) != row["url_key"]
    )
    return guids_differ or links_differ


def _entry_label(title: str, url: str | None) -> str:
    words = title.split()
    label = f"“{' '.join(words[:12])}{' …' if len(words) > 12 else ''}”" if words else "an entry"
    return f"{label} ({url})" if url else label


translate_errors(Store)


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


def _source_status(
    name: str, row: sqlite3.Row | None, articles: int, last_change: str | None
) -> SourceStatus:
    return SourceStatus(
        source=name,
        last_attempt=row["last_attempt"] if row else None,
        last_success=row["last_success"] if row else None,
        last_error=row["last_error"] if row else None,
        last_new=row["last_new"] if row else 0,
        last_seen=row["last_seen"] if row else 0,
        articles=articles,
        last_change=str(last_change) if last_change else None,
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
