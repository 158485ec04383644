from __future__ import annotations

import json

import pytest

from briefing.batch import summarize_jsonl
from briefing.errors import SummaryError
from briefing.models import Length

EN = "The river rose two metres overnight. Residents left by boat. Schools will stay closed."
FR = "Le maire a démissionné lundi. Il sera remplacé en mars. La ville attend la suite."


def run(lines: list[str], **options: object) -> list[dict[str, object]]:
    return [
        json.loads(out) for out in summarize_jsonl(lines, length=Length(sentences=1), **options)
    ]  # type: ignore[arg-type]


def test_one_output_line_per_record() -> None:
    results = run(
        [json.dumps({"id": 1, "text": EN}), "", json.dumps({"id": "b", "text": FR, "sentences": 2})]
    )
    assert [r["id"] for r in results] == [1, "b"]
    assert results[0]["language"] == "en" and len(results[0]["sentences"]) == 1  # type: ignore[arg-type]
    assert results[1]["language"] == "fr" and len(results[1]["sentences"]) == 2  # type: ignore[arg-type]


def test_bad_records_give_error_lines_and_the_batch_goes_on() -> None:
    lines = [
        "not json",
        json.dumps([1, 2]),
        json.dumps({"id": 3}),
        json.dumps({"id": 4, "text": ""}),
        json.dumps({"id": 5, "text": EN, "sentences": 0}),
        json.dumps({"id": 6, "text": EN}),
    ]
    results = run(lines)
    assert [("error" in r) for r in results] == [True, True, True, True, True, False]
    assert results[2]["id"] == 3 and results[5]["sentences"]


def test_language_given_per_record() -> None:
    (result,) = run([json.dumps({"id": 1, "text": FR, "language": "fr"})], language="en")
    assert result["language"] == "fr"


def test_unknown_algorithm_fails_before_reading() -> None:
    with pytest.raises(SummaryError):
        summarize_jsonl(iter(()), length=Length(), algorithm="nope")
