"""Feeds: the corpus of well- and ill-formed feeds, local files and feeds over HTTP."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from http_server import LoopbackServer, Reply, server, with_etag

from briefing.config import Config, FetchConfig, SourceConfig
from briefing.errors import SourceError
from briefing.models import Article
from briefing.sources.base import FLAG_ANCIENT, FLAG_FUTURE, SourceState, make_source
from briefing.sources.feed import (
    FLAG_FULL_TEXT,
    FLAG_MALFORMED,
    FLAG_TEASER,
    FLAG_TITLE_ONLY,
    FLAG_UNDATED,
    FeedOptions,
    parse_feed,
)

__all__ = ["server"]

FEEDS = Path(__file__).parent / "data" / "feeds"
NOW = datetime(2025, 6, 3, 12, 0, tzinfo=UTC)
FAST = FetchConfig(
    timeout=3.0, connect_timeout=1.0, retries=0, allow_private=True, page_timeout=3.0
)


def parse(name: str, max_entries: int = 100) -> tuple[list[Article], tuple[str, ...]]:
    options = FeedOptions(
        source="test",
        language=None,
        max_entries=max_entries,
        base_url="https://feeds.example.com/feed.xml",
    )
    parsed = parse_feed((FEEDS / name).read_bytes(), options, now=NOW)
    return [entry.article for entry in parsed.entries], parsed.problems


def feed_source(
    location: str,
    *,
    full_text: bool | str = "auto",
    max_entries: int | None = None,
    fetch: FetchConfig = FAST,
) -> object:
    source = SourceConfig(
        name="feed",
        kind="feed",
        location=location,
        full_text=full_text,  # type: ignore[arg-type]
        max_entries=max_entries,
    )
    return make_source(source, Config(sources=(source,), fetch=fetch))


# --- formats --------------------------------------------------------------------------


def test_rss20_with_content_encoded() -> None:
    articles, problems = parse("rss20-content.xml")
    first, second = articles
    assert problems == ()
    assert first.title == "Council approves new harbour wall"
    assert first.text.startswith("The town council approved a new harbour wall")
    assert "\n\n" in first.text  # paragraphs kept apart
    assert first.guid == "harbour-gazette-1001"
    assert first.author == "Ann Reporter"
    assert first.language == "en"
    assert first.published == datetime(2025, 6, 2, 8, 30, tzinfo=UTC)
    # A relative link is resolved against the feed's own address.
    assert second.url == "https://feeds.example.com/2025/06/ferry"


def test_rss091_with_netscape_doctype_in_latin1() -> None:
    (article,), _ = parse("rss091-netscape.xml")
    assert article.title == "La mairie ouvre une nouvelle bibliothèque"
    assert article.language == "fr"
    assert FLAG_UNDATED in article.flags and article.published is None


def test_rss10_rdf() -> None:
    (article,), _ = parse("rss10-rdf.xml")
    assert article.title == "Bridge repairs finish early"
    assert article.author == "Bob Writer"
    assert article.published == datetime(2025, 5, 30, 8, 0, tzinfo=UTC)


def test_atom_keeps_the_rights_line_as_attribution() -> None:
    (html_entry, text_entry), _ = parse("atom10-rights.xml")
    assert html_entry.attribution == "Texte sous licence CC BY 2.5, Nouvelles libres"
    assert html_entry.title == "Le tramway arrive en ville"  # HTML title made plain
    assert html_entry.language == "fr"
    assert html_entry.text.split("\n\n") == [
        "La première ligne de tramway a été inaugurée dimanche.",
        "Elle relie la gare au centre hospitalier en vingt minutes.",
    ]
    # A text/plain body is text: its angle brackets are not markup to interpret.
    assert text_entry.text.startswith("Premier paragraphe en texte brut")
    assert text_entry.attribution == "CC BY 2.5"


def test_json_feed() -> None:
    articles, problems = parse("jsonfeed11.json")
    assert [a.guid for a in articles] == ["json-1", "json-2", "json-4"]
    first, second, bad = articles
    assert first.author == "Dana Smith" and first.language == "en"
    assert "alert" not in first.text
    assert second.url == "https://elsewhere.example.org/story"
    assert second.text == "A plain text item with no title.\n\nIt has two paragraphs."
    assert bad.url is None
    assert any("not a JSON object" in p for p in problems)


def test_truncated_json_feed_is_an_error() -> None:
    with pytest.raises(SourceError, match="not a valid JSON feed"):
        parse("jsonfeed-truncated.json")


def test_windows_1252_feed_is_decoded() -> None:
    (article,), _ = parse("windows-1252.xml")
    assert article.title == "Café “quotes”"
    assert article.text == "Naïve résumé – déjà vu."


def test_an_html_page_is_not_a_feed() -> None:
    with pytest.raises(SourceError, match="not an RSS, Atom or JSON feed"):
        parse("not-a-feed.html")


# --- broken and hostile feeds -------------------------------------------------------------------


def test_malformed_feed_is_read_as_far_as_possible_and_flagged() -> None:
    articles, problems = parse("illformed-unclosed.xml")
    assert articles[0].title == "First story with an undefined entity"
    assert "mill reopened" in articles[0].text
    assert all(FLAG_MALFORMED in a.flags for a in articles)
    assert any(p.startswith("malformed feed") for p in problems)


def test_billion_laughs_is_refused_before_parsing() -> None:
    started = time.monotonic()
    with pytest.raises(SourceError, match="entity"):
        parse("billion-laughs.xml")
    assert time.monotonic() - started < 0.5


def test_big_feed_of_nested_entities_never_expands() -> None:
    # ~130 KB of declarations that would expand to gigabytes.
    levels = "".join(f'<!ENTITY e{i} "{f"&e{i - 1};" * 10}">' for i in range(1, 12))
    data = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY e0 "{"x" * 100}">{levels}]>'
        '<rss version="2.0"><channel><item><title>&e11;</title></item></channel></rss>'
        + " "
        * 130_000
    ).encode()
    with pytest.raises(SourceError, match="entity"):
        parse_feed(data, FeedOptions(source="s", language=None, max_entries=10))


def test_external_entity_is_refused() -> None:
    with pytest.raises(SourceError, match="external"):
        parse("xxe-file.xml")


def test_plain_character_entities_are_allowed() -> None:
    (article,), _ = parse("safe-entity.xml")
    assert article.title == "Spaced title"  # the declared &nbsp; became a space
    assert "©" in article.text


def test_hostile_html_is_sanitised_and_bad_links_dropped() -> None:
    articles, problems = parse("hostile-html.xml")
    script = articles[0]
    assert script.text == "Visible sentence one.\n\nVisible sentence two."
    assert all(a.url is None for a in articles)
    assert sum("link dropped" in p for p in problems) == 3


def test_dates_in_the_future_or_before_1990_are_clamped_and_flagged() -> None:
    articles = {a.title: a for a in parse("dates.xml")[0]}
    assert articles["From the future"].published == NOW
    assert FLAG_FUTURE in articles["From the future"].flags
    assert articles["Epoch"].published == datetime(1990, 1, 1, tzinfo=UTC)
    assert FLAG_ANCIENT in articles["Epoch"].flags
    assert articles["No date"].published is None and FLAG_UNDATED in articles["No date"].flags
    assert articles["Garbage date"].published is None
    assert articles["Good date"].flags == ()


def test_entries_without_link_date_or_guid_are_kept() -> None:
    articles, problems = parse("missing-fields.xml")
    assert len(articles) == 4
    assert articles[0].title == "" and articles[0].text.startswith("An entry with a description")
    assert any("no title and no text" in p for p in problems)


def test_entries_are_capped() -> None:
    items = "".join(
        f"<item><title>t{i}</title><description>d{i}</description></item>" for i in range(30)
    )
    data = f'<rss version="2.0"><channel>{items}</channel></rss>'.encode()
    parsed = parse_feed(data, FeedOptions(source="s", language=None, max_entries=5))
    assert len(parsed.entries) == 5
    assert any("only the first 5" in p for p in parsed.problems)


# --- the source: local files and HTTP -------------------------------------------------------------


def test_local_feed_file_is_read_without_the_network() -> None:
    source = feed_source(str(FEEDS / "atom10-rights.xml"))
    result = source.fetch(SourceState())  # type: ignore[attr-defined]
    assert (result.articles[0].attribution or "").startswith("Texte sous licence")
    # "auto" never fetches pages for a local feed: the short entries stay teasers.
    assert all(FLAG_TEASER in a.flags for a in result.articles)


def test_title_only_entries_keep_their_title_as_text() -> None:
    result = feed_source(str(FEEDS / "missing-fields.xml")).fetch(SourceState())  # type: ignore[attr-defined]
    titled = [a for a in result.articles if FLAG_TITLE_ONLY in a.flags]
    assert [a.text for a in titled] == ["Only a title, nothing else", "Another title-only entry"]


def test_an_entry_opening_with_its_title_glued_to_its_lead_does_not_quote_the_title() -> None:
    feed = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
    <item><title>Lycos confirms anti-spam tool axe</title><description><![CDATA[
      <h2>LYCOS CONFIRMS anti-spam tool axe</h2><p>Lycos has scrapped its screensaver.</p>
    ]]></description></item>
    <item><title>Lycos, Spammers Trade Blows</title><description>Lycos, Spammers Trade Blows
      "Make love not spam" screensaver continues to stir up controversy.</description></item>
    <item><title>Kmart to buy Sears</title>
      <description>Kmart to buy Sears for $11bn, the firms said.</description></item>
    </channel></rss>"""
    options = FeedOptions(source="t", language="en", max_entries=10, base_url=None)
    texts = [e.article.text for e in parse_feed(feed, options, now=NOW).entries]
    assert texts == [
        "LYCOS CONFIRMS anti-spam tool axe\n\nLycos has scrapped its screensaver.",
        '"Make love not spam" screensaver continues to stir up controversy.',
        # A lead that starts with the headline's words keeps its subject.
        "Kmart to buy Sears for $11bn, the firms said.",
    ]


def test_remote_feed_uses_conditional_get(server: LoopbackServer) -> None:
    url = server.route("/feed.xml", with_etag((FEEDS / "rss20-content.xml").read_bytes(), '"7"'))
    source = feed_source(url, full_text=False)
    first = source.fetch(SourceState())  # type: ignore[attr-defined]
    assert len(first.articles) == 2 and first.state.etag == '"7"'
    second = source.fetch(first.state)  # type: ignore[attr-defined]
    assert second.not_modified and second.articles == ()
    assert second.state.etag == '"7"'


def test_remote_feed_errors_name_the_problem(server: LoopbackServer) -> None:
    url = server.route("/missing.xml", Reply(404, b"gone"))
    with pytest.raises(SourceError, match="404"):
        feed_source(url).fetch(SourceState())  # type: ignore[attr-defined]


ARTICLE_PAGE = """<!DOCTYPE html><html lang="en"><head><title>Harbour wall: the full story</title>
<meta name="author" content="Ann Reporter"></head><body><nav>Home | News | Sport</nav>
<article><h1>Harbour wall: the full story</h1>
{paragraphs}
</article><footer>Copyright Harbour Gazette</footer></body></html>"""


def article_page(sentences: int = 12) -> bytes:
    paragraphs = "\n".join(
        f"<p>Paragraph {i}: the council spent a long evening debating the harbour wall, "
        f"its cost, its height and the way it will change the view from the quay.</p>"
        for i in range(sentences)
    )
    return ARTICLE_PAGE.format(paragraphs=paragraphs).encode()


def teaser_feed(link: str) -> bytes:
    return (
        '<rss version="2.0"><channel><title>Teasers</title><item>'
        f"<title>Harbour wall</title><link>{link}</link><guid>teaser-1</guid>"
        "<pubDate>Mon, 02 Jun 2025 09:30:00 GMT</pubDate>"
        "<description>The council approved the wall… Read more</description>"
        "</item></channel></rss>"
    ).encode()


def test_teaser_entries_get_the_full_text_of_their_page(server: LoopbackServer) -> None:
    page = server.route("/story", Reply(200, article_page(), {"Content-Type": "text/html"}))
    url = server.route("/teasers.xml", Reply(200, teaser_feed(page)))
    (article,) = feed_source(url).fetch(SourceState()).articles  # type: ignore[attr-defined]
    assert FLAG_FULL_TEXT in article.flags
    assert "Paragraph 11: the council spent a long evening" in article.text
    assert "Home | News" not in article.text and "Copyright" not in article.text
    assert article.title == "Harbour wall"


def test_full_text_false_never_fetches_pages(server: LoopbackServer) -> None:
    page = server.route("/story", Reply(200, article_page(), {"Content-Type": "text/html"}))
    url = server.route("/teasers.xml", Reply(200, teaser_feed(page)))
    (article,) = feed_source(url, full_text=False).fetch(SourceState()).articles  # type: ignore[attr-defined]
    assert server.hits("/story") == 0
    assert FLAG_TEASER in article.flags


def test_a_failing_page_keeps_the_teaser(server: LoopbackServer) -> None:
    page = server.route("/slow-story", Reply(200, article_page(), delay=2.0))
    url = server.route("/teasers.xml", Reply(200, teaser_feed(page)))
    fetch = FetchConfig(
        timeout=3.0, connect_timeout=1.0, retries=0, allow_private=True, page_timeout=0.3
    )
    result = feed_source(url, fetch=fetch).fetch(SourceState())  # type: ignore[attr-defined]
    (article,) = result.articles
    assert article.text.startswith("The council approved the wall")
    assert FLAG_TEASER in article.flags
    assert any("full text not read" in p and "timed out" in p for p in result.problems)


def _feed_bytes(items: str) -> bytes:
    channel = f"<channel><title>t</title>{items}</channel>"
    return f'<?xml version="1.0"?><rss version="2.0">{channel}</rss>'.encode()


def test_a_malformed_link_costs_only_its_own_link_never_the_feed() -> None:
    # "http://[::1/x" made urlsplit raise: the whole feed failed with "unexpected error".
    links = ["http://[::1/x", "http://x.org:99999/a", "http://x.org:abc/a", "https://x.org/ok"]
    items = "".join(
        f"<item><title>Story {i}</title><link>{link}</link>"
        f"<description>The council met for the {i}th time on Monday.</description></item>"
        for i, link in enumerate(links)
    )
    options = FeedOptions(source="test", language=None, max_entries=100)
    parsed = parse_feed(_feed_bytes(items), options, now=NOW)
    assert [e.article.url for e in parsed.entries] == [None, None, None, "https://x.org/ok"]
    assert sum("link dropped" in p for p in parsed.problems) == 3


def test_a_json_feed_date_with_no_utc_time_is_clamped_not_fatal() -> None:
    # Year 1 at +05:00 is before year 1 in UTC: astimezone raised OverflowError
    # and the feed failed; year 9999 at -12:00 is after 9999 in UTC.
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "J",
        "items": [
            {"id": "1", "title": "Old", "date_published": "0001-01-01T00:00:00+05:00",
             "content_text": "The council met on Monday."},
            {"id": "2", "title": "Far", "date_published": "9999-12-31T23:59:59-12:00",
             "content_text": "The mayor spoke on Tuesday."},
        ],
    }  # fmt: skip
    options = FeedOptions(source="test", language=None, max_entries=100)
    old, far = (e.article for e in parse_feed(json.dumps(feed).encode(), options, now=NOW).entries)
    assert old.published == datetime(1990, 1, 1, tzinfo=UTC) and FLAG_ANCIENT in old.flags
    assert far.published == NOW and FLAG_FUTURE in far.flags
