"""Typed, validated configuration.

One TOML file, read with :mod:`tomllib`, is validated once into frozen
objects. Values are merged in this order: defaults, then the file, then
command-line overrides (``None`` overrides are ignored). Every problem is
reported with the key it concerns (``sources[2].feed: not a URL``) and all
problems are reported together. Relative paths resolve against the folder of
the config file, not the working directory.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any, Literal

from .errors import ConfigError
from .urls import split_url

SourceKind = Literal["feed", "page", "folder"]
FullText = bool | Literal["auto"]
FORMATS = ("md", "html", "pdf", "json")
DEFAULT_FORMATS = ("md", "pdf")
PDF_PROFILES = ("pdf/a-3u", "pdf/ua-1")
# The languages the briefing's own words (headings, dates) are written in; see
# render._LABELS.
BRIEFING_LANGUAGES = ("en", "fr")
SMTP_SECURITY = ("starttls", "ssl", "none")
CONFIG_ENV = "BRIEFING_CONFIG"
#: Where the bundled samples write (briefings and their own database), in the
#: working directory: never a user's ``output/``, so samples never mix with real data.
SAMPLE_OUTPUT_DIR = "briefing-sample"


@dataclass(frozen=True)
class SourceConfig:
    """One configured source: exactly one of a feed, a page or a folder."""

    name: str
    kind: SourceKind
    location: str
    allow_private: bool | None = None
    full_text: FullText = "auto"
    max_entries: int | None = None
    language: str | None = None
    stories: bool = True  # false: this source's articles are never grouped with others

    @property
    def is_remote(self) -> bool:
        return self.location.startswith(("http://", "https://"))


@dataclass(frozen=True)
class FetchConfig:
    """How remote sources are fetched."""

    timeout: float = 20.0
    connect_timeout: float = 5.0
    max_bytes: int = 10_000_000
    max_redirects: int = 5
    concurrency: int = 16
    per_host: int = 2
    retries: int = 2
    allow_private: bool = False
    max_entries: int = 100
    page_timeout: float = 15.0
    user_agent: str = "briefing/0.1 (+https://pypi.org/project/briefing/)"
    #: Seconds for one source as a whole: its feed, retries and full-text pages.
    source_timeout: float = 60.0
    #: Seconds for collecting every source of a run.
    run_timeout: float = 300.0


@dataclass(frozen=True)
class ScheduleConfig:
    """When the daily briefing runs."""

    cron: str = "0 7 * * 1-5"
    timezone: str | None = None
    catch_up: timedelta = timedelta(hours=12)


@dataclass(frozen=True)
class PdfConfig:
    """PDF output options."""

    profile: str | None = None
    max_seconds: float = 60.0


@dataclass(frozen=True)
class RetentionConfig:
    """What ``briefing prune`` keeps: days after an article's briefing (None: for ever)."""

    text_days: int | None = 90
    days: int | None = None


@dataclass(frozen=True)
class SmtpConfig:
    """The SMTP server the briefing is sent through."""

    host: str
    port: int = 587
    security: str = "starttls"
    username: str | None = None
    password_env: str | None = None
    allow_insecure: bool = False
    timeout: float = 30.0
    retries: int = 3


@dataclass(frozen=True)
class EmailConfig:
    """The email built beside the PDF and, optionally, sent."""

    sender: str
    to: tuple[str, ...]
    subject: str = "{title} — {date}"
    send: bool = False
    smtp: SmtpConfig | None = None


@dataclass(frozen=True)
class StoriesConfig:
    """How the day's articles are grouped into stories (see briefing/stories.py)."""

    enabled: bool = True
    threshold: float = 0.22
    sentences: int = 5


@dataclass(frozen=True)
class Config:
    """A validated configuration. Build it with :func:`load_config`."""

    title: str = "Morning briefing"
    output_dir: Path = Path("output")
    database: Path | None = None
    language: str = "auto"
    briefing_language: str = "auto"
    sentences: int = 3
    algorithm: str = "default"
    templates: Path | None = None
    formats: tuple[str, ...] = DEFAULT_FORMATS
    author: str | None = None
    sources: tuple[SourceConfig, ...] = ()
    fetch: FetchConfig = field(default_factory=FetchConfig)
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    pdf: PdfConfig = field(default_factory=PdfConfig)
    email: EmailConfig | None = None
    path: Path | None = None
    max_articles: int = 200
    retention: RetentionConfig = field(default_factory=RetentionConfig)
    #: True when no config was found and the bundled samples are used.
    sample: bool = False
    #: Problems that do not stop a run (a folder that is not there yet), each naming its key.
    warnings: tuple[str, ...] = ()
    #: The IANA zone times are shown in; None: the schedule's, else the machine's.
    timezone: str | None = None

    @property
    def display_timezone(self) -> str:
        """The zone the briefing, ``briefing status`` and ``briefing sources`` show times in."""
        if self.timezone or self.schedule.timezone:
            return self.timezone or self.schedule.timezone or ""
        from tzlocal import get_localzone_name

        try:
            return get_localzone_name() or "UTC"
        except Exception:  # an unreadable machine setting: show UTC, never fail a run
            return "UTC"

    def display_zone(self) -> tzinfo:
        """The zone of :attr:`display_timezone`; UTC if this machine does not know its name."""
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            return ZoneInfo(self.display_timezone)
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")

    def today(self) -> date:
        """Today where the reader is: the date in :meth:`display_zone`.

        A server keeps UTC while its readers are in Paris: at 00:30 there the
        briefing is the new day's, not the one UTC still calls today.
        """
        return datetime.now(self.display_zone()).date()

    stories: StoriesConfig = field(default_factory=StoriesConfig)

    @property
    def database_path(self) -> Path:
        return self.database or self.output_dir / "briefing.sqlite3"

    @property
    def base_dir(self) -> Path:
        """The folder relative paths in the config resolve against."""
        return self.path.parent if self.path else Path.cwd()


# --- reading -----------------------------------------------------------------


def sample_config_path() -> Path:
    """The bundled sample configuration (Wikinews articles and the seed article)."""
    from importlib import resources  # lazily: `briefing summarize` reads no config

    return Path(str(resources.files("briefing") / "samples" / "briefing.toml"))


@dataclass(frozen=True)
class FoundConfig:
    """Which configuration file is used, and why (for messages)."""

    path: Path | None  # None: none was found, the bundled samples are used
    origin: str


def user_config_path() -> Path:
    """``$XDG_CONFIG_HOME/briefing/briefing.toml`` (default ``~/.config/...``)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base).expanduser() / "briefing" / "briefing.toml"


def find_config(explicit: str | os.PathLike[str] | None = None) -> FoundConfig:
    """Look for the config as other tools do: ``--config``, then ``$BRIEFING_CONFIG``,
    then ``./briefing.toml``, then ``$XDG_CONFIG_HOME/briefing/briefing.toml``.

    A file named explicitly (option or variable) must exist; the two usual
    places are only looked at. ``path=None`` means none was found.
    """
    if explicit:
        return FoundConfig(Path(explicit), "--config")
    if env := os.environ.get(CONFIG_ENV):
        return FoundConfig(Path(env), f"${CONFIG_ENV}")
    for candidate, origin in (
        (Path("briefing.toml"), "./briefing.toml"),
        (user_config_path(), "$XDG_CONFIG_HOME/briefing/briefing.toml"),
    ):
        if candidate.is_file():
            return FoundConfig(candidate, origin)
    return FoundConfig(None, "the bundled samples")


def load_config(path: str | os.PathLike[str] | None = None, **overrides: Any) -> Config:
    """Read, merge and validate a configuration.

    ``path=None`` looks for one (:func:`find_config`); when there is none, the
    bundled samples are used, writing into ``./briefing-sample/`` (their own
    output folder and database). Keyword ``overrides`` come from the command
    line; ``None`` values are ignored. An ``output_dir`` override moves where
    files are written, never the database (else the next run would take every
    stored article for new).
    """
    found = find_config(path)
    chosen = found.path or sample_config_path()
    try:
        data = _read_toml(chosen)
    except ConfigError as exc:
        if found.origin.startswith("$"):
            raise ConfigError(f"{exc} (named by {found.origin})") from None
        raise
    if found.path is None:
        # The sample sources live in the installed package, but what a run
        # writes belongs to the user's working directory.
        data.setdefault("output_dir", str(Path.cwd() / SAMPLE_OUTPUT_DIR))
    given = {k: v for k, v in overrides.items() if v is not None}
    file_output = data.get("output_dir", str(Config().output_dir))
    if "output_dir" in given and "database" not in data and isinstance(file_output, str):
        base = chosen.resolve().parent
        given["database"] = str((base / Path(file_output).expanduser()) / "briefing.sqlite3")
    config = parse_config(data | given, path=chosen.resolve())
    return replace(config, sample=True) if found.path is None else config


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except IsADirectoryError:
        raise ConfigError(f"{path} is a folder, not a config file") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    import tomllib  # lazily: `briefing summarize` reads no config

    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError("not UTF-8 text", path=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", path=str(path)) from None


# --- validating ----------------------------------------------------------------


class _Checker:
    """Collects problems while reading a mapping, so all are reported at once."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.warnings: list[str] = []

    def problem(self, key: str, message: str) -> None:
        self.problems.append(f"{key}: {message}")

    def warn(self, key: str, message: str) -> None:
        self.warnings.append(f"{key}: {message}")

    def unknown(self, table: Mapping[str, Any], known: set[str], prefix: str) -> None:
        for key in sorted(set(table) - known):
            self.problem(f"{prefix}{key}", "unknown setting" + did_you_mean(str(key), known))

    def get(
        self,
        table: Mapping[str, Any],
        key: str,
        kind: type | tuple[type, ...],
        default: Any,
        prefix: str = "",
        check: Callable[[Any], str | None] | None = None,
    ) -> Any:
        if key not in table:
            return default
        value = table[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        # bool is an int in Python; a number setting must not accept true/false.
        if isinstance(value, bool) and bool not in kinds:
            self.problem(prefix + key, f"expected {_kind_name(kinds)}, got {value!r}")
            return default
        if float in kinds and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kinds):
            self.problem(prefix + key, f"expected {_kind_name(kinds)}, got {value!r}")
            return default
        if check is not None and (message := check(value)):
            self.problem(prefix + key, message)
            return default
        return value


def _kind_name(kinds: tuple[type, ...]) -> str:
    names = {
        str: "text",
        int: "a whole number",
        float: "a number",
        bool: "true or false",
        list: "a list",
        dict: "a table",
    }
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``"; did you mean 'sources'?"`` for a near miss, else ``""``."""
    import difflib  # lazily: only a mistake needs it

    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.75)
    return f"; did you mean {close[0]!r}?" if close else ""


def _positive(value: float) -> str | None:
    return None if value > 0 else "must be greater than 0"


def _not_negative(value: float) -> str | None:
    return None if value >= 0 else "must be 0 or more"


def _briefing_language(value: str) -> str | None:
    if value == "auto" or value in BRIEFING_LANGUAGES:
        return None
    return f"expected auto or one of {', '.join(BRIEFING_LANGUAGES)}"


def _language(value: str) -> str | None:
    if value == "auto":
        return None
    if not re.fullmatch(r"[a-z]{2,3}", value):
        return "expected auto or a code like en, fr"
    # Only when a language is named: the text package compiles its patterns on import.
    from .text.language import SUPPORTED_LANGUAGES

    if value in SUPPORTED_LANGUAGES:
        return None
    # "zz" (or "ja") read with English rules, silently, before.
    return (
        f"no sentence model for {value!r}{did_you_mean(value, SUPPORTED_LANGUAGES)} "
        f"(use auto or one of: {', '.join(sorted(SUPPORTED_LANGUAGES))})"
    )


def language_problem(value: str) -> str | None:
    """Why ``value`` is not a language setting (``auto``, ``en``, ``fr``...), or None."""
    return _language(value)


def algorithm_problem(value: str) -> str | None:
    """Why ``value`` is not a summary algorithm name, or None."""
    from .summarize import available_algorithms

    names = available_algorithms()
    if value.strip().lower() in names:
        return None
    return (
        f"unknown summary algorithm {value!r}{did_you_mean(value.strip().lower(), names)} "
        f"(choose one of: {', '.join(names)})"
    )


def parse_config(data: Mapping[str, Any], *, path: Path | None = None) -> Config:
    """Validate a mapping (as read from TOML, plus overrides) into a Config."""
    c = _Checker()
    base = path.parent if path else Path.cwd()
    known = {
        "title",
        "output_dir",
        "database",
        "language",
        "briefing_language",
        "sentences",
        "algorithm",
        "templates",
        "formats",
        "author",
        "sources",
        "fetch",
        "schedule",
        "pdf",
        "email",
        "max_articles",
        "retention",
        "timezone",
        "stories",
    }
    c.unknown(data, known, "")
    defaults = Config()
    title = c.get(
        data,
        "title",
        str,
        defaults.title,
        check=lambda v: None if v.strip() else "must not be empty",
    )
    output_dir = _path(c, data, "output_dir", base) or base / defaults.output_dir
    formats = _formats(c, data.get("formats", list(DEFAULT_FORMATS)))
    config = Config(
        title=title.strip(),
        output_dir=output_dir,
        database=_path(c, data, "database", base),
        language=c.get(data, "language", str, "auto", check=_language),
        briefing_language=c.get(data, "briefing_language", str, "auto", check=_briefing_language),
        sentences=c.get(data, "sentences", int, 3, check=_positive),
        algorithm=c.get(data, "algorithm", str, "default", check=algorithm_problem).strip().lower(),
        templates=_path(c, data, "templates", base),
        formats=formats,
        author=c.get(data, "author", str, None),
        sources=_sources(c, data.get("sources", []), base),
        fetch=_fetch(c, _table(c, data, "fetch")),
        schedule=_schedule(c, _table(c, data, "schedule")),
        pdf=_pdf(c, _table(c, data, "pdf")),
        email=_email(c, data["email"]) if "email" in data else None,
        path=path,
        max_articles=c.get(data, "max_articles", int, defaults.max_articles, check=_positive),
        retention=_retention(c, _table(c, data, "retention")),
        timezone=c.get(data, "timezone", str, None, check=_timezone_problem),
        stories=_stories(c, _table(c, data, "stories")),
    )
    if c.problems:
        raise ConfigError(c.problems, path=str(path) if path else None)
    return replace(config, warnings=tuple(c.warnings))


def _table(c: _Checker, data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        c.problem(key, "expected a table, e.g. [" + key + "]")
        return {}
    return value


def _path(c: _Checker, data: Mapping[str, Any], key: str, base: Path) -> Path | None:
    value = c.get(data, key, (str, Path), None)
    if value is None:
        return None
    return (base / Path(value).expanduser()).resolve()


def _formats(c: _Checker, value: Any) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not items:
        c.problem("formats", f"expected a list from {', '.join(FORMATS)}")
        return DEFAULT_FORMATS
    cleaned = [str(item).strip().lower() for item in items]
    bad = [item for item in cleaned if item not in FORMATS]
    if bad:
        c.problem("formats", f"unknown format {bad[0]!r}; choose from {', '.join(FORMATS)}")
        return DEFAULT_FORMATS
    return tuple(dict.fromkeys(cleaned))


def _sources(c: _Checker, value: Any, base: Path) -> tuple[SourceConfig, ...]:
    if not isinstance(value, list):
        c.problem("sources", "expected a list of [[sources]] tables")
        return ()
    sources = [_source(c, item, i, base) for i, item in enumerate(value)]
    found = [s for s in sources if s is not None]
    seen: set[str] = set()
    for i, source in enumerate(found):
        if source.name in seen:
            c.problem(f"sources[{i}].name", f"{source.name!r} is used by another source")
        seen.add(source.name)
    return tuple(found)


def _source(c: _Checker, item: Any, i: int, base: Path) -> SourceConfig | None:
    prefix = f"sources[{i}]."
    if not isinstance(item, Mapping):
        c.problem(f"sources[{i}]", "expected a table with feed, page or folder")
        return None
    c.unknown(
        item,
        {
            "name",
            "feed",
            "page",
            "folder",
            "allow_private",
            "full_text",
            "max_entries",
            "language",
            "stories",
        },
        prefix,
    )
    all_kinds: tuple[SourceKind, ...] = ("feed", "page", "folder")
    kinds = [k for k in all_kinds if k in item]
    if len(kinds) != 1:
        c.problem(f"sources[{i}]", "needs exactly one of feed, page or folder")
        return None
    kind: SourceKind = kinds[0]
    raw = c.get(item, kind, str, None, prefix)
    if raw is None:
        return None
    location = _source_location(c, kind, raw.strip(), prefix + kind, base)
    if location is None:
        return None
    full_text = item.get("full_text", "auto")
    if full_text not in (True, False, "auto"):
        c.problem(prefix + "full_text", 'expected true, false or "auto"')
        full_text = "auto"
    return SourceConfig(
        name=c.get(item, "name", str, None, prefix) or _default_name(location),
        kind=kind,
        location=location,
        allow_private=c.get(item, "allow_private", bool, None, prefix),
        full_text=full_text,
        max_entries=c.get(item, "max_entries", int, None, prefix, _positive),
        language=c.get(item, "language", str, None, prefix, _language),
        stories=c.get(item, "stories", bool, True, prefix),
    )


def _source_location(c: _Checker, kind: str, raw: str, key: str, base: Path) -> str | None:
    if not raw:
        c.problem(key, "must not be empty")
        return None
    parts = split_url(raw)
    if parts is None:
        c.problem(key, f"not a valid URL: {raw!r}")
        return None
    scheme = parts.scheme.lower()
    if scheme in ("http", "https"):
        if kind == "folder":
            c.problem(key, "a folder is a local path, not a URL")
            return None
        if not parts.hostname:
            c.problem(key, f"not a URL: {raw!r}")
            return None
        return raw
    if kind == "page":
        c.problem(key, f"not a URL: {raw!r} (a page source needs http:// or https://)")
        return None
    if len(scheme) > 1:  # one letter would be a Windows drive
        c.problem(key, f"unsupported scheme {scheme}: (use http, https or a local path)")
        return None
    resolved = (base / Path(raw).expanduser()).resolve()
    if kind == "folder" and not resolved.is_dir():
        what = "is not a folder" if resolved.exists() else "folder not found"
        c.warn(key, f"{what}: {resolved} (the source will be reported as failed)")
    elif kind == "feed" and not resolved.exists():
        c.warn(key, f"file not found: {resolved} (the source will be reported as failed)")
    return str(resolved)


def _default_name(location: str) -> str:
    parts = split_url(location)
    if parts is not None and parts.hostname:
        return parts.hostname.removeprefix("www.")
    return Path(location).stem or location


def _fetch(c: _Checker, t: Mapping[str, Any]) -> FetchConfig:
    d, p = FetchConfig(), "fetch."
    c.unknown(t, set(FetchConfig.__dataclass_fields__), p)
    return FetchConfig(
        timeout=c.get(t, "timeout", float, d.timeout, p, _positive),
        connect_timeout=c.get(t, "connect_timeout", float, d.connect_timeout, p, _positive),
        max_bytes=c.get(t, "max_bytes", int, d.max_bytes, p, _positive),
        max_redirects=c.get(t, "max_redirects", int, d.max_redirects, p, _not_negative),
        concurrency=c.get(t, "concurrency", int, d.concurrency, p, _positive),
        per_host=c.get(t, "per_host", int, d.per_host, p, _positive),
        retries=c.get(t, "retries", int, d.retries, p, _not_negative),
        allow_private=c.get(t, "allow_private", bool, d.allow_private, p),
        max_entries=c.get(t, "max_entries", int, d.max_entries, p, _positive),
        page_timeout=c.get(t, "page_timeout", float, d.page_timeout, p, _positive),
        user_agent=c.get(t, "user_agent", str, d.user_agent, p),
        source_timeout=c.get(t, "source_timeout", float, d.source_timeout, p, _positive),
        run_timeout=c.get(t, "run_timeout", float, d.run_timeout, p, _positive),
    )


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_duration(text: str) -> timedelta | None:
    """``"12h"``, ``"30m"``, ``"90s"``, ``"1d"`` → timedelta; None if unreadable."""
    match = _DURATION.match(text)
    if not match:
        return None
    return timedelta(**{_UNITS[match.group(2)]: float(match.group(1))})


def _schedule(c: _Checker, t: Mapping[str, Any]) -> ScheduleConfig:
    d, p = ScheduleConfig(), "schedule."
    c.unknown(t, {"cron", "timezone", "catch_up"}, p)
    timezone = c.get(t, "timezone", str, None, p, _timezone_problem)
    cron = c.get(t, "cron", str, d.cron, p, _cron_problem).strip()
    catch_up = d.catch_up
    if "catch_up" in t:
        parsed = parse_duration(str(t["catch_up"]))
        if parsed is None:
            c.problem(p + "catch_up", 'expected a duration like "12h", "30m" or "0s"')
        else:
            catch_up = parsed
    return ScheduleConfig(cron=cron, timezone=timezone, catch_up=catch_up)


def _cron_problem(value: str) -> str | None:
    # The scheduler's own parser decides, so what loads is what `briefing schedule` runs.
    from .schedule import cron_problem

    return cron_problem(value)


def _timezone_problem(value: str) -> str | None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return f"unknown time zone {value!r} (use an IANA name like Europe/Paris)"
    return None


def _stories(c: _Checker, t: Mapping[str, Any]) -> StoriesConfig:
    d, p = StoriesConfig(), "stories."
    c.unknown(t, {"enabled", "threshold", "sentences"}, p)
    return StoriesConfig(
        enabled=c.get(t, "enabled", bool, d.enabled, p),
        threshold=c.get(
            t,
            "threshold",
            float,
            d.threshold,
            p,
            lambda v: None if 0 < v < 1 else "must be between 0 and 1",
        ),
        sentences=c.get(t, "sentences", int, d.sentences, p, _positive),
    )


def _pdf(c: _Checker, t: Mapping[str, Any]) -> PdfConfig:
    d, p = PdfConfig(), "pdf."
    c.unknown(t, {"profile", "max_seconds"}, p)
    profile = c.get(
        t,
        "profile",
        str,
        None,
        p,
        lambda v: (
            None if v.lower() in PDF_PROFILES else f"expected one of {', '.join(PDF_PROFILES)}"
        ),
    )
    return PdfConfig(
        profile=profile.lower() if profile else None,
        max_seconds=c.get(t, "max_seconds", float, d.max_seconds, p, _positive),
    )


def _retention(c: _Checker, t: Mapping[str, Any]) -> RetentionConfig:
    d, p = RetentionConfig(), "retention."
    c.unknown(t, {"text_days", "days"}, p)
    # 0 keeps for ever (TOML has no null).
    text_days = c.get(t, "text_days", int, d.text_days, p, _not_negative) or None
    days = c.get(t, "days", int, d.days, p, _not_negative) or None
    if days is not None and text_days is not None and days < text_days:
        c.problem(p + "days", f"must be at least text_days ({text_days})")
    return RetentionConfig(text_days=text_days, days=days)


_EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")


def mailbox_address(entry: str) -> str:
    """The address of ``entry``: ``press@example.org`` or ``Press Office <press@example.org>``."""
    from email.utils import parseaddr

    return parseaddr(entry)[1]


def _address(value: str) -> str | None:
    from email.utils import getaddresses

    if _EMAIL.match(value):
        return None
    # "Press Office <press@example.org>", as every mail tool writes it; one mailbox
    # only, and no line break that could start a header of its own.
    found = getaddresses([value]) if not re.search(r"[\r\n]", value) else []
    if len(found) == 1 and _EMAIL.match(found[0][1]) and "<" in value:
        return None
    return f"not an email address: {value!r} (write press@example.org or Name <press@example.org>)"


def _email(c: _Checker, t: Any) -> EmailConfig | None:
    p = "email."
    if not isinstance(t, Mapping):
        c.problem("email", "expected a table, e.g. [email]")
        return None
    c.unknown(t, {"from", "to", "subject", "send", "smtp"}, p)
    sender = c.get(t, "from", str, None, p, _address)
    to = t.get("to", [])
    to = [to] if isinstance(to, str) else to
    if not isinstance(to, list) or not to:
        c.problem(p + "to", "expected a list of email addresses")
        to = []
    for i, address in enumerate(to):
        problem = _address(address) if isinstance(address, str) else "expected text"
        if problem:
            c.problem(f"{p}to[{i}]", problem)
    if sender is None and "from" not in t:
        c.problem(p + "from", "is required")
    smtp = _smtp(c, t["smtp"]) if "smtp" in t else None
    send = c.get(t, "send", bool, False, p)
    if send and smtp is None:
        c.problem(p + "send", "needs an [email.smtp] table")
    if sender is None or not to:
        return None
    return EmailConfig(
        sender=sender,
        to=tuple(to),
        subject=c.get(t, "subject", str, "{title} — {date}", p, _subject_problem),
        send=send,
        smtp=smtp,
    )


def _subject_problem(template: str) -> str | None:
    from .mail import subject_problem

    return subject_problem(template)


def _smtp(c: _Checker, t: Any) -> SmtpConfig | None:
    p = "email.smtp."
    if not isinstance(t, Mapping):
        c.problem("email.smtp", "expected a table, e.g. [email.smtp]")
        return None
    c.unknown(t, set(SmtpConfig.__dataclass_fields__), p)
    host = c.get(t, "host", str, None, p)
    if not host:
        c.problem(p + "host", "is required")
        return None
    d = SmtpConfig(host=host)
    return SmtpConfig(
        host=host,
        port=c.get(
            t,
            "port",
            int,
            d.port,
            p,
            lambda v: None if 0 < v < 65536 else "expected a port from 1 to 65535",
        ),
        security=c.get(
            t,
            "security",
            str,
            d.security,
            p,
            lambda v: None if v in SMTP_SECURITY else f"expected one of {', '.join(SMTP_SECURITY)}",
        ),
        username=c.get(t, "username", str, None, p),
        password_env=c.get(t, "password_env", str, None, p),
        allow_insecure=c.get(t, "allow_insecure", bool, False, p),
        timeout=c.get(t, "timeout", float, d.timeout, p, _positive),
        retries=c.get(t, "retries", int, d.retries, p, _not_negative),
    )
