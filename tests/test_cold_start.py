"""A cold ``briefing summarize --jsonl`` run: what it loads, and that its memos change nothing.

Every article is summarised once, in a fresh process: start-up is paid on
each run, and the memos shared across the documents of a batch (words ->
stems -> term ids) must not make one article's summary depend on the
articles before it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from briefing import ranker
from briefing.models import Length
from briefing.summarize import summarize_text
from briefing.text.language import LANGUAGE_NAMES

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = sorted(
    [
        *(ROOT / "briefing" / "samples" / "wikinews-en").glob("*.txt"),
        *(ROOT / "briefing" / "samples" / "example").glob("*.txt"),
        *(ROOT / "tests" / "data" / "stories").glob("*/*.txt"),
    ]
)
# Loaded only by other commands or other algorithms: a summary pays for none of them.
NOT_FOR_A_SUMMARY = (
    "briefing.config",
    "sumy",
    "nltk",
    "scipy",
    "weasyprint",
    "httpx",
    "feedparser",
    "trafilatura",
    "jinja2",
    "markdown",
    "html.parser",
)

_PROBE = """
import io, sys, contextlib
from briefing.cli import main
out = io.StringIO()
try:
    with contextlib.redirect_stdout(out):
        status = main(sys.argv[1:])  # --help exits from inside argparse
finally:
    print(out.getvalue(), end="")
    print(sorted(m for m in {names!r} if m in sys.modules), file=sys.stderr)
raise SystemExit(status)
"""


def run_cli(*arguments: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    probe = _PROBE.format(names=(*NOT_FOR_A_SUMMARY, "numpy", "punkt"))
    return subprocess.run(
        [sys.executable, "-c", probe, *arguments],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=True,
        cwd=ROOT,
    )


def batch(paths: list[Path]) -> str:
    return "".join(
        json.dumps({"id": path.name, "text": path.read_text(encoding="utf-8")}) + "\n"
        for path in paths
    )


def test_help_loads_neither_numpy_nor_punkt_nor_the_config() -> None:
    done = run_cli("--help")
    assert "summarize" in done.stdout
    assert done.stderr.strip() == "[]"


def test_a_batch_summary_loads_only_what_summarising_needs() -> None:
    # The ranker works in plain Python: import numpy alone costs more than
    # ranking a hundred articles' sentences. Long summaries too (the tail's walk).
    done = run_cli("summarize", "--jsonl", "-", "-n", "8", stdin=batch(DOCUMENTS[:3]))
    assert len(done.stdout.splitlines()) == 3
    assert done.stderr.strip() == "['punkt']"


def test_a_summary_does_not_depend_on_the_articles_before_it_in_the_batch() -> None:
    assert len(DOCUMENTS) >= 10
    forward = run_cli("summarize", "--jsonl", "-", "-n", "4", stdin=batch(DOCUMENTS)).stdout
    backward = run_cli("summarize", "--jsonl", "-", "-n", "4", stdin=batch(DOCUMENTS[::-1])).stdout
    assert sorted(forward.splitlines()) == sorted(backward.splitlines())
    # And each is what the article gives alone, in this (warm) process.
    for line in forward.splitlines():
        result = json.loads(line)
        text = (next(p for p in DOCUMENTS if p.name == result["id"])).read_text(encoding="utf-8")
        alone = summarize_text(text, length=Length(sentences=4))
        assert result["sentences"] == [s.text for s in alone.sentences]


def test_memos_that_start_afresh_give_the_same_summaries(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [path.read_text(encoding="utf-8") for path in DOCUMENTS]
    expected = [summarize_text(text, length=Length(sentences=3)) for text in texts]
    # A scheduler runs for months: its memos are bounded and start afresh.
    monkeypatch.setattr(ranker, "_LEXICON_LIMIT", 50)
    for _ in range(2):
        assert [summarize_text(t, length=Length(sentences=3)) for t in texts] == expected


@pytest.mark.parametrize("language", sorted(LANGUAGE_NAMES))
def test_words_stemmed_together_stem_as_one_by_one(language: str) -> None:
    words = ["running", "runs", "ran", "nations", "nationale", "été", "États", "running", "x"]
    one_by_one = [ranker._stemmer(language)(word) for word in words]
    assert ranker._stems(language)(words) == one_by_one
    memo = ranker._StemMemo(language)
    assert memo.stems(words) == one_by_one
    assert [memo.stem(word) for word in words] == one_by_one


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        # The common case, checked with one str.isprintable() per text.
        ("Plain one.\nPlain two.\n\nPlain three.", "Plain one.\nPlain two.\n\nPlain three."),
        ("One line\u00a0only.", "One line only."),
        # Odd characters on any line still go.
        (
            "Line one.\nTwo\u00a0spaces\there\u200b.\n\nSoft\u00adhyphen and bell\x07 here.",
            "Line one.\nTwo spaces here.\n\nSofthyphen and bell here.",
        ),
        ("Line  one. \n\n\ufeffTwo.", "Line one.\n\nTwo."),
    ],
)
def test_cleaning_shortcuts_keep_the_cleaning(raw: str, cleaned: str) -> None:
    from briefing.text.clean import clean_text

    assert clean_text(raw) == cleaned


def test_a_private_use_character_in_the_text_is_no_sentence_break() -> None:
    # The ranker marks sentence ends with U+E000 between the tokens; a text
    # that carries one itself must not shift the sentences' rows.
    sentences = [
        "The council approved the new bridge \ue000 over the river on Monday.",
        "The bridge will cost the council twelve million euros.",
        "Work on the river bridge starts in the spring.",
        "\ue000",
    ]
    plain = [s.replace("\ue000", " ") for s in sentences]
    assert ranker.ranking(sentences, language="en") == ranker.ranking(plain, language="en")
