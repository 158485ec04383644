"""``briefing init``: a commented starter configuration."""

from __future__ import annotations

from pathlib import Path

from .errors import BriefingError, ConfigError
from .fsutil import atomic_write

STARTER = """\
# briefing configuration. Relative paths resolve against this file's folder.
# Every setting is documented in the README ("Configuration").

title = "Morning briefing"
output_dir = "output"          # briefings and the article database go here
language = "auto"              # auto-detect per article, or en, fr, ...
# briefing_language = "auto"   # headings and dates: en, fr, or auto (most articles' language)
sentences = 3                  # key sentences per article
# algorithm = "default"        # or lead, lexrank, textrank, lsa, luhn, kl, sumbasic, ...
# formats = ["md", "pdf"]      # any of md, html, pdf
# templates = "my-templates"   # your template folder, searched before the defaults
# author = "Press office"      # shown in the PDF metadata

# One [[sources]] table per source, each with exactly one of feed, page or folder.
[[sources]]
name = "Local notes"
folder = "articles"            # .txt, .md and .html files

# [[sources]]
# name = "Example feed"
# feed = "https://example.org/rss.xml"   # RSS, Atom or JSON Feed (URL or file)
# full_text = "auto"                     # fetch the article page when the entry is a teaser

# [[sources]]
# page = "https://example.org/news/story.html"

# [fetch]
# timeout = 20                 # seconds per request
# concurrency = 16
# allow_private = false        # true to read sources on private or loopback addresses

# [schedule]
# cron = "0 7 * * 1-5"         # for `briefing schedule`
# timezone = "Europe/Paris"
# catch_up = "12h"

# [email]
# from = "briefing@example.org"
# to = ["team@example.org"]
# subject = "{title} — {date}"
# [email.smtp]
# host = "smtp.example.org"
# port = 587
# security = "starttls"
# username = "briefing"
# password_env = "BRIEFING_SMTP_PASSWORD"
"""


def write_starter_config(folder: Path) -> Path:
    """Write ``briefing.toml`` (and an empty ``articles/`` folder) into ``folder``."""
    path = folder / "briefing.toml"
    if path.exists():
        raise ConfigError(f"{path} already exists; not overwriting it")
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"{folder} is not a folder")
    try:
        atomic_write(path, STARTER)
        (folder / "articles").mkdir(exist_ok=True)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise BriefingError(
            f"cannot write {path}: {reason}; choose a folder you can write to (briefing init DIR)"
        ) from None
    return path
