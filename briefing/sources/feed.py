"""RSS 0.9x/1.0/2.0, Atom and JSON Feed, from the web or a local file.

We fetch the bytes ourselves (bounded by :mod:`briefing.http`) and hand them
to feedparser as a stream, so it never opens a path or a URL. Feeds come from
strangers:

* entity-expansion tricks (billion laughs, external entities) are refused
  before any parser sees the document;
* a malformed feed is read as far as possible and the problem reported;
* entry HTML is sanitised with nh3 before it becomes text, and links other
  than http(s) are dropped;
* dates in the future or before 1990 are clamped and the article flagged;
* at most ``max_entries`` entries are read.

When an entry is only a teaser, its page is fetched and its main text
extracted (``full_text = true | false | "auto"``).
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..config import Config, SourceConfig
from ..documents import drop_repeated_title, read_file_bytes
from ..errors import DocumentError, SourceError
from ..http import FetchStopped, current_budget, shared_client, within
from ..models import Article
from ..urls import is_web_url
from .base import FetchResult, SkippedItem, SourceState, plausible_date, register_source_kind
from .page import PageText, fetch_page

log = logging.getLogger(__name__)

MAX_ENTRY_CHARS = 200_000
MAX_TITLE_CHARS = 500
MAX_GUID_CHARS = 1000
MAX_ENTITY_DECLARATIONS = 64
MAX_ENTITY_VALUE = 256
# An entry shorter than this, or ending like a teaser, is fetched in full in "auto" mode.
TEASER_WORDS = 120
_TEASER_END = re.compile(
    r"(?:…|\.\.\.|\[…\]|\[\.\.\.\]|\(…\)|read more|continue reading|lire la suite|"
    r"en savoir plus|la suite)\W*$",
    re.IGNORECASE,
)

FLAG_MALFORMED = "malformed-feed"
FLAG_UNDATED = "undated"
FLAG_TEASER = "teaser"
FLAG_FULL_TEXT = "full-text-from-page"
FLAG_TITLE_ONLY = "title-only"

# The markup feeds may use in entry bodies; everything else is dropped by nh3.
SAFE_TAGS = frozenset(
    {
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "cite",
        "code",
        "dd",
        "div",
        "dl",
        "dt",
        "em",
        "figcaption",
        "figure",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "li",
        "ol",
        "p",
        "pre",
        "q",
        "section",
        "small",
        "span",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "th",
        "thead",
        "tr",
        "u",
        "ul",
    }
)

# Elements whose content is code or fallback, never article text.
DROPPED_WITH_CONTENT = frozenset(
    {
        "script",
        "style",
        "iframe",
        "noscript",
        "object",
        "embed",
        "svg",
        "math",
        "template",
        "textarea",
        "select",
        "button",
        "form",
    }
)


# --- entity expansion -------------------------------------------------------------------

_ENTITY_DECL = re.compile(
    rb"<!ENTITY\s+(%\s+)?([^\s>]+)\s+(SYSTEM\b|PUBLIC\b|\"([^\"]*)\"|'([^']*)')", re.IGNORECASE
)
_ENTITY_MARK = re.compile(rb"<!ENTITY", re.IGNORECASE)
_NAMED_REFERENCE = re.compile(rb"[&%][A-Za-z_:][\w:.-]*;")


def refuse_entity_tricks(data: bytes) -> None:
    """Raise SourceError if the document declares entities that could expand or leak.

    Plain character entities (``<!ENTITY nbsp "&#160;">``) are allowed; entities
    that refer to other entities, to files or URLs, parameter entities and
    long or numerous declarations are the shapes of billion-laughs and XXE attacks.
    """
    text = _as_utf8(data)
    marks = len(_ENTITY_MARK.findall(text))
    if not marks:
        return
    declarations = _ENTITY_DECL.findall(text)
    if marks > MAX_ENTITY_DECLARATIONS or len(declarations) != marks:
        raise SourceError(_entity_refusal("too many or unreadable entity declarations"))
    for parameter, _name, kind, double, single in declarations:
        value = double or single
        if parameter or kind.upper() in (b"SYSTEM", b"PUBLIC"):
            raise SourceError(_entity_refusal("an external or parameter entity"))
        if len(value) > MAX_ENTITY_VALUE or _NAMED_REFERENCE.search(value):
            raise SourceError(_entity_refusal("entities that expand into other entities"))


def _entity_refusal(why: str) -> str:
    return f"refused: the feed declares {why} (an entity-expansion attack or a file leak)"


def _as_utf8(data: bytes) -> bytes:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:100]:
        for encoding in ("utf-16", "utf-16-le", "utf-16-be", "utf-32"):
            try:
                return data.decode(encoding).encode("utf-8")
            except UnicodeDecodeError:
                continue
    return data


# --- parsing ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedEntry:
    """One entry as read from the feed, before any full-text fetch."""

    article: Article
    teaser: bool


@dataclass(frozen=True)
class ParsedFeed:
    entries: tuple[FeedEntry, ...]
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class FeedOptions:
    source: str
    language: str | None
    max_entries: int
    base_url: str | None = None
    content_type: str = ""


def parse_feed(data: bytes, options: FeedOptions, *, now: datetime | None = None) -> ParsedFeed:
    """Read an RSS, Atom or JSON feed from bytes. Raises SourceError if it is not a feed."""
    now = now or datetime.now(UTC)
    if _looks_like_json(data, options.content_type):
        raw_entries, feed_info, problems = _read_json_feed(data)
    else:
        refuse_entity_tricks(data)
        raw_entries, feed_info, problems = _read_xml_feed(data, options)
    if len(raw_entries) > options.max_entries:
        problems.append(
            f"the feed has {len(raw_entries)} entries; "
            f"only the first {options.max_entries} were read"
        )
        raw_entries = raw_entries[: options.max_entries]
    malformed = any(p.startswith("malformed") for p in problems)
    entries = []
    for position, raw in enumerate(raw_entries, start=1):
        entry = _entry(raw, feed_info, options, now, problems, position)
        if entry is not None:
            if malformed:
                entry = replace(entry, article=_flag(entry.article, FLAG_MALFORMED))
            entries.append(entry)
    return ParsedFeed(entries=tuple(entries), problems=tuple(problems))


@dataclass(frozen=True)
class _RawEntry:
    """The fields we use, the same for feedparser and JSON Feed entries."""

    title: str
    link: str | None
    guid: str | None
    html: str
    is_html: bool
    date: datetime | None
    author: str | None
    rights: str | None
    language: str | None
    raw_link: str | None = None


@dataclass(frozen=True)
class _FeedInfo:
    rights: str | None
    language: str | None


def _read_xml_feed(
    data: bytes, options: FeedOptions
) -> tuple[list[_RawEntry], _FeedInfo, list[str]]:
    import feedparser

    headers = {}
    if options.base_url:
        headers["content-location"] = options.base_url
    if options.content_type:
        headers["content-type"] = options.content_type
    # A stream, never a string: feedparser would open a string that looks like a path or URL.
    # Its own sanitiser is slow and redundant: entry HTML goes through nh3 below.
    parsed = feedparser.parse(
        io.BytesIO(data),
        response_headers=headers,
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    problems: list[str] = []
    if not parsed.get("version") and not parsed.entries:
        reason = parsed.get("bozo_exception")
        raise SourceError(
            f"not an RSS, Atom or JSON feed{f' ({_first_line(reason)})' if reason else ''}"
        )
    if parsed.get("bozo"):
        exc = parsed.get("bozo_exception")
        if not _harmless(exc):
            problems.append(f"malformed feed, read as far as possible: {_first_line(exc)}")
    feed = parsed.get("feed", {})
    info = _FeedInfo(
        rights=_clean_line(feed.get("rights")), language=_language(feed.get("language"))
    )
    return [_from_feedparser(e) for e in parsed.entries], info, problems


def _harmless(exc: object) -> bool:
    # Declared-vs-detected charset disagreements are routine and do not lose content.
    name = type(exc).__name__
    return name in ("CharacterEncodingOverride", "NonXMLContentType")


def _from_feedparser(entry: Mapping[str, Any]) -> _RawEntry:
    html, is_html = _entry_body(entry)
    link = entry.get("link") or _alternate_link(entry.get("links") or [])
    return _RawEntry(
        title=entry.get("title") or "",
        link=link if is_web_url(link) else None,
        raw_link=link,
        guid=entry.get("id") or None,
        html=html,
        is_html=is_html,
        date=_struct_date(entry),
        author=entry.get("author") or None,
        rights=entry.get("rights") or None,
        language=_language(entry.get("language")),
    )


def _entry_body(entry: Mapping[str, Any]) -> tuple[str, bool]:
    """The longest of the entry's content and summary, and whether it is HTML."""
    candidates = [c for c in entry.get("content") or [] if isinstance(c, Mapping)]
    detail = entry.get("summary_detail")
    if isinstance(detail, Mapping):
        candidates.append(detail)
    elif entry.get("summary"):
        candidates.append({"value": entry["summary"], "type": "text/html"})
    best = max(candidates, key=lambda c: len(c.get("value") or ""), default=None)
    if best is None:
        return "", False
    return best.get("value") or "", "html" in (best.get("type") or "text/html")


def _alternate_link(links: Sequence[Any]) -> str | None:
    for link in links:
        if isinstance(link, Mapping) and link.get("rel", "alternate") == "alternate":
            href = link.get("href")
            if isinstance(href, str):
                return href
    return None


def _struct_date(entry: Mapping[str, Any]) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        # dict.get: FeedParserDict.get maps missing keys to others, with a warning.
        value = dict.get(entry, key) if isinstance(entry, dict) else entry.get(key)
        if value:
            try:
                year, month, day, hour, minute, second = value[:6]
                return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
            except (TypeError, ValueError):
                continue
    return None


# --- JSON Feed -----------------------------------------------------------------------------


def _looks_like_json(data: bytes, content_type: str) -> bool:
    if "json" in content_type.lower():
        return True
    return data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"


def _read_json_feed(data: bytes) -> tuple[list[_RawEntry], _FeedInfo, list[str]]:
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise SourceError(f"not a valid JSON feed ({_first_line(exc)})") from None
    if not isinstance(document, dict) or not isinstance(document.get("items"), list):
        raise SourceError("not a JSON feed (no list of items)")
    problems = []
    if "jsonfeed.org/version" not in str(document.get("version", "")):
        problems.append("malformed feed, read as far as possible: no JSON Feed version")
    entries = []
    for position, item in enumerate(document["items"], start=1):
        if isinstance(item, dict):
            entries.append(_from_json_item(item))
        else:
            problems.append(SkippedItem(f"entry {position}: not a JSON object; skipped"))
    info = _FeedInfo(rights=None, language=_language(document.get("language")))
    return entries, info, problems


def _from_json_item(item: Mapping[str, Any]) -> _RawEntry:
    link = _text(item.get("url")) or _text(item.get("external_url"))
    html = _text(item.get("content_html"))
    body, is_html = (
        (html, True)
        if html
        else (_text(item.get("content_text")) or _text(item.get("summary")), False)
    )
    return _RawEntry(
        title=_text(item.get("title")),
        link=link if is_web_url(link) else None,
        raw_link=link or None,
        guid=_text(item.get("id")) or None,
        html=body,
        is_html=is_html,
        date=_iso_date(item.get("date_published")) or _iso_date(item.get("date_modified")),
        author=_json_author(item),
        rights=None,
        language=_language(item.get("language")),
    )


def _json_author(item: Mapping[str, Any]) -> str | None:
    authors = item.get("authors")
    candidates = authors if isinstance(authors, list) else [item.get("author")]
    names = [_text(a.get("name")) for a in candidates if isinstance(a, dict)]
    return ", ".join(n for n in names if n) or None


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _iso_date(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if not parsed.tzinfo:
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # "0001-01-01T00:00+05:00" has no UTC time: clamped as too old
        return parsed


# --- entries → articles ---------------------------------------------------------------------


def _entry(
    raw: _RawEntry,
    feed: _FeedInfo,
    options: FeedOptions,
    now: datetime,
    problems: list[str],
    position: int,
) -> FeedEntry | None:
    from ..text import html_to_text

    title = _clean_line(html_to_text(raw.title) if "<" in raw.title else raw.title) or ""
    title = title[:MAX_TITLE_CHARS]
    # A title glued to the lead is cut. One on a paragraph of its own is kept:
    # the ranker reads an opening line without final punctuation as a
    # headline, and on the simulated day cutting it moved which sentence
    # leads six stories, for the worse as often as for the better.
    body = _body_text(raw.html, raw.is_html, html_to_text)
    text = drop_repeated_title(body, title, own_paragraph=False)
    if not text and not title:
        problems.append(SkippedItem(f"entry {position}: no title and no text; skipped"))
        return None
    if raw.raw_link and not raw.link:
        problems.append(f"entry {position}: link dropped (not an http or https address)")
    flags: list[str] = []
    published = _checked_date(raw.date, now, flags)
    article = Article(
        title=title,
        text=text,
        source=options.source,
        url=raw.link,
        guid=(raw.guid or "").strip()[:MAX_GUID_CHARS] or None,
        published=published,
        language=options.language or raw.language or feed.language,
        author=_clean_line(raw.author),
        attribution=_clean_line(raw.rights) or feed.rights,
        flags=tuple(flags),
    )
    return FeedEntry(article=article, teaser=is_teaser(text))


def _body_text(body: str, is_html: bool, html_to_text: Any) -> str:
    import nh3

    body = body[:MAX_ENTRY_CHARS]
    if not is_html:
        return "\n\n".join(p.strip() for p in re.split(r"\n\s*\n", body) if p.strip())
    safe = nh3.clean(
        body,
        tags=set(SAFE_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        url_schemes={"http", "https"},
    )
    return str(html_to_text(safe, well_formed=True)).strip()  # nh3's output: no second pass


def _checked_date(value: datetime | None, now: datetime, flags: list[str]) -> datetime | None:
    if value is None:
        flags.append(FLAG_UNDATED)
        return None
    checked, clamped = plausible_date(value, now)
    flags += clamped
    return checked


def is_teaser(text: str) -> bool:
    """True when an entry's text looks like a teaser rather than the article."""
    return len(text.split()) < TEASER_WORDS or bool(_TEASER_END.search(text[-80:]))


def _clean_line(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    return " ".join(value.split())[:500] or None


def _language(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    code = value.strip().lower().replace("_", "-").split("-", 1)[0]
    return code if re.fullmatch(r"[a-z]{2,3}", code) else None


def _first_line(value: object) -> str:
    text = str(value).strip().splitlines()
    return text[0][:200] if text else type(value).__name__


def _flag(article: Article, flag: str) -> Article:
    return replace(article, flags=(*article.flags, flag))


# --- the source ---------------------------------------------------------------------------------


class FeedSource:
    """A feed from a URL (conditional GET) or a local file."""

    def __init__(self, source: SourceConfig, config: Config) -> None:
        self.name = source.name
        self.source = source
        self.config = config

    @property
    def max_entries(self) -> int:
        return self.source.max_entries or self.config.fetch.max_entries

    def fetch(self, state: SourceState) -> FetchResult:
        if self.source.is_remote:
            return self._fetch_remote(state)
        return self._fetch_local(state)

    def _fetch_remote(self, state: SourceState) -> FetchResult:
        response = shared_client(self.config.fetch).get(
            self.source.location,
            allow_private=self.source.allow_private,
            etag=state.etag,
            last_modified=state.last_modified,
        )
        if response.not_modified:
            return FetchResult(articles=(), state=state, not_modified=True)
        new_state = SourceState(etag=response.etag, last_modified=response.last_modified)
        options = self._options(base_url=response.url, content_type=response.content_type)
        parsed = parse_feed(response.content, options)
        articles, problems = self._complete(parsed)
        return FetchResult(articles=articles, state=new_state, problems=problems)

    def _fetch_local(self, state: SourceState) -> FetchResult:
        try:
            data = read_file_bytes(
                Path(self.source.location), max_bytes=self.config.fetch.max_bytes
            )
        except DocumentError as exc:
            raise SourceError(str(exc)) from None
        parsed = parse_feed(data, self._options())
        articles, problems = self._complete(parsed)
        return FetchResult(articles=articles, state=state, problems=problems)

    def _options(self, base_url: str | None = None, content_type: str = "") -> FeedOptions:
        return FeedOptions(
            source=self.name,
            language=self.source.language,
            max_entries=self.max_entries,
            base_url=base_url,
            content_type=content_type,
        )

    def _wants_page(self, entry: FeedEntry) -> bool:
        if entry.article.url is None:
            return False
        if self.source.full_text is True:
            return True
        # A local feed file is an offline source: "auto" never goes to the network for it.
        return self.source.full_text == "auto" and self.source.is_remote and entry.teaser

    def _complete(self, parsed: ParsedFeed) -> tuple[tuple[Article, ...], tuple[str, ...]]:
        """Replace teasers by the full text of their pages, where configured."""
        problems = list(parsed.problems)
        wanted = [e for e in parsed.entries if self._wants_page(e)]
        pages = dict(zip(map(id, wanted), self._pages(wanted, problems), strict=True))
        articles = []
        for entry in parsed.entries:
            page = pages.get(id(entry))
            articles.append(_with_page(entry, page))
        return tuple(articles), tuple(problems)

    def _pages(
        self, entries: Sequence[FeedEntry], problems: list[str]
    ) -> Iterable[PageText | None]:
        if not entries:
            return []
        http = shared_client(self.config.fetch)
        # The feed's budget (its source's time limit, a stop) covers its pages too;
        # context variables do not follow work into the pool's threads, so pass it on.
        budget = current_budget()
        cut: list[str] = []

        def one(entry: FeedEntry) -> PageText | None:
            url = entry.article.url
            assert url is not None
            if budget is not None and (budget.expired or budget.stopped):
                cut.append(url)
                return None
            try:
                with within(budget):
                    return fetch_page(
                        http,
                        url,
                        allow_private=self.source.allow_private,
                        timeout=self.config.fetch.page_timeout,
                    )
            except FetchStopped:
                raise
            except SourceError as exc:
                if budget is not None and budget.expired:
                    cut.append(url)
                else:
                    problems.append(f"full text not read: {exc}")
                return None

        # Pages of one feed usually share a host: as many workers as that host allows.
        with ThreadPoolExecutor(max_workers=self.config.fetch.per_host) as pool:
            pages = list(pool.map(one, entries))
        if cut and budget is not None:
            problems.append(
                f"full text not read for {len(cut)} of {len(entries)} entries: {budget.limit} "
                "was reached; their teasers are in the briefing instead"
            )
        return pages


def _with_page(entry: FeedEntry, page: PageText | None) -> Article:
    article = entry.article
    if page is not None and len(page.text) > len(article.text):
        return replace(
            article,
            text=page.text,
            title=article.title or page.title or "",
            author=article.author or page.author,
            published=article.published or page.published,
            language=article.language or page.language,
            flags=(
                *(f for f in article.flags if f != FLAG_UNDATED or page.published is None),
                FLAG_FULL_TEXT,
            ),
        )
    if not article.text:
        # The title is all the entry says; it stands in as the text so it is not lost
        # (and two different title-only entries do not look like the same empty text).
        return replace(article, text=article.title, flags=(*article.flags, FLAG_TITLE_ONLY))
    if entry.teaser:
        return _flag(article, FLAG_TEASER)
    return article


register_source_kind("feed", FeedSource)
