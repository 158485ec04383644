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

Speed: the document is cut at white space and each raw token is turned into
term ids (words stemmed, stop words dropped) by one lookup in a memo kept
across documents; the similarities come from one small dense term matrix per
document, and the greedy selection stops at the length asked for (its first
k picks do not depend on how many follow).
"""

from __future__ import annotations

import importlib
import re
import struct
import threading
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import filterfalse
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
_NEWLINE = -2  # term id of the sentence separator
# A private-use character marks sentence ends: a token of its own between
# sentences, which "\w" never matches.
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

    The text is cut at white space (a fast C split) and each raw token, say
    ``"U.S.-led,"``, is looked up once in a memo giving the term ids of its
    words with stop words left out, packed as bytes; the sentence separator
    maps to ``_NEWLINE``. News vocabulary repeats: after a few articles nearly
    every token is one dictionary lookup, and the document's ids are one
    ``bytes.join`` with no Python integer in sight.
    """

    def __init__(self, language: str) -> None:
        self._stops = stop_words(language) | _EXTRA_STOP_WORDS.get(language, frozenset())
        self._stems = _stem_memo(language).stems
        # The memo is shared by every caller.
        self._lock = threading.Lock()
        self._reset()

    def _reset(self) -> None:
        self._tokens: dict[str, bytes] = {_BREAK: _packed((_NEWLINE,))}
        self._words: dict[str, int] = dict.fromkeys(self._stops, _STOP)
        self._stem_ids: dict[str, int] = {}

    def encode(self, sentences: Sequence[str]) -> tuple[NDArray[np.int32], int]:
        """Term ids of the document's words, with ``_NEWLINE`` between sentences.

        Also returns how many terms have ids so far (every id is below it).
        """
        import numpy as np

        # Tokens are looked up as written ("The" and "the" are two memo
        # entries): lower-casing the whole text costs more than the misses.
        # Each sentence is cut on its own: joined with the separator (not
        # Latin-1), an English text would be cut as a two-byte string.
        tokens: list[str] = []
        for sentence in sentences:
            if _BREAK in sentence:
                sentence = sentence.replace(_BREAK, " ")
            tokens += sentence.split()
            tokens.append(_BREAK)
        del tokens[-1:]  # separators between sentences only
        with self._lock:
            if len(self._tokens) > _LEXICON_LIMIT:
                self._reset()
            memo = self._tokens
            try:
                packed = b"".join(map(memo.__getitem__, tokens))
            except KeyError:
                self._add_tokens(tokens)
                packed = b"".join(map(memo.__getitem__, tokens))
            return np.frombuffer(packed, dtype=np.int32), len(self._stem_ids)

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
                memo[token] = b"" if term == _STOP else _pack_one(term)
            else:
                memo[token] = _packed(t for t in map(terms.__getitem__, words) if t != _STOP)


_pack_one = struct.Struct("=i").pack  # one id, as array("i") lays it out


def _packed(ids: Iterable[int]) -> bytes:
    # The memo keeps each token's term ids as machine integers: the ids of a
    # whole document are then one bytes.join, read by numpy without a copy.
    return array("i", ids).tobytes()


@cache
def _lexicon(language: str) -> _Lexicon:
    return _Lexicon(language)


def content_terms(sentence: str, stops: frozenset[str], language: str = "") -> list[str]:
    """The sentence's content words (not in ``stops``), lower-cased and stemmed."""
    stem = stemmer(language)
    return [stem(w) for w in _TOKEN.findall(sentence.lower()) if w != "\n" and w not in stops]


# --- the document as a term matrix -------------------------------------------


@dataclass(frozen=True)
class _Document:
    tf: NDArray[np.int64]  # sentences x terms, term counts
    shared: NDArray[np.bool_]  # the terms used by two sentences or more
    sizes: NDArray[np.float64]  # content words per sentence
    similarity: NDArray[np.float64]  # TF-IDF cosine, zero diagonal

    @property
    def counts(self) -> NDArray[np.float64]:
        """Counts of the shared terms (only the random walk needs them)."""
        import numpy as np

        return self.tf[:, self.shared].astype(np.float64)


def _document(sentences: Sequence[str], language: str, *, cosines: bool = True) -> _Document:
    """The sentences as term-count vectors, and their pairwise TF-IDF cosines.

    The counts are one dense sentences x terms matrix made by a single
    ``bincount``: news articles are small, and a few calls on a dense matrix
    cost less than the bookkeeping a sparse one needs. A term used by one
    sentence only adds to that sentence's own diagonal entry, which is
    zeroed, so the products keep only shared terms; sizes and norms use every
    term. A pure random walk needs no cosines (``cosines=False`` leaves them
    at zero).
    """
    import numpy as np

    n = len(sentences)
    ids, vocabulary = _lexicon(language).encode(sentences)
    words = ids >= 0
    rows = np.cumsum(ids == _NEWLINE)[words]
    terms = ids[words]
    if terms.size == 0:
        empty = np.zeros((n, 0), dtype=np.int64)
        return _Document(empty, np.zeros(0, dtype=bool), np.zeros(n), np.zeros((n, n)))
    columns, v = _columns(terms, vocabulary, n)
    tf = np.bincount(rows * v + columns, minlength=n * v).reshape(n, v)
    df = np.add.reduce(tf > 0, axis=0)
    shared = df >= 2
    words_per_sentence = np.bincount(rows, minlength=n)
    sizes = words_per_sentence.astype(np.float64)
    if not cosines:
        return _Document(tf, shared, sizes, np.zeros((n, n)))
    weights = _log1p(tf, int(words_per_sentence.max()))
    weights *= np.log((n + 1.0) / (df + 0.5))
    norms = np.sqrt(np.einsum("ij,ij->i", weights, weights))
    if not words_per_sentence.all():  # only a sentence without terms has a zero norm
        norms[norms == 0.0] = 1.0
    unit = weights[:, shared]
    unit /= norms[:, None]
    similarity = _gram(unit)
    np.fill_diagonal(similarity, 0.0)
    return _Document(tf, shared, sizes, similarity)


def _log1p(tf: NDArray[np.int64], largest: int) -> NDArray[np.float64]:
    """``np.log1p(tf)``; ``largest`` bounds the counts in ``tf``."""
    import numpy as np

    # A term occurs only a few times in a sentence: a table lookup gives the
    # same values as np.log1p at half its cost.
    table = _log1p_table()
    if largest < table.size:
        return np.take(table, tf)
    return np.log1p(tf)


@cache
def _log1p_table() -> NDArray[np.float64]:
    import numpy as np

    table = np.log1p(np.arange(256, dtype=np.float64))
    table.setflags(write=False)
    return table


# Up to this many matrix cells, a term's column is the position of one of its
# occurrences (empty columns cost less than finding the distinct terms);
# beyond, the distinct terms are sorted out to keep the matrix small.
_DENSE_CELLS = 400_000


def _columns(terms: NDArray[np.int32], vocabulary: int, n: int) -> tuple[NDArray[np.intp], int]:
    """A matrix column for each occurrence, the same for every occurrence of a term."""
    import numpy as np

    if n * terms.size <= _DENSE_CELLS:
        slots = np.empty(vocabulary, dtype=np.intp)
        slots[terms] = np.arange(terms.size)
        return slots[terms], terms.size
    _, columns = np.unique(terms, return_inverse=True)
    return columns, int(columns.max()) + 1


# OpenBLAS runs a product on several threads above about this many
# multiply-adds; on matrices this small, waiting for a second core (busy on a
# shared machine) costs milliseconds where the work takes microseconds.
_SINGLE_THREAD_PRODUCT = 200_000


def _gram(matrix: NDArray[np.float64]) -> NDArray[np.float64]:
    """``matrix @ matrix.T``, in row blocks small enough to stay on one thread."""
    import numpy as np

    n, k = matrix.shape
    block = _SINGLE_THREAD_PRODUCT // max(1, n * k)
    if block >= n or block == 0:
        return matrix @ matrix.T
    result = np.empty((n, n))
    for start in range(0, n, block):
        result[start : start + block] = matrix[start : start + block] @ matrix.T
    return result


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
    import numpy as np

    document = _document(sentences, language)
    similarity = document.similarity
    centrality = _directed_centrality(similarity, settings)
    if settings.walk_weight > 0.0:
        centrality = centrality + settings.walk_weight * _random_walk_centrality(
            document, settings.damping
        )
    overlong = _overlong_discount(sentences, settings.long_words)
    if overlong is not None:
        centrality = centrality * overlong
    position = settings.position_weight * _position_prior(n, similarity, settings)
    base = centrality + position
    usable = usable_sentences(sentences, document.sizes, settings.min_words)
    lead = _lead_index(sentences, usable) if settings.lead_rank > 0 else None
    # A short sentence that ends as a sentence ("It has two sentences.") is
    # one a reader expects, but says less than a full one: it ranks after
    # every full sentence rather than not at all.
    short = complete_short_sentences(sentences, document.sizes, settings.min_words) & ~usable
    if short.any():
        base = np.where(short, base - _SHORT_PENALTY, base)
        usable = usable | short
    redundancy = similarity
    if settings.entity_weight > 0.0:
        # TF-IDF cosine misses a sentence that restates another's facts in
        # other words around them ("une réunion à huis clos à Paris le 11
        # mars" after "Le 11 mars, ... une réunion à Paris"): the share of its
        # names, numbers and dates already said sees it.
        entity, known_numbers = _entity_overlap(sentences)
        redundancy = np.maximum(redundancy, settings.entity_weight * entity)
        if settings.new_numbers:
            # A sentence naming the same people with numbers of its own
            # ("Artest for the rest of the season, Jackson for 30 games, ...")
            # states new facts: it repeats a sentence only as far as its
            # numbers were said there too.
            redundancy = redundancy * known_numbers
    head = max(settings.head_length, int(settings.head_share * n))
    tail = None
    if settings.tail and limit > head:
        # Only a summary longer than the head needs the random walk.
        scores = _tail_scores(document, short, overlong, settings)
        tail = _Tail(head, scores, similarity)
    # Row j: how much each sentence repeats sentence j (what MMR reads per pick).
    picked = _select_with_mmr(
        base,
        redundancy.T.copy(),
        usable,
        limit,
        settings.redundancy,
        lead,
        settings.lead_rank,
        tail,
        settings.tail_repeat,
    )
    # Python floats from here: the same IEEE arithmetic as numpy's scalars, cheaper.
    bases, centralities, positions = base.tolist(), centrality.tolist(), position.tolist()
    tails = tail.scores.tolist() if tail is not None else []
    return [
        RankedSentence(
            index=i,
            score=round(bases[i] - settings.redundancy * penalty, 6),
            centrality=round(centralities[i], 6),
            position=round(positions[i], 6),
            redundancy=round(-settings.redundancy * penalty, 6),
        )
        if not in_tail
        else RankedSentence(
            index=i,
            score=round(tails[i] - penalty, 6),
            centrality=round(tails[i], 6),
            position=0.0,
            redundancy=round(-penalty, 6),
        )
        for i, penalty, in_tail in picked
    ]


class _Tail(NamedTuple):
    """How the ranks after the head are chosen."""

    after: int  # ranks 1..after are the head's
    scores: NDArray[np.float64]  # each sentence's tail score
    similarity: NDArray[np.float64]  # TF-IDF cosines, to see a near-repeat


# Larger than any tail score (at most 1), smaller than _SHORT_PENALTY: a
# near-repeat ranks after every other full sentence, before a short one.
_REPEAT_PENALTY = 10.0


def _overlong_discount(sentences: Sequence[str], long_words: int) -> NDArray[np.float64] | None:
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
    import numpy as np

    words = np.array(
        [len(s.split()) if len(s) > shortest else 0 for s in sentences], dtype=np.float64
    )
    if not (words > long_words).any():
        return None
    return np.minimum(1.0, (long_words / np.maximum(words, 1.0)) ** 2)


def _tail_scores(
    document: _Document,
    short: NDArray[np.bool_],
    overlong: NDArray[np.float64] | None,
    settings: RankerSettings,
) -> NDArray[np.float64]:
    """Random-walk centrality, discounted for overlong sentences (the tail's score).

    BBC-style long references keep the article's central sentences wherever
    they stand, and favour full ones (on train-bbc a sentence of 20+ words is
    about twice as likely to be kept as one of 5-9).
    """
    import numpy as np

    scores = _random_walk_centrality(document, settings.damping)
    if overlong is not None:
        scores = scores * overlong
    if short.any():
        scores = np.where(short, scores - _SHORT_PENALTY, scores)
    return scores


def has_open_quote(sentence: str) -> bool:
    """Whether a quotation opened in the sentence is not closed in it (or the reverse)."""
    if sentence.count("«") != sentence.count("»") or sentence.count("“") != sentence.count("”"):
        return True
    return sentence.count('"') % 2 == 1


def usable_sentences(
    sentences: Sequence[str], sizes: NDArray[np.float64], min_words: int
) -> NDArray[np.bool_]:
    """The sentences that may be picked: long enough, and no quotation left open.

    Shorter "sentences" are bylines, captions and labels, and so is a
    "sentence" without final punctuation (a headline, a photo caption cut
    off the text, a list item); a sentence with an unbalanced quotation
    mark would misquote its speaker. When nothing qualifies, every sentence
    with a content word does (a summary always has a sentence).
    """
    import numpy as np

    usable = sizes >= min_words
    unfit = [has_open_quote(s) or not ends_as_sentence(s) or has_open_bracket(s) for s in sentences]
    if any(unfit):
        usable &= ~np.array(unfit)
    if not usable.any():
        usable = sizes >= 1
        if not usable.any():
            usable[:] = True
    return usable


# Larger than any gap between two full sentences' scores (each is at most a
# few units), so a short sentence never outranks a full one.
_SHORT_PENALTY = 1000.0


def complete_short_sentences(
    sentences: Sequence[str], sizes: NDArray[np.float64], min_words: int
) -> NDArray[np.bool_]:
    """Sentences under ``min_words`` content words that are complete sentences.

    Complete: at least one content word, a full stop, question or
    exclamation mark at its end (not a bracket: "Comment (0)"), no
    quotation left open, a capital letter or digit opening it, and no
    byline or credit ("By Jane Doe.", "Source : AFP."), so page debris is
    not taken for one.
    """
    import numpy as np

    return np.array(
        [
            0 < size < min_words
            and s.rstrip(_CLOSERS)[-1:] in _SENTENCE_END
            and not has_open_quote(s)
            and not has_open_bracket(s)
            and _opens_as_sentence(s)
            and not _BYLINE_OPENER.match(s)
            for s, size in zip(sentences, sizes.tolist(), strict=True)
        ],
        dtype=bool,
    ).reshape(len(sentences))


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
    sizes = _document(sentences, language, cosines=False).sizes
    return _lead_index(sentences, usable_sentences(sentences, sizes, settings.min_words))


def _lead_index(sentences: Sequence[str], usable: NDArray[np.bool_]) -> int | None:
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


def _position_prior(
    n: int, similarity: NDArray[np.float64], settings: RankerSettings
) -> NDArray[np.float64]:
    return _position_decay(n, settings.position_scale, settings.position_decay) * _lead_trust(
        similarity
    )


@lru_cache(maxsize=256)
def _position_decay(n: int, scale: float, decay: float) -> NDArray[np.float64]:
    import numpy as np

    prior = 1.0 / (1.0 + np.arange(n) / scale) ** decay
    prior.setflags(write=False)
    return prior


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
    too, and the share of its numbers that j has (1 when i has none)."""
    import numpy as np

    columns: dict[str, int] = {}
    cells: list[tuple[int, int]] = []
    numeric: set[int] = set()
    for row, entities in enumerate(_entities_by_sentence(sentences)):
        # Counts of 0/1 cells are exact: the column order changes nothing.
        for entity in entities:
            column = columns.setdefault(entity, len(columns))
            cells.append((row, column))
            if entity[0].isdigit():
                numeric.add(column)
    n = len(sentences)
    if not cells:
        return np.zeros((n, n)), np.ones((n, n))
    present = np.zeros((n, len(columns)))
    rows, cols = zip(*cells, strict=True)
    present[list(rows), list(cols)] = 1.0
    sizes = np.maximum(present.sum(axis=1), 1.0)
    overlap: NDArray[np.float64] = _gram(present) / sizes[:, None]
    np.fill_diagonal(overlap, 0.0)
    if not numeric:
        return overlap, np.ones((n, n))
    numbers = present[:, sorted(numeric)]
    counts = numbers.sum(axis=1)
    said = numbers @ present[:, sorted(numeric)].T
    known: NDArray[np.float64] = np.where(
        counts[:, None] > 0, said / np.maximum(counts, 1.0)[:, None], 1.0
    )
    return overlap, known


def _select_with_mmr(
    base: NDArray[np.float64],
    repeats: NDArray[np.float64],
    usable: NDArray[np.bool_],
    count: int,
    redundancy: float,
    lead: int | None,
    lead_rank: int,
    tail: _Tail | None = None,
    tail_repeat: float = 1.0,
) -> list[tuple[int, float, bool]]:
    """Greedy maximal marginal relevance: each pick the best base score less
    ``redundancy`` times how closely it repeats a sentence picked before
    (``repeats[j, i]``: how much sentence i repeats sentence j).

    The order holds only the sentences that may be picked: a summary is
    shorter than asked rather than quote a fragment or half a quotation.
    ``lead``, when given, is picked at rank
    ``lead_rank`` at the latest. After rank ``tail.after`` each pick is the
    best tail score instead, a sentence closer than ``tail_repeat`` (cosine)
    to a picked one coming last. Returns (index, penalty, picked by the tail).
    """
    import numpy as np

    n = base.shape[0]
    gains = np.where(usable, base, -np.inf)
    closest = np.zeros(n)  # best similarity to any picked sentence
    picked: list[tuple[int, float, bool]] = []
    available = int(usable.sum())
    tail_gains = np.where(usable, tail.scores, -np.inf) if tail is not None else gains
    echo = np.zeros(n)  # best cosine to any picked sentence (the tail's measure)
    for rank in range(1, min(count, available) + 1):
        in_tail = False
        if lead is not None and rank >= lead_rank and gains[lead] > -np.inf:
            best = lead
        elif tail is not None and rank > tail.after:
            penalties = np.where(echo > tail_repeat, _REPEAT_PENALTY, 0.0)
            best = int((tail_gains - penalties).argmax())
            in_tail = True
        elif redundancy:
            best = int((gains - redundancy * closest).argmax())
        else:
            best = int(gains.argmax())  # the first in the article on a tie
        if in_tail:
            picked.append((best, float(penalties[best]), True))
        else:
            picked.append((best, float(closest[best]) if redundancy else 0.0, False))
        gains[best] = -np.inf
        if tail is not None:
            tail_gains[best] = -np.inf
            np.maximum(echo, tail.similarity[best], out=echo)
        if redundancy:
            np.maximum(closest, repeats[best], out=closest)
    return picked


def _random_walk_centrality(document: _Document, damping: float) -> NDArray[np.float64]:
    """TextRank's stationary distribution on a graph of shared words.

    An edge carries the words two sentences share divided by the geometric
    mean of their lengths (the cosine of their word-count vectors, near
    enough), so long sentences gain from sharing more words but not from
    their length alone. Unlike sumy's TextRank, a sentence does not vote for
    itself (no self-loops, as in Mihalcea & Tarau's graph): a self-vote
    grows with length and would favour long sentences whatever they say.
    The distribution is solved for directly rather than by power iteration.
    """
    import numpy as np

    n = document.sizes.shape[0]
    if n < 2 or not document.sizes.any():
        return np.ones(n)
    # Dividing each row by the square root of its length before the product
    # gives overlap / sqrt(len_i * len_j) in one step.
    scaled = document.counts / np.sqrt(np.maximum(document.sizes, 1.0))[:, None]
    edges = _gram(scaled)
    np.fill_diagonal(edges, 0.0)
    edges /= edges.sum(axis=1, keepdims=True) + 1e-7
    system = edges.T * -damping
    system.flat[:: n + 1] += 1.0
    rank = _solve(system, np.full(n, (1.0 - damping) / n))
    top = rank.max()
    return rank / top if top > 0 else rank


def _solve(system: NDArray[np.float64], rhs: NDArray[np.float64]) -> NDArray[np.float64]:
    """``np.linalg.solve(system, rhs)`` for a vector ``rhs``, without its wrapper.

    The wrapper's checks and error-state setup cost more than solving a
    system of a few dozen unknowns; the LAPACK routine it calls is the same,
    so the answer is identical. The random walk's system is strictly
    diagonally dominant by columns, hence never singular.
    """
    solve1 = _lapack_solve()
    if solve1 is None:
        import numpy as np

        fallback: NDArray[np.float64] = np.linalg.solve(system, rhs).astype(np.float64, copy=False)
        return fallback
    result: NDArray[np.float64] = solve1(system, rhs)
    return result


@cache
def _lapack_solve() -> Callable[..., NDArray[np.float64]] | None:
    try:  # a private numpy module: fall back to the public function if it moves
        from numpy.linalg import _umath_linalg

        solve1: Callable[..., NDArray[np.float64]] = _umath_linalg.solve1
    except (ImportError, AttributeError):
        return None
    return solve1


def _directed_centrality(
    similarity: NDArray[np.float64], settings: RankerSettings
) -> NDArray[np.float64]:
    import numpy as np

    n = similarity.shape[0]
    if n < 2:
        return np.ones(n)
    later = np.add.reduce(similarity, axis=1, where=_after_diagonal(n))
    earlier = similarity.sum(axis=1) - later
    raw = settings.forward_weight * later + settings.backward_weight * earlier
    top = raw.max()
    return raw / top if top > 0 else np.zeros(n)


@lru_cache(maxsize=32)
def _after_diagonal(n: int) -> NDArray[np.bool_]:
    """The cells right of the diagonal of an n x n matrix (read-only, shared)."""
    import numpy as np

    mask = np.triu(np.ones((n, n), dtype=bool), 1)
    mask.setflags(write=False)
    return mask


def _lead_trust(similarity: NDArray[np.float64]) -> float:
    """How much the opening speaks for the whole article (0.5..1.5)."""
    n = similarity.shape[0]
    if n < 3:
        return 1.0
    # The diagonal is zero: row sums are sums over the other sentences.
    lead = float(similarity[0].sum()) / (n - 1)
    typical = float(similarity.sum()) / (n * (n - 1))
    if typical <= 0:
        return 1.0
    return float(min(1.5, max(0.5, lead / typical)))


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
