"""Web pages: one article per page, its main text and metadata found by trafilatura.

The same path serves a ``page = URL`` source and the full text of a feed entry
that only carries a teaser. Pages come from strangers: the fetch is bounded by
the HTTP client (size, time, addresses) and the page is never asked to load
anything else.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, time

from ..config import Config, SourceConfig
from ..documents import drop_repeated_title, without_site_name
from ..errors import SourceError
from ..http import HttpClient, HttpResponse, shared_client
from ..models import Article
from .base import FetchResult, SourceState, plausible_date, register_source_kind

log = logging.getLogger(__name__)

HTML_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1"
HTML_TYPES = ("text/html", "application/xhtml+xml", "application/xml", "text/xml")
# trafilatura's time grows with the page; real articles are far below this.
MAX_EXTRACT_BYTES = 3_000_000
MAX_TITLE = 500
# Fewer words than this is a menu or an error page, not an article.
MIN_PAGE_WORDS = 15
_HTML_LANG = re.compile(rb"<html\b[^>]{0,500}?\blang\s*=\s*[\"']?([A-Za-z]{2,3})\b", re.IGNORECASE)


@dataclass(frozen=True)
class PageText:
    """What trafilatura found on a page."""

    url: str
    text: str
    title: str | None = None
    author: str | None = None
    published: datetime | None = None
    language: str | None = None
    sitename: str | None = None


def fetch_page(
    http: HttpClient, url: str, *, allow_private: bool | None, timeout: float
) -> PageText:
    """Fetch ``url`` and extract its main text; SourceError if there is none."""
    response = http.get(url, allow_private=allow_private, timeout=timeout, accept=HTML_ACCEPT)
    return page_from_response(response)


def page_from_response(response: HttpResponse) -> PageText:
    content_type = response.content_type.split(";", 1)[0].strip().lower()
    if content_type and content_type not in HTML_TYPES:
        raise SourceError(f"{response.url}: not a web page ({content_type})")
    page = extract_page(response.content, response.url)
    if page is None:
        raise SourceError(f"{response.url}: no article text found on the page")
    return page


def extract_page(html: bytes, url: str) -> PageText | None:
    """The main text and metadata of an HTML page, or None when it has no article text."""
    if len(html) > MAX_EXTRACT_BYTES:
        raise SourceError(f"{url}: the page is too large to extract ({len(html):,} bytes)")
    import trafilatura

    document = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        favor_precision=True,
        # With the time of day when the page gives one (htmldate drops it by default).
        date_extraction_params={
            "extensive_search": False,
            "original_date": True,
            "outputformat": "%Y-%m-%dT%H:%M:%S%z",
        },
    )
    sitename = _short(getattr(document, "sitename", None), 200)
    title = _short(getattr(document, "title", None), MAX_TITLE)
    if title:
        title = without_site_name(title, sitename)
    text = _paragraphs(getattr(document, "text", None) or "", title)
    if len(text.split()) < MIN_PAGE_WORDS:
        return None
    return PageText(
        url=url,
        text=text,
        title=title,
        author=_author(getattr(document, "author", None)),
        published=_page_date(getattr(document, "date", None)),
        language=_html_language(html),
        sitename=sitename,
    )


def _paragraphs(text: str, title: str | None) -> str:
    # trafilatura puts one paragraph per line; the pipeline separates them by blank lines.
    lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    # The page's own heading: the title is shown on its own.
    return drop_repeated_title("\n\n".join(lines), title)


def _short(value: object, limit: int) -> str | None:
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    return value[:limit] or None


def _page_date(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if plausible_date(parsed, datetime.now(UTC))[1]:
        return None  # the extractor's guess, not the page's word: no date beats a wrong one
    if parsed.tzinfo is None and parsed.time() == time(0, 0):
        # A bare date ("2026-11-30", which the extractor writes as midnight with
        # no offset): kept without a time, so the briefing shows the day and no
        # "00:00 UTC" the page never gave.
        return parsed
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# What an extractor leaves of a byline line after the name: "Staff Reporter ·".
_AUTHOR_TRAILER = " \t·•|,;:-–—"


def _author(value: object) -> str | None:
    author = _short(value, 200)
    return (author.rstrip(_AUTHOR_TRAILER) or None) if author else None


def _html_language(html: bytes) -> str | None:
    match = _HTML_LANG.search(html[:20_000])
    return match.group(1).decode("ascii").lower() if match else None


class PageSource:
    """A single web page (``page = URL``): one article, re-read only when it changed."""

    def __init__(self, source: SourceConfig, config: Config) -> None:
        self.name = source.name
        self.source = source
        self.config = config

    def fetch(self, state: SourceState) -> FetchResult:
        http = shared_client(self.config.fetch)
        response = http.get(
            self.source.location,
            allow_private=self.source.allow_private,
            etag=state.etag,
            last_modified=state.last_modified,
            timeout=self.config.fetch.page_timeout,
            accept=HTML_ACCEPT,
        )
        new_state = SourceState(etag=response.etag, last_modified=response.last_modified)
        if response.not_modified:
            return FetchResult(articles=(), state=state, not_modified=True)
        page = page_from_response(response)
        article = Article(
            title=page.title or "",
            text=page.text,
            source=self.name,
            url=page.url,
            published=page.published,
            language=self.source.language or page.language,
            author=page.author,
        )
        return FetchResult(articles=(article,), state=new_state)


register_source_kind("page", PageSource)
