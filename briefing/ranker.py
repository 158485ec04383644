"""Our default sentence ranker: position-augmented centrality with redundancy removal.

News puts what matters first, so a sentence's position is a strong prior
(that is why "the first k sentences" is hard to beat). Centrality finds the
sentences the rest of the article keeps coming back to, which matters when a
summary is long. Following PacSum (Zheng & Lapata, 2019), a sentence earns
more from similar sentences *after* it (it introduces what they develop) than
from those before it (it repeats them). Maximal marginal relevance then skips
sentences that mostly repeat one already picked.

The prior adapts to the document: when the opening sentences are themselves
central to the article the lead is trusted more; when the summary asked for is
a large share of the article, centrality matters more.

Everything is vectorised with numpy on one small dense matrix per document, so
ranking costs far less than splitting the text into sentences.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

_WORD = re.compile(r"[^\W_]+")
_STEM_CHARS = 6  # prefix "stemming": cheap, language-independent, good enough for overlap


@dataclass(frozen=True)
class RankerSettings:
    """The ranker's knobs, with values chosen for news articles."""

    forward_weight: float = 1.0  # similarity to later sentences
    backward_weight: float = 0.2  # similarity to earlier sentences
    position_weight: float = 1.0
    position_decay: float = 1.0  # prior = 1 / (1 + index / decay_scale) ** decay
    redundancy: float = 0.5  # MMR penalty on the best similarity to a picked sentence
    min_words: int = 4  # shorter "sentences" (bylines, captions) are not picked
    length_exponent: float = 0.0  # centrality x (content words / mean) ** exponent
    graph_weight: float = 0.0  # weight of the TextRank-style random-walk centrality
    damping: float = 0.85


@dataclass(frozen=True)
class RankedSentence:
    """One sentence's score, and the parts it is made of."""

    index: int
    score: float
    centrality: float
    position: float
    redundancy: float


@cache
def stop_words(language: str) -> frozenset[str]:
    """sumy's stop words for an ISO code (empty when sumy has none)."""
    from briefing.text.language import LANGUAGE_NAMES

    name = LANGUAGE_NAMES.get(language)
    if name is None:
        return frozenset()
    try:
        import importlib.util

        spec = importlib.util.find_spec("sumy")
        if spec is None or spec.origin is None:
            return frozenset()
        path = Path(spec.origin).parent / "data" / "stopwords" / f"{name}.txt"
        return frozenset(w.strip() for w in path.read_text(encoding="utf-8").split() if w)
    except OSError:
        return frozenset()


def content_terms(sentence: str, stops: frozenset[str]) -> list[str]:
    """The sentence's content words, lower-cased and cut to a common prefix."""
    return [w[:_STEM_CHARS] for w in _WORD.findall(sentence.lower()) if w not in stops]


def rank_sentences(
    sentences: Sequence[str],
    count: int,
    *,
    language: str,
    settings: RankerSettings | None = None,
) -> list[RankedSentence]:
    """Pick ``count`` sentences; returns them in article order with their scores."""
    import numpy as np

    settings = settings or RankerSettings()
    n = len(sentences)
    if n == 0 or count <= 0:
        return []
    terms = [content_terms(s, stop_words(language)) for s in sentences]
    similarity = _cosine_similarity(terms)
    centrality = _directed_centrality(similarity, settings)
    if settings.graph_weight:
        walk = _random_walk_centrality(terms, settings.damping)
        centrality = (centrality + settings.graph_weight * walk) / (1.0 + settings.graph_weight)
    if settings.length_exponent:
        sizes = np.array([max(1, len(t)) for t in terms], dtype=np.float64)
        centrality = centrality * (sizes / sizes.mean()) ** settings.length_exponent
        top = centrality.max()
        centrality = centrality / top if top > 0 else centrality
    position = _position_prior(n, count, similarity, settings)
    base = centrality + settings.position_weight * position
    usable = np.array([len(t) >= settings.min_words for t in terms])
    if not usable.any():
        usable[:] = True
    picked = _select_with_mmr(base, similarity, usable, min(count, n), settings)
    return [
        RankedSentence(
            index=i,
            score=round(float(base[i] - settings.redundancy * penalty), 6),
            centrality=round(float(centrality[i]), 6),
            position=round(float(settings.position_weight * position[i]), 6),
            redundancy=round(float(-settings.redundancy * penalty), 6),
        )
        for i, penalty in sorted(picked)
    ]


def _cosine_similarity(terms: list[list[str]]) -> NDArray[np.float64]:
    """Cosine similarity of the sentences' TF-IDF vectors (sentence-level IDF).

    Only terms shared by two sentences or more can make two sentences alike,
    so the matrix product runs on those columns; the norms use every term.
    """
    import numpy as np

    n = len(terms)
    vocabulary: dict[str, int] = {}
    ids = [vocabulary.setdefault(word, len(vocabulary)) for words in terms for word in words]
    similarity = np.zeros((n, n))
    if not ids:
        return similarity
    v = len(vocabulary)
    rows = np.repeat(np.arange(n, dtype=np.int64), [len(words) for words in terms])
    keys, tf = np.unique(rows * v + np.asarray(ids, dtype=np.int64), return_counts=True)
    row, col = np.divmod(keys, v)
    df = np.bincount(col, minlength=v)
    weights = np.log1p(tf) * np.log((n + 1.0) / (df[col] + 0.5))
    norms = np.sqrt(np.bincount(row, weights * weights, minlength=n))
    norms[norms == 0.0] = 1.0
    shared = df[col] >= 2
    if not shared.any():
        return similarity
    _, compact = np.unique(col[shared], return_inverse=True)
    vectors = np.zeros((n, int(compact.max()) + 1))
    vectors[row[shared], compact] = weights[shared] / norms[row[shared]]
    similarity = vectors @ vectors.T
    np.fill_diagonal(similarity, 0.0)
    return similarity


def _random_walk_centrality(terms: list[list[str]], damping: float) -> NDArray[np.float64]:
    """TextRank's stationary distribution on word-overlap / log-length edges.

    Overlap is not length-normalised like a cosine, so long, content-rich
    sentences gain: they are the ones a long summary is made of.
    """
    import numpy as np

    n = len(terms)
    vocabulary: dict[str, int] = {}
    ids = [vocabulary.setdefault(word, len(vocabulary)) for words in terms for word in words]
    if not ids or n < 2:
        return np.ones(n)
    v = len(vocabulary)
    sizes = np.array([len(words) for words in terms], dtype=np.float64)
    rows = np.repeat(np.arange(n, dtype=np.int64), sizes.astype(np.int64))
    keys, tf = np.unique(rows * v + np.asarray(ids, dtype=np.int64), return_counts=True)
    row, col = np.divmod(keys, v)
    counts = np.zeros((n, v))
    counts[row, col] = tf
    overlap = counts @ counts.T
    logs = np.log(np.maximum(sizes, 1.0))
    norm = logs[:, None] + logs[None, :]
    edges = np.where(norm > 0, overlap / np.where(norm > 0, norm, 1.0), overlap)
    edges /= edges.sum(axis=1, keepdims=True) + 1e-7
    transition = (1.0 - damping) / n + damping * edges.T
    rank = np.full(n, 1.0 / n)
    for _ in range(50):
        following = transition @ rank
        if np.abs(following - rank).sum() < 1e-6:
            rank = following
            break
        rank = following
    top = rank.max()
    return rank / top if top > 0 else rank


def _directed_centrality(
    similarity: NDArray[np.float64], settings: RankerSettings
) -> NDArray[np.float64]:
    import numpy as np

    n = similarity.shape[0]
    if n < 2:
        return np.ones(n)
    later = np.triu(similarity, 1).sum(axis=1)
    earlier = np.tril(similarity, -1).sum(axis=1)
    raw = settings.forward_weight * later + settings.backward_weight * earlier
    top = raw.max()
    return raw / top if top > 0 else np.zeros(n)


def _position_prior(
    n: int, count: int, similarity: NDArray[np.float64], settings: RankerSettings
) -> NDArray[np.float64]:
    import numpy as np

    # Scale the decay by the summary length: when a third of the article is
    # asked for, sentence 8 is still "early".
    scale = max(1.0, count / 2.0)
    prior = 1.0 / (1.0 + np.arange(n) / scale) ** settings.position_decay
    return prior * _lead_trust(similarity)


def _lead_trust(similarity: NDArray[np.float64]) -> float:
    """How much the opening speaks for the whole article (0.5..1.5)."""
    n = similarity.shape[0]
    if n < 3:
        return 1.0
    lead = similarity[0, 1:].mean()
    typical = similarity.sum() / (n * (n - 1))
    if typical <= 0:
        return 1.0
    return float(min(1.5, max(0.5, lead / typical)))


def _select_with_mmr(
    base: NDArray[np.float64],
    similarity: NDArray[np.float64],
    usable: NDArray[np.bool_],
    count: int,
    settings: RankerSettings,
) -> list[tuple[int, float]]:
    import numpy as np

    available = usable.copy()
    closest = np.zeros(base.shape[0])  # best similarity to any picked sentence
    picked: list[tuple[int, float]] = []
    for _ in range(min(count, int(available.sum()))):
        gains = np.where(available, base - settings.redundancy * closest, -np.inf)
        best = int(np.argmax(gains))
        picked.append((best, float(closest[best])))
        available[best] = False
        np.maximum(closest, similarity[best], out=closest)
    return picked


__all__ = ["RankedSentence", "RankerSettings", "content_terms", "rank_sentences", "stop_words"]
