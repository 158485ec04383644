"""ROUGE exactly as ../shared/eval/README.md describes it (rouge-score, F1 x100)."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

_FRENCH_WORD = re.compile(r"[^\W_]+")
METRICS = ("rouge1", "rouge2", "rougeL")


class FrenchTokenizer:
    """Lower-cased NFKC Unicode letter/digit runs, accents kept, no stemming."""

    def tokenize(self, text: str) -> list[str]:
        return _FRENCH_WORD.findall(unicodedata.normalize("NFKC", text).lower())


def scorer_for(language: str) -> Any:
    from rouge_score import rouge_scorer

    if language == "en":
        return rouge_scorer.RougeScorer(list(METRICS), use_stemmer=True)
    return rouge_scorer.RougeScorer(list(METRICS), tokenizer=FrenchTokenizer())


def score(scorer: Any, reference: str, prediction: str) -> dict[str, float]:
    scores = scorer.score(reference, prediction)
    return {m: 100.0 * scores[m].fmeasure for m in METRICS}
