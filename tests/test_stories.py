"""Stories: the same event from several sources is one entry with one summary.

The fixtures in tests/data/stories (see SOURCES.md there) tell one event, Rhine
shipping halted at Kaub, through three English outlets and one French one, plus
two storm warnings on different days; the Wikinews articles of tests/data/render
are the rest of the day.
"""

from __future__ import annotations

import json
import random
import re
import sqlite3
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from briefing.config import load_config
from briefing.documents import parse_date, split_front_matter
from briefing.errors import ConfigError
from briefing.models import Article, Briefing, BriefingItem, Length
from briefing.pipeline import RunOptions, run_briefing
from briefing.render import render_html, render_json, render_markdown, render_text
from briefing.stories import StorySettings, build_stories, group_articles, summarise_story
from briefing.summarize import summarize_text

DATA = Path(__file__).parent / "data"
STORIES = DATA / "stories"
SCHEMA = Path(__file__).parent.parent / "docs" / "briefing.schema.json"
DAY = date(2026, 11, 23)
RHINE = {"river-daily", "freight-wire", "business-desk"}


def read_article(path: Path, source: str) -> Article:
    meta, body = split_front_matter(path.read_text(encoding="utf-8"))
    title = meta.get("title")
    if title is None:
        title, _, body = body.partition("\n\n")
    return Article(
        title=title.strip(),
        text=body.strip(),
        source=source,
        url=meta.get("url"),
        published=parse_date(meta.get("date")),
        language=meta.get("language"),
        id=None,
    )


def day_articles() -> list[Article]:
    articles = [read_article(p, p.parent.name) for p in sorted(STORIES.glob("*/*.txt"))]
    articles += [read_article(p, "Wikinews") for p in sorted((DATA / "render").glob("*.txt"))]
    return articles


def summarised(articles: list[Article]) -> list[BriefingItem]:
    return [
        BriefingItem(a, summarize_text(a.text, language=a.language or "auto", length=Length(3)))
        for a in articles
    ]


@pytest.fixture(scope="module")
def items() -> list[BriefingItem]:
    return summarised(day_articles())


def sources_of(group: list[int], articles: list[Article]) -> set[str]:
    return {articles[i].source for i in group}


# --- grouping ---------------------------------------------------------------------


def test_one_event_from_three_outlets_is_one_story_and_the_rest_stay_apart() -> None:
    articles = day_articles()
    languages = [a.language or "en" for a in articles]
    groups = group_articles(articles, languages)
    assert RHINE in [sources_of(g, articles) for g in groups]
    assert sorted(len(g) for g in groups) == [1] * (len(articles) - 3) + [3]


def test_shuffled_input_gives_the_same_stories() -> None:
    articles = day_articles()

    def stories(order: list[int]) -> set[frozenset[str]]:
        chosen = [articles[i] for i in order]
        groups = group_articles(chosen, [a.language or "en" for a in chosen])
        return {frozenset(chosen[i].url or "" for i in g) for g in groups}

    first = stories(list(range(len(articles))))
    for seed in range(3):
        order = list(range(len(articles)))
        random.Random(seed).shuffle(order)
        assert stories(order) == first


def test_a_story_never_mixes_languages() -> None:
    articles = day_articles()
    groups = group_articles(articles, [a.language or "en" for a in articles])
    french = next(i for i, a in enumerate(articles) if a.source == "journal-du-fleuve")
    assert [french] in groups  # the same event in French stays its own story


def test_storm_warnings_on_different_days_are_two_stories() -> None:
    articles = day_articles()
    alerts = [a for a in articles if a.source == "weather-desk"]
    assert len(alerts) == 2
    assert sorted(group_articles(alerts, ["en", "en"])) == [[0], [1]]
    # Their wording is alike (one template): even at a threshold low enough to
    # join them, the publication window keeps two days' alerts apart.
    loose = StorySettings(threshold=0.1, min_shared_names=0)
    assert sorted(group_articles(alerts, ["en", "en"], loose)) == [[0], [1]]
    no_window = StorySettings(threshold=0.1, min_shared_names=0, window_hours=24 * 365)
    assert [sorted(g) for g in group_articles(alerts, ["en", "en"], no_window)] == [[0, 1]]


def test_remembered_words_give_the_same_terms_as_stemming_each_afresh() -> None:
    # The stage stems each word of the day once and remembers it; what it
    # remembers must never change an article's terms, in either language,
    # whether the word is new, seen before, a stop word, or the memo restarts.
    from briefing import stories
    from briefing.ranker import content_terms, stop_words

    for language, text in (
        ("en", "The barges waited at Kaub; the barges' crews said the river fell again."),
        ("fr", "Les péniches attendent à Kaub : les équipages disent que le Rhin baisse encore."),
    ):
        words = stories._words(text)
        stops = stop_words(language)
        expected = [t for w in words for t in content_terms(w, stops, language)[:1]]
        memo = stories._Terms(language)
        assert memo.terms(words) == expected  # every word new
        assert memo.terms(words) == expected  # every word remembered
        assert memo.terms(words[::-1]) == expected[::-1]
        memo._memo = {str(i): None for i in range(stories._MEMO_LIMIT + 1)}
        assert memo.terms(words) == expected  # past the bound the memo starts afresh
        assert len(memo._memo) < stories._MEMO_LIMIT


# --- one summary per story ---------------------------------------------------------


def test_a_story_summary_quotes_its_sources_verbatim_and_says_which() -> None:
    articles = [a for a in day_articles() if a.source in RHINE]
    sentences = summarise_story(articles, "en", StorySettings(sentences=5))
    assert len(sentences) == 5
    for s in sentences:
        assert " ".join(s.text.split()) in " ".join(s.article.text.split())
        assert s.article in articles and s.article.url
    assert len({s.article.source for s in sentences}) >= 2
    # "About 140 barges" is in all three reports: quoted once.
    assert sum("140 barges" in s.text for s in sentences) <= 1


def test_stories_come_in_reading_order_and_single_articles_keep_their_summary(
    items: list[BriefingItem],
) -> None:
    order = ["Wikinews", "weather-desk", "business-desk", "freight-wire", "river-daily"]
    stories = build_stories(items, source_order=order)
    assert stories[0].source_count == 3 and set(stories[0].sources) == RHINE
    assert stories[0].headline in {i.article.title for i in stories[0].items}
    assert stories[0].headline == stories[0].items[0].article.title
    singles = stories[1:]
    assert [s.items[0].article.source for s in singles[:4]] == ["Wikinews"] * 4
    for story in singles:
        item = story.items[0]
        assert item.summary is not None
        assert [s.text for s in story.sentences] == [s.text for s in item.summary.sentences]
    assert sum(len(s.items) for s in stories) == len(items)


def test_a_source_that_opts_out_and_a_disabled_stage_keep_one_entry_per_article(
    items: list[BriefingItem],
) -> None:
    opted = build_stories(items, opted_out=frozenset({"freight-wire"}))
    assert {frozenset(s.sources) for s in opted if len(s.items) > 1} == {
        frozenset({"river-daily", "business-desk"})
    }
    off = build_stories(items, settings=StorySettings(enabled=False))
    assert len(off) == len(items) and all(len(s.items) == 1 for s in off)


# --- rendering -------------------------------------------------------------------------


def briefing_of(items: list[BriefingItem]) -> Briefing:
    from datetime import UTC, datetime

    stories = build_stories(items)
    return Briefing(
        title="Morning briefing",
        date=DAY,
        generated_at=datetime(2026, 11, 23, 13, 0, tzinfo=UTC),
        items=tuple(items),
        sources=tuple(dict.fromkeys(i.article.source for i in items)),
        stories=stories,
    )


def test_markdown_shows_the_story_its_sources_and_where_each_sentence_comes_from(
    items: list[BriefingItem],
) -> None:
    briefing = briefing_of(items)
    md = render_markdown(briefing)
    story = briefing.stories[0]
    assert f"## {story.headline}" in md
    assert "Reported by 3 sources:" in md
    for member in story.items:
        assert f"[{member.article.title}]({member.article.url})" in md
    for s in story.sentences:
        assert f"— [{s.article.source}]({s.article.url})" in md
    stories, articles = len(briefing.stories), len(items)
    assert f"{stories} stories from {articles} articles, 6 sources" in md
    assert md.count("## ") == stories


def test_html_and_email_list_stories_with_linked_sources(items: list[BriefingItem]) -> None:
    briefing = briefing_of(items)
    html = render_html(briefing)
    story = briefing.stories[0]
    contents = html.split('<nav class="toc', 1)[1].split("</nav>", 1)[0]
    assert contents.count("<li><a href=") == len(briefing.stories)
    assert "3 sources</a></li>" in contents
    assert '<article class="item story"' in html
    for member in story.items:
        assert f'<a href="{member.article.url}">' in html
    text = render_text(briefing)
    assert "Reported by 3 sources:" in text
    for s in story.sentences:
        assert f"• {' '.join(s.text.split())} ({s.article.source})" in text


def test_a_hostile_headline_in_a_story_is_escaped(items: list[BriefingItem]) -> None:
    from dataclasses import replace

    hostile = [
        replace(i, article=replace(i.article, title="<script>x</script> [a](javascript:1)"))
        if i.article.source == "freight-wire"
        else i
        for i in items
    ]
    briefing = briefing_of(hostile)
    html = render_html(briefing)
    assert "<script>x" not in html and "&lt;script&gt;" in html
    md = render_markdown(briefing)
    assert "&lt;script" in md and "<script>" not in md
    assert not re.search(r"(?<!\\)\]\(javascript:", md)


# --- the machine-readable briefing ----------------------------------------------------


def validate(instance: Any, schema: dict[str, Any], root: dict[str, Any], path: str = "$") -> None:
    """A small JSON Schema (2020-12) checker for the keywords docs/briefing.schema.json uses."""
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/$defs/")
        validate(instance, root["$defs"][name], root, path)
    for part in schema.get("allOf", []):
        validate(instance, part, root, path)
    kinds = schema.get("type")
    if kinds is not None:
        names = kinds if isinstance(kinds, list) else [kinds]
        checks = {
            "object": lambda v: isinstance(v, dict),
            "array": lambda v: isinstance(v, list),
            "string": lambda v: isinstance(v, str),
            "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
            "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
            "boolean": lambda v: isinstance(v, bool),
            "null": lambda v: v is None,
        }
        assert any(checks[n](instance) for n in names), f"{path}: not {kinds}: {instance!r}"
    if "const" in schema:
        assert instance == schema["const"], f"{path}: not {schema['const']!r}"
    if "minimum" in schema:
        assert instance >= schema["minimum"], f"{path}: below {schema['minimum']}"
    if "pattern" in schema:
        assert re.search(schema["pattern"], instance), f"{path}: does not match"
    if isinstance(instance, dict):
        for key in schema.get("required", []):
            assert key in instance, f"{path}: {key} missing"
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for key, value in instance.items():
            if key in properties:
                validate(value, properties[key], root, f"{path}.{key}")
            elif extra is False:
                raise AssertionError(f"{path}: unexpected {key}")
            elif isinstance(extra, dict):
                validate(value, extra, root, f"{path}.{key}")
    if isinstance(instance, list):
        assert len(instance) >= schema.get("minItems", 0), f"{path}: too few items"
        for i, value in enumerate(instance):
            if "items" in schema:
                validate(value, schema["items"], root, f"{path}[{i}]")


def test_the_schema_checker_rejects_what_the_schema_forbids() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    with pytest.raises(AssertionError, match="title missing"):
        validate({"version": 1}, schema, schema)
    bad_sentence = {"text": "x", "article": -1, "index": 0, "score": 1.0, "components": {}}
    with pytest.raises(AssertionError, match="below 0"):
        validate(bad_sentence, schema["$defs"]["sentence"], schema)


def story_config(write_config: Callable[..., Path], tmp_path: Path, extra: str = "") -> Path:
    import shutil

    for name in ("river-daily", "freight-wire", "business-desk", "weather-desk"):
        shutil.copytree(STORIES / name, tmp_path / name)
    sources = "".join(
        f'[[sources]]\nname = "{name}"\nfolder = "{name}"\n'
        + (extra if name == "weather-desk" else "")
        for name in ("weather-desk", "river-daily", "freight-wire", "business-desk")
    )
    return write_config(f'formats = ["md", "json"]\n{sources}')


def test_a_run_writes_json_that_matches_the_schema_and_the_markdown(
    write_config: Callable[..., Path], tmp_path: Path
) -> None:
    config = load_config(story_config(write_config, tmp_path))
    result = run_briefing(config, RunOptions(day=DAY))
    paths = {p.suffix: p for p in result.outputs}
    assert paths[".json"].name == "briefing-2026-11-23.json"
    data = json.loads(paths[".json"].read_text(encoding="utf-8"))
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validate(data, schema, schema)
    assert data["counts"] == {
        "stories": 3,
        "articles": 5,
        "sources": 4,
        "not_summarised": 0,
        "failed_sources": 0,
        "skipped": 0,
        "warnings": 0,
    }
    story = data["stories"][0]
    assert set(story["sources"]) == RHINE and len(story["articles"]) == 3
    md = paths[".md"].read_text(encoding="utf-8")
    assert "3 stories from 5 articles, 4 sources" in md
    for sentence in story["sentences"]:
        article = story["articles"][sentence["article"]]
        assert article["url"].startswith("https://")
        assert sentence["text"] in md.replace("\\", "")
    assert render_json(result.briefing) == paths[".json"].read_text(encoding="utf-8")


def test_a_second_run_adds_a_new_report_to_its_story_and_reuses_unchanged_summaries(
    write_config: Callable[..., Path], tmp_path: Path
) -> None:
    config = load_config(story_config(write_config, tmp_path))
    first = run_briefing(config, RunOptions(day=DAY))
    rhine = first.briefing.stories[0]
    # A stored summary is used again while the members stay: mark it to see it come back.
    with sqlite3.connect(config.database_path) as db:
        (stored,) = db.execute("SELECT sentences FROM story_summaries").fetchone()
        marked = json.loads(stored)
        marked[0]["score"] = 123.0
        db.execute("UPDATE story_summaries SET sentences = ?", (json.dumps(marked),))
    again = run_briefing(config, RunOptions(day=DAY))
    assert again.briefing.stories[0].key == rhine.key
    assert again.briefing.stories[0].sentences[0].score == 123.0
    # A new report of the same event joins the story, whose summary is made afresh.
    (tmp_path / "freight-wire" / "kaub-update.txt").write_text(
        "---\ntitle: Barges still stranded at Kaub as the Rhine gauge holds at 24 centimetres\n"
        "url: https://freight-wire.example/news/kaub-update\ndate: 2026-11-23T15:00:00+00:00\n"
        "---\nAbout 140 barges remained stranded between Mainz and Koblenz on Monday evening, "
        "with the Kaub gauge still at 24 centimetres, the waterways office in Bingen said.\n\n"
        "Henrike Vogt of the waterways office said no traffic would move on the middle Rhine "
        "before heavy rain fell in the Alps, and that none was forecast this week.\n",
        encoding="utf-8",
    )
    third = run_briefing(config, RunOptions(day=DAY))
    story = third.briefing.stories[0]
    assert len(story.items) == 4 and story.key != rhine.key
    assert all(s.score != 123.0 for s in story.sentences)


def test_stories_config_is_read_and_checked(
    write_config: Callable[..., Path], tmp_path: Path
) -> None:
    path = story_config(write_config, tmp_path, extra="stories = false\n")
    text = path.read_text(encoding="utf-8") + "[stories]\nthreshold = 0.3\nsentences = 4\n"
    config = load_config(write_config(text))
    assert config.stories.threshold == 0.3 and config.stories.sentences == 4
    assert config.stories.enabled
    assert [s.stories for s in config.sources] == [False, True, True, True]
    for bad, key in (
        ("[stories]\nthreshold = 1.5\n", "stories.threshold"),
        ("[stories]\nsentences = 0\n", "stories.sentences"),
        ("[stories]\nenabled = 'yes'\n", "stories.enabled"),
        ("[stories]\nthreshhold = 0.2\n", "stories.threshhold"),
    ):
        with pytest.raises(ConfigError, match=re.escape(key)):
            load_config(write_config(bad))


def test_with_stories_disabled_the_briefing_has_one_entry_per_article(
    write_config: Callable[..., Path], tmp_path: Path
) -> None:
    path = story_config(write_config, tmp_path)
    config = load_config(write_config(path.read_text() + "[stories]\nenabled = false\n"))
    result = run_briefing(config, RunOptions(day=DAY))
    assert all(len(s.items) == 1 for s in result.briefing.stories)
    md = next(p for p in result.outputs if p.suffix == ".md").read_text(encoding="utf-8")
    assert "5 articles from 4 sources" in md and "Reported by" not in md


def test_the_pdf_bookmarks_and_contents_list_stories(
    write_config: Callable[..., Path], tmp_path: Path
) -> None:
    from pypdf import PdfReader

    path = story_config(write_config, tmp_path)
    config = load_config(write_config(path.read_text().replace('["md", "json"]', '["pdf"]')))
    result = run_briefing(config, RunOptions(day=DAY))
    reader = PdfReader(result.outputs[0])
    section, entries = reader.outline
    assert section.title == "Articles"
    titles = [entry.title for entry in entries]
    assert titles == [story.headline for story in result.briefing.stories]
    first_page = reader.pages[0].extract_text()
    assert "3 stories from 5 articles, 4 sources" in first_page
    assert "3 sources" in first_page


def test_past_the_cap_the_newest_articles_are_grouped_and_none_is_lost(
    items: list[BriefingItem],
) -> None:
    stories = build_stories(items, settings=StorySettings(max_grouped=2))
    assert sum(len(s.items) for s in stories) == len(items)
    # The two newest are the business desk's report (12:05) and the French one (10:30).
    assert all(len(s.items) == 1 for s in stories)
    # The four newest leave out River Daily (06:40): its report stays on its own.
    capped = build_stories(items, settings=StorySettings(max_grouped=4))
    assert [set(s.sources) for s in capped if len(s.items) > 1] == [
        {"business-desk", "freight-wire"}
    ]
    assert sum(len(s.items) for s in capped) == len(items)


def test_a_grouping_failure_costs_the_stories_not_the_briefing(
    write_config: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import briefing.stories

    def broken(*args: object) -> None:
        raise RuntimeError("a bug in grouping")

    monkeypatch.setattr(briefing.stories, "_grouping", broken)
    config = load_config(story_config(write_config, tmp_path))
    result = run_briefing(config, RunOptions(day=DAY))
    assert len(result.briefing.stories) == 5
    md = next(p for p in result.outputs if p.suffix == ".md").read_text(encoding="utf-8")
    assert md.count("\n## ") == 5


def test_a_french_briefing_names_stories_and_sources_in_french(items: list[BriefingItem]) -> None:
    from dataclasses import replace

    from briefing.render import render_email_html

    briefing = replace(briefing_of(items), language="fr")
    md = render_markdown(briefing)
    assert "Rapporté par 3 sources" in md
    assert f"{len(briefing.stories)} sujets de {len(items)} articles, 6 sources" in md
    email = render_email_html(briefing)
    assert "Rapporté par" in email
    for s in briefing.stories[0].sentences:
        assert f'<a href="{s.article.url}" style="color:#1f4e79;">{s.article.source}</a>' in email


def test_the_json_lists_articles_not_summarised_and_failed_sources_per_the_schema(
    write_config: Callable[..., Path], tmp_path: Path
) -> None:
    path = story_config(write_config, tmp_path)
    (tmp_path / "river-daily" / "debris.txt").write_text("Comment (0)\n\nShare this\n")
    text = path.read_text() + '[[sources]]\nname = "Gone"\nfolder = "no-such-folder"\n'
    result = run_briefing(load_config(write_config(text)), RunOptions(day=DAY))
    data = json.loads(next(p for p in result.outputs if p.suffix == ".json").read_text())
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validate(data, schema, schema)
    assert data["counts"]["not_summarised"] == len(data["not_summarised"]) == 1
    assert data["not_summarised"][0]["source"] == "river-daily"
    assert data["not_summarised"][0]["error"]
    assert [f["source"] for f in data["failures"]] == ["Gone"]
    assert data["counts"]["failed_sources"] == 1 and data["counts"]["articles"] == 6


def test_the_stage_stems_no_word_the_summariser_already_stemmed() -> None:
    # One stemming memo per language for the whole process: a CLI run
    # summarises the day's articles, then groups them, reading the same words.
    from briefing import ranker, stories

    for language, text in (
        ("en", "Barge operators halted shipments as the Rhine kept falling at Kaub."),
        ("fr", "Les transporteurs suspendent les livraisons tandis que le Rhin baisse."),
    ):
        ranker.ranking([text, text.upper()], language=language)
        memo = ranker._stem_memo(language)
        known = len(memo._memo)
        terms = stories._Terms(language).terms(stories._words(text))
        assert terms and len(memo._memo) == known
        stops = ranker.stop_words(language)
        words = stories._words(text)
        assert terms == [ranker.stem(w, language) for w in words if w not in stops]


def test_names_and_figures_are_the_plain_rules_matches() -> None:
    # The fast expression must find exactly what the plain rule does.
    import re

    from briefing import stories

    plain = re.compile(r"\b(?:[A-ZÀ-ÖØ-Þ][\w’'-]*\w|[A-ZÀ-ÖØ-Þ])\b|\d[\d,.]*\d|\d")
    for text in (
        "Jean-Luc Martin met O'Neil in Paris on 11 March 2026; $55bn, 3.4% and 1,000.",
        "A1 b2C Zoë's É-cole x-Ray 12-4 ABC- _Nice_ 5. 6,  ßX Ü",
        "L'Élysée a dit «Non» ; 2004-Smith, mars, Œuvre and ÀB9.",
    ):
        assert stories._NAME.findall(text) == plain.findall(text)
