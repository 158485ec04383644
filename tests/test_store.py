from __future__ import annotations

import re
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


# --- at scale: every query answered from an index (issue 15 item 1) ----------------------

BIG_TABLES = "articles|article_sources"
#: Statements that read every row on purpose (and only an index of it).
WHOLE_TABLE = ("SELECT count(*) FROM articles",)


@pytest.fixture(scope="module")
def big_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from bulk_store import fill

    path = tmp_path_factory.mktemp("big") / "db.sqlite3"
    fill(path, articles=20_000, sources=400, days=365, last_day=date(2026, 11, 24))
    return path


def _exercise_every_method(store: Store) -> set[str]:
    """Call each method of the store seam once, as a run, status and prune would."""
    from briefing.models import Summary

    day = date(2026, 11, 24)
    new = article("A story that nobody has told before today.", url="https://x.org/new", guid="n")
    summary = Summary("en", "default", (), 0)
    calls = {
        "add_articles": lambda: store.add_articles("Source 00001", [new]),
        "unbriefed_articles": store.unbriefed_articles,
        "briefed_articles": lambda: store.briefed_articles(day),
        "background_articles": lambda: store.background_articles(
            day, limit=2000, days=30, chars=6880
        ),
        "other_sources": lambda: store.other_sources(1, "Source 00001"),
        "stored_summary": lambda: store.stored_summary(1),
        "save_summaries": lambda: store.save_summaries([(1, summary)]),
        "mark_briefed": lambda: store.mark_briefed([20_001], day),
        "article_count": store.article_count,
        "source_state": lambda: store.source_state("Source 00002"),
        "record_source": lambda: store.record_source("Source 00002", state=None, error=None),
        "source_statuses": lambda: store.source_statuses([f"Source {i:05d}" for i in range(400)]),
        "start_run": lambda: store.start_run("manual", briefing_date=day),
        "finish_run": lambda: store.finish_run(1, status="ok"),
        "runs": store.runs,
        "abandon_unfinished_runs": store.abandon_unfinished_runs,
        "record_briefing": lambda: store.record_briefing(day, 1, []),
        "briefing_record": lambda: store.briefing_record(day),
        "briefing_updates": lambda: store.briefing_updates(day),
        "story_summary": lambda: store.story_summary("k"),
        "save_story_summaries": lambda: store.save_story_summaries([("k", "[]")]),
        "briefing_outputs": lambda: store.briefing_outputs(day),
        "delivered_to": lambda: store.delivered_to(day),
        "record_delivery": lambda: store.record_delivery(day, "<m@x>", ["a@example.org"]),
        "uncertain_deliveries": lambda: store.uncertain_deliveries(day),
        "record_uncertain_delivery": lambda: store.record_uncertain_delivery(
            day, "<m@x>", ["b@example.org"], "no answer"
        ),
        "prune": lambda: store.prune(
            text_before=date(2026, 3, 1), delete_before=date(2026, 1, 1), vacuum=False
        ),
    }
    for call in calls.values():
        call()
    return set(calls)


def test_every_store_query_uses_an_index_on_a_year_of_articles(big_store: Path) -> None:
    from briefing.storage import ArticleStore

    statements: list[str] = []
    with Store(big_store) as store:
        store.db.set_trace_callback(statements.append)
        called = _exercise_every_method(store)
        store.db.set_trace_callback(None)
        seam = {n for n in vars(ArticleStore) if not n.startswith("_") and n != "close"}
        assert seam <= called, f"not exercised: {seam - called}"
        checked = 0
        for sql in dict.fromkeys(" ".join(s.split()) for s in statements):
            if not sql.upper().startswith(("SELECT", "UPDATE", "DELETE")):
                continue
            plan = [row[3] for row in store.db.execute(f"EXPLAIN QUERY PLAN {sql}")]
            checked += 1
            # SCAN reads every row (or every index entry), SEARCH only those asked for.
            full_scans = [step for step in plan if re.match(rf"SCAN ({BIG_TABLES})\b", step)]
            if sql not in WHOLE_TABLE:
                assert not full_scans, f"{sql}\n  plan: {plan}"
        assert checked >= 15


def test_source_counts_take_two_queries_whatever_the_number_of_sources(big_store: Path) -> None:
    statements: list[str] = []
    with Store(big_store) as store:
        store.db.set_trace_callback(statements.append)
        statuses = store.source_statuses([f"Source {i:05d}" for i in range(400)] + ["Nobody"])
        store.db.set_trace_callback(None)
        expected = [
            store.db.execute(
                "SELECT count(*) FROM article_sources WHERE source = ?", (s.source,)
            ).fetchone()[0]
            for s in statuses
        ]
        newest = [
            store.db.execute(
                """SELECT max(a.collected_at) FROM articles a
                   JOIN article_sources s ON s.article_id = a.id WHERE s.source = ?""",
                (s.source,),
            ).fetchone()[0]
            for s in statuses
        ]
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 2
    # The last change (what `briefing sources` shows after an all-304 pass) comes with them.
    assert [s.last_change for s in statuses] == newest and newest[-1] is None
    assert [s.articles for s in statuses] == expected
    assert expected[0] > 40 and statuses[-1].articles == 0
    assert statuses[0].last_success == "2026-11-24" and statuses[-1].last_attempt is None


# --- retention (issue 15 item 5) ------------------------------------------------------------


def test_prune_drops_old_text_then_old_rows_and_never_an_unbriefed_article(
    tmp_path: Path,
) -> None:
    from bulk_store import fill

    path = tmp_path / "db.sqlite3"
    fill(path, articles=3_000, sources=30, days=300, words=400, last_day=date(2026, 11, 24))
    with Store(path) as store:
        store.add_articles("Source 00001", [article("Not briefed yet, and old news anyway.")])
        in_window = store.briefed_articles(date(2026, 11, 1))
        done = store.prune(text_before=date(2026, 8, 26), delete_before=date(2026, 3, 1))
        assert done.texts_dropped > 1_000 and done.articles_deleted > 300
        assert done.bytes_after < done.bytes_before * 0.6
        # A briefing inside the window keeps everything it needs.
        assert store.briefed_articles(date(2026, 11, 1)) == in_window
        assert all(a.text for a in in_window)
        # Older than text_days: title, link and summary stay; the text is gone.
        (old,) = store.briefed_articles(date(2026, 6, 1))[:1]
        assert old.text == "" and old.title and old.url
        assert old.id is not None and store.stored_summary(old.id) is not None
        # Still recognised if a feed sends it again (same GUID, same link).
        again = store.add_articles(old.source, [article("x", guid=old.guid, source=old.source)])
        assert (again.new, again.seen) == (0, 1)
        assert store.briefed_articles(date(2026, 2, 1)) == []
        assert [a.title for a in store.unbriefed_articles()] == ["T"]
        # The second prune only hands back free pages.
        assert int(store.db.execute("PRAGMA auto_vacuum").fetchone()[0]) == 2
        assert store.prune(text_before=date(2026, 8, 26), delete_before=None).texts_dropped == 0


def test_a_database_of_the_first_schema_is_migrated_with_its_briefings(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0])
    db.execute(
        "INSERT INTO briefings (briefing_date, created_at, outputs) VALUES (?, ?, ?)",
        ("2026-11-24", "2026-11-24T07:00:00+00:00", '["output/briefing-2026-11-24.md"]'),
    )
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    with Store(path) as store:
        record = store.briefing_record(date(2026, 11, 24))
        assert record is not None and record.outputs == ("output/briefing-2026-11-24.md",)
        assert record.digests == {} and record.generated_at is None
        plan = store.db.execute(
            "EXPLAIN QUERY PLAN SELECT count(*) FROM article_sources WHERE source = 'x'"
        ).fetchall()
        assert "article_sources_source" in plan[0][3]


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
