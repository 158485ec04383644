"""French and English typographic spaces: only spaces ever change."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
import sample_briefing as samples

from briefing.render import format_date, render_html, render_markdown, render_text
from briefing.typography import NBSP, NNBSP, typeset


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Il a dit : « oui » !", f"Il a dit{NBSP}: «{NBSP}oui{NBSP}»{NNBSP}!"),
        ("Pourquoi ? Parce que ; voilà", f"Pourquoi{NNBSP}? Parce que{NNBSP}; voilà"),
        ("8 000 emplois", f"8{NNBSP}000 emplois"),
        ("1 250 000 euros", f"1{NNBSP}250{NNBSP}000 euros"),
        # Already right, or no space to change: left alone.
        (f"Grèce{NBSP}: le vote", f"Grèce{NBSP}: le vote"),
        ("Paris: le vote", "Paris: le vote"),
        # A year next to a number, a URL, a time: not grouped digits.
        ("en 2012 100 fois", "en 2012 100 fois"),
        (
            "https://fr.wikinews.org/wiki/Gr%C3%A8ce_:_le",
            "https://fr.wikinews.org/wiki/Gr%C3%A8ce_:_le",
        ),
        ("à 10:30", "à 10:30"),
    ],
)
def test_french_spaces(raw: str, expected: str) -> None:
    assert typeset(raw, "fr") == expected


def test_english_keeps_its_punctuation_and_groups_spaced_numbers() -> None:
    assert typeset("Yes : no ! « x »", "en") == "Yes : no ! « x »"
    assert typeset("8 000 jobs, 8,000 jobs", "en-GB") == f"8{NNBSP}000 jobs, 8,000 jobs"


@pytest.mark.parametrize(
    "text",
    [
        "Il a dit : « Nous ne céderons pas ! » Le 17 juin, 8 000 emplois ; 1 250 000 euros ?",
        "With 1 000 votes: “yes!” – 2004 100 a b  c\td",
    ],
)
@pytest.mark.parametrize("language", ["fr", "en"])
def test_only_spaces_change(text: str, language: str) -> None:
    result = typeset(text, language)
    assert len(result) == len(text)
    assert re.sub(r"\s", "", result) == re.sub(r"\s", "", text)


def test_french_dates_say_1er() -> None:
    assert format_date(date(2026, 12, 1), "fr") == "1er décembre 2026"
    assert format_date(date(2026, 12, 2), "fr") == "2 décembre 2026"
    assert format_date(date(2026, 12, 1), "en") == "1 December 2026"


def test_french_briefing_labels_and_quotes_are_typeset() -> None:
    briefing = samples.make_briefing(4, language="fr")
    md = render_markdown(briefing)
    assert f"Source{NBSP}: Wikinews (en) · Publié{NBSP}: 6 mai 2024" in md
    assert f"Lire l’article original{NBSP}: <https://" in md
    # The French article's title and quotes get their no-break spaces...
    assert f"Grèce{NBSP}: le nouveau gouvernement" in md
    assert f"Mali{NBSP}: les islamistes" in render_html(briefing)
    # ...and the English labels keep theirs.
    english = render_markdown(samples.make_briefing(1))
    assert "Source: Wikinews (en) · Published: 6 May 2024" in english


def test_user_templates_can_typeset_their_own_words(tmp_path: Path) -> None:
    (tmp_path / "email.txt.j2").write_text(
        '{{ "Bonjour : voici 12 000 mots !"|typeset(language) }}', encoding="utf-8"
    )
    text = render_text(samples.make_briefing(1, language="fr"), templates=tmp_path)
    assert text == f"Bonjour{NBSP}: voici 12{NNBSP}000 mots{NNBSP}!"
