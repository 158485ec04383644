"""Batch mode: summarise many documents given as JSON lines, in one process.

Each input line is ``{"id": ..., "text": ..., "title"?: ..., "language"?: ...,
"sentences"?: N}`` (a headline on the text's first line is not summarised)
and gives one output line ``{"id": ..., "language": ..., "sentences": [...]}``.
A bad record gives ``{"id": ..., "error": "..."}`` and the batch goes on; so
does a record that hits a bug (``"internal error: ..."``, traceback logged).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Protocol, runtime_checkable

from briefing.errors import BriefingError
from briefing.models import Length
from briefing.printable import has_surrogates
from briefing.summarize import get_summarizer, summarize_text

logger = logging.getLogger(__name__)

#: A longer line is refused rather than parsed (the text is capped later anyway).
MAX_LINE_CHARS = 5_000_000
MAX_SENTENCES = 1000
# An over-long line is read past in pieces of this size, never kept whole.
_SKIP_CHARS = 1 << 20


@runtime_checkable
class LineReader(Protocol):
    """A text stream read line by line (an open file, ``sys.stdin``)."""

    def readline(self, size: int = -1, /) -> str: ...


def summarize_jsonl(
    lines: Iterable[str] | LineReader,
    *,
    length: Length,
    language: str = "auto",
    algorithm: str = "default",
    max_line_chars: int = MAX_LINE_CHARS,
) -> Iterator[str]:
    """Yield one JSON output line (without newline) per non-blank input line.

    ``lines`` is a text stream or any iterable of lines. A stream is read
    with a bounded ``readline``, so a line longer than ``max_line_chars`` is
    never held in memory: it is skipped and reported. Raises SummaryError at
    once for an unknown algorithm; every other problem is reported on the
    record's own output line.
    """
    get_summarizer(algorithm)  # a wrong name fails the command, not each record
    if isinstance(lines, LineReader):
        bounded = _read_bounded(lines, max_line_chars)
    else:
        bounded = _bounded_lines(lines, max_line_chars)
    return _summarize_lines(bounded, length, language, algorithm, max_line_chars)


def _bounded_lines(lines: Iterable[str], limit: int) -> Iterator[str | None]:
    """The lines, with None in place of each one longer than ``limit``."""
    for line in lines:
        yield None if len(line.rstrip("\r\n")) > limit else line


def _read_bounded(stream: LineReader, limit: int) -> Iterator[str | None]:
    """Read lines of at most ``limit`` characters; None for each longer one."""
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        if len(line) <= limit or line.endswith("\n"):
            yield line
            continue
        while line and not line.endswith("\n"):  # drop the rest, piece by piece
            line = stream.readline(_SKIP_CHARS)
        yield None


def _summarize_lines(
    lines: Iterable[str | None], length: Length, language: str, algorithm: str, limit: int
) -> Iterator[str]:
    for number, line in enumerate(lines, start=1):
        if line is None:
            logger.info("line %d is longer than %d characters: skipped", number, limit)
            result: dict[str, object] = {
                "id": None,
                "error": f"line {number} is longer than {limit:,} characters",
            }
        elif not line.strip():
            continue
        else:
            result = _summarize_line(line, number, length, language, algorithm)
        yield _json_line(result)


def _json_line(result: dict[str, object]) -> str:
    line = json.dumps(result, ensure_ascii=False)
    if not has_surrogates(line):
        return line
    # A lone surrogate from the input ("\\ud800") cannot be written as UTF-8:
    # JSON's own escapes keep it exact, in plain ASCII.
    return json.dumps(result)


def _summarize_line(
    line: str, number: int, length: Length, language: str, algorithm: str
) -> dict[str, object]:
    record_id: object = None
    try:
        record = _parse_record(line, number)
        record_id = record.get("id")
        text = record.get("text")
        if not isinstance(text, str):
            raise BriefingError('the record has no "text" string')
        summary = summarize_text(
            without_title_line(text, record.get("title")),
            language=_record_language(record, language),
            length=_record_length(record, length),
            algorithm=algorithm,
        )
    except BriefingError as error:
        logger.info("line %d (id %r): %s", number, record_id, error)
        return {"id": record_id, "error": str(error)}
    except Exception as error:  # a bug: one record must not end the whole batch
        logger.exception("line %d (id %r): internal error", number, record_id)
        return {"id": record_id, "error": f"internal error: {type(error).__name__}: {error}"}
    return {
        "id": record_id,
        "language": summary.language,
        "sentences": [s.text for s in summary.sentences],
    }


_TITLE_MAX_CHARS = 200
_SENTENCE_END = (".", "!", "?", "…", ":", ";", '"', "»", "”")


def without_title_line(text: str, title: object = None) -> str:
    """The text without the headline on its first line (a summary quotes the story).

    The line goes when it is the record's ``"title"``, or when it looks like
    one: a short line without final punctuation, then a blank line.
    """
    stripped = text.lstrip()
    first, newline, rest = stripped.partition("\n")
    if not newline:
        return text
    line = first.strip()
    if isinstance(title, str) and title.strip() and line == " ".join(title.split()):
        return rest
    blank_after = not rest.partition("\n")[0].strip()
    if blank_after and 0 < len(line) <= _TITLE_MAX_CHARS and not line.endswith(_SENTENCE_END):
        return rest
    return text


def _parse_record(line: str, number: int) -> dict[str, object]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        raise BriefingError(f"line {number} is not valid JSON: {error.msg}") from None
    if not isinstance(record, dict):
        raise BriefingError(f"line {number} is not a JSON object")
    return record


def _record_language(record: dict[str, object], default: str) -> str:
    value = record.get("language")
    if value is None:
        return default
    if not isinstance(value, str) or not value.strip():
        raise BriefingError('"language" must be a language code such as "en" or "auto"')
    from .config import language_problem  # only for a record that names its language

    code = value.strip().lower()
    if problem := language_problem(code):
        raise BriefingError(f'"language": {value!r}: {problem}')
    return code


def _record_length(record: dict[str, object], default: Length) -> Length:
    value = record.get("sentences")
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_SENTENCES:
        raise BriefingError(f'"sentences" must be a whole number from 1 to {MAX_SENTENCES}')
    return replace(default, sentences=value, ratio=None, words=None)


__all__ = ["MAX_LINE_CHARS", "LineReader", "summarize_jsonl", "without_title_line"]
