"""Markdown, HTML and plain-text rendering: content, template overrides, hostile input."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import markdown
import pytest
import sample_briefing as samples

from briefing.errors import RenderError
from briefing.models import Article, Briefing, BriefingItem, SourceFailure
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
    assert f"## [{first.title}]({first.url})" in text
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


def all_outputs(briefing: Briefing) -> list[str]:
    return [
        render_markdown(briefing),
        render_text(briefing),
        render_html(briefing),
        render_email_html(briefing),
    ]


def test_an_empty_first_briefing_says_no_articles_yet() -> None:
    # The first run of an empty folder: nothing was briefed before, so
    # "nothing new since the last briefing" would be false.
    briefing = replace(samples.make_briefing(0), nothing_new=True)
    for output in all_outputs(briefing):
        assert "No articles yet." in output
        assert "Nothing new" not in output


def test_a_rerun_says_how_many_articles_are_new_since_the_earlier_briefing() -> None:
    since = datetime(2024, 5, 6, 6, 30, tzinfo=UTC)
    rerun = replace(samples.make_briefing(5), nothing_new=True, new_count=0, since=since)
    for output in all_outputs(rerun):
        assert "0 new since 06:30, 5 from earlier today." in output
        assert "Nothing new" not in output
    later = replace(rerun, nothing_new=False, new_count=2, timezone="Europe/Paris")
    for output in all_outputs(later):
        assert "2 new since 08:30, 3 from earlier today." in output
    french = replace(later, language="fr")
    assert "2 nouveaux depuis 08:30, 3 plus tôt dans la journée." in render_markdown(french)
    # A first briefing, all new: nothing to say about it.
    first = replace(samples.make_briefing(5), new_count=5)
    for output in all_outputs(first):
        assert " new since " not in output and "No articles yet" not in output


def problem_briefing() -> Briefing:
    """A 404 feed, a folder with 6 files skipped, and 2 warnings from a source that was read."""
    when = samples.GENERATED
    failures = (
        SourceFailure("News feed", "HTTP 404 from https://example.org/feed.xml", when),
        *(
            SourceFailure(
                "Team folder",
                f"/srv/briefing/team/notes-{n}.txt: not a regular file "
                "(a FIFO, socket or device is not read)",
                when,
                kind="skipped",
            )
            for n in range(6)
        ),
        SourceFailure(
            "Wikinews (en)",
            "entry 3: link dropped (not an http or https address)",
            when,
            kind="warning",
        ),
        SourceFailure(
            "Wikinews (en)",
            "full text not read: <unknown>:7:21: not well-formed (invalid token) "
            "(set allow_private = true on the source, or in [fetch], to allow it)",
            when,
            kind="warning",
        ),
    )
    return replace(samples.make_briefing(3), failures=failures)


def test_the_cover_counts_a_source_whose_copy_was_joined_to_another() -> None:
    # The same article from two feeds is one entry, "Also reported by: Wire B"; the
    # cover said "1 article from 1 source" above an entry naming two.
    base = samples.make_briefing(1)
    item = replace(base.items[0], also_in=("Wire B",))
    briefing = replace(base, items=(item,))
    for output in all_outputs(briefing):
        assert "1 article from 2 sources" in output


def test_the_json_counts_problems_as_the_cover_does_and_names_their_kind() -> None:
    from briefing.render import briefing_data

    # 1 feed failed, 6 files skipped and 2 warnings: "failed_sources" said 9.
    data = briefing_data(problem_briefing())
    assert {k: data["counts"][k] for k in ("failed_sources", "skipped", "warnings")} == {
        "failed_sources": 1,
        "skipped": 6,
        "warnings": 2,
    }
    kinds = [f["kind"] for f in data["failures"]]
    assert kinds == ["failed"] + ["skipped"] * 6 + ["warning"] * 2


def test_the_contents_name_the_one_source_of_a_story_of_two_of_its_articles() -> None:
    from briefing.models import Story

    # Two Wikinews (en) articles grouped as one story read "… · 1 source" in the
    # contents, where every other single-source entry names its source.
    base = samples.make_briefing(2)
    first, second = (item.article for item in base.items)
    assert first.source == second.source == "Wikinews (en)"
    story = Story(headline=first.title, items=base.items, sentences=())
    page = render_html(replace(base, stories=(story,)))
    contents = page[page.index('id="toc-title"') : page.index('id="articles"')]
    assert "· Wikinews (en)</a>" in contents and "1 source" not in contents


def test_cover_counts_failed_sources_skipped_items_and_warnings_separately() -> None:
    briefing = problem_briefing()
    page = render_html(briefing)
    counts = re.search(r'<p class="counts">(.*?)</p>', page)
    assert counts is not None
    assert counts.group(1) == (
        "3 articles from 2 sources · 1 source failed · 6 items skipped · 2 warnings"
    )
    assert "unreadable" not in page
    md = render_markdown(briefing)
    sections = re.findall(r"^## (.+)$", md, re.M)
    assert sections[-3:] == [
        "Sources that could not be read",
        "Files and entries skipped",
        "Warnings",
    ]
    failed = md.split("## Sources that could not be read")[1].split("## Files and entries")[0]
    assert "News feed" in failed and "Wikinews" not in failed and "Team folder" not in failed
    for output in all_outputs(briefing):
        assert "1 source failed" in output or "Sources that could not be read" in output
        # One source's skipped files are listed under it once, the first five by name.
        assert output.count("notes-") == 5 and "and 1 more" in output
        assert output.count("Team folder") == 1


def test_readers_see_a_short_reason_not_server_paths_parser_positions_or_config_hints() -> None:
    for output in all_outputs(problem_briefing()):
        assert "/srv/briefing" not in output
        assert "notes-1.txt: not a regular file" in output
        assert "<unknown>" not in output and "&lt;unknown&gt;" not in output
        assert "7:21" not in output
        assert "allow_private" not in output
        assert "not well-formed (invalid token)" in output


def test_a_clamped_date_says_what_the_source_gave() -> None:
    from briefing.sources.base import FLAG_FUTURE, FLAG_GIVEN_DATE

    base = samples.make_briefing(1)
    item = base.items[0]
    article = replace(
        item.article,
        published=samples.GENERATED,
        flags=(FLAG_FUTURE, FLAG_GIVEN_DATE + "2035-03-01T08:06:00+00:00"),
    )
    briefing = replace(base, items=(replace(item, article=article),))
    for output in all_outputs(briefing):
        assert "date given by the source: 2035-03-01 08:06 UTC, in the future" in output
    french = render_markdown(replace(briefing, language="fr"))
    assert "date donnée par la source\u00a0: 2035-03-01 08:06 UTC, dans le futur" in french
    # A date the source gave as it is shown carries no note.
    assert "date given" not in render_markdown(samples.make_briefing(1))


def test_a_date_with_no_time_in_the_display_zone_is_shown_as_given_not_fatal() -> None:
    from datetime import datetime, timedelta, timezone

    from briefing.sources.base import FLAG_ANCIENT, FLAG_GIVEN_DATE

    # An older version stored year 1 at +05:00 unclamped: every later run failed to
    # render, with OverflowError, for as long as the article stayed unbriefed.
    year_one = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5)))
    base = replace(samples.make_briefing(1), timezone="Europe/Paris")
    item = base.items[0]
    article = replace(
        item.article,
        published=year_one,
        flags=(FLAG_ANCIENT, FLAG_GIVEN_DATE + year_one.isoformat()),
    )
    briefing = replace(base, items=(replace(item, article=article),))
    for output in all_outputs(briefing):
        assert "date given by the source: 0001-01-01 00:00 UTC+05:00, implausibly old" in output


def test_times_are_shown_in_the_configured_timezone() -> None:
    briefing = replace(samples.make_briefing(1), timezone="Europe/Paris")
    text = render_markdown(briefing)
    assert "Generated 6 May 2024, 09:00 UTC+02:00" in text
    assert "Published: 6 May 2024, 06:00 UTC+02:00" in text
    assert "Generated 6 May 2024, 07:00 UTC" in render_markdown(samples.make_briefing(1))


def test_titles_link_to_their_article_in_every_format() -> None:
    briefing = samples.make_briefing(1)
    article = briefing.items[0].article
    html = markdown.markdown(render_markdown(briefing))
    assert f'<h2><a href="{article.url}">{article.title}</a></h2>' in html
    assert f'<h3><a href="{article.url}">{article.title}</a></h3>' in render_html(briefing)
    email = render_email_html(briefing)
    assert re.search(f'<h2[^>]*><a href="{re.escape(article.url or "")}"[^>]*>', email)


def test_markdown_meta_and_link_lines_are_separate_paragraphs_and_credit_urls_are_links() -> None:
    briefing = samples.make_briefing(2)
    html = markdown.markdown(render_markdown(briefing))
    first = briefing.items[0].article
    paragraphs = re.findall(r"<p>(.*?)</p>", html, re.S)
    meta = next(p for p in paragraphs if p.startswith("Source: Wikinews (en)"))
    assert "\n" not in meta and "Read the original" not in meta and "<br" not in meta
    link = next(p for p in paragraphs if p.startswith("Read the original: "))
    assert link == f'Read the original: <a href="{first.url}">{first.url}</a>'
    credit = next(p for p in paragraphs if "From Wikinews" in p)
    assert credit == (
        f"<em>From Wikinews, the free news source you can write! — "
        f'<a href="{first.url}">{first.url}</a> (CC BY 2.5)</em>'
    )
    assert "\\_" not in render_markdown(briefing)


def test_a_pipe_or_less_than_in_a_title_reads_the_same_after_python_markdown() -> None:
    base = samples.make_briefing(1)
    item = base.items[0]
    article = replace(item.article, title="Profits | costs < 5 % & AT&T ~ up", url=None)
    html = markdown.markdown(
        render_markdown(replace(base, items=(replace(item, article=article),)))
    )
    assert "<h2>Profits | costs &lt; 5 % &amp; AT&amp;T ~ up</h2>" in html


def test_bidi_overrides_in_untrusted_text_cannot_reverse_the_text_beside_them() -> None:
    base = samples.make_briefing(1)
    item = base.items[0]
    article = replace(
        item.article, title="Invoice \u202egnp.exe", source="Feed \u202eevil\u2066x\u2069"
    )
    sentences = tuple(replace(s, text=s.text + " \u202dend") for s in item.summary.sentences)  # type: ignore[union-attr]
    summary = replace(item.summary, sentences=sentences)
    briefing = replace(base, items=(BriefingItem(article=article, summary=summary),))
    for output in all_outputs(briefing):
        assert not re.search("[\u202a-\u202e\u2066-\u2069]", output)
        assert "Invoice gnp.exe" in output


def test_email_html_uses_one_font_family() -> None:
    page = render_email_html(samples.make_briefing(2))
    families = set(re.findall(r"font-family:([^;\"]+)", page))
    assert families == {"Arial,Helvetica,sans-serif"}


def test_french_briefing_uses_french_labels() -> None:
    briefing = samples.make_briefing(2, language="fr", failures=1)
    text = render_markdown(briefing)
    assert "6 mai 2024" in text
    assert "2 articles de 1 source" in text  # both from Wikinews (en)
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
        ("<b>", "&lt;b\\>"),
        ("AT&T &amp;", "AT&T &amp;amp;"),
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
    assert "## [Four NBA players suspended indefinitely for brawl](" in text


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
