"""Turn scraped or converted text into clean paragraphs worth summarising.

Everything here is offline and linear in the size of the input: the text comes
from strangers, so no regular expression may backtrack badly and nothing
follows a link or resolves an entity to a file.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import cache


def _lazy(pattern: str, flags: int = 0) -> Callable[[], re.Pattern[str]]:
    """A regex compiled on first use.

    Most texts never need the rarer rules below (a DailyMail byline, a cookie
    banner, pasted script code), and every process would pay to compile them:
    a ``summarize`` run starts cold.
    """
    return cache(lambda: re.compile(pattern, flags))


# Lines that are page furniture, not prose: share and comment counters, source
# and credit lines, cookie banners, "read more" links. Matched on a whole,
# stripped line so a sentence that merely mentions cookies is kept.
_DEBRIS_LINE = re.compile(
    r"""^(?:
        (?:comments?|commentaires?|réactions?|shares?|partages?|likes?|j'aime|views?|vues?)
            \s*[:(]?\s*\d[\d\s.,kK]*\)?
      | \d[\d\s.,kK]*\s*(?:comments?|commentaires?|shares?|partages?|likes?|views?|vues?)
      | (?:sources?|crédits?|credits?|photo|photos|image|via|lien|link)\s*:\s*\S{0,300}
      | (?:read|see|click)\s+(?:more|also|here)\b.{0,80}
      | (?:lire|voir)\s+(?:aussi|la\s+suite|plus)\b.{0,80}
      | (?:à\s+lire\s+aussi|sur\s+le\s+même\s+sujet)\b.{0,80}
      | (?:share|partager|tweet|tweeter|email|e-mail|print|imprimer|facebook|twitter|whatsapp)
            (?:\s+(?:this\s+article|this\s+story|this|on\s+\w+|sur\s+\w+|cet\s+article|l'article))?
      | (?:advertisement|publicité|advertising|sponsored|sponsorisé)
      | (?:all\s+rights\s+reserved|tous\s+droits\s+réservés)\b.{0,80}
      | ©.{0,120}
      | (?:https?://|www\.)\S+
      | (?:sign\s+up|subscribe|abonnez-vous|inscrivez-vous)\b.{0,120}
      | (?:follow\s+us|suivez-nous)\b.{0,120}
    )[.!]?$""",
    re.IGNORECASE | re.VERBOSE,
)

# Cookie and consent banners come in many wordings; a short line that talks
# about cookies and consent is always furniture in an article body.
_COOKIE_WORDS = _lazy(r"\bcookies?\b", re.IGNORECASE)
_CONSENT_WORDS = _lazy(
    r"\b(?:accept|consent|privacy|accepte[rz]?|consentement|confidentialité|navigation|"
    r"use|utilis\w*|policy|politique|paramètres|settings)\b",
    re.IGNORECASE,
)
_BANNER_MAX_WORDS = 40

# Script or video-player code pasted into an article body by a scraper.
_CODE_MARKERS = _lazy(
    r"(?:function\s*\(|=>|\bvar\s+\w+\s*=|\bconst\s+\w+\s*=|\blet\s+\w+\s*=|document\.|window\.|"
    r"\w+\.push\(|\}\s*\)\s*;|\)\s*;\s*\}|<\s*/?\s*script|jwplayer|\bgetElementById\b|"
    r"\bnew\s+Date\(|\bif\s*\([^()\n]{0,200}\)\s*\{)"
)
_CODE_CHARS = "{}();=<>[]"

# A sentence end glued to the next sentence by a scraper: "noyé.Lorsque",
# "2005.The", "Twitter.L'image", 'retirer."Nous'. Only a space is inserted;
# the sentence splitter still decides, so "St.Louis" is not broken.
_LOWER = "a-zß-öø-ÿœæ"
_UPPER = "A-ZÀ-ÖØ-ÞŒÆ"
# A sentence ends on a lower-case letter, a figure or a bracket, or on an
# acronym written without full stops ("l'AFP.Cette aide", "du RN.Mais": two
# capitals; "U.S.The" has one before its last full stop and stays whole); in
# French a question or exclamation mark has a space before it ("… pas le
# salut militaire ?"S'indignant …", in 965 OrangeSum texts); an ellipsis
# ends one too ("est peut-être proche...L'actrice", "the best...We forget").
# (The newer alternatives use Latin-1's letters alone: a class that adds "œ"
# or "Œ" costs the regex compiler ten times more, in every process.)
_LATIN1_LOWER = "a-zß-öø-ÿ"
_LATIN1_UPPER = "A-ZÀ-ÖØ-Þ"
_GLUED_END = (
    rf"(?:(?<=[{_LOWER}0-9%)\]].)|(?<=[{_UPPER}][{_UPPER}].)"
    rf"|(?<=[{_LATIN1_LOWER}0-9] [?!])|(?<=[{_LATIN1_LOWER}0-9]\.\.\.))"
)
# An optional quote, closing or opening; a French closing guillemet has a
# space before it ("un vieux parti. »Selon les informations …").
_GLUED_QUOTE = r"((?: ?»|[\"”’])?)"
# The next sentence starts on a capitalised word; or, after a word in lower
# case, on a one-letter word or "M." (French: "symboles.A moins de six mois",
# "interdites.A Tel-Aviv", "cet analyste.M. Abbas", in 900 of 21,386
# OrangeSum texts). After a capitalised word the letter is a name's variant
# ("the Yanz.A worm", "Cabir.B") or an initial ("L.M. Rendall"), except in
# French: see split_glued_sentences.
_GLUED_NEXT = (
    rf"(?=[«“\"]?[{_UPPER}][{_LOWER}'’]"
    rf"|(?<=[{_LATIN1_LOWER}]{{2}}\.)"
    rf"(?:[AÀ] [{_LATIN1_LOWER}{_LATIN1_UPPER}]|M\. [{_LATIN1_UPPER}]))"
)
# The mark comes first so the regex engine can skip ahead to it.
_GLUED = re.compile(rf"[.!?…]{_GLUED_END}{_GLUED_QUOTE}{_GLUED_NEXT}")
# The same when the text has no "!", "?" or "…": a literal first character is
# found far faster than a class (see briefing.text.sentences).
_GLUED_FULL_STOP = re.compile(rf"\.{_GLUED_END}{_GLUED_QUOTE}{_GLUED_NEXT}")
_SPACES = re.compile(r"[ \t\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_ZERO_WIDTH = _lazy(r"[\u200b-\u200d\u2060\ufeff\u00ad]")
_CONTROL = _lazy(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_ODD_CHARACTER = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


# --- debris inside the prose ---------------------------------------------------
# Scraped news bodies carry furniture glued into the running text, where no
# line rule sees it. Each rule below was measured on the evaluation and
# training sets before it was kept (``benchmarks/summarizer.py --cleaning``).

_CLOCK = r"\d{1,2}:\d{2}(?:\s?[AP]M)?\s(?:EST|EDT|GMT|BST|UTC|CET|CEST)"
_DATE = r"\d{1,2}(?:st|nd|rd|th)?\s[A-Z][a-z]{2,8}\s\d{4}"
_STAMP = rf"{_CLOCK},\s{_DATE}"
# DailyMail's header: "By . Associated Press . PUBLISHED: . 14:11 EST, 25
# October 2013 . | . UPDATED: . 15:36 EST, 25 October 2013 ." (the byline and
# either stamp may be missing), and "Last updated at 10:25 AM on 5th March 2012".
_BYLINE_HEADER = _lazy(
    rf"(?:\bBy\s\.\s(?:[^.|\n]{{1,80}}\s\.\s){{1,4}}?)?"
    rf"(?:PUBLISHED:\s\.\s{_STAMP}\s\.\s(?:\|\s\.\s)?)"
    rf"(?:UPDATED:\s\.\s{_STAMP}\s\.\s?)?"
    rf"|\bUPDATED:\s\.\s{_STAMP}\s\.\s?"
    rf"|\bLast updated at \d{{1,2}}:\d{{2}} [AP]M on {_DATE}\s\.\s?"
    rf"|\ABy\s\.\s[^.|\n]{{1,60}}\s\.\s(?=[A-Z])"
)
# "Scroll down for video", "Scroll down for more", a pointer to a player.
_SCROLL_DOWN = _lazy(r"\bScroll down for (?:video|videos|more)\b\s?\.?\s?", re.IGNORECASE)
# A promo or poll line glued into the text: "QUICK VOTE What do you expect ...?",
# "READ MORE: U.N. inspectors heading to Syria ." (up to the paragraph mark " . "
# or the line end).
_PROMO = _lazy(
    r"(?:^|(?<=\s))(?:QUICK VOTE|POLL|VOTE|READ MORE:?|Read more:|RELATED:|MORE:|WATCH:|"
    r"VIDEO:|PICTURED:)\s[^\n]{0,300}?(?:\?(?=\s|$)|\s\.(?=\s|$)|$)"
)
# A teaser ending: the article is cut off mid-sentence and a link follows
# ("D'après lui, l'opération… Lire la suite sur Le Figaro"). The cut-off
# sentence goes with the link.
_TEASER_END = _lazy(
    r"(?:…|\.\.\.)\s*(?:\[?\s*)?(?:Lire la suite|Lire l'article|Read more|Continue reading|"
    r"Read the full story|Voir la suite)\b[^\n]{0,100}\Z",
    re.IGNORECASE,
)
# A sentence end: a mark then a space or a capital (glued), not an initial ("Samuel L.").
_SENTENCE_END_BEFORE = _lazy(r"(?<![\s.][A-Z])[.!?»”\"](?:\s|(?=[A-ZÀ-ÖØ-Þ]))")


def drop_inline_debris(text: str) -> str:
    """Remove bylines and timestamps, video pointers, promo lines and teaser endings.

    Each removal leaves the prose around it verbatim, and a paragraph break
    where it was, so that no sentence spans it.
    """
    for _, rule in INLINE_DEBRIS_RULES:
        text = rule(text)
    return text


def _cut_out(pattern: re.Pattern[str], text: str) -> str:
    """``text`` without the matches of ``pattern``; one inside a line leaves a paragraph break.

    A break, not nothing: the words on either side of a removed byline or
    promo were never one sentence in the source, and joined they would make a
    quoted sentence the article does not contain ("AP Photo LON104 RAMALLAH,
    West Bank (AP) - ..."). Split apart, each side is a verbatim stretch of
    the article, and a fragment left without final punctuation is never picked.
    """

    def replace(match: re.Match[str]) -> str:
        start, end = match.span()
        at_line_start = start == 0 or text[start - 1] == "\n"
        at_line_end = end == len(text) or text[end] == "\n"
        return "" if at_line_start or at_line_end else "\n\n"

    return pattern.sub(replace, text)


_Lazy = Callable[[], re.Pattern[str]]


def _cut_when_found(gates: tuple[_Lazy, ...], pattern: _Lazy, text: str) -> str:
    """:func:`_cut_out` of ``pattern``, tried only where one of the cheap ``gates`` matches.

    A pattern that opens on a look-behind or a character class is tried at
    every character; a gate that opens on a literal is not, and spares
    almost every text the full pattern.
    """
    if all(gate().search(text) is None for gate in gates):
        return text
    return _cut_out(pattern(), text)


def _drop_bylines(text: str) -> str:
    if "By ." not in text and "UPDATED" not in text and "Last updated" not in text:
        return text
    return _cut_out(_BYLINE_HEADER(), text)


def _drop_scroll_down(text: str) -> str:
    if "croll" not in text:
        return text
    return _cut_out(_SCROLL_DOWN(), text)


def _drop_promos(text: str) -> str:
    if not any(m in text for m in ("VOTE", "POLL", "MORE", "Read more:", "WATCH", "VIDEO", "PIC")):
        return text
    return _cut_out(_PROMO(), text)


def _drop_teaser_end(text: str) -> str:
    tail = text[-200:]
    if "…" not in tail and "..." not in tail:
        return text
    match = _TEASER_END().search(text, max(0, len(text) - 200))
    if match is None:
        return text
    kept = text[: match.start()]
    ends = list(_SENTENCE_END_BEFORE().finditer(kept, max(0, len(kept) - 2000)))
    cut = ends[-1].start() + 1 if ends else 0
    paragraph = max(kept.rfind("\n"), -1) + 1
    return kept[: max(cut, paragraph)].rstrip()


# DailyMail's inline photo captions have no final full stop and are glued to
# the sentence after them: "... at Sandown on Saturday Wright (centre) is now a
# television pundit ... professional McCoy is a huge Arsenal supporter". A
# capitalised word that commonly opens an English sentence, right after a
# lower-case word that does not take a name after it, is taken for such a
# seam: the text is cut there (a blank line), and the ranker never picks a
# piece left without final punctuation. A picture's position ("Left:", "Top,")
# counts only with its colon or comma: "his former Top Gear colleagues" is one
# sentence, and cut there its second half was quoted without its subject.
_CAPTION_SEAM = _lazy(
    r"(?<=[a-z0-9)]) (?=(?:The|A|An|He|She|They|It|His|Her|Their|This|These|Those|There|However|"
    r"But|We|In|On|At|After|When|While|Meanwhile|Now|Yesterday|"
    r"Today|Last|Earlier|Later|Pictured) |(?:Above|Below|Left|Right|Top|Bottom|Inset)[:,] )"
)
_TAKES_A_NAME = frozenset(
    [
        "to",
        "of",
        "by",
        "and",
        "or",
        "the",
        "in",
        "on",
        "at",
        "for",
        "from",
        "with",
        "as",
        "said",
        "says",
        "told",
        "than",
        "that",
        "into",
        "about",
        "like",
        "via",
        "per",
        "called",
        "named",
        "dubbed",
        "during",
        "after",
        "before",
        "under",
        "over",
        "is",
        "was",
        "are",
        "were",
        "be",
    ]
)


def _split_captions(text: str) -> str:
    if "Scroll down for" not in text and not _looks_like_dailymail(text):
        return text
    pieces: list[str] = []
    last = 0
    for match in _CAPTION_SEAM().finditer(text):
        start = match.start()
        previous = text[text.rfind(" ", 0, start) + 1 : start]
        if previous in _TAKES_A_NAME:
            continue
        pieces.append(text[last:start])
        last = match.end()
    if not pieces:
        return text
    pieces.append(text[last:])
    return "\n\n".join(pieces)


# A picture's marker in the text ("Sister Gertrud (not pictured) was found …
# on her face An 86-year-old nun …"): DailyMail's captions without its other
# markup (3 of the 225 DailyMail/CNN dev and train texts, none of BBC's).
_PICTURE_MARKERS = (
    "pictured)",
    "(left)",
    "(right)",
    "(centre)",
    "(center)",
    "(top)",
    "(bottom)",
    "(above)",
    "(below)",
    "(inset)",
)


def _looks_like_dailymail(text: str) -> bool:
    # Only texts that show DailyMail's markup are cut: elsewhere a capitalised
    # "The" after a lower-case word is usually a title ("reviewed in The Times").
    head = text[:400]
    return (
        " . " in head
        or "PUBLISHED:" in head
        or ("(" in head and any(marker in head for marker in _PICTURE_MARKERS))
    )


# Site navigation scraped with the article: a breadcrumb line ("You are
# here: :: ::", "Vous êtes ici : Accueil > Monde") and a pager ("<< Previous |
# Next >>", with the ticker's time stamp before it). Left in, the splitter reads
# a breadcrumb ending on a colon or separators as the opening of the sentence on
# the next line, and a pager sits inside the line of the headline and lead, so
# summaries quoted them ("You are here: :: :: Vanuatu PM assaulted me ...").
_NAVIGATION = _lazy(
    r"^[ \t]*(?:You are here|Vous êtes ici)[ \t]?:[^\n]{0,200}(?:\n|$)"
    r"|(?:\d{1,2}\.\d{1,2}\.\d{4}\s\d{1,2}:\d{2}\s)?(?:<<|«)\s?(?:Previous|Précédent)\s?\|"
    r"\s?(?:Next|Suivant)\s?(?:>>|»)?\s?",
    re.MULTILINE,
)


def _drop_navigation(text: str) -> str:
    breadcrumb = "are here" in text or "tes ici" in text
    pager = ("Previous" in text or "Précédent" in text) and ("<<" in text or "«" in text)
    if not breadcrumb and not pager:
        return text
    return _cut_out(_NAVIGATION(), text)


# A wire service's desk furniture glued before the dateline: the revision note
# ("(Adds details, background)", "(Updates with vote)") and the byline between
# it and the dateline ("By Steve Holland WASHINGTON, Nov 15 (Reuters) -", "By
# RAVI NESSMAN Associated Press Writer RAMALLAH, West Bank (AP)"). The dateline
# and the story stay. Only a byline directly before an upper-case dateline
# that names the agency is dropped, so "By Monday the vote ..." is prose.
_WIRE_NOTE = r"\((?:Adds|Updates|Recasts|Corrects|Changes|Rewrites|Refiles)\b[^()\n]{0,80}\)\s"
_WIRE_NAME = r"[A-Z][A-Za-z.'’-]+(?:\s[A-Z][A-Za-z.'’-]+){0,3}"
_WIRE_BYLINE = rf"By\s{_WIRE_NAME}\s(?:Associated Press Writer\s)?"
_WIRE_DATELINE = r"[A-Z]{3,}[A-Z .'’-]*(?:,\s[A-Z][A-Za-z0-9. ]{1,30})?\s\((?:Reuters|AP|AFP)\)"
_WIRE_HEADER = _lazy(
    rf"(?:^|(?<=\s))(?:{_WIRE_NOTE}(?:{_WIRE_BYLINE})?|{_WIRE_BYLINE})(?={_WIRE_DATELINE})",
    re.MULTILINE,
)


def _drop_wire_header(text: str) -> str:
    if "(Reuters)" not in text and "(AP)" not in text and "(AFP)" not in text:
        return text
    return _cut_out(_WIRE_HEADER(), text)


# An advertisement slot's label left inline by a scraper, between two sentences
# ("... spam campaigns. Advertisement At least one Web site ..."). On a line of
# its own the line rules drop it; prose ("Advertisement revenue fell") goes on
# in lower case.
_ADVERT_MARKER = _lazy(
    r"(?:^|(?<=[.!?\"”’»]\s))(?:Advertisement|ADVERTISEMENT|Publicité|PUBLICITÉ)\s(?=[«\"“A-ZÀ-Ý])",
    re.MULTILINE,
)


def _drop_advert_marker(text: str) -> str:
    if "dvertisement" not in text and "DVERTISEMENT" not in text and "ublicit" not in text:
        return text
    return _cut_out(_ADVERT_MARKER(), text)


# A crosshead (intertitre) in capitals, glued between two sentences by the
# scrape, in quotation marks, between dashes or bare: "… ses proches."JE N'AI
# JAMAIS ENTENDU DIRE QUE PENELOPE FILLON TRAVAILLAIT"Interrogée par …", "-
# LA TRANSPLANTATION, SON SEUL ESPOIR -Les médecins …". Left in, it joined two
# sentences into one quote and threw the quotation marks out of balance. Only
# after a sentence's end and before a capital with no space: a shouted word
# inside a sentence ("il a crié "AU SECOURS" puis") stays.
_CAPS_FIRST = rf"[{_LATIN1_UPPER}0-9]"
_CAPS_NEXT = rf"[{_LATIN1_UPPER}0-9 ,'’:!?-]"
# Where a capitalised word begins (a crosshead in capitals ends there).
_WORD_BEGINS = rf"(?=[{_LATIN1_UPPER}][a-zà-öø-ÿ])"
_CAPS = _CAPS_FIRST + _CAPS_NEXT + "{8,150}"  # a crosshead is short: bounded, so linear
# Between dashes, bare or quoted ('- "C'EST UN CRIMINEL DE GUERRE" -La procureure').
_DASHED = rf"-[ \t]?(?:\"{_CAPS}\"|{_CAPS}?)[ \t]?-[ \t]?"
_CROSSHEAD = _lazy(
    rf"(?<=[.!?»\"”])[ \t]*(?:\"{_CAPS}\"|{_DASHED})(?=[{_LATIN1_UPPER}«\"])"
    rf"|^[ \t]*{_DASHED}(?=[{_LATIN1_UPPER}«\"])"
    # With no mark of its own, glued to both sentences: "raconté.UNE DEUXIÈME
    # VOITURE, PUIS UNE TROISIÈMESur son trajet": it ends where a capitalised
    # word begins.
    rf"|(?<=[.\"]){_CAPS}?{_WORD_BEGINS}",
    re.MULTILINE,
)


# The gates (see _cut_when_found): a quotation mark, dash or full stop before
# capitals (59 us a text without them, 7 with them).
_QUOTE_BEFORE_CAPITALS = _lazy('"' + _CAPS_FIRST + _CAPS_NEXT + "{8}")
_DASH_BEFORE_CAPITALS = _lazy(r"-[ \t]?\"?" + _CAPS_FIRST + _CAPS_NEXT + "{8}")
_FULL_STOP_BEFORE_CAPITALS = _lazy(r"\." + _CAPS_FIRST + _CAPS_NEXT + "{8}")


def _drop_crossheads(text: str) -> str:
    gates = (_QUOTE_BEFORE_CAPITALS, _DASH_BEFORE_CAPITALS, _FULL_STOP_BEFORE_CAPITALS)
    return _cut_when_found(gates, _CROSSHEAD, text)


# A crosshead after a bullet ("•", "►"), glued to the paragraph it heads by the scrape:
# "• Hausses de salairesInterpellé lors d'une visite …", "• CRISE DE
# PANIQUERéalisant ce qui …", "• À Lille, Aubry pour rester à gauche ?Le
# beffroi …" (in 183 of the 21,386 OrangeSum texts, none in English). It ends
# on a word in lower case or in capitals, or on a mark, where a capitalised
# word begins with no space: a name's own capital ("YouTube", "iPhone",
# "McDonald's") is inside a mixed-case word and cuts nothing.
_BULLET_CROSSHEAD = _lazy(
    rf"[•►][ \t]*(?:[^•►\n.]{{0,150}}?[\s\"'«(’])?"
    rf"(?:(?:[{_LOWER}]{{2,}}|[{_UPPER}0-9]{{2,}})[?!\"»”)]{{0,2}}|[?!][\"»”)]?)"
    rf"(?=[{_UPPER}][{_LOWER}'’]|[AÀ] [{_LOWER}]|À [{_UPPER}])"
)


def _drop_bullet_crossheads(text: str) -> str:
    if "•" not in text and "►" not in text:
        return text
    return _cut_out(_BULLET_CROSSHEAD(), text)


# A newspaper's byline with its outlet in capitals, glued before the lead:
# "By Edward Iwata, USA TODAY Handing down some of the harshest penalties …".
# Only at the start of the text, a line or a sentence, with a name of two to
# four words (no weekday or month: "By Friday, NATO Secretary General …" is
# prose) and a capitalised word after the outlet.
_NOT_A_NAME = (
    r"(?!(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February"
    r"|March|April|May|June|July|August|September|October|November|December)\b)"
)
_OUTLET_BYLINE = _lazy(
    r"(?:^|(?<=[.!?\"”’»]\s))By\s" + _NOT_A_NAME + r"[A-Z][\w.'’-]+(?:\s[A-Z][\w.'’-]+){1,3},"
    r"\s[A-Z][A-Z&.'’]+(?:\s[A-Z][A-Z&.'’]+){0,3}\s(?=[A-Z][a-z])",
    re.MULTILINE,
)


_BY_NAME_COMMA_CAPITALS = _lazy(r"By\s[A-Z][^\n,]{2,60},\s[A-Z][A-Z]")


def _drop_outlet_byline(text: str) -> str:
    return _cut_when_found((_BY_NAME_COMMA_CAPITALS,), _OUTLET_BYLINE, text)


# DailyMail's text marks each line break of the printed page with " . ",
# inside sentences too: "a woman who . claims to have had sex as a minor …".
# Before a lower-case word the mark cannot end a sentence, and the splitter
# cut there, so the quoted rest lost its subject ("claims to have had sex …").
_LINE_BREAK_MARK = _lazy(r"(?<=\w) \.(?= [a-zà-öø-ÿ])")


def _drop_line_break_marks(text: str) -> str:
    if " . " not in text:
        return text
    return _LINE_BREAK_MARK().sub("", text)


# A page's byline and date glued before the lead: "Paul Roberts, IDG News
# Service Friday, December 03, 2004 Lycos Europe is caught ...", or a time
# stamp opening a line ("Saturday November 13, 2004 8:16 PM AP Photo ...").
# Prose names a weekday and a full date too ("On Friday, December 3, 2004
# Lycos said"), so only a date after a "Name, Organisation" byline, or a
# date with its time of day at a line's start, is page furniture.
_WEEKDAY_DATE = (
    r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday),?\s"
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
    r"\s\d{1,2},?\s\d{4}"
)
_TIME_OF_DAY = (
    r",?\s\d{1,2}:\d{2}(?:\s?[AaPp]\.?[Mm]\.?)?"
    r"(?:\s(?:UTC|GMT|BST|CET|CEST|EST|EDT|CST|CDT|MST|MDT|PST|PDT|ET|PT)\b)?"
)
_DATED_BYLINE = _lazy(
    r"(?:(?:^|(?<=[.!?\"”’»]\s))[A-Z][\w'’-]+(?:\s[A-Z][\w'’-]+){1,2},"
    r"(?:\s[A-Z][\w&'’-]*){1,4}\s" + _WEEKDAY_DATE + r"(?:" + _TIME_OF_DAY + r")?"
    r"|^" + _WEEKDAY_DATE + _TIME_OF_DAY + r")\s(?=[A-Z«\"“])",
    re.MULTILINE,
)


# A weekday before a month and a day of it: the cheap test that spares almost
# every text the full pattern (a third of the cleaning's time when run on all).
_WEEKDAY_BEFORE_DATE = _lazy(
    r"day,?\s(?:January|February|March|April|May|June|July|August|September|October"
    r"|November|December)\s\d"
)


def _drop_dated_byline(text: str) -> str:
    return _cut_when_found((_WEEKDAY_BEFORE_DATE,), _DATED_BYLINE, text)


INLINE_DEBRIS_RULES = (
    ("inline photo caption (cut)", _split_captions),
    ("byline and timestamp", _drop_bylines),
    ("scroll down for video", _drop_scroll_down),
    ("promo or poll line", _drop_promos),
    ("teaser ending", _drop_teaser_end),
    ("breadcrumb or pager", _drop_navigation),
    ("wire revision note and byline", _drop_wire_header),
    ("advertisement label", _drop_advert_marker),
    ("byline with its date", _drop_dated_byline),
    ("line-break mark inside a sentence", _drop_line_break_marks),
    ("byline with its outlet", _drop_outlet_byline),
    ("crosshead after a bullet", _drop_bullet_crossheads),
    ("crosshead in capitals", _drop_crossheads),
)


def clean_text(raw: str) -> str:
    """Return ``raw`` without page debris, with glued sentences split.

    Paragraphs stay separated by a blank line; single line breaks inside a
    paragraph are kept (they may end a headline or a list item).
    """
    text = drop_inline_debris(unicodedata.normalize("NFC", raw))
    # str.isprintable() is False for every line break, control, zero-width
    # character and space other than " ": a text that passes is one line
    # (the common case for scraped article bodies) with nothing to replace.
    if text.isprintable():
        return _clean_line(text, printable=True)
    text, printable = _normalise_characters(text)
    paragraphs = []
    for paragraph in _BLANK_LINES.split(text):
        lines = [_clean_line(line, printable) for line in paragraph.split("\n")]
        kept = [line for line in lines if line]
        if kept:
            paragraphs.append("\n".join(kept))
    return "\n\n".join(paragraphs)


def _normalise_characters(text: str) -> tuple[str, bool]:
    """The text with plain line breaks and no odd character, and whether every
    line of it is printable (then its only white space is " ")."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
    text = text.replace("\u2029", "\n\n")
    # Every odd character is a control or format character, which
    # str.isprintable() refuses: a text it accepts, line breaks aside (the
    # common case), has none, and asking costs less than the regex's scan.
    if text.replace("\n", " ").isprintable():
        return text, True
    # One scan tells whether either substitution has anything to do (rarely).
    if _ODD_CHARACTER.search(text) is None:
        return text, False
    text = _ZERO_WIDTH().sub("", text)
    return _CONTROL().sub(" ", text), False


def _clean_line(line: str, printable: bool = False) -> str:
    """One line cleaned; ``printable``: the caller knows it is (its only space is " ")."""
    if not (_single_spaced(line) if printable else _is_normalised(line)):
        # str.split() knows every Unicode space _SPACES lists, and is far faster.
        line = " ".join(line.split())
    if not line or _is_debris(line):
        return ""
    line = _drop_code(line)
    if not line:
        return ""
    split = split_glued_sentences(line)
    # A scrape that glued sentences glued its crossheads too (89 % of the
    # OrangeSum texts with such a crosshead also have a glued sentence end),
    # and French scrapes glue them most: the cheap tests spare English prose
    # the search.
    if split == line and not _reads_french(line):
        return line
    return break_glued_crossheads(split)


def _is_normalised(line: str) -> bool:
    """Whether ``" ".join(line.split())`` would give ``line`` back (cheaper to ask)."""
    # Any space but " " (and any control or line break) is not printable.
    return line.isprintable() and _single_spaced(line)


def _single_spaced(line: str) -> bool:
    """:func:`_is_normalised` for a printable line."""
    return "  " not in line and line[:1] != " " and line[-1:] != " "


def is_debris_line(line: str) -> bool:
    """Tell whether a whole (stripped) line is page furniture rather than prose."""
    if _DEBRIS_LINE.match(line):
        return True
    if "cookie" not in line.lower() or len(line.split()) > _BANNER_MAX_WORDS:
        return False
    return _is_banner(line)


def _is_debris(line: str) -> bool:
    """:func:`is_debris_line` for a line whose words are one space apart."""
    if _DEBRIS_LINE.match(line):
        return True
    # Words are one space apart: a long line (most paragraphs of a
    # scraped article are one line) is no banner, and is not even lower-cased.
    if line.count(" ") >= _BANNER_MAX_WORDS or "cookie" not in line.lower():
        return False
    return _is_banner(line)


def _is_banner(line: str) -> bool:
    return _COOKIE_WORDS().search(line) is not None and _CONSENT_WORDS().search(line) is not None


def _drop_code(line: str) -> str:
    """Drop a line that is mostly script code (a scraped video player, say)."""
    # Every marker needs one of these characters; most prose has none, and
    # skipping the big pattern then halves the cost of cleaning.
    if "{" not in line and "=" not in line and "<" not in line and ";" not in line:
        return line
    # Prose has about one bracket or semicolon in a hundred characters; code
    # has one in ten. A code-dense line goes whole: cutting code out of it
    # reliably would take a parser, and a wrong cut leaves half a script.
    # Density is counted first: the marker pattern is slow on a long line.
    if sum(map(line.count, _CODE_CHARS)) * 12 < len(line):
        return line
    return "" if _CODE_MARKERS().search(line) else line


def split_glued_sentences(text: str) -> str:
    """Insert the missing space in "noyé.Lorsque", "2005.The", 'dit."Nous'."""
    marks = "!" in text or "?" in text or "…" in text
    if not marks and "." not in text:
        return text
    pieces: list[str] = []
    last = 0
    for match in (_GLUED if marks else _GLUED_FULL_STOP).finditer(text):
        quote = match.group(1)
        cut = match.start(1)
        if (
            text[cut + 1 : cut + 2] in (" ", ".")
            and _capitalised_before(text, match.start())
            and not _reads_french(text)
        ):
            continue  # a one-letter word or "M." after a name: "the Yanz.A worm"
        if quote == '"' and _opens_quote(text, cut):
            pieces.append(text[last:cut])
            last = cut
        elif quote:
            pieces.append(text[last : match.end()])
            last = match.end()
        else:
            pieces.append(text[last:cut])
            last = cut
    if not pieces:
        return text
    pieces.append(text[last:])
    return " ".join(pieces)


# Crossheads glued to the paragraph they head, found in one pass over the
# capitals of a text whose scrape glued sentences or that reads French (see
# _clean_line):
#
# - in sentence case, with no mark at all between the paragraphs around it:
#   "… sans gravité.Les amis autour de luiBernard Tapie souffre …", "Une
#   enquête ouverteDes restrictions …" (4,833 seams in 3,873 of the 21,386
#   OrangeSum texts, none in English). Where a word in lower case runs into a
#   capitalised one, a paragraph break goes in: the crosshead is left alone
#   without final punctuation (never quoted) and the paragraph's first
#   sentence is whole. A name's own capital is in a word that starts in
#   capitals or is short ("YouTube", "McDonald", "iPhone", "eBay").
# - in capitals, opening a sentence and glued to its first word: "PÉCRESSE ET
#   BERTRAND EN EMBUSCADELes 26 et 27 août …" (145 OrangeSum texts; the rule
#   in INLINE_DEBRIS_RULES takes those after a glued sentence end). It goes.
#
# Led by the capital, so that the regex engine skips ahead to one (led by a
# look-behind or an alternation, it tried every character, four to five
# times slower); group 1 is a crosshead in capitals, after its first letter.
_GLUED_CROSSHEAD = _lazy(
    rf"{_CAPS_FIRST}(?:"
    rf"(?<=[{_LATIN1_LOWER}]{{2}}[{_LATIN1_UPPER}])(?=[{_LATIN1_LOWER}'’])"
    rf"|(?:(?<![\s\S].)|(?<=[.!?\"»] .))({_CAPS_NEXT}{{8,150}}?(?<=[{_LATIN1_UPPER}0-9?!]))"
    rf"{_WORD_BEGINS})"
)
_IN_WORD = frozenset("'’-")
_BEFORE_A_NAME = frozenset(".@/#_")


def break_glued_crossheads(text: str) -> str:
    """Set apart, or cut, a crosshead glued to the text it heads ("luiBernard")."""
    pieces: list[str] = []
    last = 0
    for match in _GLUED_CROSSHEAD().finditer(text):
        start = match.start()
        if match.group(1) is not None:  # in capitals: it goes
            pieces.append(text[last:start].rstrip())
            last = match.end()
        elif _lower_word_before(text, start):
            pieces.append(text[last:start])
            last = start
    if not pieces:
        return text
    pieces.append(text[last:])
    return "\n\n".join(piece for piece in pieces if piece)


def _word_start(text: str, end: int) -> int:
    """Where the word of letters (with its apostrophes and hyphens) ending at ``end`` starts.

    Looked for within 40 characters: a longer "word" is no prose.
    """
    start = end
    floor = max(0, end - 40)
    while start > floor and (text[start - 1].isalpha() or text[start - 1] in _IN_WORD):
        start -= 1
    return start


def _lower_word_before(text: str, seam: int) -> bool:
    """Whether a word of three letters or more, starting in lower case, ends at ``seam``."""
    start = _word_start(text, seam)
    if seam - start < 3 or not text[start].islower():
        return False
    return start == 0 or not (text[start - 1].isalnum() or text[start - 1] in _BEFORE_A_NAME)


def _reads_french(text: str) -> bool:
    """Whether the text uses French's commonest articles ("les" and "des").

    Then a letter or "M." glued after a capitalised word opens a sentence
    ("du président Donald Trump.M. Pompeo", "selon le ministère de la
    Santé.A l'entrée"); in English it is a name's variant ("the Yanz.A
    worm"). Of the 2,119 English dev and train texts none has both words; of
    the 21,536 French ones, 91 % have.
    """
    return " les " in text and " des " in text


def _capitalised_before(text: str, stop: int) -> bool:
    """Whether the word ending at ``stop`` starts with a capital."""
    return text[_word_start(text, stop) : stop][:1].isupper()


def _opens_quote(text: str, position: int) -> bool:
    # A straight quote after an even number of straight quotes opens a quotation.
    return text.count('"', 0, position) % 2 == 0


_SKIPPED_TAGS = frozenset(
    {
        "script",
        "style",
        "noscript",
        "template",
        "nav",
        "header",
        "footer",
        "aside",
        "form",
        "button",
        "select",
        "svg",
        "iframe",
        "object",
        "embed",
        "canvas",
        "video",
        "audio",
        "figure",
        "head",
        "title",
        "menu",
    }
)
_BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "section",
        "article",
        "main",
        "br",
        "li",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "pre",
        "table",
        "tr",
        "hr",
        "body",
        "html",
    }
)
_VOID_TAGS = frozenset({"br", "hr", "img", "input", "meta", "link", "wbr", "source", "area", "col"})


def html_to_text(html_text: str, *, well_formed: bool = False) -> str:
    """Return the visible text of an HTML fragment or page, one paragraph per block.

    Scripts, styles, navigation and embedded media are dropped. Character
    references are decoded once (never resolved against files or the network).
    ``well_formed``: the markup comes out of nh3 already (a feed entry), so it
    is not rewritten a second time.
    """
    # html.parser is imported only when HTML is read: `briefing summarize
    # --jsonl` reads plain text and starts faster without it.
    from briefing.text.markup import visible_text

    return visible_text(html_text, well_formed=well_formed)


def markdown_to_text(md: str) -> str:
    """Return the prose of a Markdown document as plain paragraphs.

    Markup is removed, link targets are dropped (their text is kept), and any
    raw HTML in the document goes through :func:`html_to_text`, so no tag or
    script passes through.
    """
    from briefing.text.markup import markdown_prose  # its regexes compile only when needed

    return markdown_prose(md)


__all__ = [
    "INLINE_DEBRIS_RULES",
    "break_glued_crossheads",
    "clean_text",
    "drop_inline_debris",
    "html_to_text",
    "is_debris_line",
    "markdown_to_text",
    "split_glued_sentences",
]
