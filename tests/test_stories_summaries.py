"""What a reader sees in a story's summary: what happened first, each fact once, no page debris.

The fixtures in tests/data/story-summaries (see SOURCES.md there) tell one
event, a fuel spill that closes an airport runway, through three outlets that
reuse wire copy: each writes its own lead, the fire brigade's figures appear
word for word in all three, and two pages carry the site's navigation (a
breadcrumb line, a pager with its time stamp).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from test_stories import briefing_of, read_article

from briefing.models import Article, BriefingItem, Length, Story
from briefing.ranker import lead_index
from briefing.render import render_markdown
from briefing.stories import (
    StorySettings,
    build_stories,
    sentences_from_json,
    sentences_to_json,
    summarise_story,
)
from briefing.summarize import prepare_sentences, summarize_text
from briefing.text.clean import clean_text

SPILL = Path(__file__).parent / "data" / "story-summaries"
OUTLETS = {"harbour-post", "coast-wire", "north-ledger"}
DEBRIS = ("You are here", "::", "Previous", "Next >>", "09:25")


def spill_articles() -> list[Article]:
    return [read_article(p, p.parent.name) for p in sorted(SPILL.glob("*/*.txt"))]


@pytest.fixture(scope="module")
def items() -> list[BriefingItem]:
    return [
        BriefingItem(a, summarize_text(a.text, language="en", length=Length(3)))
        for a in spill_articles()
    ]


@pytest.fixture(scope="module")
def story(items: list[BriefingItem]) -> Story:
    stories = build_stories(items, settings=StorySettings(sentences=5))
    assert len(stories) == 1 and set(stories[0].sources) == OUTLETS
    return stories[0]


def lead_of(article: Article) -> str:
    sentences = prepare_sentences(article.text, "en")[1]
    index = lead_index(sentences, "en")
    assert index is not None
    return sentences[index]


def leads_quoted(story: Story) -> list[str]:
    leads = {lead_of(item.article) for item in story.items}
    return [s.text for s in story.sentences if s.text in leads]


def test_a_story_summary_opens_on_what_happened_not_on_a_detail(story: Story) -> None:
    # The fire brigade's figures are in all three reports, so they have the
    # most support; still the reader first reads what happened, from the
    # article the headline comes from.
    first = story.sentences[0]
    assert first.article is story.items[0].article
    assert first.text == lead_of(story.items[0].article)
    assert "12,000 litres" in first.text and "Tuesday" in first.text
    assert any("40 firefighters" in s.text for s in story.sentences[1:])
    # After the lead, the supporting facts come best first.
    rest = [s.score for s in story.sentences[1:]]
    assert rest == sorted(rest, reverse=True)


def test_two_outlets_leads_restating_the_spill_are_quoted_once(story: Story) -> None:
    # Each outlet's lead tells the spill in its own words around the same
    # place, day and figure ("Norderstedt", "Tuesday", "12,000 litres").
    assert len(leads_quoted(story)) == 1
    assert sum("12,000" in s.text for s in story.sentences) == 1
    assert sum("40 firefighters" in s.text for s in story.sentences) == 1  # wire copy, once


def test_a_sentence_with_figures_of_its_own_is_no_repeat() -> None:
    # Shared names alone do not make a repeat when the sentence brings new
    # figures: the departures cancelled are a fact of their own.
    sentences = summarise_story(spill_articles(), "en", StorySettings(sentences=6))
    assert any("46 departures" in s.text for s in sentences)


def test_no_breadcrumb_or_pager_reaches_a_summary(story: Story) -> None:
    quoted = [s.text for s in story.sentences]
    summaries = [item.summary for item in story.items if item.summary is not None]
    quoted += [s.text for summary in summaries for s in summary.sentences]
    assert quoted
    for text in quoted:
        assert not any(marker in text for marker in DEBRIS), text
    # The outlets' leads are still quoted whole, without the navigation.
    north = next(i.article for i in story.items if i.article.source == "north-ledger")
    assert lead_of(north).startswith("A tanker truck spilled 12,000 litres")


def test_a_story_never_quotes_a_line_without_final_punctuation() -> None:
    # A headline left in the text (no full stop) is not quoted, even at the
    # top of the article where the position prior is highest.
    articles = spill_articles()
    headline = "Travellers stranded as the fuel spill at the airport keeps its runway shut"
    menu = replace(articles[0], text=f"{headline}\n\n{articles[0].text}")
    sentences = summarise_story([menu, *articles[1:]], "en", StorySettings(sentences=5))
    assert sentences and all(s.text.rstrip()[-1] in ".!?”\"'»)" for s in sentences)
    assert not any(headline in s.text for s in sentences)


def test_a_time_stamp_or_credit_ending_on_a_bracket_is_not_quoted_as_the_lead() -> None:
    # As news sites print them above the story: a time stamp, a byline with
    # its agency. Ending on ")" does not make a line a sentence.
    articles = spill_articles()
    stamp = "7:42am (GMT)\n\nBy Jane Fielding (Press Association)"
    stamped = replace(articles[0], text=f"{stamp}\n\n{articles[0].text}")
    sentences = summarise_story([stamped, *articles[1:]], "en", StorySettings(sentences=5))
    assert sentences
    assert not any("7:42am" in s.text or "Fielding" in s.text for s in sentences)
    assert sentences[0].text in {lead_of(a) for a in articles}  # what happened, first
    alone = summarize_text(stamped.text, length=Length(sentences=3), language="en")
    assert not any("7:42am" in s.text or "Fielding" in s.text for s in alone.sentences)
    # Prose whose sentence closes inside the bracket is still a sentence.
    aside = "The runway reopened at noon. Flights resumed within the hour (the first at 12:40.)"
    assert any(s.text.endswith("12:40.)") for s in summarize_text(aside, language="en").sentences)


def test_site_navigation_lines_are_cleaned_and_prose_that_mentions_them_is_kept() -> None:
    assert clean_text("You are here: :: ::\nThe runway reopened.") == "The runway reopened."
    assert clean_text("Vous êtes ici : Accueil > Région\nLa piste a rouvert.") == (
        "La piste a rouvert."
    )
    assert clean_text("24.11.2026 09:25 << Previous | Next >> The runway reopened.") == (
        "The runway reopened."
    )
    kept = "The guide said: you are here, at the runway's end. A | B was the code."
    assert clean_text(kept) == kept


def test_the_markdown_briefing_reads_what_happened_first_and_no_navigation(
    items: list[BriefingItem],
) -> None:
    md = render_markdown(briefing_of(items))
    quoted = [line for line in md.splitlines() if line.startswith("> ") and " — [" in line]
    assert len(quoted) == 5
    # The first quoted sentence says what happened; the fire brigade's figures follow.
    assert quoted[0].startswith("> Norderstedt airport closed its only runway on Tuesday")
    assert quoted[0].endswith(
        "— [harbour-post](https://harbour-post.example/2026/11/24/norderstedt-runway-closed)"
    )
    assert any("40 firefighters" in line for line in quoted[1:])
    assert sum("12,000 litres" in line for line in quoted) == 1
    assert not any(marker in md for marker in ("You are here", "<< Previous", "Next >>"))


def test_a_summary_stored_by_earlier_rules_is_made_again() -> None:
    articles = [replace(a, id=k) for k, a in enumerate(spill_articles(), start=1)]
    made = summarise_story(articles, "en")
    stored = sentences_to_json(made)
    assert sentences_from_json(stored, articles) == made
    # Before the summary opened on its lead, rows had no "rules": not shown again.
    earlier = [{k: v for k, v in row.items() if k != "rules"} for row in json.loads(stored)]
    assert sentences_from_json(json.dumps(earlier), articles) is None
