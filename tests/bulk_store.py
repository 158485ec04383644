"""A database of realistic size, made fast: a year of briefed articles in bulk inserts.

Used by tests/test_store.py (query plans on thousands of rows) and by
benchmarks/scale.py (100k articles). It writes through the schema the Store
created, with plain ``executemany`` in one transaction, because adding 100k
articles one ``add_articles`` call at a time would take minutes.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import date, timedelta
from pathlib import Path

from briefing.store import Store
from briefing.urls import normalize_url

WORDS = [
    "council",
    "budget",
    "minister",
    "election",
    "river",
    "bridge",
    "school",
    "harbour",
    "storm",
    "court",
    "vote",
    "hospital",
    "strike",
    "festival",
    "museum",
    "railway",
    "market",
    "energy",
    "drought",
    "treaty",
]


def source_name(index: int) -> str:
    return f"Source {index:05d}"


def article_text(index: int, words: int) -> str:
    """Varied text of about ``words`` words, different for each article."""
    picked = [WORDS[(index * 7 + i * 13) % len(WORDS)] for i in range(words)]
    return f"Story {index}. " + " ".join(picked) + "."


def fill(
    path: Path,
    *,
    articles: int,
    sources: int,
    days: int = 365,
    words: int = 30,
    last_day: date | None = None,
    summaries: bool = True,
) -> None:
    """Add ``articles`` briefed articles from ``sources`` sources over ``days`` days."""
    last_day = last_day or date.today()
    Store(path).close()  # creates the schema at the current version
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("BEGIN")
        db.executemany(
            """INSERT INTO articles (id, source, title, url, url_key, guid, text_hash, text,
                   published, collected_at, language, flags, summary, briefed_on)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'en', '[]', ?, ?)""",
            (_row(i, articles, sources, days, words, last_day, summaries) for i in range(articles)),
        )
        db.executemany(
            "INSERT INTO article_sources VALUES (?, ?)",
            ((i + 1, source_name(i % sources)) for i in range(articles)),
        )
        db.executemany(
            """INSERT INTO source_state (source, last_attempt, last_success, last_new, last_seen)
               VALUES (?, ?, ?, 0, 0)""",
            ((source_name(s), last_day.isoformat(), last_day.isoformat()) for s in range(sources)),
        )
        db.execute("COMMIT")
    finally:
        db.close()


def _row(
    i: int, total: int, sources: int, days: int, words: int, last_day: date, summaries: bool
) -> tuple[object, ...]:
    day = (last_day - timedelta(days=days - 1 - (i * days) // total)).isoformat()
    text = article_text(i, words)
    summary = (
        json.dumps(
            {
                "language": "en",
                "algorithm": "default",
                "total_sentences": 2,
                "notes": [],
                "sentences": [{"index": 0, "text": text[:120], "score": 1.0, "components": {}}],
            }
        )
        if summaries
        else None
    )
    url = f"https://news{i % sources}.example.org/{day}/{i}"
    return (
        i + 1,
        source_name(i % sources),
        f"Story {i}",
        url,
        normalize_url(url),
        f"guid-{i}",
        hashlib.sha256(text.encode()).hexdigest(),
        text,
        f"{day}T06:00:00+00:00",
        f"{day}T06:30:00+00:00",
        summary,
        day,
    )
