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

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import jinja2
from markupsafe import Markup

from .errors import RenderError
from .models import Briefing, BriefingItem, Story, StorySentence

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
_MD_INLINE = re.compile(r"([\\`*_{}\[\]<>|~])")
_MD_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
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
        "nothing_new": "Nothing new since the last briefing.",
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
        "nothing_new": "Rien de nouveau depuis le dernier briefing.",
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
    text = " ".join(_CONTROL.sub(" ", str(value)).split())
    return clip(text, limit)


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
    if not url or len(url) > MAX_URL_CHARS or _CONTROL.search(url) or any(c.isspace() for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def format_date(value: date, language: str) -> str:
    """``20 November 2004`` / ``20 novembre 2004``."""
    months = _MONTHS.get(language, _MONTHS["en"])
    return f"{value.day} {months[value.month - 1]} {value.year}"


def format_datetime(value: datetime | None, language: str) -> str:
    """A publication or generation time for people: date, time and offset."""
    if value is None:
        return ""
    if value.tzinfo is None and value.time() == time(0, 0):
        # A bare date ("date: 2004-12-31" in a file): no time was given.
        return format_date(value.date(), language)
    when = f"{format_date(value.date(), language)}, {value:%H:%M}"
    offset = value.utcoffset()
    if offset is None:
        return when
    minutes = int(offset.total_seconds() // 60)
    if minutes == 0:
        return f"{when} UTC"
    hours, rest = divmod(abs(minutes), 60)
    return f"{when} UTC{'+' if minutes > 0 else '-'}{hours:02d}:{rest:02d}"


def count_phrase(count: int, singular: str, plural: str) -> str:
    return f"{count} {singular if count == 1 else plural}"


# --- Markdown filters ------------------------------------------------------------


def escape_markdown(value: object, limit: int = MAX_SENTENCE_CHARS) -> str:
    """Untrusted text as one inert line of Markdown.

    Inline syntax (emphasis, code, links, images, raw HTML, tables) is
    backslash-escaped everywhere; block syntax (headings, quotes, lists) is
    escaped at the start of the line, which is the only place it acts since
    the text is collapsed onto one line.
    """
    text = _MD_INLINE.sub(r"\\\1", clean_line(value, limit))
    text = _MD_ENTITY.sub(r"\\&", text)
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
        False, {"md": escape_markdown, "md_url": markdown_url, "md_link": markdown_link}
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
    env.filters.update({"line": clean_line, "clip": clip})
    env.filters.update(spec.filters)
    env.globals["searched_folders"] = [str(f) for f in folders]
    return env


# --- rendering -----------------------------------------------------------------------


def template_context(briefing: Briefing) -> dict[str, Any]:
    """What every template receives, on top of ``briefing`` itself."""
    language = briefing.language.split("-")[0].lower() or "en"
    words = labels_for(language)
    summarised = [item for item in briefing.items if item.summary is not None and not item.error]
    failed = [item for item in briefing.items if item not in summarised]
    return {
        "briefing": briefing,
        "language": language,
        "labels": words,
        "summarised": summarised,
        "not_summarised": failed,
        "failures": list(briefing.failures),
        "date_text": format_date(briefing.date, language),
        "generated_text": format_datetime(briefing.generated_at, language),
        "counts_text": _counts_text(briefing, words),
        "problems_text": _problems_text(len(failed), len(briefing.failures), words),
        "keywords": _keywords(briefing),
        "when": lambda value: format_datetime(value, language),
        "sentences_of": _sentences_of,
        "item_anchor": _item_anchor,
        "stories": _stories_of(briefing, summarised),
        "sources_text": lambda story: count_phrase(
            story.source_count, words["source_1"], words["sources_n"]
        ),
        "max_title": MAX_TITLE_CHARS,
        "max_sentence": MAX_SENTENCE_CHARS,
    }


def _counts_text(briefing: Briefing, words: Mapping[str, str]) -> str:
    articles = count_phrase(briefing.article_count, words["article"], words["articles_n"])
    sources = count_phrase(briefing.source_count, words["source_1"], words["sources_n"])
    if any(len(story.items) > 1 for story in briefing.stories):
        stories = count_phrase(len(briefing.stories), words["story_1"], words["stories_n"])
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


def _problems_text(not_summarised: int, unreadable: int, words: Mapping[str, str]) -> str:
    parts = []
    if not_summarised:
        parts.append(
            count_phrase(not_summarised, words["not_summarised_1"], words["not_summarised_n"])
        )
    if unreadable:
        parts.append(count_phrase(unreadable, words["unreadable_1"], words["unreadable_n"]))
    return " · ".join(parts)


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


def render_json(briefing: Briefing) -> str:
    """The briefing as JSON for integrations (``--format json``; docs/briefing.schema.json)."""
    import json

    return json.dumps(briefing_data(briefing), ensure_ascii=False, indent=2) + "\n"


def briefing_data(briefing: Briefing) -> dict[str, Any]:
    """The JSON-ready briefing: stories, their articles and quoted sentences, failures, counts."""
    summarised = [item for item in briefing.items if item.summary is not None and not item.error]
    stories = _stories_of(briefing, summarised)
    failed = [item for item in briefing.items if item not in summarised]
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
            "failed_sources": len(briefing.failures),
        },
        "stories": [_story_data(story) for story in stories],
        "not_summarised": [{**_article_data(item), "error": item.error or ""} for item in failed],
        "failures": [
            {"source": f.source, "error": f.error, "when": f.when.isoformat(timespec="seconds")}
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
        "published": a.published.isoformat() if a.published else None,
        "language": item.summary.language if item.summary else a.language,
        "attribution": a.attribution,
        "also_in": list(item.also_in),
    }
