"""Stories grouped with the store's history: the idf counts earlier briefings' articles too.

One day's articles make a noisy idf: a big story's words look common in its
own day. The stage counts its document frequencies over the day's articles
and the store's articles of earlier briefings (never the day's own). The
fixtures: tests/data/stories (the Rhine stopped at Kaub, storm warnings) and
tests/data/stories-history (a week of the same desks' earlier reports, and a
short fourth report of the Kaub event); see SOURCES.md in each.
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from test_stories import DAY, RHINE, STORIES, read_article

from briefing import stories
from briefing.config import load_config
from briefing.models import Article, Summary
from briefing.pipeline import RunOptions, RunResult, run_briefing
from briefing.store import Store

HISTORY = Path(__file__).parent / "data" / "stories-history"
SOURCES = ("weather-desk", "river-daily", "freight-wire", "business-desk", "harbour-radio")
THE_WEEK_BEFORE = date(2026, 11, 21)


def _config(write_config: Callable[..., Path], root: Path) -> Path:
    for name in SOURCES:
        (root / name).mkdir(parents=True)
    sources = "".join(f'[[sources]]\nname = "{n}"\nfolder = "{root / n}"\n' for n in SOURCES)
    return write_config(
        f'formats = ["md", "json"]\noutput_dir = "{root / "out"}"\n{sources}',
        name=f"{root.name}.toml",
    )


def _add_day(root: Path) -> None:
    for folder in [*STORIES.iterdir(), *(HISTORY / "day").iterdir()]:
        if folder.is_dir() and folder.name in SOURCES:
            shutil.copytree(folder, root / folder.name, dirs_exist_ok=True)


def _kaub_story_sources(result: RunResult) -> list[set[str]]:
    return [
        {i.article.source for i in s.items}
        for s in result.briefing.stories
        if any("Kaub" in i.article.title for i in s.items)
    ]


def test_a_report_in_other_words_joins_its_story_once_the_store_has_a_history(
    write_config: Callable[..., Path], tmp_path: Path
) -> None:
    # A store that briefed the desks' reports of the week before ...
    seasoned = tmp_path / "seasoned"
    config = load_config(_config(write_config, seasoned))
    for folder in (HISTORY / "earlier").iterdir():
        shutil.copytree(folder, seasoned / folder.name, dirs_exist_ok=True)
    earlier = run_briefing(config, RunOptions(day=THE_WEEK_BEFORE))
    assert earlier.briefing.article_count == 10
    _add_day(seasoned)
    with_history = run_briefing(config, RunOptions(day=DAY))
    # ... and a new store that has only the day.
    fresh = tmp_path / "fresh"
    fresh_config = load_config(_config(write_config, fresh))
    _add_day(fresh)
    day_alone = run_briefing(fresh_config, RunOptions(day=DAY))

    assert with_history.briefing.article_count == day_alone.briefing.article_count == 6
    # The day alone: the short report's beat words ("shippers", "cargo", "rail")
    # weigh as much as the event's, and the reader gets the event twice.
    assert sorted(map(sorted, _kaub_story_sources(day_alone))) == [
        ["business-desk", "freight-wire", "river-daily"],
        ["harbour-radio"],
    ]
    # With the history those words are the desks' everyday ones: one story, four sources.
    assert _kaub_story_sources(with_history) == [RHINE | {"harbour-radio"}]
    for result, cover in ((with_history, "3 stories"), (day_alone, "4 stories")):
        markdown = next(p for p in result.outputs if p.suffix == ".md").read_text("utf-8")
        assert f"{cover} from 6 articles, 5 sources" in markdown
    # Two days' storm warnings stay two stories, history or not.
    for result in (with_history, day_alone):
        alerts = [s for s in result.briefing.stories if s.items[0].article.source == "weather-desk"]
        assert [len(s.items) for s in alerts] == [1, 1]


def _article(n: int, when: str = "2026-11-20T08:00:00+00:00") -> Article:
    return Article(
        title=f"Report {n}",
        text=f"Report number {n} of the desk, about the harbour {n}. " * 3,
        source="desk",
        url=f"https://desk.example/{n}",
        published=datetime.fromisoformat(when),
    )


def test_the_history_is_earlier_briefings_never_the_days_own(tmp_path: Path) -> None:
    with Store(tmp_path / "briefing.sqlite3") as store:
        store.add_articles("desk", [_article(n) for n in range(8)])
        by_url = {a.url: a.id for a in store.unbriefed_articles()}
        ids = {n: by_url[f"https://desk.example/{n}"] for n in range(8)}
        store.mark_briefed([ids[0]], date(2026, 10, 1))  # too long ago
        store.mark_briefed([ids[1]], date(2026, 11, 16))
        store.mark_briefed([ids[2], ids[3]], date(2026, 11, 22))
        store.mark_briefed([ids[4]], DAY)  # the day's own, from an earlier run of the day
        store.mark_briefed([ids[5]], date(2026, 11, 24))  # a later briefing
        # ids[6] and ids[7]: collected before the day, in no briefing yet: the day's own too.
        store.save_summaries([(ids[1], Summary("fr", "default", (), 0))])

        history = store.background_articles(DAY, limit=10, days=30, chars=25)
        assert [a.id for a in history] == [ids[3], ids[2], ids[1]]  # newest first
        assert all(len(a.text) == 25 for a in history)  # only what the channels read
        assert history[-1].language == "fr"  # the language its summary was made in
        assert [a.id for a in store.background_articles(DAY, limit=2, days=30, chars=25)] == [
            ids[3],
            ids[2],
        ]
        # Every run of the date reads the same history, whatever came in since.
        store.add_articles("desk", [_article(9)])
        assert store.background_articles(DAY, limit=10, days=30, chars=25) == history
        # A text the retention dropped is no history.
        store.prune(text_before=date(2026, 11, 20), delete_before=None, vacuum=False)
        assert [a.id for a in store.background_articles(DAY, limit=10, days=30, chars=25)] == [
            ids[3],
            ids[2],
        ]


def test_the_history_counts_the_same_terms_as_the_days_channels() -> None:
    # The history is read for its document frequencies only, set by set: the
    # terms must be those of the channels the day's articles are compared on.
    articles = [read_article(p, p.parent.name) for p in sorted(STORIES.glob("*/*.txt"))]
    articles += [read_article(p, p.parent.name) for p in sorted(HISTORY.glob("*/*/*.txt"))]
    settings = stories.DEFAULT_SETTINGS
    background = stories.background_of(articles, settings)
    assert background.size == len(articles)
    channels = [stories._channels(a, a.language or "en", settings) for a in articles]
    for name in ("title", "lead", "body", "names"):
        expected = Counter(t for c in channels for t in set(getattr(c, name)))
        assert background.of(name) == dict(expected), name
    assert stories.background_of([], settings) is stories.NO_BACKGROUND


def test_without_a_history_the_grouping_is_the_days_alone() -> None:
    articles = [read_article(p, p.parent.name) for p in sorted(STORIES.glob("*/*.txt"))]
    languages = [a.language or "en" for a in articles]
    empty = stories.background_of([])
    assert stories.group_articles(articles, languages, background=empty) == (
        stories.group_articles(articles, languages)
    )
