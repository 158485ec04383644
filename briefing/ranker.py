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
from collections.abc import Callable, Sequence
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

    forward_weight: float = 1.0  # similarity to later sentences (PacSum)
    backward_weight: float = -0.3  # similarity to earlier ones: a repeat, so negative
    position_weight: float = 1.5
    position_decay: float = 1.0  # prior = 1 / (1 + index / scale) ** decay
    redundancy: float = 0.6  # MMR penalty on the best similarity to a picked sentence
    min_words: int = 3  # shorter "sentences" (bylines, captions) are not picked
    length_exponent: float = 0.0  # centrality x (content words / mean) ** exponent
    # Share of the article the summary takes at which the lead stops mattering
    # and a TextRank-style random walk takes over (linear in between): a long
    # summary is made of the article's central sentences wherever they are.
    walk_from_ratio: float = 0.25
    walk_full_ratio: float = 0.35
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


_STEM_CACHE_LIMIT = 200_000
# Stop the power iteration early, as TextRank does: the ranking settles long
# before the probabilities do.
_WALK_TOLERANCE = 1e-4


@cache
def _stem_cache(language: str) -> tuple[dict[str, str], Callable[[str], str]]:
    """A memo of Snowball stems: news vocabulary repeats, so stemming costs a lookup."""
    from briefing.text.language import LANGUAGE_NAMES

    name = LANGUAGE_NAMES.get(language, "")
    try:
        from nltk.stem.snowball import SnowballStemmer

        stem: Callable[[str], str] = SnowballStemmer(name).stem
    except (ValueError, LookupError, ImportError):
        stem = _prefix
    return {}, stem


def _prefix(word: str) -> str:
    return word[:_STEM_CHARS]


def content_terms(sentence: str, stops: frozenset[str], language: str = "") -> list[str]:
    """The sentence's content words, lower-cased and stemmed."""
    memo, stem = _stem_cache(language)
    terms = []
    for word in _WORD.findall(sentence.lower()):
        if word in stops:
            continue
        term = memo.get(word)
        if term is None:
            term = stem(word)
            if len(memo) < _STEM_CACHE_LIMIT:
                memo[word] = term
        terms.append(term)
    return terms


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
    stops = stop_words(language)
    terms = [content_terms(s, stops, language) for s in sentences]
    similarity = _cosine_similarity(terms)
    centrality = _directed_centrality(similarity, settings)
    if settings.length_exponent:
        sizes = np.array([max(1, len(t)) for t in terms], dtype=np.float64)
        centrality = _scaled(centrality * (sizes / sizes.mean()) ** settings.length_exponent)
    walk_share = _walk_share(count / n, settings)
    if walk_share > 0.0:
        walk = _random_walk_centrality(terms, settings.damping)
        centrality = (1.0 - walk_share) * centrality + walk_share * walk
    lead = 1.0 - walk_share
    position = settings.position_weight * lead * _position_prior(n, count, similarity, settings)
    base = centrality + position
    # Short fragments (bylines, captions) only matter when the lead is trusted;
    # a random walk already gives them little weight.
    min_words = settings.min_words if lead > 0.5 else 1
    usable = np.array([len(t) >= min_words for t in terms])
    if not usable.any():
        usable[:] = True
    redundancy = settings.redundancy * lead
    picked = _select_with_mmr(base, similarity, usable, min(count, n), redundancy)
    return [
        RankedSentence(
            index=i,
            score=round(float(base[i] - redundancy * penalty), 6),
            centrality=round(float(centrality[i]), 6),
            position=round(float(position[i]), 6),
            redundancy=round(float(-redundancy * penalty), 6),
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


def _walk_share(ratio: float, settings: RankerSettings) -> float:
    span = settings.walk_full_ratio - settings.walk_from_ratio
    if span <= 0:
        return 1.0 if ratio >= settings.walk_full_ratio else 0.0
    return min(1.0, max(0.0, (ratio - settings.walk_from_ratio) / span))


def _scaled(values: NDArray[np.float64]) -> NDArray[np.float64]:
    top = values.max() if values.size else 0.0
    return values / top if top > 0 else values


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
    for _ in range(100):
        following = transition @ rank
        converged = float(np.linalg.norm(following - rank)) < _WALK_TOLERANCE
        rank = following
        if converged:
            break
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
    redundancy: float,
) -> list[tuple[int, float]]:
    import numpy as np

    available = usable.copy()
    closest = np.zeros(base.shape[0])  # best similarity to any picked sentence
    picked: list[tuple[int, float]] = []
    for _ in range(min(count, int(available.sum()))):
        gains = np.where(available, base - redundancy * closest, -np.inf)
        best = int(np.argmax(gains))
        picked.append((best, float(closest[best])))
        available[best] = False
        np.maximum(closest, similarity[best], out=closest)
    return picked


__all__ = ["RankedSentence", "RankerSettings", "content_terms", "rank_sentences", "stop_words"]
