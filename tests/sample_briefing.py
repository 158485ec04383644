"""Realistic briefings built from the Wikinews articles in this folder.

Shared by tests/test_render.py, tests/test_pdf.py, tests/test_mail.py and
benchmarks/render.py. The key sentences are quoted verbatim from the articles
(the first sentences of each paragraph), and each article carries its CC BY 2.5
attribution line from SOURCES.md.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from briefing.models import (
    Article,
    Briefing,
    BriefingItem,
    SourceFailure,
    Summary,
    SummarySentence,
)

HERE = Path(__file__).parent / "data" / "render"
FILES = {
    "four-nba-players-suspended-indefinitely-for-brawl.txt": "en",
    "us-president-bush-visits-canada.txt": "en",
    "grece-le-nouveau-gouvernement-de-coalition-forme.txt": "fr",
    "mali-les-islamistes-poursuivent-leurs-destructions-a-tombouc.txt": "fr",
}
# A full stop after a lowercase letter, digit or closing mark ends a sentence;
# after a capital it is an initial ("George W. Bush", "M. Samaras").
_SENTENCE_END = re.compile(r"(?<=[a-z0-9»)][.!?])\s+(?=[A-ZÀ-Ý«])")
GENERATED = datetime(2024, 5, 6, 7, 0, tzinfo=UTC)


def _attributions() -> dict[str, tuple[str, str]]:
    found: dict[str, tuple[str, str]] = {}
    for line in (HERE / "SOURCES.md").read_text(encoding="utf-8").splitlines():
        match = re.match(r"- `([^`]+)`: (.+ — (\S+) \(CC BY 2\.5\))$", line)
        if match:
            found[match.group(1)] = (match.group(2), match.group(3))
    return found


def sample_articles() -> list[tuple[Article, list[str]]]:
    """Each test article with three sentences quoted from it."""
    credits = _attributions()
    result = []
    for i, (name, language) in enumerate(FILES.items()):
        title, _, body = (HERE / name).read_text(encoding="utf-8").partition("\n\n")
        sentences = _SENTENCE_END.split(" ".join(body.split()))[:3]
        attribution, url = credits[name]
        article = Article(
            title=title.strip(),
            text=body,
            source="Wikinews (en)" if language == "en" else "Wikinews (fr)",
            url=url,
            published=GENERATED - timedelta(hours=3 + i),
            language=language,
            attribution=attribution,
        )
        result.append((article, sentences))
    return result


def item_for(article: Article, sentences: list[str]) -> BriefingItem:
    summary = Summary(
        language=article.language or "en",
        algorithm="lexrank",
        sentences=tuple(SummarySentence(i, s, 1.0 - i / 10) for i, s in enumerate(sentences)),
        total_sentences=len(sentences) + 5,
    )
    return BriefingItem(article=article, summary=summary)


def make_briefing(
    articles: int = 4,
    *,
    failed_items: int = 0,
    failures: int = 0,
    language: str = "en",
    title: str = "Morning briefing",
) -> Briefing:
    """A briefing of ``articles`` summarised articles (the samples, cycled)."""
    samples = sample_articles()
    items = []
    for n in range(articles):
        article, sentences = samples[n % len(samples)]
        if n >= len(samples):
            article = Article(**{**article.__dict__, "title": f"{article.title} ({n + 1})"})
        items.append(item_for(article, sentences))
    for n in range(failed_items):
        article, _ = samples[n % len(samples)]
        items.append(
            BriefingItem(
                article=article, summary=None, error="the article has no readable sentences"
            )
        )
    return Briefing(
        title=title,
        date=date(2024, 5, 6),
        generated_at=GENERATED,
        items=tuple(items),
        sources=("Wikinews (en)", "Wikinews (fr)"),
        failures=tuple(
            SourceFailure(f"Broken feed {n + 1}", "connection refused by example.org", GENERATED)
            for n in range(failures)
        ),
        language=language,
        author="Communications team",
    )
