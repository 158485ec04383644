"""Errors a user can act on.

Every failure the library reports is a :class:`BriefingError` whose message is
written for the person running ``briefing``: it says what went wrong and, where
possible, what to do. The CLI prints the message on one line; tracebacks only
appear with ``--debug``.
"""

from __future__ import annotations

from .printable import printable_text


class BriefingError(Exception):
    """Base class of every error the library raises on purpose.

    Its message is made printable here, once: a path with bytes that are not
    UTF-8 or a title with control characters in it can then be printed on
    stderr, stored and written into a briefing like any other text.
    """

    def __init__(self, *args: object) -> None:
        super().__init__(*(printable_text(a) if isinstance(a, str) else a for a in args))


class ConfigError(BriefingError):
    """The configuration file or a command-line option is invalid.

    ``problems`` lists every problem found, each naming its key, so a user can
    fix them all in one go.
    """

    def __init__(self, problems: list[str] | str, *, path: str | None = None) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        self.path = path
        where = f"{path}: " if path else ""
        if len(self.problems) == 1:
            message = f"{where}{self.problems[0]}"
        else:
            listed = "\n".join(f"  - {p}" for p in self.problems)
            message = f"{where}{len(self.problems)} problems in the configuration:\n{listed}"
        super().__init__(message)


class SourceError(BriefingError):
    """A source (feed, page or folder) could not be read."""


class DocumentError(BriefingError):
    """A single document is unusable: missing, empty, binary, too large."""


class SummaryError(BriefingError):
    """The summariser was asked for something it cannot do."""


class StoreError(BriefingError):
    """The article database cannot be opened or written."""


class DatabaseCorrupt(StoreError):
    """The article database failed SQLite's integrity check."""


class OutputError(BriefingError):
    """A briefing file could not be written (disk full, read-only folder, no permission)."""


class RenderError(BriefingError):
    """A template or a PDF could not be rendered."""


class DeliveryError(BriefingError):
    """An email could not be built or sent."""


class RunStopped(BriefingError):
    """A run was asked to stop (SIGTERM/SIGINT to the scheduler) and stopped between steps."""


class LockedError(BriefingError):
    """Another briefing run or scheduler holds the lock on this configuration."""
