"""Batch mode: summarise many documents given as JSON lines, in one process.

Each input line is ``{"id": ..., "text": ..., "language"?: ..., "sentences"?: N}``
and gives one output line ``{"id": ..., "language": ..., "sentences": [...]}``.
A bad record gives ``{"id": ..., "error": "..."}`` and the batch goes on.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import replace

from briefing.errors import BriefingError
from briefing.models import Length
from briefing.summarize import get_summarizer, summarize_text

logger = logging.getLogger(__name__)

#: A longer line is refused rather than parsed (the text is capped later anyway).
MAX_LINE_CHARS = 5_000_000
MAX_SENTENCES = 1000


def summarize_jsonl(
    lines: Iterable[str],
    *,
    length: Length,
    language: str = "auto",
    algorithm: str = "default",
) -> Iterator[str]:
    """Yield one JSON output line (without newline) per non-blank input line.

    Raises SummaryError at once for an unknown algorithm; every other problem
    is reported on the record's own output line.
    """
    get_summarizer(algorithm)  # a wrong name fails the command, not each record
    return _summarize_lines(lines, length, language, algorithm)


def _summarize_lines(
    lines: Iterable[str], length: Length, language: str, algorithm: str
) -> Iterator[str]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        yield json.dumps(
            _summarize_line(line, number, length, language, algorithm), ensure_ascii=False
        )


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
            text,
            language=_record_language(record, language),
            length=_record_length(record, length),
            algorithm=algorithm,
        )
    except BriefingError as error:
        logger.info("line %d (id %r): %s", number, record_id, error)
        return {"id": record_id, "error": str(error)}
    return {
        "id": record_id,
        "language": summary.language,
        "sentences": [s.text for s in summary.sentences],
    }


def _parse_record(line: str, number: int) -> dict[str, object]:
    if len(line) > MAX_LINE_CHARS:
        raise BriefingError(f"line {number} is longer than {MAX_LINE_CHARS:,} characters")
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
    return value


def _record_length(record: dict[str, object], default: Length) -> Length:
    value = record.get("sentences")
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_SENTENCES:
        raise BriefingError(f'"sentences" must be a whole number from 1 to {MAX_SENTENCES}')
    return replace(default, sentences=value, ratio=None, words=None)


__all__ = ["summarize_jsonl"]
