"""briefing: a faithful daily briefing from feeds, pages and files."""

from __future__ import annotations

__version__ = "0.1.0"
