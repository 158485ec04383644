"""The Summarizer seam: our own ranker, Lead and sumy's algorithms behind one protocol.

A summariser receives an article already cleaned and split into sentences and
returns a :class:`~briefing.models.Summary` quoting some of them verbatim, in
article order, each with its score and what the score is made of. Built-ins
register themselves in the same registry a plugin would use
(:func:`register_summarizer`).

sumy (and its numpy and scipy) is imported only when one of sumy's algorithms
summarises, so importing this module stays cheap; our ranker needs neither.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from briefing.errors import DocumentError, SummaryError
from briefing.models import Length, Summary, SummarySentence
from briefing.text import clean_text, detect_language, split_sentences
from briefing.text.language import LANGUAGE_NAMES

#: Longer articles are summarised from their first sentences only: the
#: centrality methods are quadratic in the sentence count.
MAX_SENTENCES = 400
#: sumy's methods compare sentence pairs in Python loops; they get a tighter cap.
MAX_SENTENCES_SUMY = 150
#: Text beyond this many characters is not even split.
MAX_CHARS = 400_000

DEFAULT_ALGORITHM = "default"
_DEFAULT_LENGTH = Length()  # frozen, so one shared default is safe
_WORD = re.compile(r"[^\W_]+")


class Summarizer(Protocol):
    """Picks key sentences from an article split into sentences."""

    name: str

    def summarize(self, sentences: Sequence[str], *, language: str, length: Length) -> Summary:
        """Return the picked sentences verbatim, in article order."""
        ...


SummarizerFactory = Callable[[], Summarizer]
_REGISTRY: dict[str, SummarizerFactory] = {}


def register_summarizer(name: str, factory: SummarizerFactory) -> None:
    """Make a summariser selectable by ``name`` (``--algorithm NAME``)."""
    _REGISTRY[name.lower()] = factory


def available_algorithms() -> list[str]:
    """The names ``--algorithm`` accepts, ours first."""
    return list(_REGISTRY)


def get_summarizer(name: str) -> Summarizer:
    """Return the summariser called ``name``; raise SummaryError listing the valid ones."""
    factory = _REGISTRY.get(name.strip().lower())
    if factory is None:
        valid = ", ".join(available_algorithms())
        raise SummaryError(f"unknown summary algorithm {name!r}; choose one of: {valid}")
    return factory()


# --- length -----------------------------------------------------------------


def sentence_budget(length: Length, total: int) -> int:
    """How many sentences a summary of ``total`` sentences may hold (at least 1)."""
    if total <= 0:
        return 0
    if length.sentences is not None and length.ratio is None and length.words is None:
        return max(1, min(total, length.sentences))
    if length.ratio is not None:
        return max(1, min(total, math.ceil(length.ratio * total)))
    if length.words is not None:
        return total  # the word budget trims a ranking of every sentence
    return max(1, min(total, 3))


def word_count(sentence: str) -> int:
    return len(sentence.split())


def _fit_word_budget(ranked: Sequence[int], sentences: Sequence[str], words: int) -> list[int]:
    """Take sentences in rank order while they fit the budget; always keep one."""
    kept: list[int] = []
    used = 0
    for index in ranked:
        size = word_count(sentences[index])
        if kept and used + size > words:
            continue
        kept.append(index)
        used += size
    return sorted(kept)


# --- our ranker and Lead ----------------------------------------------------


class DefaultSummarizer:
    """Position-augmented centrality with redundancy removal (see briefing.ranker)."""

    name = "default"

    def summarize(self, sentences: Sequence[str], *, language: str, length: Length) -> Summary:
        from briefing.ranker import ranking

        budget = sentence_budget(length, len(sentences))
        # One order for every length: a longer summary holds a shorter one.
        order = ranking(sentences, budget, language=language)
        if length.words is not None and length.ratio is None:
            keep = set(_fit_word_budget([r.index for r in order], sentences, length.words))
            order = [r for r in order if r.index in keep]
        ranked = sorted(order)
        picked = tuple(
            SummarySentence(
                index=r.index,
                text=sentences[r.index],
                score=r.score,
                components={
                    "centrality": r.centrality,
                    "position": r.position,
                    "redundancy": r.redundancy,
                    "short": r.short,
                },
            )
            for r in ranked
        )
        return Summary(language, self.name, picked, len(sentences))


class LeadSummarizer:
    """The first sentences of the article: the classic news baseline."""

    name = "lead"

    def summarize(self, sentences: Sequence[str], *, language: str, length: Length) -> Summary:
        budget = sentence_budget(length, len(sentences))
        indices = list(range(budget))
        if length.words is not None and length.ratio is None:
            indices = _fit_word_budget(indices, sentences, length.words)
        picked = tuple(
            SummarySentence(
                index=i,
                text=sentences[i],
                score=round(1.0 / (1 + i), 6),
                components={"position": round(1.0 / (1 + i), 6)},
            )
            for i in indices
        )
        return Summary(language, self.name, picked, len(sentences))


# --- sumy ---------------------------------------------------------------------


class PunktTokenizer:
    """The tokenizer object sumy expects, backed by the packaged Punkt models."""

    def __init__(self, language: str) -> None:
        self.code = language
        self.language = LANGUAGE_NAMES.get(language, "english")

    def to_sentences(self, text: str) -> tuple[str, ...]:
        return tuple(split_sentences(text, self.code))

    def to_words(self, sentence: str) -> tuple[str, ...]:
        return tuple(_WORD.findall(sentence))


_SUMY_CLASSES = {
    "lexrank": ("sumy.summarizers.lex_rank", "LexRankSummarizer"),
    "textrank": ("sumy.summarizers.text_rank", "TextRankSummarizer"),
    "lsa": ("sumy.summarizers.lsa", "LsaSummarizer"),
    "luhn": ("sumy.summarizers.luhn", "LuhnSummarizer"),
    "kl": ("sumy.summarizers.kl", "KLSummarizer"),
    "sumbasic": ("sumy.summarizers.sum_basic", "SumBasicSummarizer"),
    "edmundson": ("sumy.summarizers.edmundson", "EdmundsonSummarizer"),
    "reduction": ("sumy.summarizers.reduction", "ReductionSummarizer"),
}


@dataclass
class SumySummarizer:
    """One of sumy's algorithms, with sumy's stop words and NLTK's Snowball stemmers."""

    name: str

    def summarize(self, sentences: Sequence[str], *, language: str, length: Length) -> Summary:
        budget = sentence_budget(length, len(sentences))
        if length.words is not None and length.ratio is None:
            budget = _budget_for_words(sentences, length.words)
        document = _sumy_document(sentences, PunktTokenizer(language))
        chosen = self._algorithm(language)(document, budget)
        indices = _indices_of(chosen, sentences)
        if length.words is not None and length.ratio is None:
            indices = _fit_word_budget(indices, sentences, length.words)
        picked = tuple(
            SummarySentence(index=i, text=sentences[i], score=1.0, components={}) for i in indices
        )
        return Summary(language, self.name, picked, len(sentences))

    def _algorithm(self, language: str) -> Any:
        import importlib

        module_name, class_name = _SUMY_CLASSES[self.name]
        algorithm_class = getattr(importlib.import_module(module_name), class_name)
        algorithm = algorithm_class(_sumy_stemmer(language))
        stops = _sumy_stop_words(language)
        if self.name == "edmundson":
            from sumy.parsers.parser import DocumentParser

            algorithm.bonus_words = DocumentParser.SIGNIFICANT_WORDS
            algorithm.stigma_words = DocumentParser.STIGMA_WORDS
            algorithm.null_words = stops
        else:
            algorithm.stop_words = stops
        return algorithm


def _budget_for_words(sentences: Sequence[str], words: int) -> int:
    average = max(1.0, sum(map(word_count, sentences)) / max(1, len(sentences)))
    return max(1, min(len(sentences), math.ceil(words / average)))


def _sumy_document(sentences: Sequence[str], tokenizer: PunktTokenizer) -> Any:
    from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence

    return ObjectDocumentModel([Paragraph([Sentence(s, tokenizer) for s in sentences])])


def _indices_of(chosen: Sequence[Any], sentences: Sequence[str]) -> list[int]:
    positions: dict[str, list[int]] = {}
    for i, sentence in enumerate(sentences):
        positions.setdefault(sentence.strip(), []).append(i)
    indices = []
    for sentence in chosen:
        slots = positions.get(str(sentence), [])
        if slots:
            indices.append(slots.pop(0))
    return sorted(indices)


def _sumy_stemmer(language: str) -> Callable[[str], str]:
    from sumy.nlp.stemmers import Stemmer, null_stemmer

    try:
        stemmer: Callable[[str], str] = Stemmer(LANGUAGE_NAMES.get(language, "english"))
    except LookupError:
        stemmer = null_stemmer
    return stemmer


def _sumy_stop_words(language: str) -> frozenset[str]:
    from briefing.ranker import stop_words

    return stop_words(language)


register_summarizer("default", DefaultSummarizer)
register_summarizer("lead", LeadSummarizer)
for _name in _SUMY_CLASSES:
    register_summarizer(_name, lambda name=_name: SumySummarizer(name))  # type: ignore[misc]


# --- the whole text stage ---------------------------------------------------


def prepare_sentences(text: str, language: str) -> tuple[str, list[str], list[str]]:
    """Clean ``text``, settle its language and split it: (language, sentences, notes)."""
    notes: list[str] = []
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS]
        notes.append(f"only the first {MAX_CHARS:,} characters were read")
    cleaned = clean_text(text)
    code = detect_language(cleaned) if language == "auto" else language.strip().lower()
    # A quotation the splitter cut in two is one sentence again, so a summary
    # never quotes half of it.
    split = split_sentences(cleaned, code, join_quotations=True)
    sentences = [s for s in split if _WORD.search(s)]
    return code, sentences, notes


def summarize_text(
    text: str,
    *,
    language: str = "auto",
    length: Length = _DEFAULT_LENGTH,
    algorithm: str = DEFAULT_ALGORITHM,
) -> Summary:
    """Summarise one document (plain text) and return its key sentences.

    Cleans the text (debris, glued sentences), detects its language when
    ``language`` is ``"auto"``, splits it into sentences and ranks them.
    Raises SummaryError for an unknown algorithm and DocumentError when the
    text holds no sentence.
    """
    summarizer = get_summarizer(algorithm)
    code, sentences, notes = prepare_sentences(text, language)
    if not sentences:
        raise DocumentError("the document has no text to summarise")
    cap = MAX_SENTENCES_SUMY if isinstance(summarizer, SumySummarizer) else MAX_SENTENCES
    if len(sentences) > cap:
        notes.append(
            f"the article has {len(sentences):,} sentences; only the first {cap} were ranked"
        )
        sentences = sentences[:cap]
    summary = summarizer.summarize(sentences, language=code, length=length)
    if notes:
        summary = replace(summary, notes=summary.notes + tuple(notes))
    return summary


def summary_to_dict(summary: Summary) -> dict[str, object]:
    """The ``--json`` shape of a summary: ``notes`` only when there are some."""
    data: dict[str, object] = summary.as_dict()
    del data["total_sentences"]
    if not summary.notes:
        del data["notes"]
    return data


__all__ = [
    "DEFAULT_ALGORITHM",
    "MAX_SENTENCES",
    "DefaultSummarizer",
    "LeadSummarizer",
    "PunktTokenizer",
    "Summarizer",
    "SumySummarizer",
    "available_algorithms",
    "get_summarizer",
    "prepare_sentences",
    "register_summarizer",
    "summarize_text",
    "summary_to_dict",
]
