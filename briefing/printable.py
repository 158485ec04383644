"""Text that can reach an output: valid UTF-8, printable, one line where a line is expected.

File names come from the file system as ``str`` with surrogate escapes for
bytes that are not UTF-8 (``caf\\xe9.txt`` is ``'caf\\udce9.txt'``); a JSON feed
may hold a lone surrogate (``"\\ud800"``); any name, title or message may hold
control characters that would spoof a line on a terminal or in a briefing.
None of these can be written as UTF-8, so each is made printable once, where
it enters (a source, a document, an error), and everything after can trust it.
"""

from __future__ import annotations

import os
import re

REPLACEMENT = "\ufffd"
_SURROGATES = re.compile("[\ud800-\udfff]")
# C0 and C1 controls and DEL; tab, newline and carriage return are handled apart.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LINE_BREAKS = re.compile("[\t\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]+")


def printable_text(text: str) -> str:
    """``text`` as valid UTF-8 without control characters; paragraphs and tabs are kept."""
    text = _valid_unicode(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROLS.sub("", text).replace("\u2028", "\n").replace("\u2029", "\n\n")


def printable_line(text: str) -> str:
    """``text`` as one printable line: line breaks become spaces, controls are dropped."""
    text = _LINE_BREAKS.sub(" ", _valid_unicode(text))
    return _CONTROLS.sub("", text)


def printable_path(path: str | os.PathLike[str]) -> str:
    """A path as a user can read it: bytes that are not UTF-8 are shown as U+FFFD."""
    return printable_line(os.fspath(path))


def has_surrogates(text: str) -> bool:
    """True when ``text`` cannot be written as UTF-8 (it holds surrogates)."""
    return _SURROGATES.search(text) is not None


def _valid_unicode(text: str) -> str:
    if not _SURROGATES.search(text):
        return text
    try:
        # Surrogate escapes stand for the bytes of a name that were not UTF-8:
        # give them back and decode the whole name again, so valid runs stay.
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        # A lone surrogate from elsewhere (a JSON "\ud800") is no character at all.
        return _SURROGATES.sub(REPLACEMENT, text)
    return raw.decode("utf-8", "replace")
