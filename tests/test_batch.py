from __future__ import annotations

import io
import json
from typing import Any

import pytest

from briefing.batch import summarize_jsonl
from briefing.errors import SummaryError
from briefing.models import Length, Summary
from briefing.summarize import summarize_text

EN = "The river rose two metres overnight. Residents left by boat. Schools will stay closed."
FR = "Le maire a démissionné lundi. Il sera remplacé en mars. La ville attend la suite."


def run(lines: list[str], **options: Any) -> list[dict[str, Any]]:
    return [
        json.loads(out) for out in summarize_jsonl(lines, length=Length(sentences=1), **options)
    ]


def test_one_output_line_per_record() -> None:
    results = run(
        [json.dumps({"id": 1, "text": EN}), "", json.dumps({"id": "b", "text": FR, "sentences": 2})]
    )
    assert [r["id"] for r in results] == [1, "b"]
    assert results[0]["language"] == "en" and len(results[0]["sentences"]) == 1
    assert results[1]["language"] == "fr" and len(results[1]["sentences"]) == 2


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


def test_a_line_over_the_limit_is_skipped_unread_and_the_next_one_summarised() -> None:
    good = json.dumps({"id": "ok", "text": EN})
    huge = json.dumps({"id": "huge", "text": EN * 40})
    stream = io.StringIO(f"{huge}\n{good}\n")
    results = [
        json.loads(out)
        for out in summarize_jsonl(
            stream, length=Length(sentences=1), max_line_chars=len(good) + 10
        )
    ]
    assert [r["id"] for r in results] == [None, "ok"]
    assert "line 1 is longer than" in str(results[0]["error"])
    assert results[1]["sentences"] == ["The river rose two metres overnight."]


def test_the_limit_also_applies_to_a_list_of_lines() -> None:
    lines = [json.dumps({"id": 1, "text": EN * 40}), json.dumps({"id": 2, "text": EN})]
    results = [
        json.loads(out)
        for out in summarize_jsonl(lines, length=Length(sentences=1), max_line_chars=200)
    ]
    assert ["error" in r for r in results] == [True, False]


def test_a_bug_on_one_record_is_reported_and_the_batch_goes_on(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def fails_on_crash(text: str, **options: Any) -> Summary:
        if text == "crash":
            raise RuntimeError("boom")
        return summarize_text(text, **options)

    monkeypatch.setattr("briefing.batch.summarize_text", fails_on_crash)
    lines = [json.dumps({"id": "bad", "text": "crash"}), json.dumps({"id": "ok", "text": EN})]
    results = run(lines)
    assert results[0] == {"id": "bad", "error": "internal error: RuntimeError: boom"}
    assert results[1]["id"] == "ok" and results[1]["sentences"]
    assert "Traceback" in caplog.text and "boom" in caplog.text


def test_a_title_line_is_not_summarised_as_the_first_sentence() -> None:
    body = "UK advertising giant WPP has posted larger profits. Revenues rose. Staff cheered."
    headline = "Ad firm WPP's profits surge 15%"
    records = [
        json.dumps({"id": "line", "text": f"{headline}\n\n{body}"}),
        json.dumps({"id": "field", "text": f"{headline}\n{body}", "title": headline}),
        json.dumps(
            {
                "id": "prose",
                "text": f"Shares in the advertising group rose sharply on Monday.\n\n{body}",
                "sentences": 4,
            }
        ),
    ]
    out = {r["id"]: r["sentences"] for r in run(records)}
    assert out["line"] == out["field"] == ["UK advertising giant WPP has posted larger profits."]
    assert (
        out["prose"][0] == "Shares in the advertising group rose sharply on Monday."
    )  # a sentence, not a title
