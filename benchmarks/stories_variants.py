"""Grouping variants tried for issue 12, each at 100 and 450 distractors, beside ours.

Usage:
    nice -n 10 python benchmarks/stories_variants.py ../shared/eval/multidoc-dev.jsonl \\
        ../shared/eval/dev-en.jsonl ../shared/eval/dev-fr.jsonl \\
        --background ../shared/train/train-bbc.jsonl ../shared/train/train-orangesum.jsonl

None of these is in the stage: none gained at both levels by more than the
bootstrap standard error of F1 (about 0.1 over 20 events), and most traded
one level against the other. Kept so that the figures in the CHANGELOG and
the issue notes can be made again, and the next idea starts from them. Each
variant swaps one part of ``briefing.stories`` for the length of its run.
The one with ``--background`` (idf over the day and other articles, for the
channels only) went into the stage afterwards, for the channels and the
distinctive names, with the store's earlier briefings as the background.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
import stories as bench  # benchmarks/stories.py: the day, the metrics
from scipy.sparse import diags

from briefing import stories
from briefing.models import Article
from briefing.ranker import lead_index
from briefing.summarize import prepare_sentences
from briefing.text.clean import clean_text

Setup = Callable[[], None]


@contextmanager
def swapped(**parts: Any) -> Iterator[None]:
    saved = {name: getattr(stories, name) for name in parts}
    for name, part in parts.items():
        setattr(stories, name, part)
    try:
        yield
    finally:
        for name, part in saved.items():
            setattr(stories, name, part)


# --- the variants --------------------------------------------------------------------


def cleaned_text(article: Article, language: str, settings: stories.StorySettings) -> Any:
    """Channels read from the cleaned text (page debris out)."""
    return _channels(replace(article, text=clean_text(article.text)), language, settings)


def from_the_lead_on(article: Article, language: str, settings: stories.StorySettings) -> Any:
    """Lead and body from the summariser's sentences, from the ranker's lead on (no headline)."""
    sentences = prepare_sentences(article.text, language)[1]
    start = (lead_index(sentences[:3], language) or 0) if sentences else 0
    text = "\n".join(sentences[start:]) if sentences else article.text
    return _channels(replace(article, text=text), language, settings)


def missing_channels_not_counted(informative_title: bool) -> Callable[..., Any]:
    """A channel an article lacks (an empty one, a title none of whose words is in the
    text: a site name) is left out of that pair's blend, not counted as a zero."""

    def similarity(channels: Sequence[Any], settings: stories.StorySettings, *_: Any) -> Any:
        parts = (
            (settings.title_weight, [c.title for c in channels]),
            (settings.lead_weight, [c.lead for c in channels]),
            (settings.body_weight, [c.body for c in channels]),
            (settings.names_weight, [c.names for c in channels]),
        )
        n = len(channels)
        blend, weight = np.zeros((n, n)), np.zeros((n, n))
        for k, (w, docs) in enumerate(parts):
            matrix = stories._tfidf(docs)
            has = np.array([bool(d) for d in docs], dtype=float)
            if k == 0 and informative_title:
                text = [set(c.lead) | set(c.body) for c in channels]
                has = np.array([bool(set(d) & t) for d, t in zip(docs, text, strict=True)], float)
                matrix = diags(has) @ matrix
            blend += w * (matrix @ matrix.T).toarray()
            weight += w * np.outer(has, has)
        weight[weight == 0] = 1.0
        return blend / weight

    return similarity


def singletons_attached_by_centroid(distance: Any, cut: float) -> Any:
    """Average link, then each article left alone joins the story whose centroid it is
    closest to, when that cosine passes the threshold and no rule keeps them apart."""
    labels = _average_link(distance.copy(), cut)
    similarity = 1.0 - distance
    apart = distance >= stories._APART
    while True:
        sizes = Counter(labels.tolist())
        members: dict[int, list[int]] = defaultdict(list)
        for i, label in enumerate(labels.tolist()):
            members[label].append(i)
        best: tuple[float, int, int] | None = None
        for i in range(len(labels)):
            if sizes[labels[i]] != 1:
                continue
            for label, group in members.items():
                if len(group) < 2 or apart[i, group].any():
                    continue
                within = similarity[np.ix_(group, group)].copy()
                np.fill_diagonal(within, 1.0)
                cosine = similarity[i, group].sum() / np.sqrt(within.sum())
                if cosine >= 1.0 - cut and (best is None or cosine > best[0]):
                    best = (cosine, i, label)
        if best is None:
            return labels
        labels[best[1]] = best[2]


def background_idf(background: Sequence[dict[str, Any]]) -> Callable[..., Any]:
    """IDF over the day's articles plus a background of other articles of the same kind.

    The variant the stage now ships (:func:`briefing.stories.background_of`),
    kept here so its figures print beside the others.
    """
    counts = stories.background_of(
        Article(title=r["title"], text=r["text"], source="background", language=r["lang"])
        for r in background
    )
    shipped = stories._similarity

    def similarity(day: Sequence[Any], settings: stories.StorySettings, *_: Any) -> Any:
        return shipped(day, settings, counts)

    return similarity


def one_language(
    articles: Sequence[Article],
    languages: Sequence[str],
    channels: Sequence[Any],
    settings: Any,
    *_: Any,
) -> Any:
    """No language rule: the names and figures channel may join English and French."""
    return _kept_apart(articles, ["any"] * len(languages), channels, settings)


_NAME_PAIR = re.compile(r"(?=(\b[A-ZÀ-ÖØ-Þ][\w’'-]*) ([A-ZÀ-ÖØ-Þ][\w’'-]*\b))")


def full_names_count_once(
    articles: Sequence[Article],
    languages: Sequence[str],
    channels: Sequence[Any],
    settings: Any,
    *_: Any,
) -> Any:
    """In the shared-names rule, rare words next to each other in a name in either article
    ("Boris Johnson") are one name: two stories about one person share one name, not two."""
    apart = _kept_apart(articles, languages, channels, settings)
    shared = stories._shared_names(channels, settings)
    n = len(articles)
    df = Counter(name for c in channels for name in set(c.names))
    limit = max(10, int(settings.distinctive_share * n))
    rare = [{x for x in c.names if df[x] <= limit} for c in channels]
    pairs = [
        {(a.lower(), b.lower()) for a, b in _NAME_PAIR.findall(f"{x.title}. {x.text[:6880]}")}
        for x in articles
    ]
    for a in range(n):
        for b in range(a + 1, n):
            if apart[a, b] or shared[a, b] < settings.min_shared_names:
                continue
            root = {x: x for x in rare[a] & rare[b]}
            for x, y in pairs[a] | pairs[b]:
                if x in root and y in root:
                    root[_find(root, y)] = _find(root, x)
            if len({_find(root, x) for x in root}) < settings.min_shared_names:
                apart[a, b] = apart[b, a] = True
    return apart


def _find(root: dict[str, str], x: str) -> str:
    while root[x] != x:
        x = root[x]
    return x


_channels = stories._channels
_average_link = stories._average_link
_kept_apart = stories._kept_apart


# --- the table -------------------------------------------------------------------------


def event_counts(
    gold: Sequence[int], predicted: Sequence[int], events: int
) -> tuple[list[float], list[float], list[float], float]:
    """Per event: pairs found right, pairs found (half each for two events), true pairs;
    and the pairs of two distractors (counted in every resample), as the benchmark does."""
    by: dict[int, list[int]] = defaultdict(list)
    for i, label in enumerate(predicted):
        by[label].append(i)
    hit, found, true = [0.0] * events, [0.0] * events, [0.0] * events
    fixed = 0.0
    for members in by.values():
        for x, a in enumerate(members):
            for b in members[x + 1 :]:
                owners = [g for g in (gold[a], gold[b]) if g < events]
                fixed += not owners
                for g in owners:
                    found[g] += 1 / len(owners)
                if gold[a] == gold[b] and gold[a] < events:
                    hit[gold[a]] += 1
    for g, size in Counter(g for g in gold if g < events).items():
        true[g] = size * (size - 1) / 2
    return hit, found, true, fixed


def paired_f1_difference(
    gold: Sequence[int], ours: Sequence[int], other: Sequence[int], events: int
) -> float:
    """Bootstrap standard error of F1(other) - F1(ours), the same events resampled for both."""
    import random
    from statistics import stdev

    a, b = event_counts(gold, ours, events), event_counts(gold, other, events)

    def f1(counts: tuple[list[float], list[float], list[float], float], sample: list[int]) -> float:
        hit, found, true, fixed = counts
        h = sum(hit[e] for e in sample)
        f = sum(found[e] for e in sample) + fixed
        t = sum(true[e] for e in sample)
        p, r = (h / f if f else 0.0), (h / t if t else 0.0)
        return 2 * p * r / (p + r) if p + r else 0.0

    rng = random.Random(bench.SEED)
    diffs = []
    for _ in range(500):
        sample = [rng.randrange(events) for _ in range(events)]
        diffs.append(f1(b, sample) - f1(a, sample))
    return stdev(diffs)


def row(
    name: str,
    days: dict[int, Any],
    events: int,
    settings: stories.StorySettings,
    ours: dict[int, list[int]],
) -> None:
    cells = []
    for distractors, (articles, gold, languages) in days.items():
        groups = stories.group_articles(articles, languages, settings)
        predicted = bench.labels_of(groups, len(articles))
        p, r, f = bench.pairwise(gold, predicted)
        ari = bench.adjusted_rand(gold, predicted)
        whole = bench.whole_events(gold, groups, events)
        base = bench.pairwise(gold, ours[distractors])[2]
        se = paired_f1_difference(gold, ours[distractors], predicted, events)
        cells.append(
            f"{p:.3f} / {r:.3f} / {f:.3f} / {ari:.3f} / {whole} | {f - base:+.3f} ±{se:.3f}"
        )
    print(f"| {name} | " + " | ".join(cells) + " |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("multidoc")
    parser.add_argument("distractors", nargs="+")
    parser.add_argument("--background", nargs="*", default=[], help="JSONL of other articles")
    parser.add_argument("--background-size", type=int, default=2000)
    args = parser.parse_args()
    events = bench.load(args.multidoc)
    pool = [r for path in args.distractors for r in bench.load(path)]
    days = {n: bench.day_of(events, pool, n) for n in (100, 450)}
    settings = stories.DEFAULT_SETTINGS
    ours = {
        n: bench.labels_of(stories.group_articles(a, lang, settings), len(a))
        for n, (a, _, lang) in days.items()
    }
    print("P / R / F1 / ARI / events whole; F1 minus ours, with its paired bootstrap s.e.\n")
    print("| variant | 100 distractors | ΔF1 | 450 distractors | ΔF1 |")
    print("|---|---|---:|---|---:|")
    row("ours", days, len(events), settings, ours)
    row("threshold 0.20", days, len(events), replace(settings, threshold=0.20), ours)
    trials: list[tuple[str, dict[str, Any]]] = [
        ("channels from the cleaned text", {"_channels": cleaned_text}),
        ("lead and body from the ranker's lead on", {"_channels": from_the_lead_on}),
        (
            "an empty channel left out of the blend",
            {"_similarity": missing_channels_not_counted(False)},
        ),
        (
            "... and a title sharing no word with its text",
            {"_similarity": missing_channels_not_counted(True)},
        ),
        (
            "average link, then singletons attached by centroid",
            {"_average_link": singletons_attached_by_centroid},
        ),
        ("no language rule (names join English and French)", {"_kept_apart": one_language}),
        (
            "a full name counts once in the shared-names rule",
            {"_kept_apart": full_names_count_once},
        ),
    ]
    if args.background:
        used = {a.text for articles, _, _ in days.values() for a in articles}
        # The same share of each file, so one language does not drown the other.
        per_file = args.background_size // len(args.background)
        kept: list[dict[str, Any]] = []
        for path in args.background:
            kept += [r for r in bench.load(path) if r["text"] not in used][:per_file]
        name = f"idf over the day and {len(kept):,} background articles"
        trials.append((name, {"_similarity": background_idf(kept)}))
    for name, parts in trials:
        with swapped(**parts):
            row(name, days, len(events), settings, ours)


if __name__ == "__main__":
    main()
