"""Typographic spaces for English and French text.

Only spaces change: a quoted sentence keeps every one of its words and
punctuation marks, but the plain space before a French ``:`` or ``»`` becomes a
non-breaking one, so the mark never starts a line, and the spaces inside a
number ("8 000 emplois") become narrow no-break spaces, so it never splits
across lines. Nothing is ever inserted where the text had no space: whether a
quote says "Paris:" or "Paris :" is the source's business.

The briefing's own words (dates, times, labels) are written with the right
spaces from the start, with the helpers here.
"""

from __future__ import annotations

import re

NBSP = "\u00a0"
#: Narrow no-break space: inside numbers, and before French ``;`` ``!`` ``?``.
NNBSP = "\u202f"

# Plain spaces and tabs only: a line break in the text is the source's.
_SPACES = "[ \t]+"
_BEFORE_WIDE = re.compile(_SPACES + r"(?=[:»])")
_BEFORE_NARROW = re.compile(_SPACES + r"(?=[;!?])")
_AFTER_OPENING = re.compile(r"(?<=«)" + _SPACES)
# Groups of three digits after a group of one to three: "8 000", "1 250 000".
_GROUPED_NUMBER = re.compile(r"(?<![\d.,])\d{1,3}(?:[ \u00a0\u2009]\d{3})+(?![\d])")
_NUMBER_SPACE = re.compile(r"[ \u00a0\u2009]")


def typeset(text: str, language: str | None) -> str:
    """``text`` with the spaces its language's typography wants; nothing else changes."""
    if not text:
        return text
    text = _GROUPED_NUMBER.sub(lambda m: _NUMBER_SPACE.sub(NNBSP, m.group(0)), text)
    if _base(language) == "fr":
        text = _BEFORE_WIDE.sub(NBSP, text)
        text = _BEFORE_NARROW.sub(NNBSP, text)
        text = _AFTER_OPENING.sub(NBSP, text)
    return text


def ordinal_day(day: int, language: str | None) -> str:
    """The day of the month as a date writes it: ``1er`` in French, else the number."""
    if _base(language) == "fr" and day == 1:
        return "1er"
    return str(day)


def colon(language: str | None) -> str:
    """What follows a label: ``": "`` in English, ``"\u00a0: "`` in French."""
    return f"{NBSP}: " if _base(language) == "fr" else ": "


def _base(language: str | None) -> str:
    return (language or "").split("-")[0].lower()
