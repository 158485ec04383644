from __future__ import annotations

import pytest

from briefing.text import SUPPORTED_LANGUAGES, detect_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The government said on Monday that the new law would come into force next year.", "en"),
        (
            "Le gouvernement a annoncé lundi que la nouvelle loi entrera en vigueur l'an prochain.",
            "fr",
        ),
        ("Die Regierung hat am Montag angekündigt, dass das neue Gesetz nächstes Jahr gilt.", "de"),
        ("El gobierno anunció el lunes que la nueva ley entrará en vigor el próximo año.", "es"),
        (
            "Il governo ha annunciato lunedì che la nuova legge entrerà in vigore l'anno prossimo.",
            "it",
        ),
        (
            "O governo anunciou na segunda-feira que a nova lei entrará em vigor no próximo ano.",
            "pt",
        ),
        ("Η κυβέρνηση ανακοίνωσε τη Δευτέρα ότι ο νέος νόμος θα τεθεί σε ισχύ.", "el"),
        ("Правительство объявило в понедельник, что новый закон вступит в силу.", "ru"),
    ],
)
def test_detects_common_news_languages(text: str, expected: str) -> None:
    assert detect_language(text) == expected


def test_short_text_with_a_telling_letter() -> None:
    assert detect_language("¿Dónde está?") == "es"


def test_no_evidence_gives_the_default() -> None:
    assert detect_language("", default="fr") == "fr"
    assert detect_language("12 345 678", default="fr") == "fr"
    assert detect_language("OK", default="en") == "en"


def test_mixed_text_follows_the_majority() -> None:
    text = (
        "Le président a déclaré que la situation était sous contrôle et que les secours "
        "étaient sur place. « We are doing everything we can », a-t-il ajouté en anglais."
    )
    assert detect_language(text) == "fr"


def test_is_deterministic_and_never_raises() -> None:
    weird = "\x00\ufffd" * 50 + "💥" * 10
    assert detect_language(weird) == detect_language(weird)
    assert detect_language(weird, default="en") == "en"


def test_detected_codes_are_supported() -> None:
    assert {
        "en",
        "fr",
        "de",
        "es",
        "it",
        "pt",
        "nl",
        "sv",
        "pl",
        "cs",
        "el",
        "ru",
    } <= SUPPORTED_LANGUAGES


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "De regering heeft maandag aangekondigd dat de nieuwe wet "
            "volgend jaar in werking treedt.",
            "nl",
        ),
        ("Regeringen meddelade på måndagen att den nya lagen träder i kraft nästa år.", "sv"),
        ("Regeringen meddelte mandag, at den nye lov træder i kraft næste år.", "da"),
        ("Hallitus ilmoitti maanantaina, että uusi laki tulee voimaan ensi vuonna.", "fi"),
        ("Rząd ogłosił w poniedziałek, że nowe prawo wejdzie w życie w przyszłym roku.", "pl"),
        ("Vláda v pondělí oznámila, že nový zákon vstoupí v platnost příští rok.", "cs"),
        ("Hükümet pazartesi günü yeni yasanın gelecek yıl yürürlüğe gireceğini açıkladı.", "tr"),
        ("Vlada je v ponedeljek napovedala, da bo novi zakon začel veljati prihodnje leto.", "sl"),
    ],
)
def test_detects_other_european_languages_from_one_sentence(text: str, expected: str) -> None:
    assert detect_language(text) == expected


def test_a_wrong_guess_still_gives_a_summary() -> None:
    from briefing.models import Length
    from briefing.summarize import summarize_text

    # Estonian is close to nothing the detector knows well; whatever it guesses,
    # the summary must quote the text.
    text = (
        "Valitsus teatas esmaspäeval, et uus seadus jõustub järgmisel aastal. "
        "Seadus muudab maksusüsteemi ja toetab väikeettevõtteid. "
        "Opositsioon kritiseeris eelnõu teravalt parlamendis."
    )
    summary = summarize_text(text, length=Length(sentences=2))
    assert len(summary.sentences) == 2
    assert all(s.text in text for s in summary.sentences)
