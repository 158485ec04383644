from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from briefing.errors import StoreError
from briefing.models import Article, Summary, SummarySentence
from briefing.sources.base import SourceState
from briefing.store import MIGRATIONS, Store


def article(text: str, **kw: object) -> Article:
    fields: dict[str, object] = {"title": "T", "text": text, "source": "s1"}
    fields.update(kw)
    return Article(**fields)  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "db.sqlite3")


def test_the_same_article_is_stored_once_by_url_guid_or_text(store: Store) -> None:
    first = store.add_articles(
        "s1",
        [
            article("One story.", url="https://Example.org/a/?utm_source=x#top", guid="g1"),
            article("Another story.", guid="g2"),
        ],
    )
    assert (first.new, first.seen) == (2, 0)
    again = store.add_articles(
        "s1",
        [
            article("Edited text.", url="http://example.org/a"),  # same URL, normalised
            article("Changed.", guid="g2"),  # same GUID in the same source
            article("  one   STORY!  "),  # same text, other spacing and case
            article("A new one."),
        ],
    )
    assert (again.new, again.seen) == (1, 3)
    assert store.article_count() == 3


def test_syndicated_duplicates_note_every_source(store: Store) -> None:
    store.add_articles("s1", [article("Shared story.", url="https://example.org/x")])
    added = store.add_articles(
        "s2", [article("Shared story.", source="s2", url="https://example.org/x?utm_medium=rss")]
    )
    assert added.seen == 1
    (stored,) = store.unbriefed_articles()
    assert stored.id is not None
    assert store.other_sources(stored.id, "s1") == ("s2",)


def test_articles_stay_new_until_a_briefing_includes_them(store: Store) -> None:
    store.add_articles("s1", [article("First."), article("Second.")])
    first, _second = store.unbriefed_articles()
    assert first.id is not None
    store.mark_briefed([first.id], date(2026, 11, 24))
    assert [a.text for a in store.unbriefed_articles()] == ["Second."]
    assert [a.text for a in store.briefed_articles(date(2026, 11, 24))] == ["First."]


def test_summaries_round_trip(store: Store) -> None:
    store.add_articles("s1", [article("Text.")])
    (a,) = store.unbriefed_articles()
    assert a.id is not None
    summary = Summary("fr", "default", (SummarySentence(0, "Été.", 0.5, {"position": 1.0}),), 4)
    store.save_summaries([(a.id, summary)])
    assert store.stored_summary(a.id) == summary


def test_source_state_keeps_validators_across_failures(store: Store) -> None:
    store.record_source("feed", state=SourceState(etag='"abc"', last_modified="Mon"), error=None)
    store.record_source("feed", state=None, error="timed out")
    assert store.source_state("feed") == SourceState(etag='"abc"', last_modified="Mon")
    (status,) = store.source_statuses(["feed"])
    assert status.last_error == "timed out"
    assert status.last_success is not None


def test_runs_are_logged_and_interrupted_runs_found(store: Store) -> None:
    run = store.start_run("manual", briefing_date=date(2026, 11, 24))
    assert store.runs()[0].status == "running"
    assert store.abandon_unfinished_runs() == 1
    store.finish_run(run, status="ok", articles=3, outputs=["a.md"])
    (record,) = store.runs()
    assert (record.status, record.articles, record.outputs) == ("ok", 3, ["a.md"])


def test_schema_version_and_newer_databases(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    Store(path).close()
    with Store(path) as store:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        store.db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(StoreError, match="newer version"):
        Store(path)


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="is not a briefing database"):
        Store(path)


def test_many_processes_opening_a_new_database_at_once(tmp_path: Path) -> None:
    import threading

    errors: list[Exception] = []

    def open_it(path: Path) -> None:
        try:
            Store(path).close()
        except Exception as exc:
            errors.append(exc)

    for i in range(30):
        path = tmp_path / f"db{i}.sqlite3"
        threads = [threading.Thread(target=open_it, args=(path,)) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []


# --- identity: the text hash alone only for a distinctive text ---------------------------

TEASER = "Click here to read the full story on our website."
LONG = " ".join(f"Paragraph {i} of the syndicated story says something new." for i in range(8))


def test_distinct_entries_with_the_same_short_text_are_kept(store: Store) -> None:
    added = store.add_articles(
        "s1",
        [
            article(TEASER, title=f"Story {n}", url=f"https://example.org/{n}", guid=f"g{n}")
            for n in range(5)
        ],
    )
    assert (added.new, added.seen, added.merged) == (5, 0, ())
    assert [a.title for a in store.unbriefed_articles()] == [f"Story {n}" for n in range(5)]


def test_the_same_short_text_under_the_same_title_is_one_article(store: Store) -> None:
    store.add_articles("s1", [article(TEASER, title="Storm warning")])
    added = store.add_articles("s1", [article(TEASER, title="STORM warning!")])
    assert (added.new, added.seen) == (0, 1)


def test_a_long_text_under_another_title_is_merged_and_said(store: Store) -> None:
    added = store.add_articles(
        "s1",
        [
            article(LONG, title="First title", url="https://example.org/1"),
            article(LONG, title="Second title", url="https://example.org/2"),
        ],
    )
    assert (added.new, added.seen) == (1, 1)
    assert added.merged == (
        "“Second title” (https://example.org/2) has the same text as “First title”; "
        "it is listed once, under the first",
    )
    # Seen again on the next fetch, it is the same entry: nothing more to say.
    again = store.add_articles(
        "s1", [article(LONG, title="First title", url="https://example.org/1")]
    )
    assert again.merged == ()
    # Another source carrying it is shown as "also in", not as a merge.
    other = store.add_articles("s2", [article(LONG, title="Elsewhere", source="s2")])
    assert other.merged == ()
    (stored,) = store.unbriefed_articles()
    assert stored.id is not None and store.other_sources(stored.id, "s1") == ("s2",)


def test_what_a_source_hands_over_is_stored_printable(store: Store) -> None:
    store.add_articles(
        "s1",
        [article("Text \ud800 here.\x00", title="caf\udce9\x1b[31m red", guid="g\udcff")],
    )
    (stored,) = store.unbriefed_articles()
    assert stored.title == "caf\ufffd[31m red"
    assert stored.text == "Text \ufffd here."
    assert stored.guid == "g\ufffd"
    stored.title.encode("utf-8")


# --- errors a user can act on --------------------------------------------------------------


def test_a_database_locked_by_another_program_is_said(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "db.sqlite3"
    Store(path).close()
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        store = Store(path, busy_timeout=0.1)
        with pytest.raises(StoreError, match="is locked by another program"):
            store.add_articles("s1", [article("Text.")])
        store.close()
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_a_file_changed_since_its_last_clean_close_is_checked(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    with Store(path) as store:
        store.add_articles("s1", [article("Text.")])
    stamp = path.with_name("db.sqlite3-checked")
    assert stamp.read_text().split()[1] == str(path.stat().st_size)
    with path.open("r+b") as handle:  # damage the articles' page, as a failing disk would
        handle.seek(path.stat().st_size - 4096)
        handle.write(b"\xff" * 4096)
    with pytest.raises(StoreError, match="is damaged"):
        Store(path)


def test_a_source_that_tells_short_entries_apart_keeps_each(store: Store) -> None:
    daily = [
        article("Sunny.", title="Weather update", url=f"https://example.org/w/{day}")
        for day in range(3)
    ]
    added = store.add_articles("s1", daily)
    assert (added.new, added.seen) == (3, 0)
    # Another source with the same short story under the same title is the same article.
    other = store.add_articles("s2", [article("Sunny.", title="Weather update", source="s2")])
    assert (other.new, other.seen) == (0, 1)


def test_damage_found_while_in_use_is_checked_again_at_the_next_open(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    with Store(path) as store:
        store.add_articles("s1", [article(f"Text {n}. " * 200, title=f"T{n}") for n in range(30)])
    store = Store(path)
    size = path.stat().st_size
    with path.open("r+b") as handle:  # damaged behind the open connection's back
        handle.seek(size // 2)
        handle.write(b"\x00" * (size // 2 - 4096))
    with pytest.raises(StoreError, match="is damaged"):
        store.unbriefed_articles()
    store.close()
    with pytest.raises(StoreError, match="is damaged"):
        Store(path)
