"""Our default sentence ranker: position-augmented centrality with redundancy removal.

News puts what matters first, so a sentence's position is a strong prior
(that is why "the first k sentences" is hard to beat). Centrality finds the
sentences the rest of the article keeps coming back to, which matters when a
summary is long. Following PacSum (Zheng & Lapata, 2019), a sentence earns
more from similar sentences *after* it (it introduces what they develop) than
from those before it (it repeats them). Maximal marginal relevance then skips
sentences that mostly repeat one already picked, by TF-IDF cosine or by the
names, numbers and dates they share.

The result is one ranking order, cut at the length asked for: no score
depends on that length, so a longer summary always holds every sentence of a
shorter one. The opening sentence ranks in the first three (the default
length) unless it is a byline, a headline or a quotation left open: the
briefing then always says what happened. The prior adapts to the document:
when the opening sentences are themselves central to the article the lead is
trusted more.

A long summary is read differently: past its first three sentences (and
past 15% of the article's sentences), what it adds should cover the rest of
the article, not the next paragraphs. These deeper ranks follow TextRank-style
random-walk centrality alone, with overlong sentences (glued photo captions,
lists) counting for less, as they do in the first ranks, and near-repeats of a
picked sentence put last; the order is still one order, so summaries stay
nested.

Speed: each article is summarised once, in a fresh process, so the ranker
is plain Python: ``import numpy`` alone costs more than ranking a hundred
articles, and an article's sentences share few words. Each sentence is cut
at white space and each raw token is turned into term ids (words stemmed,
stop words dropped) by one lookup in a memo kept across documents. The
cosine matrix is never built: the centrality needs each sentence's sums over
the sentences after and before it, read in one pass over each shared term's
list of sentences, and a row of cosines is computed only for a sentence the
selection picks. The random walk is a symmetric linear system solved by an
LDL^T factorisation of dot products (past 100 sentences numpy computes the
walk, imported then). The greedy selection stops at the length asked for (its
first k picks do not depend on how many follow) and reads names and numbers
only while the head still needs them.
"""

from __future__ import annotations

import importlib
import math
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import chain, filterfalse, zip_longest
from operator import mul, sub
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, Protocol

from .text.sentences import has_open_bracket

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray


@dataclass(frozen=True)
class RankerSettings:
    """The ranker's knobs, with values chosen for news articles.

    None depends on the summary length: one ranking order serves every length.
    """

    forward_weight: float = 1.0  # similarity to later sentences (PacSum)
    backward_weight: float = -0.3  # similarity to earlier ones: a repeat, so negative
    walk_weight: float = 0.0  # TextRank-style random-walk centrality, added
    position_weight: float = 0.75
    position_scale: float = 3.0  # prior = 1 / (1 + index / scale) ** decay
    position_decay: float = 1.0
    redundancy: float = 1.0  # MMR penalty on the closest repeat of a picked sentence
    entity_weight: float = 1.0  # so do shared names, numbers and dates
    new_numbers: bool = True  # a sentence with numbers the other lacks is no repeat of it
    lead_rank: int = 3  # the opening sentence ranks no lower (the default length)
    min_words: int = 3  # shorter "sentences" (bylines, captions) are not picked
    damping: float = 0.85
    # Beyond the head (the first ``head_length`` ranks, and at least
    # ``head_share`` of the article's sentences) a long summary covers the
    # whole article: the tail ranks by random-walk centrality alone.
    tail: bool = True
    head_length: int = 3
    head_share: float = 0.15
    long_words: int = 50  # longer sentences (glued captions, lists): less centrality
    tail_repeat: float = 0.6  # a sentence this close (TF-IDF cosine) to a picked one waits


_DEFAULT_SETTINGS = RankerSettings()


class RankedSentence(NamedTuple):
    """One sentence's score, and the parts it is made of.

    A named tuple: immutable like a frozen dataclass, and several times
    cheaper to build (a long summary builds dozens per article).
    """

    # Shadows tuple.index(), which nobody calls on a ranked sentence.
    index: int  # type: ignore[assignment]
    score: float
    centrality: float
    position: float
    redundancy: float
    #: -1000 for a complete but short sentence ("It voted."), ranked after every full one.
    short: float = 0.0


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


# sumy's French list lacks the commonest function words ("à", "de", "le",
# "une", "a", "ont", elided "l'" and "d'"): without them two French sentences
# look alike because both are French. Our ranker adds them; sumy's algorithms
# keep sumy's list.
_EXTRA_STOP_WORDS: dict[str, frozenset[str]] = {
    "fr": frozenset(
        [
            "à",
            "a",
            "ai",
            "as",
            "au",
            "aux",
            "avait",
            "avaient",
            "avez",
            "avons",
            "c",
            "ça",
            "d",
            "de",
            "des",
            "du",
            "elle",
            "elles",
            "en",
            "est",
            "et",
            "été",
            "étaient",
            "était",
            "être",
            "eu",
            "fait",
            "il",
            "ils",
            "j",
            "l",
            "la",
            "le",
            "les",
            "leur",
            "leurs",
            "lui",
            "m",
            "ma",
            "mes",
            "mon",
            "n",
            "ne",
            "nous",
            "on",
            "ont",
            "ou",
            "où",
            "pas",
            "par",
            "plus",
            "pour",
            "qu",
            "que",
            "qui",
            "s",
            "sa",
            "se",
            "ses",
            "si",
            "son",
            "sont",
            "sur",
            "t",
            "ta",
            "te",
            "tes",
            "ton",
            "un",
            "une",
            "vous",
            "y",
        ]
    ),
}


# --- words -> term ids --------------------------------------------------------

_TOKEN = re.compile(r"\w+|\n")  # "\w" is a little faster than "[^\W_]": same words in news
_WORD_RUN = re.compile(r"\w+")
# A private-use character, which "\w" never matches: the entity rule reads a
# sentence as if a delimiter came before it.
_BREAK = "\ue000"
_STOP = -1  # term id of a stop word
_LEXICON_LIMIT = 200_000  # tokens remembered per language before the memo starts afresh


@cache
def _stemmer(language: str) -> Callable[[str], str]:
    """The Snowball stemmer for the language, a prefix cut when it has none.

    PyStemmer (a dependency: the official Snowball algorithms in C) imports
    in milliseconds; an article is summarised once, cold, so most of its
    words are new to the memo and stemming speed matters. Without it the
    ``snowballstemmer`` package runs the same algorithms in Python; NLTK's
    Snowball stemmers, used only when both are missing, cost over a second of
    start-up (``import nltk`` pulls in scipy).
    """
    from briefing.text.language import LANGUAGE_NAMES

    name = LANGUAGE_NAMES.get(language)
    if name is None:
        return _prefix
    return _stemmer_object(name).stemWord


def _stems(language: str) -> Callable[[list[str]], list[str]]:
    """:func:`_stemmer` for a list of words: one call for all of them."""
    from briefing.text.language import LANGUAGE_NAMES

    name = LANGUAGE_NAMES.get(language)
    stems: Callable[[list[str]], list[str]] = _stemmer_object(name).stemWords
    return stems


class _Stemmer(Protocol):
    def stemWord(self, word: str) -> str: ...  # the Snowball packages' names

    def stemWords(self, words: list[str]) -> list[str]: ...


class _PrefixStemmer:
    """Cut words to their first letters (a language without a Snowball algorithm)."""

    def stemWord(self, word: str) -> str:
        return _prefix(word)

    def stemWords(self, words: list[str]) -> list[str]:
        return [_prefix(word) for word in words]


_prefix_object = _PrefixStemmer()


@cache
def _stemmer_object(name: str | None) -> _Stemmer:
    """The Snowball stemmer object for a language name (Punkt's, sumy's names)."""
    if name is None:
        return _prefix_object
    try:
        # PyStemmer (C) with its own word cache off: _StemMemo remembers every
        # word already, and the cache's bookkeeping cost more than the stemming.
        # Imported by name: the packages ship no type information.
        pystemmer = importlib.import_module("Stemmer")
        stemmer: _Stemmer = pystemmer.Stemmer(name, 0)
    except ImportError:
        try:
            stemmer = importlib.import_module("snowballstemmer").stemmer(name)
        except ImportError:
            stemmer = _NltkStemmer(name)
        except KeyError:
            stemmer = _prefix_object
    except KeyError:  # no Snowball algorithm for the language
        stemmer = _prefix_object
    return stemmer


class _NltkStemmer:
    """NLTK's Snowball stemmer, used only when neither Snowball package is installed."""

    def __init__(self, name: str) -> None:
        self.stemWord = _nltk_stemmer(name)

    def stemWords(self, words: list[str]) -> list[str]:
        return [self.stemWord(word) for word in words]


def _nltk_stemmer(name: str) -> Callable[[str], str]:
    try:
        from nltk.stem.snowball import SnowballStemmer

        stem: Callable[[str], str] = SnowballStemmer(name).stem
    except (ValueError, LookupError, ImportError):
        stem = _prefix
    return stem


def _prefix(word: str) -> str:
    return word[:6]


class _StemMemo:
    """Lower-cased word -> its stem for one language, shared by every caller.

    The summariser and the story stage read the same words of the same day:
    each word is stemmed once per process. Bounded (a scheduler runs for
    months); the stemmer call is locked, as a Snowball stemmer object is not
    re-entrant (a lookup needs no lock).
    """

    def __init__(self, language: str) -> None:
        self._stem = _stemmer(language)
        self._stem_words = _stems(language)
        self._lock = threading.Lock()
        self._memo: dict[str, str] = {}

    def stem(self, word: str) -> str:
        found = self._memo.get(word)
        if found is None:
            with self._lock:
                if len(self._memo) > _LEXICON_LIMIT:
                    self._memo = {}
                found = self._memo[word] = self._stem(word)
        return found

    def stems(self, words: list[str]) -> list[str]:
        """The stems of ``words``, those not yet known stemmed in one call."""
        memo = self._memo  # a reset replaces the dict: this one stays whole
        missing = [word for word in words if word not in memo]
        if not missing:
            return [memo[word] for word in words]
        with self._lock:
            new = dict(zip(missing, self._stem_words(missing), strict=True))
            if len(self._memo) > _LEXICON_LIMIT:
                self._memo = {}
            self._memo.update(new)
        return [new[word] if word in new else memo[word] for word in words]


@cache
def _stem_memo(language: str) -> _StemMemo:
    return _StemMemo(language)


def stem(word: str, language: str) -> str:
    """The stem of a lower-cased word (Snowball), memoised per language.

    The one stemming every stage uses, so that a word the summariser
    stemmed is not stemmed again by the story stage.
    """
    return _stem_memo(language).stem(word)


def stemmer(language: str) -> Callable[[str], str]:
    """:func:`stem` for one language, as a function of the word alone."""
    return _stem_memo(language).stem


class _Lexicon:
    """Raw token -> term ids for one language, memoised across documents.

    Each sentence is cut at white space (a fast C split) and each raw token,
    say ``"U.S.-led,"``, is looked up once in a memo giving the term ids of
    its words with stop words left out, as a tuple. News vocabulary repeats:
    after a few articles nearly every token is one dictionary lookup, and a
    sentence's term counts are one C counting loop over those tuples.
    """

    def __init__(self, language: str) -> None:
        self._stops = stop_words(language) | _EXTRA_STOP_WORDS.get(language, frozenset())
        self._stems = _stem_memo(language).stems
        # The memo is shared by every caller.
        self._lock = threading.Lock()
        self._reset()

    def _reset(self) -> None:
        self._tokens: dict[str, tuple[int, ...]] = {}
        self._words: dict[str, int] = dict.fromkeys(self._stops, _STOP)
        self._stem_ids: dict[str, int] = {}

    def encode(self, sentences: Sequence[str]) -> list[dict[int, int]]:
        """Each sentence's term counts (term id -> occurrences), stop words left out."""
        # Tokens are looked up as written ("The" and "the" are two memo
        # entries): lower-casing the whole text costs more than the misses.
        tokens = [sentence.split() for sentence in sentences]
        with self._lock:
            if len(self._tokens) > _LEXICON_LIMIT:
                self._reset()
            get = self._tokens.__getitem__
            try:
                return [_counted(chain.from_iterable(map(get, words))) for words in tokens]
            except KeyError:
                self._add_tokens(list(chain.from_iterable(tokens)))
                return [_counted(chain.from_iterable(map(get, words))) for words in tokens]

    def _add_tokens(self, tokens: list[str]) -> None:
        """Put the tokens the memo lacks into it (the caller holds the lock).

        Ids are given in text order, so they do not depend on hashing; the
        new words of the whole document are stemmed in one call.
        """
        memo = self._tokens
        # Filtered before the duplicates go: most tokens are known, and a
        # lookup costs less than an insert into a new dict.
        new = list(dict.fromkeys(filterfalse(memo.__contains__, tokens)))
        # One word: isalnum() is what "\w" matches, less "_".
        split = [
            (lower,) if lower.isalnum() else _WORD_RUN.findall(lower)
            for lower in map(str.lower, new)
        ]
        terms = self._words
        unknown = list(dict.fromkeys(w for words in split for w in words if w not in terms))
        if unknown:
            stem_ids = self._stem_ids
            for word, stem in zip(unknown, self._stems(unknown), strict=True):
                terms[word] = stem_ids.setdefault(stem, len(stem_ids))
        for token, words in zip(new, split, strict=True):
            if len(words) == 1:
                term = terms[words[0]]
                memo[token] = () if term == _STOP else (term,)
            else:
                memo[token] = tuple(t for t in map(terms.__getitem__, words) if t != _STOP)


def _counted(terms: Iterable[int]) -> dict[int, int]:
    """Term -> occurrences, in first-seen order (a ``Counter`` without its overhead)."""
    counts: dict[int, int] = {}
    _count_elements(counts, terms)
    return counts


try:  # the C loop behind Counter (a private name, with a Python version beside it)
    from collections import _count_elements  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover

    def _count_elements(counts: dict[int, int], terms: Iterable[int]) -> None:
        for term in terms:
            counts[term] = counts.get(term, 0) + 1


@cache
def _lexicon(language: str) -> _Lexicon:
    return _Lexicon(language)


def content_terms(sentence: str, stops: frozenset[str], language: str = "") -> list[str]:
    """The sentence's content words (not in ``stops``), lower-cased and stemmed."""
    stem = stemmer(language)
    return [stem(w) for w in _TOKEN.findall(sentence.lower()) if w != "\n" and w not in stops]


# --- the document: term counts and cosines -------------------------------------


class _Document:
    """The sentences as term counts, with what the ranker reads of their TF-IDF cosines.

    Plain lists and dicts: an article has a few dozen sentences, each
    sharing a handful of terms with the others, where Python loops over
    those few terms cost less than numpy's per-call overhead (and
    ``import numpy`` costs more than ranking a hundred articles). The
    cosine matrix itself is never built: the centrality needs each
    sentence's sums over the sentences after and before it, read from each
    shared term's list of sentences in one pass, and a row is computed only
    for a sentence the selection picks (:meth:`similarity_row`).
    """

    __slots__ = ("_rows", "_terms_of", "counts", "earlier", "later", "postings", "sizes")

    def __init__(self, counts: list[dict[int, int]]) -> None:
        n = len(counts)
        self.counts = counts  # per sentence: term id -> occurrences
        self.sizes = [sum(c.values()) for c in counts]  # content words per sentence
        self._rows: dict[int, list[float]] = {}
        postings: dict[int, list[int]] = {}
        for row, terms in enumerate(counts):
            for term in terms:
                found = postings.get(term)
                if found is None:
                    postings[term] = [row]
                else:
                    found.append(row)
        # The terms two sentences or more use, with their sentences in article order:
        # a term used by one sentence adds only to that sentence's norm.
        self.postings = {term: rows for term, rows in postings.items() if len(rows) >= 2}
        # Each sentence's shared terms: (the term's sentences, their weights, its own weight).
        self._terms_of: list[list[tuple[list[int], list[float], float]]] = [[] for _ in counts]
        self.later = [0.0] * n  # the sum of its cosines to later sentences
        self.earlier = [0.0] * n  # ... and to earlier ones
        if not self.postings:
            return
        idf = [math.log((n + 1.0) / (df + 0.5)) for df in range(n + 1)]
        log1p = _LOG1P
        norms = []
        for terms in counts:
            total = 0.0
            for term, count in terms.items():
                weight = log1p[count] * idf[len(postings[term])]
                total += weight * weight
            norms.append(math.sqrt(total) or 1.0)  # only a sentence without terms has 0
        later, earlier, terms_of = self.later, self.earlier, self._terms_of
        for term, rows in self.postings.items():
            factor = idf[len(rows)]
            units = [log1p[counts[row][term]] * factor / norms[row] for row in rows]
            after = 0.0  # accumulated from the end, so that a last sentence's sum is exactly 0
            for a in range(len(rows) - 1, -1, -1):
                later[rows[a]] += units[a] * after
                after += units[a]
            before = 0.0
            for row, unit in zip(rows, units, strict=True):
                earlier[row] += unit * before
                before += unit
                terms_of[row].append((rows, units, unit))

    def similarity_row(self, j: int) -> list[float]:
        """TF-IDF cosines of sentence j to every sentence (0 to itself)."""
        found = self._rows.get(j)
        if found is not None:
            return found
        row = [0.0] * len(self.counts)
        for rows, units, mine in self._terms_of[j]:
            for i, unit in zip(rows, units, strict=True):
                row[i] += mine * unit
        row[j] = 0.0
        self._rows[j] = row
        return row


def _document(sentences: Sequence[str], language: str) -> _Document:
    """The sentences' term counts and TF-IDF cosine sums (:class:`_Document`)."""
    return _Document(_lexicon(language).encode(sentences))


class _Log1pTable(dict[int, float]):
    """log1p of a term count: a table for the few counts a sentence has, computed past it."""

    def __missing__(self, count: int) -> float:
        return math.log1p(count)


_LOG1P = _Log1pTable((count, math.log1p(count)) for count in range(256))


def _sizes(sentences: Sequence[str], language: str) -> list[int]:
    """Content words per sentence."""
    return [sum(c.values()) for c in _lexicon(language).encode(sentences)]


# --- ranking ------------------------------------------------------------------


def rank_sentences(
    sentences: Sequence[str],
    count: int,
    *,
    language: str,
    settings: RankerSettings | None = None,
) -> list[RankedSentence]:
    """Pick ``count`` sentences; returns them in article order with their scores.

    The picks are the first ``count`` of one ranking order (:func:`ranking`)
    whose scores do not depend on ``count``: a longer summary always holds
    every sentence of a shorter one.
    """
    return sorted(ranking(sentences, count, language=language, settings=settings))


def ranking(
    sentences: Sequence[str],
    count: int | None = None,
    *,
    language: str,
    settings: RankerSettings | None = None,
) -> list[RankedSentence]:
    """The sentences in rank order, best first (the first ``count``, or all).

    Each sentence's base score (centrality plus position prior) depends on
    the document alone; the greedy redundancy penalty depends only on the
    sentences ranked before it. So the first k of this order never depend on
    how many more are asked for. The opening sentence ranks no lower than
    ``lead_rank`` (the default length) unless it may not be picked (a byline,
    a headline, a quotation left open); then the sentence after it does. Only
    sentences that may be picked are ranked (:func:`usable_sentences`).
    """
    settings = settings or _DEFAULT_SETTINGS
    n = len(sentences)
    limit = n if count is None else min(count, n)
    if n == 0 or limit <= 0:
        return []
    document = _document(sentences, language)
    centrality = _directed_centrality(document, settings)
    if settings.walk_weight > 0.0:
        walk = _random_walk_centrality(document, settings.damping)
        centrality = [c + settings.walk_weight * w for c, w in zip(centrality, walk, strict=True)]
    overlong = _overlong_discount(sentences, settings.long_words)
    if overlong is not None:
        centrality = [c * d for c, d in zip(centrality, overlong, strict=True)]
    position = [settings.position_weight * p for p in _position_prior(n, document, settings)]
    base = [c + p for c, p in zip(centrality, position, strict=True)]
    usable = _usable(sentences, document.sizes, settings.min_words)
    lead = _lead_index(sentences, usable) if settings.lead_rank > 0 else None
    # A short sentence that ends as a sentence ("It has two sentences.") is
    # one a reader expects, but says less than a full one: it ranks after
    # every full sentence rather than not at all.
    short = [
        s and not u
        for s, u in zip(
            _complete_short(sentences, document.sizes, settings.min_words), usable, strict=True
        )
    ]
    if any(short):
        base = [b - _SHORT_PENALTY if s else b for b, s in zip(base, short, strict=True)]
        usable = [u or s for u, s in zip(usable, short, strict=True)]
    head = max(settings.head_length, int(settings.head_share * n))
    tail = None
    if settings.tail and limit > head:
        # Only a summary longer than the head needs the random walk.
        scores = _tail_scores(document, short, overlong, settings)
        tail = _Tail(head, scores, document.similarity_row)
    picked = _select_with_mmr(
        base,
        _Repeats(sentences, document, settings),
        usable,
        limit,
        settings.redundancy,
        lead,
        settings.lead_rank,
        tail,
        settings.tail_repeat,
    )
    return [
        RankedSentence(
            index=i,
            score=round(base[i] - settings.redundancy * penalty, 6),
            centrality=round(centrality[i], 6),
            position=round(position[i], 6),
            redundancy=round(-settings.redundancy * penalty, 6),
            short=-_SHORT_PENALTY if short[i] else 0.0,
        )
        if not in_tail
        else RankedSentence(
            index=i,
            score=round(tail.scores[i] - penalty, 6),  # type: ignore[union-attr]
            # The tail's score holds the short penalty: shown apart, as in the head.
            centrality=round(tail.scores[i] + (_SHORT_PENALTY if short[i] else 0.0), 6),  # type: ignore[union-attr]
            position=0.0,
            redundancy=round(-penalty, 6),
            short=-_SHORT_PENALTY if short[i] else 0.0,
        )
        for i, penalty, in_tail in picked
    ]


class _Tail(NamedTuple):
    """How the ranks after the head are chosen."""

    after: int  # ranks 1..after are the head's
    scores: list[float]  # each sentence's tail score
    similarity: Callable[[int], list[float]]  # TF-IDF cosines to a sentence (a near-repeat)


# Larger than any tail score (at most 1), smaller than _SHORT_PENALTY: a
# near-repeat ranks after every other full sentence, before a short one.
_REPEAT_PENALTY = 10.0


class _Repeats:
    """How much each sentence repeats a given one: the MMR penalty's measure.

    TF-IDF cosine misses a sentence that restates another's facts in other
    words around them ("une réunion à huis clos à Paris le 11 mars" after
    "Le 11 mars, ... une réunion à Paris"): the share of its names, numbers
    and dates already said sees it. A sentence naming the same people with
    numbers of its own ("Artest for the rest of the season, Jackson for 30
    games, ...") states new facts: it repeats a sentence only as far as its
    numbers were said there too. Read per picked sentence, when a pick needs
    it: a one-sentence summary reads no names at all.
    """

    def __init__(
        self, sentences: Sequence[str], document: _Document, settings: RankerSettings
    ) -> None:
        self._sentences = sentences
        self._document = document
        self._settings = settings
        self._entities: list[set[str]] | None = None
        self._numbers: list[set[str]] = []

    def of(self, j: int) -> list[float]:
        """Column j: how much each sentence repeats sentence j."""
        cosines = self._document.similarity_row(j)  # symmetric: row j is column j
        weight = self._settings.entity_weight
        if weight <= 0.0:
            return cosines
        if self._entities is None:
            self._entities = _entities_by_sentence(self._sentences)
            self._numbers = [{e for e in found if e[0].isdigit()} for found in self._entities]
        entities, numbers = self._entities, self._numbers
        theirs = entities[j]
        shared = [len(mine & theirs) for mine in entities]
        overlap = [count / (len(mine) or 1) for count, mine in zip(shared, entities, strict=True)]
        overlap[j] = 0.0
        repeats = list(map(max, cosines, map(weight.__mul__, overlap)))
        if self._settings.new_numbers:
            said = numbers[j]
            return [
                value * (len(mine & said) / len(mine)) if mine else value
                for value, mine in zip(repeats, numbers, strict=True)
            ]
        return repeats


def _overlong_discount(sentences: Sequence[str], long_words: int) -> list[float] | None:
    """How much centrality counts for each sentence: less past ``long_words`` words.

    Past 50 words a "sentence" is mostly two glued together (a DailyMail
    photo caption run into the text, which repeats the lead) or a list, and
    shares words with everything: centrality overrates it. Its centrality
    shrinks with the square of the excess. None when no sentence is that long.
    """
    # A sentence of more than n words has at least 2n - 1 characters: most
    # sentences need no split.
    shortest = 2 * long_words - 1
    if all(len(s) <= shortest for s in sentences):
        return None
    words = [len(s.split()) if len(s) > shortest else 0 for s in sentences]
    if not any(w > long_words for w in words):
        return None
    return [min(1.0, (long_words / max(float(w), 1.0)) ** 2) for w in words]


def _tail_scores(
    document: _Document,
    short: Sequence[bool],
    overlong: Sequence[float] | None,
    settings: RankerSettings,
) -> list[float]:
    """Random-walk centrality, discounted for overlong sentences (the tail's score).

    BBC-style long references keep the article's central sentences wherever
    they stand, and favour full ones (on train-bbc a sentence of 20+ words is
    about twice as likely to be kept as one of 5-9).
    """
    scores = _random_walk_centrality(document, settings.damping)
    if overlong is not None:
        scores = [s * d for s, d in zip(scores, overlong, strict=True)]
    if any(short):
        scores = [s - _SHORT_PENALTY if f else s for s, f in zip(scores, short, strict=True)]
    return scores


def has_open_quote(sentence: str) -> bool:
    """Whether a quotation opened in the sentence is not closed in it (or the reverse)."""
    if sentence.count("«") != sentence.count("»") or sentence.count("“") != sentence.count("”"):
        return True
    return sentence.count('"') % 2 == 1


def usable_sentences(
    sentences: Sequence[str], sizes: NDArray[np.float64], min_words: int
) -> NDArray[np.bool_]:
    """:func:`_usable` as a numpy array (for the story stage, which works in numpy)."""
    import numpy as np

    return np.array(_usable(sentences, sizes.tolist(), min_words), dtype=bool).reshape(
        len(sentences)
    )


def _usable(sentences: Sequence[str], sizes: Sequence[float], min_words: int) -> list[bool]:
    """The sentences that may be picked: long enough, and no quotation left open.

    Shorter "sentences" are bylines, captions and labels, and so is a
    "sentence" without final punctuation (a headline, a photo caption cut
    off the text, a list item); a sentence with an unbalanced quotation
    mark would misquote its speaker, and one that opens on a lower-case word
    lost its start. When nothing qualifies, every sentence with a content
    word does (a summary always has a sentence).
    """
    usable = [
        size >= min_words
        and not (
            has_open_quote(s)
            or not ends_as_sentence(s)
            or has_open_bracket(s)
            or _lost_its_start(s)
        )
        for s, size in zip(sentences, sizes, strict=True)
    ]
    if not any(usable):
        usable = [size >= 1 for size in sizes]
        if not any(usable):
            usable = [True] * len(sentences)
    return usable


# Larger than any gap between two full sentences' scores (each is at most a
# few units), so a short sentence never outranks a full one.
_SHORT_PENALTY = 1000.0


_LOWER_WORD = re.compile(r"[^\W\d_A-Z]+\b")


def _lost_its_start(sentence: str) -> bool:
    """Whether a "sentence" opens on a lower-case word: its start was lost.

    A name the page linked and the scrape dropped ("At the same meeting,
    [name] finished third in 7.27 seconds"), a cut inside a title: quoted,
    it has no subject. "eBay" and "iPhone", with a capital inside, stay.
    """
    if not sentence[:1].islower():
        return False
    match = _LOWER_WORD.match(sentence)
    return match is not None and match.group().islower()


def complete_short_sentences(
    sentences: Sequence[str], sizes: NDArray[np.float64], min_words: int
) -> NDArray[np.bool_]:
    """:func:`_complete_short` as a numpy array (for the story stage)."""
    import numpy as np

    return np.array(_complete_short(sentences, sizes.tolist(), min_words), dtype=bool).reshape(
        len(sentences)
    )


def _complete_short(sentences: Sequence[str], sizes: Sequence[float], min_words: int) -> list[bool]:
    """Sentences under ``min_words`` content words that are complete sentences.

    Complete: at least one content word, a full stop, question or
    exclamation mark at its end (not a bracket: "Comment (0)"), no
    quotation left open, a capital letter or digit opening it, and no
    byline or credit ("By Jane Doe.", "Source : AFP."), so page debris is
    not taken for one.
    """
    return [
        0 < size < min_words
        and s.rstrip(_CLOSERS)[-1:] in _SENTENCE_END
        and not has_open_quote(s)
        and not has_open_bracket(s)
        and _opens_as_sentence(s)
        and not _BYLINE_OPENER.match(s)
        for s, size in zip(sentences, sizes, strict=True)
    ]


_CLOSERS = "»\"”’)' "
_SENTENCE_END = frozenset(".!?…")
# "By Jane Doe." / "Par Jean Dupont." / "Photo: AFP." / "Source : Le Monde."
_BYLINE_OPENER = re.compile(r"(?i)(?:by|par|photo|source|credit|crédit)s?\b")


def _opens_as_sentence(sentence: str) -> bool:
    first = sentence.lstrip("«“\"'(¿¡ ")[:1]
    return first.isupper() or first.isdigit()


def lead_index(
    sentences: Sequence[str], language: str, settings: RankerSettings | None = None
) -> int | None:
    """The opening sentence the ranking keeps within ``lead_rank``, if any."""
    settings = settings or _DEFAULT_SETTINGS
    if not sentences or settings.lead_rank <= 0:
        return None
    sizes = _sizes(sentences, language)
    return _lead_index(sentences, _usable(sentences, sizes, settings.min_words))


def _lead_index(sentences: Sequence[str], usable: Sequence[bool]) -> int | None:
    """The article's opening sentence, if it can be picked (news says the news first)."""
    # After a byline or a headline, the lead is the sentence that follows.
    for index in range(min(2, len(sentences))):
        if usable[index] and not _is_headline(sentences[index], index, len(sentences)):
            return index
    return None


def _is_headline(sentence: str, index: int, n: int) -> bool:
    # A short opening line without final punctuation, followed by prose.
    return index == 0 and n > 1 and not ends_as_sentence(sentence) and len(sentence.split()) < 16


_TERMINAL = frozenset(".!?…»\"”’)'")


def ends_as_sentence(sentence: str) -> bool:
    """Whether the sentence has final punctuation, a closing quotation mark counting as one.

    A closing bracket counts only after a full stop, question or exclamation
    mark ("... (see below.)"): a line that merely ends on one is a time
    stamp or a credit ("5:07pm (UK)", "Photo: John Smith (AFP)"), not prose.
    """
    last = sentence[-1:]
    if last == ")":
        return sentence.rstrip(_CLOSERS)[-1:] in _SENTENCE_END
    return last in _TERMINAL


def _position_prior(n: int, document: _Document, settings: RankerSettings) -> list[float]:
    trust = _lead_trust(document)
    return [
        prior * trust
        for prior in _position_decay(n, settings.position_scale, settings.position_decay)
    ]


@lru_cache(maxsize=256)
def _position_decay(n: int, scale: float, decay: float) -> tuple[float, ...]:
    return tuple(1.0 / (1.0 + index / scale) ** decay for index in range(n))


_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"
)


# Names (a capitalised word that does not open the sentence), numbers, months.
# The rule's definition: _entities_by_sentence reads the same entities faster
# (compiled on first use: a cold run has no need of it).
@cache
def _entity_rule() -> re.Pattern[str]:
    return re.compile(
        rf"(?<=[\s(«“\"'’-])(?:[A-ZÀ-ÖØ-ÞŒÆ][\w'’-]*|\d[\d.,]*\d|\d)|\b(?:{_MONTHS})\b"
    )


def _by_first_letter(words: str) -> dict[str, str]:
    """``"ab|ac|b"`` as ``{"a": "a(?:b|c)", "b": "b(?:)"}``: the same words, in order."""
    groups: dict[str, list[str]] = {}
    for word in words.split("|"):
        groups.setdefault(word[0], []).append(word[1:])
    return {first: f"{first}(?:{'|'.join(rest)})" for first, rest in groups.items()}


_MONTH_GROUPS = _by_first_letter(_MONTHS)

# The same, found faster: a match opens at the non-word character before the
# entity (which the entity's own rule needs anyway), so the regex engine skips
# ahead to such characters instead of trying every position. Read after a
# non-word character that is no delimiter, a sentence opens as a string does.
# The look-ahead (the characters an entity can open with) and the months
# grouped by first letter only spare the engine work: the matches are the same.
_ENTITY_AFTER = re.compile(
    rf"[^\w](?=[A-ZÀ-ÖØ-ÞŒÆ\d{''.join(_MONTH_GROUPS)}])"
    rf"((?<=[\s(«“\"'’-])(?:[A-ZÀ-ÖØ-ÞŒÆ][\w'’-]*|\d(?:[\d.,]*\d)?)"
    rf"|(?:{'|'.join(_MONTH_GROUPS.values())})\b)"
)


def _entities(sentence: str) -> set[str]:
    """Names, numbers and dates, lower-cased."""
    return {word.lower() for word in _entity_rule().findall(sentence)}


def _entities_by_sentence(sentences: Sequence[str]) -> list[set[str]]:
    """:func:`_entities` of each sentence (the same sets, found faster)."""
    find = _ENTITY_AFTER.findall
    return [{word.lower() for word in find(_BREAK + sentence)} for sentence in sentences]


def _entity_overlap(
    sentences: Sequence[str],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The share of sentence i's names, numbers and dates that sentence j has
    too, and the share of its numbers that j has (1 when i has none).

    As numpy matrices, for the story stage; the ranker reads the same shares
    one picked sentence at a time (:class:`_Repeats`).
    """
    import numpy as np

    entities = _entities_by_sentence(sentences)
    numbers = [{e for e in found if e[0].isdigit()} for found in entities]
    n = len(sentences)
    overlap = np.array(
        [
            [
                len(mine & theirs) / (len(mine) or 1) if i != j else 0.0
                for j, theirs in enumerate(entities)
            ]
            for i, mine in enumerate(entities)
        ],
        dtype=np.float64,
    ).reshape(n, n)
    known = np.array(
        [
            [len(mine & theirs) / len(mine) if mine else 1.0 for theirs in numbers]
            for mine in numbers
        ],
        dtype=np.float64,
    ).reshape(n, n)
    return overlap, known


def _select_with_mmr(
    base: Sequence[float],
    repeats: _Repeats,
    usable: Sequence[bool],
    count: int,
    redundancy: float,
    lead: int | None,
    lead_rank: int,
    tail: _Tail | None = None,
    tail_repeat: float = 1.0,
) -> list[tuple[int, float, bool]]:
    """Greedy maximal marginal relevance: each pick the best base score less
    ``redundancy`` times how closely it repeats a sentence picked before
    (``repeats.of(j)[i]``: how much sentence i repeats sentence j).

    The order holds only the sentences that may be picked: a summary is
    shorter than asked rather than quote a fragment or half a quotation.
    ``lead``, when given, is picked at rank
    ``lead_rank`` at the latest. After rank ``tail.after`` each pick is the
    best tail score instead, a sentence closer than ``tail_repeat`` (cosine)
    to a picked one coming last. Returns (index, penalty, picked by the tail).
    Ties go to the sentence first in the article.
    """
    n = len(base)
    gains = [b if u else _MINUS_INF for b, u in zip(base, usable, strict=True)]
    closest = [0.0] * n  # best similarity to any picked sentence
    picked: list[tuple[int, float, bool]] = []
    available = sum(usable)
    tail_gains = (
        [s if u else _MINUS_INF for s, u in zip(tail.scores, usable, strict=True)]
        if tail is not None
        else gains
    )
    echo = [0.0] * n  # best cosine to any picked sentence (the tail's measure)
    ranks = min(count, available)
    for rank in range(1, ranks + 1):
        in_tail = False
        if lead is not None and rank >= lead_rank and gains[lead] > _MINUS_INF:
            best = lead
        elif tail is not None and rank > tail.after:
            penalties = [_REPEAT_PENALTY if e > tail_repeat else 0.0 for e in echo]
            values = list(map(sub, tail_gains, penalties))
            best = values.index(max(values))
            in_tail = True
        elif redundancy:
            values = list(map(sub, gains, map(redundancy.__mul__, closest)))
            best = values.index(max(values))
        else:
            best = gains.index(max(gains))  # the first in the article on a tie
        if in_tail:
            picked.append((best, penalties[best], True))
        else:
            picked.append((best, closest[best] if redundancy else 0.0, False))
        if rank == ranks:
            break  # what the last pick repeats matters to no later pick
        gains[best] = _MINUS_INF
        if tail is not None:
            tail_gains[best] = _MINUS_INF
            echo = list(map(max, echo, tail.similarity(best)))
        # Past the head only the tail's measure is read (and the penalty of
        # an opening sentence still to be placed).
        head_goes_on = tail is None or rank < tail.after
        if redundancy and (head_goes_on or (lead is not None and gains[lead] > _MINUS_INF)):
            closest = list(map(max, closest, repeats.of(best)))
    return picked


_MINUS_INF = -math.inf


def _random_walk_centrality(document: _Document, damping: float) -> list[float]:
    """TextRank's stationary distribution on a graph of shared words.

    An edge carries the words two sentences share divided by the geometric
    mean of their lengths (the cosine of their word-count vectors, near
    enough), so long sentences gain from sharing more words but not from
    their length alone. Unlike sumy's TextRank, a sentence does not vote for
    itself (no self-loops, as in Mihalcea & Tarau's graph): a self-vote
    grows with length and would favour long sentences whatever they say.

    The distribution is solved for directly rather than by power iteration:
    with W the edges and D their row sums (plus 1e-7), the walk's
    (I - damping W D^-1) rank = (1 - damping) / n is, for rank = D x, the
    symmetric system (D - damping W) x = (1 - damping) / n, which is
    diagonally dominant (:func:`_solve_symmetric`). Past 100 sentences (a
    long article asked for a long summary) the work grows with the cube of
    the count, and with the square of each word's sentences: numpy does it
    (:func:`_numpy_walk`, imported then).
    """
    sizes = document.sizes
    n = len(sizes)
    if n < 2 or not any(sizes):
        return [1.0] * n
    if n > _PURE_SOLVE_LIMIT:
        return _numpy_walk(document, damping)
    # Lower triangle of W, diagonal left at 0: the words two sentences share,
    # counted with repeats (the postings list sentences in article order).
    lower = [[0.0] * (i + 1) for i in range(n)]
    counts = document.counts
    for term, rows in document.postings.items():
        occurrences = [counts[row][term] for row in rows]
        for b in range(1, len(rows)):
            line, mine = lower[rows[b]], occurrences[b]
            for a in range(b):
                line[rows[a]] += mine * occurrences[a]
    roots = [math.sqrt(max(size, 1)) for size in sizes]
    for i, line in enumerate(lower):
        root = roots[i]
        lower[i] = [shared / (root * other) for shared, other in zip(line, roots, strict=False)]
    # Row sums of the symmetric W: each row's own part plus its column below the diagonal.
    columns = map(sum, zip_longest(*lower, fillvalue=0.0))
    degrees = [
        sum(line) - line[-1] + below + 1e-7 for line, below in zip(lower, columns, strict=False)
    ]
    # (D - damping W) x = b, divided by -damping: the off-diagonal entries are W's own.
    for i, line in enumerate(lower):
        line[i] = -degrees[i] / damping
    x = _solve_symmetric(lower, [-(1.0 - damping) / n / damping] * n)
    rank = [degree * value for degree, value in zip(degrees, x, strict=True)]
    top = max(rank)
    return [r / top for r in rank] if top > 0 else rank


def _solve_symmetric(lower: list[list[float]], rhs: list[float]) -> list[float]:
    """Solve a symmetric definite system given by its lower triangle.

    ``lower[i][j]`` is entry (i, j) for j <= i. An LDL^T factorisation
    (Cholesky's, without square roots) whose every step is a dot product of
    two rows, done in C by ``sum(map(mul, ...))``: a few dozen unknowns take
    a fraction of a millisecond. A diagonally dominant system needs no
    pivoting.
    """
    n = len(rhs)
    factor: list[list[float]] = []  # row i: L[i][j] for j < i
    scaled: list[list[float]] = []  # row i: L[i][j] * d[j] for j < i
    pivots: list[float] = []  # d
    for i, line in enumerate(lower):
        mine: list[float] = []
        append = mine.append
        # Column j < i (zip stops at row i's diagonal); map() stops at the
        # shorter row, and mine holds L[i][:j] so far.
        for value, theirs, pivot in zip(line, scaled, pivots, strict=False):
            append((value - sum(map(mul, mine, theirs))) / pivot)
        theirs = [value * pivot for value, pivot in zip(mine, pivots, strict=True)]
        pivots.append(line[i] - sum(map(mul, mine, theirs)))
        factor.append(mine)
        scaled.append(theirs)
    # L y = rhs, then D z = y, then L^T x = z.
    y: list[float] = []
    for mine, value in zip(factor, rhs, strict=True):
        y.append(value - sum(map(mul, mine, y)))
    z = [value / pivot for value, pivot in zip(y, pivots, strict=True)]
    for i in range(n - 1, 0, -1):
        value = z[i]
        z[:i] = [total - value * entry for total, entry in zip(z, factor[i], strict=False)]
    return z


def _numpy_walk(document: _Document, damping: float) -> list[float]:
    """:func:`_random_walk_centrality` as matrices (a long article's long summary)."""
    import numpy as np

    n = len(document.sizes)
    counts = np.zeros((n, len(document.postings)))
    for column, (term, rows) in enumerate(document.postings.items()):
        counts[rows, column] = [document.counts[row][term] for row in rows]
    scaled = counts / np.sqrt(np.maximum(np.array(document.sizes, dtype=np.float64), 1.0))[:, None]
    edges = scaled @ scaled.T
    np.fill_diagonal(edges, 0.0)
    edges /= edges.sum(axis=1, keepdims=True) + 1e-7
    system = edges.T * -damping
    system.flat[:: n + 1] += 1.0
    rank = np.linalg.solve(system, np.full(n, (1.0 - damping) / n))
    top = rank.max()
    result: list[float] = (rank / top if top > 0 else rank).tolist()
    return result


# Up to this many sentences the walk is computed in Python.
_PURE_SOLVE_LIMIT = 100


def _directed_centrality(document: _Document, settings: RankerSettings) -> list[float]:
    n = len(document.sizes)
    if n < 2:
        return [1.0] * n
    forward, backward = settings.forward_weight, settings.backward_weight
    raw = [
        forward * later + backward * earlier
        for later, earlier in zip(document.later, document.earlier, strict=True)
    ]
    top = max(raw)
    return [r / top for r in raw] if top > 0 else [0.0] * n


def _lead_trust(document: _Document) -> float:
    """How much the opening speaks for the whole article (0.5..1.5)."""
    n = len(document.sizes)
    if n < 3:
        return 1.0
    # The opening sentence has only later ones; every cosine is counted
    # once as a later and once as an earlier.
    lead = document.later[0] / (n - 1)
    typical = (sum(document.later) + sum(document.earlier)) / (n * (n - 1))
    if typical <= 0:
        return 1.0
    return min(1.5, max(0.5, lead / typical))


__all__ = [
    "RankedSentence",
    "RankerSettings",
    "content_terms",
    "has_open_bracket",
    "has_open_quote",
    "lead_index",
    "rank_sentences",
    "ranking",
    "stem",
    "stemmer",
    "stop_words",
    "usable_sentences",
]
