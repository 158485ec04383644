"""The user's own example: a French article scraped with debris at its end."""

from __future__ import annotations

from pathlib import Path

from briefing.models import Length
from briefing.summarize import summarize_text

SEED = Path(__file__).parent / "data" / "seed" / "paris-chiefs-of-staff-fr.txt"


def test_three_sentences_carry_the_meeting_the_34_chiefs_and_the_absent_americans() -> None:
    summary = summarize_text(SEED.read_text(encoding="utf-8"), length=Length(sentences=3))
    text = summary.text
    assert summary.language == "fr"
    assert len(summary.sentences) == 3
    assert "Paris" in text
    assert "34 chefs d'état-major" in text
    absent_americans = (
        "à l'exclusion des représentants du Pentagone",
        "les États-Unis ne participent pas",
        "sans les États-Unis",
        "les États-Unis n'avaient pas été invités",
    )
    assert any(phrase in text for phrase in absent_americans)
    for debris in ("Source :", "Comment (0)", "thanhnien.vn"):
        assert debris not in text


def test_three_distinct_facts_not_a_sentence_that_repeats_the_lead() -> None:
    summary = summarize_text(SEED.read_text(encoding="utf-8"))  # the default length
    texts = [s.text for s in summary.sentences]
    assert len(texts) == 3
    assert texts[0].startswith("Le 11 mars, plus de 30 chefs d'état-major")
    # "La délégation française ... à Paris le 11 mars" only repeats the meeting.
    assert not any(t.startswith("La délégation française") for t in texts)
    assert any("34 chefs d'état-major" in t for t in texts)
