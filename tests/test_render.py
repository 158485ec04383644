"""Markdown, HTML and plain-text rendering: content, template overrides, hostile input."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import markdown
import pytest
import sample_briefing as samples

from briefing.errors import RenderError
from briefing.models import Article, Briefing, BriefingItem
from briefing.render import (
    escape_markdown,
    render_email_html,
    render_html,
    render_markdown,
    render_text,
    sanitize_html,
)

HOSTILE_TITLE = (
    "<script>alert(1)</script> [click](javascript:alert(1)) ![x](http://evil.test/t.png) "
    '<img src="file:///etc/passwd"> **bold** `code`'
)


def hostile_briefing() -> Briefing:
    base = samples.make_briefing(1)
    item = base.items[0]
    article = replace(
        item.article,
        title=HOSTILE_TITLE,
        source="# Evil\n\n<iframe src=http://evil.test>",
        url="javascript:alert(1)",
        attribution="</p><style>body{background:url(http://evil.test/x)}</style>",
    )
    sentences = [
        replace(s, text="> quoted\n# heading\n[a](javascript:x) <b onclick=x>hi</b> &lt;script&gt;")
        for s in item.summary.sentences
    ]
    summary = replace(item.summary, sentences=tuple(sentences))
    return replace(base, items=(BriefingItem(article=article, summary=summary),))


def test_markdown_shows_everything_a_reader_needs() -> None:
    briefing = samples.make_briefing(4, failed_items=1, failures=1)
    text = render_markdown(briefing)
    assert text.startswith("# Morning briefing — 6 May 2024")
    assert "5 articles from 2 sources" in text
    first, sentences = samples.sample_articles()[0]
    assert f"## {first.title}" in text
    assert "Source: Wikinews (en)" in text
    assert "Published: 6 May 2024, 04:00 UTC" in text
    assert f"<{first.url}>" in text
    # Key sentences are quoted verbatim (apostrophes and all).
    for sentence in sentences:
        assert f"> {sentence}" in text
    # Wikinews is CC BY 2.5: the attribution line must be printed with the article.
    assert "From Wikinews, the free news source you can write!" in text
    assert "## Articles that could not be summarised" in text
    assert "the article has no readable sentences" in text
    assert "## Sources that could not be read" in text
    assert "**Broken feed 1**: connection refused by example.org" in text


def test_nothing_new_is_said_plainly() -> None:
    briefing = replace(samples.make_briefing(0), nothing_new=True)
    for output in (render_markdown(briefing), render_text(briefing), render_html(briefing)):
        assert "Nothing new since the last briefing." in output


def test_french_briefing_uses_french_labels() -> None:
    briefing = samples.make_briefing(2, language="fr", failures=1)
    text = render_markdown(briefing)
    assert "6 mai 2024" in text
    assert "2 articles de 2 sources" in text
    assert "Sources illisibles" in text
    assert '<html lang="fr">' in render_html(briefing)


def test_markdown_of_hostile_article_renders_as_inert_text() -> None:
    text = render_markdown(hostile_briefing())
    html = markdown.markdown(text)
    for forbidden in (
        "<script",
        "<img",
        "<iframe",
        "<style",
        'href="javascript:',
        "<b ",
        "<strong>bold",
        "<code>",
        'src="http://evil.test',
    ):
        assert forbidden not in html, forbidden
    # The words are still there for the reader, just not as markup.
    assert "alert(1)" in html
    assert "# heading" in html  # not turned into a heading: the sentence is one escaped line
    assert "<h1>Evil" not in html


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("# Title", "\\# Title"),
        ("1. first", "1\\. first"),
        ("[a](javascript:x)", "\\[a\\](javascript:x)"),
        ("<b>", "\\<b\\>"),
        ("AT&T &amp;", "AT&T \\&amp;"),
        ("line\nbreak\r\n> quote", "line break \\> quote"),
        ("a\x00b\x1bc", "a b c"),
    ],
)
def test_escape_markdown(raw: str, expected: str) -> None:
    assert escape_markdown(raw) == expected


def test_html_is_escaped_and_only_web_links_are_kept() -> None:
    page = render_html(hostile_briefing())
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'href="javascript:' not in page
    assert "<iframe" not in page and "<style>body{background:url(http://evil" not in page
    assert "<b onclick" not in page
    email_html = render_email_html(hostile_briefing())
    assert "<script>alert" not in email_html and 'href="javascript:' not in email_html


def test_sanitize_html_keeps_text_markup_only() -> None:
    dirty = (
        '<p onclick="x">Hi <a href="javascript:alert(1)">js</a> <a href="https://ok.test/">ok</a>'
        '<img src="file:///etc/passwd"><script>alert(1)</script><style>p{}</style></p>'
    )
    clean = sanitize_html(dirty)
    assert "onclick" not in clean and "<img" not in clean and "<script" not in clean
    assert "javascript:" not in clean and "<style" not in clean
    assert 'href="https://ok.test/"' in clean
    assert "<p>Hi" in clean


def test_very_long_sentence_is_cut_visibly() -> None:
    base = samples.make_briefing(1)
    item = base.items[0]
    long = replace(item.summary.sentences[0], text="word " * 5000)
    summary = replace(item.summary, sentences=(long,))
    briefing = replace(base, items=(replace(item, summary=summary),))
    text = render_markdown(briefing)
    assert len(text) < 4000
    assert "word word […]</p>" in markdown.markdown(text)


def test_text_body_lists_articles_with_links() -> None:
    text = render_text(samples.make_briefing(2, failures=1))
    assert "Morning briefing — 6 May 2024" in text
    assert "1. Four NBA players suspended indefinitely for brawl" in text
    assert "https://en.wikinews.org/wiki/Four_NBA_players_suspended_indefinitely_for_brawl" in text
    assert "Broken feed 1: connection refused by example.org" in text


def test_user_template_can_replace_one_block_of_the_default(tmp_path: Path) -> None:
    (tmp_path / "briefing.md.j2").write_text(
        '{% extends "default:briefing.md.j2" %}{% block footer %}\nCustom footer\n{% endblock %}',
        encoding="utf-8",
    )
    text = render_markdown(samples.make_briefing(1), templates=tmp_path)
    assert text.rstrip().endswith("Custom footer")
    assert "## Four NBA players suspended indefinitely for brawl" in text


def test_templates_next_to_the_config_are_used(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "email.txt.j2").write_text(
        "Hello {{ briefing.title }}", encoding="utf-8"
    )
    assert render_text(samples.make_briefing(1), config_dir=tmp_path) == "Hello Morning briefing"


def test_missing_template_names_the_searched_folders(tmp_path: Path) -> None:
    (tmp_path / "briefing.md.j2").write_text('{% extends "nowhere.md.j2" %}', encoding="utf-8")
    with pytest.raises(RenderError) as caught:
        render_markdown(samples.make_briefing(1), templates=tmp_path)
    assert "nowhere.md.j2" in str(caught.value)
    assert str(tmp_path) in str(caught.value)


def test_article_without_url_or_summary_is_still_listed() -> None:
    article = Article(title="Untitled note", text="x", source="Local files")
    briefing = replace(
        samples.make_briefing(0),
        items=(BriefingItem(article=article, summary=None, error="empty document"),),
    )
    text = render_markdown(briefing)
    assert "- Untitled note (Local files): empty document" in text


def test_a_bare_publication_date_shows_no_invented_time() -> None:
    from datetime import datetime

    from briefing.render import format_datetime

    assert (
        format_datetime(datetime(2004, 12, 31), "en")
        == format_datetime(datetime(2004, 12, 31), "en").split(",")[0]
    )
    assert "00:00" not in format_datetime(datetime(2004, 12, 31), "fr")
    assert "12:30" in format_datetime(datetime(2004, 12, 31, 12, 30), "en")
