"""How well the day's articles are grouped into stories, and how good story summaries are.

Usage:
    nice -n 10 python benchmarks/stories.py ../shared/eval/multidoc-dev.jsonl \\
        ../shared/eval/dev-en.jsonl ../shared/eval/dev-fr.jsonl \\
        [--background ../shared/train/train-bbc.jsonl ../shared/train/train-orangesum.jsonl]

The multi-document set holds real events, each reported by several source
articles (WikinewsSum); the single-document sets give unrelated distractor
articles (English and French). A simulated day is the events' sources plus N
distractors (a fixed random sample), shuffled.

Grouping: pairwise precision/recall/F1 (a pair is right when both articles
report the same event; a distractor is an event of its own), adjusted Rand
index, events whose sources all land in one story holding nothing else,
stories mixing languages, and whether a shuffled input gives the same
stories; then ours at thresholds either side of the default, with the
bootstrap standard error of F1 over the events (the events, not the pairs,
are independent: a difference under two standard errors is none). Beside
ours, in the same run: today's "one entry per article" and the blend without
the rules (the issue's measured starting point).

Background: with ``--background FILE...`` (JSONL articles of the same kind,
disjoint from the eval sets: the train sets), the same share of each file,
up to ``--background-size`` articles in all, stands in for the store's
articles of earlier briefings, and ours is printed with and without it: F1
difference with its paired bootstrap standard error (the same events
resampled for both), events whole, precision, mixed-language stories; the
speed is measured with it too.

Summaries (on the true events, so grouping errors do not leak in): ROUGE-1/2
F1 x100 against the Wikinews article at 5 sentences, ours beside the first
source's lead, all sources' leads (first sentences, round robin) and sumy's
LexRank over all sources' sentences, with the paired standard error of ours
minus LexRank. Repeated-fact pairs: two quoted sentences of one event that
share a name or figure and most of their content words (ours beside today's
per-article summaries of the same sources).

Speed: grouping plus story summaries of 1,000 articles whose per-article
summaries exist (as in the pipeline), median of 5 (wall and CPU time: the
machine is shared), warm and with the stage's word memo emptied first (a
CLI run's case), beside the per-article summarising of the same articles;
memory is the peak allocated by the stage. Past the 515 real articles, the
1,000 are made up with second copies of them under another source name, so
nearly every article is in a story of two: the stage's worst case. A digest
of the stories (members, headlines, quoted sentences and their scores) is
printed, so a change made for speed can show that it changed no story.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import hashlib
import json
import math
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from statistics import mean, median, stdev
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _rouge import score, scorer_for

from briefing.models import Article, BriefingItem, Length, Story
from briefing.ranker import lead_index
from briefing.store import Store
from briefing.stories import (  # the same words as the stage
    DEFAULT_SETTINGS,
    NO_BACKGROUND,
    Background,
    StorySettings,
    _channels,
    _shared_names,
    _similarity,
    _terms_for,
    _tfidf,
    _words,
    background_of,
    build_stories,
    group_articles,
    names_and_numbers,
    quotes,
    summarise_story,
)
from briefing.summarize import get_summarizer, prepare_sentences, summarize_text

SENTENCES = 5
SEED = 12


def load(path: str) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def host(url: str) -> str:
    return url.split("/")[2] if "//" in url else url


def event_articles(events: list[dict[str, Any]]) -> tuple[list[Article], list[int], list[str]]:
    """The events' source articles; one cited by two events is one article, as in the store."""
    articles, gold, languages = [], [], []
    seen: set[str] = set()
    for e, event in enumerate(events):
        for s in event["sources"]:
            if s["url"] in seen or s["text"] in seen:
                continue
            seen.update((s["url"], s["text"]))
            articles.append(
                Article(title=s["title"], text=s["text"], source=host(s["url"]), url=s["url"])
            )
            gold.append(e)
            languages.append(s.get("lang") or event["lang"])
    return articles, gold, languages


def joined_events(events: list[dict[str, Any]]) -> dict[int, int]:
    """Each event's first event among those it shares a source article with (itself if none).

    An article is in one story only, so two events citing the same source
    cannot both be whole; for a reader of one day they are one story (events
    10 and 18 of the dev set: the launch and the end of one campaign).
    """
    first: dict[str, int] = {}
    root = list(range(len(events)))

    def find(e: int) -> int:
        while root[e] != e:
            e = root[e]
        return e

    for e, event in enumerate(events):
        for source in event["sources"]:
            for key in (source["url"], source["text"]):
                if key in first:
                    a, b = sorted((find(first[key]), find(e)))
                    root[b] = a
                else:
                    first[key] = e
    return {e: find(e) for e in range(len(events))}


def distractors(records: list[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    rng = random.Random(SEED)
    return rng.sample(records, min(count, len(records)))


def day_of(events: list[dict[str, Any]], pool: list[dict[str, Any]], count: int) -> Any:
    articles, gold, languages = event_articles(events)
    texts = {a.text for a in articles}
    for k, record in enumerate(distractors(pool, count)):
        if record["text"] in texts:  # the store keeps one copy of a text
            continue
        texts.add(record["text"])
        articles.append(
            Article(
                title=record["title"],
                text=record["text"],
                source=record["dataset"],
                url=f"https://example.org/{record['id']}",
            )
        )
        gold.append(len(events) + k)
        languages.append(record["lang"])
    return articles, gold, languages


# --- grouping metrics ------------------------------------------------------------------


def labels_of(groups: list[list[int]], n: int) -> list[int]:
    labels = [0] * n
    for g, members in enumerate(groups):
        for i in members:
            labels[i] = g
    return labels


def pairwise(gold: Sequence[int], predicted: Sequence[int]) -> tuple[float, float, float]:
    def pairs(labels: Sequence[int]) -> set[tuple[int, int]]:
        by: dict[int, list[int]] = {}
        for i, label in enumerate(labels):
            by.setdefault(label, []).append(i)
        return {(a, b) for m in by.values() for x, a in enumerate(m) for b in m[x + 1 :]}

    true, found = pairs(gold), pairs(predicted)
    hit = len(true & found)
    p = hit / len(found) if found else 0.0
    r = hit / len(true) if true else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def adjusted_rand(gold: Sequence[int], predicted: Sequence[int]) -> float:
    def c2(x: int) -> float:
        return x * (x - 1) / 2.0

    n = len(gold)
    table = Counter(zip(gold, predicted, strict=True))
    index = sum(c2(v) for v in table.values())
    a = sum(c2(v) for v in Counter(gold).values())
    b = sum(c2(v) for v in Counter(predicted).values())
    expected = a * b / c2(n)
    top = (a + b) / 2.0
    return (index - expected) / (top - expected) if top != expected else 1.0


def whole_events(gold: Sequence[int], groups: list[list[int]], events: int) -> int:
    whole = 0
    for e in range(events):
        members = {i for i, g in enumerate(gold) if g == e}
        whole += any(set(group) == members for group in groups)
    return whole


def mixed_languages(groups: list[list[int]], languages: Sequence[str], gold: Sequence[int]) -> int:
    return sum(len({languages[i] for i in g}) > 1 and len({gold[i] for i in g}) > 1 for g in groups)


def canonical(groups: list[list[int]], articles: Sequence[Article]) -> set[frozenset[str]]:
    return {frozenset(articles[i].url or "" for i in g) for g in groups}


EventCounts = tuple[list[float], list[float], list[float], float]


def f1_standard_error(
    gold: Sequence[int], predicted: Sequence[int], events: int, rounds: int = 1000
) -> float:
    """Bootstrap standard error of pairwise F1, resampling the events (distractors kept).

    A predicted pair counts for the events its two articles belong to (half for
    each when they differ); pairs of two distractors are counted once in every
    round. Pairs within one event are not independent, so the events are the unit.
    """
    counts = event_counts(gold, predicted, events)
    rng = random.Random(SEED)
    scores = []
    for _ in range(rounds):
        sample = [rng.randrange(events) for _ in range(events)]
        scores.append(resampled_f1(counts, sample))
    return stdev(scores)


def paired_f1_difference(
    gold: Sequence[int], base: Sequence[int], other: Sequence[int], events: int, rounds: int = 1000
) -> float:
    """Bootstrap standard error of F1(other) - F1(base), the same events resampled for both."""
    a, b = event_counts(gold, base, events), event_counts(gold, other, events)
    rng = random.Random(SEED)
    diffs = []
    for _ in range(rounds):
        sample = [rng.randrange(events) for _ in range(events)]
        diffs.append(resampled_f1(b, sample) - resampled_f1(a, sample))
    return stdev(diffs)


def resampled_f1(counts: EventCounts, sample: Sequence[int]) -> float:
    hit, found, true, fixed = counts
    h = sum(hit[e] for e in sample)
    f = sum(found[e] for e in sample) + fixed
    t = sum(true[e] for e in sample)
    p, r = (h / f if f else 0.0), (h / t if t else 0.0)
    return 2 * p * r / (p + r) if p + r else 0.0


def event_counts(gold: Sequence[int], predicted: Sequence[int], events: int) -> EventCounts:
    """Per event: pairs found right, pairs found (half each for two events), true pairs;
    and the pairs of two distractors (counted in every resample)."""
    by: dict[int, list[int]] = {}
    for i, label in enumerate(predicted):
        by.setdefault(label, []).append(i)
    true = [0.0] * events
    hit = [0.0] * events
    found = [0.0] * events
    fixed = 0.0
    for members in by.values():
        for x, a in enumerate(members):
            for b in members[x + 1 :]:
                owners = [g for g in (gold[a], gold[b]) if g < events]
                if not owners:
                    fixed += 1
                for g in owners:
                    found[g] += 1 / len(owners)
                if gold[a] == gold[b] and gold[a] < events:
                    hit[gold[a]] += 1
    for g, size in Counter(g for g in gold if g < events).items():
        true[g] = size * (size - 1) / 2
    return hit, found, true, fixed


def explain_splits(
    articles: list[Article],
    gold: list[int],
    languages: list[str],
    events: list[dict[str, Any]],
    settings: StorySettings,
    background: Background = NO_BACKGROUND,
) -> None:
    """Each event not in one entry: its members, where they landed, and why (channel cosines).

    A member's story is listed with the articles of other events or
    distractors it took in; each pair of members shows the blended
    similarity, each channel's cosine and how many distinctive names or
    figures they share (the rule wants ``min_shared_names``).
    """
    groups = group_articles(articles, languages, settings, background)
    label = labels_of(groups, len(articles))
    channels = [_channels(a, lang, settings) for a, lang in zip(articles, languages, strict=True)]
    blend = _similarity(channels, settings, background)
    shared = _shared_names(channels, settings, background)
    cosines = {}
    for name in ("title", "lead", "body", "names"):
        matrix = _tfidf([getattr(c, name) for c in channels], background.of(name), background.size)
        cosines[name] = (matrix @ matrix.T).toarray()
    print(f"\nEvents not in one entry (threshold {settings.threshold:.2f}):")
    for e, event in enumerate(events):
        members = [i for i, g in enumerate(gold) if g == e]
        if any(set(g) == set(members) for g in groups):
            continue
        print(f"\n- event {e}: {event['title']} ({event.get('date') or 'undated'})")
        for i in members:
            others = [articles[j].title[:40] for j in groups[label[i]] if gold[j] != e]
            with_ = f"; with {others}" if others else ""
            when = articles[i].published.date() if articles[i].published else "undated"
            print(
                f"  [{i}] story {label[i]} {languages[i]} {when} "
                f"{len(articles[i].text.split())} words: {articles[i].title[:60]!r}{with_}"
            )
        for i in members:
            links = nearest_links(i, members, articles, gold, blend, shared, settings, len(events))
            print(f"    {links}")
        for x, a in enumerate(members):
            for b in members[x + 1 :]:
                parts = " ".join(f"{n} {cosines[n][a, b]:.2f}" for n in cosines)
                print(f"    {a}-{b}: blend {blend[a, b]:.3f} ({parts}), shared {shared[a, b]}")


def nearest_links(
    i: int,
    members: Sequence[int],
    articles: Sequence[Article],
    gold: Sequence[int],
    blend: Any,
    shared: Any,
    settings: StorySettings,
    events: int,
) -> str:
    """Member ``i``'s strongest link in its event beside its nearest article outside it.

    What a split comes down to: how far the best link to its own event is
    under the threshold, and whether something else is nearer (a distractor,
    another event) or nothing is (a page unlike every other article).
    """
    own = [j for j in members if j != i]
    others = [j for j in range(len(articles)) if gold[j] != gold[i]]
    if not own or not others:
        return f"[{i}] nothing to compare"
    best = max(own, key=lambda j: (blend[i, j], -j))
    near = max(others, key=lambda j: (blend[i, j], -j))
    short = " (too few shared names)" if shared[i, best] < settings.min_shared_names else ""
    what = f"event {gold[near]}" if gold[near] < events else "distractor"
    return (
        f"[{i}] best in its event [{best}] {blend[i, best]:.3f}, shared {shared[i, best]}{short}; "
        f"nearest outside it [{near}] {blend[i, near]:.3f} ({what}: {articles[near].title[:40]!r})"
    )


def neighbouring_thresholds(
    articles: list[Article],
    gold: list[int],
    languages: list[str],
    events: int,
    settings: StorySettings,
    background: Background = NO_BACKGROUND,
) -> None:
    """Ours at thresholds either side of the default: a figure that holds is not a knife-edge."""
    with_ = f" with the background of {background.size:,}" if background.size else ""
    print(
        f"\nOurs{with_} at neighbouring thresholds (F1 s.e.: bootstrap over the {events} events):\n"
    )
    print("| threshold | P | R | F1 | F1 s.e. | events whole |")
    print("|---:|---:|---:|---:|---:|---:|")
    for step in (-0.04, -0.02, 0.0, 0.02, 0.04):
        s = replace(settings, threshold=round(settings.threshold + step, 4))
        groups = group_articles(articles, languages, s, background)
        predicted = labels_of(groups, len(articles))
        p, r, f = pairwise(gold, predicted)
        se = f1_standard_error(gold, predicted, events)
        whole = whole_events(gold, groups, events)
        print(f"| {s.threshold:.2f} | {p:.3f} | {r:.3f} | {f:.3f} | {se:.3f} | {whole}/{events} |")


def grouping_row(
    name: str,
    articles: list[Article],
    gold: list[int],
    languages: list[str],
    events: int,
    settings: StorySettings | None,
    background: Background = NO_BACKGROUND,
) -> dict[str, Any]:
    if settings is None:
        groups = [[i] for i in range(len(articles))]
    else:
        groups = group_articles(articles, languages, settings, background)
    predicted = labels_of(groups, len(articles))
    p, r, f = pairwise(gold, predicted)
    stable = "-"
    if settings is not None:
        order = list(range(len(articles)))
        random.Random(SEED + 1).shuffle(order)
        shuffled = group_articles(
            [articles[i] for i in order], [languages[i] for i in order], settings, background
        )
        remapped = [[order[i] for i in g] for g in shuffled]
        stable = "yes" if canonical(remapped, articles) == canonical(groups, articles) else "NO"
    return {
        "name": name,
        "p": p,
        "r": r,
        "f": f,
        "ari": adjusted_rand(gold, predicted),
        "whole": whole_events(gold, groups, events),
        "mixed": mixed_languages(groups, languages, gold),
        "entries": len(groups),
        "stable": stable,
        "labels": predicted,
    }


# --- summaries --------------------------------------------------------------------------


def sentences_of(article: Article) -> list[str]:
    return prepare_sentences(article.text, "en")[1]


def lead(article: Article, k: int) -> list[str]:
    return sentences_of(article)[:k]


def all_leads(articles: Sequence[Article], k: int) -> list[str]:
    split = [sentences_of(a) for a in articles]
    picked: list[str] = []
    depth = 0
    while len(picked) < k and any(depth < len(s) for s in split):
        picked += [s[depth] for s in split if depth < len(s)][: k - len(picked)]
        depth += 1
    return picked


def lexrank_all(articles: Sequence[Article], k: int) -> list[str]:
    sentences = [s for a in articles for s in sentences_of(a)]
    summary = get_summarizer("lexrank").summarize(
        sentences, language="en", length=Length(sentences=k)
    )
    return [s.text for s in summary.sentences]


def per_article(articles: Sequence[Article]) -> list[list[str]]:
    return [
        [s.text for s in summarize_text(a.text, language="en", length=Length(3)).sentences]
        for a in articles
    ]


def repeated_pairs(sentences: Sequence[str]) -> int:
    """Pairs sharing a name or figure and at least half of the smaller's content words."""
    terms = _terms_for("en")
    bags = [set(terms.terms(_words(s))) for s in sentences]
    names = [set(names_and_numbers(s, terms)) for s in sentences]
    count = 0
    for i in range(len(sentences)):
        for j in range(i + 1, len(sentences)):
            small = min(len(bags[i]), len(bags[j]))
            if small >= 4 and names[i] & names[j] and len(bags[i] & bags[j]) >= 0.5 * small:
                count += 1
    return count


def restated_pairs(picked: Sequence[Any]) -> list[tuple[str, str]]:
    """Quoted sentences of two different articles stating one fact around the same names.

    Both name two names or figures or more, and they share at least two and
    half of the smaller sentence's: "Lycos has made a screensaver ..." and
    "Lycos Europe has started to offer a controversial screensaver ...". A
    reader reads that fact twice. (Measured with the stage's name finder,
    not with the ranker's entity overlap the stage uses to avoid them.)
    """
    terms = _terms_for("en")
    names = [set(names_and_numbers(s.text, terms)) for s in picked]
    pairs = []
    for i in range(len(picked)):
        for j in range(i + 1, len(picked)):
            if picked[i].article is picked[j].article:
                continue
            small = min(len(names[i]), len(names[j]))
            shared = len(names[i] & names[j])
            if small >= 2 and shared >= 2 and shared >= 0.5 * small:
                pairs.append((picked[i].text, picked[j].text))
    return pairs


def representative_first(articles: Sequence[Article], settings: StorySettings) -> list[Article]:
    """The event's articles as the stage orders a story's: the one closest to the rest first.

    The stage measures closeness with the whole day's word weights; here the
    event's articles alone give them (the same blend of channels).
    """
    channels = [_channels(a, "en", settings) for a in articles]
    similarity = _similarity(channels, settings)
    closeness = similarity.sum(axis=1) - similarity.diagonal()
    best = int(closeness.argmax())
    return [articles[best], *(a for k, a in enumerate(articles) if k != best)]


def opens_on_lead(picked: Sequence[Any]) -> bool:
    """Whether the summary's first sentence is its article's lead (what happened)."""
    if not picked:
        return False
    first = picked[0]
    return first.index == lead_index(sentences_of(first.article), "en")


def summary_rows(
    events: list[dict[str, Any]], settings: StorySettings, *, explain: bool = False
) -> None:
    scorer = scorer_for("en")
    systems: dict[str, list[dict[str, float]]] = {
        "story summary (ours)": [],
        "first source's lead": [],
        "all sources' leads": [],
        "LexRank over all sources": [],
    }
    ours_repeats = today_repeats = restated = leads = 0
    verbatim = attributed = total = unquotable = 0
    for event in events:
        articles, _, _ = event_articles([event])
        ordered = representative_first(articles, settings)
        picked = summarise_story(ordered, "en", replace(settings, sentences=SENTENCES))
        pairs = restated_pairs(picked)
        restated += len(pairs)
        leads += opens_on_lead(picked)
        unquotable += sum(s.text.rstrip()[-1:] not in ".!?…»\"”’)'" for s in picked)
        if explain:
            print(f"\n{event['title']}")
            for s in picked:
                print(f"  [{ordered.index(s.article)}:{s.index}] {s.text[:110]}")
            for a, b in pairs:
                print(f"  restated: {a[:60]!r} / {b[:60]!r}")
        total += len(picked)
        verbatim += sum(quotes(s.article, s.text) for s in picked)
        attributed += sum(s.article in articles and bool(s.article.url) for s in picked)
        outputs = {
            "story summary (ours)": [s.text for s in picked],
            "first source's lead": lead(articles[0], SENTENCES),
            "all sources' leads": all_leads(articles, SENTENCES),
            "LexRank over all sources": lexrank_all(articles, SENTENCES),
        }
        for name, sentences in outputs.items():
            systems[name].append(score(scorer, event["summary"], " ".join(sentences)))
        ours_repeats += repeated_pairs(outputs["story summary (ours)"])
        today_repeats += repeated_pairs([s for x in per_article(articles) for s in x])
    print(f"\n## Story summaries ({len(events)} events, {SENTENCES} sentences, ROUGE F1 x100)\n")
    print("| system | R-1 | R-2 | R-L |")
    print("|---|---:|---:|---:|")
    for name, rows in systems.items():
        r1, r2, rl = (mean(r[m] for r in rows) for m in ("rouge1", "rouge2", "rougeL"))
        print(f"| {name} | {r1:.2f} | {r2:.2f} | {rl:.2f} |")
    ours, lex = systems["story summary (ours)"], systems["LexRank over all sources"]
    for metric in ("rouge1", "rouge2"):
        diffs = [a[metric] - b[metric] for a, b in zip(ours, lex, strict=True)]
        se = stdev(diffs) / math.sqrt(len(diffs))
        print(f"- ours - LexRank, {metric}: {mean(diffs):+.2f} (paired s.e. {se:.2f})")
    print(
        f"- repeated-fact pairs: ours {ours_repeats} over {len(events)} stories; "
        f"today's per-article summaries (3 sentences each) {today_repeats}"
    )
    print(
        f"- restated-fact pairs (two sources' sentences around the same names and "
        f"figures): ours {restated} over {len(events)} stories"
    )
    print(
        f"- summaries opening on their article's lead sentence: {leads}/{len(events)}; "
        f"quoted sentences without final punctuation (headlines, menus): {unquotable}"
    )
    print(f"- verbatim sentences {verbatim}/{total}; attributed and linked {attributed}/{total}")


# --- speed and memory --------------------------------------------------------------------


def thousand_items(events: list[dict[str, Any]], pool: list[dict[str, Any]]) -> list[BriefingItem]:
    articles, _, _ = event_articles(events)
    for record in pool:
        articles.append(
            Article(
                title=record["title"],
                text=record["text"],
                source=record["dataset"],
                url=f"https://example.org/{record['id']}",
                language=record["lang"],
            )
        )
    # Past the distractors: the same reports again from a second outlet, so
    # the story summaries have work to do.
    k = 0
    while len(articles) < 1000:
        base = articles[k]
        articles.append(replace(base, source=f"{base.source} (mirror)", url=f"{base.url}#mirror"))
        k += 1
    return [
        BriefingItem(
            article=a,
            summary=summarize_text(a.text, language=a.language or "en", length=Length(3)),
        )
        for a in articles[:1000]
    ]


def stories_digest(stories: Sequence[Story]) -> str:
    """A hash of the stories: members, headline, and each quoted sentence with its score."""
    digest = hashlib.sha256()
    for story in stories:
        digest.update(repr((story.key, story.headline)).encode())
        digest.update(repr([i.article.url for i in story.items]).encode())
        for s in story.sentences:
            digest.update(repr((s.article.url, s.index, s.text, s.score)).encode())
    return digest.hexdigest()[:16]


def speed(
    events: list[dict[str, Any]], pool: list[dict[str, Any]], background: Sequence[Article] = ()
) -> None:
    start = time.process_time()
    items = thousand_items(events, pool)
    per_article_seconds = time.process_time() - start
    print(f"\n## Speed: {len(items)} articles\n")
    with tempfile.TemporaryDirectory() as folder, Store(Path(folder) / "b.sqlite3") as store:
        day = date(2026, 11, 23)
        if background:
            # The background as the pipeline reads it: articles of an earlier
            # briefing in a real store, read back by the stage's query.
            for article in background:
                store.add_articles(article.source, [article])
            store.mark_briefed(
                [a.id for a in store.unbriefed_articles() if a.id], date(2026, 11, 22)
            )
        for with_background in (False, True) if background else (False,):
            _speed_rows(items, store if with_background else None, day, per_article_seconds)
    print(f"- load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


def _speed_rows(
    items: list[BriefingItem], store: Store | None, day: date, per_article_seconds: float
) -> None:
    settings = DEFAULT_SETTINGS

    def history() -> list[Article]:
        if store is None:
            return []
        return store.background_articles(
            day,
            limit=settings.background_articles,
            days=settings.background_days,
            chars=settings.read_chars,
        )

    def stage() -> tuple[Story, ...]:
        return build_stories(items, settings=settings, background=history())

    known = len(history())
    with_ = f" with the store's background of {known:,} articles (read included)" if known else ""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    timings, cpu, cold, cold_cpu = [], [], [], []
    for _ in range(5):
        start, start_cpu = time.perf_counter(), time.process_time()
        stories = stage()
        timings.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    # A CLI run starts with the stage's word memo empty (the summariser's
    # lexicon is its own): every word of the day is stemmed once more.
    for _ in range(5):
        _terms_for.cache_clear()
        start, start_cpu = time.perf_counter(), time.process_time()
        stage()
        cold.append(time.perf_counter() - start)
        cold_cpu.append(time.process_time() - start_cpu)
    extra = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024.0
    # The resident peak may predate the stage: count what it allocates too
    # (tracemalloc sees numpy's buffers), in a run of its own, untimed.
    tracemalloc.start()
    stage()
    allocated = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    multi = sum(len(s.items) > 1 for s in stories)
    print(f"Grouping + story summaries{with_}: {len(stories)} stories ({multi} of several)\n")
    print(f"- stories digest {stories_digest(stories)} (the same before and after a speed change)")
    print(
        f"- median {median(timings):.2f} s wall, {median(cpu):.2f} s CPU "
        f"(wall runs {', '.join(f'{t:.2f}' for t in timings)}); "
        f"peak allocated {allocated:.0f} MB; resident peak grew {extra:.0f} MB"
    )
    print(
        f"- the same with the word memo empty, as in a CLI run: median {median(cold):.2f} s "
        f"wall, {median(cold_cpu):.2f} s CPU"
    )
    print(
        f"- baseline in the same run: per-article summarising of the same articles "
        f"{per_article_seconds:.2f} s CPU (ratio {median(cpu) / per_article_seconds:.2f})\n"
    )


def background_articles(
    paths: Sequence[str], size: int, used: set[str], seed: int | None = None
) -> list[Article]:
    """The same share of each file, texts of the eval day left out (one language must not
    drown the other): stands in for the store's articles of earlier briefings. The first
    records of each file, or with ``seed`` a random sample of them (another history)."""
    kept: list[Article] = []
    for path in paths:
        records = [r for r in load(path) if r["text"] not in used]
        share = min(size // len(paths), len(records))
        records = random.Random(seed).sample(records, share) if seed else records[:share]
        kept += [
            Article(
                title=r["title"],
                text=r["text"],
                source=r.get("dataset", "background"),
                language=r["lang"],
            )
            for r in records
        ]
    return kept


def background_rows(
    articles: list[Article],
    gold: list[int],
    languages: list[str],
    events: int,
    settings: StorySettings,
    background: Background,
) -> None:
    """Ours with and without the background, and the F1 difference's paired standard error."""
    rows = [
        grouping_row("ours, idf over the day", articles, gold, languages, events, settings),
        grouping_row(
            f"ours, idf over the day and {background.size:,} background articles",
            articles,
            gold,
            languages,
            events,
            settings,
            background,
        ),
    ]
    print("\n| idf | P | R | F1 | ΔF1 (paired s.e.) | events whole | mixed-language | stable |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for row in rows:
        delta = row["f"] - rows[0]["f"]
        se = paired_f1_difference(gold, rows[0]["labels"], row["labels"], events)
        print(
            f"| {row['name']} | {row['p']:.3f} | {row['r']:.3f} | {row['f']:.3f} | "
            f"{delta:+.3f} ({se:.3f}) | {row['whole']}/{events} | {row['mixed']} | "
            f"{row['stable']} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("multidoc")
    parser.add_argument("distractors", nargs="+")
    parser.add_argument("--threshold", type=float, default=DEFAULT_SETTINGS.threshold)
    parser.add_argument("--no-speed", action="store_true")
    parser.add_argument("--speed-only", action="store_true")
    parser.add_argument("--summaries-only", action="store_true")
    parser.add_argument(
        "--background",
        nargs="+",
        default=[],
        metavar="FILE",
        help="JSONL articles standing in for the store's earlier briefings (disjoint from eval)",
    )
    parser.add_argument("--background-size", type=int, default=DEFAULT_SETTINGS.background_articles)
    parser.add_argument(
        "--background-seed",
        type=int,
        default=None,
        help="a random sample of each background file instead of its first records",
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="print each split event's members and channel similarities, and each story summary",
    )
    args = parser.parse_args()
    events = load(args.multidoc)
    pool = [r for path in args.distractors for r in load(path)]
    settings = replace(DEFAULT_SETTINGS, threshold=args.threshold)
    blend_only = replace(settings, min_shared_names=0, window_hours=math.inf)
    # The measured starting point: title weighted up, cut at 0.25, no rules.
    starting_point = replace(
        blend_only, title_weight=2.0, lead_weight=1.0, body_weight=1.0, names_weight=1.0
    )
    starting_point = replace(starting_point, threshold=0.25)
    used = {a.text for a in event_articles(events)[0]} | {r["text"] for r in pool}
    history = background_articles(args.background, args.background_size, used, args.background_seed)
    background = background_of(history, settings)
    if args.speed_only:
        speed(events, pool, history)
        return
    if args.summaries_only:
        summary_rows(events, settings, explain=args.explain)
        return
    for count in (100, 450):
        articles, gold, languages = day_of(events, pool, count)
        print(f"\n## Grouping: {len(events)} events + {count} distractors = {len(articles)}\n")
        print("| method | P | R | F1 | ARI | events whole | mixed-language | entries | stable |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
        for name, s in (
            ("one entry per article (today)", None),
            ("issue's starting point (title x2, 0.25, no rules)", starting_point),
            ("our blend without the rules", blend_only),
            ("ours", settings),
        ):
            row = grouping_row(name, articles, gold, languages, len(events), s)
            print(
                f"| {row['name']} | {row['p']:.3f} | {row['r']:.3f} | {row['f']:.3f} | "
                f"{row['ari']:.3f} | {row['whole']}/{len(events)} | {row['mixed']} | "
                f"{row['entries']} | {row['stable']} |"
            )
        joined = joined_events(events)
        if any(joined[e] != e for e in joined):
            gold_joined = [joined.get(g, g) for g in gold]
            row = grouping_row("", articles, gold_joined, languages, len(events), settings)
            whole = whole_events(
                gold_joined, group_articles(articles, languages, settings), len(events)
            )
            kept = len(set(joined.values()))
            print(
                f"\nOurs with events that share a source article counted as one story "
                f"({kept} events): P {row['p']:.3f}, R {row['r']:.3f}, F1 {row['f']:.3f}, "
                f"ARI {row['ari']:.3f}, events whole {whole}/{kept}"
            )
        neighbouring_thresholds(articles, gold, languages, len(events), settings)
        if background.size:
            background_rows(articles, gold, languages, len(events), settings, background)
            neighbouring_thresholds(articles, gold, languages, len(events), settings, background)
        if args.explain:
            explain_splits(articles, gold, languages, events, settings, background)
    summary_rows(events, settings, explain=args.explain)
    if not args.no_speed:
        speed(events, pool, history)


if __name__ == "__main__":
    main()
