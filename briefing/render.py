"""Turn a :class:`~briefing.models.Briefing` into Markdown, HTML and plain text.

Each output kind has its own Jinja environment. Templates are searched in the
user's folder (config ``templates``), then in ``templates/`` next to the
config file, then in the packaged defaults; the defaults are also reachable
under the ``default:`` prefix, so a user template can write
``{% extends "default:briefing.html.j2" %}`` and replace a single block.

Everything that comes from an article (title, text, link, author, error
messages) is written by strangers. Markdown output is not autoescaped, so
every such string goes through the ``md`` filter, which escapes Markdown and
HTML syntax; links are kept only for http(s) URLs. HTML output is autoescaped
and article HTML, where a template wants it, is cleaned by :func:`sanitize_html`.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, tzinfo
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import jinja2
from markupsafe import Markup

from .errors import RenderError
from .models import Article, Briefing, BriefingItem, SourceFailure, Story, StorySentence
from .typography import colon, ordinal_day, typeset

MARKDOWN_TEMPLATE = "briefing.md.j2"
HTML_TEMPLATE = "briefing.html.j2"
TEXT_TEMPLATE = "email.txt.j2"
EMAIL_HTML_TEMPLATE = "email.html.j2"

# Caps on what one untrusted string may contribute to a page: a runaway
# "sentence" (a scraped table, a wall of text without full stops) must not
# turn one article into fifty pages.
MAX_TITLE_CHARS = 300
MAX_SENTENCE_CHARS = 1_500
MAX_LINE_CHARS = 500
MAX_URL_CHARS = 2_000
ELLIPSIS = " […]"

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")
# Bidi embeddings, overrides and isolates: in a stranger's title they would
# reverse the trusted text beside it ("Invoice \u202egnp.exe"). Marks (LRM/RLM)
# only nudge neutral characters and stay.
BIDI_CONTROLS = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
# Whitespace runs collapse to one space, but a no-break space stays: it is
# what keeps "8 000" or "Paris :" together.
_WHITESPACE = re.compile(r"[^\S\u00a0\u202f]+")
# Markdown escapes that every renderer reads alike (python-markdown leaves
# "\<", "\&", "\|" and "\~" as they are): characters with a meaning are
# backslash-escaped, "<" and "&" become entities, and "|" and "~" stay, since
# the text is one line in a paragraph where no table or strike can start.
_MD_INLINE = re.compile(r"([\\`*_{}\[\]>])")
_MD_LT = re.compile(r"<")
_MD_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
_URL_IN_TEXT = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)\]}»]")
_MD_LINE_START = re.compile(r"^([-+=#>!:])")
_MD_ORDERED = re.compile(r"^(\d+)([.)])")


# --- labels ------------------------------------------------------------------

_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "contents": "Contents",
        "articles": "Articles",
        "key_sentences": "Key sentences",
        "source": "Source",
        "published": "Published",
        "read_original": "Read the original",
        "no_link": "no link",
        "also_in": "Also reported by",
        "not_summarised": "Articles that could not be summarised",
        "reason": "Reason",
        "failed_sources": "Sources that could not be read",
        "no_articles": "No articles in this briefing.",
        "generated": "Generated",
        "page": "Page",
        "of": "of",
        "article": "article",
        "articles_n": "articles",
        "from": "from",
        "source_1": "source",
        "sources_n": "sources",
        "quoted": "Sentences are quoted verbatim from each source.",
        "failed_at": "at",
        "not_summarised_1": "not summarised",
        "not_summarised_n": "not summarised",
        "unreadable_1": "source unreadable",
        "unreadable_n": "sources unreadable",
        "skipped_items": "Files and entries skipped",
        "warnings": "Warnings",
        "failed_1": "source failed",
        "failed_n": "sources failed",
        "skipped_1": "item skipped",
        "skipped_n": "items skipped",
        "warning_1": "warning",
        "warning_n": "warnings",
        "no_articles_yet": "No articles yet.",
        "new_since": "{new} since {time}, {earlier} from earlier today.",
        "new_earlier": "{new}, {earlier} from an earlier briefing today.",
        "new_1": "new",
        "new_n": "new",
        "date_given": "date given by the source: {date}, {why}",
        "title_only": "The source gave only this headline.",
        "in_future": "in the future",
        "too_old": "implausibly old",
        "and_more": "and {n} more",
        "story_1": "story",
        "stories_n": "stories",
        "story_sources": "Reported by",
    },
    "fr": {
        "contents": "Sommaire",
        "articles": "Articles",
        "key_sentences": "Phrases clés",
        "source": "Source",
        "published": "Publié",
        "read_original": "Lire l’article original",
        "no_link": "pas de lien",
        "also_in": "Également chez",
        "not_summarised": "Articles non résumés",
        "reason": "Motif",
        "failed_sources": "Sources illisibles",
        "no_articles": "Aucun article dans ce briefing.",
        "generated": "Généré le",
        "page": "Page",
        "of": "sur",
        "article": "article",
        "articles_n": "articles",
        "from": "de",
        "source_1": "source",
        "sources_n": "sources",
        "quoted": "Les phrases sont citées mot pour mot depuis chaque source.",
        "failed_at": "à",
        "not_summarised_1": "non résumé",
        "not_summarised_n": "non résumés",
        "unreadable_1": "source illisible",
        "unreadable_n": "sources illisibles",
        "skipped_items": "Fichiers et entrées ignorés",
        "warnings": "Avertissements",
        "failed_1": "source en échec",
        "failed_n": "sources en échec",
        "skipped_1": "élément ignoré",
        "skipped_n": "éléments ignorés",
        "warning_1": "avertissement",
        "warning_n": "avertissements",
        "no_articles_yet": "Aucun article pour l’instant.",
        "new_since": "{new} depuis {time}, {earlier} plus tôt dans la journée.",
        "new_earlier": "{new}, {earlier} d’un briefing précédent aujourd’hui.",
        "new_1": "nouveau",
        "new_n": "nouveaux",
        "date_given": "date donnée par la source\u00a0: {date}, {why}",
        "title_only": "La source ne donne que ce titre.",
        "in_future": "dans le futur",
        "too_old": "invraisemblablement ancienne",
        "and_more": "et {n} de plus",
        "story_1": "sujet",
        "stories_n": "sujets",
        "story_sources": "Rapporté par",
    },
}

_MONTHS = {
    "en": tuple(
        [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ]
    ),
    "fr": tuple(
        [
            "janvier",
            "février",
            "mars",
            "avril",
            "mai",
            "juin",
            "juillet",
            "août",
            "septembre",
            "octobre",
            "novembre",
            "décembre",
        ]
    ),
}


def labels_for(language: str) -> Mapping[str, str]:
    """The fixed words of the briefing in its language (English when unknown)."""
    return _LABELS.get(language.split("-")[0].lower(), _LABELS["en"])


# --- filters shared by every output ------------------------------------------


def clean_line(value: object, limit: int = MAX_LINE_CHARS) -> str:
    """One line of untrusted text: no control characters, whitespace collapsed, capped."""
    text = BIDI_CONTROLS.sub("", _CONTROL.sub(" ", str(value)))
    return clip(_WHITESPACE.sub(" ", text).strip(" "), limit)


def clip(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, marked when cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ELLIPSIS)]
    if " " in cut[-40:]:
        cut = cut.rsplit(" ", 1)[0]
    return cut + ELLIPSIS


def safe_url(value: object) -> str | None:
    """The URL if it is an absolute http(s) link a reader can safely follow, else None."""
    if not isinstance(value, str):
        return None
    url = value.strip()
    if (
        not url
        or len(url) > MAX_URL_CHARS
        or _CONTROL.search(url)
        or BIDI_CONTROLS.search(url)
        or any(c.isspace() for c in url)
    ):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def format_date(value: date, language: str) -> str:
    """``20 November 2004`` / ``1er novembre 2004``."""
    months = _MONTHS.get(language, _MONTHS["en"])
    return f"{ordinal_day(value.day, language)} {months[value.month - 1]} {value.year}"


def format_datetime(value: datetime | None, language: str, zone: tzinfo | None = None) -> str:
    """A publication or generation time for people: date, time and offset.

    An aware time is shown in ``zone`` when given (the configured display
    timezone), with its offset from UTC.
    """
    if value is None:
        return ""
    if value.tzinfo is None and value.time() == time(0, 0):
        # A bare date ("date: 2004-12-31" in a file): no time was given.
        return format_date(value.date(), language)
    if zone is not None and value.tzinfo is not None:
        with contextlib.suppress(OverflowError):  # year 1 or 9999, stored by an older version
            value = value.astimezone(zone)
    when = f"{format_date(value.date(), language)}, {value:%H:%M}"
    offset = value.utcoffset()
    if offset is None:
        return when
    return f"{when} {utc_offset(offset.total_seconds())}"


def utc_offset(seconds: float) -> str:
    """``UTC``, ``UTC+01:00``, ``UTC-05:30``."""
    minutes = int(seconds // 60)
    if minutes == 0:
        return "UTC"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{'+' if minutes > 0 else '-'}{hours:02d}:{rest:02d}"


def count_phrase(count: int, singular: str, plural: str, language: str = "en") -> str:
    """``1 article``, ``3 articles``; French counts 0 in the singular too."""
    one = count in (0, 1) if language == "fr" else count == 1
    return f"{count} {singular if one else plural}"


# --- Markdown filters ------------------------------------------------------------


def escape_markdown(value: object, limit: int = MAX_SENTENCE_CHARS) -> str:
    """Untrusted text as one inert line of Markdown.

    Inline syntax (emphasis, code, links, images, raw HTML) is escaped
    everywhere; block syntax (headings, quotes, lists) is escaped at the start
    of the line, which is the only place it acts since the text is collapsed
    onto one line.
    """
    return _escape_line_start(_escape_inline(clean_line(value, limit)))


def _escape_inline(text: str) -> str:
    text = _MD_ENTITY.sub("&amp;", text)
    return _MD_LT.sub("&lt;", _MD_INLINE.sub(r"\\\1", text))


def _escape_line_start(text: str) -> str:
    text = _MD_LINE_START.sub(r"\\\1", text)
    return _MD_ORDERED.sub(r"\1\\\2", text)


def markdown_url(value: object) -> str | None:
    """A safe http(s) URL encoded so it cannot end a Markdown link early."""
    url = safe_url(value)
    if url is None:
        return None
    return quote(url, safe=":/?#[]@!$&'*+,;=%~-._")


def markdown_link(text: object, url: object) -> str:
    """``[text](url)`` for a safe URL, the escaped text alone otherwise."""
    label = escape_markdown(text, MAX_TITLE_CHARS)
    target = markdown_url(url)
    return f"[{label}]({target})" if target else label


def markdown_text_with_links(value: object, limit: int = MAX_LINE_CHARS) -> str:
    """Untrusted text as inert Markdown whose http(s) addresses are links (``<url>``).

    A credit line quotes its article's address: escaped like the words around
    it, it would read ``Bush\\_to\\_Propose`` and not be a link.
    """
    text = clean_line(value, limit)
    parts: list[str] = []
    last = 0
    for match in _URL_IN_TEXT.finditer(text):
        target = markdown_url(match.group(0))
        if target is not None:
            parts += [_escape_inline(text[last : match.start()]), f"<{target}>"]
            last = match.end()
    parts.append(_escape_inline(text[last:]))
    return _escape_line_start("".join(parts))


# --- HTML filters ------------------------------------------------------------------

_ALLOWED_TAGS = set(
    [
        "p",
        "br",
        "em",
        "strong",
        "b",
        "i",
        "a",
        "ul",
        "ol",
        "li",
        "blockquote",
        "q",
        "cite",
        "code",
        "sub",
        "sup",
        "span",
        "h4",
        "h5",
        "h6",
    ]
)
MAX_ARTICLE_HTML_CHARS = 200_000


def sanitize_html(value: object) -> str:
    """Article HTML reduced to harmless text markup (no scripts, styles, images, forms).

    Links keep only http(s) targets and get ``rel="noopener noreferrer nofollow"``.
    Oversized input is cut before parsing so a hostile page cannot stall rendering.
    """
    import nh3

    html = str(value)[:MAX_ARTICLE_HTML_CHARS]
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes={"a": {"href", "title"}, "*": {"lang"}},
        url_schemes={"http", "https"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def html_safe_markup(value: object) -> Markup:
    """Template filter: sanitised article HTML, marked safe so it is not escaped again."""
    return Markup(sanitize_html(value))


# --- environments ------------------------------------------------------------------


def packaged_templates() -> Path:
    """The folder of the default templates installed with the package."""
    return Path(str(resources.files("briefing.templates")))


def template_folders(templates: Path | None, config_dir: Path | None) -> list[Path]:
    """Where templates are looked for, first match wins."""
    folders: list[Path] = []
    if templates is not None:
        folders.append(Path(templates))
    if config_dir is not None:
        folders.append(Path(config_dir) / "templates")
    folders.append(packaged_templates())
    unique: list[Path] = []
    for folder in folders:
        if folder not in unique:
            unique.append(folder)
    return unique


@dataclass(frozen=True)
class _Kind:
    autoescape: bool
    filters: Mapping[str, Callable[..., Any]]


_KINDS: dict[str, _Kind] = {
    "markdown": _Kind(
        False,
        {
            "md": escape_markdown,
            "md_url": markdown_url,
            "md_link": markdown_link,
            "md_links": markdown_text_with_links,
        },
    ),
    "html": _Kind(True, {"safe_url": safe_url, "sanitize": html_safe_markup}),
    "text": _Kind(False, {"safe_url": safe_url}),
}


def build_environment(
    kind: str, *, templates: Path | None = None, config_dir: Path | None = None
) -> jinja2.Environment:
    """The Jinja environment for one output kind (``markdown``, ``html`` or ``text``)."""
    spec = _KINDS[kind]
    folders = template_folders(templates, config_dir)
    loader = jinja2.ChoiceLoader(
        [
            jinja2.FileSystemLoader([str(f) for f in folders]),
            jinja2.PrefixLoader(
                {"default": jinja2.FileSystemLoader(str(packaged_templates()))}, delimiter=":"
            ),
        ]
    )
    env = jinja2.Environment(
        loader=loader,
        autoescape=spec.autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    # `typeset(language)`: a user template's own words get the spaces the
    # default templates' words and quotes already have.
    env.filters.update({"line": clean_line, "clip": clip, "typeset": typeset})
    env.filters.update(spec.filters)
    env.globals["searched_folders"] = [str(f) for f in folders]
    return env


# --- rendering -----------------------------------------------------------------------


def template_context(briefing: Briefing) -> dict[str, Any]:
    """What every template receives, on top of ``briefing`` itself.

    The briefing's article titles and quoted sentences get their language's
    typographic spaces here (only spaces change), so every template and
    format shows the same text.
    """
    language = _base_language(briefing)
    words = labels_for(language)
    zone = display_zone(briefing)
    briefing = typeset_briefing(briefing)
    summarised = [item for item in briefing.items if item.summary is not None and not item.error]
    failed = [item for item in briefing.items if item.summary is None or item.error]
    groups = problem_groups(briefing.failures)
    return {
        "briefing": briefing,
        "language": language,
        "labels": {**words, "colon": colon(language), "colon_end": colon(language).rstrip(" ")},
        "summarised": summarised,
        "not_summarised": failed,
        "failures": groups["failed"],
        "skipped": by_source(groups["skipped"], words),
        "warnings": by_source(groups["warning"], words),
        "date_text": format_date(briefing.date, language),
        "generated_text": format_datetime(briefing.generated_at, language, zone),
        "counts_text": _counts_text(briefing, words),
        "problems_text": _problems_text(len(failed), groups, words, language),
        "status_text": status_text(briefing, words, zone),
        "keywords": _keywords(briefing),
        "when": lambda value: format_datetime(value, language, zone),
        "date_note": lambda article: date_note(article, words),
        "reason": reader_reason,
        "sentences_of": _sentences_of,
        "item_anchor": _item_anchor,
        "stories": _stories_of(briefing, summarised),
        "sources_text": lambda story: count_phrase(
            story.source_count, words["source_1"], words["sources_n"], language
        ),
        "max_title": MAX_TITLE_CHARS,
        "max_sentence": MAX_SENTENCE_CHARS,
    }


def _base_language(briefing: Briefing) -> str:
    return briefing.language.split("-")[0].lower() or "en"


def display_zone(briefing: Briefing) -> tzinfo | None:
    """The zone the briefing shows its times in (None: as each time was given)."""
    name = briefing.timezone
    if not name:
        return None
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def typeset_briefing(briefing: Briefing) -> Briefing:
    """The briefing with each article's title and sentences typeset in its language."""
    return replace(
        briefing,
        items=tuple(_typeset_item(item) for item in briefing.items),
        stories=tuple(_typeset_story(story) for story in briefing.stories),
    )


def _typeset_story(story: Story) -> Story:
    language = story.items[0].article.language if story.items else None
    sentences = tuple(
        replace(
            s,
            text=typeset(s.text, s.article.language),
            article=replace(s.article, title=typeset(s.article.title, s.article.language)),
        )
        for s in story.sentences
    )
    return replace(
        story,
        headline=typeset(story.headline, language),
        items=tuple(_typeset_item(item) for item in story.items),
        sentences=sentences,
    )


def _typeset_item(item: BriefingItem) -> BriefingItem:
    article = item.article
    language = article.language or (item.summary.language if item.summary else None)
    typeset_article = replace(article, title=typeset(article.title, language))
    summary = item.summary
    if summary is not None:
        sentences = tuple(replace(s, text=typeset(s.text, language)) for s in summary.sentences)
        summary = replace(summary, sentences=sentences)
    return replace(item, article=typeset_article, summary=summary)


def _counts_text(briefing: Briefing, words: Mapping[str, str]) -> str:
    language = _base_language(briefing)
    articles = count_phrase(briefing.article_count, words["article"], words["articles_n"], language)
    # "from N sources" counts the sources the articles came from: a source
    # that failed or had nothing gave none of them, and one whose copy of an
    # article was joined to another's ("Also reported by") gave it too.
    given = (
        len({name for item in briefing.items for name in (item.article.source, *item.also_in)})
        or briefing.source_count
    )
    sources = count_phrase(given, words["source_1"], words["sources_n"], language)
    if any(len(story.items) > 1 for story in briefing.stories):
        stories = count_phrase(
            len(briefing.stories), words["story_1"], words["stories_n"], language
        )
        return f"{stories} {words['from']} {articles}, {sources}"
    return f"{articles} {words['from']} {sources}"


def _stories_of(briefing: Briefing, summarised: list[BriefingItem]) -> list[Story]:
    """The briefing's stories; without any, each summarised item is a story of its own."""
    if briefing.stories:
        return list(briefing.stories)
    return [
        Story(
            headline=item.article.title,
            items=(item,),
            sentences=tuple(
                StorySentence(item.article, s.index, s.text, s.score, s.components)
                for s in (item.summary.sentences if item.summary else ())
            ),
        )
        for item in summarised
    ]


#: The kinds of source problem, as sources report them (see sources.base).
PROBLEM_KINDS = ("failed", "skipped", "warning")


def problem_groups(failures: tuple[SourceFailure, ...]) -> dict[str, list[SourceFailure]]:
    """The run's source problems by kind: sources that failed, items skipped, warnings."""
    groups: dict[str, list[SourceFailure]] = {kind: [] for kind in PROBLEM_KINDS}
    for failure in failures:
        groups[problem_kind_of(failure)].append(failure)
    return groups


def problem_kind_of(failure: SourceFailure) -> str:
    """One of :data:`PROBLEM_KINDS`: a kind this version does not know reads as a warning."""
    return failure.kind if failure.kind in PROBLEM_KINDS else "warning"


@dataclass(frozen=True)
class SourceProblems:
    """One source's skipped items or warnings, as the briefing lists them."""

    source: str
    reasons: tuple[str, ...]


#: A folder of 500 bad files is one source's problem, not 500 lines of briefing.
MAX_REASONS_SHOWN = 5


def by_source(failures: list[SourceFailure], words: Mapping[str, str]) -> list[SourceProblems]:
    """Problems grouped under their source, in order, each a short reader reason."""
    grouped: dict[str, list[str]] = {}
    for failure in failures:
        grouped.setdefault(failure.source, []).append(reader_reason(failure.error))
    result = []
    for source, reasons in grouped.items():
        shown = reasons[:MAX_REASONS_SHOWN]
        if len(reasons) > len(shown):
            shown.append(words["and_more"].format(n=len(reasons) - len(shown)))
        result.append(SourceProblems(source, tuple(shown)))
    return result


def _problems_text(
    not_summarised: int,
    groups: Mapping[str, list[SourceFailure]],
    words: Mapping[str, str],
    language: str = "en",
) -> str:
    parts = []
    if not_summarised:
        parts.append(
            count_phrase(
                not_summarised, words["not_summarised_1"], words["not_summarised_n"], language
            )
        )
    failed_sources = len({f.source for f in groups["failed"]})
    for count, singular, plural in (
        (failed_sources, "failed_1", "failed_n"),
        (len(groups["skipped"]), "skipped_1", "skipped_n"),
        (len(groups["warning"]), "warning_1", "warning_n"),
    ):
        if count:
            parts.append(count_phrase(count, words[singular], words[plural], language))
    return " · ".join(parts)


def status_text(briefing: Briefing, words: Mapping[str, str], zone: tzinfo | None) -> str:
    """What the briefing says about what is new in it; empty when everything is.

    "No articles yet" for an empty briefing; after an earlier briefing of the
    same day, how many articles are new since it and how many it already had.
    """
    if not briefing.items:
        return words["no_articles_yet"]
    new = briefing.new_count
    if new is None:
        new = 0 if briefing.nothing_new else len(briefing.items)
    earlier = len(briefing.items) - new
    if earlier <= 0:
        return ""
    values = {
        "new": count_phrase(new, words["new_1"], words["new_n"], _base_language(briefing)),
        "earlier": str(earlier),
    }
    since = briefing.since
    if since is None:
        return words["new_earlier"].format(**values)
    if zone is not None and since.tzinfo is not None:
        since = since.astimezone(zone)
    return words["new_since"].format(**values, time=f"{since:%H:%M}")


def date_note(article: Article, words: Mapping[str, str]) -> str:
    """Why the publication time shown is not the one the source gave, or ""."""
    from .sources.base import FLAG_ANCIENT, FLAG_FUTURE, FLAG_GIVEN_DATE

    given = next(
        (f[len(FLAG_GIVEN_DATE) :] for f in article.flags if f.startswith(FLAG_GIVEN_DATE)), ""
    )
    if FLAG_FUTURE in article.flags:
        why = words["in_future"]
    elif FLAG_ANCIENT in article.flags:
        why = words["too_old"]
    else:
        return ""
    return words["date_given"].format(date=_given_date_text(given), why=why)


def _given_date_text(given: str) -> str:
    """``2035-03-01 08:06 UTC``: the date a source gave, as it gave it (its own offset)."""
    try:
        moment = datetime.fromisoformat(given)
    except ValueError:
        return clean_line(given, 40) or "?"
    offset = moment.utcoffset()
    zone = f" {utc_offset(offset.total_seconds())}" if offset is not None else ""
    return f"{moment.year:04d}-{moment:%m-%d %H:%M}{zone}"  # %Y writes year 1 as "1"


_ABSOLUTE_PATH = re.compile(r"(?<![\w.:/])(?:/[^\s/:]+)+/([^\s/:]+)")
_PARSER_POSITION = re.compile(r"<[^>\s]*>:\d+:\d+:\s*")
_CONFIG_HINT = re.compile(r"[;(]\s*(?:set|use|add|see)\s+[a-z_.]+\b.*$", re.I)


def reader_reason(message: object) -> str:
    """A source problem as a reader of the briefing should see it.

    The full message (server paths, parser positions, what to change in the
    configuration) is for whoever runs the briefing: it is in the log and in
    ``briefing sources``. The reader gets the short reason: file names
    without their folders, no parser positions, no configuration hints.
    """
    text = clean_line(message, MAX_LINE_CHARS)
    text = _ABSOLUTE_PATH.sub(lambda m: m.group(1), text)
    text = _PARSER_POSITION.sub("", text)
    return _CONFIG_HINT.sub("", text).strip(" ;,(")


def _keywords(briefing: Briefing) -> str:
    names = dict.fromkeys(clean_line(s, 80).replace(",", " ") for s in briefing.sources)
    return ", ".join(["briefing", *names])


def _sentences_of(item: BriefingItem) -> list[str]:
    if item.summary is None:
        return []
    return [s.text for s in item.summary.sentences]


def _item_anchor(index: int) -> str:
    return f"item-{index}"


def _render(
    kind: str, name: str, briefing: Briefing, templates: Path | None, config_dir: Path | None
) -> str:
    env = build_environment(kind, templates=templates, config_dir=config_dir)
    try:
        template = env.get_template(name)
    except jinja2.TemplateNotFound as exc:
        searched = ", ".join(env.globals["searched_folders"])  # type: ignore[arg-type]
        raise RenderError(f"template {exc.name!r} not found (searched: {searched})") from None
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(
            f"template {exc.filename or name}, line {exc.lineno}: {exc.message}"
        ) from None
    try:
        return template.render(template_context(briefing))
    except jinja2.TemplateNotFound as exc:
        searched = ", ".join(env.globals["searched_folders"])  # type: ignore[arg-type]
        raise RenderError(f"template {exc.name!r} not found (searched: {searched})") from None
    except jinja2.TemplateError as exc:
        raise RenderError(f"template {name}: {exc}") from None


def render_markdown(
    briefing: Briefing, *, templates: Path | None = None, config_dir: Path | None = None
) -> str:
    """The briefing as Markdown (``briefing.md.j2``)."""
    return _render("markdown", MARKDOWN_TEMPLATE, briefing, templates, config_dir)


def render_html(
    briefing: Briefing, *, templates: Path | None = None, config_dir: Path | None = None
) -> str:
    """The briefing as a standalone HTML page (``briefing.html.j2``), also the PDF's source."""
    return _render("html", HTML_TEMPLATE, briefing, templates, config_dir)


def render_text(
    briefing: Briefing, *, templates: Path | None = None, config_dir: Path | None = None
) -> str:
    """The plain-text body of the email (``email.txt.j2``)."""
    return _render("text", TEXT_TEMPLATE, briefing, templates, config_dir)


def render_email_html(
    briefing: Briefing, *, templates: Path | None = None, config_dir: Path | None = None
) -> str:
    """The HTML body of the email (``email.html.j2``): simple markup, inline styles only."""
    return _render("html", EMAIL_HTML_TEMPLATE, briefing, templates, config_dir)


# --- the machine-readable briefing --------------------------------------------------

#: Bumped when a field changes meaning or goes away (docs/briefing.schema.json).
JSON_VERSION = 1


def _iso_published(value: datetime | None) -> str | None:
    """ISO 8601; a bare date (a source that gave no time) stays a date: ``2026-11-30``."""
    if value is None:
        return None
    if value.tzinfo is None and value.time() == time(0, 0):
        return value.date().isoformat()
    return value.isoformat()


def render_json(briefing: Briefing) -> str:
    """The briefing as JSON for integrations (``--format json``; docs/briefing.schema.json)."""
    import json

    return json.dumps(briefing_data(briefing), ensure_ascii=False, indent=2) + "\n"


def briefing_data(briefing: Briefing) -> dict[str, Any]:
    """The JSON-ready briefing: stories, their articles and quoted sentences, failures, counts."""
    summarised = [item for item in briefing.items if item.summary is not None and not item.error]
    stories = _stories_of(briefing, summarised)
    failed = [item for item in briefing.items if item not in summarised]
    problems = problem_groups(briefing.failures)
    return {
        "version": JSON_VERSION,
        "title": briefing.title,
        "date": briefing.date.isoformat(),
        "generated_at": briefing.generated_at.isoformat(timespec="seconds"),
        "language": briefing.language,
        "nothing_new": briefing.nothing_new,
        "counts": {
            "stories": len(stories),
            "articles": briefing.article_count,
            "sources": briefing.source_count,
            "not_summarised": len(failed),
            # As the cover counts them: a source that failed once, each skipped item, each warning.
            "failed_sources": len({f.source for f in problems["failed"]}),
            "skipped": len(problems["skipped"]),
            "warnings": len(problems["warning"]),
        },
        "stories": [_story_data(story) for story in stories],
        "not_summarised": [{**_article_data(item), "error": item.error or ""} for item in failed],
        "failures": [
            {
                "source": f.source,
                "kind": problem_kind_of(f),
                "error": f.error,
                "when": f.when.isoformat(timespec="seconds"),
            }
            for f in briefing.failures
        ],
    }


def _story_data(story: Story) -> dict[str, Any]:
    position = {id(item.article): i for i, item in enumerate(story.items)}
    return {
        "key": story.key,
        "headline": story.headline,
        "sources": list(story.sources),
        "articles": [_article_data(item) for item in story.items],
        "sentences": [
            {
                "text": s.text,
                "article": position.get(id(s.article), 0),
                "index": s.index,
                "score": s.score,
                "components": dict(s.components),
            }
            for s in story.sentences
        ],
    }


def _article_data(item: BriefingItem) -> dict[str, Any]:
    a = item.article
    return {
        "source": a.source,
        "title": a.title,
        "url": a.url,
        "published": _iso_published(a.published),
        "language": item.summary.language if item.summary else a.language,
        "attribution": a.attribution,
        "also_in": list(item.also_in),
    }
