"""Stories, not articles: the day's articles grouped by the event they report.

The same event arrives from several sources. This stage, between summarising
and assembling the briefing, groups the summarised articles into stories and
gives each story of two articles or more one extractive summary drawn from all
of them; a story of one article keeps that article's own summary.

Grouping. Each article becomes one vector made of four TF-IDF channels, each
L2-normalised and weighted, so a dot product is a weighted blend of cosines:
the title (half a channel: titles share topic words), the opening words, the
rest of the text (stemmed content words, the summariser's stop words and
Snowball stemmers), and the names and numbers it mentions (capitalised words
and figures, not stemmed).
Average-link agglomerative clustering (scipy) joins articles while the mean
similarity between two groups stays above ``threshold``. Three rules keep
topic-only neighbours apart, as pairs that may never be joined: articles in
different languages, articles published more than ``window_hours`` apart
(two days' weather alerts are two stories), and pairs sharing fewer than
``min_shared_names`` distinctive names or figures (a topic shares its
vocabulary, an event its names and figures).

Inverse document frequencies (for the channels and for what counts as a
distinctive name) are counted over the day's articles plus a background of
other articles, when one is given: the store's articles of earlier
briefings (see :class:`Background`). One day's 100 to 500 articles make a
noisy idf, and a big story's own names look common in its day ("Lycos" in
14 of a day's articles: its articles then shared no distinctive name).

Everything is computed from the set of articles, in a canonical order, so
the stories do not depend on the order articles arrived in.

Summaries. A story's summary opens on the lead sentence of its
representative article (what happened), then quotes the best-scored of the
other sentences: each is scored by its position in its article, by its
support from the *other* sources (its best cosine with a sentence of another
article) and by its centrality to the story (cosine with the story's
centroid). Only sentences the per-article ranker would quote are candidates
(no headline, breadcrumb or menu line without final punctuation, no
quotation left open), and one that repeats a sentence already picked is
skipped, whichever source either comes from: by cosine, or by the ranker's
share of names, numbers and dates already said (two outlets' leads restate
one fact in their own words around the same names). Each picked sentence
keeps its article.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC
from functools import cache
from itertools import count
from typing import TYPE_CHECKING

from .models import Article, BriefingItem, Story, StorySentence

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray
    from scipy.sparse import csr_matrix


@dataclass(frozen=True)
class StorySettings:
    """How articles are grouped and how much of a story is quoted."""

    enabled: bool = True
    threshold: float = 0.22  # mean blended cosine two groups need to be joined
    sentences: int = 5  # sentences quoted per story of several articles
    # Titles are short and share topic words ("election", "spam") across
    # stories: on the dev events a title weighted up joined more unrelated
    # articles than it found pairs, so it counts half a channel.
    title_weight: float = 0.5
    lead_weight: float = 1.0
    body_weight: float = 1.0
    names_weight: float = 1.0
    lead_words: int = 60  # "the first sentences": about the first two or three
    body_words: int = 800  # enough of the rest to know the subject, bounded for speed
    window_hours: float = 72.0  # articles published further apart are different stories
    min_shared_names: int = 2  # distinctive names or figures two articles must share
    distinctive_share: float = 0.05  # a name carried by more than this share of articles is common
    # A sentence this close to one picked repeats it: by cosine, or by the
    # share of its names, numbers and dates the picked one has too.
    repeat_similarity: float = 0.5
    # Shorter "sentences" (bylines, captions, "Photo: AFP") are picked last: a
    # sentence that carries one of the story's facts is rarely this short.
    min_words: int = 12
    # Sentences read per article: past the first sixty the position prior
    # leaves a sentence no chance, and a long page must not cost seconds.
    max_sentences: int = 60
    max_grouped: int = 2_000  # articles compared pairwise in one day (memory is quadratic)
    # The background the idf is counted over besides the day: the newest
    # articles of earlier briefings, at most this many and this many days back.
    background_articles: int = 2_000
    background_days: int = 30

    @property
    def read_chars(self) -> int:
        """Characters of an article's text the channels read (bounds a very long page)."""
        # Words average six characters with their space in news prose: eight per
        # word read is enough text.
        return 8 * (self.lead_words + self.body_words)

    # Sentence score = position + support + centrality.
    position_weight: float = 1.0
    support_weight: float = 2.0  # what the other sources confirm matters most
    centrality_weight: float = 1.0


DEFAULT_SETTINGS = StorySettings()
log = logging.getLogger(__name__)
_APART = 1e9  # distance of a pair the rules keep apart: no average can bring it under the cut


# --- words ---------------------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+")  # "l'office" is "l" and "office", as the ranker reads it
_MEMO_LIMIT = 200_000  # words remembered per language before the memo starts afresh
# Capitalised words (from a word boundary to one) and figures. Written to open
# on the capital or digit itself, with the boundary checked behind it, so the
# regex engine skips ahead to those characters: the same matches as
# r"\b(?:[A-ZÀ-ÖØ-Þ][\w’'-]*\w|[A-ZÀ-ÖØ-Þ])\b|\d[\d,.]*\d|\d", three times faster.
_NAME = re.compile(
    r"[A-ZÀ-ÖØ-Þ\d](?:(?<=[A-ZÀ-ÖØ-Þ])(?<!\w.)(?:[\w’'-]*\w)?\b|(?<=\d)(?:[\d,.]*\d)?)"
)


class _Terms:
    """Words to stemmed content terms (the ranker's stop words and stemmers), memoised.

    A day's news repeats its words, so each is stemmed once; the memo is
    bounded (a scheduler runs for months) and locked (a Snowball stemmer is
    not re-entrant).
    """

    def __init__(self, language: str) -> None:
        from .ranker import stemmer, stop_words

        self._stops = stop_words(language)
        # The summariser's memo: the words it already stemmed are not stemmed again.
        self._stem = stemmer(language)
        self._memo: dict[str, str | None] = {}
        self._lock = threading.Lock()

    def terms(self, words: Sequence[str]) -> list[str]:
        """The stems of the content words among ``words`` (lower-cased words, in order)."""
        with self._lock:
            if len(self._memo) > _MEMO_LIMIT:
                self._memo = {}
            memo = self._memo
            # Most words of a day are already known: look up only the new ones,
            # then map the whole list in one pass (this loop is the stage's hot spot).
            stops, stem = self._stops, self._stem
            for word in set(words).difference(memo):
                memo[word] = None if word in stops else stem(word)
            return [term for term in map(memo.__getitem__, words) if term is not None]

    def term_set(self, words: set[str]) -> set[str]:
        """The stems of the content words among ``words``: ``set(terms(words))``, cheaper."""
        with self._lock:
            if len(self._memo) > _MEMO_LIMIT:
                self._memo = {}
            memo, stops, stem = self._memo, self._stops, self._stem
            for word in words.difference(memo):
                memo[word] = None if word in stops else stem(word)
            found = set(map(memo.__getitem__, words))
        found.discard(None)
        return found  # type: ignore[return-value]  # None is gone

    def is_stop(self, word: str) -> bool:
        return word in self._stops


@cache
def _terms_for(language: str) -> _Terms:
    return _Terms(language)


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def names_and_numbers(text: str, terms: _Terms) -> list[str]:
    """Capitalised words and figures, lower-cased; common words left out."""
    tokens = (match.lower().replace(",", "") for match in _NAME.findall(text))
    is_stop = terms.is_stop
    return [t for t in tokens if t[0].isdigit() or (len(t) > 1 and not is_stop(t))]


# --- article vectors ---------------------------------------------------------------


@dataclass(frozen=True)
class _Channels:
    title: list[str]
    lead: list[str]
    body: list[str]
    names: list[str]


def _channels(article: Article, language: str, settings: StorySettings) -> _Channels:
    terms = _terms_for(language)
    read = article.text[: settings.read_chars]
    head = _words(read)[: settings.lead_words + settings.body_words]
    return _Channels(
        title=terms.terms(_words(article.title)),
        lead=terms.terms(head[: settings.lead_words]),
        body=terms.terms(head[settings.lead_words :]),
        names=names_and_numbers(f"{article.title}. {read}", terms),
    )


_CHANNELS = ("title", "lead", "body", "names")


@dataclass(frozen=True)
class Background:
    """How many articles of a background carry each term, per channel.

    The background is other articles of the same kind as the day's (in the
    pipeline, the store's articles of earlier briefings, never the day's
    own): counted with the day's, they steady the idf. Only the counts are
    kept, so the cost is one reading of each background article per run
    and memory grows with its vocabulary, not with pairs.
    """

    size: int = 0
    frequencies: Mapping[str, Mapping[str, int]] = field(default_factory=dict)

    def of(self, channel: str) -> Mapping[str, int]:
        return self.frequencies.get(channel, {})


NO_BACKGROUND = Background()


def background_of(
    articles: Iterable[Article], settings: StorySettings = DEFAULT_SETTINGS
) -> Background:
    """The document frequencies of ``articles``, each read in its language (English if unknown)."""
    counters: dict[str, Counter[str]] = {name: Counter() for name in _CHANNELS}
    size = 0
    for article in articles:
        for name, terms in zip(_CHANNELS, _channel_sets(article, settings), strict=True):
            counters[name].update(terms)
        size += 1
    if not size:
        return NO_BACKGROUND
    return Background(size=size, frequencies={k: dict(v) for k, v in counters.items()})


def _channel_sets(article: Article, settings: StorySettings) -> tuple[set[str], ...]:
    """The terms of each of the article's channels as sets: what a document frequency needs.

    The same terms as :func:`_channels` (a test checks it), each distinct word
    looked at once: a background of 2,000 articles is read in a fraction of
    the time the day's channels take.
    """
    terms = _terms_for(article.language or "en")
    read = article.text[: settings.read_chars]
    head = _words(read)[: settings.lead_words + settings.body_words]
    matches = set(_NAME.findall(f"{article.title}. {read}"))
    is_stop = terms.is_stop
    tokens = {match.lower().replace(",", "") for match in matches}
    names = {t for t in tokens if t[0].isdigit() or (len(t) > 1 and not is_stop(t))}
    return (
        terms.term_set(set(_words(article.title))),
        terms.term_set(set(head[: settings.lead_words])),
        terms.term_set(set(head[settings.lead_words :])),
        names,
    )


def _tfidf(
    docs: Sequence[Sequence[str]], background: Mapping[str, int] | None = None, extra: int = 0
) -> csr_matrix:
    """Sublinear TF-IDF rows, L2-normalised (an empty row stays zero).

    ``background`` counts, for ``extra`` other documents, how many carry each
    term: the idf is that of the day's documents and those together.
    """
    import numpy as np
    from scipy.sparse import csr_matrix

    # A term's column is its rank of first appearance: deterministic for a given order.
    vocabulary: defaultdict[str, int] = defaultdict(count().__next__)
    column_of = vocabulary.__getitem__
    columns: list[int] = []
    ends = [0]
    for doc in docs:
        columns.extend(map(column_of, doc))
        ends.append(len(columns))
    n, v = len(docs), max(1, len(vocabulary))
    indptr = np.array(ends, dtype=np.int64)
    counts = csr_matrix((np.ones(len(columns)), np.array(columns, dtype=np.int64), indptr), (n, v))
    counts.sum_duplicates()  # one entry per term and row, summed
    df = np.bincount(counts.indices, minlength=v).astype(np.float64)
    if background and vocabulary:
        # Columns are numbered in the vocabulary's order of insertion.
        get = background.get
        df += np.fromiter((get(t, 0) for t in vocabulary), np.float64, len(vocabulary))
    idf = np.log((1.0 + n + extra) / (1.0 + df)) + 1.0
    weights = np.log1p(counts.data) * idf[counts.indices]
    rows = np.repeat(np.arange(n), np.diff(counts.indptr))
    norms = np.sqrt(np.bincount(rows, weights=weights * weights, minlength=n))
    norms[norms == 0.0] = 1.0
    counts.data = weights / norms[rows]
    return counts


def _similarity(
    channels: Sequence[_Channels],
    settings: StorySettings,
    background: Background = NO_BACKGROUND,
) -> NDArray[np.float64]:
    """The articles' pairwise blended cosine (weights normalised to sum to one)."""
    import numpy as np

    parts = (
        (settings.title_weight, "title"),
        (settings.lead_weight, "lead"),
        (settings.body_weight, "body"),
        (settings.names_weight, "names"),
    )
    total = sum(w for w, _ in parts) or 1.0
    n = len(channels)
    similarity = np.zeros((n, n))
    for weight, name in parts:
        if weight > 0:
            docs = [getattr(c, name) for c in channels]
            matrix = _tfidf(docs, background.of(name), background.size)
            similarity += (weight / total) * (matrix @ matrix.T).toarray()
    return similarity


def _shared_names(
    channels: Sequence[_Channels],
    settings: StorySettings,
    background: Background = NO_BACKGROUND,
) -> NDArray[np.int64]:
    """How many distinctive names or figures each pair of articles shares.

    A name is common when more than ``distinctive_share`` of the day's and
    the background's articles carry it.
    """
    import numpy as np
    from scipy.sparse import csr_matrix

    n = len(channels)
    df: dict[str, int] = {}
    for c in channels:
        for name in set(c.names):
            df[name] = df.get(name, 0) + 1
    known = background.of("names")
    if known:
        for name in df:
            df[name] += known.get(name, 0)
    # An event carried by ten sources keeps its names distinctive on a small day.
    limit = max(10, int(settings.distinctive_share * (n + background.size)))
    vocabulary: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    for row, c in enumerate(channels):
        for name in set(c.names):
            if df[name] <= limit:
                rows.append(row)
                cols.append(vocabulary.setdefault(name, len(vocabulary)))
    matrix = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, max(1, len(vocabulary))))
    shared: NDArray[np.int64] = (matrix @ matrix.T).toarray().astype(np.int64)
    return shared


# --- grouping ------------------------------------------------------------------------


def canonical_key(article: Article) -> tuple[str, str, str, str]:
    """An order for articles that does not depend on how they arrived."""
    digest = hashlib.sha1(article.text.encode("utf-8", "surrogatepass")).hexdigest()
    return (article.source, article.url or "", article.title, digest)


def group_articles(
    articles: Sequence[Article],
    languages: Sequence[str],
    settings: StorySettings = DEFAULT_SETTINGS,
    background: Background = NO_BACKGROUND,
) -> list[list[int]]:
    """Indices of ``articles`` grouped into stories.

    Groups and their members are in a canonical order (by the smallest
    canonical key of their members), so shuffling the input changes nothing
    but the indices. ``background`` holds the document frequencies of other
    articles (:func:`background_of`), counted with the day's for the idf.
    """
    return _grouping(articles, languages, settings, background)[0]


def _grouping(
    articles: Sequence[Article],
    languages: Sequence[str],
    settings: StorySettings,
    background: Background = NO_BACKGROUND,
) -> tuple[list[list[int]], dict[int, float]]:
    """The groups, and each article's summed similarity to the rest of its group."""
    import numpy as np

    n = len(articles)
    if n == 0:
        return [], {}
    order = sorted(range(n), key=lambda i: (canonical_key(articles[i]), i))
    if n == 1:
        return [[0]], {0: 0.0}
    ordered = [articles[i] for i in order]
    langs = [languages[i] for i in order]
    channels = [_channels(a, lang, settings) for a, lang in zip(ordered, langs, strict=True)]
    similarity = _similarity(channels, settings, background)
    distance = 1.0 - similarity
    apart = _kept_apart(ordered, langs, channels, settings, background)
    distance[apart] = _APART
    labels = _average_link(distance, 1.0 - settings.threshold)
    groups: dict[int, list[int]] = {}
    for position, label in enumerate(labels):
        groups.setdefault(int(label), []).append(order[position])
    # Members in canonical order; groups by their first member's canonical rank.
    rank = {index: r for r, index in enumerate(order)}
    result = [sorted(g, key=rank.__getitem__) for g in groups.values()]
    result.sort(key=lambda g: rank[g[0]])
    closeness: dict[int, float] = {}
    for group in result:
        positions = np.array([rank[i] for i in group])
        within = similarity[np.ix_(positions, positions)]
        sums = within.sum(axis=1) - np.diag(within)
        closeness.update(zip(group, (round(float(x), 9) for x in sums), strict=True))
    return result, closeness


def _kept_apart(
    articles: Sequence[Article],
    languages: Sequence[str],
    channels: Sequence[_Channels],
    settings: StorySettings,
    background: Background = NO_BACKGROUND,
) -> NDArray[np.bool_]:
    """Pairs the rules forbid to join: other language, far apart in time, no shared name."""
    import numpy as np

    codes = {lang: i for i, lang in enumerate(sorted(set(languages)))}
    language = np.array([codes[lang] for lang in languages])
    apart: NDArray[np.bool_] = language[:, None] != language[None, :]
    stamps = np.array([_timestamp(a) for a in articles])
    gap = np.abs(stamps[:, None] - stamps[None, :]) / 3600.0
    with np.errstate(invalid="ignore"):
        apart |= np.nan_to_num(gap, nan=0.0) > settings.window_hours
    if settings.min_shared_names > 0:
        apart |= _shared_names(channels, settings, background) < settings.min_shared_names
    np.fill_diagonal(apart, False)
    return apart


def _timestamp(article: Article) -> float:
    """Seconds since the epoch (a time without zone read as UTC); NaN when undated."""
    when = article.published
    if when is None:
        return float("nan")
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()


def _average_link(distance: NDArray[np.float64], cut: float) -> NDArray[np.int32]:
    import numpy as np
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    np.fill_diagonal(distance, 0.0)
    distance = np.maximum(distance, 0.0)
    condensed = squareform((distance + distance.T) / 2.0, checks=False)
    tree = linkage(condensed, method="average")
    labels: NDArray[np.int32] = fcluster(tree, t=cut, criterion="distance")
    return labels


# --- one summary per story -----------------------------------------------------------


@dataclass(frozen=True)
class _Fact:
    """A sentence's content terms and its names and figures, to spot a repeated fact."""

    terms: frozenset[str]
    names: frozenset[str]

    @classmethod
    def of(cls, text: str, terms: _Terms, content: Sequence[str] | None = None) -> _Fact:
        """``content``: the sentence's content terms when already known."""
        if content is None:
            content = terms.terms(_words(text))
        return cls(frozenset(content), frozenset(names_and_numbers(text, terms)))

    def repeats(self, other: _Fact) -> bool:
        """Same name or figure, and half the shorter sentence's content words."""
        smaller = min(len(self.terms), len(other.terms))
        return (
            smaller >= 4
            and bool(self.names & other.names)
            and len(self.terms & other.terms) >= 0.5 * smaller
        )


@dataclass(frozen=True)
class _Candidate:
    member: int
    index: int
    text: str


def summarise_story(
    articles: Sequence[Article],
    language: str,
    settings: StorySettings = DEFAULT_SETTINGS,
    *,
    split: Callable[[Article, str], list[str]] | None = None,
) -> tuple[StorySentence, ...]:
    """Up to ``settings.sentences`` verbatim sentences drawn from all the story's articles.

    ``articles[0]`` is the story's representative (its headline's article):
    the summary opens on its lead sentence, what happened, and goes on with
    the best-scored facts the other sentences add.
    """
    import numpy as np

    split = split or _article_sentences
    per_article = [split(article, language)[: settings.max_sentences] for article in articles]
    candidates = [
        _Candidate(member, index, text)
        for member, sentences in enumerate(per_article)
        for index, text in enumerate(sentences)
    ]
    if not candidates:
        return ()
    terms = _terms_for(language)
    split_words = [_words(c.text) for c in candidates]
    content = [terms.terms(w) for w in split_words]
    vectors = _tfidf(content)
    similarity = (vectors @ vectors.T).toarray()
    members = np.array([c.member for c in candidates])
    position = np.array([1.0 / (1.0 + c.index / 2.0) for c in candidates])
    others = members[:, None] != members[None, :]
    support = np.where(others, similarity, 0.0).max(axis=1)
    centroid = np.asarray(vectors.sum(axis=0)).ravel()
    norm = float(np.linalg.norm(centroid)) or 1.0
    centrality = np.asarray(vectors @ (centroid / norm)).ravel()
    words = np.array([len(w) for w in split_words])
    score = (
        settings.position_weight * position
        + settings.support_weight * support
        + settings.centrality_weight * centrality
    )
    score = np.where(words >= settings.min_words, score, score - 10.0)  # bylines and captions last
    usable = _usable(per_article, [len(c) for c in content])
    facts: dict[int, _Fact] = {}

    def fact(i: int) -> _Fact:
        if i not in facts:
            facts[i] = _Fact.of(candidates[i].text, terms, content[i])
        return facts[i]

    ranked = [
        i
        for i in sorted(
            range(len(candidates)), key=lambda i: (-score[i], members[i], candidates[i].index)
        )
        if usable[i]
    ]
    lead = _story_lead(per_article, usable, language)
    if lead is not None:
        first = next(i for i, c in enumerate(candidates) if (c.member, c.index) == lead)
        ranked = [first, *(i for i in ranked if i != first)]
    names = _Repeats([candidates[i].text for i in ranked], settings.sentences)
    picked: list[int] = []  # positions in ``ranked``
    for rank, i in enumerate(ranked):
        if len(picked) >= settings.sentences:
            break
        if picked:
            cosines = similarity[i, [ranked[j] for j in picked]]
            if names.of(rank, picked, cosines).max() >= settings.repeat_similarity:
                continue  # says or names what a picked sentence says (another source's lead)
            if any(fact(i).repeats(fact(ranked[j])) for j in picked):
                continue  # the same fact in other words ("$55bn revenue" again)
        picked.append(rank)
    chosen = [ranked[rank] for rank in picked]
    return tuple(
        StorySentence(
            article=articles[candidates[i].member],
            index=candidates[i].index,
            text=candidates[i].text,
            score=round(float(score[i]), 6),
            components={
                "position": round(float(position[i]), 6),
                "support": round(float(support[i]), 6),
                "centrality": round(float(centrality[i]), 6),
            },
        )
        for i in chosen
    )


def _usable(per_article: Sequence[Sequence[str]], sizes: Sequence[int]) -> list[bool]:
    """The sentences the per-article ranker would let a summary quote.

    A "sentence" without final punctuation is a headline, a breadcrumb or a
    menu line ("You are here: :: :: ..."), one with a quotation left open
    would misquote; a short one counts only when it is a complete sentence.
    """
    import numpy as np

    from .ranker import RankerSettings, complete_short_sentences, usable_sentences

    min_words = RankerSettings().min_words
    usable: list[bool] = []
    start = 0
    for sentences in per_article:
        if sentences:
            counts = np.array(sizes[start : start + len(sentences)], dtype=np.float64)
            fit = usable_sentences(sentences, counts, min_words)
            fit |= complete_short_sentences(sentences, counts, min_words)
            usable.extend(bool(x) for x in fit)
        start += len(sentences)
    return usable


class _Repeats:
    """How closely one sentence repeats others, by the per-article ranker's measure.

    That measure, whichever articles the sentences come from: the TF-IDF
    cosine, or the share of a sentence's names, numbers and dates the other
    has too (two sources restate one fact around the same names in their
    own words); none when it brings numbers of its own. ``texts`` are in the
    order they are tried: the names of the first few are read at once, more
    only when the picking gets that far (a pair's share does not depend on
    the other sentences read with it).
    """

    def __init__(self, texts: Sequence[str], wanted: int) -> None:
        self._texts = texts
        self._read = 0
        self._wanted = max(4 * wanted, 8)

    def of(
        self, rank: int, picked: Sequence[int], cosines: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        """How much sentence ``rank`` repeats each of ``picked`` (their cosines given)."""
        import numpy as np

        if rank >= self._read:
            from .ranker import _entity_overlap

            self._read = min(len(self._texts), max(rank + 1, 2 * self._read, self._wanted))
            self._entity, self._known = _entity_overlap(self._texts[: self._read])
        repeats: NDArray[np.float64] = (
            np.maximum(cosines, self._entity[rank, picked]) * self._known[rank, picked]
        )
        return repeats


def _story_lead(
    per_article: Sequence[Sequence[str]], usable: Sequence[bool], language: str
) -> tuple[int, int] | None:
    """(article, sentence) of the lead the summary opens on: the representative's, if it has one.

    The lead is the opening sentence the per-article ranker keeps (after a
    headline or byline, the sentence that follows); an article whose opening
    cannot be quoted passes the turn to the next in the story's order.
    """
    from .ranker import lead_index

    start = 0
    for member, sentences in enumerate(per_article):
        # The lead is one of the first two sentences: the rest need not be read.
        index = lead_index(list(sentences[:3]), language) if sentences else None
        if index is not None and usable[start + index]:
            return member, index
        start += len(sentences)
    return None


def _article_sentences(article: Article, language: str) -> list[str]:
    from .summarize import MAX_SENTENCES, prepare_sentences

    _, sentences, _ = prepare_sentences(article.text, language)
    return sentences[:MAX_SENTENCES]


# --- the stage -----------------------------------------------------------------------

#: ``reuse(story_key, member_articles)``: a summary stored for these members, or None.
Reuse = Callable[[str, Sequence[Article]], "tuple[StorySentence, ...] | None"]


def _no_reuse(key: str, articles: Sequence[Article]) -> tuple[StorySentence, ...] | None:
    return None


# The rules a stored story summary was made by: one made by earlier rules
# (before it opened on the lead, say) is made again, not shown.
_SUMMARY_RULES = 3  # 3: a line ending on a bracket is no sentence


def sentences_to_json(sentences: Sequence[StorySentence]) -> str:
    """A story summary as stored: each sentence with its article's id."""
    return json.dumps(
        [
            {
                "rules": _SUMMARY_RULES,
                "article": s.article.id,
                "index": s.index,
                "text": s.text,
                "score": s.score,
                "components": dict(s.components),
            }
            for s in sentences
        ],
        ensure_ascii=False,
    )


def sentences_from_json(
    data: str | None, articles: Sequence[Article]
) -> tuple[StorySentence, ...] | None:
    """A stored story summary read back against its members; None when it does not fit them."""
    if not data:
        return None
    by_id = {a.id: a for a in articles if a.id is not None}
    try:
        rows = json.loads(data)
        if not rows or any(row.get("rules") != _SUMMARY_RULES for row in rows):
            return None
        sentences = tuple(
            StorySentence(
                article=by_id[row["article"]],
                index=int(row["index"]),
                text=str(row["text"]),
                score=float(row["score"]),
                components={str(k): float(v) for k, v in row.get("components", {}).items()},
            )
            for row in rows
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None  # written by another version, or not for these members: compute it again
    if not all(quotes(s.article, s.text) for s in sentences):
        return None
    return sentences


def quotes(article: Article, sentence: str) -> bool:
    """Whether ``sentence`` is in the article word for word (line breaks aside)."""
    return " ".join(sentence.split()) in " ".join(article.text.split())


def build_stories(
    items: Sequence[BriefingItem],
    *,
    source_order: Sequence[str] = (),
    settings: StorySettings = DEFAULT_SETTINGS,
    opted_out: frozenset[str] = frozenset(),
    reuse: Reuse | None = None,
    background: Iterable[Article] = (),
) -> tuple[Story, ...]:
    """The summarised items grouped into stories, ordered for the reader.

    Items that could not be summarised are left out (the briefing lists them
    apart). With ``settings.enabled`` false, or for a source in ``opted_out``,
    each article is a story of its own. ``reuse(key, articles)`` returns a
    summary computed earlier for the same members (see :func:`story_key`), or None.
    ``background`` is other articles, never the day's (the store's articles of
    earlier briefings): the idf is counted over them and the day's together.
    """
    usable = [item for item in items if item.summary is not None and not item.error]
    grouped = [item for item in usable if settings.enabled and item.article.source not in opted_out]
    if len(grouped) > settings.max_grouped:
        # Grouping compares every pair: past this many articles memory grows
        # with the square. The newest are grouped, the rest stay single entries.
        log.warning(
            "%d articles: only the %d newest are grouped into stories",
            len(grouped),
            settings.max_grouped,
        )
        grouped = sorted(grouped, key=_newest_first)[: settings.max_grouped]
    taken = {id(item) for item in grouped}
    alone = [item for item in usable if id(item) not in taken]
    languages = [_language_of(item) for item in grouped]
    groups: list[list[int]] = []
    closeness: dict[int, float] = {}
    if grouped:
        # Read only when there is something to group (the articles are read once).
        known = background_of(background, settings) if len(grouped) > 1 else NO_BACKGROUND
        groups, closeness = _grouping([i.article for i in grouped], languages, settings, known)
    stories = [
        _story(
            [grouped[i] for i in group],
            [closeness[i] for i in group],
            settings,
            source_order,
            reuse or _no_reuse,
        )
        for group in groups
    ]
    stories += [_single(item) for item in alone]
    return tuple(sorted(stories, key=_reading_order(items, source_order)))


def _newest_first(item: BriefingItem) -> tuple[bool, float, tuple[str, str, str, str]]:
    when = _timestamp(item.article)
    return (when != when, -when if when == when else 0.0, canonical_key(item.article))


def _language_of(item: BriefingItem) -> str:
    if item.summary is not None and item.summary.language:
        return item.summary.language
    return item.article.language or "en"


def story_key(articles: Sequence[Article]) -> str:
    """The story's identity: its members' ids (or canonical keys) sorted."""
    parts = sorted(str(a.id) if a.id is not None else "|".join(canonical_key(a)) for a in articles)
    return hashlib.sha1("\n".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _single(item: BriefingItem) -> Story:
    assert item.summary is not None
    article = item.article
    return Story(
        headline=article.title,
        items=(item,),
        sentences=tuple(
            StorySentence(article, s.index, s.text, s.score, s.components)
            for s in item.summary.sentences
        ),
        key=story_key([article]),
    )


def _story(
    members: Sequence[BriefingItem],
    closeness: Sequence[float],
    settings: StorySettings,
    source_order: Sequence[str],
    reuse: Reuse,
) -> Story:
    if len(members) == 1:
        return _single(members[0])
    ordered = _representative_first(members, closeness, source_order)
    articles = [m.article for m in ordered]
    key = story_key(articles)
    sentences = reuse(key, articles)
    if sentences is None:
        sentences = summarise_story(articles, _language_of(ordered[0]), settings)
    return Story(
        headline=ordered[0].article.title, items=tuple(ordered), sentences=sentences, key=key
    )


def _representative_first(
    members: Sequence[BriefingItem], closeness: Sequence[float], source_order: Sequence[str]
) -> list[BriefingItem]:
    """The member closest to all the others first, then the rest in source order."""
    rank = {name: i for i, name in enumerate(source_order)}

    def key(i: int) -> tuple[int, str, str]:
        a = members[i].article
        return (rank.get(a.source, len(rank)), a.url or "", a.title)

    best = min(range(len(members)), key=lambda i: (-closeness[i], key(i)))
    rest = sorted((i for i in range(len(members)) if i != best), key=key)
    return [members[best], *(members[i] for i in rest)]


def _reading_order(
    items: Sequence[BriefingItem], source_order: Sequence[str]
) -> Callable[[Story], tuple[int, int, int]]:
    """More distinct sources first, then the configured source order, then briefing order."""
    rank = {name: i for i, name in enumerate(source_order)}
    position = {id(item): i for i, item in enumerate(items)}

    def key(story: Story) -> tuple[int, int, int]:
        return (
            -story.source_count,
            min(rank.get(i.article.source, len(rank)) for i in story.items),
            min(position.get(id(i), len(position)) for i in story.items),
        )

    return key


__all__ = [
    "DEFAULT_SETTINGS",
    "NO_BACKGROUND",
    "Background",
    "StorySettings",
    "background_of",
    "build_stories",
    "canonical_key",
    "group_articles",
    "names_and_numbers",
    "quotes",
    "story_key",
    "summarise_story",
]
