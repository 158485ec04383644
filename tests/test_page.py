"""Page sources: one article per web page, its main text extracted by trafilatura."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from http_server import LoopbackServer, Reply, server
from test_feed import article_page

from briefing.config import Config, FetchConfig, SourceConfig
from briefing.errors import SourceError
from briefing.sources.base import FetchResult, SourceState, make_source
from briefing.sources.page import extract_page

__all__ = ["server"]

FAST = FetchConfig(timeout=3.0, connect_timeout=1.0, retries=0, page_timeout=2.0)


def fetch(url: str, state: SourceState | None = None, *, allow_private: bool = True) -> FetchResult:
    source = SourceConfig(name="page", kind="page", location=url, allow_private=allow_private)
    return make_source(source, Config(sources=(source,), fetch=FAST)).fetch(state or SourceState())


def test_page_source_reads_the_main_text_and_metadata(server: LoopbackServer) -> None:
    url = server.route(
        "/story", Reply(200, article_page(), {"Content-Type": "text/html", "ETag": '"p1"'})
    )
    (article,) = fetch(url).articles
    assert article.title == "Harbour wall: the full story"
    assert article.author == "Ann Reporter"
    assert article.language == "en"
    assert article.url == url
    assert article.text.startswith("Paragraph 0: the council")
    assert "Home | News" not in article.text


def test_unchanged_page_costs_one_304(server: LoopbackServer) -> None:
    body = article_page()
    url = server.route(
        "/etag",
        lambda r: (
            Reply(304)
            if r.headers.get("if-none-match") == '"p1"'
            else Reply(200, body, {"Content-Type": "text/html", "ETag": '"p1"'})
        ),
    )
    first = fetch(url)
    second = fetch(url, first.state)
    assert second.not_modified and second.articles == ()


def test_page_source_respects_allow_private(server: LoopbackServer) -> None:
    url = server.route("/private", Reply(200, article_page(), {"Content-Type": "text/html"}))
    with pytest.raises(SourceError, match="private"):
        fetch(url, allow_private=False)


def test_a_page_without_article_text_is_an_error(server: LoopbackServer) -> None:
    url = server.route(
        "/empty",
        Reply(200, b"<html><body><nav>Menu</nav></body></html>", {"Content-Type": "text/html"}),
    )
    with pytest.raises(SourceError, match="no article text"):
        fetch(url)


def test_a_binary_answer_is_not_a_page(server: LoopbackServer) -> None:
    url = server.route("/pdf", Reply(200, b"%PDF-1.4 ...", {"Content-Type": "application/pdf"}))
    with pytest.raises(SourceError, match="not a web page"):
        fetch(url)


def test_scripts_in_a_page_never_reach_the_text() -> None:
    html = article_page().replace(b"<article>", b"<article><script>stealCookies()</script>")
    page = extract_page(html, "https://example.com/story")
    assert page is not None and "stealCookies" not in page.text


def test_a_page_that_gives_only_a_day_is_shown_without_an_invented_time() -> None:
    from sample_briefing import make_briefing

    from briefing.models import BriefingItem
    from briefing.render import render_json, render_markdown

    html = article_page().replace(
        b"<head>",
        b'<head><meta property="article:published_time" content="2026-11-30">',
    )
    html = html.replace(b"Ann Reporter", b"Ann Reporter \xc2\xb7")  # an extractor's leftover
    page = extract_page(html, "https://example.com/story")
    assert page is not None and page.published is not None
    assert page.published.date().isoformat() == "2026-11-30"
    assert page.author == "Ann Reporter"
    briefing = make_briefing(1)
    (item,) = briefing.items
    article = replace(item.article, published=page.published, author=page.author)
    shown = render_markdown(replace(briefing, items=(BriefingItem(article, item.summary),)))
    assert "30 November 2026" in shown and "30 November 2026, 00:00" not in shown
    assert "Ann Reporter ·" not in shown
    data = render_json(replace(briefing, items=(BriefingItem(article, item.summary),)))
    assert '"published": "2026-11-30"' in data  # a date, not a made-up midnight


def test_a_page_that_gives_its_time_of_publication_keeps_it() -> None:
    html = article_page().replace(
        b"<head>",
        b'<head><meta property="article:published_time" content="2026-11-30T18:05:00+01:00">',
    )
    page = extract_page(html, "https://example.com/story")
    assert page is not None and page.published is not None
    assert page.published == datetime(2026, 11, 30, 17, 5, tzinfo=UTC)  # the same instant
