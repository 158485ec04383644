"""What a reader relies on, checked on every bundled sample and test article.

A longer summary holds every sentence of a shorter one; the default summary
says what the opening sentence says; no picked sentence quotes half a
quotation or bracket; every sentence is quoted verbatim; the same text gives the same
summary.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from briefing.documents import read_document
from briefing.models import Length
from briefing.ranker import has_open_bracket, has_open_quote
from briefing.summarize import prepare_sentences, summarize_text
from briefing.text import html_to_text

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "briefing" / "samples"


def _atom_entries(path: Path) -> list[tuple[str, str]]:
    feed = path.read_text(encoding="utf-8")
    entries = re.findall(r"<title>(.*?)</title>.*?<content[^>]*>(.*?)</content>", feed, re.S)
    return [(html.unescape(t), html_to_text(html.unescape(c))) for t, c in entries[1:] or entries]


def _articles() -> dict[str, str]:
    # Files are read as the product reads them (front matter and title apart).
    articles = {p.name: read_document(p).text for p in SAMPLES.glob("wikinews-en/*.txt")}
    for title, text in _atom_entries(SAMPLES / "wikinews-fr.atom"):
        articles[title] = text
    for path in (SAMPLES / "example").glob("*.txt"):
        articles[path.name] = read_document(path).text
    articles["seed"] = read_document(
        ROOT / "tests" / "data" / "seed" / "paris-chiefs-of-staff-fr.txt"
    ).text
    return articles


ARTICLES = _articles()


def test_the_samples_are_all_here() -> None:
    assert len(ARTICLES) >= 15
    assert "Union européenne : ACTA rejeté par le Parlement européen" in ARTICLES


@pytest.mark.parametrize("name", sorted(ARTICLES))
def test_summaries_are_nested_verbatim_whole_and_deterministic(name: str) -> None:
    text = ARTICLES[name]
    flat = " ".join(text.split())
    previous: set[int] = set()
    # Past the sixth rank too: the deeper ranks follow another score (the tail).
    for n in range(1, 11):
        summary = summarize_text(text, length=Length(sentences=n))
        picked = {s.index for s in summary.sentences}
        assert previous <= picked, f"-n {n} dropped {sorted(previous - picked)}"
        assert 1 <= len(picked) <= n
        for sentence in summary.sentences:
            assert " ".join(sentence.text.split()) in flat
            assert not has_open_quote(sentence.text), sentence.text
            assert not has_open_bracket(sentence.text), sentence.text
        assert summarize_text(text, length=Length(sentences=n)) == summary
        previous = picked


@pytest.mark.parametrize("name", sorted(ARTICLES))
def test_the_default_summary_keeps_the_opening_sentence(name: str) -> None:
    _, sentences, _ = prepare_sentences(ARTICLES[name], "auto")
    summary = summarize_text(ARTICLES[name])
    assert 0 in {s.index for s in summary.sentences}, sentences[0]


def test_acta_default_summary_says_acta_was_rejected() -> None:
    text = ARTICLES["Union européenne : ACTA rejeté par le Parlement européen"]
    summary = summarize_text(text)
    _, sentences, _ = prepare_sentences(text, "auto")
    assert summary.sentences[0].text == sentences[0]
    assert "rejet" in sentences[0].lower() or "rejeté" in sentences[0]


def test_a_byline_or_headline_opening_is_not_the_kept_lead() -> None:
    story = (
        "By Staff Reporter\n\n"
        "Floods forced thousands of residents to leave their homes on Monday. "
        "The river rose two metres overnight after three days of heavy rain. "
        "Emergency crews evacuated residents by boat. Schools will stay closed."
    )
    summary = summarize_text(story, length=Length(sentences=2), language="en")
    assert summary.sentences[0].text.startswith("Floods forced")
    assert all("Staff Reporter" not in s.text for s in summary.sentences)
